"""A client certificate re-read when it changes on disk:
:class:`CertTransport` and :class:`AsyncCertTransport`.

httpx loads a client certificate into the SSL context of a transport
once. With ``auth_reload=True``, the session re-reads an X.509 proxy
that was renewed on disk (or nears expiry) before each request, and
closes the connections opened with the old one; these transports do the
same for the httpx clients: before each request they ask the
:class:`~requests_gracedb_like.credentials.x509.X509Credential` whether
it changed, and, when it did, send through a new transport (a new SSL
context presenting the new certificate, so new connections). The old
transport is closed with the client: a request still reading its
response on it in another thread or task is not cut off.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

import httpx

from ..credentials.x509 import X509Credential

__all__ = ["AsyncCertTransport", "CertTransport"]

log = logging.getLogger(__name__)


class _Reloading:
    def __init__(self, cert: X509Credential, make: Callable[[], Any]) -> None:
        self.cert = cert
        self._make = make
        self.transport = make()
        self._retired: list[Any] = []
        self._lock = threading.Lock()

    def _renew(self) -> Any:
        """Check the certificate (blocking: a stat, a read when it
        changed); the transport to send through."""
        if self.cert.check():
            with self._lock:
                self._retired.append(self.transport)
                self.transport = self._make()
            log.debug("new connections for the reloaded certificate")
        return self.transport


class CertTransport(_Reloading, httpx.BaseTransport):
    """A transport presenting the current client certificate.

    Parameters
    ----------
    cert : X509Credential
        A reloading certificate (``reload_timeout`` set).
    make : callable
        Makes a transport presenting the certificate as it is now.
    """

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response: httpx.Response = self._renew().handle_request(request)
        return response

    def close(self) -> None:
        with self._lock:
            transports, self._retired = [*self._retired, self.transport], []
        for transport in transports:
            transport.close()


class AsyncCertTransport(_Reloading, httpx.AsyncBaseTransport):
    """:class:`CertTransport` for an :class:`httpx.AsyncClient`: the
    certificate is checked in a worker thread."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = await asyncio.to_thread(self._renew)
        response: httpx.Response = await transport.handle_async_request(request)
        return response

    async def aclose(self) -> None:
        with self._lock:
            transports, self._retired = [*self._retired, self.transport], []
        for transport in transports:
            await transport.aclose()
