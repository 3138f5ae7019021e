"""Many requests at once on one session: :class:`SessionMapMixin`, whose
``map()`` runs a function over many inputs in threads, with a connection
pool at least as large as the threads.

A :class:`requests.Session` may be shared by threads, but each thread holds
one connection while its request is in flight. With more threads than the
pool keeps (requests keeps 10 per host), urllib3 closes the extra
connections after each response ("Connection pool is full, discarding
connection") and opens new ones for the next: a TCP and TLS handshake per
request. With ``pool_block=True`` the threads wait for a connection instead.
``map()`` makes the pool large enough first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from requests.adapters import DEFAULT_POOLSIZE, HTTPAdapter

from .closing import close_manager

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["DEFAULT_MAX_WORKERS", "SessionMapMixin", "grow_pools"]

_T = TypeVar("_T")

#: Threads of :meth:`SessionMapMixin.map` when none are asked for.
DEFAULT_MAX_WORKERS = 16


def _grow(adapter: HTTPAdapter, maxsize: int) -> bool:
    """Give `adapter` a pool manager keeping `maxsize` connections per host,
    unless it keeps that many already; whether it grew."""
    manager = adapter.poolmanager
    options = manager.connection_pool_kw
    if options.get("maxsize", 1) >= maxsize:
        return False
    # How many hosts have a pool: this package's adapter keeps the argument
    # (ReplaySafeAdapter); another keeps requests' default.
    arguments = getattr(adapter, "_pool_arguments", None)
    hosts = arguments[0] if arguments else DEFAULT_POOLSIZE
    proxies = adapter.proxy_manager
    adapter.init_poolmanager(hosts, maxsize, block=options.get("block", False))
    # Proxy managers are made again, with the new size, when next needed.
    adapter.proxy_manager = {}
    # The old pools close their idle connections now, and those in use when
    # they come back: the new pools open their own.
    for old in (manager, *proxies.values()):
        close_manager(old)
    return True


def grow_pools(session: Any, maxsize: int) -> None:
    """Make every :class:`requests.adapters.HTTPAdapter` mounted on `session`
    keep at least `maxsize` connections per host (never fewer than now).

    An adapter that keeps fewer gets a new pool manager: its idle
    connections are closed and later requests open new ones. A session
    with a ``pool_maxsize`` attribute
    (:class:`~requests_gracedb_like.adapters.SessionAdapterMixin`) records
    the new size, so that its copies keep it. Adapters of other kinds are
    left as they are.

    Raises
    ------
    ValueError
        If `maxsize` is less than 1.
    """
    if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize < 1:
        raise ValueError(f"maxsize must be a whole number >= 1, got {maxsize!r}")
    seen: set[int] = set()
    for adapter in list(session.adapters.values()):
        if id(adapter) in seen or not isinstance(adapter, HTTPAdapter):
            continue
        seen.add(id(adapter))
        _grow(adapter, maxsize)
    if getattr(session, "pool_maxsize", maxsize) < maxsize:
        session.pool_maxsize = maxsize


class SessionMapMixin:
    """A mixin for :class:`requests.Session` that runs many requests at once
    on the session: :meth:`map`.

    Notes
    -----
    :meth:`map` is :meth:`concurrent.futures.Executor.map` on a
    :class:`~concurrent.futures.ThreadPoolExecutor` of `max_workers`
    threads, eager, after :func:`~requests_gracedb_like.fanout.grow_pools`
    has made the session's pool at least as large as the threads: no
    connection is discarded, and no thread waits for one.
    """

    def map(
        self,
        func: Callable[..., _T],
        *iterables: Iterable[Any],
        max_workers: int = DEFAULT_MAX_WORKERS,
    ) -> list[_T]:
        """Call `func` with an item of each of `iterables` in turn, in
        `max_workers` threads sharing this session, and return the results
        in the order of the inputs.

        Parameters
        ----------
        func : callable
            Called as ``func(item)`` (``func(a, b)`` for two iterables...),
            for example the session's own ``get``, or a function that makes
            several requests with it.
        *iterables : iterable
            The inputs, as for :func:`map`.
        max_workers : int, default=DEFAULT_MAX_WORKERS
            How many calls run at once; the session's pool keeps at least
            this many connections per host from now on.

        Returns
        -------
        list
            What each call returned, in input order.

        Raises
        ------
        Exception
            The first exception raised by a call, in input order; calls not
            yet started are cancelled, those running are waited for.
        ValueError
            If `max_workers` is less than 1.

        Examples
        --------
        >>> from requests_gracedb_like import Session
        >>> with Session(force_noauth=True) as s:
        ...     s.map(len, ["a", "bb", "ccc"], max_workers=64)
        [1, 2, 3]

        Fetching many events: ``s.map(s.get, urls, max_workers=64)``, or
        ``s.map(lambda u: s.get(u).json(), urls)``.
        """
        # Imported on first use, not with the package.
        from concurrent.futures import ThreadPoolExecutor

        if (
            isinstance(max_workers, bool)
            or not isinstance(max_workers, int)
            or max_workers < 1
        ):
            raise ValueError(
                f"max_workers must be a whole number >= 1, got {max_workers!r}"
            )
        grow_pools(self, max_workers)
        with ThreadPoolExecutor(
            max_workers, thread_name_prefix=f"{type(self).__name__}.map"
        ) as executor:
            futures: list[Future[_T]] = [
                executor.submit(func, *args) for args in zip(*iterables, strict=False)
            ]
            try:
                return [future.result() for future in futures]
            finally:
                for future in futures:
                    future.cancel()
