"""Scopes with paths, as the WLCG Common JWT Profile and SciTokens write
them: ``storage.read:/frames``, ``read:/``, ``compute.create``.

A scope is ``NAME`` or ``NAME:PATH``. The rules, each with the section it
follows (WLCG: *WLCG Common JWT Profiles* 1.1; SciTokens: the *SciTokens
Claims and Scopes Language*):

1. A granted path is absolute and is normalised as RFC 3986 section 6
   asks: percent-escapes decoded (except ``%2F``, ``%3F``, ``%2B``,
   ``%23``, which would move a segment boundary), UTF-8 throughout
   (RFC 3986 section 2.5), ``.`` segments and repeated ``/`` removed,
   a trailing ``/`` kept (WLCG 2.2.1, SciTokens "scope").
2. A grant covers its own path and everything below it, by whole
   segments: ``read:/frames`` covers ``/frames`` and ``/frames/O4``, not
   ``/framesX``; ``read:/frames/`` names a directory, so it covers
   ``/frames/`` and below but not the file ``/frames`` (WLCG 2.2.1).
3. A bare grant means ``/``: ``read`` is ``read:/`` (SciTokens "scope":
   for ``read`` and ``write``, "if not specified in the scope, the path
   may be assumed to be ``/``"), except that every ``storage.*`` scope
   must carry a path (WLCG 2.2.1: "if not specified for these scopes, the
   token MUST be rejected").
4. A malformed grant (a missing, empty or relative path, or a ``..``
   segment) makes the whole token unusable, wherever it sits in the claim
   (WLCG 2.2.1). scitokens stops at the first grant that matches, so there
   the verdict depends on the order of the grants.
5. ``storage.modify`` includes ``storage.create``, and ``storage.stage``
   includes ``storage.read`` (WLCG 2.2.1: "a strict superset").
6. A requested scope without a path asks for ``/``; a requested path is
   normalised as in rule 1 and its ``..`` segments are resolved, as the
   service resolves them before authorising (RFC 3986 section 5.2.4).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from typing import NamedTuple, Optional
from urllib.parse import unquote

__all__ = ["Scope", "covers", "parse_grant", "parse_requested"]

#: Grant names that must carry a path (WLCG storage.*).
PATH_REQUIRED = frozenset(
    {
        "storage.read",
        "storage.create",
        "storage.modify",
        "storage.stage",
    }
)

# WLCG 2.2.1: storage.modify is a superset of storage.create, and
# storage.stage a superset of storage.read.
_INCLUDED_IN = {"storage.create": "storage.modify", "storage.read": "storage.stage"}

# Escapes of "/", "?", "+" and "#" stay encoded (upper case): decoding them
# would change where a segment starts or ends.
_KEPT_ESCAPE = re.compile(r"(%(?:2[FfBb3]|3[Ff]))")


class Scope(NamedTuple):
    """A scope's name and its normalised path (``/`` for a bare scope)."""

    name: str
    path: str


def _decode(path: str) -> str:
    parts = _KEPT_ESCAPE.split(path)
    return "".join(
        part.upper() if odd else unquote(part, errors="surrogateescape")
        for odd, part in ((i % 2, p) for i, p in enumerate(parts))
    )


def _normalise(decoded: str) -> str:
    norm = posixpath.normpath(decoded)
    # POSIX keeps a leading "//"; a URL path does not.
    norm = "/" + norm.lstrip("/")
    if decoded.endswith("/") and norm != "/":
        norm += "/"
    return norm


def parse_grant(text: str) -> Optional[Scope]:
    """A granted scope, or None if it is malformed (rules 1, 3 and 4).

    Examples
    --------
    >>> parse_grant("read:/frames//O4/")
    Scope(name='read', path='/frames/O4/')
    >>> parse_grant("compute.create")
    Scope(name='compute.create', path='/')
    >>> parse_grant("read")
    Scope(name='read', path='/')
    >>> parse_grant("storage.read") is None
    True
    >>> parse_grant("read:/frames/../secret") is None
    True
    """
    name, sep, path = text.partition(":")
    if not sep:
        return None if name in PATH_REQUIRED else Scope(name, "/")
    if not path.startswith("/"):
        return None
    decoded = _decode(path)
    if ".." in decoded.split("/"):
        return None
    return Scope(name, _normalise(decoded))


def parse_requested(text: str) -> Scope:
    """A requested scope (rule 6).

    Raises
    ------
    ValueError
        If the path is not absolute, naming ``token_scope``.

    Examples
    --------
    >>> parse_requested("storage.read")
    Scope(name='storage.read', path='/')
    >>> parse_requested("read:/frames/../O4")
    Scope(name='read', path='/O4')
    """
    name, sep, path = text.partition(":")
    if not sep:
        return Scope(name, "/")
    if not path.startswith("/"):
        raise ValueError(
            f"token_scope {text!r}: the path after ':' must start with '/'"
        )
    return Scope(name, _normalise(_decode(path)))


def _path_covers(granted: str, wanted: str) -> bool:
    if granted == "/" or granted == wanted:
        return True
    if granted.endswith("/"):
        return wanted.startswith(granted)
    return wanted.startswith(granted + "/")


def covers(grants: Iterable[Scope], wanted: Scope) -> bool:
    """Whether any of `grants` covers `wanted` (rules 2 and 5).

    Examples
    --------
    >>> covers([parse_grant("read:/frames")], parse_requested("read:/frames/O4"))
    True
    >>> covers([parse_grant("read:/frames/")], parse_requested("read:/frames"))
    False
    >>> modify = parse_grant("storage.modify:/up")
    >>> covers([modify], parse_requested("storage.create:/up/x"))
    True
    """
    names = {wanted.name, _INCLUDED_IN.get(wanted.name)}
    return any(g.name in names and _path_covers(g.path, wanted.path) for g in grants)
