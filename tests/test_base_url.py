"""Relative request URLs resolve against the service URL:
SessionBaseURLMixin."""

from __future__ import annotations

import pickle

import pytest
import requests

from requests_gracedb_like import Session, SessionBaseURLMixin
from requests_gracedb_like.base_url import join_url, normalize_base_url


class BaseURLOnly(SessionBaseURLMixin, requests.Session):
    pass


@pytest.mark.parametrize(
    ("base", "url", "expected"),
    [
        ("https://h.example/api/", "events/", "https://h.example/api/events/"),
        ("https://h.example/api", "events/", "https://h.example/api/events/"),
        (
            "https://h.example/api/",
            "events/E1/log/",
            "https://h.example/api/events/E1/log/",
        ),
        ("https://h.example/api/", "/other/", "https://h.example/other/"),
        ("https://h.example/api/v2/", "../v1/x", "https://h.example/api/v1/x"),
        ("https://h.example/api/", "?page=2", "https://h.example/api/?page=2"),
        ("https://h.example/api/", "", "https://h.example/api/"),
        ("https://h.example/api/", "https://o.example/x", "https://o.example/x"),
        ("https://h.example/api/", "HTTP://o.example/x", "HTTP://o.example/x"),
        ("https://h.example", "events/", "https://h.example/events/"),
    ],
)
def test_joining_rule(base, url, expected):
    assert join_url(normalize_base_url(base), url) == expected


def test_relative_url_reaches_service_path(httpserver):
    httpserver.expect_request("/api/superevents/S1/").respond_with_json({"id": "S1"})
    with BaseURLOnly(httpserver.url_for("/api")) as s:
        assert s.get("superevents/S1/").json() == {"id": "S1"}
        assert s.base_url == httpserver.url_for("/api/")


def test_absolute_url_untouched(httpserver):
    httpserver.expect_request("/elsewhere").respond_with_data("ok")
    with Session("https://gracedb.invalid/api/", force_noauth=True) as s:
        assert s.get(httpserver.url_for("/elsewhere")).text == "ok"


def test_composed_session_sends_credential_to_relative_url(httpserver, make_token):
    path = make_token()
    httpserver.expect_request("/api/events/").respond_with_data("ok")
    with Session(httpserver.url_for("/api/"), token=path) as s:
        s.post("events/", data=b"x")
    sent = httpserver.log[0][0]
    assert sent.method == "POST"
    assert sent.headers["Authorization"] == f"Bearer {path.read_text().strip()}"


def test_netrc_still_matches_service_host(httpserver, env):
    env.write_netrc("machine localhost login albert password pw\n")
    httpserver.expect_request("/api/").respond_with_data("ok")
    with Session(httpserver.url_for("/api/")) as s:
        s.get("")
    assert httpserver.log[0][0].authorization.username == "albert"


def test_without_base_url_relative_url_fails_as_in_requests():
    with BaseURLOnly() as s, pytest.raises(requests.exceptions.MissingSchema):
        s.get("events/")


@pytest.mark.parametrize(
    "url", ["gracedb.example.org/api/", "/api/", "albert:hunter2@gracedb.example.org"]
)
def test_relative_service_url_is_rejected_without_echo(url):
    with pytest.raises(ValueError, match="url must be an absolute URL") as info:
        BaseURLOnly(url)
    assert "hunter2" not in str(info.value)


def test_service_url_must_be_str():
    with pytest.raises(TypeError, match="url must be a str"):
        BaseURLOnly(b"https://h.example/")


def test_pickle_keeps_base_url():
    with Session("https://h.example/api", force_noauth=True) as s:
        clone = pickle.loads(pickle.dumps(s))
    assert clone.base_url == "https://h.example/api/"


def test_base_url_can_be_reassigned(httpserver):
    httpserver.expect_request("/v2/x").respond_with_data("ok")
    with BaseURLOnly() as s:
        s.base_url = httpserver.url_for("/v2")
        assert s.base_url.endswith("/v2/")
        assert s.get("x").text == "ok"
        with pytest.raises(ValueError, match="absolute URL"):
            s.base_url = "v3/"
        s.base_url = None
        with pytest.raises(requests.exceptions.MissingSchema):
            s.get("x")
