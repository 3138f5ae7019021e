"""igwn-auth-utils' credential helpers, on this package's discovery: the
functions :mod:`requests_gracedb_like.igwn` uses and exports under
igwn-auth-utils' names.

Tokens and certificates are found by walking the sources of
:data:`~requests_gracedb_like.credentials.sources.SOURCES` (never netrc,
which is only read for a session's URL); ``scitokens`` is never imported
here: a token found is a :class:`DiscoveredToken`, its claims read without
checking the signature (the server checks it).
"""

from __future__ import annotations

import functools
import os
import sys
import time
import warnings
from collections.abc import Iterator, Mapping
from typing import Any, Optional, Union
from urllib.parse import urlsplit

from ..exceptions import IgwnAuthError
from .basic import BasicAuth
from .bearer import _same_secret
from .discovery import discover
from .files import read_credential_file
from .jwt import decode_claims
from .records import CERTIFICATE, HEADER, NOT_LOOKED_AT, Arguments
from .sources import SOURCES, oidc_login

__all__ = [
    "DiscoveredToken",
    "auth_error",
    "find_credential",
    "find_scitoken",
    "find_x509_credentials",
    "get_netrc_auth",
    "is_auth_error",
    "scitoken_audience",
    "scitoken_authorization_header",
]

# -- errors -----------------------------------------------------------------


def _igwn_error_class() -> Optional[type]:
    """igwn-auth-utils' own error class, if something imported it; it is
    never imported here."""
    module = sys.modules.get("igwn_auth_utils.error")
    cls = getattr(module, "IgwnAuthError", None)
    return cls if isinstance(cls, type) and issubclass(cls, Exception) else None


@functools.lru_cache(maxsize=4)
def _with_igwn_class(theirs: type) -> type:
    return type("IgwnAuthError", (IgwnAuthError, theirs), {"__module__": __name__})


def auth_error(message: str) -> IgwnAuthError:
    theirs = _igwn_error_class()
    if theirs is None or issubclass(IgwnAuthError, theirs):
        return IgwnAuthError(message)
    return _with_igwn_class(theirs)(message)  # type: ignore[no-any-return]


def is_auth_error(exc: BaseException) -> bool:
    theirs = _igwn_error_class()
    return isinstance(exc, IgwnAuthError) or (
        theirs is not None and isinstance(exc, theirs)
    )


def find_credential(func: Any, *args: Any, error: bool = True, **kwargs: Any) -> Any:
    """Call a finder; with ``error=False`` an auth error means None."""
    try:
        return func(*args, **kwargs)
    except Exception as exc:
        if error or not is_auth_error(exc):
            raise
        return None


# -- tokens -----------------------------------------------------------------


def scitoken_audience(url: str, include_any: bool = True) -> list[str]:
    """The ``aud`` values that authorise a request to `url`:
    ``scheme://host`` (a bare host name means https), and ``ANY`` with
    `include_any`, as igwn-auth-utils' ``target_audience``.

    Examples
    --------
    >>> scitoken_audience("https://datafind.example.org:443/api", include_any=False)
    ['https://datafind.example.org']
    >>> scitoken_audience("segments.example.org")
    ['https://segments.example.org', 'ANY']
    """
    if "//" not in url:
        url = f"//{url}"
    parts = urlsplit(url, scheme="https")
    audience = [f"{parts.scheme}://{parts.hostname}"]
    if include_any:
        audience.append("ANY")
    return audience


class DiscoveredToken(Mapping):  # type: ignore[type-arg]
    """A bearer token found by :func:`find_scitoken`: its claims as a
    read-only mapping (``token["exp"]``), as a ``scitokens.SciToken``
    offers them, without verifying the signature (the server does).

    :meth:`serialize` returns the token as bytes; ``repr`` and ``str`` name
    where it came from, never the token.
    """

    def __init__(self, serialized: str, source: str) -> None:
        self._token = serialized
        self.source = source
        self._claims = decode_claims(serialized) or {}

    # igwn-auth-utils' token_authorization_header() reads this attribute.
    @property
    def _serialized_token(self) -> str:
        return self._token

    def serialize(self) -> bytes:
        """The token, as ``scitokens.SciToken.serialize()`` returns it."""
        return self._token.encode("ascii")

    def claims(self) -> Iterator[tuple[str, Any]]:
        """The claims, as ``(name, value)`` pairs."""
        return iter(self._claims.items())

    def __getitem__(self, name: str) -> Any:
        return self._claims[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._claims)

    def __len__(self) -> int:
        return len(self._claims)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DiscoveredToken):
            return NotImplemented
        return _same_secret(self._token, other._token)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<DiscoveredToken from {self.source}>"

    __str__ = __repr__


def _serialized(token: Any) -> str:
    if isinstance(token, bytes):
        return token.decode("ascii")
    if isinstance(token, str):
        return token
    serialized = getattr(token, "_serialized_token", None)
    if serialized:
        return str(serialized)
    raw = token.serialize()
    return raw.decode("ascii") if isinstance(raw, bytes) else str(raw)


def scitoken_authorization_header(token: Any, scheme: str = "Bearer") -> str:
    """The ``Authorization`` header value for `token`: a
    ``scitokens.SciToken``, a :class:`DiscoveredToken`, or a serialized
    token (``str`` or ``bytes``)."""
    return f"{scheme} {_serialized(token)}"


# The token places igwn-auth-utils knows of (an OIDC login is this
# package's own, kept by its session for its URL).
_TOKEN_SOURCES = tuple(
    s
    for s in SOURCES
    if s.kind == HEADER
    and not s.argument
    and not s.last_resort
    and s.find is not oidc_login
)
_CERT_SOURCES = tuple(s for s in SOURCES if s.kind == CERTIFICATE and not s.argument)


def _time_left(expiry: Optional[float]) -> float:
    return float("inf") if expiry is None else expiry - time.time()


def find_scitoken(
    audience: Any,
    scope: Any,
    issuer: Any = None,
    timeleft: float = 60,
    **kwargs: Any,
) -> DiscoveredToken:
    """Find a bearer token for `audience` and `scope`, as igwn-auth-utils'
    ``find_token`` does, in this package's token sources.

    Parameters
    ----------
    audience : str or list of str or None
        Accepted ``aud`` values (``ANY`` always matches).
    scope : str or list of str or None
        Scopes the token must grant.
    issuer : str or list of str, optional
        Accepted ``iss`` values.
    timeleft : float, default=60
        Seconds the token must still be valid for.
    **kwargs
        Accepted for igwn-auth-utils' signature and ignored: the
        signature is not verified here.

    Returns
    -------
    DiscoveredToken
        The first matching token, in the order of
        :data:`~requests_gracedb_like.credentials.sources.SOURCES`.

    Raises
    ------
    IgwnAuthError
        When no source holds a matching token; the message lists each
        source and why it was skipped.
    """
    request = Arguments(
        token_audience=audience,
        token_scope=scope,
        token_issuer=issuer,
        token_expiry_margin=timeleft,
    )
    # The first token source that finds one wins (discovery's rules).
    found = discover(request, _TOKEN_SOURCES)
    winner = found.winner
    if winner is not None:
        return DiscoveredToken(winner.auth.token, winner.describe())  # type: ignore[union-attr]
    skipped = [a.describe() for a in found.attempts]
    raise auth_error(
        "could not find a valid SciToken, please verify the audience and scope, "
        "or generate a new token and try again; looked at: " + "; ".join(skipped)
    )


def find_x509_credentials(timeleft: float = 600) -> Union[str, tuple[str, str]]:
    """Find an X.509 client certificate, as igwn-auth-utils'
    ``find_credentials`` does, in this package's certificate sources.

    Returns
    -------
    str or tuple of str
        A proxy file, or a ``(cert, key)`` pair, valid for at least
        `timeleft` seconds.

    Raises
    ------
    IgwnAuthError
        When none is found; the message lists each source and why.
    """
    warnings.warn(
        "Support for identity-based X.509 credentials is being retired by "
        "IGWN services in favour of SciTokens (warned on each look-up, as "
        "igwn-auth-utils 1.4 does)",
        DeprecationWarning,
        stacklevel=2,
    )
    request = Arguments()
    # Discovery's walk finds the first
    # certificate; one with too little time left means asking the sources
    # after it, which discovery did not look at.
    found = discover(request, _CERT_SOURCES)
    skipped = []
    for source, attempt in zip(_CERT_SOURCES, found.attempts, strict=True):
        if attempt.status == NOT_LOOKED_AT:
            attempt = source(request)
        if attempt.found and _time_left(attempt.expiry) >= timeleft:
            return attempt.cert.cert  # type: ignore[union-attr]
        if attempt.found:
            skipped.append(f"{attempt.source}: less than {timeleft:g} s left")
        else:
            skipped.append(attempt.describe())
    raise auth_error(
        "could not find an X.509 credential; looked at: " + "; ".join(skipped)
    )


def get_netrc_auth(url: Optional[str], raise_errors: bool = False) -> Any:
    """The netrc credentials for `url`'s host, read with safe-netrc.

    As :func:`requests.utils.get_netrc_auth` reads ``$NETRC``, else
    ``~/.netrc``, else ``~/_netrc``; only a ``machine`` entry for the host
    is used (a ``default`` entry would hand the password to any host).

    Returns
    -------
    BasicAuth or None
        Equal to (and unpacking as) the ``(login, password)`` tuple.

    Raises
    ------
    netrc.NetrcParseError, OSError
        With `raise_errors`, when the file is unsafe or cannot be parsed.
    """
    netrc_file = os.environ.get("NETRC")
    if netrc_file:
        candidates = [netrc_file]
    else:
        candidates = [os.path.expanduser(f"~/{n}") for n in (".netrc", "_netrc")]
    path = next((p for p in candidates if os.path.exists(p)), None)
    if path is None:
        return None

    from safe_netrc import NetrcParseError  # type: ignore[import-untyped]
    from safe_netrc import netrc as safe_netrc  # type: ignore[import-untyped]

    try:
        # safe-netrc opens the file by name: check first that it is a small
        # regular file, without blocking on a FIFO.
        read_credential_file(path, what="netrc file")
        hosts = safe_netrc(path).hosts
    except (NetrcParseError, OSError):
        if raise_errors:
            raise
        return None
    host = urlsplit(url).hostname if url else None
    entry = hosts.get(host) if host else None
    if entry is None:
        return None
    login, _, password = entry
    return BasicAuth(login or "", password or "")
