"""Proxies for the httpx clients, and the session's proxy rule:
:func:`proxy_routes` and :class:`ProxyGuard`.

httpx routes a request through a proxy given as ``proxy=``, or named in
the environment (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``, less
``NO_PROXY``) when the client has no ``transport=``. The clients of this
package give httpx a transport of their own (retries), so they route the
environment's proxies themselves, with httpx's public ``mounts=``, as
httpx reads them (its documented ``NO_PROXY`` rules). Each proxy's
transport is wrapped in a :class:`ProxyGuard`: a credential header sent
over plain http through a proxy, which reads it in clear wherever the
request goes, raises
:class:`~requests_gracedb_like.exceptions.InsecureAuthError`, as the
session's :class:`~requests_gracedb_like.transport.SessionTransportMixin`
does.
"""

from __future__ import annotations

import ipaddress
import urllib.request
from collections.abc import Callable
from typing import Any, Optional

import httpx

from .._http.origin import session_credential_headers
from .._http.redact import redact_url
from ..exceptions import InsecureAuthError

__all__ = ["AsyncProxyGuard", "ProxyGuard", "proxy_for", "proxy_routes"]

Routes = dict[str, Optional[str]]


def _ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def proxy_routes(proxy: Any, trust_env: bool) -> Routes:
    """httpx's mount patterns for the proxies a client uses: `proxy` for
    every URL when given, else (with `trust_env`) those of the
    environment; a pattern routed to None goes direct (``NO_PROXY``)."""
    if proxy is not None:
        url = proxy.url if isinstance(proxy, httpx.Proxy) else proxy
        return {"all://": str(url)}
    if not trust_env:
        return {}
    found = urllib.request.getproxies_environment()
    routes: Routes = {}
    for scheme in ("http", "https", "all"):
        url = found.get(scheme)
        if url:
            routes[f"{scheme}://"] = url if "://" in url else f"http://{url}"
    for host in (h.strip() for h in found.get("no", "").split(",")):
        if host == "*":
            return {}
        if not host:
            continue
        if "://" in host:
            routes[host] = None
        elif _ip(host) and ":" in host.strip("[]"):
            routes[f"all://[{host.strip('[]')}]"] = None
        elif _ip(host) or host.lower() == "localhost":
            routes[f"all://{host}"] = None
        else:
            routes[f"all://*{host}"] = None
    return routes


def _matches(pattern: str, url: httpx.URL) -> bool:
    scheme, _, host = pattern.partition("://")
    if scheme not in ("all", url.scheme):
        return False
    if not host:
        return True
    host, _, port = host.partition(":") if not host.startswith("[") else (host, "", "")
    if port and int(port) != url.port:
        return False
    here = url.host.lower()
    if host.startswith("["):
        return f"[{here}]" == host.lower()
    if host.startswith("*."):
        return here.endswith(host[1:].lower())
    if host.startswith("*"):
        suffix = host[1:].lower()
        return here == suffix or here.endswith("." + suffix)
    return here == host.lower()


def proxy_for(url: str, routes: Routes) -> Optional[str]:
    """The proxy of `routes` a request for `url` goes through, or None:
    a pattern naming a host wins over one naming only a scheme, and a
    scheme over ``all``, as httpx orders its mounts."""
    parsed = httpx.URL(url)
    ranked = sorted(
        (p for p in routes if _matches(p, parsed)),
        key=lambda p: (bool(p.partition("://")[2]), not p.startswith("all")),
        reverse=True,
    )
    return routes[ranked[0]] if ranked else None


class _Guard:
    def __init__(
        self,
        transport: Any,
        proxy: str,
        credential: Callable[[], Any],
        allow_insecure_auth: bool,
    ) -> None:
        self.transport = transport
        self.proxy = proxy
        self._credential = credential
        self.allow_insecure_auth = allow_insecure_auth

    def check(self, request: httpx.Request) -> None:
        """Raise when `request` carries a credential header over plain
        http through the proxy."""
        if self.allow_insecure_auth or request.url.scheme == "https":
            return
        names = [
            name
            for name in session_credential_headers(request.headers, self._credential())
            if name.lower() != "cookie"
        ]
        if names:
            raise InsecureAuthError(
                f"refusing to send a credential ({', '.join(names)} header) over "
                f"plain http to {redact_url(str(request.url))}: the proxy "
                f"{redact_url(self.proxy)} on the way would read it. Use https "
                "(a proxy then relays only encrypted bytes), list the host in "
                "NO_PROXY, or pass allow_insecure_auth=True to the client to "
                "accept the risk."
            )


class ProxyGuard(_Guard, httpx.BaseTransport):
    """A proxy's transport that refuses credentials in clear.

    Parameters
    ----------
    transport : httpx.BaseTransport
        The transport that sends through the proxy.
    proxy : str
        The proxy's URL, for messages.
    credential : callable
        Returns the client's credential (whose header names count).
    allow_insecure_auth : bool
        Send anyway.
    """

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.check(request)
        response: httpx.Response = self.transport.handle_request(request)
        return response

    def close(self) -> None:
        self.transport.close()


class AsyncProxyGuard(_Guard, httpx.AsyncBaseTransport):
    """:class:`ProxyGuard` for an :class:`httpx.AsyncClient`."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.check(request)
        response: httpx.Response = await self.transport.handle_async_request(request)
        return response

    async def aclose(self) -> None:
        await self.transport.aclose()
