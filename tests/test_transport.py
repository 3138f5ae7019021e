"""Credentials stay on https and on the service's origin, redirects included."""

from __future__ import annotations

import pickle

import pytest
import requests
import requests_mock

from requests_gracedb_like import Session, SessionTransportMixin
from requests_gracedb_like.exceptions import CredentialError, InsecureAuthError

SECRET = "s3cret-pass"
REDIRECTS = [301, 302, 303, 307, 308]


class TransportOnly(SessionTransportMixin, requests.Session):
    """The mixin alone on a plain session."""


# -- plain http to a remote host ----------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "header"),
    [
        ({"username": "albert", "password": SECRET}, "Authorization"),
        ({"api_key": SECRET}, "Authorization"),
        ({"api_key": SECRET, "auth_header_name": "X-Token"}, "X-Token"),
    ],
)
def test_credential_over_http_to_remote_host_is_refused(kwargs, header):
    with (
        Session("http://gracedb.example.org/api/", **kwargs) as s,
        pytest.raises(InsecureAuthError) as info,
    ):
        s.get("http://gracedb.example.org/api/events/?token=abc")
    message = str(info.value)
    assert isinstance(info.value, CredentialError)
    assert "allow_insecure_auth=True" in message
    assert header in message
    assert "gracedb.example.org" in message
    assert SECRET not in message
    assert "abc" not in message


def test_bearer_token_over_http_is_refused(make_token):
    with (
        Session("http://gracedb.example.org/", token=make_token()) as s,
        pytest.raises(InsecureAuthError),
    ):
        s.get("http://gracedb.example.org/")


def test_manual_authorization_header_over_http_is_refused():
    with Session() as s, pytest.raises(InsecureAuthError):
        s.get("http://example.org/", headers={"Authorization": f"Bearer {SECRET}"})


def test_allow_insecure_auth_sends_it():
    with (
        Session(
            "http://gracedb.example.org/",
            username="albert",
            password=SECRET,
            allow_insecure_auth=True,
        ) as s,
        requests_mock.Mocker(session=s) as mock,
    ):
        mock.get("http://gracedb.example.org/", text="ok")
        s.get("http://gracedb.example.org/")
    assert mock.last_request.headers["Authorization"].startswith("Basic ")


def test_no_credential_over_http_is_fine():
    with (
        Session("http://gracedb.example.org/") as s,
        requests_mock.Mocker(session=s) as mock,
    ):
        mock.get("http://gracedb.example.org/", text="ok")
        assert s.get("http://gracedb.example.org/").text == "ok"


def test_http_to_loopback_is_allowed(httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    for host in ("localhost", "127.0.0.1"):
        url = httpserver.url_for("/").replace("localhost", host)
        with Session(url, username="albert", password=SECRET) as s:
            s.get(url)
    assert all("Authorization" in r.headers for r, _ in httpserver.log)


def test_mixin_alone_refuses_http():
    s = TransportOnly()
    s.auth = ("albert", SECRET)
    with pytest.raises(InsecureAuthError):
        s.get("http://example.org/")


@pytest.mark.parametrize("name", ["allow_insecure_auth", "allow_cross_origin_auth"])
def test_bad_flag_type_names_argument(name):
    with pytest.raises(TypeError, match=name):
        Session(**{name: "yes"})


# -- origin scoping -----------------------------------------------------------


def test_credential_only_sent_to_the_url_origin(httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    own = httpserver.url_for("/")
    other = own.replace("localhost", "127.0.0.1")
    with Session(own, username="albert", password=SECRET) as s:
        s.get(own)
        s.get(other)
        s.get(other, auth=("bob", "explicit"))
    own_req, other_req, explicit = (r for r, _ in httpserver.log)
    assert own_req.authorization.username == "albert"
    assert "Authorization" not in other_req.headers
    assert explicit.authorization.username == "bob"


def test_other_port_is_another_origin(httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    url = httpserver.url_for("/")
    with Session("http://localhost:1/", username="albert", password=SECRET) as s:
        s.get(url)
    assert "Authorization" not in httpserver.log[0][0].headers


def test_allow_cross_origin_auth(httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    url = httpserver.url_for("/")
    with Session(
        "https://gracedb.example.org/",
        username="albert",
        password=SECRET,
        allow_cross_origin_auth=True,
    ) as s:
        s.get(url)
    assert httpserver.log[0][0].authorization.username == "albert"


def test_client_certificate_only_presented_to_the_url_origin(tls_server, pki):
    with Session(tls_server.url(), cert=pki.client("albert")) as s:
        s.verify = tls_server.ca_file
        s.get(tls_server.url("/own"))
        s.get(tls_server.url("/other", host="localhost"))
    assert [r.client for r in tls_server.log] == ["albert", None]


def test_transport_settings_survive_pickle():
    s = Session("https://h.example/", allow_insecure_auth=True)
    clone = pickle.loads(pickle.dumps(s))
    assert clone.allow_insecure_auth is True
    assert clone.auth_origin == ("https", "h.example", 443)


# -- redirects ----------------------------------------------------------------


def _redirect(httpserver, code, target):
    httpserver.expect_request("/a").respond_with_data(
        "", status=code, headers={"Location": target}
    )
    httpserver.expect_request("/b").respond_with_data("ok")


@pytest.mark.parametrize("code", REDIRECTS)
@pytest.mark.parametrize(
    "kwargs",
    [
        {"username": "albert", "password": SECRET},
        {"api_key": SECRET, "auth_header_name": "X-Token"},
        {"api_key": SECRET, "auth_header_name": "X-API-Key"},
    ],
)
def test_redirect_to_another_host_drops_credentials(httpserver, code, kwargs):
    start = httpserver.url_for("/a")
    _redirect(
        httpserver, code, httpserver.url_for("/b").replace("localhost", "127.0.0.1")
    )
    with Session(**kwargs) as s:
        assert s.post(start, data=b"x").text == "ok"
    first, second = (r for r, _ in httpserver.log)
    name = kwargs.get("auth_header_name", "Authorization")
    assert name in first.headers
    assert name not in second.headers


@pytest.mark.parametrize("code", REDIRECTS)
def test_redirect_within_the_origin_keeps_credentials(httpserver, code):
    _redirect(httpserver, code, httpserver.url_for("/b"))
    with Session(username="albert", password=SECRET) as s:
        s.post(httpserver.url_for("/a"), data=b"x")
    assert all("Authorization" in r.headers for r, _ in httpserver.log)


@pytest.mark.parametrize("code", REDIRECTS)
def test_redirect_from_https_to_http_drops_credentials(
    tls_server, httpserver, pki, code
):
    httpserver.expect_request("/b").respond_with_data("ok")
    target = httpserver.url_for("/b").replace("localhost", "127.0.0.1")
    tls_server.handler = lambda seen: (
        (code, {"Location": target}, b"") if seen.path == "/a" else (200, {}, b"ok")
    )
    with Session(
        tls_server.url(),
        username="albert",
        password=SECRET,
        cert=pki.client("albert"),
    ) as s:
        s.verify = tls_server.ca_file
        assert s.get(tls_server.url("/a")).text == "ok"
    assert "Authorization" in tls_server.log[0].headers
    assert "Authorization" not in httpserver.log[0][0].headers


@pytest.mark.parametrize("code", REDIRECTS)
def test_redirect_to_another_host_drops_the_certificate(tls_server, pki, code):
    """Without a url to scope to, the certificate still stops at a redirect
    that leaves the origin, and stays off for the rest of the chain."""
    tls_server.handler = lambda seen: {
        "/a": (code, {"Location": tls_server.url("/b", host="localhost")}, b""),
        "/b": (code, {"Location": tls_server.url("/c", host="localhost")}, b""),
    }.get(seen.path, (200, {}, b"ok"))
    with Session(cert=pki.client("albert")) as s:
        s.verify = tls_server.ca_file
        s.get(tls_server.url("/a"))
    assert [(r.path, r.client) for r in tls_server.log] == [
        ("/a", "albert"),
        ("/b", None),
        ("/c", None),
    ]


def test_redirect_to_another_origin_never_comes_back_with_credentials(httpserver):
    own = httpserver.url_for("/a")
    other = httpserver.url_for("/b").replace("localhost", "127.0.0.1")
    httpserver.expect_request("/a").respond_with_data(
        "", status=302, headers={"Location": other}
    )
    httpserver.expect_request("/b").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/c")}
    )
    httpserver.expect_request("/c").respond_with_data("ok")
    with Session(username="albert", password=SECRET) as s:
        s.get(own)
    sent = ["Authorization" in r.headers for r, _ in httpserver.log]
    assert sent == [True, False, False]


def test_relative_urls_resolved_against_url_get_the_credential(httpserver):
    httpserver.expect_request("/api/events/").respond_with_data("ok")
    with Session(httpserver.url_for("/api/"), username="albert", password=SECRET) as s:
        assert s.get("events/").text == "ok"
    assert httpserver.log[0][0].authorization.username == "albert"
