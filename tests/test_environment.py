"""SessionEnvironmentMixin: proxy and CA-bundle variables read once per
session, applied per request as plain requests applies them."""

from __future__ import annotations

import pickle

import pytest
import requests

from requests_gracedb_like import Session
from requests_gracedb_like.environment import SessionEnvironmentMixin


class _S(SessionEnvironmentMixin, requests.Session):
    pass


ENVIRONMENTS = [
    {},
    {"HTTP_PROXY": "http://proxy.example:3128"},
    {"https_proxy": "http://low.example:1", "HTTPS_PROXY": "http://up.example:2"},
    {"ALL_PROXY": "socks5://socks.example:1080"},
    {"http_proxy": "http://p.example:1", "no_proxy": "example.org,.internal"},
    {"HTTP_PROXY": "http://p.example:1", "NO_PROXY": "10.0.0.0/8, 127.0.0.1"},
    {"http_proxy": "http://p.example:1", "NO_PROXY": "*"},
    {"http_proxy": "http://p.example:1", "no_proxy": "host.example:8080"},
    {"http_proxy": "http://p.example:1", "REQUEST_METHOD": "GET"},
    {"REQUESTS_CA_BUNDLE": "/etc/bundle.pem"},
    {"CURL_CA_BUNDLE": "/etc/curl.pem", "https_proxy": "http://p.example:1"},
]
URLS = [
    "http://example.org/api/",
    "https://gracedb.example.org/api/x?y=1",
    "http://sub.example.org:8080/",
    "http://host.example:8080/a",
    "http://10.1.2.3/",
    "http://127.0.0.1:5000/",
    "https://svc.internal/",
    "http://user:pw@proxy-me.example/",
]


@pytest.mark.parametrize("environ", ENVIRONMENTS)
@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(
    ("proxies", "verify"),
    [
        ({}, None),
        ({"no_proxy": "example.org"}, None),
        ({"no_proxy": ""}, True),
        ({"http": "http://mine.example:1"}, False),
        ({"https": None}, "/my/bundle.pem"),
    ],
)
def test_same_settings_as_requests(monkeypatch, environ, url, proxies, verify):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with _S() as ours, requests.Session() as plain:
        for session in (ours, plain):
            session.proxies = {"ftp": "http://session.example:21"}
        got = ours.merge_environment_settings(url, dict(proxies), None, verify, None)
        want = plain.merge_environment_settings(url, dict(proxies), None, verify, None)
    assert got == want


def test_environment_is_read_once(monkeypatch):
    url = "https://gracedb.example.org/api/"
    with _S() as s:
        s.merge_environment_settings(url, {}, None, None, None)  # reads it
        monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/bundle.pem")
        settings = s.merge_environment_settings(url, {}, None, None, None)
        assert settings["proxies"] == {}
        assert settings["verify"] is True

        s.refresh_environment()
        settings = s.merge_environment_settings(url, {}, None, None, None)
        assert settings["proxies"]["https"] == "http://proxy.example:3128"
        assert settings["verify"] == "/etc/bundle.pem"


def test_trust_env_false_ignores_the_environment(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/bundle.pem")
    with _S() as s:
        s.trust_env = False
        settings = s.merge_environment_settings(
            "https://gracedb.example.org/", {}, None, None, None
        )
    assert settings["proxies"] == {}
    assert settings["verify"] is True


def test_session_attributes_set_later_apply(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://env.example:1")
    with _S() as s:
        s.proxies = {"http": "http://session.example:2"}
        s.verify = "/session/bundle.pem"
        s.cert = "/session/cert.pem"
        s.stream = True
        settings = s.merge_environment_settings(
            "http://example.org/", {}, None, None, None
        )
        assert settings == {
            "proxies": {
                "http": "http://session.example:2",
                "https": "http://env.example:1",
            },
            "stream": True,
            "verify": "/session/bundle.pem",
            "cert": "/session/cert.pem",
        }
        settings = s.merge_environment_settings(
            "http://example.org/", {"http": None}, False, False, "/req/cert.pem"
        )
        assert settings == {
            "proxies": {"https": "http://env.example:1"},
            "stream": False,
            "verify": False,
            "cert": "/req/cert.pem",
        }


def test_environment_proxy_is_used_for_a_request(monkeypatch, httpserver):
    # The local server plays the proxy: a request for another host reaches it
    # in absolute form.
    httpserver.expect_request("/via-proxy").respond_with_data("proxied")
    monkeypatch.setenv("HTTP_PROXY", httpserver.url_for("/"))
    with Session(force_noauth=True) as s:
        assert s.get("http://service.invalid/via-proxy").text == "proxied"
        monkeypatch.delenv("HTTP_PROXY")  # read already: the session keeps it
        assert s.get("http://service.invalid/via-proxy").text == "proxied"
    assert httpserver.log[0][0].headers["Host"] == "service.invalid"


def test_no_proxy_request_argument_bypasses_the_proxy(monkeypatch, httpserver):
    httpserver.expect_request("/direct").respond_with_data("direct")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens
    with Session(force_noauth=True) as s:
        r = s.get(httpserver.url_for("/direct"), proxies={"no_proxy": "localhost"})
    assert r.text == "direct"


def test_proxy_choice_is_per_origin(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://p.example:1")
    monkeypatch.setenv("NO_PROXY", "direct.example")
    with _S() as s:

        def proxies(url):
            return s.merge_environment_settings(url, {}, None, None, None)["proxies"]

        for _ in range(2):  # the second time from the remembered choice
            assert proxies("http://direct.example/a") == {}
            assert proxies("http://other.example/a")["http"] == "http://p.example:1"


def test_unpickled_session_reads_its_own_environment(monkeypatch):
    with Session(force_noauth=True) as s:
        assert s.environment.proxies == {}
        monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
        clone = pickle.loads(pickle.dumps(s))
    assert s.environment.proxies == {}
    assert clone.environment.proxies == {"https": "http://proxy.example:3128"}
    assert clone.auth_source == "force_noauth"


def test_proxy_credentials_are_not_shown(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://albert:s3cret@proxy.example:3128")
    with _S() as s:
        shown = repr(s.environment)
        proxies = s.merge_environment_settings(
            "https://example.org/", {}, None, None, None
        )["proxies"]
    assert "s3cret" not in shown
    assert "proxy.example:3128" in shown
    # ... but the proxy in use keeps them.
    assert proxies["https"] == "http://albert:s3cret@proxy.example:3128"


@pytest.mark.parametrize(
    ("session_values", "request_values"),
    [
        ((False, True, None), (None, None, None)),
        ((True, "/session/bundle.pem", ("c.pem", "k.pem")), (False, False, "r.pem")),
        ((False, False, "s.pem"), (True, "/mine.pem", ("c", "k"))),
        ((None, True, {"odd": "mapping"}), (None, None, {"other": "mapping"})),
    ],
)
def test_stream_verify_and_cert_merge_as_requests(session_values, request_values):
    # Values that are not mappings are taken as given; mappings merge.
    with _S() as ours, requests.Session() as plain:
        for session in (ours, plain):
            session.trust_env = False
            session.stream, session.verify, session.cert = session_values
        stream, verify, cert = request_values
        got = ours.merge_environment_settings(
            "https://a.example/", {}, stream, verify, cert
        )
        want = plain.merge_environment_settings(
            "https://a.example/", {}, stream, verify, cert
        )
    assert got == want
