"""Connection pools that do not fill their queue with placeholders.

urllib3's :class:`~urllib3.connectionpool.HTTPConnectionPool` keeps its idle
connections in a :class:`queue.LifoQueue` that it first fills with one
``None`` per allowed connection, so that a *blocking* pool waits once every
connection is in use; it also puts ``None`` back for a connection it
dropped. Each of those puts takes the queue's lock and notifies its
waiters: 32 of them for every new pool of a session sized for threads, and
as many gets again when the pool is closed, which is most of the cost of a
session made for one request.

A pool that does not block (requests' default, ``pool_block=False``) gains
nothing from the placeholders: an empty queue and a ``None`` both mean
"open a new connection", and the queue is full when it holds `maxsize`
idle connections either way. The pools here are urllib3's, with a queue
that does not store ``None``; adapters use them only for pools that do not
block. Plain ``http://`` connections of these pools talk through
:class:`~requests_gracedb_like._http.sockets.LazyPollSocket`, which makes
fewer system calls per request with a timeout.
"""

from __future__ import annotations

import queue
from typing import Any, Optional

from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .sockets import LazyPollHTTPConnection

__all__ = ["POOL_CLASSES", "IdleQueue"]


class IdleQueue(queue.LifoQueue):  # type: ignore[type-arg]
    """A :class:`queue.LifoQueue` of idle connections: ``None`` (an empty
    slot, in urllib3's accounting) is not stored."""

    def put(
        self, item: Any, block: bool = True, timeout: Optional[float] = None
    ) -> None:
        if item is not None:
            super().put(item, block, timeout)


class _HTTPConnectionPool(HTTPConnectionPool):
    QueueCls = IdleQueue
    ConnectionCls = LazyPollHTTPConnection


class _HTTPSConnectionPool(HTTPSConnectionPool):
    QueueCls = IdleQueue


#: For a pool manager's ``pool_classes_by_scheme``, when pools do not block.
POOL_CLASSES: dict[str, type[HTTPConnectionPool]] = {
    "http": _HTTPConnectionPool,
    "https": _HTTPSConnectionPool,
}
