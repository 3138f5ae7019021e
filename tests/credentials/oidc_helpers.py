"""Shared steps of the OIDC tests: point the settings at the test
provider, and log in through it."""

from __future__ import annotations

from typing import Any

from requests_gracedb_like.credentials.oidc import login
from requests_gracedb_like.credentials.oidc.cache import TokenCache, Tokens
from requests_gracedb_like.testing.oidc_provider import CLIENT_ID, OIDCProvider


def configure(monkeypatch: Any, provider: OIDCProvider) -> None:
    """Every URL uses `provider`, through the environment variables."""
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_ISSUER", provider.issuer)
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_ID", CLIENT_ID)


def device_login(monkeypatch: Any, provider: OIDCProvider, url: str) -> Tokens:
    """Log in with the device grant, the user approving at the first poll."""
    configure(monkeypatch, provider)
    provider.configure(auto_approve=1)
    return login(url, echo=lambda text: None, sleep=lambda seconds: None)


def cache_of(provider: OIDCProvider) -> TokenCache:
    return TokenCache(provider.issuer, CLIENT_ID)
