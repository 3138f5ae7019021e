"""Fixtures of the adversarial suite (see ``hostile.py``)."""

from hostile import recorder

__all__ = ["recorder"]
