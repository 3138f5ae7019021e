"""Close every pooled connection when the session closes:
:class:`SessionCloseMixin`."""

from __future__ import annotations

from typing import Any

from requests.adapters import HTTPAdapter

__all__ = ["SessionCloseMixin", "close_manager_pools", "close_pools"]


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
