"""The three front ends of the package behind one synchronous interface,
so that each hostile case runs through all of them.

``front_end`` (a fixture parametrized over :data:`FRONT_ENDS`) makes
clients with ``front_end.make(url, **options)``; each is a
:class:`Handle` whose ``get(url, **kw)`` and ``request(method, url,
**kw)`` take the arguments of a requests call (``data=``, ``stream=``,
``allow_redirects=``, ``auth=``, the per-request claims) and give them to
httpx in its own words. An
:class:`~requests_gracedb_like.httpx.AsyncClient` runs each call to
completion on an event loop of its own (one per test, closed after it),
so the same client, with its connections and credential objects, serves
every call, as in an asynchronous program.

Redirects are followed by every front end (httpx's default is not to),
so that a redirect can be used as an attack.

What the httpx clients do not have, and so is attacked on the requests
``Session`` only (each module's docstring says which cases): the forked
child, ``with_retries()``, the ``igwn`` drop-in and the one-shot
functions, and requests' implicit netrc lookup.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any, Optional

import pytest
import requests

import requests_gracedb_like
from requests_gracedb_like.exceptions import HTTPError

__all__ = [
    "FRONT_ENDS",
    "HTTPX_FRONT_ENDS",
    "FrontEnd",
    "Handle",
    "front_end",
]

#: The names of the front ends, as test ids.
FRONT_ENDS = ("Session", "httpx.Client", "httpx.AsyncClient")
HTTPX_FRONT_ENDS = FRONT_ENDS[1:]


class Handle:
    """One client of a front end, called synchronously."""

    def __init__(self, front_end: FrontEnd, client: Any) -> None:
        self.front_end = front_end
        self.client = client

    @property
    def headers(self) -> Any:
        return self.client.headers

    def request(
        self, method: str, url: str, *, stream: bool = False, **kwargs: Any
    ) -> Any:
        if self.front_end.kind == "Session":
            return self.client.request(method, url, stream=stream, **kwargs)
        follow = kwargs.pop("allow_redirects", True)
        send = {"auth": kwargs.pop("auth")} if "auth" in kwargs else {}
        if isinstance(kwargs.get("data"), bytes):
            kwargs["content"] = kwargs.pop("data")
        request = self.client.build_request(method, url, **kwargs)
        sent = self.client.send(request, stream=stream, follow_redirects=follow, **send)
        return self.front_end.run(sent)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def with_headers(self, headers: Any) -> Handle:
        return self.front_end.adopt(self.client.with_headers(headers))

    def with_cookies(self, cookies: Any) -> Handle:
        return self.front_end.adopt(self.client.with_cookies(cookies))

    def with_timeout(self, timeout: Any) -> Handle:
        return self.front_end.adopt(self.client.with_timeout(timeout))

    def close_response(self, response: Any) -> None:
        if self.front_end.kind == "httpx.AsyncClient":
            self.front_end.run(response.aclose())
        else:
            response.close()

    def close(self) -> None:
        if self.front_end.kind == "httpx.AsyncClient":
            self.front_end.run(self.client.aclose())
        else:
            self.client.close()

    def __enter__(self) -> Handle:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


class FrontEnd:
    """Makes the clients of one front end; :meth:`close` closes them all."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.handles: list[Handle] = []
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        if kind == "Session":
            self.cls: Any = requests_gracedb_like.Session
            #: What an HTTP error status raises.
            self.HTTPError: Any = HTTPError
            #: What a broken answer (no HTTP at all) raises.
            self.ConnectionError: Any = requests.ConnectionError
            #: What a refused or failed request may raise.
            self.refusals: tuple[type[BaseException], ...] = (
                requests.RequestException,
                ValueError,
                OSError,
            )
        else:
            import httpx

            from requests_gracedb_like import httpx as front

            self.cls = front.Client if kind == "httpx.Client" else front.AsyncClient
            self.HTTPError = front.HTTPStatusError
            self.ConnectionError = httpx.TransportError
            self.refusals = (httpx.HTTPError, httpx.InvalidURL, ValueError, OSError)

    @property
    def is_httpx(self) -> bool:
        return self.kind != "Session"

    def make(
        self, url: Optional[str] = None, *, verify: Any = None, **options: Any
    ) -> Handle:
        """A client for `url` made with `options` (a CA bundle as
        `verify`, set as each front end takes it)."""
        if self.kind == "Session":
            client = self.cls(url, **options)
            if verify is not None:
                client.verify = verify
        else:
            if verify is not None:
                options["verify"] = verify
            client = self.cls(url, **options)
        return self.adopt(client)

    def adopt(self, client: Any) -> Handle:
        handle = Handle(self, client)
        self.handles.append(handle)
        return handle

    def run(self, result: Any) -> Any:
        """`result`, or what it gives when it is a coroutine."""
        if self.kind != "httpx.AsyncClient":
            return result
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(result)

    def close(self) -> None:
        if self._loop is not None and self._loop.is_running():
            # A call that hung (the test failed) still runs in its thread:
            # its client goes when the servers close.
            return
        for handle in self.handles:
            handle.close()
        if self._loop is not None:
            # As asyncio.run() ends a loop: httpcore's generators under a
            # body read only in part are closed here, not by the collector
            # once the loop is gone (Python 3.13 warns then).
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()


@pytest.fixture(params=FRONT_ENDS)
def front_end(request: Any) -> Iterator[FrontEnd]:
    """Each front end in turn (httpx ones skipped without httpx)."""
    if request.param != "Session":
        pytest.importorskip("httpx")
    made = FrontEnd(request.param)
    yield made
    made.close()
