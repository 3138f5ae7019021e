"""The token cache: private, atomic, and never shown."""

from __future__ import annotations

import json
import os
import stat
import threading

import pytest

from requests_gracedb_like.credentials.oidc.cache import TokenCache, Tokens
from requests_gracedb_like.exceptions import CredentialError


def tokens(**changes):
    base = Tokens(
        "https://idp.example",
        "client",
        "ACCESS-SECRET",
        "REFRESH-SECRET",
        expires_at=2_000_000_000,
        obtained_at=1_999_999_000,
        scope="openid",
    )
    return base._replace(**changes)


def test_write_read_round_trip_private(env):
    cache = TokenCache("https://idp.example", "client")
    assert cache.read() is None
    cache.write(tokens())
    assert cache.read() == tokens()
    assert stat.S_IMODE(os.stat(cache.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(cache.directory).st_mode) == 0o700
    assert cache.path.startswith(str(env.home / ".cache" / "requests_gracedb_like"))
    # no temporary file is left behind
    assert os.listdir(cache.directory) == [os.path.basename(cache.path)]


def test_one_file_per_issuer_and_client(env):
    paths = {
        TokenCache(i, c).path
        for i in ("https://a.example", "https://b.example")
        for c in ("x", "y")
    }
    assert len(paths) == 4


def test_nothing_secret_in_repr():
    text = repr(tokens()) + repr(TokenCache("https://idp.example", "client"))
    assert "SECRET" not in text
    assert "https://idp.example" in text


def test_readable_by_others_is_refused(env):
    cache = TokenCache("https://idp.example", "client")
    cache.write(tokens())
    os.chmod(cache.path, 0o644)
    with pytest.raises(CredentialError, match="chmod 600") as raised:
        cache.read()
    assert "SECRET" not in str(raised.value)


@pytest.mark.parametrize("content", ["", "{", "[]", '{"format": 1}', '{"x": "SECRET"}'])
def test_malformed_cache_is_named_not_quoted(env, content):
    cache = TokenCache("https://idp.example", "client")
    cache.write(tokens())
    with open(cache.path, "w") as f:
        f.write(content)
    with pytest.raises(CredentialError, match="malformed; log in again") as raised:
        cache.read()
    assert cache.path in str(raised.value)
    assert "SECRET" not in str(raised.value)


def test_remove(env):
    cache = TokenCache("https://idp.example", "client")
    cache.write(tokens())
    assert cache.remove() is True
    assert cache.remove() is False
    assert cache.read() is None


# -- hostile caches: each is refused with a message naming the path and the
# -- fix, at once, never followed, never read without bound


def test_a_cache_that_is_a_symbolic_link_is_refused(env, tmp_path):
    cache = TokenCache("https://idp.example", "client")
    elsewhere = tmp_path / "planted.json"  # tokens someone else chose
    elsewhere.write_text(json.dumps(tokens().to_dict()))
    elsewhere.chmod(0o600)
    os.makedirs(cache.directory, mode=0o700)
    os.symlink(elsewhere, cache.path)
    with pytest.raises(CredentialError, match="symbolic link") as raised:
        cache.read()
    message = str(raised.value)
    assert cache.path in message
    assert "remove the link and log in again" in message
    assert "SECRET" not in message


def test_a_cache_that_is_a_fifo_does_not_hang(env):
    cache = TokenCache("https://idp.example", "client")
    os.makedirs(cache.directory, mode=0o700)
    os.mkfifo(cache.path, 0o600)
    outcome = []

    def read():
        try:
            cache.read()
        except CredentialError as exc:
            outcome.append(str(exc))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(10)
    assert not reader.is_alive()
    (message,) = outcome
    assert cache.path in message
    assert "FIFO" in message


def test_a_huge_cache_is_refused_without_reading_it(env):
    cache = TokenCache("https://idp.example", "client")
    cache.write(tokens())
    with open(cache.path, "r+b") as f:
        f.truncate(1 << 30)  # sparse: 1 GiB that costs no disk
    with pytest.raises(CredentialError, match="larger than") as raised:
        cache.read()
    assert cache.path in str(raised.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("refresh_token", 12345),
        ("scope", ["openid"]),
        ("token_endpoint", {"url": "https://idp.example/token"}),
        ("client_secret", True),
        ("expires_at", "soon"),
        ("expires_at", True),
        ("obtained_at", [1]),
        ("expires_at", float("nan")),
        ("expires_at", float("inf")),
        ("refresh_sent_at", "yesterday"),
    ],
)
def test_a_field_of_the_wrong_type_is_malformed(env, field, value):
    cache = TokenCache("https://idp.example", "client")
    cache.write(tokens())
    data = tokens().to_dict()
    data[field] = value
    with open(cache.path, "w") as f:
        json.dump(data, f)
    with pytest.raises(CredentialError, match="malformed; log in again") as raised:
        cache.read()
    assert cache.path in str(raised.value)
    assert "SECRET" not in str(raised.value)


def test_a_directory_others_may_write_is_refused(env):
    cache = TokenCache("https://idp.example", "client")
    cache.write(tokens())
    os.chmod(cache.directory, 0o777)  # noqa: S103 - the hostile case
    for use in (cache.read, lambda: cache.write(tokens()), cache.lock().__enter__):
        with pytest.raises(CredentialError) as raised:
            use()
        message = str(raised.value)
        assert cache.directory in message
        assert "may be written by others (mode 777)" in message
        assert f"chmod 700 {cache.directory}" in message
    os.chmod(cache.directory, 0o700)
    assert cache.read() == tokens()


def test_a_lock_file_that_is_a_link_creates_nothing_elsewhere(env, tmp_path):
    cache = TokenCache("https://idp.example", "client")
    cache.write(tokens())
    target = tmp_path / "created-elsewhere"
    os.symlink(target, cache.path + ".lock")
    with pytest.raises(CredentialError) as raised, cache.lock():
        pass
    assert cache.path + ".lock" in str(raised.value)
    assert not target.exists()


def test_a_session_skips_a_hostile_cache_and_says_why(env, monkeypatch):
    from requests_gracedb_like import Session
    from requests_gracedb_like.exceptions import CredentialWarning

    url = "https://gracedb.example.org/api/"
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_ISSUER", "https://idp.example")
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_ID", "client")
    cache = TokenCache("https://idp.example", "client")
    cache.write(tokens())
    os.chmod(cache.directory, 0o757)  # noqa: S103 - the hostile case
    with pytest.warns(CredentialWarning, match="chmod 700") as caught:
        session = Session(url)
    with session:
        assert session.auth_source is None
    assert cache.directory in str(caught[0].message)
