"""Modified copies of a session leave the original untouched:
SessionCloneMixin."""

from __future__ import annotations

import pickle

import pytest
import requests
import requests_mock
from requests.adapters import HTTPAdapter

from requests_gracedb_like import Session, SessionCloneMixin
from requests_gracedb_like import exceptions as exc


class CloneOnly(SessionCloneMixin, requests.Session):
    pass


@pytest.fixture
def session(make_token):
    with Session(
        "https://h.example/api/", token=make_token(), timeout=(3, 30), retries=2
    ) as s:
        s.headers["X-Team"] = "cbc"
        s.cookies.set("csrftoken", "abc")
        yield s


def _snapshot(s):
    return (
        dict(s.headers),
        s.cookies.get_dict(),
        s.timeout,
        dict(s.adapters),
        {k: list(v) for k, v in s.hooks.items()},
    )


def test_with_headers(session, httpserver):
    before = _snapshot(session)
    clone = session.with_headers({"Accept": "application/fits", "X-Team": None})
    assert _snapshot(session) == before
    assert type(clone) is Session
    assert clone.headers["Accept"] == "application/fits"
    assert "X-Team" not in clone.headers
    assert session.headers["X-Team"] == "cbc"

    httpserver.expect_request("/h").respond_with_data("ok")
    clone.get(httpserver.url_for("/h"))
    session.get(httpserver.url_for("/h"))
    (sent_clone, _), (sent_original, _) = httpserver.log
    assert sent_clone.headers["Accept"] == "application/fits"
    assert "X-Team" not in sent_clone.headers
    assert sent_original.headers["X-Team"] == "cbc"
    assert sent_original.headers["Accept"] != "application/fits"


def test_clone_keeps_credential_and_settings(make_token, httpserver):
    # The credential goes only to the service's origin: make it the server's.
    session = Session(httpserver.url_for("/api/"), token=make_token(), retries=2)
    clone = session.with_headers({"X-A": "1"})
    # The same credential, in an object (and claims) of the copy's own.
    assert clone.auth == session.auth
    assert clone.auth is not session.auth
    assert clone.auth.claims == session.auth.claims
    assert clone.auth.claims is not session.auth.claims
    assert clone.auth_source == session.auth_source
    assert clone.base_url == session.base_url
    assert clone.expiry == session.expiry
    httpserver.expect_request("/missing").respond_with_data("", status=404)
    with pytest.raises(exc.NotFound):
        clone.get(httpserver.url_for("/missing"))
    assert httpserver.log[0][0].headers["Authorization"].startswith("Bearer ")


def test_with_cookies(session, httpserver):
    before = _snapshot(session)
    session.base_url = httpserver.url_for("/")
    clone = session.with_cookies({"sessionid": "xyz"})
    assert _snapshot(session) == before
    assert clone.cookies.get_dict() == {"csrftoken": "abc", "sessionid": "xyz"}
    httpserver.expect_request("/c").respond_with_data("ok")
    clone.get("c")
    session.get("c")
    (sent_clone, _), (sent_original, _) = httpserver.log
    assert dict(sent_clone.cookies) == {"csrftoken": "abc", "sessionid": "xyz"}
    assert dict(sent_original.cookies) == {"csrftoken": "abc"}


def test_cookies_are_sent_only_to_the_service_host(httpserver):
    httpserver.expect_request("/c").respond_with_data("ok")
    service = httpserver.url_for("/")
    other_host = httpserver.url_for("/c").replace("localhost", "127.0.0.1")
    with Session(service, force_noauth=True) as s:
        clone = s.with_cookies({"sessionid": "xyz"})
        clone.get("c")
        clone.get(other_host)
    (to_service, _), (to_other, _) = httpserver.log
    assert dict(to_service.cookies) == {"sessionid": "xyz"}
    assert "sessionid" not in to_other.cookies


def test_cookies_follow_no_redirect_to_another_host(httpserver):
    other_host = httpserver.url_for("/b").replace("localhost", "127.0.0.1")
    httpserver.expect_request("/a").respond_with_data(
        "", status=302, headers={"Location": other_host}
    )
    httpserver.expect_request("/b").respond_with_data("ok")
    with Session(httpserver.url_for("/"), force_noauth=True) as s:
        s.with_cookies({"sessionid": "xyz"}).get("a")
    (first, _), (second, _) = httpserver.log
    assert "sessionid" in first.cookies
    assert "sessionid" not in second.cookies


def test_cookies_without_service_url_go_to_any_host(httpserver):
    httpserver.expect_request("/c").respond_with_data("ok")
    with Session(force_noauth=True) as s:
        s.with_cookies({"k": "v"}).get(httpserver.url_for("/c"))
    assert dict(httpserver.log[0][0].cookies) == {"k": "v"}


def test_cookie_jar_is_added_as_given(session):
    jar = requests.cookies.RequestsCookieJar()
    jar.set("scoped", "1", domain="other.example", path="/x")
    clone = session.with_cookies(jar)
    [cookie] = [c for c in clone.cookies if c.name == "scoped"]
    assert (cookie.domain, cookie.path) == ("other.example", "/x")
    assert "scoped" not in session.cookies


def test_cookies_set_on_clone_stay_on_clone(session):
    clone = session.with_headers({})
    clone.cookies.set("late", "1")
    assert "late" not in session.cookies


def test_with_timeout(session):
    before = _snapshot(session)
    clone = session.with_timeout(None)
    assert _snapshot(session) == before
    assert clone.timeout is None
    with requests_mock.Mocker() as m:
        m.get("https://h.example/api/t", text="ok")
        clone.get("t")
        session.get("t")
        assert [r.timeout for r in m.request_history] == [None, (3.0, 30.0)]


def test_with_retries(session):
    before = _snapshot(session)
    clone = session.with_retries(0)
    assert _snapshot(session) == before
    assert clone.retries.total == 0
    assert session.retries.total == 2
    for prefix in ("https://", "http://"):
        assert clone.adapters[prefix] is not session.adapters[prefix]
        assert clone.adapters[prefix].max_retries.total == 0
        assert session.adapters[prefix].max_retries.total == 2
        assert clone.adapters[prefix]._pool_maxsize == session.pool_maxsize


def test_with_retries_shares_other_mounted_adapters(session):
    special = HTTPAdapter()
    session.mount("https://special.example/", special)
    clone = session.with_retries(5)
    assert clone.adapters["https://special.example/"] is special


def test_hooks_added_to_clone_stay_on_clone(session):
    clone = session.with_headers({})
    clone.hooks["response"].append(print)
    assert print not in session.hooks["response"]


def test_closing_clone_keeps_original_pool_open(session):
    adapter = session.get_adapter("https://h.example/")
    adapter.poolmanager.connection_from_url("https://h.example/")
    with session.with_headers({"X-A": "1"}) as clone:
        assert clone.get_adapter("https://h.example/") is adapter
    assert len(adapter.poolmanager.pools) == 1
    assert clone.get_adapter("https://h.example/") is adapter  # still usable
    session.close()
    assert len(adapter.poolmanager.pools) == 0


def test_closing_clone_closes_its_own_adapters(session):
    with session.with_retries(1) as clone:
        own = clone.get_adapter("https://h.example/")
        own.poolmanager.connection_from_url("https://h.example/")
        shared_before = session.get_adapter("https://h.example/")
        shared_before.poolmanager.connection_from_url("https://h.example/")
    assert len(own.poolmanager.pools) == 0
    assert len(shared_before.poolmanager.pools) == 1


def test_subclass_state_is_kept():
    class Client(Session):
        def __init__(self, url, **kwargs):
            super().__init__(url, **kwargs)
            self.service_info = {"version": "2.0"}

    with Client("https://h.example/api/", force_noauth=True) as client:
        clone = client.with_timeout(5)
    assert type(clone) is Client
    assert clone.service_info == {"version": "2.0"}
    assert clone.base_url == "https://h.example/api/"


def test_clone_of_clone(session):
    first = session.with_headers({"X-A": "1"})
    second = first.with_headers({"X-B": "2"})
    assert "X-B" not in first.headers
    assert second.headers["X-A"] == "1"
    assert second.timeout == session.timeout


def test_pickled_clone_is_independent(session):
    clone = pickle.loads(pickle.dumps(session.with_headers({"X-A": "1"})))
    assert clone.headers["X-A"] == "1"
    assert clone.adapters["https://"] is not session.adapters["https://"]


def test_mixin_alone_on_plain_session(httpserver):
    httpserver.expect_request("/a").respond_with_data("ok")
    with CloneOnly() as s:
        s.headers["X-Keep"] = "1"
        clone = s.with_headers({"X-New": "2"})
        assert type(clone) is CloneOnly
        clone.get(httpserver.url_for("/a"))
        assert "X-New" not in s.headers
        with pytest.raises(TypeError, match="SessionTimeoutMixin"):
            s.with_timeout(5)
        with pytest.raises(TypeError, match="SessionAdapterMixin"):
            s.with_retries(5)
    sent = httpserver.log[0][0].headers
    assert (sent["X-Keep"], sent["X-New"]) == ("1", "2")


@pytest.mark.parametrize(
    ("method", "argument", "error", "match"),
    [
        ("with_headers", [("Accept", "x")], TypeError, "headers must be a mapping"),
        ("with_headers", {"X-N": 5}, TypeError, "header 'X-N'"),
        ("with_headers", {5: "x"}, TypeError, "header names"),
        ("with_cookies", "a=b", TypeError, "cookies must be"),
        ("with_cookies", {"sid": 5}, TypeError, "cookie 'sid'"),
        ("with_timeout", -1, ValueError, "timeout"),
        ("with_timeout", "1", TypeError, "timeout"),
        ("with_retries", -1, ValueError, "retries"),
        ("with_retries", None, TypeError, "retries"),
    ],
)
def test_bad_arguments(session, method, argument, error, match):
    before = _snapshot(session)
    with pytest.raises(error, match=match):
        getattr(session, method)(argument)
    assert _snapshot(session) == before


def test_header_error_does_not_echo_value(session):
    with pytest.raises(TypeError) as info:
        session.with_headers({"Authorization": ["Bearer", "s3cr3t"]})
    assert "Authorization" in str(info.value)
    assert "s3cr3t" not in str(info.value)
