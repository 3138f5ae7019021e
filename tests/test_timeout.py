"""A finite default timeout: SessionTimeoutMixin, against a server that
accepts connections and never answers."""

from __future__ import annotations

import math
import pickle
import socket
import threading
import time

import pytest
import requests
import requests_mock

from requests_gracedb_like import Session, SessionTimeoutMixin
from requests_gracedb_like.timeout import DEFAULT_TIMEOUT


class TimeoutOnly(SessionTimeoutMixin, requests.Session):
    pass


@pytest.fixture
def stalled_server():
    """The URL of a loopback socket that completes TCP handshakes (the
    kernel does, from the listen backlog) but never reads or answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/", listener


def test_stalled_server_times_out_in_about_the_configured_time(stalled_server):
    url, _ = stalled_server
    with Session(timeout=0.3, force_noauth=True) as s:
        start = time.monotonic()
        with pytest.raises(requests.exceptions.ReadTimeout):
            s.get(url)
        elapsed = time.monotonic() - start
    # Retried read timeouts would take 4 x 0.3 s plus backoff.
    assert 0.3 <= elapsed < 1.2


def test_mixin_alone_applies_its_timeout(stalled_server):
    url, _ = stalled_server
    with TimeoutOnly(timeout=(5, 0.2)) as s:
        start = time.monotonic()
        with pytest.raises(requests.Timeout):
            s.get(url)
    assert time.monotonic() - start < 1.2


def test_timeout_none_per_request_waits_past_session_timeout(stalled_server):
    url, listener = stalled_server
    outcome = []

    def call():
        try:
            s.get(url, timeout=None)
        except requests.RequestException as exc:
            outcome.append(exc)

    with Session(timeout=0.1, retries=0, force_noauth=True) as s:
        thread = threading.Thread(target=call)
        thread.start()
        thread.join(0.5)
        still_waiting = thread.is_alive()
        listener.close()  # resets the queued connection: the call returns
        thread.join(5)
    assert still_waiting
    assert not thread.is_alive()
    assert not isinstance(outcome[0], requests.Timeout)


@pytest.mark.parametrize(
    ("session_kwargs", "call_kwargs", "sent"),
    [
        ({}, {}, DEFAULT_TIMEOUT),
        ({"timeout": 7}, {}, 7.0),
        ({"timeout": (3, 30)}, {}, (3.0, 30.0)),
        ({"timeout": [3, None]}, {}, (3.0, None)),
        ({"timeout": None}, {}, None),
        ({"timeout": 7}, {"timeout": 2}, 2),
        ({"timeout": 7}, {"timeout": None}, None),
    ],
)
def test_timeout_reaching_transport(session_kwargs, call_kwargs, sent):
    with requests_mock.Mocker() as m, TimeoutOnly(**session_kwargs) as s:
        m.get("https://h.example/", text="ok")
        s.get("https://h.example/", **call_kwargs)
        assert m.last_request.timeout == sent


def test_positional_timeout_is_honoured():
    with requests_mock.Mocker() as m, Session(timeout=7, force_noauth=True) as s:
        m.get("https://h.example/", text="ok")
        # method, url, params, data, headers, cookies, files, auth, timeout
        s.request("GET", "https://h.example/", None, None, None, None, None, None, 4)
        assert m.last_request.timeout == 4


def test_session_timeout_can_be_reassigned():
    with requests_mock.Mocker() as m, Session(force_noauth=True) as s:
        m.get("https://h.example/", text="ok")
        s.timeout = 1.5
        s.get("https://h.example/")
        assert m.last_request.timeout == 1.5
        with pytest.raises(ValueError, match="timeout"):
            s.timeout = -1
        assert s.timeout == 1.5


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (-1, ValueError),
        (0, ValueError),
        (math.nan, ValueError),
        (math.inf, ValueError),
        ((1, 2, 3), ValueError),
        ((1, -2), ValueError),
        ("5", TypeError),
        (True, TypeError),
        (("a", 1), TypeError),
        (object(), TypeError),
    ],
)
def test_bad_timeout_is_rejected_at_construction(value, error):
    with pytest.raises(error, match="timeout"):
        Session(timeout=value, force_noauth=True)


def test_unknown_keyword_still_fails_loudly():
    with pytest.raises(TypeError, match="timeuot"):
        Session(timeuot=5)


def test_pickle_keeps_timeout():
    with Session(timeout=(2, 9), force_noauth=True) as s:
        clone = pickle.loads(pickle.dumps(s))
    assert clone.timeout == (2.0, 9.0)


@pytest.mark.parametrize(
    ("options", "sent"), [([], DEFAULT_TIMEOUT), (["--timeout", "2"], 2.0)]
)
def test_command_line_keeps_the_default_timeout(options, sent, capsysbinary):
    from requests_gracedb_like.cli import main

    with requests_mock.Mocker() as m:
        m.get("https://h.example/x", text="ok")
        assert main(["get", "https://h.example/x", "--no-auth", *options]) == 0
        assert m.last_request.timeout == sent
