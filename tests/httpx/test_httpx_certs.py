"""A client certificate renewed on disk, for the httpx clients (the
session's is in ``tests/credentials/test_x509.py``): with
``auth_reload=True`` the next request presents the new one, on a new
connection; without it, the certificate is read once."""

from __future__ import annotations

import asyncio

import pytest

httpx = pytest.importorskip("httpx")

from requests_gracedb_like.httpx import AsyncClient, Client  # noqa: E402


def _sync(client, urls, between):
    with client:
        for i, url in enumerate(urls):
            if i == between[0]:
                between[1]()
            client.get(url)


def _async(client, urls, between):
    async def run():
        async with client:
            for i, url in enumerate(urls):
                if i == between[0]:
                    between[1]()
                await client.get(url)

    asyncio.run(run())


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_renewed_certificate_is_presented_on_new_connections(
    tls_server, pki, env, kind
):
    path = env.write_tmp_proxy(pki.pem("first"))
    cls, run = (Client, _sync) if kind == "sync" else (AsyncClient, _async)
    client = cls(tls_server.url(), auth_reload=True, verify=tls_server.ca_file)
    assert client.auth_cert.reloading
    urls = [tls_server.url(f"/{i}") for i in range(4)]
    run(client, urls, (2, lambda: pki.renew(path, pki.pem("second"))))
    first, second, third, fourth = tls_server.log
    assert [r.client for r in tls_server.log] == ["first", "first", "second", "second"]
    assert first.port == second.port  # kept alive until the certificate changed
    assert third.port != second.port
    assert third.port == fourth.port
    assert "CN=second" in client.auth_cert.subject


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_without_reload_the_certificate_is_read_once(tls_server, pki, env, kind):
    path = env.write_tmp_proxy(pki.pem("first"))
    cls, run = (Client, _sync) if kind == "sync" else (AsyncClient, _async)
    client = cls(tls_server.url(), verify=tls_server.ca_file)
    urls = [tls_server.url("/1"), tls_server.url("/2")]
    run(client, urls, (1, lambda: pki.renew(path, pki.pem("second"))))
    assert [r.client for r in tls_server.log] == ["first", "first"]


def test_a_renewed_certificate_stays_on_the_service_origin(tls_server, pki, env):
    path = env.write_tmp_proxy(pki.pem("first"))
    with Client(tls_server.url(), auth_reload=True, verify=tls_server.ca_file) as c:
        pki.renew(path, pki.pem("second"))
        c.get(tls_server.url("/other", host="localhost"))
        c.get(tls_server.url("/service"))
    other, service = tls_server.log
    assert other.client is None
    assert service.client == "second"
