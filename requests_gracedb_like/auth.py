"""Credential discovery for a session: :class:`SessionAuthMixin`."""

from __future__ import annotations

import copy
import logging
import os
from typing import TYPE_CHECKING, Any, Optional, Union

import requests
from requests.auth import AuthBase
from requests.models import PreparedRequest

from ._http.arguments import forward_url, request_kwargs
from ._http.origin import prepared_origin, same_origin, strip_credential_headers
from ._typing import PathLike
from .closing import close_pools_where
from .credentials.claims import DEFAULT_EXPIRY_MARGIN
from .credentials.discovery import discover
from .credentials.noauth import NoAuth, without_netrc
from .credentials.records import HEADER, NOTHING, Arguments, Discovery
from .credentials.sources import SOURCES
from .credentials.x509 import X509Credential
from .exceptions import HTTPError

if TYPE_CHECKING:
    from .credentials.explain import AuthReport

__all__ = [
    "SessionAuthMixin",
    "close_pools_with_cert",
    "credential_arguments",
    "credential_expiry",
    "discovers_per_request",
    "without_netrc",
]

log = logging.getLogger(__name__)

#: The arguments that choose a token by its claims, also per request.
_CLAIM_ARGUMENTS = ("token_audience", "token_scope", "token_issuer")
_CLAIM_NAMES = frozenset(_CLAIM_ARGUMENTS)


def _check_reload_timeout(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            "auth_reload_timeout must be a number of seconds, "
            f"not {type(value).__name__}"
        )
    if not value >= 0:
        raise ValueError(f"auth_reload_timeout must be >= 0 seconds, got {value!r}")
    return float(value)


def _check_cert(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (str, os.PathLike)):
        return value
    if (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(v, (str, os.PathLike)) for v in value)
    ):
        return value
    raise TypeError(
        "cert must be the path of a PEM file or a (cert, key) pair of paths, "
        f"not {type(value).__name__}"
    )


def discovers_per_request(arguments: Arguments) -> bool:
    """Whether a session made with `arguments` looks for a header
    credential for each request's own origin: without a service URL and
    without a header credential given as an argument (the igwn way)."""
    return (
        arguments.url is None
        and not arguments.force_noauth
        and arguments.api_key is None
        and arguments.username is None
        and not isinstance(arguments.token, (str, os.PathLike))
    )


def credential_expiry(session: Any) -> Optional[float]:
    """The earliest expiry (POSIX time) of the session's credentials: the
    token's ``exp`` and the client certificate's ``notAfter``; None when
    neither is known."""
    known = [
        e
        for e in (
            getattr(getattr(session, "auth", None), "expiry", None),
            getattr(getattr(session, "auth_cert", None), "expiry", None),
        )
        if e is not None
    ]
    return min(known) if known else None


def close_pools_with_cert(session: requests.Session, cert: Any) -> int:
    """Close the pooled connections opened with client certificate `cert`
    (as in ``session.cert``), in every adapter; other pools are untouched.

    Returns
    -------
    int
        How many connection pools were closed.
    """
    cert_file, key_file = cert if isinstance(cert, tuple) else (cert, None)
    closed = 0
    for adapter in session.adapters.values():
        managers = [getattr(adapter, "poolmanager", None)]
        managers += list(getattr(adapter, "proxy_manager", {}).values())
        for manager in managers:
            if getattr(manager, "pools", None) is None:
                continue
            closed += close_pools_where(
                manager,
                lambda key: (
                    getattr(key, "key_cert_file", None) == cert_file
                    and getattr(key, "key_key_file", None) == key_file
                ),
            )
    return closed


def credential_arguments(
    url: Optional[str] = None,
    *,
    token: Union[PathLike, bool, None] = None,
    cert: Any = None,
    api_key: Optional[str] = None,
    auth_header_name: str = "Authorization",
    api_key_prefix: Optional[str] = None,
    token_audience: Any = None,
    token_scope: Any = None,
    token_issuer: Any = None,
    token_expiry_margin: float = DEFAULT_EXPIRY_MARGIN,
    username: Optional[str] = None,
    password: Optional[str] = None,
    force_noauth: bool = False,
    fail_if_noauth: bool = False,
    auth_reload: bool = False,
    auth_reload_timeout: float = 300,
) -> Arguments:
    """Check the credential arguments of a session (or of an httpx client)
    and return them as the :class:`~requests_gracedb_like.credentials.records.Arguments`
    that discovery reads.

    The parameters are those of :class:`SessionAuthMixin`.

    Raises
    ------
    ValueError
        For arguments that contradict each other (``force_noauth`` with
        ``fail_if_noauth``, a user name without a password...).
    TypeError
        For an argument of the wrong type, naming it.
    """
    if force_noauth and fail_if_noauth:
        raise ValueError("Must not set both force_noauth and fail_if_noauth.")
    if (username is None) ^ (password is None):
        raise ValueError("Must provide username and password, or neither.")
    if api_key is not None and (token not in (None, False) or username is not None):
        raise ValueError(
            "Give one header credential: api_key, or token, or "
            "username/password, not several."
        )
    if api_key is None and (
        auth_header_name != "Authorization" or api_key_prefix is not None
    ):
        raise ValueError("auth_header_name and api_key_prefix need api_key.")
    if url is not None and not isinstance(url, str):
        raise TypeError(f"url must be a str, not {type(url).__name__}")
    if not isinstance(token, (type(None), bool, str, os.PathLike)):
        raise TypeError(
            "token must be the path of a token file, True or False, "
            f"not {type(token).__name__}"
        )
    for name, value in (
        ("username", username),
        ("password", password),
        ("api_key", api_key),
    ):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a str, not {type(value).__name__}")

    request = Arguments(
        url=url,
        token=token,
        username=username,
        password=password,
        force_noauth=force_noauth,
        auth_reload=auth_reload,
        auth_reload_timeout=_check_reload_timeout(auth_reload_timeout),
        cert=_check_cert(cert),
        api_key=api_key,
        auth_header_name=auth_header_name,
        api_key_prefix=api_key_prefix,
        token_audience=token_audience,
        token_scope=token_scope,
        token_issuer=token_issuer,
        token_expiry_margin=token_expiry_margin,
    )
    return request


class _ClaimedToken(AuthBase):
    """What ``token_audience``, ``token_scope`` or ``token_issuer`` given to
    one request ask for: resolved to a credential (or to none) by
    :meth:`SessionAuthMixin.prepare_request`, once the URL is final. Sent
    unresolved, it adds nothing."""

    def __init__(self, claims: dict[str, Any]) -> None:
        self.claims = claims

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        return r


def _own_credential(kwargs: dict[str, Any]) -> bool:
    """Whether a request brought a credential of its own (``auth=`` or an
    ``Authorization`` header): discovery then says nothing about it."""
    if kwargs.get("auth") is not None:
        return True
    headers = kwargs.get("headers") or {}
    return any(str(name).lower() == "authorization" for name in headers)


def explain_refusal(session: Any, exc: HTTPError) -> None:
    """Add to the message of a 401 or 403 `exc` what the session's
    discovery knows: the credential sent, or that none was, which sources
    were skipped and why, and one next step (see
    :func:`~requests_gracedb_like.credentials.explain.refusal_note`).

    The message keeps its first line; the note follows, a line each.
    Nothing is added when the request carried a header credential that
    discovery did not supply, or none when discovery found one (a redirect
    to another origin drops it).
    """
    from .credentials.explain import refusal_note

    discovery = getattr(session, "auth_discovery", None)
    request = exc.request
    if discovery is None or request is None or len(exc.args) != 1:
        return
    if not isinstance(exc.args[0], str) or getattr(exc, "_explained", False):
        return
    auth = getattr(session, "auth", None)
    header = getattr(auth, "header_name", "Authorization")
    carried = header in (request.headers or {})
    cert = getattr(session, "auth_cert", None) is not None and str(
        request.url or ""
    ).startswith("https:")
    header_found = any(a.kind == HEADER for a in discovery.winners)
    if carried and not header_found:
        return  # a header credential of the user's, not discovery's
    if not (carried or cert) and any(w.kind != NOTHING for w in discovery.winners):
        return  # found, but not sent to this origin
    note = refusal_note(discovery, exc.status_code or 0, sent=carried or cert)
    exc.args = ("\n".join([exc.args[0], *note]),)
    exc._explained = True  # type: ignore[attr-defined]


class SessionAuthMixin:
    """A mixin for :class:`requests.Session` that finds the user's credential.

    Parameters
    ----------
    url : str, optional
        The service URL. Its host name selects the netrc entry; its scheme
        and host are the default token audience.
    token : str or os.PathLike or bool, optional
        Path of a bearer-token file; False skips bearer-token discovery;
        True requires it to find a token (else
        :class:`~requests_gracedb_like.exceptions.NoCredentialsError`,
        naming each place looked at).
    cert : str or os.PathLike or tuple or bool, optional
        An X.509 client certificate: a PEM file holding certificate and key
        (a proxy), or a ``(cert, key)`` pair of paths; False skips
        certificate discovery; True requires it to find one.
    api_key : str, optional
        An API key, sent in the `auth_header_name` header.
    auth_header_name : str, default="Authorization"
        The header carrying `api_key`.
    api_key_prefix : str, optional
        Text before the key: ``Bearer`` by default in ``Authorization``,
        nothing in any other header.
    token_audience : str or list of str, optional
        A discovered token is used only if its ``aud`` names one of these
        (default: the scheme and host of `url`).
    token_scope : str or list of str, optional
        ... and only if it grants all these scopes.
    token_issuer : str or list of str, optional
        ... and only if its ``iss`` is one of these.
    token_expiry_margin : float, default=60
        A discovered token is used only if it has at least this many
        seconds left before its ``exp``, so that a request (a long upload)
        does not outlive it. 60 s is what igwn-auth-utils asks for. See
        :mod:`~requests_gracedb_like.credentials.claims` for every rule.
    username : str, optional
        User name for HTTP basic auth; requires `password`.
    password : str, optional
        Password for HTTP basic auth; requires `username`.
    force_noauth : bool, default=False
        Send no credential at all, not even the ``~/.netrc`` entry that plain
        requests would add by itself.
    fail_if_noauth : bool, default=False
        Raise :class:`~requests_gracedb_like.exceptions.NoCredentialsError`
        (a :class:`ValueError`) when no credential is found.
    auth_reload : bool, default=False
        Re-read a bearer-token file before the token expires, and once
        after a 401; re-read a client certificate when it changes on disk
        or nears expiry.
    auth_reload_timeout : float, default=300
        How many seconds before expiry to re-read.

    Notes
    -----
    Sources are tried in this order (see
    :mod:`requests_gracedb_like.credentials.discovery` for the exact rules):

    1. ``force_noauth=True``: nothing is sent.
    2. Arguments: ``token=`` (which wins over ``username=`` and
       ``password=``, as in requests-gracedb), ``api_key=`` (alone), and
       ``cert=``. When any is given, the environment is not searched.
    3. Bearer-token discovery: the ``BEARER_TOKEN`` environment variable
       (the token itself), the file named by ``BEARER_TOKEN_FILE``, then
       ``SCITOKEN``, ``SCITOKEN_FILE`` and ``$_CONDOR_CREDS/*.use`` (as
       igwn-auth-utils reads them), the OIDC login cached by
       ``requests-gracedb-like login`` for the provider configured for
       `url` (refreshed by the session; see :doc:`/oidc`),
       ``$XDG_RUNTIME_DIR/bt_u<euid>``, then
       ``/tmp/bt_u<euid>``; a file
       counts only if it exists, is readable and is a regular file of at
       most 1 MiB, a token only if it has
       `token_expiry_margin` seconds left and matches `token_audience`,
       `token_scope` and `token_issuer`.
    4. X.509 discovery, looked at even when a token was found (both are
       sent): ``X509_USER_CERT`` + ``X509_USER_KEY``, ``X509_USER_PROXY``,
       ``/tmp/x509up_u<euid>``, ``~/.globus/usercert.pem`` + ``userkey.pem``;
       a certificate counts only if readable, private to the user, valid
       and not expired.
    5. The netrc file (``$NETRC``, else ``~/.netrc``, read by safe-netrc), for
       a ``machine`` entry matching the host name of `url`, only when nothing
       else was found.
    6. Nothing found: with ``fail_if_noauth=True`` raise, else send nothing.
       With ``token=True`` (or ``cert=True``), no token (no certificate)
       found raises too; an argument of the other kind does not stop that
       search.

    ``session.auth`` holds the header credential, ``session.cert`` the
    certificate (``session.auth_cert`` its details and expiry).
    ``session.auth_source`` names the winners (variables or file paths,
    never the secret), ``session.auth_discovery`` holds every attempt and
    :meth:`describe_auth` explains them. Requests never adds netrc
    credentials behind discovery's back, neither on the first request nor
    on a redirect.

    Without `url` and without a header credential among the arguments (the
    way igwn-auth-utils' sessions are used), the header credential is
    looked for again for each request, for that request's origin: a token
    is sent only to the audience it names (``session.auth`` is what was
    found for no URL in particular, and is not sent as such).
    """

    _takes_url = True

    auth_source: Optional[str]
    auth_discovery: Discovery
    auth_cert: Optional[X509Credential]
    # requests.Session's own settings, set here
    auth: Any
    cert: Any

    def __init__(
        self,
        url: Optional[str] = None,
        *,
        token: Union[PathLike, bool, None] = None,
        cert: Any = None,
        api_key: Optional[str] = None,
        auth_header_name: str = "Authorization",
        api_key_prefix: Optional[str] = None,
        token_audience: Any = None,
        token_scope: Any = None,
        token_issuer: Any = None,
        token_expiry_margin: float = DEFAULT_EXPIRY_MARGIN,
        username: Optional[str] = None,
        password: Optional[str] = None,
        force_noauth: bool = False,
        fail_if_noauth: bool = False,
        auth_reload: bool = False,
        auth_reload_timeout: float = 300,
        **kwargs: Any,
    ) -> None:
        forward_url(SessionAuthMixin, self, url, kwargs)
        super().__init__(**kwargs)
        request = credential_arguments(
            url,
            token=token,
            cert=cert,
            api_key=api_key,
            auth_header_name=auth_header_name,
            api_key_prefix=api_key_prefix,
            token_audience=token_audience,
            token_scope=token_scope,
            token_issuer=token_issuer,
            token_expiry_margin=token_expiry_margin,
            username=username,
            password=password,
            force_noauth=force_noauth,
            fail_if_noauth=fail_if_noauth,
            auth_reload=auth_reload,
            auth_reload_timeout=auth_reload_timeout,
        )
        discovery = discover(request, SOURCES, fail_if_noauth=fail_if_noauth)
        self.auth = discovery.auth
        self.auth_cert = discovery.cert
        if discovery.cert is not None:
            self.cert = discovery.cert.cert
        self.auth_discovery = discovery
        self.auth_source = discovery.source
        self.auth_url = url
        self._auth_request = request
        log.debug("using credential from %s", self.auth_source or "no source")

    def request(
        self, method: str, url: Any, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Send a request; ``token_audience``, ``token_scope`` and
        ``token_issuer`` choose the bearer token for this request alone.

        With any of them, the token sources are looked at again with these
        claims, for the request's URL (the session's other arguments
        unchanged), and the token found is sent instead of the session's;
        when none matches, no header credential is sent. A request to
        another origin than the session's URL gets no credential at all
        (unless ``allow_cross_origin_auth=True``). An ``auth=`` given to the
        request wins.

        A reloading client certificate that changed on disk or nears expiry
        is re-read here, before the request picks a connection, and the
        pooled connections opened with the old one are closed.
        """
        if args:
            kwargs = request_kwargs(args, kwargs)
            args = ()
        if not _CLAIM_NAMES.isdisjoint(kwargs):
            claims = {k: kwargs.pop(k) for k in _CLAIM_ARGUMENTS if k in kwargs}
            claims = {k: v for k, v in claims.items() if v is not None}
            if kwargs.get("auth") is None and claims:
                kwargs["auth"] = _ClaimedToken(claims)
        self._reload_certificate()
        try:
            return super().request(method, url, *args, **kwargs)  # type: ignore[misc, no-any-return]
        except HTTPError as exc:
            if exc.status_code in (401, 403) and not _own_credential(kwargs):
                explain_refusal(self, exc)
            raise

    def _token_for_claims(self, url: Any, claims: dict[str, Any]) -> Any:
        """The header credential discovery finds for `url` with other
        claims: nothing for another origin than the session's."""
        if (
            self.auth_url is not None
            and not getattr(self, "allow_cross_origin_auth", False)
            and prepared_origin(url) != prepared_origin(self.auth_url)
        ):
            return NoAuth()
        previous = self._auth_request
        fields = {name: getattr(previous, name) for name in Arguments._fields}
        fields["url"] = url if isinstance(url, str) else previous.url
        fields.update(claims)
        found = discover(Arguments(**fields), SOURCES).auth
        return NoAuth() if found is None else found

    def describe_auth(self) -> AuthReport:
        """Explain which credential this session uses and why.

        Returns
        -------
        AuthReport
            Every source in discovery order, whether it was used or skipped
            and why, and the expiry of what is used; ``str()`` of it is a
            readable table and ``.to_dict()`` plain data. It never holds a
            secret, and ``report.source == session.auth_source``.
        """
        # Imported here: reports are asked for rarely, and the import would
        # cost every ``import requests_gracedb_like``.
        from .credentials.explain import AuthReport

        discovery = self.auth_discovery
        refused = None
        # The transport mixin's rule, when it is part of the session.
        check = getattr(self, "cleartext_refusal", None)
        header = any(a.kind == HEADER for a in discovery.winners)
        if check is not None and self.auth_url and header:
            refused = check(self.auth_url)
        return AuthReport.from_discovery(
            discovery, self.auth_url, credential_expiry(self), refused
        )

    def _reload_certificate(self) -> None:
        """Re-read a reloading client certificate that changed on disk or
        nears expiry, and close the pooled connections opened with the old
        one (a certificate is presented once per connection)."""
        cred = self.auth_cert
        if cred is not None and cred.reloading and cred.check():
            closed = close_pools_with_cert(self, cred.cert)  # type: ignore[arg-type]
            log.debug("closed %d connection pools after certificate reload", closed)

    @property
    def expiry(self) -> Optional[float]:
        """The POSIX time at which the first credential expires, or None.

        The earliest of the bearer token's ``exp`` claim (kept current as a
        reloading token is re-read) and the client certificate's
        ``notAfter`` (see :func:`~requests_gracedb_like.auth.credential_expiry`).
        None when neither is known: basic auth, an opaque token, no
        credential.
        """
        expiry = credential_expiry(self)
        return None if expiry is None else float(expiry)

    def prepare_request(self, request: requests.Request) -> PreparedRequest:
        """Prepare `request` with the token its claims choose, if any, and
        never with credentials from ``~/.netrc``.

        Overridden because :meth:`requests.Session.prepare_request` reads
        ``~/.netrc`` when neither the request nor the session has ``auth``
        (see :func:`~requests_gracedb_like.credentials.noauth.without_netrc`),
        and because the request's URL is final here (relative URLs
        resolved), which per-request claims are matched against.
        """
        claimed = request.auth
        if isinstance(claimed, _ClaimedToken):
            request = copy.copy(request)
            request.auth = self._token_for_claims(request.url, claimed.claims)
        elif request.auth is None and discovers_per_request(self._auth_request):
            request = copy.copy(request)
            request.auth = self._token_for_claims(request.url, {})
        return super().prepare_request(without_netrc(self, request))  # type: ignore[misc, no-any-return]

    def rebuild_auth(
        self, prepared_request: PreparedRequest, response: requests.Response
    ) -> None:
        """Drop credential headers when a redirect leaves the origin.

        The origin is scheme, host and port: a redirect to another host, to
        another port, or from ``https`` down to ``http`` (or even up from
        ``http`` to ``https``) loses the ``Authorization`` header, an
        ``X-API-Key`` header, the session's API-key header and any header
        named like a key, token, secret or session (``X-Auth-Token``...).

        Overridden because :meth:`requests.Session.rebuild_auth` also reads
        ``~/.netrc`` on every redirect and attaches what it finds, which
        would bypass discovery (and ``force_noauth``), and strips only
        ``Authorization``.
        """
        if same_origin(response.request.url or "", prepared_request.url or ""):
            return
        strip_credential_headers(prepared_request.headers, getattr(self, "auth", None))

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()  # type: ignore[misc,assignment]
        state["auth_source"] = self.auth_source
        state["auth_discovery"] = self.auth_discovery
        state["auth_cert"] = self.auth_cert
        state["auth_url"] = self.auth_url
        state["_auth_request"] = self._auth_request
        return state
