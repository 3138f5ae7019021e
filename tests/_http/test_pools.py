"""Pools that do not block keep no placeholders in their queue
(_http/pools.py); connections are reused, bounded and released as with
urllib3's own pools, and a blocking pool still waits."""

from __future__ import annotations

import logging
import threading

from requests_gracedb_like import Session
from requests_gracedb_like._http.adapter import LeanHTTPAdapter


def _connections(server):
    return {seen.connection for seen in server.seen}


def test_sequential_requests_share_one_connection(fault_server):
    with Session(force_noauth=True) as s:
        for _ in range(5):
            assert s.get(fault_server.url("ok")).status_code == 200
    assert len(fault_server.seen) == 5
    assert len(_connections(fault_server)) == 1


def test_a_dropped_connection_is_replaced(fault_server):
    with Session(force_noauth=True) as s:
        s.get(fault_server.url("close-idle"))
        assert fault_server.idle_closed.wait(5)
        s.get(fault_server.url("ok"))
        s.get(fault_server.url("ok"))
    # The connection the server closed was replaced by one, then reused.
    assert len(_connections(fault_server)) == 2


def test_threads_within_the_pool_size_warn_of_nothing(fault_server, caplog):
    errors = []
    with Session(force_noauth=True, pool_maxsize=4, retries=0) as s:

        def work():
            try:
                for _ in range(10):
                    s.get(fault_server.url("ok"))
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        with caplog.at_level(logging.WARNING, logger="urllib3.connectionpool"):
            threads = [threading.Thread(target=work) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    assert not errors
    assert len(fault_server.seen) == 40
    assert len(_connections(fault_server)) <= 4
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]


def test_more_idle_connections_than_the_pool_holds_are_dropped(fault_server, caplog):
    """The pool is full at pool_maxsize idle connections, as urllib3's is:
    a third connection returned to a pool of two is discarded, with
    urllib3's warning."""
    with Session(force_noauth=True, pool_maxsize=2, retries=0) as s:
        responses = [s.get(fault_server.url("ok"), stream=True) for _ in range(3)]
        with caplog.at_level(logging.WARNING, logger="urllib3.connectionpool"):
            for response in responses:
                assert response.content  # read to the end: back to the pool
        assert len(_connections(fault_server)) == 3
        assert [r for r in caplog.records if "pool is full" in r.getMessage()]
        s.get(fault_server.url("ok"))
        s.get(fault_server.url("ok"))
    assert len(_connections(fault_server)) == 3


def test_a_blocking_pool_still_waits_for_its_one_connection(fault_server):
    with Session(force_noauth=True) as s:
        adapter = LeanHTTPAdapter(pool_maxsize=1, pool_block=True)
        s.mount("http://", adapter)

        def work():
            for _ in range(5):
                s.get(fault_server.url("ok"))

        threads = [threading.Thread(target=work) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(fault_server.seen) == 15
    # Never a second connection: each thread waited for the one in use.
    assert len(_connections(fault_server)) == 1
