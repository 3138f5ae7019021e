"""The token cache: private, atomic, and never shown."""

from __future__ import annotations

import os
import stat

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
