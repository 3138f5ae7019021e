"""Plain HTTP connections talk through LazyPollSocket (_http/sockets.py): the
timeouts mean what they mean with a plain socket, for requests and for the
socket itself."""

from __future__ import annotations

import math
import re
import socket
import threading
import time

import pytest
import requests

from requests_gracedb_like import Session
from requests_gracedb_like._http.sockets import LazyPollSocket, lazy_poll


def _plain() -> requests.Session:
    return requests.Session()


def _ours() -> requests.Session:
    return Session(force_noauth=True, retries=0)


SESSIONS = pytest.mark.parametrize("make", [_plain, _ours], ids=["requests", "ours"])


@pytest.fixture
def stalled_server():
    """The URL of a loopback listener that never reads (the kernel accepts
    connections from its backlog)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"


@pytest.fixture
def pair():
    """Two connected sockets; the first as a LazyPollSocket."""
    left, right = socket.socketpair()
    ours = LazyPollSocket.adopt(left)
    yield ours, right
    ours.close()
    right.close()


# -- through a session ---------------------------------------------------------


@SESSIONS
def test_a_stalled_answer_times_out_after_the_read_timeout(fault_server, make):
    with make() as s:
        start = time.monotonic()
        with pytest.raises(requests.ReadTimeout):
            s.get(fault_server.url("stall"), timeout=(5, 0.3))
        elapsed = time.monotonic() - start
    assert 0.3 <= elapsed < 2


@SESSIONS
def test_a_slow_body_within_the_read_timeout_is_read_whole(fault_server, make):
    with make() as s:
        r = s.get(fault_server.url("drip", "interval=0.05&size=5"), timeout=(5, 1))
    assert r.status_code == 200
    assert len(r.content) == 5


@SESSIONS
def test_an_upload_larger_than_the_socket_buffers_arrives_whole(fault_server, make):
    body = b"x" * (16 << 20)
    with make() as s:
        for _ in range(2):  # a new connection, then the same one again
            r = s.post(fault_server.url("ok"), data=body, timeout=(5, 30))
            assert r.json()["length"] == len(body)
    assert [seen.body_length for seen in fault_server.seen] == [len(body)] * 2
    assert len({seen.connection for seen in fault_server.seen}) == 1


@SESSIONS
def test_an_upload_nobody_reads_times_out_after_the_connect_timeout(
    stalled_server, make
):
    url = stalled_server
    with make() as s:
        start = time.monotonic()
        with pytest.raises(requests.ConnectionError):
            s.post(url, data=b"x" * (64 << 20), timeout=(0.3, 30))
        elapsed = time.monotonic() - start
    # The connect timeout bounds sending; the read timeout is never reached.
    assert 0.3 <= elapsed < 5


def test_sessions_connections_use_the_lazy_poll_socket(fault_server):
    with _ours() as s:
        r = s.get(fault_server.url("ok"), stream=True, timeout=(5, 7))
        sock = r.raw.connection.sock
        assert isinstance(sock, LazyPollSocket)
        # As a plain socket reports it: the read timeout, last set.
        assert sock.gettimeout() == 7.0
        r.close()


# -- the socket ------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, 0, 0.0, 1, 2.5, 1e-10, 300, True])
def test_timeouts_read_back_as_from_a_plain_socket(pair, value):
    ours, _ = pair
    with socket.socket(socket.AF_UNIX) as plain:
        plain.settimeout(value)
        ours.settimeout(value)
        assert ours.gettimeout() == plain.gettimeout()
        assert ours.timeout == plain.timeout
        assert ours.getblocking() == plain.getblocking()


@pytest.mark.parametrize("value", [-1, -0.5, math.nan, "1", 1j])
def test_bad_timeouts_are_refused_as_by_a_plain_socket(pair, value):
    ours, _ = pair
    ours.settimeout(4)
    with socket.socket(socket.AF_UNIX) as plain:
        try:
            plain.settimeout(value)
        except (TypeError, ValueError) as exc:
            expected = exc
    with pytest.raises(type(expected), match=re.escape(str(expected))):
        ours.settimeout(value)
    assert ours.gettimeout() == 4.0


@pytest.mark.parametrize("flag", [True, False])
def test_setblocking_is_a_timeout_as_for_a_plain_socket(pair, flag):
    ours, _ = pair
    ours.settimeout(3)
    ours.setblocking(flag)
    assert ours.gettimeout() == (None if flag else 0.0)
    assert ours.getblocking() is flag


def test_a_read_with_a_timeout_raises_socket_timeout(pair):
    ours, _ = pair
    ours.settimeout(0.2)
    start = time.monotonic()
    with pytest.raises(socket.timeout, match="timed out"):
        ours.recv(10)
    assert 0.2 <= time.monotonic() - start < 2


def test_a_read_with_timeout_zero_does_not_wait(pair):
    ours, _ = pair
    ours.settimeout(0)
    with pytest.raises(BlockingIOError):
        ours.recv(10)


def test_a_read_without_timeout_waits_for_the_data(pair):
    ours, other = pair
    ours.settimeout(None)
    got = []
    reader = threading.Thread(target=lambda: got.append(ours.recv(10)))
    reader.start()
    reader.join(0.2)
    assert reader.is_alive()
    other.sendall(b"late")
    reader.join(5)
    assert got == [b"late"]


def test_data_already_there_is_read_at_once_through_makefile(pair):
    ours, other = pair
    ours.settimeout(5)
    other.sendall(b"HTTP/1.1 200 OK\r\n\r\nbody")
    buffer = bytearray(4)
    with ours.makefile("rb") as f:
        assert f.readline() == b"HTTP/1.1 200 OK\r\n"
        assert f.readline() == b"\r\n"
        assert f.readinto(buffer) == 4
    assert bytes(buffer) == b"body"


def test_sendall_of_more_than_the_buffers_hold_waits_for_the_reader(pair):
    ours, other = pair
    ours.settimeout(5)
    data = bytes(range(256)) * (32 << 10)  # 8 MiB
    received = bytearray()

    def read():
        while len(received) < len(data):
            received.extend(other.recv(1 << 16))

    reader = threading.Thread(target=read)
    reader.start()
    ours.sendall(memoryview(data))
    reader.join(10)
    assert received == data


def test_sendall_to_a_reader_that_never_reads_times_out(pair):
    ours, _ = pair
    ours.settimeout(0.2)
    start = time.monotonic()
    with pytest.raises(socket.timeout, match="timed out"):
        ours.sendall(b"x" * (64 << 20))
    assert 0.2 <= time.monotonic() - start < 2


def test_sendall_refuses_text_as_a_plain_socket_does(pair):
    ours, other = pair
    with pytest.raises(TypeError) as expected:
        other.sendall("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=re.escape(str(expected.value))):
        ours.sendall("text")  # type: ignore[arg-type]


def test_a_duplicate_keeps_the_timeout(pair):
    ours, _ = pair
    ours.settimeout(6)
    with ours.dup() as copy:
        assert isinstance(copy, LazyPollSocket)
        assert copy.gettimeout() == 6.0


def test_tls_and_other_objects_are_left_alone():
    marker = object()
    assert lazy_poll(marker) is marker


def test_sockets_of_other_classes_are_left_alone():
    class Green(socket.socket):
        """A stand-in for a cooperative socket (gevent's, eventlet's)."""

    with Green(socket.AF_UNIX) as green:
        assert lazy_poll(green) is green
        assert green.fileno() != -1


def test_sendall_with_timeout_zero_stops_when_the_buffers_fill(pair):
    ours, _ = pair
    ours.settimeout(0)
    with pytest.raises(BlockingIOError):
        ours.sendall(b"x" * (64 << 20))
