"""Proxies of the httpx clients: those of the environment are used as
httpx uses them (the clients' own transport would otherwise hide them from
httpx), ``NO_PROXY`` and ``trust_env=False`` obeyed. The proxy rule (no
credential in clear through a proxy) is attacked in
``tests/hostile/test_cleartext.py``."""

from __future__ import annotations

import asyncio

import pytest

httpx = pytest.importorskip("httpx")

from requests_gracedb_like.httpx import AsyncClient, Client  # noqa: E402

TARGET = "http://127.0.0.1:9/x"  # nothing listens: only the proxy answers


def _get(cls, url, **kwargs):
    if cls is Client:
        with Client(**kwargs) as c:
            return c.get(url).status_code

    async def run():
        async with AsyncClient(**kwargs) as c:
            return (await c.get(url)).status_code

    return asyncio.run(run())


@pytest.fixture
def proxy(service, monkeypatch):
    service.require_auth = False
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return service


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize("variable", ["http_proxy", "ALL_PROXY"])
def test_the_environments_proxy_is_used(proxy, monkeypatch, cls, variable):
    monkeypatch.setenv(variable, proxy.url)
    assert _get(cls, TARGET, force_noauth=True, retries=0) == 200
    assert [r.path for r in proxy.requests] == [TARGET]


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize("no_proxy", ["*", "127.0.0.1", "http://127.0.0.1:9"])
def test_no_proxy_and_trust_env_are_obeyed(proxy, monkeypatch, cls, no_proxy):
    monkeypatch.setenv("http_proxy", proxy.url)
    monkeypatch.setenv("no_proxy", no_proxy)
    with pytest.raises(httpx.ConnectError):
        _get(cls, TARGET, force_noauth=True, retries=0)
    monkeypatch.delenv("no_proxy")
    with pytest.raises(httpx.ConnectError):
        _get(cls, TARGET, force_noauth=True, retries=0, trust_env=False)
    assert not proxy.requests


def test_a_domain_in_no_proxy_is_not_a_mere_suffix(proxy, monkeypatch):
    """``NO_PROXY=example.invalid`` covers that domain and its subdomains,
    not ``wwwexample.invalid``, which still goes through the proxy."""
    monkeypatch.setenv("http_proxy", proxy.url)
    monkeypatch.setenv("no_proxy", "example.invalid")
    assert _get(Client, "http://wwwexample.invalid/", force_noauth=True) == 200
    assert [r.path for r in proxy.requests] == ["http://wwwexample.invalid/"]


def test_the_users_mounts_win(proxy, monkeypatch):
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9/")
    mounts = {"http://": httpx.HTTPTransport(proxy=proxy.url)}
    assert _get(Client, TARGET, force_noauth=True, mounts=mounts) == 200
    assert [r.path for r in proxy.requests] == [TARGET]
