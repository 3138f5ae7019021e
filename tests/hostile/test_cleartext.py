"""Promise: a credential never crosses plain http to a remote host, nor
reaches a proxy in clear.

The rule is decided on the hop the request takes: a loopback URL reached
through a proxy hands the credential to the proxy.

The cases of plain http to a remote host, of a token header set on the
client and of login cookies run through the three front ends
(``front_end``, see ``front_ends.py``). The proxy cases are the requests
``Session``'s only: the httpx clients do not have the proxy rule yet (a
credential to this machine through a proxy named in the environment or
in ``proxy=``/``mounts=`` is sent; see "What is not there yet" in
``docs/httpx.rst``), nor ``session.environment`` whose ``repr`` the
proxy-password case reads.
"""

from __future__ import annotations

import pytest

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
    recorder, monkeypatch, no_proxy_variables, variable
):
    service, proxy = recorder(), recorder()
    monkeypatch.setenv(variable, proxy.url())
    with (
        Session(service.url(), api_key=SECRET) as s,
        pytest.raises(InsecureAuthError, match="proxy") as info,
    ):
        s.get(service.url("/x"), timeout=5)
    assert not proxy.saw(SECRET)
    assert SECRET not in str(info.value)


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


def test_a_proxy_may_carry_requests_without_credentials(recorder, no_proxy_variables):
    service, proxy = recorder(), recorder()
    with Session(service.url(), force_noauth=True) as s:
        s.proxies = {"http": proxy.url()}
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
