"""Close every pooled connection when the session closes:
:class:`SessionCloseMixin`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from requests.adapters import HTTPAdapter

__all__ = [
    "SessionCloseMixin",
    "close_manager",
    "close_manager_pools",
    "close_pools",
    "close_pools_where",
]


def close_manager_pools(manager: Any) -> None:
    """Close the connections held by every pool of urllib3 pool `manager`.

    urllib3 2 closes a pool's connections when the pool is garbage
    collected; a pool caught in a reference cycle (a traceback of an earlier
    failure can hold one) keeps its sockets open until the collector runs.
    Closing each pool first releases them at once.
    """
    pools = manager.pools
    for key in list(pools.keys()):
        pool = pools.get(key)
        if pool is not None:
            pool.close()


def close_manager(manager: Any) -> None:
    """Close every connection of urllib3 pool `manager` and forget its
    pools. urllib3 2's ``clear()`` alone drops a pool without closing it:
    its sockets stay open until the pool is collected, which a response
    the program keeps (or an exception holding one) puts off."""
    close_manager_pools(manager)
    manager.clear()


def close_pools_where(manager: Any, matches: Callable[[Any], bool]) -> int:
    """Close, and drop from urllib3 pool `manager`, each pool whose key
    (a :class:`urllib3.poolmanager.PoolKey`) `matches`; return how many.
    Other pools are untouched."""
    pools = manager.pools
    closed = 0
    # keys() copies under the container's lock; iterating it raises.
    for key in pools.keys():  # noqa: SIM118
        if matches(key):
            pool = pools.pop(key, None)
            if pool is not None:
                pool.close()  # popping alone would leave it open
                closed += 1
    return closed


def close_pools(adapter: Any) -> None:
    """Close the connections held by every pool of `adapter` (see
    :func:`close_manager_pools`), then the adapter itself.

    An adapter with a ``warm_connections`` option
    (:class:`~requests_gracedb_like.adapters.ReplaySafeAdapter`) closes its
    own pools, and keeps warm those it is asked to.
    """
    if isinstance(adapter, HTTPAdapter) and not hasattr(adapter, "warm_connections"):
        for manager in [adapter.poolmanager, *adapter.proxy_manager.values()]:
            close_manager_pools(manager)
    adapter.close()


class SessionCloseMixin:
    """A mixin for :class:`requests.Session` whose ``close()`` releases
    every socket before it returns.

    Notes
    -----
    Plain requests leaves closing pooled connections to urllib3, which (from
    urllib3 2 on) closes them when their pool is garbage collected: usually
    at once, but only at the next collection when an earlier failure left
    the pool in a reference cycle. Here each pool is closed explicitly,
    except the warm connections an adapter keeps for the next session
    (:ref:`warm-connections`).
    """

    def close(self) -> None:
        """Close every pooled connection of every adapter (or give it to
        the next session, with warm connections), then the adapters."""
        # One adapter may serve several prefixes: close each once.
        adapters = self.adapters.values()  # type: ignore[attr-defined]
        for adapter in {id(a): a for a in adapters}.values():
            close_pools(adapter)
