"""Type aliases shared by the modules that take file paths."""

from __future__ import annotations

import os
from typing import Union

__all__ = ["PathLike"]

#: A file path as users pass it: text or an :class:`os.PathLike`.
PathLike = Union[str, "os.PathLike[str]"]
