"""File uploads that open paths and guess MIME types:
:class:`SessionFileMixin`."""

from __future__ import annotations

import mimetypes
import os
import sys
from contextlib import ExitStack
from pathlib import PurePath
from typing import Any

import requests
from requests.utils import guess_filename, to_key_val_list

from ._http.arguments import request_kwargs

__all__ = [
    "STREAM_THRESHOLD",
    "SessionFileMixin",
    "guess_content_type",
    "prepare_files",
    "read_opened",
]

#: Uploads whose files on disk add up to at least this many bytes are
#: streamed from disk instead of being built in memory.
STREAM_THRESHOLD = 8 * 2**20

#: Types for science data files that the system's MIME tables disagree on or
#: lack; consulted before :func:`mimetypes.guess_type`, so an upload is
#: labelled the same way on every machine.
SCIENCE_TYPES = {
    ".fits": "application/fits",
    ".fit": "application/fits",
    ".fts": "application/fits",
    ".fz": "application/fits",
    ".hdf5": "application/x-hdf5",
    ".h5": "application/x-hdf5",
    ".he5": "application/x-hdf5",
    ".xml": "application/xml",
    ".votable": "application/x-votable+xml",
    ".json": "application/json",
}

DEFAULT_CONTENT_TYPE = "application/octet-stream"


def guess_content_type(filename: str) -> str:
    """Guess a MIME type from a file name.

    A compressed file is labelled with the type of what it holds, as
    requests-gracedb does (``skymap.fits.gz`` is ``application/fits``).

    Examples
    --------
    >>> guess_content_type("bayestar.multiorder.fits")
    'application/fits'
    >>> guess_content_type("event.xml.gz")
    'application/xml'
    >>> guess_content_type("notes.txt")
    'text/plain'
    >>> guess_content_type("blob")
    'application/octet-stream'
    """
    name = os.path.basename(filename).lower()
    root, ext = os.path.splitext(name)
    if ext in (".gz", ".bz2", ".xz", ".zst"):
        ext = os.path.splitext(root)[1]
    if ext in SCIENCE_TYPES:
        return SCIENCE_TYPES[ext]
    return mimetypes.guess_type(name, strict=False)[0] or DEFAULT_CONTENT_TYPE


def _open(
    key: Any, path: str | os.PathLike[str], stack: ExitStack, opened: list[Any]
) -> Any:
    if os.fspath(path) == "-":
        # stdin is the caller's: read from it but never close it.
        f = sys.stdin.buffer
    else:
        try:
            f = stack.enter_context(open(path, "rb"))  # noqa: SIM115 - on the stack
        except ValueError as exc:
            # a NUL byte or an unencodable character: open() does not say where
            raise ValueError(f"files[{key!r}]: cannot open {path!r}: {exc}") from None
    opened.append(f)
    return f


def _prepare(
    key: Any, val: Any, stack: ExitStack, opened: list[Any]
) -> tuple[Any, Any]:
    if isinstance(val, PurePath):
        val = (os.fspath(val), None)
    if isinstance(val, (tuple, list)):
        if len(val) == 0:
            raise ValueError(f"files[{key!r}] is an empty tuple")
        filename = val[0]
        if len(val) < 2 or val[1] is None:
            if filename is None:
                raise ValueError(
                    f"files[{key!r}] gives neither a file name nor content"
                )
            content = _open(key, filename, stack, opened)
            filename = os.path.basename(os.fspath(filename))
            val = (filename, content, *val[2:])
        elif isinstance(filename, PurePath):
            val = (os.fspath(filename), *val[1:])
        if len(val) < 3 or val[2] is None:
            name = val[0] if val[0] is not None else str(key)
            val = (val[0], val[1], guess_content_type(os.fspath(name)), *val[3:])
        return key, tuple(val)
    filename = guess_filename(val) or str(key)
    return key, (filename, val, guess_content_type(filename))


def prepare_files(files: Any, stack: ExitStack, opened: list[Any] | None = None) -> Any:
    """Open the paths named in `files` and add guessed MIME types.

    Parameters
    ----------
    files : dict or list of tuple
        The ``files=`` argument of :meth:`requests.Session.request`.
    stack : contextlib.ExitStack
        Files opened here are registered on it, for the caller to close.
    opened : list, optional
        Files opened here (and standard input, for ``-``) are appended to
        it.

    Returns
    -------
    list of tuple
        ``(field, (filename, content, content_type, ...))`` for each file.

    Raises
    ------
    FileNotFoundError, PermissionError
        If a path cannot be opened; nothing has been sent.
    ValueError
        If a path holds a NUL byte or cannot be encoded, naming the field.
    """
    if files is None:
        return None
    opened = [] if opened is None else opened
    return [_prepare(k, v, stack, opened) for k, v in to_key_val_list(files)]


def read_opened(files: list[tuple[Any, Any]], opened: list[Any]) -> list[Any]:
    """Replace the `opened` files in prepared `files` by their content.

    This is what requests-gracedb passes to requests for a path, and what
    requests would read into memory anyway for an upload that is not
    streamed.
    """
    ids = {id(f) for f in opened}
    return [
        (k, (v[0], v[1].read(), *v[2:]))
        if isinstance(v, tuple) and len(v) > 1 and id(v[1]) in ids
        else (k, v)
        for k, v in files
    ]


class SessionFileMixin:
    """A mixin for :class:`requests.Session` that makes file uploads easier.

    Notes
    -----
    Each value in ``files=`` may be:

    * a file object or content, as in requests; its MIME type is guessed from
      its name (or the field name);
    * a :class:`pathlib.Path`: the file at that path;
    * ``(filename, None)`` or ``(filename,)``: the file at that path, sent
      under its base name; ``-`` reads standard input (which is not closed);
    * ``(filename, content)``, ``(filename, content, None)``: the MIME type is
      guessed from `filename`;
    * ``(filename, content, content_type[, headers])``: sent as given.

    Unknown types are sent as ``application/octet-stream``. A path that cannot
    be opened raises before anything is sent; files opened here are closed
    when the request ends, whether it succeeded or not. Every other argument
    (``allow_redirects=False`` included) reaches requests unchanged.

    When the regular files in an upload (paths, or files opened in binary
    mode) add up to at least ``upload_stream_threshold`` bytes (default
    :data:`~requests_gracedb_like.file.STREAM_THRESHOLD`, 8 MiB), the
    multipart body is streamed from disk with an exact ``Content-Length``
    (:class:`~requests_gracedb_like._http.multipart.MultipartBody`), so memory
    use does not grow with the file; the bytes sent are those requests
    would send. Smaller uploads, and files whose size cannot be known
    beforehand (standard input, pipes), are built in memory by requests as
    before; the paths among them reach requests as their bytes, as
    requests-gracedb passes them.
    """

    #: Stream uploads whose regular files add up to at least this many bytes.
    upload_stream_threshold: int = STREAM_THRESHOLD

    def request(
        self, method: str, url: Any, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if args:
            kwargs = request_kwargs(args, kwargs)
            args = ()
        files = kwargs.get("files")
        if files is None:
            return super().request(method, url, **kwargs)  # type: ignore[misc]
        with ExitStack() as stack:
            opened: list[Any] = []
            kwargs["files"] = prepare_files(files, stack, opened)
            if self._should_stream(kwargs):
                self._stream(kwargs)
            elif opened:
                kwargs["files"] = read_opened(kwargs["files"], opened)
            return super().request(method, url, **kwargs)  # type: ignore[misc]

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()  # type: ignore[misc, assignment]
        if "upload_stream_threshold" in vars(self):
            state["upload_stream_threshold"] = self.upload_stream_threshold
        return state

    def _should_stream(self, kwargs: dict[str, Any]) -> bool:
        # Imported on first upload, not with the package.
        from ._http.multipart import file_size

        data = kwargs.get("data")
        if data is not None and not isinstance(data, (dict, list, tuple)):
            return False  # let requests handle (or reject) it as before
        on_disk = sum(
            file_size(value[1]) or 0
            for _, value in kwargs["files"]
            if isinstance(value, tuple) and len(value) > 1
        )
        return bool(kwargs["files"]) and on_disk >= self.upload_stream_threshold

    def _stream(self, kwargs: dict[str, Any]) -> None:
        from ._http.multipart import encode

        body = encode(kwargs.pop("data", None), kwargs.pop("files"))
        kwargs["data"] = body
        headers = kwargs.get("headers")
        session_headers = self.headers  # type: ignore[attr-defined]
        if not _content_type_given(headers, session_headers):
            # requests sets this itself for files=; the body is data= now.
            kwargs["headers"] = {**(headers or {}), "Content-Type": body.content_type}


def _content_type_given(request: Any, session: Any) -> bool:
    """Whether the request's or else the session's headers set a
    Content-Type (a request header of None removes the session's), as
    requests decides when it encodes files itself."""
    for headers in (request, session):
        for key, value in (headers or {}).items():
            name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
            if name.lower() == "content-type":
                return value is not None
    return False
