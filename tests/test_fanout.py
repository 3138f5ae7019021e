"""Many requests at once on one session: SessionMapMixin.map() and
grow_pools(), against a real TLS server on 127.0.0.1 that records which
connection carried each request."""

from __future__ import annotations

import logging
import pickle
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from fault_server import client_sockets

from requests_gracedb_like import Session, SessionMapMixin
from requests_gracedb_like.adapters import DEFAULT_POOL_MAXSIZE
from requests_gracedb_like.fanout import grow_pools

pytestmark = pytest.mark.enable_socket


class MapOnly(SessionMapMixin, requests.Session):
    pass


def _hold_first(server, wave):
    """Answer each request with its path, holding the first `wave` requests
    until that many are in flight at once (so `wave` connections are open
    together: a pool that blocked below it would time the barrier out)."""
    barrier = threading.Barrier(wave, timeout=20)
    count = [0]
    lock = threading.Lock()

    def handler(seen):
        with lock:
            count[0] += 1
            first = count[0] <= wave
        if first:
            barrier.wait()
        return 200, {}, seen.path.encode()

    server.handler = handler


def _fetch(session, server, n, workers):
    urls = [server.url(f"/event/{i}") for i in range(n)]
    return session.map(lambda u: session.get(u).text, urls, max_workers=workers)


def test_more_threads_than_the_pool_keeps_reuse_every_connection(tls_server, caplog):
    workers = DEFAULT_POOL_MAXSIZE + 16
    caplog.set_level(logging.DEBUG, logger="urllib3")
    _hold_first(tls_server, workers)
    with Session(force_noauth=True) as s:
        s.verify = tls_server.ca_file
        bodies = _fetch(s, tls_server, 3 * workers, workers)
        assert s.pool_maxsize == workers
    # In input order, each its own answer.
    assert bodies == [f"/event/{i}" for i in range(3 * workers)]
    assert "Connection pool is full" not in caplog.text
    # All were in flight at once, on as many connections, each kept and
    # reused: no connection was opened beyond one per thread.
    assert len({seen.port for seen in tls_server.log}) == workers


def test_growing_the_pool_closes_the_connections_it_replaces(tls_server):
    """The pool made larger is a new one: the connection of the old one is
    closed at once, even while a response that came over it is kept."""
    with Session(force_noauth=True, pool_maxsize=2) as s:
        s.verify = tls_server.ca_file
        kept = s.get(tls_server.url("/first"))
        assert client_sockets(tls_server.port) == 1
        s.map(s.get, [tls_server.url("/next")] * 8, max_workers=4)
        first = tls_server.log[0].port
        later = {seen.port for seen in tls_server.log[1:]}
        assert first not in later
        assert client_sockets(tls_server.port) == len(later)
    assert kept.text


def test_the_mixin_alone_grows_a_plain_sessions_pool(tls_server, caplog):
    caplog.set_level(logging.WARNING, logger="urllib3")
    _hold_first(tls_server, 16)
    with MapOnly() as s:
        s.verify = tls_server.ca_file
        assert _fetch(s, tls_server, 48, 16)[-1] == "/event/47"
    assert "Connection pool is full" not in caplog.text
    assert len({seen.port for seen in tls_server.log}) == 16


def test_threads_beyond_a_plain_sessions_pool_discard_connections(tls_server, caplog):
    """What map() avoids: requests keeps 10 connections per host."""
    caplog.set_level(logging.WARNING, logger="urllib3")
    _hold_first(tls_server, 16)
    with requests.Session() as s, ThreadPoolExecutor(16) as pool:
        s.verify = tls_server.ca_file
        urls = [tls_server.url(f"/event/{i}") for i in range(48)]
        list(pool.map(lambda u: s.get(u).text, urls))
    assert "Connection pool is full" in caplog.text


def test_a_grown_pool_survives_pickling_and_copies():
    with Session(force_noauth=True) as s:
        assert s.map(str, [1, 2], max_workers=64) == ["1", "2"]
        for copy in (pickle.loads(pickle.dumps(s)), s.with_retries(1)):
            adapter = copy.get_adapter("https://h.example/")
            assert adapter.poolmanager.connection_pool_kw["maxsize"] == 64
            assert copy.pool_maxsize == 64


def test_a_pool_is_never_made_smaller():
    with Session(force_noauth=True, pool_maxsize=100) as s:
        s.map(str, [1], max_workers=4)
        grow_pools(s, 8)
        assert s.pool_maxsize == 100
        adapter = s.get_adapter("https://h.example/")
        assert adapter.poolmanager.connection_pool_kw["maxsize"] == 100


def test_the_first_error_in_input_order_is_raised():
    def check(n):
        if n in (2, 4):
            raise KeyError(n)
        return n

    with MapOnly() as s, pytest.raises(KeyError) as caught:
        s.map(check, range(6), max_workers=3)
    assert caught.value.args == (2,)


def test_several_iterables_are_zipped_as_by_map():
    with MapOnly() as s:
        assert s.map(pow, [2, 3, 4], [1, 2]) == [2, 9]


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "8"])
def test_a_bad_number_of_workers_is_named(bad):
    with MapOnly() as s, pytest.raises(ValueError, match="max_workers must be"):
        s.map(str, [1], max_workers=bad)
