"""Logging in: the device grant (RFC 8628) and the authorization-code grant
with PKCE through a loopback redirect, against a provider process."""

from __future__ import annotations

import time

import pytest
import requests
import time_machine
from oidc_helpers import cache_of, configure

from requests_gracedb_like.credentials.oidc import BROWSER, login, logout
from requests_gracedb_like.exceptions import (
    ClockSkewWarning,
    LoginDeniedError,
    ProviderError,
    ProviderUnreachableError,
)

pytest.importorskip("authlib")


class Clock:
    """An injected sleep that moves a frozen clock instead of waiting."""

    def __init__(self, traveller):
        self.traveller = traveller
        self.slept: list[float] = []

    def __call__(self, seconds):
        self.slept.append(seconds)
        self.traveller.shift(seconds)


def test_device_login_honours_interval_and_slow_down(monkeypatch, oidc_provider):
    configure(monkeypatch, oidc_provider)
    oidc_provider.configure(slow_down=2, auto_approve=4, interval=5)
    shown: list[str] = []
    with time_machine.travel(time.time(), tick=False) as traveller:
        clock = Clock(traveller)
        tokens = login("https://svc.example/api/", echo=shown.append, sleep=clock)
    # two slow_down answers (+5 s each), one pending, then approved
    assert clock.slept == [5, 10, 15, 15]
    assert oidc_provider.stats()["device_polls"] == 4
    assert shown[0].startswith(f"To log in, open {oidc_provider.issuer}/device ")
    assert "enter the code" in shown[0]
    assert tokens.refresh_token
    assert cache_of(oidc_provider).read() == tokens


def test_device_login_stops_when_the_code_expires(monkeypatch, oidc_provider):
    configure(monkeypatch, oidc_provider)
    oidc_provider.configure(device_expires_in=30, interval=5)
    with time_machine.travel(time.time(), tick=False) as traveller:
        clock = Clock(traveller)
        with pytest.raises(LoginDeniedError, match="expired before it was approved"):
            login("https://svc.example/", echo=lambda t: None, sleep=clock)
    assert sum(clock.slept) <= 30
    assert clock.slept == [5] * 6
    assert cache_of(oidc_provider).read() is None


def test_device_login_denied_by_the_user(monkeypatch, oidc_provider):
    configure(monkeypatch, oidc_provider)
    codes: list[str] = []

    def deny_then_wait(seconds):
        oidc_provider.deny(codes[0])

    def echo(text):
        if "enter the code" in text:
            codes.append(text.rsplit(" ", 1)[1])

    with pytest.raises(LoginDeniedError, match="denied"):
        login("https://svc.example/", echo=echo, sleep=deny_then_wait)
    assert cache_of(oidc_provider).read() is None


def follow(url):
    """The user's browser: follow the provider's redirect to the loopback."""
    requests.get(url, timeout=10)


def test_browser_login_with_pkce(monkeypatch, oidc_provider):
    configure(monkeypatch, oidc_provider)
    shown: list[str] = []
    tokens = login(
        "https://svc.example/", flow=BROWSER, echo=shown.append, open_browser=follow
    )
    assert "code_challenge_method=S256" in shown[0]
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in shown[0]
    assert tokens.refresh_token
    assert oidc_provider.stats()["token:authorization_code"] == 1
    assert cache_of(oidc_provider).read() == tokens


def test_browser_login_denied(monkeypatch, oidc_provider):
    configure(monkeypatch, oidc_provider)
    oidc_provider.configure(deny_authorization=True)
    with pytest.raises(LoginDeniedError, match="denied"):
        login("https://svc.example/", flow=BROWSER, echo=print, open_browser=follow)


def test_logout_revokes_and_forgets(monkeypatch, oidc_provider):
    configure(monkeypatch, oidc_provider)
    oidc_provider.configure(auto_approve=1)
    tokens = login("https://svc.example/", echo=print, sleep=lambda s: None)
    assert logout("https://svc.example/") == (True, True)
    assert cache_of(oidc_provider).read() is None
    assert oidc_provider.stats()["revocations"] == 1
    # the revoked refresh token no longer works at the provider
    from requests_gracedb_like.credentials.oidc.refresh import refresh

    with pytest.raises(Exception, match="log in again"):
        refresh(tokens)
    assert logout("https://svc.example/") == (False, False)


def test_bearer_token_file_follows_refreshes(monkeypatch, oidc_provider, env):
    configure(monkeypatch, oidc_provider)
    oidc_provider.configure(auto_approve=1)
    tokens = login(
        "https://svc.example/", echo=print, sleep=lambda s: None, bearer_token_file=True
    )
    path = env.runtime_dir / f"bt_u{env.uid}"
    assert path.read_text().strip() == tokens.access_token
    assert path.stat().st_mode & 0o777 == 0o600
    logout("https://svc.example/")
    assert not path.exists()


def test_clock_skew_is_reported(monkeypatch, oidc_provider):
    configure(monkeypatch, oidc_provider)
    oidc_provider.configure(auto_approve=1)
    with (
        time_machine.travel(time.time() + 3600),
        pytest.warns(ClockSkewWarning, match=r"differ by about 3[56]\d\d s"),
    ):
        tokens = login("https://svc.example/", echo=print, sleep=lambda s: None)
    # expiry from expires_in on this machine's clock, not from the token
    assert tokens.expires_at - tokens.obtained_at == pytest.approx(600)


def test_provider_unreachable(monkeypatch, oidc_provider):
    configure(monkeypatch, oidc_provider)
    oidc_provider.stop()
    with pytest.raises(ProviderUnreachableError, match="unreachable"):
        login("https://svc.example/", echo=print)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("[]", "malformed OIDC discovery answer"),
        ('{"issuer": "https://evil.example"}', "names another issuer"),
        ("{ not json", "malformed answer"),
        ('{"issuer": "ISSUER"}', "no token_endpoint"),
        (
            '{"issuer": "ISSUER", "token_endpoint": "http://evil.example/t"}',
            "not https",
        ),
    ],
)
def test_malformed_discovery(monkeypatch, httpserver, document, problem):
    issuer = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/.well-known/openid-configuration").respond_with_data(
        document.replace("ISSUER", issuer), content_type="application/json"
    )
    with pytest.raises(ProviderError, match=problem):
        login("https://svc.example/", issuer=issuer, client_id="c", echo=print)
