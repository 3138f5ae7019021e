"""A client certificate through a proxy: ``HTTPS_PROXY`` tunnels the TLS
connection (``CONNECT``), and the certificate must still reach the service
at the far end, and only the origins it may go to; a plain-http service
with a certificate must not slip its token past the proxy rule.

Every front end (``front_end``, see ``front_ends.py``); the proxy is a
real tunnel on raw sockets (``tunnel``, see ``hostile.py``) and the
service a real TLS server that records the certificate each connection
presented (``tls_server``).
"""

from __future__ import annotations

import pytest

from requests_gracedb_like.exceptions import InsecureAuthError

SECRET = "s3cret-token-value"


@pytest.mark.parametrize("service_url", [True, False], ids=["service", "no-url"])
def test_the_certificate_reaches_the_service_through_a_tunnel(
    tls_server, pki, env, tunnel, monkeypatch, front_end, service_url
):
    """With or without a service URL, a request tunnelled through the
    environment's proxy presents the certificate to the server at the far
    end (the proxy sees only the ``CONNECT``)."""
    env.write_tmp_proxy(pki.pem("me"))
    monkeypatch.setenv("https_proxy", tunnel.url())
    url = tls_server.url() if service_url else None
    with front_end.make(url, verify=tls_server.ca_file) as c:
        c.get(tls_server.url("/x"), timeout=10)
    assert [r.client for r in tls_server.log] == ["me"]
    assert [h.split(b" ")[:2] for h in tunnel.heads] == [
        [b"CONNECT", f"127.0.0.1:{tls_server.port}".encode()]
    ]


def test_through_a_tunnel_the_certificate_stays_on_the_service_origin(
    tls_server, pki, env, tunnel, monkeypatch, front_end
):
    """The certificate of a client made for a service is presented to the
    service through the proxy, and to no other origin through it."""
    env.write_tmp_proxy(pki.pem("me"))
    monkeypatch.setenv("https_proxy", tunnel.url())
    with front_end.make(tls_server.url(), verify=tls_server.ca_file) as c:
        c.get(tls_server.url("/other", host="localhost"), timeout=10)
        c.get(tls_server.url("/service"), timeout=10)
    assert [(r.path, r.client) for r in tls_server.log] == [
        ("/other", None),
        ("/service", "me"),
    ]
    assert len(tunnel.heads) == 2


def test_a_certificate_does_not_let_a_token_past_the_proxy_rule(
    recorder, pki, env, monkeypatch, front_end
):
    """A plain-http service, a token and a client certificate (which goes
    over TLS only): the token would cross the proxy in clear, so the
    request is refused, as it is without a certificate."""
    env.write_tmp_proxy(pki.pem("me"))
    service, proxy = recorder(), recorder()
    monkeypatch.setenv("http_proxy", proxy.url())
    with (
        front_end.make(service.url(), api_key=SECRET) as c,
        pytest.raises(InsecureAuthError, match="proxy"),
    ):
        c.get(service.url("/x"), timeout=5)
    assert not proxy.saw(SECRET)
    assert not service.heads
