"""An :class:`~requests.adapters.HTTPAdapter` that does not repeat per-request
work: :class:`LeanHTTPAdapter`.

For every request, :class:`requests.adapters.HTTPAdapter` parses the URL
three times to find the connection pool and the path, builds a new
:class:`urllib3.util.Timeout` from the same ``(connect, read)`` pair, and
looks for cookies in a response that has no ``Set-Cookie`` header. The
answers depend only on values that rarely change within a session, so this
adapter remembers them; everything else is requests' own code, and every
method a subclass may override is still called.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Optional
from urllib.parse import urlsplit

import urllib3
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar
from requests.models import PreparedRequest, Response
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3.poolmanager import PoolKey
from urllib3.util import Timeout

from .headers import case_insensitive, header_store
from .memo import remember
from .pools import POOL_CLASSES

_HeaderDict: Any = getattr(urllib3, "HTTPHeaderDict", None)  # exported since 2.0

__all__ = ["SEND_BLOCKSIZE", "LeanHTTPAdapter"]

#: Bytes read from a request body (a file, a streamed upload) per write to
#: the socket. urllib3's default is 16 KiB; larger blocks halve the cost of
#: sending a large file, and stay small beside the file.
SEND_BLOCKSIZE = 1 << 20

#: The most pools and timeouts an adapter remembers; past that the memory is
#: cleared and rebuilt, so a crawler cannot grow it without bound.
MAX_REMEMBERED = 256

# urllib3 1.26 has no "blocksize" pool key: a pool manager given one would
# fail to build its key. Only pass it where urllib3 knows it.
_HAS_BLOCKSIZE = "key_blocksize" in PoolKey._fields


def _new_response(headers: CaseInsensitiveDict) -> Response:  # type: ignore[type-arg]
    """``Response()`` with `headers`: the attributes requests' constructor
    sets, without the throw-away header dictionary and the cookie-jar
    lookups of ``cookiejar_from_dict({})`` (an empty jar either way)."""
    response = Response.__new__(Response)
    response.__dict__.update(
        _content=False,
        _content_consumed=False,
        _next=None,
        status_code=None,
        headers=headers,
        raw=None,
        url=None,
        encoding=None,
        history=[],
        reason=None,
        cookies=RequestsCookieJar(),
        elapsed=timedelta(0),
        request=None,
    )
    return response


# A pure function of the header, and the same few types recur.
@functools.lru_cache(maxsize=64)
def _encoding_of(content_type: str) -> Optional[str]:
    """requests' encoding for a response of `content_type`."""
    return get_encoding_from_headers(
        CaseInsensitiveDict({"Content-Type": content_type})
    )


# Pure functions of the URL string, asked about the same few URLs on every
# request: remember recent answers.
@functools.lru_cache(maxsize=512)
def _scheme_and_netloc(url: Any) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


@functools.lru_cache(maxsize=512)
def _path_of(url: str) -> str:
    """``PreparedRequest.path_url`` of a request for `url`: requests'
    own property, remembered."""
    prepared = PreparedRequest()
    prepared.url = url
    return prepared.path_url


# The property object (a class attribute lookup does not call it).
_PATH_URL: Any = PreparedRequest.path_url


def _response_view(r: Response) -> dict[str, Any]:
    return {
        name: type(value) if name == "cookies" else (type(value), value)
        for name, value in vars(r).items()
    }


# Should a requests release construct responses otherwise, they are made by
# its constructor.
_SAME_RESPONSE = _response_view(Response()) == _response_view(
    _new_response(CaseInsensitiveDict())
)


def _key_of(manager: Any, pool: Any) -> Any:
    """The key under which `manager` holds `pool`, or None."""
    pools = getattr(manager, "pools", None)
    if pools is None:
        return None
    # keys() copies under the container's lock; iterating it raises.
    for key in pools.keys():  # noqa: SIM118
        if pools.get(key) is pool:
            return key
    return None


#: Taken only while an adapter makes its pool manager.
_MAKING = threading.Lock()


def _renew_lock() -> None:
    # A child forked while another thread held the lock would inherit it
    # held, by a thread that does not exist in the child.
    global _MAKING
    _MAKING = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_renew_lock)


class _LazyPoolManager:
    """``adapter.poolmanager``, made on first use: a descriptor asked only
    while the adapter's own dictionary has no pool manager (requests' own
    ``init_poolmanager`` stores one there), so that every later use is a
    plain attribute read."""

    def __get__(self, adapter: Any, owner: Any = None) -> Any:
        if adapter is None:
            return self
        # Two threads sending through a new adapter make one manager.
        with _MAKING:
            if "poolmanager" not in adapter.__dict__:
                adapter._make_poolmanager()
        return adapter.__dict__["poolmanager"]


class LeanHTTPAdapter(HTTPAdapter):
    """:class:`requests.adapters.HTTPAdapter`, remembering what it would
    otherwise work out again for every request.

    Notes
    -----
    The results are those of :class:`~requests.adapters.HTTPAdapter`:

    * the connection pool for a request without a proxy is remembered per
      scheme, host and port, TLS verification and client certificate, and
      used for as long as the pool manager holds it under the same key
      (a pool the manager evicted, dropped or replaced is looked up
      again, as requests would);
    * the path sent for a request without proxies is the request's
      ``path_url``, as requests computes it, without looking for a proxy,
      and remembered per URL (unless the request's class has a
      ``path_url`` of its own); the scheme and host that key the pool are
      remembered per URL too, so no URL is parsed per request;
    * a timeout given as a number or a ``(connect, read)`` pair becomes one
      :class:`urllib3.util.Timeout`, made once per value (urllib3 copies it
      for each request);
    * a response without ``Set-Cookie`` headers is built without a cookie
      parser, its headers copied from urllib3's in one pass (requests looks
      each one up again), and without the empty header dictionary and
      cookie-jar lookups that ``Response()`` makes and requests replaces;
    * request bodies are sent in blocks of :data:`SEND_BLOCKSIZE` bytes
      (urllib3 2 only), through the pool manager's connection settings.
    * a pool that does not block (``pool_block=False``, the default) keeps
      only idle connections in its queue, not urllib3's ``None``
      placeholders (:mod:`~requests_gracedb_like._http.pools`).

    Each step is the method requests calls (``get_connection_with_tls_context``,
    ``request_url``, ``build_response``...), so a subclass that overrides one
    still has its override used.
    """

    # Made when first used (see _LazyPoolManager).
    poolmanager = _LazyPoolManager()

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        """Set up the pool manager, made when the adapter first needs it:
        many sessions are made, and closed, without sending anything
        through an adapter (both schemes share one, and a session may be
        made for one request to a host it already has a session for).
        The arguments are requests', and a subclass may add its own."""
        if _HAS_BLOCKSIZE:
            pool_kwargs.setdefault("blocksize", SEND_BLOCKSIZE)
        self.__dict__.pop("poolmanager", None)  # dropped, not closed
        self._manager_settings = (connections, maxsize, block, pool_kwargs)
        self._pools: dict[Any, tuple[Any, Any, Any]] = {}
        self._timeouts: dict[Any, Timeout] = {}

    def _make_poolmanager(self) -> None:
        connections, maxsize, block, pool_kwargs = self._manager_settings
        HTTPAdapter.init_poolmanager(self, connections, maxsize, block, **pool_kwargs)
        if not block:
            # Pools that never wait for a connection need no placeholders.
            self.poolmanager.pool_classes_by_scheme = POOL_CLASSES

    def close(self) -> None:
        """Close the pool manager, if one was made, and the proxy managers."""
        if "poolmanager" in self.__dict__:
            super().close()
            return
        for proxy in self.proxy_manager.values():
            proxy.clear()

    def get_connection_with_tls_context(
        self,
        request: PreparedRequest,
        verify: Any,
        proxies: Optional[Mapping[str, str]] = None,
        cert: Any = None,
    ) -> Any:
        """The pool for `request`: requests' answer, remembered while the
        pool manager holds that pool, when no proxy is involved."""
        if proxies:
            return super().get_connection_with_tls_context(
                request, verify, proxies=proxies, cert=cert
            )
        manager = self.poolmanager
        try:
            key = (*_scheme_and_netloc(request.url), verify, cert)
            found = self._pools.get(key)
        except (TypeError, ValueError):  # unhashable setting, odd URL
            found = key = None
        # The manager's own lookup (and LRU bookkeeping): the pool is used
        # only while the manager still holds it under its key.
        if (
            found is not None
            and found[0] is manager
            and manager.pools.get(found[1]) is found[2]
        ):
            return found[2]
        pool = super().get_connection_with_tls_context(request, verify, cert=cert)
        if key is not None:
            pool_key = _key_of(manager, pool)
            if pool_key is not None:
                remember(self._pools, key, (manager, pool_key, pool), MAX_REMEMBERED)
        return pool

    def request_url(
        self, request: PreparedRequest, proxies: Optional[Mapping[str, str]]
    ) -> str:
        """The path to send: ``request.path_url`` when there are no proxies
        (what requests returns then), else requests' own choice."""
        if proxies:
            return super().request_url(request, proxies)
        url = request.url
        if type(url) is str and type(request).path_url is _PATH_URL:
            return _path_of(url)
        return request.path_url

    def _timeout(self, timeout: Any) -> Any:
        if isinstance(timeout, Timeout):
            return timeout
        try:
            found = self._timeouts.get(timeout)
        except TypeError:  # a list: requests rejects or converts it itself
            return timeout
        if found is None:
            if type(timeout) is tuple:
                if len(timeout) != 2:
                    return timeout  # requests raises its own error
                found = Timeout(connect=timeout[0], read=timeout[1])
            else:
                found = Timeout(connect=timeout, read=timeout)
            remember(self._timeouts, timeout, found, MAX_REMEMBERED)
        return found

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Optional[Mapping[str, str]] = None,
    ) -> Response:
        """Send as :meth:`requests.adapters.HTTPAdapter.send`, with the
        timeout made once per value."""
        if type(self).add_headers is HTTPAdapter.add_headers:
            # add_headers is the one hook that sees the timeout as given;
            # only convert it when nobody looks.
            timeout = self._timeout(timeout)
        return super().send(request, stream, timeout, verify, cert, proxies)

    def build_response(self, req: PreparedRequest, resp: Any) -> Response:
        """Build the response as requests does; without ``Set-Cookie``
        headers there are no cookies to parse, and the response is made
        without throw-away objects."""
        headers = getattr(resp, "headers", None)
        if (
            headers is None
            or "set-cookie" in headers
            or "set-cookie2" in headers
            or not hasattr(resp, "reason")
        ):
            return super().build_response(req, resp)
        if type(headers) is _HeaderDict:
            # What CaseInsensitiveDict(headers) holds: each name as first
            # seen, its values joined, as headers[name] gives them.
            store = header_store(headers.itermerged())
            found = store.get("content-type")
            content_type = None if found is None else found[1]
            copied = case_insensitive(store)
        else:
            copied = CaseInsensitiveDict(headers)
            content_type = copied.get("content-type")
        if _SAME_RESPONSE:
            response = _new_response(copied)
        else:
            response = Response()
            response.headers = copied
        response.status_code = getattr(resp, "status", None)  # type: ignore[assignment]
        if type(content_type) is str:
            response.encoding = _encoding_of(content_type)
        else:
            response.encoding = get_encoding_from_headers(copied)
        response.raw = resp
        response.reason = resp.reason
        url = req.url
        response.url = url.decode("utf-8") if isinstance(url, bytes) else url  # type: ignore[assignment]
        response.request = req
        response.connection = self  # type: ignore[attr-defined]
        return response
