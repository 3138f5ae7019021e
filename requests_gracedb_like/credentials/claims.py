"""Choose a token by its claims: audience, scope and issuer.

Claims are read from the token without checking its signature and without
any network access (``_jwt.decode_claims``): they
only decide which discovered token to send; the server verifies it.

Matching rules
--------------
audience
    The token's ``aud`` claim (a string or a list of strings) must contain
    one of the requested audiences, or the WLCG wildcard ``ANY`` (also
    spelled ``https://wlcg.cern.ch/jwt/v1/any``). A trailing ``/`` is
    ignored. A token without ``aud`` is not restricted and matches.
scope
    The token's ``scope`` claim is a space-separated list (``scp``, a list,
    is read too). Every requested scope must be granted: exactly, or by a
    granted ``name:/path`` whose path is a parent of the requested one
    (``read:/`` grants ``read:/frames``), as the WLCG and SciTokens profiles
    define.
issuer
    The token's ``iss`` must equal one of the requested issuers (trailing
    ``/`` ignored).

A token that is not a JWT has no readable claims: it matches only when the
caller asked for nothing explicitly (the default audience is a guess, not a
requirement).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any, Optional, Union
from urllib.parse import urlsplit

from ._frozen import Frozen

__all__ = [
    "ANY_AUDIENCE",
    "ClaimRequirements",
    "default_audience",
]

#: Audience values that mean "any audience" (WLCG common JWT profile).
ANY_AUDIENCE = frozenset({"ANY", "https://wlcg.cern.ch/jwt/v1/any"})

StrOrList = Union[str, Iterable[str], None]


@functools.lru_cache(maxsize=256)
def default_audience(url: Optional[str]) -> tuple[str, ...]:
    """The audiences a token for `url` is expected to name: its scheme and
    host, with the port too when the URL gives one.

    Examples
    --------
    >>> default_audience("https://gracedb.example.org/api/")
    ('https://gracedb.example.org',)
    >>> default_audience("https://h.example:8443/x")
    ('https://h.example', 'https://h.example:8443')
    >>> default_audience(None)
    ()
    """
    if not url:
        return ()
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return ()
    base = f"{parts.scheme.lower()}://{parts.hostname.lower()}"
    try:
        port = parts.port
    except ValueError:
        port = None
    return (base, f"{base}:{port}") if port else (base,)


def _names(value: StrOrList, argument: str, *, split: bool = False) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        items: Iterable[Any] = value.split() if split else [value]
    else:
        items = value
    result = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise TypeError(
                f"{argument} must be a non-empty str or a list of them, got {item!r}"
            )
        result.append(item.strip())
    return tuple(result)


def _norm(url: str) -> str:
    return url.rstrip("/")


def _scope_grants(granted: str, wanted: str) -> bool:
    if granted == wanted:
        return True
    g_name, g_sep, g_path = granted.partition(":")
    w_name, w_sep, w_path = wanted.partition(":")
    if g_name != w_name or not (g_sep and w_sep):
        return False
    g_path = g_path.rstrip("/") + "/"
    return (w_path.rstrip("/") + "/").startswith(g_path)


class ClaimRequirements(Frozen):
    """What a token's claims must say to be used.

    Attributes
    ----------
    audience : tuple of str
        Accepted audiences; empty means any.
    scope : tuple of str
        Scopes that must all be granted; empty means none required.
    issuer : tuple of str
        Accepted issuers; empty means any.
    explicit : bool
        Whether the caller asked for any of these (rather than the default
        audience alone).
    """

    _fields = ("audience", "scope", "issuer", "explicit")

    audience: tuple[str, ...]
    scope: tuple[str, ...]
    issuer: tuple[str, ...]
    explicit: bool

    def __init__(
        self,
        audience: tuple[str, ...] = (),
        scope: tuple[str, ...] = (),
        issuer: tuple[str, ...] = (),
        explicit: bool = False,
    ) -> None:
        self._set(audience=audience, scope=scope, issuer=issuer, explicit=explicit)

    @classmethod
    def from_arguments(
        cls,
        url: Optional[str],
        audience: StrOrList = None,
        scope: StrOrList = None,
        issuer: StrOrList = None,
    ) -> ClaimRequirements:
        """Build from ``token_audience``, ``token_scope``, ``token_issuer``;
        `audience` defaults to :func:`default_audience` of `url`.

        Raises
        ------
        TypeError
            If an argument is not a string or a list of strings, naming it.
        """
        if audience is None and scope is None and issuer is None:
            # The common case, once per session: an immutable value, shared.
            # (mypy takes Frozen.__hash__ for the class's own: it is not.)
            owner: type = cls
            return _default_requirements(owner, url)
        explicit = any(v is not None for v in (audience, scope, issuer))
        return cls(
            audience=_names(audience, "token_audience")
            if audience is not None
            else default_audience(url),
            scope=_names(scope, "token_scope", split=True),
            issuer=_names(issuer, "token_issuer"),
            explicit=explicit,
        )

    def mismatch(self, claims: Optional[dict[str, Any]]) -> Optional[tuple[str, str]]:
        """Say why `claims` do not meet the requirements, or None if they do.

        Returns
        -------
        tuple of (str, str) or None
            ``(what, reason)``, `what` being ``"audience"``, ``"scope"`` or
            ``"issuer"``; the reason quotes the requirement, not the token.
        """
        if claims is None:
            if not self.explicit:
                return None
            what = "scope" if self.scope else "issuer" if self.issuer else "audience"
            return (what, f"not a JWT: its {what} cannot be checked")
        if self.audience:
            aud = claims.get("aud")
            if aud is not None:
                have = {
                    _norm(a)
                    for a in ([aud] if isinstance(aud, str) else aud)
                    if isinstance(a, str)
                }
                want = {_norm(a) for a in self.audience}
                if not (have & want or have & ANY_AUDIENCE):
                    return ("audience", f"audience is not {' or '.join(self.audience)}")
        if self.scope:
            granted = claims.get("scope", claims.get("scp", ""))
            if isinstance(granted, str):
                granted = granted.split()
            granted = [g for g in granted if isinstance(g, str)]
            missing = [
                w for w in self.scope if not any(_scope_grants(g, w) for g in granted)
            ]
            if missing:
                return ("scope", f"scope lacks {' '.join(missing)}")
        if self.issuer:
            iss = claims.get("iss")
            if not isinstance(iss, str) or _norm(iss) not in {
                _norm(i) for i in self.issuer
            }:
                return ("issuer", f"issuer is not {' or '.join(self.issuer)}")
        return None


@functools.lru_cache(maxsize=256)
def _default_requirements(cls: type, url: Optional[str]) -> ClaimRequirements:
    requirements: ClaimRequirements = cls(audience=default_audience(url))
    return requirements
