"""A session refreshes the access token of an OIDC login by itself: before
it expires, once after a 401, once for all threads and processes, and says
clearly when it cannot."""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
import threading
import time

import pytest
import time_machine
from oidc_helpers import cache_of, configure, device_login

from requests_gracedb_like import Session
from requests_gracedb_like.credentials.oidc import OIDCTokenAuth, login
from requests_gracedb_like.exceptions import (
    LoginRequiredError,
    ProviderUnreachableError,
)

pytest.importorskip("authlib")

# Access tokens live 120 s; a session refreshes at half that (the default
# auth_reload_timeout, 300 s, is longer than the token's life).
LIFETIME = 120


@pytest.fixture
def api(oidc_provider, service):
    oidc_provider.configure(access_lifetime=LIFETIME)
    service.accept_issuer(oidc_provider.issuer)
    return service.url_for("api/")


def token_id(session, url):
    return session.get(url).json()["token_id"]


def test_session_uses_the_login_and_reports_it(monkeypatch, oidc_provider, api):
    tokens = device_login(monkeypatch, oidc_provider, api)
    with Session(api) as s:
        assert isinstance(s.auth, OIDCTokenAuth)
        assert s.auth_source == f"OIDC login ({cache_of(oidc_provider).path})"
        assert s.expiry == pytest.approx(tokens.expires_at)
        assert s.get(api).json()["user"] == "demo-user"
        report = str(s.describe_auth())
    assert (
        f"issuer {oidc_provider.issuer} (from REQUESTS_GRACEDB_LIKE_OIDC_ISSUER)"
        in (report)
    )
    assert "scopes openid offline_access (from default)" in report
    assert tokens.access_token not in report
    assert tokens.refresh_token not in report
    assert tokens.access_token not in repr(s.auth)
    assert tokens.refresh_token not in repr(tokens)


def test_refresh_before_expiry_rotates_and_persists(monkeypatch, oidc_provider, api):
    first = device_login(monkeypatch, oidc_provider, api)
    with time_machine.travel(time.time(), tick=False) as clock, Session(api) as s:
        before = token_id(s, api)
        clock.shift(LIFETIME / 2 - 1)
        assert token_id(s, api) == before
        assert oidc_provider.refreshes == 0
        clock.shift(2)
        after = token_id(s, api)
        assert after != before
        assert oidc_provider.refreshes == 1
        assert s.expiry == pytest.approx(time.time() + LIFETIME)
    cached = cache_of(oidc_provider).read()
    assert cached.refresh_token != first.refresh_token  # rotated, and kept
    assert cached.access_token == s.auth.token
    assert oidc_provider.stats()["refresh_token_reuse"] == 0


def test_a_401_refreshes_once_and_replays(monkeypatch, oidc_provider, api, service):
    device_login(monkeypatch, oidc_provider, api)
    with Session(api) as s:
        old = s.auth.token
        service.revoke_token(old)  # the service stops accepting it early
        answer = s.post(api, data=b"payload")
        assert answer.status_code == 200
        assert s.auth.token != old
    assert oidc_provider.refreshes == 1
    posts = [r for r in service.requests if r.method == "POST"]
    assert [r.body for r in posts] == [b"payload", b"payload"]


def test_threads_refresh_once(monkeypatch, oidc_provider, api):
    device_login(monkeypatch, oidc_provider, api)
    # a slow provider, so that the threads are all waiting for one refresh
    oidc_provider.configure(refresh_delay=0.3)
    seen = []
    with time_machine.travel(time.time() + LIFETIME / 2 + 1), Session(api) as s:

        def work():
            seen.append(token_id(s, api))

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert oidc_provider.refreshes == 1
    assert len(seen) == 8
    assert len(set(seen)) == 1


CHILD = """
import sys, time
from requests_gracedb_like import Session
url, go = sys.argv[1], sys.argv[2]
with Session(url) as s:
    deadline = time.monotonic() + 30
    import os
    while not os.path.exists(go) and time.monotonic() < deadline:
        pass
    print(s.get(url).json()["token_id"])
"""


def test_processes_sharing_a_cache_refresh_once(
    monkeypatch, oidc_provider, api, tmp_path
):
    device_login(monkeypatch, oidc_provider, api)
    cache = cache_of(oidc_provider)
    # Age the cached token: both processes find it due for refresh.
    aged = cache.read()
    now = time.time()
    cache.write(aged._replace(obtained_at=now - 100, expires_at=now + 20))
    oidc_provider.configure(refresh_delay=0.5)
    go = tmp_path / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, api, str(go)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    go.touch()
    outputs = [c.communicate(timeout=60)[0].strip() for c in children]
    assert [c.returncode for c in children] == [0, 0]
    assert oidc_provider.refreshes == 1
    assert outputs[0] == outputs[1]
    assert oidc_provider.stats()["refresh_token_reuse"] == 0


@pytest.mark.parametrize("how", ["revoke", "expire"])
def test_dead_refresh_token_says_to_log_in_again(
    monkeypatch, oidc_provider, api, caplog, how
):
    device_login(monkeypatch, oidc_provider, api)
    if how == "revoke":
        oidc_provider.revoke_refresh_tokens()
    else:
        oidc_provider.expire_refresh_tokens()
    with time_machine.travel(time.time(), tick=False) as clock, Session(api) as s:
        clock.shift(LIFETIME / 2 + 1)
        with caplog.at_level(logging.WARNING):
            assert s.get(api).status_code == 200  # the access token still works
        assert "log in again: requests-gracedb-like login " + api in caplog.text
        clock.shift(LIFETIME)
        with pytest.raises(LoginRequiredError) as raised:
            s.get(api)
    message = str(raised.value)
    assert "expired or was revoked" in message
    assert f"requests-gracedb-like login {api}" in message
    assert oidc_provider.refreshes == 1  # not retried with a dead token


def test_new_login_elsewhere_is_picked_up(monkeypatch, oidc_provider, api):
    device_login(monkeypatch, oidc_provider, api)
    oidc_provider.revoke_refresh_tokens()
    with time_machine.travel(time.time(), tick=False) as clock, Session(api) as s:
        clock.shift(LIFETIME / 2 + 1)
        s.get(api)  # refresh refused: the user is told to log in again
        device_login(monkeypatch, oidc_provider, api)  # in another terminal
        clock.shift(5)
        assert s.get(api).status_code == 200
        assert s.auth.token == cache_of(oidc_provider).read().access_token


def test_provider_down_keeps_the_cached_token_until_it_expires(
    monkeypatch, oidc_provider, api, caplog
):
    device_login(monkeypatch, oidc_provider, api)
    oidc_provider.stop()
    with time_machine.travel(time.time(), tick=False) as clock, Session(api) as s:
        token = s.auth.token
        clock.shift(LIFETIME / 2 + 1)
        with caplog.at_level(logging.WARNING):
            assert s.get(api).status_code == 200
        assert s.auth.token == token
        assert "unreachable" in caplog.text
        assert "using the cached access token until it expires" in caplog.text
        clock.shift(LIFETIME)
        with pytest.raises(ProviderUnreachableError) as raised:
            s.get(api)
    assert oidc_provider.issuer in str(raised.value)
    assert token not in str(raised.value)


def test_session_with_login_pickles(monkeypatch, oidc_provider, api):
    device_login(monkeypatch, oidc_provider, api)
    with Session(api) as s:
        copy = pickle.loads(pickle.dumps(s))
    assert copy.auth == s.auth
    assert copy.get(api).status_code == 200


def test_token_for_another_audience_is_not_sent(monkeypatch, oidc_provider, api):
    oidc_provider.configure(audience="https://other.example")
    device_login(monkeypatch, oidc_provider, api)
    with Session(api) as s:
        (attempt,) = [a for a in s.auth_discovery.attempts if a.source == "OIDC login"]
        assert s.auth_source is None
    assert attempt.status == "wrong audience"
    assert "https://other.example" in attempt.reason


def test_bearer_token_file_is_rewritten_at_each_refresh(
    monkeypatch, oidc_provider, api, env
):
    configure(monkeypatch, oidc_provider)
    oidc_provider.configure(auto_approve=1)
    login(api, echo=print, sleep=lambda s: None, bearer_token_file=True)
    path = env.runtime_dir / f"bt_u{env.uid}"
    with time_machine.travel(time.time(), tick=False) as clock, Session(api) as s:
        assert path.read_text().strip() == s.auth.token
        clock.shift(LIFETIME / 2 + 1)
        s.get(api)
        assert oidc_provider.refreshes == 1
        assert path.read_text().strip() == s.auth.token


def test_tokens_refreshed_while_the_cache_cannot_be_written_are_kept(
    monkeypatch, oidc_provider, api, service
):
    """A refresh whose tokens cannot be saved (a full disk) warns and the
    session keeps them: the provider rotated the refresh token, so the one
    left in the cache is dead. The next refresh uses the kept one and is
    saved."""
    import errno
    import os

    from requests_gracedb_like.credentials.oidc import cache as cache_module
    from requests_gracedb_like.exceptions import CredentialWarning

    device_login(monkeypatch, oidc_provider, api)
    path = cache_of(oidc_provider).path
    real_replace = os.replace

    def disk_full(src, dst, *args, **kwargs):
        if os.fspath(dst) == path:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_replace(src, dst, *args, **kwargs)

    with Session(api) as s:
        first = token_id(s, api)
        monkeypatch.setattr(cache_module.os, "replace", disk_full)
        service.revoke_token(s.auth.token)  # a 401: refresh now
        with pytest.warns(CredentialWarning, match="could not save") as caught:
            second = token_id(s, api)
        assert second != first
        message = str(caught[0].message)
        assert path in message
        assert "No space left on device" in message
        assert s.auth.token not in message
        monkeypatch.setattr(cache_module.os, "replace", real_replace)
        service.revoke_token(s.auth.token)
        third = token_id(s, api)
        assert third not in (first, second)
        assert oidc_provider.refreshes == 2
        kept = s.auth.tokens
    assert oidc_provider.stats()["refresh_token_reuse"] == 0
    cached = cache_of(oidc_provider).read()
    assert cached.refresh_token == kept.refresh_token
    assert cached.access_token == kept.access_token
