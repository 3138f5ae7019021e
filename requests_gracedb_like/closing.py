"""Close every pooled connection when the session closes:
:class:`SessionCloseMixin`."""

from __future__ import annotations

from typing import Any

from requests.adapters import HTTPAdapter

__all__ = ["SessionCloseMixin", "close_pools"]


def close_pools(adapter: Any) -> None:
    """Close the connections held by every pool of `adapter`, then the
    adapter itself.

    urllib3 2 closes a pool's connections when the pool is garbage
    collected; a pool caught in a reference cycle (a traceback of an earlier
    failure can hold one) keeps its sockets open until the collector runs.
    Closing each pool first releases them at once.
    """
    if isinstance(adapter, HTTPAdapter):
        for manager in [adapter.poolmanager, *adapter.proxy_manager.values()]:
            pools = manager.pools
            for key in list(pools.keys()):
                pool = pools.get(key)
                if pool is not None:
                    pool.close()
    adapter.close()


class SessionCloseMixin:
    """A mixin for :class:`requests.Session` whose ``close()`` releases
    every socket before it returns.

    Notes
    -----
    Plain requests leaves closing pooled connections to urllib3, which (from
    urllib3 2 on) closes them when their pool is garbage collected: usually
    at once, but only at the next collection when an earlier failure left
    the pool in a reference cycle. Here each pool is closed explicitly.
    """

    def close(self) -> None:
        """Close every pooled connection of every adapter, then the
        adapters."""
        # One adapter may serve several prefixes: close each once.
        adapters = self.adapters.values()  # type: ignore[attr-defined]
        for adapter in {id(a): a for a in adapters}.values():
            close_pools(adapter)
