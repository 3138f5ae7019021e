"""session.close() releases every socket at once: SessionCloseMixin."""

from __future__ import annotations

import pytest
import requests
from fault_server import client_sockets

from requests_gracedb_like import Session, SessionCloseMixin, retry


class CloseOnly(SessionCloseMixin, requests.Session):
    pass


def _session_without_warm_connections() -> Session:
    # (with them, close() keeps the socket for the next session:
    # tests/hostile/test_warm_pool.py)
    return Session(warm_connections=False)


@pytest.mark.parametrize("cls", [CloseOnly, _session_without_warm_connections])
def test_close_after_a_failure_releases_the_pooled_socket(
    fault_server, monkeypatch, cls
):
    monkeypatch.setattr(retry, "_sleep", lambda seconds: None)  # no backoff
    s = cls()
    s.get(fault_server.url("ok"), timeout=1)
    # a failure leaves the pool in a reference cycle (through the traceback)
    with pytest.raises(requests.ConnectionError):
        s.get(fault_server.url("garbage"), timeout=1)
    s.get(fault_server.url("ok"), timeout=1)
    assert client_sockets(fault_server.port) == 1
    s.close()
    assert client_sockets(fault_server.port) == 0


def test_session_still_usable_after_close_reopens_pools(fault_server):
    # as with plain requests, a closed session opens new pools on demand
    with CloseOnly() as s:
        s.get(fault_server.url("ok"), timeout=1)
    assert s.get(fault_server.url("ok"), timeout=1).json()["ok"] is True
    s.close()
    assert client_sockets(fault_server.port) == 0
