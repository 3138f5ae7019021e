"""Retries with backoff and a connection pool sized for threads:
:class:`SessionAdapterMixin`, and the adapter it mounts for ``http://`` and
``https://``, :class:`ReplaySafeAdapter`.

The retry policy itself, :class:`~requests_gracedb_like.retry.Retry`, is in
:mod:`~requests_gracedb_like.retry` (and importable from here, as before).
"""

from __future__ import annotations

import os
import weakref
from typing import Any, Optional

from requests.adapters import DEFAULT_POOLBLOCK, DEFAULT_POOLSIZE, HTTPAdapter
from urllib3.util import Retry as _Urllib3Retry

from ._http import warm
from .closing import close_manager
from .retry import DEFAULT_RETRIES, Retry, check_retries

__all__ = [
    "DEFAULT_POOL_MAXSIZE",
    "DEFAULT_RETRIES",
    "SEND_BLOCKSIZE",
    "ReplaySafeAdapter",
    "Retry",
    "SessionAdapterMixin",
    "check_pool_maxsize",
    "check_retries",
    "mount_for_both_schemes",
]


#: Connections kept open per host, when a session is given no
#: ``pool_maxsize``: enough for 16 threads sharing one session, with room.
DEFAULT_POOL_MAXSIZE = 32


def _replayable(body: Any) -> bool:
    """Whether urllib3 can send `body` again on a retry: bytes, text, or a
    file it can seek back in. A generator can be read only once."""
    if body is None or isinstance(body, (bytes, str, bytearray)):
        return True
    seekable = getattr(body, "seekable", None)
    if seekable is not None:
        try:
            return bool(seekable())
        except (OSError, ValueError):
            return False
    return hasattr(body, "seek") and hasattr(body, "tell")


#: Bytes read from a request body (a file, a streamed upload) per write to
#: the socket. urllib3's default is 16 KiB; 1 MiB blocks send a large file
#: at about twice the speed, and stay small beside the file.
SEND_BLOCKSIZE = 1 << 20

#: Every adapter alive in the process, so that a forked child can drop their
#: pools (see :func:`_forget_connections`).
_ADAPTERS: weakref.WeakSet[ReplaySafeAdapter] = weakref.WeakSet()


def _forget_connections() -> None:
    """In a forked child: give every adapter new, empty pools.

    A child shares its parent's open sockets. Were it to send on a pooled
    keep-alive connection, parent and child would write to one connection
    and could read each other's responses. The child's copies of the old
    pools are dropped without being closed (closing them would do nothing
    to the parent's connections, but sending a TLS close would), and it
    opens connections of its own as needed.
    """
    warm.forget()
    for adapter in list(_ADAPTERS):
        adapter._warm = {}
        connections, maxsize, block = adapter._pool_arguments
        adapter.init_poolmanager(connections, maxsize, block=block)
        adapter.proxy_manager = {}


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_connections)


class ReplaySafeAdapter(HTTPAdapter):
    """A :class:`requests.adapters.HTTPAdapter` that never sends a body
    twice when it cannot be read twice, and keeps its connections warm for
    the next adapter with the same settings.

    Parameters
    ----------
    warm_connections : bool, default=True
        When closed, give the open keep-alive connections to the next
        adapter made with the same settings (:ref:`warm-connections`),
        instead of closing them.

    Notes
    -----
    urllib3 retries by sending the request again. A body from a generator or
    a pipe has been consumed by then, and the retry would send an empty or
    partial body as if it were the whole. For such a request only a
    connection that could not be opened is retried (nothing was sent); a
    retryable status returns the response and a dropped connection raises,
    as with no retries.

    In a child process made by :func:`os.fork`, the adapter starts with
    empty pools: the child never sends on a connection its parent opened.
    """

    __attrs__ = [*HTTPAdapter.__attrs__, "_pool_arguments", "warm_connections"]  # noqa: RUF012 - as requests

    def __init__(
        self,
        pool_connections: int = DEFAULT_POOLSIZE,
        pool_maxsize: int = DEFAULT_POOLSIZE,
        max_retries: Any = 0,
        pool_block: bool = DEFAULT_POOLBLOCK,
        *,
        warm_connections: bool = True,
    ) -> None:
        # Kept for a forked child's new pools (see _forget_connections).
        self._pool_arguments = (pool_connections, pool_maxsize, pool_block)
        self.warm_connections = warm_connections
        # The managers taken from (and given back to) the warm ones: None
        # for the pool manager, a proxy URL for a proxy manager.
        self._warm: dict[Optional[str], warm.WarmManager] = {}
        super().__init__(pool_connections, pool_maxsize, max_retries, pool_block)
        _ADAPTERS.add(self)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        """Set up the pool manager as requests does, its connections
        sending a request body in blocks of :data:`SEND_BLOCKSIZE`; with
        `warm_connections`, take the idle one of a closed adapter with the
        same settings, if any."""
        # As last set, for a forked child's new pools (_forget_connections):
        # a pool grown for threads (fanout.grow_pools) stays grown there too.
        self._pool_arguments = (connections, maxsize, block)
        pool_kwargs.setdefault("blocksize", SEND_BLOCKSIZE)
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        if self.warm_connections:
            key = warm.manager_key(
                "direct", connections, maxsize, block, *sorted(pool_kwargs.items())
            )
            if key is not None:
                taken = warm.take(key) or warm.WarmManager(key, self.poolmanager)
                self.poolmanager = taken.manager
                self._warm[None] = taken

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        """The manager for `proxy`, as requests makes it; with
        `warm_connections`, the idle one of a closed adapter for the same
        proxy, if the proxy URL holds no credentials and the proxy gets no
        headers (those are never kept)."""
        if proxy in self.proxy_manager or not self.warm_connections:
            return super().proxy_manager_for(proxy, **proxy_kwargs)
        where = warm.shareable_proxy(proxy, self.proxy_headers(proxy))
        key = None
        if where is not None:
            settings = (*where, *self._pool_arguments, *sorted(proxy_kwargs.items()))
            key = warm.manager_key("proxy", *settings)
        taken = warm.take(key) if key is not None else None
        if taken is not None:
            self.proxy_manager[proxy] = taken.manager
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if key is not None:
            self._warm[proxy] = taken or warm.WarmManager(key, manager)
        return manager

    def close(self) -> None:
        """Give the pool managers back to the warm ones (with
        `warm_connections`), close every other pooled connection, and start
        afresh if used again."""
        given = {id(w.manager) for w in self._warm.values()}
        for manager in [self.poolmanager, *self.proxy_manager.values()]:
            if id(manager) not in given:
                close_manager(manager)
        warm_managers, self._warm = self._warm, {}
        if warm_managers:
            # A closed session can still send, on connections of its own
            # (requests' manager: none taken from the warm ones).
            connections, maxsize, block = self._pool_arguments
            super().init_poolmanager(
                connections, maxsize, block, blocksize=SEND_BLOCKSIZE
            )
            self.proxy_manager = {}
        for w in warm_managers.values():
            warm.give_back(w)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.warm_connections = True  # pickled before the option existed
        self._warm = {}
        super().__setstate__(state)  # type: ignore[misc]
        _ADAPTERS.add(self)

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        """Send `request` as :class:`requests.adapters.HTTPAdapter` does,
        with retries limited as above when its body can be read only once,
        noting the certificate and CA files it is sent with (a warm
        connection made with one is not handed on once it has changed on
        disk)."""
        if self._warm:
            self._note_files(args, kwargs)
        if _replayable(request.body) or not isinstance(self.max_retries, _Urllib3Retry):
            return super().send(request, *args, **kwargs)
        once = object.__new__(type(self))
        once.__dict__.update(self.__dict__)  # same pools, other policy
        once.max_retries = self.max_retries.new(
            read=False,
            other=0,
            status_forcelist=(),
            respect_retry_after_header=False,
        )
        return HTTPAdapter.send(once, request, *args, **kwargs)

    def _note_files(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        # send(request, stream, timeout, verify, cert, proxies)
        verify = args[2] if len(args) > 2 else kwargs.get("verify")
        cert = args[3] if len(args) > 3 else kwargs.get("cert")
        given = [*(cert if isinstance(cert, tuple) else (cert,)), verify]
        paths = [os.fspath(p) for p in given if isinstance(p, (str, os.PathLike))]
        if paths:
            for w in list(self._warm.values()):
                warm.note_files(w, paths)


def mount_for_both_schemes(session: Any, adapter: HTTPAdapter) -> None:
    """Mount `adapter` for ``https://`` and ``http://``: one adapter serves
    both (its pools are keyed by scheme, host and port), at half the set-up
    cost of requests' two."""
    for prefix in ("https://", "http://"):
        session.mount(prefix, adapter)


def check_pool_maxsize(pool_maxsize: Any) -> int:
    """Validate a ``pool_maxsize`` argument: a whole number >= 1.

    Raises
    ------
    TypeError
        If `pool_maxsize` is not an integer.
    ValueError
        If it is less than 1.
    """
    if isinstance(pool_maxsize, bool) or not isinstance(pool_maxsize, int):
        raise TypeError(
            "pool_maxsize must be a number of connections, "
            f"not {type(pool_maxsize).__name__}"
        )
    if pool_maxsize < 1:
        raise ValueError(f"pool_maxsize must be >= 1, got {pool_maxsize!r}")
    return pool_maxsize


class SessionAdapterMixin:
    """A mixin for :class:`requests.Session` that retries failed requests
    and keeps enough connections open for many threads.

    Parameters
    ----------
    retries : int or urllib3.util.Retry, default=DEFAULT_RETRIES
        How many times to retry (0 disables retrying), or a retry policy:
        a :class:`~requests_gracedb_like.adapters.Retry` or any
        :class:`urllib3.util.Retry`, used as given.
    pool_maxsize : int, default=DEFAULT_POOL_MAXSIZE
        How many connections to keep open to each host.
    warm_connections : bool, default=True
        When the session closes, keep its open connections for the next
        session with the same transport settings (see
        :ref:`warm-connections`); False closes them.

    Notes
    -----
    The session mounts one
    :class:`~requests_gracedb_like.adapters.ReplaySafeAdapter` with these
    settings for both ``https://`` and ``http://``. By default (a
    :class:`~requests_gracedb_like.adapters.Retry` of 3):

    1. a connection that cannot be opened is retried, whatever the method;
    2. a 429, 502, 503 or 504 status, or a connection dropped while waiting
       for the response, is retried for GET, HEAD, PUT, DELETE, OPTIONS and
       TRACE only, never for POST or PATCH;
    3. a read timeout is not retried, nor a TLS certificate that fails
       verification (it would fail again);
    4. between attempts the session waits as long as a ``Retry-After``
       header asks (at most 60 s), else 0 s, then about 1 s, 2 s, 4 s...;
    5. a request whose body can be read only once (a generator, a pipe)
       is retried only when its connection could not be opened;
    6. when retries run out, the last response is returned and raises the
       session's usual HTTP error (with
       :class:`~requests_gracedb_like.errors.SessionErrorMixin`), and a
       connection that still cannot be opened raises
       :class:`requests.ConnectionError`.

    Plain requests keeps 10 connections per host: with more threads, some
    connections are closed after each response ("Connection pool is full,
    discarding connection") and reopened for the next.
    """

    retries: _Urllib3Retry
    pool_maxsize: int
    warm_connections: bool

    def __init__(
        self,
        *,
        retries: Any = DEFAULT_RETRIES,
        pool_maxsize: int = DEFAULT_POOL_MAXSIZE,
        warm_connections: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.retries = check_retries(retries)
        self.pool_maxsize = check_pool_maxsize(pool_maxsize)
        self.warm_connections = bool(warm_connections)
        self._mount_adapters()

    def _mount_adapters(self) -> None:
        mount_for_both_schemes(
            self,
            ReplaySafeAdapter(
                max_retries=self.retries,
                pool_maxsize=self.pool_maxsize,
                warm_connections=getattr(self, "warm_connections", True),
            ),
        )

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()  # type: ignore[misc, assignment]
        state["retries"] = self.retries
        state["pool_maxsize"] = self.pool_maxsize
        state["warm_connections"] = self.warm_connections
        return state
