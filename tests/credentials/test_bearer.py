"""Bearer-token auth objects, and reloading before expiry."""

from __future__ import annotations

import logging
import os
import pickle
import threading

import pytest
import time_machine
from requests import PreparedRequest

from requests_gracedb_like.credentials.bearer import (
    BearerTokenAuth,
    ReloadingTokenFileAuth,
    TokenFileAuth,
)
from requests_gracedb_like.exceptions import CredentialError
from requests_gracedb_like.scitoken import SciTokenAuth, SciTokenReloadingAuth
from requests_gracedb_like.testing import make_jwt

T0 = 1_900_000_000


def header(auth) -> str:
    r = PreparedRequest()
    r.prepare(method="GET", url="https://h.example/", auth=auth)
    return r.headers["Authorization"]


def replace(path, text):
    """Rotate a token file atomically, as token daemons do."""
    tmp = path.with_suffix(".new")
    tmp.write_text(text)
    os.replace(tmp, path)


def test_bearer_header_and_repr():
    auth = BearerTokenAuth("  tok123 \n", source="test")
    assert header(auth) == "Bearer tok123"
    assert "tok123" not in repr(auth) + str(auth)
    assert auth == BearerTokenAuth("tok123")
    assert auth != BearerTokenAuth("other")


def test_token_file_read_once(make_token):
    path = make_token()
    auth = TokenFileAuth(path)
    first = header(auth)
    replace(path, make_jwt({"sub": "new"}))
    assert header(auth) == first
    auth.refresh()
    assert header(auth) != first


def test_expiry_from_claims(make_token):
    auth = TokenFileAuth(make_token(now=T0, lifetime=600))
    assert auth.expiry == T0 + 600
    assert auth.claims["iat"] == T0


def test_reload_only_after_window_opens(tmp_path):
    path = tmp_path / "tok"
    path.write_text(make_jwt(now=T0, lifetime=3600))
    with time_machine.travel(T0, tick=False) as clock:
        auth = ReloadingTokenFileAuth(path, reload_timeout=300)
        first = header(auth)
        replace(path, make_jwt({"n": 2}, now=T0 + 10, lifetime=3600))
        clock.move_to(T0 + 3600 - 301)
        assert header(auth) == first
        assert not auth.expired()
        clock.move_to(T0 + 3600 - 300)
        assert auth.expired()
        second = header(auth)
        assert second != first
        assert not auth.expired()
        assert auth.claims["n"] == 2


def test_no_file_access_before_window(tmp_path, monkeypatch):
    path = tmp_path / "tok"
    path.write_text(make_jwt(now=T0, lifetime=3600))
    with time_machine.travel(T0, tick=False):
        auth = ReloadingTokenFileAuth(path)
        calls = []
        monkeypatch.setattr(os, "stat", lambda *a, **k: calls.append(a))
        for _ in range(100):
            header(auth)
    assert calls == []


def test_half_written_file_keeps_last_good_token(tmp_path):
    path = tmp_path / "tok"
    path.write_text(make_jwt(now=T0, lifetime=600))
    with time_machine.travel(T0, tick=False) as clock:
        auth = ReloadingTokenFileAuth(path, reload_timeout=300)
        good = header(auth)
        clock.move_to(T0 + 400)
        path.write_text("")
        assert header(auth) == good
        path.write_text(make_jwt()[:20])  # truncated: not a JWT
        assert header(auth) == good
        replace(path, make_jwt({"n": 3}, now=T0 + 400, lifetime=600))
        assert header(auth) != good


def test_truly_expired_without_replacement_raises_naming_file(tmp_path):
    path = tmp_path / "tok"
    token = make_jwt(now=T0, lifetime=600)
    path.write_text(token)
    with time_machine.travel(T0, tick=False) as clock:
        auth = ReloadingTokenFileAuth(path, reload_timeout=300)
        clock.move_to(T0 + 600)
        with pytest.raises(CredentialError) as info:
            header(auth)
    assert str(path) in str(info.value)
    assert token not in str(info.value)


def test_expired_and_file_deleted_raises(tmp_path):
    path = tmp_path / "tok"
    path.write_text(make_jwt(now=T0, lifetime=600))
    with time_machine.travel(T0, tick=False) as clock:
        auth = ReloadingTokenFileAuth(path)
        path.unlink()
        clock.move_to(T0 + 500)
        header(auth)  # in the window, before expiry: last good token
        clock.move_to(T0 + 601)
        with pytest.raises(CredentialError, match="No such file"):
            header(auth)


def test_opaque_token_reread_when_file_changes(tmp_path):
    path = tmp_path / "tok"
    path.write_text("opaque-one")
    auth = ReloadingTokenFileAuth(path)
    assert header(auth) == "Bearer opaque-one"
    assert header(auth) == "Bearer opaque-one"
    replace(path, "opaque-two")
    assert header(auth) == "Bearer opaque-two"


def test_threads_reload_once_per_rotation(tmp_path, monkeypatch, caplog):
    path = tmp_path / "tok"
    path.write_text(make_jwt(now=T0, lifetime=600))
    reads = []
    import requests_gracedb_like.credentials.bearer as bearer

    real = bearer.read_token_file

    def counting(p):
        reads.append(p)
        return real(p)

    monkeypatch.setattr(bearer, "read_token_file", counting)
    with time_machine.travel(T0, tick=False) as clock:
        auth = ReloadingTokenFileAuth(path, reload_timeout=300)
        new = make_jwt({"n": 2}, now=T0 + 350, lifetime=600)
        replace(path, new)
        clock.move_to(T0 + 350)
        barrier = threading.Barrier(16)
        seen = set()

        def worker():
            barrier.wait()
            for _ in range(50):
                seen.add(header(auth))

        threads = [threading.Thread(target=worker) for _ in range(16)]
        with caplog.at_level(logging.DEBUG, logger="requests_gracedb_like"):
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    assert seen == {f"Bearer {new}"}
    assert len(reads) == 2  # the first read, then one per rotation
    assert "reloaded bearer token" in caplog.text
    assert new not in caplog.text


def test_reloading_auth_pickles(make_token):
    auth = ReloadingTokenFileAuth(make_token(), reload_timeout=10)
    clone = pickle.loads(pickle.dumps(auth))
    assert clone == auth
    assert header(clone) == header(auth)


def test_scitoken_names_for_compatibility(make_token):
    path = make_token()
    assert header(SciTokenAuth(path)) == header(TokenFileAuth(path))
    assert SciTokenReloadingAuth(path).reload_timeout == 0


@pytest.mark.parametrize("bad", ["-1", None, float("nan")])
def test_reload_timeout_validation(make_token, bad):
    value = float(bad) if isinstance(bad, str) else bad
    with pytest.raises((TypeError, ValueError), match="auth_reload_timeout"):
        ReloadingTokenFileAuth(make_token(), value)


def test_new_token_file_auth_reads_again_whenever_the_file_changes(tmp_path):
    path = tmp_path / "token"
    path.write_text("first-token\n")
    path.chmod(0o600)
    assert TokenFileAuth(path).token == "first-token"
    before = os.stat(path)
    # Same size, and the modification time put back: still seen (the
    # status-change time moved).
    path.write_text("other-token\n")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert TokenFileAuth(path).token == "other-token"
    # Replaced by another file (another inode).
    new = tmp_path / "new"
    new.write_text("third-token\n")
    new.chmod(0o600)
    os.replace(new, path)
    assert TokenFileAuth(path).token == "third-token"
    assert TokenFileAuth(path).token == "third-token"


def test_unreadable_token_file_raises_for_every_new_auth(tmp_path):
    path = tmp_path / "token"
    path.write_text("")
    path.chmod(0o600)
    for _ in range(2):
        with pytest.raises(CredentialError, match="empty"):
            TokenFileAuth(path)
    path.write_text("good-token")
    assert TokenFileAuth(path).token == "good-token"
    path.unlink()
    with pytest.raises(FileNotFoundError):
        TokenFileAuth(path)


def test_token_file_others_may_read_warns_every_time(tmp_path):
    from requests_gracedb_like.exceptions import CredentialWarning

    path = tmp_path / "token"
    path.write_text("shared-token\n")
    path.chmod(0o644)
    for _ in range(2):
        with pytest.warns(CredentialWarning, match="can be read by others"):
            assert TokenFileAuth(path).token == "shared-token"
