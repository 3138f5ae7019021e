"""One-shot module-level calls: requests_gracedb_like.get() and friends."""

from __future__ import annotations

import pytest

import requests_gracedb_like as rgl
from requests_gracedb_like import exceptions as exc


def test_exports():
    assert set(rgl.__all__) >= {
        "SessionAdapterMixin",
        "SessionBaseURLMixin",
        "SessionCloneMixin",
        "SessionTimeoutMixin",
        "delete",
        "get",
        "head",
        "options",
        "patch",
        "post",
        "put",
        "request",
    }
    assert all(hasattr(rgl, name) for name in rgl.__all__)


@pytest.mark.parametrize(
    ("function", "method"),
    [
        (rgl.get, "GET"),
        (rgl.head, "HEAD"),
        (rgl.options, "OPTIONS"),
        (rgl.post, "POST"),
        (rgl.put, "PUT"),
        (rgl.patch, "PATCH"),
        (rgl.delete, "DELETE"),
    ],
)
def test_each_method(httpserver, function, method):
    httpserver.expect_request("/x", method=method).respond_with_data("ok")
    response = function(httpserver.url_for("/x"))
    assert response.status_code == 200
    assert httpserver.log[0][0].method == method


def test_request_discovers_credential_for_the_url(httpserver, env):
    env.write_netrc("machine localhost login albert password pw\n")
    httpserver.expect_request("/x").respond_with_data("ok")
    rgl.request("GET", httpserver.url_for("/x"))
    assert httpserver.log[0][0].authorization.username == "albert"


def test_session_options_and_request_arguments_are_split(httpserver, make_token):
    path = make_token()
    httpserver.expect_request("/events/", method="POST").respond_with_json({"id": 1})
    response = rgl.post(
        httpserver.url_for("/events/"),
        json={"group": "CBC"},
        params={"page": 2},
        token=path,
        retries=0,
    )
    assert response.json() == {"id": 1}
    sent = httpserver.log[0][0]
    assert sent.get_json() == {"group": "CBC"}
    assert sent.args["page"] == "2"
    assert sent.headers["Authorization"] == f"Bearer {path.read_text().strip()}"


def test_positional_arguments_as_in_requests(httpserver):
    httpserver.expect_request("/p", method="PUT").respond_with_data("ok")
    httpserver.expect_request("/g").respond_with_data("ok")
    rgl.put(httpserver.url_for("/p"), b"payload")
    rgl.get(httpserver.url_for("/g"), {"q": "1"})
    (put, _), (get, _) = httpserver.log
    assert put.get_data() == b"payload"
    assert get.args["q"] == "1"


def test_error_status_raises(httpserver):
    httpserver.expect_request("/missing").respond_with_json(
        {"detail": "no such event"}, status=404
    )
    with pytest.raises(exc.NotFound, match="no such event"):
        rgl.get(httpserver.url_for("/missing"))


def test_head_does_not_follow_redirects(httpserver):
    httpserver.expect_request("/a").respond_with_data(
        "", status=302, headers={"Location": "/b"}
    )
    assert rgl.head(httpserver.url_for("/a")).status_code == 302
    assert len(httpserver.log) == 1


def test_unknown_keyword_fails_loudly():
    with pytest.raises(TypeError, match="tokn"):
        rgl.get("https://h.example/", tokn="x")


def test_relative_url_is_a_clear_error():
    with pytest.raises(ValueError, match="absolute URL"):
        rgl.get("superevents/")


def test_streamed_body_readable_after_return(httpserver):
    httpserver.expect_request("/big").respond_with_data(b"x" * 100_000)
    response = rgl.get(httpserver.url_for("/big"), stream=True)
    assert len(response.content) == 100_000


def test_session_argument_sends_through_that_session(httpserver):
    httpserver.expect_request("/a").respond_with_data("ok")
    with rgl.Session(force_noauth=True) as s:
        s.headers["X-From"] = "mine"
        assert rgl.get(httpserver.url_for("/a"), session=s).text == "ok"
        assert rgl.post(httpserver.url_for("/a"), session=s, data=b"x").text == "ok"
        assert s.adapters  # left open
    assert [r.headers["X-From"] for r, _ in httpserver.log] == ["mine", "mine"]
