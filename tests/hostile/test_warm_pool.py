"""Promise, for scripts that make a session per call: a closed session's
keep-alive connections go to the next session with the same transport
settings, and to no other. A connection made with another client
certificate (or the same path, renewed), other verification settings,
another proxy, in the parent of a forked process, or left half-read or
after a 401 is never what a later session sends on. ``warm_connections=False``
opens a connection per session, and the kept ones are bounded.

Each server records the client port of every request: one port, one
connection.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Callable
from typing import Any

import pytest
import requests
import time_machine
from fault_server import client_sockets
from hostile import OK, response
from test_processes import _in_child

import requests_gracedb_like as rgl
from requests_gracedb_like import Session, igwn
from requests_gracedb_like._http import warm

SECRET = "s3cret-proxy-password"


def _session_get(url: str, **kwargs: Any) -> requests.Response:
    with Session(url, force_noauth=True, **kwargs) as s:
        return s.get(url)


def _igwn_session_get(url: str, **kwargs: Any) -> requests.Response:
    with igwn.Session(url, force_noauth=True, **kwargs) as s:
        return s.get(url)


#: The ways a script makes a session per call: the one-shot functions and
#: a session opened and closed around one request, of both front ends.
ONE_SHOT: dict[str, Callable[..., requests.Response]] = {
    "rgl.get": lambda url, **kw: rgl.get(url, force_noauth=True, **kw),
    "with Session": _session_get,
    "igwn.get": lambda url, **kw: igwn.get(url, force_noauth=True, **kw),
    "with igwn.Session": _igwn_session_get,
}


@pytest.mark.parametrize("call", ONE_SHOT.values(), ids=ONE_SHOT.keys())
def test_a_loop_of_one_shot_calls_reuses_one_connection(recorder, call):
    server = recorder()
    for _ in range(5):
        assert call(server.url("/x")).text == "ok"
    assert len(server.peers) == 5
    assert len(set(server.peers)) == 1


@pytest.mark.parametrize("call", ONE_SHOT.values(), ids=ONE_SHOT.keys())
def test_without_warm_connections_each_call_opens_its_own(recorder, call):
    server = recorder()
    for _ in range(3):
        assert call(server.url("/x"), warm_connections=False).text == "ok"
    assert len(set(server.peers)) == 3
    assert client_sockets(server.port) == 0  # each closed with its session


def test_one_shot_calls_over_tls_make_one_handshake(tls_server):
    for _ in range(4):
        rgl.get(tls_server.url("/x"), force_noauth=True, verify=tls_server.ca_file)
    assert len({seen.port for seen in tls_server.log}) == 1


def test_sessions_alive_together_never_share_a_connection(recorder):
    server = recorder()
    with Session(server.url(), force_noauth=True) as a:
        a.get(server.url("/a"))
        with Session(server.url(), force_noauth=True) as b:
            b.get(server.url("/b"))
    assert server.peers[0] != server.peers[1]


def test_each_client_certificate_gets_its_own_connection(tls_server, pki):
    alice, bob = pki.client("alice"), pki.client("bob")
    for cert in [alice, bob, None, alice, bob, None]:
        given = str(cert) if cert else False
        rgl.get(tls_server.url("/x"), cert=given, verify=tls_server.ca_file)
    names = [seen.client for seen in tls_server.log]
    assert names == ["alice", "bob", None, "alice", "bob", None]
    ports = [seen.port for seen in tls_server.log]
    assert ports[:3] == ports[3:]  # each kept warm for its own certificate
    assert len(set(ports)) == 3


@pytest.mark.parametrize("how", ["replaced", "rewritten in place"])
def test_a_renewed_certificate_at_the_same_path_gets_a_new_connection(
    tls_server, pki, tmp_path, how
):
    path = tmp_path / "x509up"
    shutil.copy(pki.client("first"), path)
    rgl.get(tls_server.url("/1"), cert=str(path), verify=tls_server.ca_file)
    rgl.get(tls_server.url("/2"), cert=str(path), verify=tls_server.ca_file)
    renewed = pki.pem("second")
    if how == "replaced":
        (tmp_path / "new").write_bytes(renewed)
        os.replace(tmp_path / "new", path)
    else:
        path.write_bytes(renewed + b"\n" * 64)  # another size, same inode
    rgl.get(tls_server.url("/3"), cert=str(path), verify=tls_server.ca_file)
    first, second, third = tls_server.log
    assert [first.client, second.client, third.client] == ["first", "first", "second"]
    assert first.port == second.port
    assert third.port != first.port


def test_verification_settings_never_share_a_connection(tls_server, tmp_path):
    """A connection made without verification is never handed to a session
    that verifies, nor one made with another CA bundle."""
    other_bundle = tmp_path / "other-ca.pem"
    shutil.copy(tls_server.ca_file, other_bundle)
    url = tls_server.url("/x")
    with pytest.warns(Warning, match="Unverified HTTPS request"):
        rgl.get(url, force_noauth=True, verify=False)
    rgl.get(url, force_noauth=True, verify=tls_server.ca_file)
    rgl.get(url, force_noauth=True, verify=str(other_bundle))
    rgl.get(url, force_noauth=True, verify=tls_server.ca_file)
    ports = [seen.port for seen in tls_server.log]
    assert len(set(ports[:3])) == 3
    assert ports[3] == ports[1]


def test_each_proxy_gets_its_own_connection(recorder):
    """Two plain-http proxies (recorders answering for any URL): a session
    through one never sends on a connection to the other, and a proxy with
    credentials in its URL is never kept for another session."""
    first, second = recorder(), recorder()
    target = "http://service.example/x"

    def through(proxy: str) -> None:
        rgl.get(target, force_noauth=True, proxies={"http": proxy})

    for proxy in [first.url(), second.url(), first.url(), second.url()]:
        through(proxy)
    assert len(first.peers) == len(second.peers) == 2
    assert len(set(first.peers)) == len(set(second.peers)) == 1
    assert first.heads[0].startswith(b"GET http://service.example/x ")

    with_password = first.url().replace("//", f"//user:{SECRET}@")
    through(with_password)
    through(with_password)
    assert b"Proxy-Authorization: Basic" in first.heads[-1]
    assert len(set(first.peers)) == 3  # neither reused nor kept
    assert not any(SECRET in repr(vars(w.manager)) for w in warm._idle)


def test_a_forked_child_never_sends_on_a_warm_connection(recorder):
    server = recorder()
    rgl.get(server.url("/parent-1"), force_noauth=True)  # kept warm
    status = _in_child(
        lambda: b"%d" % rgl.get(server.url("/child"), force_noauth=True).status_code
    )
    rgl.get(server.url("/parent-2"), force_noauth=True)
    assert status == b"200"
    paths = [h.split(b" ")[1].decode() for h in server.heads]
    port = dict(zip(paths, server.peers, strict=True))
    assert port["/child"] != port["/parent-1"]
    assert port["/parent-2"] == port["/parent-1"]


BIG = b"y" * (1 << 20)


def _big_or_ok(head: bytes) -> bytes:
    if head.startswith(b"GET /big "):
        return response(200, BIG)
    if head.startswith(b"GET /error "):
        return response(500, BIG, reason=b"Internal Server Error")
    return OK


def test_a_half_read_body_leaves_nothing_for_the_next_session(recorder):
    """urllib3 closes a connection whose response was not read to its end:
    the next session gets its own answer on a new connection, not the
    rest of the body."""
    server = recorder(_big_or_ok)
    with Session(server.url(), force_noauth=True) as s:
        r = s.get(server.url("/big"), stream=True)
        assert r.raw.read(10) == b"y" * 10
        r.close()
    assert rgl.get(server.url("/ok"), force_noauth=True).content == b"ok"
    assert server.peers[1] != server.peers[0]


def test_a_streamed_body_still_unread_at_close_is_not_handed_on(recorder):
    server = recorder(_big_or_ok)
    r = rgl.get(server.url("/big"), force_noauth=True, stream=True)
    assert rgl.get(server.url("/ok"), force_noauth=True).content == b"ok"
    assert r.content == BIG  # still readable after its session closed
    assert server.peers[1] != server.peers[0]


def test_an_error_body_read_in_part_leaves_nothing_for_the_next_session(
    recorder, short_error_reads
):
    server = recorder(_big_or_ok)
    with pytest.raises(requests.HTTPError):
        rgl.get(server.url("/error"), force_noauth=True)
    assert rgl.get(server.url("/ok"), force_noauth=True).content == b"ok"
    assert server.peers[1] != server.peers[0]


def test_after_a_401_the_next_session_sends_and_reads_only_its_own(recorder):
    """A session with a credential gets a 401; the next, without one, is
    answered with its own response and sends nothing of the first's."""
    token = "s3cret-api-key"

    def answer(head: bytes) -> bytes:
        if token.encode() in head:
            return response(401, b"who are you?", {"WWW-Authenticate": "Bearer"})
        return OK

    server = recorder(answer)
    with pytest.raises(requests.HTTPError):
        rgl.get(server.url("/a"), api_key=token)
    r = rgl.get(server.url("/b"), force_noauth=True)
    assert (r.status_code, r.content) == (200, b"ok")
    assert server.saw(token)
    assert token.encode() not in server.heads[-1]
    assert b"Authorization" not in server.heads[-1]


def test_a_connection_idle_past_the_timeout_is_closed_not_reused(recorder):
    server = recorder()
    with time_machine.travel(1_700_000_000, tick=False) as clock:
        rgl.get(server.url("/1"), force_noauth=True)
        clock.shift(warm.IDLE_TIMEOUT - 1)
        rgl.get(server.url("/2"), force_noauth=True)
        assert client_sockets(server.port) == 1
        clock.shift(warm.IDLE_TIMEOUT + 1)
        rgl.get(server.url("/3"), force_noauth=True)
    assert server.peers[0] == server.peers[1] != server.peers[2]
    assert client_sockets(server.port) == 1  # the old one was closed


@pytest.mark.parametrize("how", ["idle timeout", "bound", "cleared"])
def test_a_dropped_warm_connection_closes_while_its_response_is_kept(recorder, how):
    """Scripts keep their responses (and an exception keeps its own): a
    warm connection dropped is closed at once, not when every response
    that came over it has been collected."""
    server = recorder()
    kept = []
    with time_machine.travel(1_700_000_000, tick=False) as clock:
        kept.append(rgl.get(server.url("/1"), force_noauth=True))
        assert client_sockets(server.port) == 1
        if how == "idle timeout":
            clock.shift(warm.IDLE_TIMEOUT + 1)
            kept.append(rgl.get(server.url("/2"), force_noauth=True))
        elif how == "bound":
            for size in range(2, warm.MAX_IDLE_MANAGERS + 2):
                kept.append(
                    rgl.get(server.url("/2"), force_noauth=True, pool_maxsize=size)
                )
        else:
            warm.clear_idle()
    first = server.peers[0]
    assert first not in server.peers[1:]
    # The first connection is closed: what is open is what is kept warm.
    expected = {"idle timeout": 1, "bound": warm.MAX_IDLE_MANAGERS, "cleared": 0}
    assert client_sockets(server.port) == expected[how]


def test_the_sessions_kept_warm_are_bounded(recorder):
    """Sessions with more distinct settings than are kept: the least
    recently closed ones' connections are closed."""
    server = recorder()
    count = warm.MAX_IDLE_MANAGERS + 4
    for size in range(1, count + 1):
        rgl.get(server.url("/x"), force_noauth=True, pool_maxsize=size)
    assert client_sockets(server.port) == warm.MAX_IDLE_MANAGERS
    rgl.get(server.url("/x"), force_noauth=True, pool_maxsize=1)  # evicted
    rgl.get(server.url("/x"), force_noauth=True, pool_maxsize=count)  # kept
    assert server.peers[count] not in server.peers[:count]
    assert server.peers[count + 1] == server.peers[count - 1]


def test_threads_of_one_shot_calls_neither_wait_nor_discard(recorder, caplog):
    """16 threads looping over one-shot calls: each session has a whole
    pool of its own (no "Connection pool is full"), and connections are
    reused across the loop."""
    caplog.set_level(logging.WARNING, logger="urllib3")
    server = recorder()
    errors: list[BaseException] = []

    def loop() -> None:
        try:
            for _ in range(5):
                assert rgl.get(server.url("/x"), force_noauth=True).text == "ok"
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=loop) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert len(server.peers) == 80
    assert len(set(server.peers)) <= 16 + warm.MAX_IDLE_MANAGERS
    assert len(set(server.peers)) < 80
    assert "Connection pool is full" not in caplog.text
    assert client_sockets(server.port) <= warm.MAX_IDLE_MANAGERS
