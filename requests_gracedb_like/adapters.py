"""Retries with backoff and a connection pool sized for threads:
:class:`SessionAdapterMixin`, and the adapter it mounts for ``http://`` and
``https://``, :class:`ReplaySafeAdapter`.

The retry policy itself, :class:`~requests_gracedb_like.retry.Retry`, is in
:mod:`~requests_gracedb_like.retry` (and importable from here, as before).
"""

from __future__ import annotations

import os
import weakref
from typing import Any

from requests.adapters import DEFAULT_POOLBLOCK, DEFAULT_POOLSIZE, HTTPAdapter
from urllib3.util import Retry as _Urllib3Retry

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
    for adapter in list(_ADAPTERS):
        connections, maxsize, block = adapter._pool_arguments
        adapter.init_poolmanager(connections, maxsize, block=block)
        adapter.proxy_manager = {}


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_connections)


class ReplaySafeAdapter(HTTPAdapter):
    """A :class:`requests.adapters.HTTPAdapter` that never sends a body
    twice when it cannot be read twice.

    urllib3 retries by sending the request again. A body from a generator or
    a pipe has been consumed by then, and the retry would send an empty or
    partial body as if it were the whole. For such a request only a
    connection that could not be opened is retried (nothing was sent); a
    retryable status returns the response and a dropped connection raises,
    as with no retries.

    In a child process made by :func:`os.fork`, the adapter starts with
    empty pools: the child never sends on a connection its parent opened.
    """

    __attrs__ = [*HTTPAdapter.__attrs__, "_pool_arguments"]  # noqa: RUF012 - as requests

    def __init__(
        self,
        pool_connections: int = DEFAULT_POOLSIZE,
        pool_maxsize: int = DEFAULT_POOLSIZE,
        max_retries: Any = 0,
        pool_block: bool = DEFAULT_POOLBLOCK,
    ) -> None:
        # Kept for a forked child's new pools (see _forget_connections).
        self._pool_arguments = (pool_connections, pool_maxsize, pool_block)
        super().__init__(pool_connections, pool_maxsize, max_retries, pool_block)
        _ADAPTERS.add(self)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        """Set up the pool manager as requests does, its connections
        sending a request body in blocks of :data:`SEND_BLOCKSIZE`."""
        pool_kwargs.setdefault("blocksize", SEND_BLOCKSIZE)
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)  # type: ignore[misc]
        _ADAPTERS.add(self)

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        """Send `request` as :class:`requests.adapters.HTTPAdapter` does,
        with retries limited as above when its body can be read only once."""
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

    def __init__(
        self,
        *,
        retries: Any = DEFAULT_RETRIES,
        pool_maxsize: int = DEFAULT_POOL_MAXSIZE,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.retries = check_retries(retries)
        self.pool_maxsize = check_pool_maxsize(pool_maxsize)
        self._mount_adapters()

    def _mount_adapters(self) -> None:
        mount_for_both_schemes(
            self,
            ReplaySafeAdapter(max_retries=self.retries, pool_maxsize=self.pool_maxsize),
        )

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()  # type: ignore[misc, assignment]
        state["retries"] = self.retries
        state["pool_maxsize"] = self.pool_maxsize
        return state
