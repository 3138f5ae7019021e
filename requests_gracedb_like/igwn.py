"""A drop-in for ``igwn_auth_utils.requests``: the same names, arguments
and behaviour (igwn-auth-utils 1.4), on this package's safety rules.

Change only the import::

    from igwn_auth_utils.requests import Session, get    # before
    from requests_gracedb_like.igwn import Session, get  # after

What is kept from igwn-auth-utils: ``token`` is a ``scitokens.SciToken``,
a serialized token (``str``/``bytes``), True (require one), False or None
(discover); ``cert`` is a path, a ``(cert, key)`` pair, True, False or
None; the same auth keywords per request and on the one-shot functions,
which also take ``session=``; a bearer token is looked for on each request,
for the audience of its URL; :class:`HTTPSciTokenAuth` with equality;
``IGWN_AUTH_UTILS_FIND_X509`` and ``IGWN_AUTH_UTILS_FIND_SCITOKEN``;
:class:`IgwnAuthError`, a :class:`RuntimeError` (as there) and also a
:class:`ValueError` (as this package's credential errors are).

What is this package's (see ``docs/compat.rst`` for each and why):
requests never adds ``~/.netrc`` credentials behind discovery's back (not
after ``force_noauth=True``, not on a redirect); the session's credentials
stay on the origin of its ``url``; a credential header never goes over
plain ``http`` to a host that is not loopback; a token is never copied
into ``session.headers``; nothing secret appears in a ``repr`` or a message;
pickling one session does not change every other session class.
"""

from __future__ import annotations

import functools
import os
import sys
import time
import warnings
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Optional, Union
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase

from ._http.arguments import forward_url, request_kwargs
from ._http.origin import is_loopback
from ._http.redact import redact_url
from .auth import SessionAuthMixin as _MainAuthMixin
from .auth import without_netrc
from .closing import SessionCloseMixin
from .credentials.basic import BasicAuth
from .credentials.bearer import _same_secret
from .credentials.jwt import decode_claims
from .credentials.records import CERTIFICATE, HEADER, Request
from .credentials.sources import SOURCES, oidc_login
from .environment import SessionEnvironmentMixin
from .errors import SessionErrorMixin as _MainErrorMixin
from .exceptions import NoCredentialsError, http_error_class
from .prepare import SessionPrepareMixin
from .transport import SessionTransportMixin
from .user_agent import SessionUserAgentMixin

__all__ = [
    "DiscoveredToken",
    "HTTPSciTokenAuth",
    "IgwnAuthError",
    "Session",
    "SessionAuthMixin",
    "SessionErrorMixin",
    "delete",
    "find_scitoken",
    "find_x509_credentials",
    "get",
    "get_netrc_auth",
    "head",
    "patch",
    "post",
    "put",
    "request",
    "scitoken_audience",
    "scitoken_authorization_header",
]

# -- errors -----------------------------------------------------------------


class IgwnAuthError(NoCredentialsError, RuntimeError):
    """No usable credential of a kind that was required.

    A :class:`RuntimeError` as igwn-auth-utils' ``IgwnAuthError`` is, and a
    :class:`ValueError` (through
    :class:`~requests_gracedb_like.exceptions.NoCredentialsError`) as this
    package's credential errors are. When ``igwn_auth_utils`` has been
    imported, the instances raised here are also instances of its
    ``IgwnAuthError``, so ``except igwn_auth_utils.IgwnAuthError`` keeps
    working in code that still imports it.
    """


def _igwn_error_class() -> Optional[type]:
    """igwn-auth-utils' own error class, if something imported it; it is
    never imported here."""
    module = sys.modules.get("igwn_auth_utils.error")
    cls = getattr(module, "IgwnAuthError", None)
    return cls if isinstance(cls, type) and issubclass(cls, Exception) else None


@functools.lru_cache(maxsize=4)
def _with_igwn_class(theirs: type) -> type:
    return type("IgwnAuthError", (IgwnAuthError, theirs), {"__module__": __name__})


def _auth_error(message: str) -> IgwnAuthError:
    theirs = _igwn_error_class()
    if theirs is None or issubclass(IgwnAuthError, theirs):
        return IgwnAuthError(message)
    return _with_igwn_class(theirs)(message)  # type: ignore[no-any-return]


def _is_auth_error(exc: BaseException) -> bool:
    theirs = _igwn_error_class()
    return isinstance(exc, IgwnAuthError) or (
        theirs is not None and isinstance(exc, theirs)
    )


def _find_cred(func: Any, *args: Any, error: bool = True, **kwargs: Any) -> Any:
    """Call a finder; with ``error=False`` an auth error means None."""
    try:
        return func(*args, **kwargs)
    except Exception as exc:
        if error or not _is_auth_error(exc):
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
    request = Request(
        token_audience=audience,
        token_scope=scope,
        token_issuer=issuer,
        token_expiry_margin=timeleft,
    )
    skipped = []
    for source in _TOKEN_SOURCES:
        attempt = source(request)
        if attempt.found:
            return DiscoveredToken(attempt.auth.token, attempt.describe())  # type: ignore[union-attr]
        skipped.append(attempt.describe())
    raise _auth_error(
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
    request = Request()
    skipped = []
    for source in _CERT_SOURCES:
        attempt = source(request)
        if attempt.found and _time_left(attempt.expiry) >= timeleft:
            return attempt.cert.cert  # type: ignore[union-attr]
        if attempt.found:
            skipped.append(f"{attempt.source}: less than {timeleft:g} s left")
        else:
            skipped.append(attempt.describe())
    raise _auth_error(
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


def _is_plain_http_remote(url: Optional[str]) -> bool:
    if not url or not isinstance(url, str):
        return False
    parts = urlsplit(url)
    return parts.scheme.lower() == "http" and not is_loopback(parts.hostname or "")


class HTTPSciTokenAuth(AuthBase):
    """Send a bearer token, given or looked for per request.

    Parameters
    ----------
    token : scitokens.SciToken or str or bytes or bool, optional
        The token (object or serialized); True looks for one on each
        request and raises :class:`IgwnAuthError` when there is none; None
        looks for one and sends nothing when there is none.
    audience, scope, issuer : str or list of str, optional
        What a token looked for must carry; the audience defaults to
        ``scheme://host`` of each request's URL.

    Notes
    -----
    A token that is looked for is not attached to a request over plain
    ``http`` to a host that is not loopback. Two objects are equal when
    they hold the same token and claims.
    """

    def __init__(
        self,
        token: Any = None,
        audience: Any = None,
        scope: Any = None,
        issuer: Any = None,
    ) -> None:
        self.token = token
        self.audience = audience
        self.scope = scope
        self.issuer = issuer

    def _key(self) -> tuple[Any, ...]:
        return (self.audience, self.scope, self.issuer)

    def __eq__(self, other: object) -> bool:
        mine, theirs = self.token, getattr(other, "token", None)
        if isinstance(mine, str) and isinstance(theirs, str):
            same_token = _same_secret(mine, theirs)
        else:
            same_token = bool(mine == theirs)
        return same_token and all(
            getattr(self, name) == getattr(other, name, None)
            for name in ("audience", "scope", "issuer")
        )

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        if self.token is None or isinstance(self.token, bool):
            token = repr(self.token)
        else:
            token = "<given>"  # noqa: S105 - a placeholder, not a secret
        return (
            f"<{type(self).__name__} token={token} audience={self.audience!r} "
            f"scope={self.scope!r} issuer={self.issuer!r}>"
        )

    __str__ = __repr__

    @staticmethod
    def _auth_header_str(token: Any) -> str:
        return scitoken_authorization_header(token)

    def find_token(self, url: Optional[str] = None, error: bool = True) -> Any:
        """Look for a token for `url` (a URL or a host name) with this
        object's claims; with ``error=False`` return None when there is
        none."""
        audience = self.audience
        if audience is None and url is not None:
            audience = scitoken_audience(url, include_any=False)
        # Looked up in the module at each call, as in igwn-auth-utils, so
        # that patching find_scitoken here takes effect.
        return _find_cred(
            find_scitoken, audience, self.scope, issuer=self.issuer, error=error
        )

    def __call__(self, r: Any) -> Any:
        token = self.token
        if token is None or token is True:
            url = getattr(r, "url", None)
            if token is None and _is_plain_http_remote(url):
                return r  # never offer a discovered token in clear text
            token = self.find_token(url=url, error=bool(token))
        if token:
            r.headers["Authorization"] = self._auth_header_str(token)
        return r


def _check_token(token: Any) -> Any:
    """igwn's accepted token values; an object must be a SciToken (the
    only reason ``scitokens`` is ever imported here) or a
    :class:`DiscoveredToken`."""
    if token is None or isinstance(token, (bool, str, bytes, DiscoveredToken)):
        return token
    try:
        from scitokens import SciToken  # type: ignore[import-untyped]
    except ImportError:
        SciToken = None  # noqa: N806
    if SciToken is not None and isinstance(token, SciToken):
        return token
    raise TypeError(
        "token must be a scitokens.SciToken, a serialized token (str or bytes), "
        f"True, False or None, not {type(token).__name__}"
    )


# -- auth preparation -------------------------------------------------------


def _bool_env(name: str) -> Optional[bool]:
    value = os.environ.get(name)
    return None if value is None else value.lower() in {"1", "y", "yes", "true"}


def _prepare_auth(
    url: Optional[str] = None,
    auth: Any = None,
    cert: Any = None,
    token: Any = None,
    token_audience: Any = None,
    token_scope: Any = None,
    token_issuer: Any = None,
    force_noauth: bool = False,
    fail_if_noauth: bool = False,
    session: Any = None,
) -> tuple[Any, Any]:
    """``(auth, cert)`` for a session or one request, by igwn-auth-utils'
    rules, in order:

    1. a request inherits the session's certificate and token settings;
       with a session whose auth is not a token, that auth applies (netrc
       is read for a session, not again for each request);
    2. ``force_noauth`` (with ``fail_if_noauth`` an error): nothing;
    3. None means the ``IGWN_AUTH_UTILS_FIND_X509`` / ``_FIND_SCITOKEN``
       variables, if set;
    4. ``cert`` None or True: look for one (True: it must be found);
    5. the header: ``auth`` if given, else a :class:`HTTPSciTokenAuth`
       unless ``token=False``, else the netrc entry for `url`'s host;
    6. ``token=False`` on a request turns off the session's token;
    7. ``fail_if_noauth``: an error when nothing was found.
    """
    token = _check_token(token)
    session_auth = getattr(session, "auth", None)
    netrc = True
    if session is not None:
        if cert is None:
            cert = session.cert
        if token is None and not isinstance(session_auth, HTTPSciTokenAuth):
            # The session's own auth (or none) applies; netrc was read when
            # the session was made, and is not read again behind its back.
            token = False
            netrc = False
        if isinstance(session_auth, HTTPSciTokenAuth):
            if token is None:
                token = session_auth.token
            if token_audience is None:
                token_audience = session_auth.audience
            if token_scope is None:
                token_scope = session_auth.scope
            if token_issuer is None:
                token_issuer = session_auth.issuer

    if force_noauth and fail_if_noauth:
        raise ValueError("cannot select both force_noauth and fail_if_noauth")
    if force_noauth:
        return None, False

    if cert is None:
        cert = _bool_env("IGWN_AUTH_UTILS_FIND_X509")
    if token is None:
        token = _bool_env("IGWN_AUTH_UTILS_FIND_SCITOKEN")

    if cert is None or cert is True:
        cert = _find_cred(find_x509_credentials, error=cert is True)

    if auth is not None:
        pass
    elif token is not False:
        if token_audience is None and url is not None:
            token_audience = scitoken_audience(url, include_any=False)
        auth = HTTPSciTokenAuth(token, token_audience, token_scope, token_issuer)
    elif url is not None and netrc:
        auth = get_netrc_auth(url)

    if isinstance(session_auth, HTTPSciTokenAuth) and token is False and auth is None:
        auth = False  # None would let requests use the session's token

    sent = session_auth if auth is None else auth
    if fail_if_noauth and cert in (None, False) and _no_header(sent, url):
        raise _auth_error("no valid authorisation credentials found")
    return auth, cert


def _no_header(auth: Any, url: Optional[str]) -> bool:
    if isinstance(auth, HTTPSciTokenAuth):
        return not auth.find_token(url=url, error=False)
    return not auth


# -- the session ------------------------------------------------------------

#: The keywords that choose credentials, on a session and on each request.
AUTH_KEYWORDS = (
    "auth",
    "cert",
    "fail_if_noauth",
    "force_noauth",
    "token",
    "token_audience",
    "token_issuer",
    "token_scope",
)


class SessionAuthMixin:
    """A mixin for :class:`requests.Session` with igwn-auth-utils'
    credential arguments.

    Parameters
    ----------
    token : scitokens.SciToken or str or bytes or bool, optional
        A token object, a serialized token, True (require one: looked for
        on each request, an error if none), False (none), or None (look for
        one on each request, send nothing if none).
    token_audience, token_scope, token_issuer : str or list of str, optional
        What a token looked for must carry; the audience defaults to
        ``scheme://host`` of `url` (of each request's URL without `url`).
    cert : str or tuple or bool, optional
        A PEM file, a ``(cert, key)`` pair, True (require one), False
        (none), or None (look for one now).
    auth : tuple or requests.auth.AuthBase, optional
        Any other credential; it replaces the token.
    url : str, optional
        The service URL: the default token audience, the netrc host when
        ``token=False``, and the only origin that gets the session's
        credentials.
    force_noauth : bool, default=False
        No credential at all.
    fail_if_noauth : bool, default=False
        Raise :class:`IgwnAuthError` when no credential is found.

    Notes
    -----
    ``session.auth`` is a :class:`HTTPSciTokenAuth` unless ``token=False``
    or `auth` was given; ``session.token`` is the token object given, if
    any. :meth:`request` takes the same keywords for one request.
    """

    _takes_url = True

    def __init__(
        self,
        token: Any = None,
        token_audience: Any = None,
        token_scope: Any = None,
        token_issuer: Any = None,
        cert: Any = None,
        auth: Any = None,
        url: Optional[str] = None,
        force_noauth: bool = False,
        fail_if_noauth: bool = False,
        **kwargs: Any,
    ) -> None:
        forward_url(SessionAuthMixin, self, url, kwargs)
        super().__init__(**kwargs)
        self.auth, self.cert = _prepare_auth(
            url=url,
            auth=auth,
            cert=cert,
            token=token,
            token_audience=token_audience,
            token_scope=token_scope,
            token_issuer=token_issuer,
            force_noauth=force_noauth,
            fail_if_noauth=fail_if_noauth,
        )

    @property
    def token(self) -> Any:
        """The token object in use (a ``scitokens.SciToken`` given as
        ``token=``), or None."""
        token = getattr(self.auth, "token", None)
        if token is None or isinstance(token, (bool, str, bytes)):
            return None
        return token

    def request(
        self, method: str, url: Any, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Send a request; ``token``, ``token_audience``, ``token_scope``,
        ``token_issuer``, ``cert``, ``auth``, ``force_noauth`` and
        ``fail_if_noauth`` choose its credentials as they do the
        session's, the session's settings filling in what is not given."""
        if args:
            kwargs = request_kwargs(args, kwargs)
        options = {k: kwargs.pop(k) for k in AUTH_KEYWORDS if k in kwargs}
        given = any(options.get(k) is not None for k in ("auth", "cert", "token"))
        allowed = getattr(self, "_session_credentials_allowed", None)
        if not given and allowed is not None and not allowed(url):
            # Another origin: the transport rules leave the session's
            # credentials off; nothing is looked for on its behalf.
            if options.get("fail_if_noauth"):
                raise _auth_error(
                    "no valid authorisation credentials found for "
                    f"{redact_url(str(url))}: the session's are for its own origin"
                )
            return super().request(method, url, **kwargs)  # type: ignore[misc, no-any-return]
        auth, cert = _prepare_auth(url=url, session=self, **options)
        return super().request(method, url, auth=auth, cert=cert, **kwargs)  # type: ignore[misc, no-any-return]

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        """Prepare `request`, never with credentials from ``~/.netrc``
        (see :func:`~requests_gracedb_like.auth.without_netrc`)."""
        return super().prepare_request(without_netrc(self, request))  # type: ignore[misc, no-any-return]

    # Without netrc too, and credential headers dropped off the origin.
    rebuild_auth = _MainAuthMixin.rebuild_auth


def _raise_for_status(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """Response hook: raise for a status of 400 or above, with requests'
    message (``404 Client Error: Not Found for url: ...``), the URL
    without its credentials."""
    status = response.status_code
    if status < 400:
        return
    reason = response.reason
    if isinstance(reason, bytes):
        reason = reason.decode("iso-8859-1", "replace")
    side = "Client" if status < 500 else "Server"
    # Read the body now: it stays readable on the exception, and the
    # connection goes back to the pool instead of waiting for the collector.
    response.content  # noqa: B018
    raise http_error_class(status)(
        f"{status} {side} Error: {reason} for url: {redact_url(response.url)}",
        request=response.request,
        response=response,
    )


class SessionErrorMixin(_MainErrorMixin):
    """:class:`~requests_gracedb_like.errors.SessionErrorMixin` with
    requests' own message for an HTTP error status, as igwn-auth-utils
    raises it.

    Parameters
    ----------
    raise_for_status : bool, default=True
        Raise for a status of 400 or above.
    """

    _status_hook = staticmethod(_raise_for_status)


class Session(
    SessionAuthMixin,
    SessionTransportMixin,
    SessionErrorMixin,
    SessionUserAgentMixin,
    SessionCloseMixin,
    SessionEnvironmentMixin,
    SessionPrepareMixin,
    requests.Session,
):
    """:class:`requests.Session` with igwn-auth-utils' credential handling
    (:class:`SessionAuthMixin`), its error hook (:class:`SessionErrorMixin`)
    and this package's transport rules
    (:class:`~requests_gracedb_like.transport.SessionTransportMixin`).

    Examples
    --------
    >>> with Session("https://datafind.example.org", force_noauth=True) as s:
    ...     s.auth is None, s.cert
    (True, False)
    """

    def __init__(self, url: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(url=url, **kwargs)

    if TYPE_CHECKING:
        # For type checkers: requests' signature (the mixins' request()
        # forwards every argument to it).
        request = requests.Session.request


# -- one-shot requests ------------------------------------------------------


def request(
    method: str, url: str, *args: Any, session: Any = None, **kwargs: Any
) -> requests.Response:
    """Send one request: through `session` when given, else through a new
    :class:`Session` for `url` (given the auth keywords too), closed after.

    The other arguments are those of :meth:`SessionAuthMixin.request`.
    """
    if session:
        return session.request(method, url, *args, **kwargs)  # type: ignore[no-any-return]
    options = {k: kwargs[k] for k in AUTH_KEYWORDS if k in kwargs}
    with Session(url=url, **options) as new:
        return new.request(method, url, *args, **kwargs)


def _one_shot(method: str) -> Any:
    def call(
        url: str, *args: Any, session: Any = None, **kwargs: Any
    ) -> requests.Response:
        return request(method, url, *args, session=session, **kwargs)

    call.__name__ = call.__qualname__ = method
    call.__doc__ = (
        f"Send a {method.upper()} request to `url` (see :func:`request`); "
        "`session` as there."
    )
    return call


delete = _one_shot("delete")
get = _one_shot("get")
head = _one_shot("head")
patch = _one_shot("patch")
post = _one_shot("post")
put = _one_shot("put")
