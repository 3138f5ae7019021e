"""Choose a discovered token by its claims, as the WLCG Common JWT Profile
and SciTokens define them.

Claims are read from the token without checking its signature and without
any network access (:func:`~requests_gracedb_like.credentials.jwt.decode_claims`):
they only decide which discovered token to send; the server verifies it.
The aim is to send a token exactly when the service will accept it, so
every rule below follows a section of a specification: *WLCG* means the
WLCG Common JWT Profiles 1.1, *SciTokens* the SciTokens Claims and Scopes
Language, *RFC 7519* JSON Web Token.
:mod:`~requests_gracedb_like.credentials.scopes` holds the rules for scopes
and paths.

Matching rules, checked in this order
-------------------------------------
profile
    ``ver``, when present, must be ``1`` or ``"scitoken:2.0"``, the versions
    SciTokens defines; ``wlcg.ver`` must be ``MAJOR.MINOR`` with major
    version 1 (WLCG 4.3.3: reject an unknown major, accept any minor).
    Other claims are ignored (WLCG 4.3.3).
times
    ``exp``, ``nbf`` and ``iat`` must be JSON numbers (RFC 7519 2,
    "NumericDate"). A token is skipped when it has less than the expiry
    margin left (``token_expiry_margin``, 60 s by default, as
    igwn-auth-utils: a request or an upload started on a token about to
    expire would be refused half-way), and when its ``nbf`` or ``iat`` is
    more than :data:`CLOCK_SKEW` ahead of this machine's clock (WLCG
    4.3.1: a few minutes at most, 60 s recommended; RFC 7519 4.1.5).
    A token without ``exp`` does not expire here: the service decides.
types
    ``aud`` must be a string or a list (RFC 7519 4.1.3),
    ``scope`` one space-separated string (RFC 8693 4.2, WLCG 2.2.1), and
    the older ``scp``, read only without ``scope``, a string or a list of
    strings; otherwise the token is skipped, whatever was asked, with a
    reason naming the claim.
audience
    ``aud`` is a string or a list of strings, compared exactly and
    case-sensitively with the requested audiences (WLCG 2.1.1, RFC 7519
    4.1.3): a trailing ``/`` or a ``:443`` makes a different audience.
    ``"ANY"`` (SciTokens) and ``"https://wlcg.cern.ch/jwt/v1/any"`` (WLCG
    2.1.1) match every audience. A token without ``aud`` is not restricted,
    unless its profile requires one (``ver: scitoken:2.0``, SciTokens "aud";
    ``wlcg.ver``, WLCG 2.1.1). The default audience is
    :func:`default_audience` of the session URL.
issuer
    ``iss``, when present, must be a non-empty string (WLCG 2.1.1,
    SciTokens "iss": a unique URL); with ``token_issuer`` it must equal one
    of the requested issuers exactly.
scope
    Read only when ``token_scope`` asks for scopes; a token without
    ``scope`` may carry the older ``scp``. Every requested scope must be
    covered, as
    :mod:`~requests_gracedb_like.credentials.scopes` says.

A token that is not a JWT has no readable claims: it matches only when the
caller asked for nothing explicitly (the default audience is a guess, not a
requirement).

A skipped token is explained by a :class:`Mismatch`: which claim, what was
asked and what the token has (its claims, never the token itself).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any, Optional, Union
from urllib.parse import urlsplit

from ._frozen import Frozen
from .jwt import numeric_date
from .scopes import Scope, covers, parse_grant, parse_requested

__all__ = [
    "ANY_AUDIENCE",
    "CLOCK_SKEW",
    "DEFAULT_EXPIRY_MARGIN",
    "ClaimRequirements",
    "Mismatch",
    "check_expiry_margin",
    "dates_mismatch",
    "default_audience",
    "time_mismatch",
    "token_dates",
]

#: Audience values that mean "any audience" (SciTokens, WLCG 2.1.1).
ANY_AUDIENCE = frozenset({"ANY", "https://wlcg.cern.ch/jwt/v1/any"})

#: Seconds a discovered token must have left to be used (igwn-auth-utils'
#: ``timeleft``).
DEFAULT_EXPIRY_MARGIN = 60.0

#: Seconds by which ``nbf`` or ``iat`` may be ahead of this machine's clock
#: (WLCG 4.3.1).
CLOCK_SKEW = 60.0

_SCITOKEN_VERSIONS = ("scitoken:2.0",)
_WLCG_VERSION = re.compile(r"[0-9]+\.[0-9]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}

StrOrList = Union[str, Iterable[str], None]


class Mismatch(Frozen):
    """Why a token's claims do not fit: never the token itself.

    Attributes
    ----------
    what : str
        ``"audience"``, ``"scope"``, ``"issuer"``, ``"expired"``,
        ``"not yet valid"``, ``"unsupported"`` or ``"malformed"``.
    claim : str
        The claim at fault, for example ``"aud"``.
    wanted : str
        What was asked for.
    had : str
        What the token has: the claim's value as JSON, shortened, or
        ``"none"``.
    """

    _fields = ("what", "claim", "wanted", "had")

    what: str
    claim: str
    wanted: str
    had: str

    def __init__(self, what: str, claim: str, wanted: str, had: str) -> None:
        self._set(what=what, claim=claim, wanted=wanted, had=had)

    @property
    def reason(self) -> str:
        """The claim, what was asked and what the token has, in one line."""
        return f"{self.claim}: wanted {self.wanted}, token has {self.had}"

    def __str__(self) -> str:
        return self.reason


def _show(value: Any, limit: int = 80) -> str:
    # JSON with ASCII escapes: no terminal control sequence gets through.
    try:
        text = json.dumps(value, ensure_ascii=True)
    except (TypeError, ValueError):  # pragma: no cover - decoded JSON dumps
        text = type(value).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _asked(values: Iterable[str]) -> str:
    return " or ".join(_show(v) for v in values)


def _when(timestamp: float) -> str:
    try:
        moment = datetime.fromtimestamp(timestamp, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return _show(timestamp)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def check_expiry_margin(value: Any) -> float:
    """Validate ``token_expiry_margin``: a finite number of seconds >= 0.

    Raises
    ------
    TypeError, ValueError
        Naming ``token_expiry_margin``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            "token_expiry_margin must be a number of seconds, "
            f"not {type(value).__name__}"
        )
    if not math.isfinite(value) or value < 0:
        raise ValueError(
            f"token_expiry_margin must be a finite number >= 0, got {value!r}"
        )
    return float(value)


def time_mismatch(
    claims: Optional[dict[str, Any]],
    *,
    now: float,
    expiry_margin: float = DEFAULT_EXPIRY_MARGIN,
) -> Optional[Mismatch]:
    """Say why `claims` make a token unusable at `now`, or None.

    Parameters
    ----------
    claims : dict or None
        The token's claims; None (not a JWT) has no times to check.
    now : float
        The current POSIX time.
    expiry_margin : float, default=60
        Seconds the token must have left.

    Examples
    --------
    >>> time_mismatch({"exp": 1030}, now=1000).reason
    'exp: wanted at least 60 s left, token has 30 s left'
    >>> time_mismatch({"exp": 1030}, now=1000, expiry_margin=0) is None
    True
    """
    if not claims:
        return None
    dates = token_dates(claims)
    if isinstance(dates, Mismatch):
        return dates
    return dates_mismatch(dates, now=now, expiry_margin=expiry_margin)


def token_dates(claims: dict[str, Any]) -> Union[dict[str, float], Mismatch]:
    """The ``exp``, ``nbf`` and ``iat`` claims of `claims` that are
    present, as POSIX times, or why one cannot be read: the part of
    :func:`time_mismatch` that does not depend on the time.

    Examples
    --------
    >>> token_dates({"exp": 1030, "sub": "x"})
    {'exp': 1030.0}
    >>> print(token_dates({"exp": "soon"}))
    exp: wanted a number, token has "soon"
    """
    dates: dict[str, float] = {}
    for name in ("exp", "nbf", "iat"):
        if name in claims:
            date = numeric_date(claims[name])
            if date is None:
                return Mismatch("malformed", name, "a number", _show(claims[name]))
            dates[name] = date
    return dates


def dates_mismatch(
    dates: dict[str, float], *, now: float, expiry_margin: float = DEFAULT_EXPIRY_MARGIN
) -> Optional[Mismatch]:
    """:func:`time_mismatch` of claims whose dates :func:`token_dates` read.

    Examples
    --------
    >>> dates_mismatch({"exp": 1030.0}, now=1000, expiry_margin=10) is None
    True
    """
    exp = dates.get("exp")
    if exp is not None:
        if exp <= now:  # RFC 7519 4.1.4: not accepted "on or after" exp
            return Mismatch("expired", "exp", "a time to come", f"{_when(exp)}")
        if exp - now < expiry_margin:
            return Mismatch(
                "expired",
                "exp",
                f"at least {expiry_margin:g} s left",
                f"{exp - now:.0f} s left",
            )
    for name in ("nbf", "iat"):
        when = dates.get(name)
        if when is not None and when > now + CLOCK_SKEW:
            return Mismatch(
                "not yet valid",
                name,
                f"at most {CLOCK_SKEW:g} s ahead of this clock",
                f"{_when(when)}, {when - now:.0f} s ahead",
            )
    return None


def default_audience(url: Optional[str]) -> tuple[str, ...]:
    """The audiences a token for `url` is expected to name.

    The URL's scheme and host, normalised as RFC 3986 section 6 asks (lower
    case, the default port left out), as WLCG 2.1.1 recommends. With
    another port, both ``scheme://host:port`` and ``scheme://host`` (the
    audience igwn-auth-utils asks tokens for) are accepted.

    Examples
    --------
    >>> default_audience("https://gracedb.example.org:443/api/")
    ('https://gracedb.example.org',)
    >>> default_audience("https://h.example:8443/x")
    ('https://h.example:8443', 'https://h.example')
    >>> default_audience(None)
    ()
    """
    if not url:
        return ()
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return ()
    scheme = parts.scheme.lower()
    host = parts.hostname  # lower case already
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    base = f"{scheme}://{host}"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return (base,)
    return (f"{base}:{port}", base)


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


def _profile_mismatch(claims: dict[str, Any]) -> Optional[Mismatch]:
    if "ver" in claims:
        ver = claims["ver"]
        known = ver in _SCITOKEN_VERSIONS or (numeric_date(ver) == 1.0)
        if not known:
            return Mismatch("unsupported", "ver", '1 or "scitoken:2.0"', _show(ver))
    if "wlcg.ver" in claims:
        ver = claims["wlcg.ver"]
        if not isinstance(ver, str) or not _WLCG_VERSION.fullmatch(ver):
            return Mismatch("malformed", "wlcg.ver", "MAJOR.MINOR", _show(ver))
        if int(ver.split(".")[0]) != 1:
            return Mismatch("unsupported", "wlcg.ver", "major version 1", _show(ver))
    return None


def _type_mismatch(claims: dict[str, Any]) -> Optional[Mismatch]:
    """Say which claim has a type its specification does not allow, or
    None: ``aud`` a string or a list (RFC 7519 4.1.3; elements that are
    not strings are ignored, as scitokens ignores them),
    ``scope`` one space-separated string (RFC 8693 4.2, WLCG 2.2.1,
    SciTokens "scope"), the older ``scp`` a string or a list of strings
    (read only without ``scope``). Such a token is skipped whatever was
    asked: a service that checks the claim refuses it."""
    if "aud" in claims and not isinstance(claims["aud"], (str, list)):
        # A list's odd elements are ignored, as scitokens ignores them.
        return Mismatch("malformed", "aud", "a string or a list", _show(claims["aud"]))
    if "scope" in claims:
        if not isinstance(claims["scope"], str):
            return Mismatch(
                "malformed", "scope", "a space-separated string", _show(claims["scope"])
            )
    elif "scp" in claims:
        scp = claims["scp"]
        if not (isinstance(scp, str) or _strings(scp)):
            return Mismatch(
                "malformed", "scp", "a string or a list of strings", _show(scp)
            )
    return None


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


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
        ValueError
            If a requested scope has a relative path, naming ``token_scope``.
        """
        if audience is None and scope is None and issuer is None:
            # The common case, once per session: an immutable value, shared.
            # (mypy takes Frozen.__hash__ for the class's own: it is not.)
            owner: type = cls
            return _default_requirements(owner, url)
        scopes = _names(scope, "token_scope", split=True)
        for text in scopes:
            parse_requested(text)  # a bad path fails here, named
        return cls(
            audience=_names(audience, "token_audience")
            if audience is not None
            else default_audience(url),
            scope=scopes,
            issuer=_names(issuer, "token_issuer"),
            explicit=True,
        )

    def mismatch(self, claims: Optional[dict[str, Any]]) -> Optional[Mismatch]:
        """Say why `claims` do not meet the requirements, or None if they do.

        The times are checked separately, by :func:`time_mismatch`.

        Examples
        --------
        >>> need = ClaimRequirements.from_arguments("https://h.example/x")
        >>> print(need.mismatch({"aud": "https://h.example/"}))
        aud: wanted "https://h.example", token has "https://h.example/"
        >>> need.mismatch({"aud": ["https://wlcg.cern.ch/jwt/v1/any"]}) is None
        True
        """
        if claims is None:
            if not self.explicit:
                return None
            what = "scope" if self.scope else "issuer" if self.issuer else "audience"
            claim = {"scope": "scope", "issuer": "iss", "audience": "aud"}[what]
            return Mismatch(what, claim, "a JWT whose claims can be read", "no JWT")
        return (
            _profile_mismatch(claims)
            or _type_mismatch(claims)
            or self._audience_mismatch(claims)
            or self._issuer_mismatch(claims)
            or self._scope_mismatch(claims)
        )

    def _audience_mismatch(self, claims: dict[str, Any]) -> Optional[Mismatch]:
        if "aud" not in claims:
            if claims.get("ver") == "scitoken:2.0" or "wlcg.ver" in claims:
                return Mismatch(
                    "audience", "aud", "the aud its profile requires", "none"
                )
            return None
        aud = claims["aud"]
        if not self.audience:
            return None
        # A string or a list (types checked before): odd elements ignored.
        have = {aud} if isinstance(aud, str) else {v for v in aud if isinstance(v, str)}
        if have & ANY_AUDIENCE or have.intersection(self.audience):
            return None
        return Mismatch("audience", "aud", _asked(self.audience), _show(aud))

    def _issuer_mismatch(self, claims: dict[str, Any]) -> Optional[Mismatch]:
        if "iss" not in claims:
            if self.issuer:
                return Mismatch("issuer", "iss", _asked(self.issuer), "none")
            return None
        iss = claims["iss"]
        if not isinstance(iss, str) or not iss:
            return Mismatch("malformed", "iss", "a non-empty string", _show(iss))
        if self.issuer and iss not in self.issuer:
            return Mismatch("issuer", "iss", _asked(self.issuer), _show(iss))
        return None

    def _scope_mismatch(self, claims: dict[str, Any]) -> Optional[Mismatch]:
        if not self.scope:
            return None
        name = "scope" if "scope" in claims else "scp"
        if name not in claims:
            return Mismatch("scope", "scope", " ".join(self.scope), "none")
        raw = claims[name]
        # Types checked before: a string, or (scp only) a list of strings.
        # RFC 6749 3.3: separated by single spaces; empty items are noise.
        texts: list[str] = (
            [t for t in raw.split(" ") if t] if isinstance(raw, str) else raw
        )
        grants: list[Scope] = []
        for text in texts:
            grant = parse_grant(text)
            if grant is None:
                return Mismatch(
                    "malformed", name, "every grant well formed", f"{_show(text)}"
                )
            grants.append(grant)
        for wanted in self.scope:
            if not covers(grants, parse_requested(wanted)):
                return Mismatch("scope", name, _show(wanted), _show(raw))
        return None


def _default_requirements(cls: type, url: Optional[str]) -> ClaimRequirements:
    requirements: ClaimRequirements = cls(audience=default_audience(url))
    return requirements
