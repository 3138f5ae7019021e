"""Keep credentials on https and on the service's origin:
:class:`SessionTransportMixin`."""

from __future__ import annotations

import copy
import logging
from typing import Any, Optional

import requests
from requests.models import PreparedRequest
from requests.utils import resolve_proxies, select_proxy

from ._http.arguments import forward_url
from ._http.origin import (
    in_clear_to_remote,
    is_loopback,
    origin_of,
    prepared_origin,
    same_origin,
    session_credential_headers,
    strip_credential_headers,
)
from ._http.redact import redact_url
from .credentials.noauth import NoAuth, without_netrc
from .exceptions import InsecureAuthError

__all__ = ["SessionTransportMixin", "in_clear_to_remote"]

log = logging.getLogger(__name__)

# Set on a prepared request once a redirect has left the origin of the
# request before it; the client certificate is not presented after that.
_LEFT_ORIGIN = "_requests_gracedb_like_left_origin"


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {type(value).__name__}")
    return value


class SessionTransportMixin:
    """A mixin for :class:`requests.Session` that refuses to send a
    credential where it could be read or does not belong.

    Parameters
    ----------
    url : str, optional
        The service URL: its origin (scheme, host, port) is the only one
        that receives the session's credentials.
    allow_insecure_auth : bool, default=False
        Send credentials over plain ``http://`` to any host. Without it,
        that raises :class:`~requests_gracedb_like.exceptions.InsecureAuthError`.
    allow_cross_origin_auth : bool, default=False
        Send the session's credentials to every origin, not only `url`'s.

    Notes
    -----
    The rules, for every request, decided on the URL as it will be sent
    (prepared, and parsed as urllib3 parses it to connect: ``http://a\\@b/``
    goes to ``a``) and on the hop it will take (a proxy):

    1. When `url` was given, the session's credentials (``session.auth``,
       the client certificate ``session.cert``, and credential headers set
       on the session: ``Authorization``, ``X-API-Key``, the API-key
       header, ``Cookie`` and any header named like a key, token, secret or
       session, as ``with_headers()`` sets them) are attached only to
       requests for `url`'s origin; a request elsewhere is sent without
       them, unless ``allow_cross_origin_auth=True``. Credentials passed to
       one request (``auth=``, ``cert=``, ``headers=``) are the caller's
       choice and are kept.
    2. A request that carries a credential header over plain ``http://``
       to a host other than ``localhost`` or a loopback address, or over
       plain ``http://`` through a proxy (which reads it in clear, wherever
       the request goes), raises
       :class:`~requests_gracedb_like.exceptions.InsecureAuthError`
       before anything is sent, unless ``allow_insecure_auth=True``.
    3. After a redirect leaves the origin (another scheme, host or port),
       the client certificate is no longer presented, for the rest of the
       redirect chain. (Credential headers are dropped on such redirects by
       :meth:`~requests_gracedb_like.auth.SessionAuthMixin.rebuild_auth`,
       and by this mixin when used without it.)
    4. With ``session.auth = None``, no credential is added from
       ``~/.netrc`` (plain requests would add its ``default`` entry for any
       host).
    """

    _takes_url = True

    def __init__(
        self,
        url: Optional[str] = None,
        *,
        allow_insecure_auth: bool = False,
        allow_cross_origin_auth: bool = False,
        **kwargs: Any,
    ) -> None:
        forward_url(SessionTransportMixin, self, url, kwargs)
        super().__init__(**kwargs)
        self.allow_insecure_auth = _check_bool(
            "allow_insecure_auth", allow_insecure_auth
        )
        self.allow_cross_origin_auth = _check_bool(
            "allow_cross_origin_auth", allow_cross_origin_auth
        )
        self.auth_origin = prepared_origin(url) if isinstance(url, str) else None

    def _session_credentials_allowed(self, url: Any) -> bool:
        """Whether the session's own credentials may go to `url`."""
        return (
            self.auth_origin is None
            or self.allow_cross_origin_auth
            or prepared_origin(url) == self.auth_origin
        )

    def cleartext_refusal(self, url: str) -> Optional[str]:
        """Why a header credential would not be sent to `url`, or None.

        The rule :meth:`send` applies, for reports such as
        :meth:`~requests_gracedb_like.auth.SessionAuthMixin.describe_auth`:
        plain http to a host other than this machine, unless
        ``allow_insecure_auth=True``. (A proxy on the way to this machine is
        known only per request.)
        """
        if self.allow_insecure_auth or not in_clear_to_remote(url):
            return None
        scheme = origin_of(url)[0]
        return (
            f"{redact_url(url)} is plain {scheme or 'text'}, where anyone on the "
            "network path could read the credential: requests refuse to send "
            "it. Use https, or pass allow_insecure_auth=True to accept the risk."
        )

    def prepare_request(self, request: requests.Request) -> PreparedRequest:
        """Leave the session's credentials off requests for other origins,
        and never let requests add ``~/.netrc`` credentials.

        Overridden because this is where requests merges ``session.auth``
        and ``session.headers`` into each request. The origin is that of the
        URL as it will be sent (prepared by requests).
        """
        if self._session_credentials_allowed(request.url):
            return super().prepare_request(without_netrc(self, request))  # type: ignore[misc, no-any-return]
        url = request.url
        if isinstance(url, bytes):  # requests takes bytes too
            url = url.decode("utf-8", "replace")
        log.debug("not sending the session's credentials to %s", redact_url(url))
        given = {str(k).lower() for k in request.headers or ()}
        names = [
            n
            for n in session_credential_headers(
                getattr(self, "headers", None), getattr(self, "auth", None)
            )
            if n.lower() not in given
        ]
        request = copy.copy(request)
        if request.auth is None:
            request.auth = NoAuth()
        if names:
            # None removes a session header when requests merges them
            headers: dict[str, Any] = dict.fromkeys(names)
            headers.update(request.headers or {})
            request.headers = headers
        return super().prepare_request(request)  # type: ignore[misc, no-any-return]

    def send(self, request: PreparedRequest, **kwargs: Any) -> requests.Response:
        """Refuse credentials over plain http, and keep the session's client
        certificate on its origin.

        Overridden because every request passes here with its final URL,
        headers, certificate and proxies: redirects and requests prepared
        by hand included.
        """
        url = request.url or ""
        session_cert = getattr(self, "cert", None)
        cert = kwargs.get("cert", session_cert)
        if cert is not None and (
            getattr(request, _LEFT_ORIGIN, False)
            or (cert == session_cert and not self._session_credentials_allowed(url))
        ):
            kwargs["cert"] = None
        if not self.allow_insecure_auth:
            scheme, host, _ = origin_of(url)
            if scheme != "https":
                self._refuse_cleartext(request, url, scheme, host, kwargs)
        return super().send(request, **kwargs)  # type: ignore[misc]

    def _refuse_cleartext(
        self,
        request: PreparedRequest,
        url: str,
        scheme: str,
        host: str,
        kwargs: dict[str, Any],
    ) -> None:
        loopback = is_loopback(host)
        proxy = None
        if loopback:
            # The common case of tests and local services: nothing to check
            # unless a proxy is on the way.
            proxies = kwargs.get("proxies")
            if proxies is None:
                proxies = resolve_proxies(
                    request,
                    getattr(self, "proxies", {}),
                    getattr(self, "trust_env", True),
                )
            proxy = select_proxy(url, proxies) if proxies else None
            if not proxy:
                return
        names = [
            name
            for name in session_credential_headers(
                request.headers, getattr(self, "auth", None)
            )
            if name.lower() != "cookie"
        ]
        if not names:
            return
        what = f"a credential ({', '.join(names)} header)"
        if not loopback:
            raise InsecureAuthError(
                f"refusing to send {what} over plain {scheme or 'text'} to "
                f"{redact_url(url)}: anyone on the network path could read it. "
                "Use https, or pass allow_insecure_auth=True to the session to "
                "accept the risk."
            )
        raise InsecureAuthError(
            f"refusing to send {what} to {redact_url(url)} over plain http "
            f"through the proxy {redact_url(proxy)}, which would read it. "
            "Use https (its proxy only relays encrypted bytes), bypass the "
            "proxy with no_proxy, or pass allow_insecure_auth=True to the "
            "session to accept the risk."
        )

    def rebuild_auth(
        self, prepared_request: PreparedRequest, response: requests.Response
    ) -> None:
        """Mark a redirect that leaves the origin, so the client certificate
        is not presented after it, and drop credential headers on it."""
        super().rebuild_auth(prepared_request, response)  # type: ignore[misc]
        previous = response.request
        if getattr(previous, _LEFT_ORIGIN, False) or not same_origin(
            previous.url or "", prepared_request.url or ""
        ):
            setattr(prepared_request, _LEFT_ORIGIN, True)
            strip_credential_headers(
                prepared_request.headers, getattr(self, "auth", None)
            )

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()  # type: ignore[misc,assignment]
        state["allow_insecure_auth"] = self.allow_insecure_auth
        state["allow_cross_origin_auth"] = self.allow_cross_origin_auth
        state["auth_origin"] = self.auth_origin
        return state
