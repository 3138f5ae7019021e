"""Keep credentials on https and on the service's origin:
:class:`SessionTransportMixin`."""

from __future__ import annotations

import copy
import logging
from typing import Any, Optional
from urllib.parse import urlsplit

import requests
from requests.models import PreparedRequest

from ._http.arguments import forward_url
from ._http.origin import credential_headers, is_loopback, origin_of, same_origin
from ._http.redact import redact_url
from .credentials.noauth import NoAuth
from .exceptions import InsecureAuthError

__all__ = ["SessionTransportMixin"]

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
    The rules, for every request:

    1. When `url` was given, the session's credentials (``session.auth``
       and the client certificate ``session.cert``) are attached only to
       requests for `url`'s origin; a request elsewhere is sent without
       them, unless ``allow_cross_origin_auth=True``. Credentials passed to
       one request (``auth=``, ``cert=``, ``headers=``) are the caller's
       choice and are kept.
    2. A request that carries a credential header (``Authorization``,
       ``X-API-Key``, the session's API-key header) over plain ``http://``
       to a host other than ``localhost`` or a loopback address raises
       :class:`~requests_gracedb_like.exceptions.InsecureAuthError`
       before anything is sent, unless ``allow_insecure_auth=True``.
    3. After a redirect leaves the origin (another scheme, host or port),
       the client certificate is no longer presented, for the rest of the
       redirect chain. (Credential headers are dropped on such redirects by
       :meth:`~requests_gracedb_like.auth.SessionAuthMixin.rebuild_auth`,
       and by this mixin when used without it.)
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
        self.auth_origin = origin_of(url) if isinstance(url, str) else None

    def _session_credentials_allowed(self, url: str) -> bool:
        return (
            self.auth_origin is None
            or self.allow_cross_origin_auth
            or origin_of(url) == self.auth_origin
        )

    def prepare_request(self, request: requests.Request) -> PreparedRequest:
        """Leave the session's ``auth`` off requests for other origins.

        Overridden because this is where requests merges ``session.auth``
        into each request.
        """
        if request.auth is None and not self._session_credentials_allowed(request.url):
            log.debug(
                "not sending the session's credential to %s", redact_url(request.url)
            )
            request = copy.copy(request)
            request.auth = NoAuth()
        return super().prepare_request(request)  # type: ignore[misc]

    def send(self, request: PreparedRequest, **kwargs: Any) -> requests.Response:
        """Refuse credentials over plain http, and keep the session's client
        certificate on its origin.

        Overridden because every request passes here with its final URL,
        headers and certificate: redirects and requests prepared by hand
        included.
        """
        url = request.url or ""
        session_cert = getattr(self, "cert", None)
        cert = kwargs.get("cert", session_cert)
        if cert is not None and (
            getattr(request, _LEFT_ORIGIN, False)
            or (cert == session_cert and not self._session_credentials_allowed(url))
        ):
            kwargs["cert"] = None
        parts = urlsplit(url)
        if (
            not self.allow_insecure_auth
            and parts.scheme.lower() == "http"
            and not is_loopback(parts.hostname or "")
        ):
            names = [
                name
                for name in credential_headers(getattr(self, "auth", None))
                if name in request.headers
            ]
            if names:
                raise InsecureAuthError(
                    f"refusing to send a credential ({', '.join(names)} header) "
                    f"over plain http to {redact_url(url)}: anyone on the network "
                    "path could read it. Use https, or pass "
                    "allow_insecure_auth=True to the session to accept the risk."
                )
        return super().send(request, **kwargs)  # type: ignore[misc]

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
            for name in credential_headers(getattr(self, "auth", None)):
                prepared_request.headers.pop(name, None)

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()  # type: ignore[misc,assignment]
        state["allow_insecure_auth"] = self.allow_insecure_auth
        state["allow_cross_origin_auth"] = self.allow_cross_origin_auth
        state["auth_origin"] = self.auth_origin
        return state
