"""Interoperability: log in and refresh against oidc-provider-mock, an OIDC
provider written by others (a Flask application), run as its own process
on 127.0.0.1. It knows the authorization-code and refresh grants, and
takes any client with any secret."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time

import pytest
import requests
import time_machine

from requests_gracedb_like import Session
from requests_gracedb_like.credentials.oidc import BROWSER, login
from requests_gracedb_like.credentials.oidc.cache import TokenCache
from requests_gracedb_like.testing.service import FakeService

pytest.importorskip("authlib")
if importlib.util.find_spec("oidc_provider_mock") is None:  # Python >= 3.10
    pytest.skip("oidc-provider-mock is not installed", allow_module_level=True)

pytestmark = pytest.mark.enable_socket

LIFETIME = 120


@pytest.fixture
def mock_provider():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-W",
            "ignore",
            "-m",
            "oidc_provider_mock",
            "--port",
            str(port),
            "--token-max-age",
            str(LIFETIME),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)  # the process is starting; nothing to freeze
        yield issuer
    finally:
        process.kill()
        process.wait()


def sign_in_as_alice(url):
    """The user's browser: the provider's form, submitted for "alice"."""
    requests.post(url, data={"sub": "alice"}, timeout=10)


def test_browser_login_then_session_refresh(monkeypatch, mock_provider):
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_ISSUER", mock_provider)
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_ID", "gracedb-cli")
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_SECRET", "not-so-secret")
    with FakeService(require_auth=False) as service:
        api = service.url_for("api/")
        first = login(
            api, flow=BROWSER, echo=lambda t: None, open_browser=sign_in_as_alice
        )
        assert first.refresh_token
        assert "not-so-secret" not in repr(first)
        with time_machine.travel(time.time(), tick=False) as clock, Session(api) as s:
            s.get(api)
            report = str(s.describe_auth())
            clock.shift(LIFETIME / 2 + 1)
            s.get(api)
        sent = [r.headers["Authorization"] for r in service.requests]
    assert "client_secret set (from REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_SECRET)" in report
    assert "not-so-secret" not in report
    cached = TokenCache(mock_provider, "gracedb-cli").read()
    assert sent == [f"Bearer {first.access_token}", f"Bearer {cached.access_token}"]
    assert cached.access_token != first.access_token
    # this provider does not rotate refresh tokens: the one we have is kept
    assert cached.refresh_token == first.refresh_token
