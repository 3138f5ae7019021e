"""Sockets that wait only when an operation would block:
:class:`LazyPollSocket`, and :class:`LazyPollHTTPConnection` that uses them.

A Python socket with a timeout is non-blocking underneath, and CPython
runs every ``send`` and ``recv`` on it as ``poll()`` then the call, even
when the data is already there; ``settimeout()`` is an ``ioctl()`` every
time, and urllib3 calls it twice per request (the connect timeout to send,
the read timeout to read). Each of those system calls releases the GIL:
with the default ``(10, 300)`` timeout a request made seven of them where
one without a timeout makes five. Threads sharing a session wait on each
other at every one.

:class:`LazyPollSocket` keeps the timeout in Python and the socket
non-blocking: an operation is tried at once and ``poll()`` is called only
when it would block, with the time the timeout leaves, as CPython's own
loop does; changing the timeout is an assignment. A request then makes
three system calls once the answer has arrived (the pool's check that the
connection is alive, ``send``, ``recv``).
"""

from __future__ import annotations

import select
import socket
import time
from typing import Any, Callable, Optional

from urllib3.connection import HTTPConnection

from .memo import remember

__all__ = ["LazyPollHTTPConnection", "LazyPollSocket", "lazy_poll"]

# select.poll is missing on Windows: sockets stay as they are there.
_POLL: Any = getattr(select, "poll", None)
_READ = getattr(select, "POLLIN", 0)
_WRITE = getattr(select, "POLLOUT", 0)

#: Timeouts as the socket module stores them (it rounds to nanoseconds):
#: what ``gettimeout()`` returns after ``settimeout(value)``.
_STORED: dict[Any, float] = {}
_MAX_STORED = 64


class LazyPollSocket(socket.socket):
    """A ``socket.socket`` whose timeout is kept in Python: each
    operation is tried first, and waits for the socket (with ``poll()``)
    only when it would block.

    Notes
    -----
    The timeout means what it means for ``socket.socket``:

    * ``settimeout``, ``gettimeout``, ``setblocking``, ``getblocking`` and
      ``timeout`` accept, reject and report values as the socket module
      does (it is asked the first time a value is seen);
    * with a timeout, ``recv``, ``recv_into``, ``recvfrom``,
      ``recvfrom_into``, ``send`` and ``sendto`` wait at most that long for
      the socket, and raise ``socket.timeout`` ("timed out") after;
      ``sendall`` waits at most that long in all;
    * with ``None`` they wait as long as it takes; with ``0`` they raise
      ``BlockingIOError`` at once, as a non-blocking socket does.

    Underneath, the socket is always non-blocking. Other methods (those a
    connected HTTP client never calls: ``accept``, ``connect``,
    ``recvmsg``...) are the socket module's on a non-blocking socket.
    """

    __slots__ = ("_wait_timeout",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wait_timeout: Optional[float] = super().gettimeout()
        super().settimeout(0.0)

    @classmethod
    def adopt(cls, sock: socket.socket) -> LazyPollSocket:
        """A :class:`LazyPollSocket` for the connection of `sock`, with its
        timeout; `sock` is detached (closed without closing the
        connection)."""
        timeout = sock.gettimeout()
        adopted = cls(sock.family, sock.type, sock.proto, fileno=sock.detach())
        adopted._wait_timeout = timeout
        return adopted

    # -- the timeout -----------------------------------------------------------

    def settimeout(self, value: Optional[float]) -> None:
        """As ``socket.socket.settimeout``, without a system call."""
        if value is None:
            self._wait_timeout = None
            return
        exact = type(value) is float or type(value) is int
        stored = _STORED.get(value) if exact else None
        if stored is None:
            # The socket module checks the value (TypeError, ValueError...)
            # and says how it stores it.
            super().settimeout(value)
            stored = super().gettimeout()
            super().settimeout(0.0)
            if exact and stored is not None:
                remember(_STORED, value, stored, _MAX_STORED)
        self._wait_timeout = stored

    def gettimeout(self) -> Optional[float]:
        """As ``socket.socket.gettimeout``."""
        return self._wait_timeout

    def setblocking(self, flag: bool) -> None:
        """As ``socket.socket.setblocking``: a timeout of None or 0."""
        self.settimeout(None if flag else 0.0)

    def getblocking(self) -> bool:
        """As ``socket.socket.getblocking``."""
        return self._wait_timeout != 0.0

    @property
    def timeout(self) -> Optional[float]:  # type: ignore[override]
        """As ``socket.socket.timeout``."""
        return self._wait_timeout

    # -- waiting -------------------------------------------------------------

    def _wait(self, events: int, deadline: Optional[float]) -> None:
        """Wait until the socket is ready for `events`, or raise
        ``socket.timeout`` at `deadline` (None: no limit)."""
        poller = _POLL()
        poller.register(self, events)
        if deadline is None:
            poller.poll()
            return
        left = deadline - time.monotonic()
        if left <= 0 or not poller.poll(left * 1000):
            raise socket.timeout("timed out")

    def _retry(
        self, events: int, call: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
        """``call(*args, **kwargs)``, waiting for `events` whenever it
        would block."""
        deadline: Optional[float] = None
        while True:
            try:
                return call(*args, **kwargs)
            except BlockingIOError:
                timeout = self._wait_timeout
                if timeout == 0.0:
                    raise
                if deadline is None and timeout is not None:
                    deadline = time.monotonic() + timeout
                self._wait(events, deadline)

    # -- operations ------------------------------------------------------------

    def recv(self, *args: Any, **kwargs: Any) -> Any:
        """As ``socket.socket.recv``, waiting only if it would block."""
        return self._retry(_READ, super().recv, *args, **kwargs)

    def recv_into(self, *args: Any, **kwargs: Any) -> Any:
        """As ``socket.socket.recv_into``, waiting only if it would block."""
        return self._retry(_READ, super().recv_into, *args, **kwargs)

    def recvfrom(self, *args: Any, **kwargs: Any) -> Any:
        """As ``socket.socket.recvfrom``, waiting only if it would block."""
        return self._retry(_READ, super().recvfrom, *args, **kwargs)

    def recvfrom_into(self, *args: Any, **kwargs: Any) -> Any:
        """As ``socket.socket.recvfrom_into``, waiting only if it would block."""
        return self._retry(_READ, super().recvfrom_into, *args, **kwargs)

    def send(self, *args: Any, **kwargs: Any) -> Any:
        """As ``socket.socket.send``, waiting only if it would block."""
        return self._retry(_WRITE, super().send, *args, **kwargs)

    def sendto(self, *args: Any, **kwargs: Any) -> Any:
        """As ``socket.socket.sendto``, waiting only if it would block."""
        return self._retry(_WRITE, super().sendto, *args, **kwargs)

    def sendall(self, data: Any, flags: int = 0) -> None:
        """As ``socket.socket.sendall``, waiting only when a send would block."""
        timeout = self._wait_timeout
        # As the socket module's sendall: one deadline for all the data,
        # checked before each send (none without a timeout, or with 0).
        deadline = time.monotonic() + timeout if timeout else None
        send = super().send
        blocked = False
        try:
            # The socket module checks `data`; most requests go at once.
            sent = send(data, flags)
        except BlockingIOError:
            if timeout == 0.0:
                raise
            sent, blocked = 0, True
        if type(data) is bytes and sent == len(data):
            return
        with memoryview(data) as view, view.cast("B") as left:
            while sent < len(left):
                if blocked:
                    self._wait(_WRITE, deadline)
                elif deadline is not None and deadline <= time.monotonic():
                    raise socket.timeout("timed out")
                try:
                    sent += send(left[sent:], flags)
                    blocked = False
                except BlockingIOError:
                    if timeout == 0.0:
                        raise
                    blocked = True


#: The standard library's socket class, as LazyPollSocket extends it; not
#: when something (gevent, eventlet) had replaced it before this import.
_PLAIN: Any = LazyPollSocket.__bases__[0]
_ADOPTS = _PLAIN.__module__ == "socket" and _POLL is not None


def lazy_poll(sock: Any) -> Any:
    """`sock` as a :class:`LazyPollSocket` when it is a plain
    ``socket.socket`` of the standard library (not TLS, not a cooperative
    socket of gevent or eventlet, not a subclass) and ``poll()`` exists;
    else `sock`."""
    if _ADOPTS and type(sock) is _PLAIN:
        return LazyPollSocket.adopt(sock)
    return sock


class LazyPollHTTPConnection(HTTPConnection):
    """urllib3's :class:`~urllib3.connection.HTTPConnection`, talking
    through a :class:`LazyPollSocket` once connected."""

    def connect(self) -> None:
        super().connect()
        self.sock = lazy_poll(self.sock)
