"""Fixtures of the adversarial suite (see ``hostile.py``)."""

from hostile import recorder, short_error_reads

__all__ = ["recorder", "short_error_reads"]
