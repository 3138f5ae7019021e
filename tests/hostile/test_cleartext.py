"""Promise: a credential never crosses plain http to a remote host, nor
reaches a proxy in clear.

The rule is decided on the hop the request takes: a loopback URL reached
through a proxy hands the credential to the proxy.

The cases of plain http to a remote host, of a token header set on the
client and of login cookies run through the three front ends
(``front_end``, see ``front_ends.py``), the proxy cases too (a proxy from
the environment, or given in code: ``session.proxies`` or ``proxies=`` of
a request, ``proxy=`` of an httpx client). The httpx clients have no
``session.environment``, whose ``repr`` the proxy-password case reads.
"""

from __future__ import annotations

import pytest
from front_ends import HTTPX_FRONT_ENDS

from requests_gracedb_like import Session
from requests_gracedb_like.exceptions import InsecureAuthError

SECRET = "s3cret-token-value"


@pytest.fixture
def no_proxy_variables(monkeypatch):
    for name in ("no_proxy", "NO_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)


@pytest.mark.parametrize("variable", ["http_proxy", "HTTP_PROXY", "all_proxy"])
def test_proxy_from_the_environment_never_sees_the_credential(
    recorder, monkeypatch, no_proxy_variables, variable, front_end
):
    service, proxy = recorder(), recorder()
    monkeypatch.setenv(variable, proxy.url())
    with (
        front_end.make(service.url(), api_key=SECRET) as s,
        pytest.raises(InsecureAuthError, match="proxy") as info,
    ):
        s.get(service.url("/x"), timeout=5)
    assert not proxy.saw(SECRET)
    assert not service.saw(SECRET)
    assert SECRET not in str(info.value)


def test_no_proxy_lets_the_credential_go_direct(
    recorder, monkeypatch, no_proxy_variables, front_end
):
    """The control: a service listed in ``NO_PROXY`` is reached directly,
    with its credential."""
    service, proxy = recorder(), recorder()
    monkeypatch.setenv("http_proxy", proxy.url())
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    with front_end.make(service.url(), api_key=SECRET) as s:
        s.get(service.url("/x"), timeout=5)
    assert service.saw(SECRET)
    assert not proxy.heads


@pytest.mark.parametrize("front_end", HTTPX_FRONT_ENDS, indirect=True)
def test_https_through_a_proxy_is_not_refused(no_proxy_variables, front_end):
    """Only plain http is refused: an httpx client for an https service
    made with a proxy tries to send (the proxy would relay encrypted
    bytes; here nothing listens)."""
    client = front_end.make(
        "https://gracedb.invalid/", api_key=SECRET, proxy="http://127.0.0.1:9/"
    )
    with client, pytest.raises(front_end.refusals) as info:
        client.get("https://gracedb.invalid/x", timeout=5)
    assert not isinstance(info.value, InsecureAuthError)


@pytest.mark.parametrize("where", ["client", "copy", "environment-ignored"])
def test_an_httpx_proxy_argument_never_sees_the_credential(
    recorder, monkeypatch, no_proxy_variables, where
):
    """``proxy=`` of an httpx client, or of httpx's own ``mounts=`` built
    from the environment, the ``trust_env=False`` client ignoring it."""
    pytest.importorskip("httpx")
    from requests_gracedb_like.httpx import Client

    service, proxy = recorder(), recorder()
    if where == "environment-ignored":
        monkeypatch.setenv("http_proxy", proxy.url())
        with Client(service.url(), api_key=SECRET, trust_env=False) as c:
            c.get("/x", timeout=5)
        assert service.saw(SECRET)
        assert not proxy.heads
        return
    client = Client(service.url(), api_key=SECRET, proxy=proxy.url())
    if where == "copy":
        with client:
            client = client.with_headers({"X-Copy": "1"})
    with client, pytest.raises(InsecureAuthError, match="proxy"):
        client.get("/x", timeout=5)
    assert not proxy.saw(SECRET)


@pytest.mark.parametrize("where", ["session", "request"])
def test_proxy_set_in_code_never_sees_the_credential(
    recorder, no_proxy_variables, where
):
    service, proxy = recorder(), recorder()
    proxies = {"http": proxy.url()}
    with Session(service.url(), api_key=SECRET) as s:
        kwargs = {}
        if where == "session":
            s.proxies = proxies
        else:
            kwargs["proxies"] = proxies
        with pytest.raises(InsecureAuthError):
            s.get(service.url("/x"), timeout=5, **kwargs)
    assert not proxy.saw(SECRET)


def test_a_proxy_may_carry_requests_without_credentials(
    recorder, no_proxy_variables, front_end
):
    service, proxy = recorder(), recorder()
    if front_end.is_httpx:
        s = front_end.make(service.url(), force_noauth=True, proxy=proxy.url())
    else:
        s = front_end.make(service.url(), force_noauth=True)
        s.client.proxies = {"http": proxy.url()}
    with s:
        assert s.get(service.url("/x"), timeout=5).text == "ok"
    assert proxy.heads
    assert not service.heads


@pytest.mark.parametrize(
    "url",
    [
        "http://gracedb.invalid/api/",
        "http://localhost.evil.invalid/",
        "http://127.0.0.1.nip.invalid/",
        "http://0x7f000001.invalid/",
    ],
)
def test_plain_http_to_a_remote_host_is_refused_before_sending(front_end, url):
    with (
        front_end.make(url, api_key=SECRET) as s,
        pytest.raises(InsecureAuthError) as info,
    ):
        s.get(url, timeout=5)
    assert SECRET not in str(info.value)


def test_a_session_token_header_is_refused_over_plain_http(front_end):
    with front_end.make("http://gracedb.invalid/", force_noauth=True) as s:
        s.headers["X-Auth-Token"] = SECRET
        with pytest.raises(InsecureAuthError, match=r"(?i)X-Auth-Token"):
            s.get("http://gracedb.invalid/x", timeout=5)


def test_a_login_cookie_for_an_https_service_is_never_sent_over_http(
    recorder, front_end
):
    server = recorder()
    # The service is https; the same host and port reached over plain http
    # must not get the login cookie.
    with front_end.make(f"https://localhost:{server.port}/", force_noauth=True) as s:
        s.with_cookies({"sessionid": SECRET}).get(
            f"http://localhost:{server.port}/", timeout=5
        )
    assert server.heads
    assert not server.saw(SECRET)


def test_a_login_cookie_for_a_loopback_http_service_is_sent(recorder, front_end):
    server = recorder()
    with front_end.make(server.url(), force_noauth=True) as s:
        s.with_cookies({"sessionid": SECRET}).get(server.url(), timeout=5)
    assert server.saw(SECRET)


def test_proxy_password_never_shown(monkeypatch, no_proxy_variables):
    monkeypatch.setenv("http_proxy", f"http://user:{SECRET}@proxy.invalid:3128/")
    with Session("https://gracedb.invalid/", force_noauth=True) as s:
        assert SECRET not in repr(s.environment)
