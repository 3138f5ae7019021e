"""Fixtures of the adversarial suite (see ``hostile.py`` and
``front_ends.py``)."""

from front_ends import front_end
from hostile import recorder, short_error_reads, tunnel

__all__ = ["front_end", "recorder", "short_error_reads", "tunnel"]
