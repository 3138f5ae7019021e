"""Type aliases for the arguments users pass: file paths, uploads, and the
other arguments of :meth:`requests.Session.request`.

The aliases are this package's own, not requests' private ones
(``requests.sessions._Auth`` exists only in types-requests, and requests'
own type information names them differently): the package type-checks
against both, and each alias accepts what either accepts.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Union

__all__ = ["PathLike"]

#: A file path as users pass it: text or an :class:`os.PathLike`.
PathLike = Union[str, "os.PathLike[str]"]

if TYPE_CHECKING:
    # For type checkers only: building these unions would cost every
    # ``import requests_gracedb_like`` a millisecond.
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
    from http.cookiejar import CookieJar
    from typing import Any, Optional

    from _typeshed import SupportsItems, SupportsRead
    from requests import PreparedRequest, Response
    from requests.auth import AuthBase

    #: ``params=``: a mapping (or anything with ``items()``), pairs, or an
    #: encoded query string.
    Params = Union[
        SupportsItems[Any, Any],
        tuple[tuple[Any, Any], ...],
        Iterable[tuple[Any, Any]],
        str,
        bytes,
    ]

    #: ``data=``: a form (mapping or pairs), bytes or text, a file object,
    #: or an iterable of chunks.
    Data = Union[
        SupportsItems[Any, Any],
        Iterable[tuple[Any, Any]],
        Iterable[bytes],
        Iterable[str],
        str,
        bytes,
        SupportsRead[Union[str, bytes]],
    ]

    #: ``headers=``: a value of None removes a session header.
    Headers = Mapping[str, Union[str, bytes, None]]

    #: ``proxies=`` and other mappings of text.
    TextMapping = Mapping[str, str]

    #: ``cookies=``.
    Cookies = Union[CookieJar, Mapping[str, str]]

    #: ``auth=``: a (user, password) pair, an :class:`~requests.auth.AuthBase`
    #: or any callable that signs a prepared request.
    Auth = Union[
        tuple[str, str], AuthBase, Callable[[PreparedRequest], PreparedRequest]
    ]

    #: One response hook.
    Hook = Callable[[Response], Any]

    #: ``hooks=``: event names mapped to a hook or hooks.
    Hooks = Mapping[str, Union[Iterable[Hook], Hook]]

    #: ``verify=``: verify or not, or a CA bundle path.
    Verify = Union[bool, str]

    #: ``cert=``: one PEM file, or a (certificate, key) pair.
    Cert = Union[str, tuple[str, str]]

    #: ``json=``: any JSON-serialisable value.
    JSON = Any

    #: What :meth:`requests.Session.merge_environment_settings` returns: a
    #: dict with ``verify``, ``proxies``, ``stream`` and ``cert`` (a plain
    #: dict to requests' own type information, a TypedDict to
    #: types-requests; Any fits both).
    Settings = Any

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
