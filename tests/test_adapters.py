"""Connection pooling and the adapter a session mounts: SessionAdapterMixin
and ReplaySafeAdapter, against real local servers (the retry policy is
tested in test_retry.py)."""

from __future__ import annotations

import http.server
import logging
import pickle
import threading
import warnings

import pytest
import requests

from requests_gracedb_like import Session, SessionAdapterMixin
from requests_gracedb_like.adapters import DEFAULT_POOL_MAXSIZE

T0 = 1_900_000_000


class AdaptersOnly(SessionAdapterMixin, requests.Session):
    pass


class _KeepAliveHandler(http.server.BaseHTTPRequestHandler):
    """Answers ``ok`` over HTTP/1.1 keep-alive, recording the client port of
    each request; the first ``server.wave`` requests are held until that
    many are in flight at once."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        server = self.server
        with server.lock:
            server.ports.append(self.client_address[1])
            first_wave = len(server.ports) <= server.wave
        if first_wave:
            server.barrier.wait()
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def threaded_server():
    """A loopback HTTP/1.1 server with keep-alive and a thread per
    connection (werkzeug's closes every connection, so reuse would not
    show)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _KeepAliveHandler)
    server.daemon_threads = True
    server.lock = threading.Lock()
    server.ports = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_pickle_keeps_retries_and_pool_size():
    with Session(force_noauth=True, retries=5, pool_maxsize=7) as s:
        clone = pickle.loads(pickle.dumps(s))
    assert clone.retries.total == 5
    assert clone.pool_maxsize == 7
    adapter = clone.get_adapter("https://h.example/")
    assert adapter.max_retries.total == 5
    assert adapter.poolmanager.connection_pool_kw["maxsize"] == 7


def _run_threads(session, server, threads=16, calls=5):
    """`threads` threads, each making `calls` GETs; the first request of
    every thread is held until all are in flight, so that `threads`
    connections are open at once. Returns the client port of each request."""
    server.wave = threads
    server.barrier = threading.Barrier(threads, timeout=10)
    url = f"http://127.0.0.1:{server.server_address[1]}/p"
    errors = []

    def worker():
        try:
            for _ in range(calls):
                assert session.get(url).text == "ok"
        except Exception as e:
            errors.append(e)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    assert not errors
    assert len(server.ports) == threads * calls
    return server.ports


def test_sixteen_threads_share_one_session_without_discarding(threaded_server, caplog):
    caplog.set_level(logging.WARNING, logger="urllib3")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Session(force_noauth=True) as s:
            ports = _run_threads(s, threaded_server)
    assert not caught
    assert "Connection pool is full" not in caplog.text
    # Each connection was opened once and reused: 80 requests, 16 connections.
    assert len(set(ports)) == 16
    assert DEFAULT_POOL_MAXSIZE >= 16


def test_plain_requests_pool_discards_connections(threaded_server, caplog):
    """The situation the default pool size avoids."""
    caplog.set_level(logging.WARNING, logger="urllib3")
    with requests.Session() as s:
        _run_threads(s, threaded_server)
    assert "Connection pool is full" in caplog.text


def test_pool_maxsize_is_applied(threaded_server, caplog):
    caplog.set_level(logging.WARNING, logger="urllib3")
    with AdaptersOnly(pool_maxsize=4) as s:
        _run_threads(s, threaded_server, threads=8, calls=2)
    assert "Connection pool size: 4" in caplog.text


def test_a_body_read_once_as_first_request_uses_the_adapters_own_pools(
    httpserver, made_pool_managers
):
    """The adapter that sends a generator body with other retries shares
    the pools of the session's adapter, also when that is its first use."""
    httpserver.expect_request("/up", method="POST").respond_with_data("stored")
    httpserver.expect_request("/up", method="GET").respond_with_data("listed")
    with Session(httpserver.url_for("/"), force_noauth=True) as s:
        made = len(made_pool_managers)
        posted = s.post("up", data=(chunk for chunk in [b"a", b"b"]))
        listed = s.get("up")
        adapter = s.get_adapter(httpserver.url_for("/"))
        assert (posted.text, listed.text) == ("stored", "listed")
        assert len(made_pool_managers) == made
        assert made_pool_managers[-1] is adapter.poolmanager
    assert httpserver.log[0][0].get_data() == b"ab"


def test_a_large_body_is_sent_in_blocks_of_a_mebibyte(
    httpserver, tmp_path, monkeypatch
):
    """A file body goes to the socket in 1 MiB writes (urllib3 reads 16 KiB
    at a time by default: 64 times as many system calls)."""
    import socket

    from requests_gracedb_like.adapters import SEND_BLOCKSIZE

    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * (4 * SEND_BLOCKSIZE))
    writes = []
    real = socket.socket.sendall

    def counting(self, data, *args):
        writes.append(len(data))
        return real(self, data, *args)

    monkeypatch.setattr(socket.socket, "sendall", counting)
    httpserver.expect_request("/up", method="PUT").respond_with_data("stored")
    with Session(force_noauth=True) as s, path.open("rb") as body:
        assert s.put(httpserver.url_for("/up"), data=body).text == "stored"
    assert writes.count(SEND_BLOCKSIZE) == 4


def test_the_mixin_alone_keeps_connections_warm_unless_told_not_to(fault_server):
    from fault_server import client_sockets

    url = fault_server.url("ok")
    for warm in (False, True, True):
        with AdaptersOnly(warm_connections=warm) as s:
            s.get(url, timeout=5)
        # a warm session's socket stays open, and the next reuses it; the
        # other's is closed
        assert client_sockets(fault_server.port) == (1 if warm else 0)


def test_pickle_and_with_retries_keep_warm_connections_off():
    with Session(force_noauth=True, warm_connections=False) as s:
        clone = pickle.loads(pickle.dumps(s))
        copy = s.with_retries(1)
    for session in (clone, copy):
        assert session.warm_connections is False
        assert session.get_adapter("https://h.example/").warm_connections is False
