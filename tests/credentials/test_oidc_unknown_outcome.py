"""A refresh whose answer never arrives may have spent the refresh token: it
is never sent again, by any path, and the user is told once what to do.

Against the real provider process, which rotates refresh tokens and revokes
the whole family when one is used twice.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests
import time_machine
from oidc_helpers import cache_of, device_login

from requests_gracedb_like import Session
from requests_gracedb_like.credentials.oidc.auth import RETRY_AFTER, _stamp
from requests_gracedb_like.exceptions import LoginRequiredError

pytest.importorskip("authlib")

LIFETIME = 120
#: The client's timeout to the provider (REQUESTS_GRACEDB_LIKE_OIDC_TIMEOUT).
TIMEOUT = 0.5
#: What the warning says happened, for each way of losing the answer.
LOST = {
    "hang": "did not answer in time",
    "drop": "closed the connection before answering",
}


@pytest.fixture
def api(oidc_provider, service, monkeypatch):
    oidc_provider.configure(access_lifetime=LIFETIME)
    service.accept_issuer(oidc_provider.issuer)
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_TIMEOUT", str(TIMEOUT))
    return service.url_for("api/")


def lose_the_next_answer(provider, how):
    if how == "hang":
        # The provider carries the refresh out after the client gave up.
        provider.configure(refresh_delay=TIMEOUT * 4)
    else:
        provider.configure(drop_refresh_answers=1)


def warnings_about(caplog, text):
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and text in r.getMessage()
    ]


CHILD = """
import logging, sys
from requests_gracedb_like import Session
logging.basicConfig(level=logging.WARNING)
url = sys.argv[1]
with Session(url, raise_for_status=False) as s:
    print(s.get(url).status_code)
"""


@pytest.mark.parametrize("how", ["hang", "drop"])
def test_refresh_token_is_never_sent_twice(
    monkeypatch, oidc_provider, api, service, caplog, how
):
    device_login(monkeypatch, oidc_provider, api)
    lose_the_next_answer(oidc_provider, how)
    with time_machine.travel(time.time(), tick=False) as clock, Session(api) as s:
        token, expiry = s.auth.token, s.expiry
        clock.shift(LIFETIME / 2 + 1)
        with caplog.at_level(logging.WARNING):
            # the access token is still good: the request goes through
            assert s.get(api).status_code == 200
            assert oidc_provider.refreshes == 1
            # not after the pause that follows an unreachable provider
            clock.shift(RETRY_AFTER + 1)
            assert s.get(api).status_code == 200
            # not from another thread
            seen = []
            thread = threading.Thread(target=lambda: seen.append(s.get(api)))
            thread.start()
            thread.join(30)
            assert [r.status_code for r in seen] == [200]
            # not by the 401 replay
            service.revoke_token(token)
            with pytest.raises(requests.HTTPError) as refused:
                s.get(api)
            assert refused.value.response.status_code == 401
            assert s.auth.token == token
            # not by another process sharing the cache
            child = subprocess.run(
                [sys.executable, "-c", CHILD, api],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert child.stdout.strip() == "401"
            assert "its answer never arrived" in child.stderr
            assert f"requests-gracedb-like login {api}" in child.stderr
            assert oidc_provider.refreshes == 1
        (message,) = warnings_about(caplog, LOST[how])  # said once
        assert oidc_provider.issuer in message
        assert f"stays usable until it expires at {_stamp(expiry)}" in message
        assert f"log in again before then: requests-gracedb-like login {api}" in (
            message
        )
        assert token not in message
        clock.shift(LIFETIME)
        with pytest.raises(LoginRequiredError) as raised:
            s.get(api)
    text = str(raised.value)
    assert oidc_provider.issuer in text
    assert LOST[how] in text
    assert f"log in again: requests-gracedb-like login {api}" in text
    assert oidc_provider.refreshes == 1
    assert oidc_provider.stats()["refresh_token_reuse"] == 0


def test_expiry_is_judged_on_the_clock_after_the_refresh(
    monkeypatch, oidc_provider, api, service, caplog
):
    """The token still had a moment to live when the refresh started, and
    none when it gave up: no expired token is sent, the user is told to
    log in again."""
    device_login(monkeypatch, oidc_provider, api)
    lose_the_next_answer(oidc_provider, "hang")
    with time_machine.travel(time.time(), tick=True) as clock, Session(api) as s:
        expiry = s.expiry
        service.clear()
        clock.move_to(expiry - TIMEOUT / 2)
        with (
            caplog.at_level(logging.WARNING),
            pytest.raises(LoginRequiredError) as raised,
        ):
            s.get(api)
        assert time.time() >= expiry
    assert service.requests == []  # the expired token was not sent
    text = str(raised.value)
    assert f"the access token expired at {_stamp(expiry)}" in text
    assert f"log in again: requests-gracedb-like login {api}" in text
    assert "until it expires" not in caplog.text
    assert oidc_provider.refreshes == 1


def test_a_refresh_interrupted_by_a_killed_process_is_not_sent_again(
    monkeypatch, oidc_provider, api, caplog
):
    """A process killed between sending the refresh token and saving the
    answer leaves the mark in the cache: the next process does not send
    the token again."""
    tokens = device_login(monkeypatch, oidc_provider, api)
    cache = cache_of(oidc_provider)
    sent = time.time()
    cache.write(tokens._replace(refresh_sent_at=sent))
    with time_machine.travel(time.time(), tick=False) as clock, Session(api) as s:
        clock.shift(LIFETIME / 2 + 1)
        with caplog.at_level(logging.WARNING):
            assert s.get(api).status_code == 200
            assert s.get(api).status_code == 200
    (message,) = warnings_about(caplog, "its answer never arrived")
    assert f"sent the refresh token at {_stamp(sent)}" in message
    assert oidc_provider.refreshes == 0


def test_a_new_login_ends_the_state(monkeypatch, oidc_provider, api, service):
    device_login(monkeypatch, oidc_provider, api)
    lose_the_next_answer(oidc_provider, "drop")
    with Session(api) as s:
        with time_machine.travel(time.time() + LIFETIME / 2 + 1, tick=False):
            s.get(api)
        assert cache_of(oidc_provider).read().refresh_sent_at is not None
        device_login(monkeypatch, oidc_provider, api)  # in another terminal
        fresh = cache_of(oidc_provider).read().access_token
        with time_machine.travel(time.time() + LIFETIME / 2 + 1, tick=False):
            assert s.get(api).status_code == 200
            assert s.auth.token == fresh
        service.revoke_token(fresh)
        assert s.get(api).status_code == 200  # refreshed again, normally
        assert s.auth.token != fresh
    assert oidc_provider.refreshes == 2
    assert oidc_provider.stats()["refresh_token_reuse"] == 0


class Forwarder:
    """A TCP forwarder on a fixed loopback port, off (connection refused)
    until :meth:`start`."""

    def __init__(self, target: str) -> None:
        host, port = target.rsplit("/", 1)[-1].split(":")
        self.target = (host, int(port))
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()  # nothing listens there: connections are refused
        self.listener = None

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()


def test_a_refresh_that_was_never_sent_is_tried_again(
    monkeypatch, oidc_provider, api, caplog
):
    """Connection refused: the provider cannot have seen the refresh
    token, so the session tries again after the pause."""
    tokens = device_login(monkeypatch, oidc_provider, api)
    forwarder = Forwarder(oidc_provider.issuer)
    cache = cache_of(oidc_provider)
    cache.write(
        tokens._replace(token_endpoint=f"http://127.0.0.1:{forwarder.port}/token")
    )
    try:
        with time_machine.travel(time.time(), tick=False) as clock, Session(api) as s:
            token = s.auth.token
            clock.shift(LIFETIME / 2 + 1)
            with caplog.at_level(logging.WARNING):
                assert s.get(api).status_code == 200
            assert "unreachable" in caplog.text
            assert "log in again" not in caplog.text
            assert cache.read().refresh_sent_at is None  # others may try
            forwarder.start()
            clock.shift(RETRY_AFTER + 1)
            assert s.get(api).status_code == 200
            assert s.auth.token != token
    finally:
        forwarder.close()
    assert oidc_provider.refreshes == 1
    assert oidc_provider.stats()["refresh_token_reuse"] == 0


def test_a_503_is_not_an_unknown_outcome():
    """No refresh token is marked spent by an answer that says the request
    was not handled."""
    from requests_gracedb_like.credentials.oidc._client import (
        OutcomeUnknownError,
        provider_errors,
    )
    from requests_gracedb_like.exceptions import ProviderUnreachableError

    def answer(code):
        response = requests.Response()
        response.status_code = code
        raise requests.HTTPError(response=response)

    with (
        pytest.raises(ProviderUnreachableError) as raised,
        provider_errors("https://idp.example", "refresh"),
    ):
        answer(503)
    assert not isinstance(raised.value, OutcomeUnknownError)
    for code in (500, 502, 504):
        with (
            pytest.raises(OutcomeUnknownError, match=f"HTTP {code}"),
            provider_errors("https://idp.example", "refresh"),
        ):
            answer(code)
