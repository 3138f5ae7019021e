"""Read a credential file without hanging, without exhausting memory and
without reading what is not a file: :func:`read_credential_file`.

Every credential file the package reads (token files, X.509 certificates
and keys, netrc) goes through this one reader, in the library and in the
command line alike. The rules, in order:

1. The file is opened with ``O_NONBLOCK`` (and ``O_NOCTTY``), so that
   opening a FIFO with no writer, or a terminal, returns at once instead of
   waiting forever.
2. What was opened must be a regular file (checked on the open descriptor,
   so a path swapped after the check cannot slip through): a directory, a
   FIFO, a socket or a device such as ``/dev/zero`` raises
   :class:`~requests_gracedb_like.exceptions.CredentialFileError`.
3. A file larger than the limit (:data:`MAX_CREDENTIAL_FILE` by default),
   or one that grows past it while being read, raises the same error: a
   1 GiB sparse file is refused without reading it.
4. Optionally, a file that group or others may read gets a
   :class:`~requests_gracedb_like.exceptions.CredentialWarning` naming it,
   as ssh warns about a private key.

Errors name the file and the problem, never the content. An explicit
argument (``token=``, ``cert=``, ``--token``) lets the error propagate;
discovery skips a discovered file with the error's ``strerror`` as reason.
"""

from __future__ import annotations

import os
import stat
import warnings

from .._typing import PathLike
from ..exceptions import CredentialError, CredentialFileError, CredentialWarning

__all__ = ["MAX_CREDENTIAL_FILE", "file_kind", "read_credential_file"]

#: The largest credential file read, in bytes. A token is a few KiB, a proxy
#: certificate with its chain some tens of KiB, a netrc file less.
MAX_CREDENTIAL_FILE = 1024 * 1024

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def file_kind(mode: int) -> str:
    """What a file of `mode` is, in a few words ("a regular file", "a FIFO
    (named pipe)", "a directory"...)."""
    if stat.S_ISREG(mode):
        return "a regular file"
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def read_credential_file(
    path: PathLike,
    *,
    what: str = "credential file",
    limit: int = MAX_CREDENTIAL_FILE,
    private: bool = False,
    refuse_shared: bool = False,
) -> bytes:
    """Read a credential file, boundedly and without blocking.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    what : str, default="credential file"
        What the file is, for messages (``"bearer token file"``).
    limit : int, default=MAX_CREDENTIAL_FILE
        The most bytes read.
    private : bool, default=False
        Warn when group or others may read or write the file.
    refuse_shared : bool, default=False
        Raise :class:`~requests_gracedb_like.exceptions.CredentialError`
        instead when group or others may read or write the file (for files
        the package writes itself, private from the start).

    Returns
    -------
    bytes
        The whole content.

    Raises
    ------
    OSError
        If the file cannot be opened (``FileNotFoundError``,
        ``PermissionError``...), with ``filename`` set.
    CredentialFileError
        If it is not a regular file, is larger than `limit` bytes or grows
        past it while read.
    CredentialError
        With `refuse_shared`, if group or others may read or write it.
    CredentialWarning
        (a warning) With `private`, if group or others may read it.
    """
    name = os.fspath(path)
    fd = os.open(name, _FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = file_kind(st.st_mode)
            raise CredentialFileError(name, f"is {kind}, not a regular file", what)
        if st.st_size > limit:
            raise CredentialFileError(
                name, f"is larger than {limit} bytes: not a credential", what
            )
        if refuse_shared and st.st_mode & 0o077:
            raise CredentialError(
                f"{what} {name!r} has mode {stat.S_IMODE(st.st_mode):o}; "
                "others may read it: use chmod 600"
            )
        if private and st.st_mode & 0o077:
            mode = stat.S_IMODE(st.st_mode)
            warnings.warn(
                f"{what} {name!r} can be read by others (mode {mode:o}); "
                f"make it private with: chmod 600 {name}",
                CredentialWarning,
                stacklevel=3,
            )
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, min(64 * 1024, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise CredentialFileError(
                    name, f"grew past {limit} bytes while read", what
                )
        return b"".join(chunks)
    finally:
        os.close(fd)
