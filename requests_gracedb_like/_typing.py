"""Type aliases for the arguments users pass: file paths and uploads."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Union

__all__ = ["PathLike"]

#: A file path as users pass it: text or an :class:`os.PathLike`.
PathLike = Union[str, "os.PathLike[str]"]

if TYPE_CHECKING:
    # For type checkers only: building these unions would cost every
    # ``import requests_gracedb_like`` a millisecond.
    from collections.abc import Iterator, Mapping, Sequence
    from typing import Optional

    from _typeshed import SupportsRead

    #: A file's content, as requests sends it: a file object, bytes or text.
    FileContent = Union[SupportsRead[Union[str, bytes]], str, bytes]

    #: One value of ``files=``, in the forms
    #: :class:`~requests_gracedb_like.file.SessionFileMixin` accepts: content;
    #: a path; ``(filename,)`` or ``(filename, None)`` for the file at that
    #: path; ``(filename, content[, content_type[, headers]])``, a content
    #: type of None being guessed from the file name.
    FileSpec = Union[
        FileContent,
        os.PathLike[str],
        tuple[Optional[PathLike]],
        tuple[Optional[PathLike], Optional[FileContent]],
        tuple[Optional[PathLike], Optional[FileContent], Optional[str]],
        tuple[
            Optional[PathLike], Optional[FileContent], Optional[str], Mapping[str, str]
        ],
    ]

    #: The ``files=`` argument: field names mapped to :data:`FileSpec`, or
    #: ``(field, FileSpec)`` pairs in a list, a tuple or an iterator. (Not
    #: any Iterable, as requests' stubs say: a dict is one too, and mypy then
    #: cannot infer the type of a dict whose values mix these forms.)
    Files = Union[
        Mapping[str, FileSpec],
        Sequence[tuple[str, FileSpec]],
        Iterator[tuple[str, FileSpec]],
    ]
