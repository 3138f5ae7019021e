"""Progress bars for large transfers, shown only on a terminal and only
with tqdm installed (the ``cli`` extra)."""

from __future__ import annotations

import io
import os
import sys
from typing import Any, Optional

__all__ = ["PROGRESS_THRESHOLD", "Upload", "progress_bar"]


#: Transfers at least this large get a progress bar on a terminal.
PROGRESS_THRESHOLD = 4 * 1024 * 1024


class Upload:
    """A request body that advances a progress bar as it is sent: `body`
    (bytes, or a binary file object read as the connection asks) of `size`
    bytes. Seekable, so that a redirect or a retry can send it again."""

    def __init__(self, body: Any, size: int, progress: Any) -> None:
        self._body = io.BytesIO(body) if isinstance(body, bytes) else body
        self._size = size
        self._progress = progress

    def __len__(self) -> int:
        return self._size

    def read(self, size: Optional[int] = -1) -> bytes:
        chunk: bytes = self._body.read(size)
        self._progress.update(len(chunk))
        return chunk

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return int(self._body.seek(offset, whence))

    def tell(self) -> int:
        return int(self._body.tell())


class _NoProgress:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(total: Optional[int], description: str, *, enabled: bool) -> Any:
    """A tqdm bar on standard error, or an object that does nothing.

    Bars show for transfers of at least :data:`PROGRESS_THRESHOLD` bytes (or
    of unknown size, after two seconds), only on a terminal, and only when
    tqdm is installed (the ``cli`` extra).
    """
    if not enabled or not sys.stderr.isatty():
        return _NoProgress()
    if total is not None and total < PROGRESS_THRESHOLD:
        return _NoProgress()
    try:
        from tqdm import tqdm  # type: ignore[import-untyped]
    except ImportError:
        return _NoProgress()
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
    except OSError:
        size = os.terminal_size((0, 0))
    return tqdm(
        total=total,
        # a terminal that reports no size (a bare pty) would get no bar
        ncols=None if size.columns > 0 else 80,
        nrows=None if size.lines > 0 else 24,
        desc=description,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=sys.stderr,
        delay=0 if total is not None else 2,
    )
