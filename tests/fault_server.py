"""A loopback HTTP/1.1 server that misbehaves on request.

Each request chooses its fault by the first segment of its path
(``/reset-mid-body``, ``/stall``...); :data:`FAULTS` lists them all, and
``docs/reliability.rst`` has a row for each (a test checks that the two
agree). Query parameters tune a fault (``/drip?interval=0.1&size=5``).

The server listens on 127.0.0.1 only, speaks just enough HTTP/1.1 for
``requests`` (keep-alive, ``Content-Length`` bodies), records every request
it reads in :attr:`FaultServer.seen`, and on :meth:`FaultServer.close` wakes
and joins every handler thread (a stalled handler included) and closes every
socket, so a test that uses it leaks nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import socket
import socketserver
import struct
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import parse_qsl, urlsplit

__all__ = ["FAULTS", "INJECTED", "OUTCOMES", "FaultServer", "Seen", "client_sockets"]

#: Fault name (first path segment) -> what the server does.
FAULTS = {
    "ok": "answers 200 with a small JSON body and keeps the connection open",
    "reset-after-headers": "sends the status line and headers, then resets",
    "reset-mid-body": "sends half of the declared body, then resets",
    "close-idle": "answers 200, then closes the idle keep-alive connection",
    "garbage": "answers with bytes that are not HTTP, then closes",
    "short-body": "declares a Content-Length longer than it sends, then closes",
    "drip": "sends the body one byte at a time, `interval` seconds apart",
    "stall": "reads the request and never answers (until the server stops)",
    "html-error": "answers 502 with a large HTML proxy page",
    "non-utf8-error": "answers 500 with a body that is not valid UTF-8",
    "huge-error": "answers 500 with an 8 MiB plain-text body",
    "json-error": "answers 400 with a JSON body holding a `detail` message",
    "drop-upload": "reads the first `after` bytes of the body, then resets",
    "drop-after-body": "reads the whole body, then closes without answering",
    "redirect": "answers 302 with a Location of the path in `to`",
}

#: Requests answered per fault, over every server of this test run.
INJECTED: Counter[str] = Counter()
#: How the soak test's requests ended (``ok`` or the exception class name).
OUTCOMES: Counter[str] = Counter()

_REASONS = {
    200: "OK",
    400: "Bad Request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass
class Seen:
    """One request as the server read it."""

    method: str
    path: str
    fault: str
    headers: dict[str, str]
    body_length: int = 0
    connection: int = 0

    @property
    def authorization(self) -> Optional[str]:
        return self.headers.get("authorization")


@dataclass
class _Request:
    method: str
    path: str
    fault: str
    query: dict[str, str]
    headers: dict[str, str]
    length: int = field(default=0)


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    owner: FaultServer


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        owner = self.server.owner
        sock: socket.socket = self.request
        number = owner._track(sock)
        rfile = sock.makefile("rb")
        try:
            while not owner.stopping.is_set():
                request = _read_head(rfile)
                if request is None:
                    return
                if not owner._dispatch(request, sock, rfile, number):
                    return
        except OSError:
            return  # the client went away; nothing to answer
        finally:
            rfile.close()
            owner._untrack(sock)


def _read_head(rfile: object) -> Optional[_Request]:
    first = rfile.peek(1)[:1]  # type: ignore[attr-defined]
    if first and not first.isalpha():
        return None  # not HTTP (a TLS handshake, say): hang up
    line = rfile.readline(65537)  # type: ignore[attr-defined]
    if not line:
        return None
    try:
        method, target, _ = line.decode("latin-1").split(" ", 2)
    except ValueError:
        return None  # not HTTP (a TLS handshake, say): hang up
    headers: dict[str, str] = {}
    while True:
        raw = rfile.readline(65537)  # type: ignore[attr-defined]
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip(" \t\r\n")
    parts = urlsplit(target)
    fault = parts.path.strip("/").split("/", 1)[0] or "ok"
    return _Request(
        method,
        parts.path,
        fault,
        dict(parse_qsl(parts.query)),
        headers,
        int(headers.get("content-length", "0") or 0),
    )


def _reset(sock: socket.socket) -> None:
    """Close with an RST instead of a FIN, as a crashed proxy does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _head(status: int, length: int, content_type: str, extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n"
        f"{extra}\r\n"
    ).encode("latin-1")


class FaultServer:
    """The server; use as a context manager or call :meth:`close`.

    Attributes
    ----------
    seen : list of Seen
        Every request read, in order.
    stopping : threading.Event
        Set by :meth:`close`; stalled and dripping handlers wait on it.
    idle_closed : threading.Event
        Set each time a ``close-idle`` connection has been closed.
    """

    def __init__(self, *, seed: int = 0) -> None:
        self.seen: list[Seen] = []
        self.stopping = threading.Event()
        self.idle_closed = threading.Event()
        self.random = random.Random(seed)  # noqa: S311 (fault choice, not crypto)
        #: With a chooser, ``/random`` requests get the fault it returns.
        self.chooser: Optional[Callable[[Seen], str]] = None
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._connections = 0
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fault-server",
        )
        self._thread.start()

    def url(self, fault: str = "ok", query: str = "") -> str:
        """The URL that triggers `fault`, with an optional query string."""
        suffix = f"?{query}" if query else ""
        return f"http://127.0.0.1:{self.port}/{fault}{suffix}"

    def close(self) -> None:
        """Stop serving, wake every handler and wait for it to finish."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        self._server.shutdown()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        self._server.server_close()  # joins the handler threads
        self._thread.join()

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def count(self, fault: str) -> int:
        """How many requests asked for `fault`."""
        with self._lock:
            return sum(1 for s in self.seen if s.fault == fault)

    def _track(self, sock: socket.socket) -> int:
        with self._lock:
            self._sockets.add(sock)
            self._connections += 1
            return self._connections

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)

    def _dispatch(
        self, request: _Request, sock: socket.socket, rfile: object, number: int
    ) -> bool:
        """Answer one request; return whether the connection stays open."""
        seen = Seen(request.method, request.path, request.fault, request.headers)
        seen.connection = number
        if request.fault == "random" and self.chooser is not None:
            request.fault = seen.fault = self.chooser(seen)
        with self._lock:
            self.seen.append(seen)
            INJECTED[seen.fault] += 1
        fault, query = request.fault, request.query
        if fault == "drop-upload":
            after = min(int(query.get("after", "65536")), request.length)
            seen.body_length = len(rfile.read(after))  # type: ignore[attr-defined]
            _reset(sock)
            return False
        body = rfile.read(request.length) if request.length else b""  # type: ignore[attr-defined]
        seen.body_length = len(body)
        handler = getattr(self, "_fault_" + fault.replace("-", "_"), None)
        if handler is None:
            sock.sendall(_head(400, 0, "text/plain"))
            return True
        return handler(sock, query, request, body)

    def _fault_ok(self, sock, query, request, body) -> bool:
        payload = json.dumps(
            {"ok": True, "method": request.method, "length": len(body)}
        ).encode()
        sock.sendall(_head(200, len(payload), "application/json") + payload)
        return True

    def _fault_close_idle(self, sock, query, request, body) -> bool:
        self._fault_ok(sock, query, request, body)
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        self.idle_closed.set()
        return False

    def _fault_reset_after_headers(self, sock, query, request, body) -> bool:
        sock.sendall(_head(200, 100, "text/plain"))
        _reset(sock)
        return False

    def _fault_reset_mid_body(self, sock, query, request, body) -> bool:
        sock.sendall(_head(200, 1000, "text/plain") + b"x" * 500)
        _reset(sock)
        return False

    def _fault_garbage(self, sock, query, request, body) -> bool:
        sock.sendall(b"\x00\xff\xfeSSH-2.0-not-http\r\n\r\n" + bytes(range(256)))
        return False

    def _fault_short_body(self, sock, query, request, body) -> bool:
        sock.sendall(_head(200, 1000, "text/plain") + b"only ten b")
        return False

    def _fault_drip(self, sock, query, request, body) -> bool:
        interval = float(query.get("interval", "0.05"))
        size = int(query.get("size", "5"))
        sock.sendall(_head(200, size, "text/plain"))
        for _ in range(size):
            if self.stopping.wait(interval):
                return False
            sock.sendall(b"d")
        return True

    def _fault_stall(self, sock, query, request, body) -> bool:
        self.stopping.wait()
        return False

    def _fault_html_error(self, sock, query, request, body) -> bool:
        content_type = "text/html"
        if "charset" in query:
            content_type += f"; charset={query['charset']}"
        page = (
            b"<!DOCTYPE html><html><head><title>502 Proxy Error</title></head>"
            b"<body><h1>Proxy Error</h1>"
            + b"<p>upstream went away</p>" * 20000
            + b"</body></html>"
        )
        sock.sendall(_head(502, len(page), content_type) + page)
        return True

    def _fault_non_utf8_error(self, sock, query, request, body) -> bool:
        charset = query.get("charset", "utf-8")
        text = b"Fehler: Datei \xfcberschrieben \xff\xfe\x80 " * 3
        sock.sendall(_head(500, len(text), f"text/plain; charset={charset}") + text)
        return True

    def _fault_huge_error(self, sock, query, request, body) -> bool:
        text = b"Traceback line " * (8 * 1024 * 1024 // 15)
        sock.sendall(_head(500, len(text), "text/plain") + text)
        return True

    def _fault_json_error(self, sock, query, request, body) -> bool:
        payload = json.dumps({"detail": "Event T0 does not exist."}).encode()
        sock.sendall(_head(400, len(payload), "application/json") + payload)
        return True

    def _fault_redirect(self, sock, query, request, body) -> bool:
        location = f"Location: /{query.get('to', 'ok')}\r\n"
        sock.sendall(_head(302, 0, "text/plain", location))
        return True

    def _fault_drop_after_body(self, sock, query, request, body) -> bool:
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        return False


def client_sockets(port: int) -> int:
    """Open TCP sockets of this process connected to `port` on loopback
    (the server's own sockets, in the same process, are not counted)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].split(":")[1], 16)
            if remote_port == port and fields[9] in inodes:
                count += 1
    return count
