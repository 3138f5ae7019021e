"""The OIDC login source in discovery: its place, and its reasons."""

from __future__ import annotations

import os

import pytest

from requests_gracedb_like import Session
from requests_gracedb_like.credentials.oidc.cache import TokenCache, Tokens
from requests_gracedb_like.credentials.sources import SOURCES
from requests_gracedb_like.exceptions import CredentialWarning

URL = "https://gracedb.example.org/api/"


@pytest.fixture
def configured(monkeypatch):
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_ISSUER", "https://idp.example")
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_ID", "client")
    return TokenCache("https://idp.example", "client")


def attempt(session):
    (found,) = [a for a in session.auth_discovery.attempts if a.source == "OIDC login"]
    return found


def test_place_in_the_order():
    names = [s.name for s in SOURCES]
    assert names.index("_CONDOR_CREDS") < names.index("OIDC login")
    assert names.index("OIDC login") < names.index("XDG_RUNTIME_DIR")


def test_not_configured():
    with Session(URL) as s:
        assert attempt(s).reason == "no OIDC issuer configured for this URL"


def test_configured_but_not_logged_in_says_how(configured):
    with Session(URL) as s:
        found = attempt(s)
    assert found.status == "absent"
    assert f"run 'requests-gracedb-like login {URL}'" in found.reason
    assert found.location == configured.path


def test_logged_in_wins_over_the_runtime_token_file(configured, env):
    env.write_runtime_token("runtime-token")
    configured.write(Tokens("https://idp.example", "client", "oidc-token", "r"))
    with Session(URL) as s:
        assert s.auth.token == "oidc-token"
        assert s.auth_source == f"OIDC login ({configured.path})"


def test_token_false_disables_it(configured):
    configured.write(Tokens("https://idp.example", "client", "oidc-token", "r"))
    with Session(URL, token=False) as s:
        assert attempt(s).status == "disabled"


def test_expired_without_refresh_token_is_skipped(configured):
    configured.write(
        Tokens("https://idp.example", "client", "oidc-token", None, expires_at=1.0)
    )
    with Session(URL) as s:
        assert attempt(s).status == "expired"
        assert "log in again" in attempt(s).reason


def test_cache_readable_by_others_is_skipped_with_a_warning(configured):
    configured.write(Tokens("https://idp.example", "client", "oidc-token", "r"))
    os.chmod(configured.path, 0o640)
    with pytest.warns(CredentialWarning, match="chmod 600"):
        s = Session(URL)
    assert attempt(s).status == "insecure permissions"
    assert s.auth_source is None
    s.close()


def test_cli_auth_lists_the_source(configured, capsys):
    from requests_gracedb_like.cli import main

    configured.write(Tokens("https://idp.example", "client", "oidc-token", "r"))
    assert main(["auth", URL]) == 0
    out = capsys.readouterr().out
    assert "OIDC login" in out
    assert "oidc-token" not in out
