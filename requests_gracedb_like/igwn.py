"""A drop-in for ``igwn_auth_utils.requests``: the same names, arguments
and behaviour (igwn-auth-utils 1.4), on this package's safety rules.

Change only the import (one module, as the one it replaces: its names
read best side by side)::

    from igwn_auth_utils.requests import Session, get    # before
    from requests_gracedb_like.igwn import Session, get  # after

What is kept from igwn-auth-utils: ``token`` is a ``scitokens.SciToken``,
a serialized token (``str``/``bytes``), True (require one), False or None
(discover); ``cert`` is a path, a ``(cert, key)`` pair, True, False or
None; the same auth keywords per request and on the one-shot functions,
which also take ``session=``; a bearer token is looked for on each request,
for the audience of its URL; :class:`HTTPSciTokenAuth` with equality;
``IGWN_AUTH_UTILS_FIND_X509`` and ``IGWN_AUTH_UTILS_FIND_SCITOKEN``;
:class:`~requests_gracedb_like.exceptions.IgwnAuthError`, a
:class:`RuntimeError` (as there) and also a :class:`ValueError` (as this
package's credential errors are).

What is this package's (see ``docs/compat.rst`` for each and why):
requests never adds ``~/.netrc`` credentials behind discovery's back (not
after ``force_noauth=True``, not on a redirect); the session's credentials
stay on the origin of its ``url``; a credential header never goes over
plain ``http`` to a host that is not loopback; a token is never copied
into ``session.headers``; nothing secret appears in a ``repr`` or a message;
pickling one session does not change every other session class.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase

from ._http.arguments import forward_url, request_kwargs
from ._http.messages import read_error_body
from ._http.origin import is_loopback
from ._http.redact import redact_url
from .adapters import ReplaySafeAdapter, mount_for_both_schemes
from .auth import SessionAuthMixin as _MainAuthMixin
from .closing import SessionCloseMixin
from .credentials.bearer import _same_secret
from .credentials.igwn import (
    DiscoveredToken,
    auth_error,
    find_credential,
    find_scitoken,
    find_x509_credentials,
    get_netrc_auth,
    scitoken_audience,
    scitoken_authorization_header,
)
from .credentials.noauth import without_netrc
from .environment import SessionEnvironmentMixin
from .errors import SessionErrorMixin as _MainErrorMixin
from .exceptions import IgwnAuthError, http_error_class
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
        request and raises
        :class:`~requests_gracedb_like.exceptions.IgwnAuthError` when there
        is none; None looks for one and sends nothing when there is none.
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
        return find_credential(
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
        cert = find_credential(find_x509_credentials, error=cert is True)

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
        raise auth_error("no valid authorisation credentials found")
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
        Raise :class:`~requests_gracedb_like.exceptions.IgwnAuthError` when
        no credential is found.

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
                raise auth_error(
                    "no valid authorisation credentials found for "
                    f"{redact_url(str(url))}: the session's are for its own origin"
                )
            return super().request(method, url, **kwargs)  # type: ignore[misc, no-any-return]
        auth, cert = _prepare_auth(url=url, session=self, **options)
        return super().request(method, url, auth=auth, cert=cert, **kwargs)  # type: ignore[misc, no-any-return]

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        """Prepare `request`, never with credentials from ``~/.netrc``
        (see :func:`~requests_gracedb_like.credentials.noauth.without_netrc`)."""
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
    if not kwargs.get("stream", True):
        # Read the body now, within the error-body bounds: it stays
        # readable on the exception, and the connection goes back to the
        # pool instead of waiting for the collector. A streamed body is
        # the caller's to read, as with requests.
        read_error_body(response, stream=False)
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


# SessionAuthMixin.request forwards (method, url, *args, **kwargs), wider
# than the stubs of requests.Session.request, which mypy reports as a clash.
class Session(  # type: ignore[misc]
    # In the main Session's order: the transport rules' rebuild_auth (which
    # keeps the client certificate on the origin after a redirect) runs
    # before the auth mixin's.
    SessionTransportMixin,
    SessionAuthMixin,
    SessionErrorMixin,
    SessionUserAgentMixin,
    SessionCloseMixin,
    SessionEnvironmentMixin,
    requests.Session,
):
    """:class:`requests.Session` with igwn-auth-utils' credential handling
    (:class:`SessionAuthMixin`), its error hook (:class:`SessionErrorMixin`)
    and this package's transport rules
    (:class:`~requests_gracedb_like.transport.SessionTransportMixin`).

    Requests go out as requests would send them, with requests' adapter
    settings (no retries, 10 connections per host), through this package's
    adapter (:class:`~requests_gracedb_like.adapters.ReplaySafeAdapter`),
    which gives a forked child pools of its own and, unless
    ``warm_connections=False`` is given, keeps the open connections of a
    closed session for the next one with the same transport settings
    (:ref:`warm-connections`).

    Examples
    --------
    >>> with Session("https://datafind.example.org", force_noauth=True) as s:
    ...     s.auth is None, s.cert
    (True, False)
    """

    def __init__(
        self, url: Optional[str] = None, *, warm_connections: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(url=url, **kwargs)
        # requests' adapter settings (no retries, 10 connections per host),
        # on this package's adapter: no pool shared with a forked child.
        adapter = ReplaySafeAdapter(warm_connections=bool(warm_connections))
        mount_for_both_schemes(self, adapter)

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

    The other arguments are those of :meth:`SessionAuthMixin.request`,
    and ``warm_connections`` (as for :class:`Session`) without `session`.
    """
    if session:
        return session.request(method, url, *args, **kwargs)  # type: ignore[no-any-return]
    options = {k: kwargs[k] for k in AUTH_KEYWORDS if k in kwargs}
    if "warm_connections" in kwargs:
        options["warm_connections"] = kwargs.pop("warm_connections")
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
