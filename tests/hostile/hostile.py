"""Helpers of the adversarial suite: a raw-socket server that records every
byte it receives, and a runner that bounds a piece of code in time and
memory in a subprocess.

Every case here attacks one promise of ``docs/security.rst`` and asserts
what a user would notice if the promise broke: a secret where it must not
be, a hang, memory without bound, a file lost. Nothing waits without a
bound: sockets have timeouts, threads are joined with one, subprocesses
are killed after one.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Optional

import pytest

#: The longest any single hostile case may take, in seconds.
BOUND = 30

Answer = Callable[[bytes], Optional[bytes]]

OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


def response(
    status: int = 200,
    body: bytes = b"ok",
    headers: Optional[dict[str, str]] = None,
    reason: Optional[bytes] = None,
) -> bytes:
    """The bytes of an HTTP/1.1 response with a Content-Length."""
    head = [b"HTTP/1.1 %d %s" % (status, reason if reason is not None else b"X")]
    for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
        head.append(f"{name}: {value}".encode("latin-1"))
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def endless(status: int = 500) -> Answer:
    """An answer: `status` with a chunked body that never ends, sent as
    fast as the client reads it."""

    def answer(head: bytes) -> Iterator[bytes]:
        yield b"HTTP/1.1 %d X\r\nTransfer-Encoding: chunked\r\n\r\n" % status
        framed = b"%x\r\n%s\r\n" % (65536, b"y" * 65536)
        while True:
            yield framed

    return answer


def trickled(status: int = 500) -> Answer:
    """An answer: `status` with a 1 MB body trickled a byte every 0.05 s
    (20 s per KB): a client that waits for it hangs."""

    def answer(head: bytes) -> Iterator[bytes]:
        pause = threading.Event()
        yield b"HTTP/1.1 %d X\r\nContent-Length: 1000000\r\n\r\n" % status
        while True:
            pause.wait(0.05)  # the server trickles; the client must not wait
            yield b"x"

    return answer


def in_turn(*answers: Answer) -> Answer:
    """An answer that gives each of `answers` to one request, in order."""
    remaining = iter(answers)
    return lambda head: next(remaining)(head)


class Listener:
    """A loopback listening socket whose accepting thread hands each
    connection (with a timeout of :data:`BOUND`) to ``_serve`` in a thread
    of its own; :meth:`close` closes every socket and joins every thread."""

    accepted = 0

    def _listen(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        # Short: close() waits for the accepting thread to see the stop.
        self._server.settimeout(0.02)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._start(self._accept)

    def _start(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.settimeout(BOUND)
            self._conns.append(conn)
            self._start(self._serve, conn)

    def _serve(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._stop.set()
        accepting, *serving = self._threads
        accepting.join(BOUND)  # no connection comes after this
        self._server.close()
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        for thread in serving:
            thread.join(BOUND)


@dataclass
class Recorder(Listener):
    """A loopback HTTP/1.1 server on raw sockets that records each request
    head (request line and headers, as bytes) and answers with
    ``answer(head)``: bytes, or an iterable of chunks sent one by one (a
    None chunk drops the connection there), or None to close the connection
    without answering; :data:`OK` by default. Keep-alive is kept; every
    connection is closed by :meth:`close`."""

    answer: Answer = lambda head: OK
    heads: list[bytes] = field(default_factory=list)
    peers: list[int] = field(default_factory=list)
    accepted: int = 0
    #: An ``ssl.SSLContext`` to speak https with, or None for plain http.
    context: Any = None

    def __post_init__(self) -> None:
        self._listen()

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        scheme = "https" if self.context is not None else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    def saw(self, secret: str) -> bool:
        """Whether `secret` arrived in any request head."""
        return any(secret.encode() in head for head in self.heads)

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        with contextlib.suppress(OSError):
            if self.context is not None:
                plain = conn
                conn = self.context.wrap_socket(plain, server_side=True)
                self._conns[self._conns.index(plain)] = conn
            while not self._stop.is_set():
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip() or 0)
                while len(buffer) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                buffer = buffer[length:]
                self.heads.append(head)
                self.peers.append(conn.getpeername()[1])
                reply = self.answer(head)
                if reply is None:
                    return
                if isinstance(reply, bytes):
                    conn.sendall(reply)
                else:  # an iterable of chunks: sent until the client leaves
                    for chunk in reply:
                        if self._stop.is_set():
                            return
                        if chunk is None:  # drop the connection here
                            conn.shutdown(socket.SHUT_RDWR)
                            return
                        conn.sendall(chunk)


@pytest.fixture
def recorder() -> Iterator[Callable[..., Recorder]]:
    """``recorder(answer=..., context=...)`` starts a :class:`Recorder`
    (https with an ``ssl.SSLContext``); all are closed after the test."""
    started: list[Recorder] = []

    def start(answer: Optional[Answer] = None, context: Any = None) -> Recorder:
        server = Recorder(answer or (lambda head: OK), context=context)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


class Tunnel(Listener):
    """A loopback proxy that tunnels (``CONNECT``) to 127.0.0.1 only, as an
    https proxy of a site does: it records the head of each ``CONNECT``
    (``heads``) and relays the encrypted bytes both ways unread; any other
    method, or a target off the loopback, gets a 403."""

    def __init__(self) -> None:
        self.heads: list[bytes] = []
        self._listen()

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self, conn: socket.socket) -> None:
        head = b""
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            head = head.partition(b"\r\n\r\n")[0]
            self.heads.append(head)
            method, target = head.split(b" ")[:2]
            host, _, port = target.decode("ascii", "replace").rpartition(":")
            if method != b"CONNECT" or host not in ("127.0.0.1", "localhost"):
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            upstream = socket.create_connection(("127.0.0.1", int(port)), BOUND)
            self._conns.append(upstream)
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self._start(self._copy, upstream, conn)
            self._copy(conn, upstream)

    @staticmethod
    def _copy(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
            dst.shutdown(socket.SHUT_WR)


@pytest.fixture
def tunnel() -> Iterator[Tunnel]:
    """A :class:`Tunnel` (a ``CONNECT`` proxy), closed after the test."""
    proxy = Tunnel()
    yield proxy
    proxy.close()


@pytest.fixture
def short_error_reads(monkeypatch: pytest.MonkeyPatch) -> float:
    """Error bodies read for at most half a second (instead of
    ``MAX_ERROR_BODY_SECONDS``), wherever the bounded reader lives; returns
    that bound."""
    from requests_gracedb_like import errors

    module = sys.modules[errors.read_error_body.__module__]
    monkeypatch.setattr(module, "MAX_ERROR_BODY_SECONDS", 0.5)
    return 0.5


def bounded_thread(
    target: Callable[[], Any],
    seconds: float = BOUND,
    on_hang: Optional[Callable[[], Any]] = None,
) -> Any:
    """Run `target` in a thread; fail the test if it has not returned within
    `seconds`, after calling `on_hang` (closing the server, say, so that
    the thread ends before the next test and leaves nothing behind).
    Returns its result, or raises what it raised."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = target()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        if on_hang is not None:
            on_hang()
            thread.join(BOUND)
        pytest.fail(f"still running after {seconds} s: it would hang")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


#: Run in the subprocess of :func:`isolated`: cap the address space, run the
#: code, print the JSON of ``result``.
_PRELUDE = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
result = None
try:
{code}
except BaseException as exc:
    result = {{"error": type(exc).__name__, "message": str(exc),
              "bases": [c.__name__ for c in type(exc).__mro__]}}
print(json.dumps(result))
"""


def isolated(code: str, *, seconds: float = BOUND, memory: int = 1 << 30) -> Any:
    """Run `code` (which sets ``result``) in a Python subprocess limited to
    `memory` bytes of address space and `seconds` of time; return
    ``result`` as JSON data. A hang or a crash fails the test."""
    body = "\n".join("    " + line for line in code.strip().splitlines())
    script = _PRELUDE.format(limit=memory, code=body)
    try:
        done = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            timeout=seconds,
            check=False,
            env=os.environ.copy(),
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {seconds} s: it would hang")
    lines = done.stdout.decode().strip().splitlines()
    if done.returncode != 0 or not lines:
        pytest.fail(f"crashed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return json.loads(lines[-1])
