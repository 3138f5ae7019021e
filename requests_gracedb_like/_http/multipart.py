"""A ``multipart/form-data`` body read from disk as it is sent:
:class:`MultipartBody` and :func:`encode`.

requests builds a multipart body whole in memory (a 1 GiB file needs over
2 GiB of RAM). :func:`encode` produces the same bytes, with the same field
rules, but leaves regular files on disk: :class:`MultipartBody` reads them
piece by piece when the connection asks for more, and knows its total length
beforehand, so the request carries an exact ``Content-Length``.

requests-toolbelt's ``MultipartEncoder`` does the same job; it is not used
because importing it loads the whole toolbelt and it does not reproduce
requests' field rules (a list of values, ``None`` values, 4-tuples with
headers), which uploads must keep.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from typing import Any, Optional, Union

from requests.utils import guess_filename, to_key_val_list
from urllib3.fields import RequestField
from urllib3.filepost import choose_boundary

__all__ = ["MultipartBody", "encode", "file_size"]

#: How much a single read returns at most when iterated.
CHUNK = 1 << 20

_Segment = Union[bytes, "_FilePart"]


class _FilePart:
    """``length`` bytes of `file`, from offset `start`."""

    __slots__ = ("file", "length", "name", "start")

    def __init__(self, file: Any, start: int, length: int) -> None:
        self.file = file
        self.start = start
        self.length = length
        self.name = getattr(file, "name", "a file")


def file_size(obj: Any) -> Optional[int]:
    """Bytes left to read in a binary regular file, or None if `obj` is
    anything else (a pipe, standard input, a text file, an object whose size
    cannot be known beforehand)."""
    if not isinstance(obj, (io.BufferedReader, io.FileIO)):
        return None
    try:
        st = os.fstat(obj.fileno())
        if not stat.S_ISREG(st.st_mode) or not obj.seekable():
            return None
        return max(st.st_size - obj.tell(), 0)
    except (OSError, ValueError):
        return None


def _field_headers(rf: RequestField) -> bytes:
    return rf.render_headers().encode("utf-8")


def _as_bytes(data: Any) -> bytes:
    if isinstance(data, int):
        data = str(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    return bytes(data)


def encode(data: Any, files: Any, *, boundary: Optional[str] = None) -> MultipartBody:
    """Encode form fields and files as requests does, leaving regular files
    on disk.

    Parameters
    ----------
    data : dict or list of tuple, optional
        The ``data=`` argument: plain form fields.
    files : dict or list of tuple
        The ``files=`` argument, in any form requests accepts.
    boundary : str, optional
        The part boundary; random by default.

    Returns
    -------
    MultipartBody
        The body; ``body.content_type`` is the request's ``Content-Type``.

    Notes
    -----
    The bytes are those of :meth:`requests.PreparedRequest.prepare_body` for
    the same arguments. A binary regular file (``open(path, "rb")``) is read
    from its current position to the end of the file as it is at this call;
    any other file object is read now, as requests would.
    """
    if not files:
        raise ValueError("files must be given")
    if isinstance(data, (str, bytes)):
        raise ValueError("data must not be a string when files are given")
    boundary = boundary or choose_boundary()
    segments: list[_Segment] = []

    def part(rf: RequestField, body: _Segment) -> None:
        segments.append(f"--{boundary}\r\n".encode("latin-1") + _field_headers(rf))
        segments.append(body)
        segments.append(b"\r\n")

    for name, value in to_key_val_list(data or {}):
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            value = [value]
        for v in value:
            if v is None:
                continue
            if not isinstance(v, bytes):
                v = str(v)
            field = name.decode("utf-8") if isinstance(name, bytes) else name
            rf = RequestField.from_tuples(field, _as_bytes(v))
            part(rf, _as_bytes(v))

    for name, value in to_key_val_list(files):
        ctype = headers = None
        if isinstance(value, (tuple, list)):
            if len(value) == 2:
                filename, content = value
            elif len(value) == 3:
                filename, content, ctype = value
            else:
                filename, content, ctype, headers = value
        else:
            filename, content = guess_filename(value) or name, value
        size = file_size(content)
        if content is None:
            continue
        rf = RequestField(name=name, data=b"", filename=filename, headers=headers)
        rf.make_multipart(content_type=ctype)
        if size is not None:
            part(rf, _FilePart(content, content.tell(), size))
        elif isinstance(content, (str, bytes, bytearray)):
            part(rf, _as_bytes(content))
        elif hasattr(content, "read"):
            part(rf, _as_bytes(content.read()))
        else:
            part(rf, _as_bytes(content))
    segments.append(f"--{boundary}--\r\n".encode("latin-1"))
    return MultipartBody(segments, boundary)


class MultipartBody:
    """A multipart body of known length, read from its parts on demand.

    It is a read-only, seekable file object: requests sends it with its
    length as ``Content-Length``, and can rewind it (for a 307/308 redirect,
    or a retry) with :meth:`seek`. Made by :func:`encode`.
    """

    def __init__(self, segments: list[_Segment], boundary: str) -> None:
        self._segments = [s for s in segments if not isinstance(s, bytes) or s]
        self.boundary = boundary
        self.content_type = f"multipart/form-data; boundary={boundary}"
        self._length = sum(
            len(s) if isinstance(s, bytes) else s.length for s in self._segments
        )
        self._index = 0  # the segment being read
        self._offset = 0  # how far into it
        self._position = 0

    def __len__(self) -> int:
        return self._length

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._length} bytes>"

    def tell(self) -> int:
        """The position in the body, in bytes."""
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Move to `offset` (from the start, the current position or the end,
        by `whence`), as ``io.IOBase.seek``."""
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._length}
        target = min(max(base[whence] + offset, 0), self._length)
        self._index, self._offset, self._position = 0, 0, target
        remaining = target
        for segment in self._segments:
            size = len(segment) if isinstance(segment, bytes) else segment.length
            if remaining < size:
                break
            remaining -= size
            self._index += 1
        self._offset = remaining
        return target

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def read(self, size: Optional[int] = -1) -> bytes:
        """Return up to `size` bytes (everything left when negative or
        None); ``b""`` at the end.

        Raises
        ------
        OSError
            If a file ends before the length it had when the body was made
            (it was truncated meanwhile); the message names the file.
        """
        if size is None or size < 0:
            size = self._length - self._position
        out = []
        while size > 0 and self._index < len(self._segments):
            segment = self._segments[self._index]
            if isinstance(segment, bytes):
                chunk = segment[self._offset : self._offset + size]
                total = len(segment)
            else:
                chunk = self._read_file(segment, size)
                total = segment.length
            out.append(chunk)
            size -= len(chunk)
            self._offset += len(chunk)
            self._position += len(chunk)
            if self._offset >= total:
                self._index += 1
                self._offset = 0
        return out[0] if len(out) == 1 else b"".join(out)

    def _read_file(self, part: _FilePart, size: int) -> bytes:
        want = min(size, part.length - self._offset)
        file = part.file
        where = part.start + self._offset
        if file.tell() != where:
            file.seek(where)
        chunk = file.read(want)
        if len(chunk) < want:
            raise OSError(
                f"{part.name!r} became shorter while it was being uploaded "
                f"({part.start + self._offset + len(chunk)} bytes, "
                f"{part.start + part.length} expected)"
            )
        return chunk

    def __iter__(self) -> Iterator[bytes]:
        while True:
            chunk = self.read(CHUNK)
            if not chunk:
                return
            yield chunk
