"""HTTP error statuses become readable exceptions: SessionErrorMixin."""

from __future__ import annotations

import json
import pickle

import pytest
import requests
from werkzeug import Response

from requests_gracedb_like import Session, SessionErrorMixin
from requests_gracedb_like import exceptions as exc
from requests_gracedb_like.errors import MAX_MESSAGE


class ErrorsOnly(SessionErrorMixin, requests.Session):
    pass


@pytest.mark.parametrize(
    ("status", "cls", "family"),
    [
        (400, exc.BadRequest, exc.ClientError),
        (401, exc.Unauthorized, exc.ClientError),
        (403, exc.Forbidden, exc.ClientError),
        (404, exc.NotFound, exc.ClientError),
        (409, exc.Conflict, exc.ClientError),
        (418, exc.ClientError, exc.ClientError),
        (429, exc.TooManyRequests, exc.ClientError),
        (500, exc.InternalServerError, exc.ServerError),
        (502, exc.BadGateway, exc.ServerError),
        (503, exc.ServiceUnavailable, exc.ServerError),
        (504, exc.GatewayTimeout, exc.ServerError),
        (599, exc.ServerError, exc.ServerError),
    ],
)
def test_status_maps_to_class(httpserver, status, cls, family):
    httpserver.expect_request("/e").respond_with_data("nope", status=status)
    with pytest.raises(cls) as info, ErrorsOnly() as s:
        s.get(httpserver.url_for("/e"))
    err = info.value
    assert type(err) is cls
    assert isinstance(err, family)
    assert isinstance(err, requests.HTTPError)
    assert err.response.status_code == status
    assert err.status_code == status
    assert err.request.method == "GET"


def test_message_has_method_url_status_and_json_detail(httpserver):
    httpserver.expect_request("/events/", method="POST").respond_with_json(
        {"detail": "Superevent S1 does not exist."}, status=404
    )
    url = httpserver.url_for("/events/")
    with pytest.raises(exc.NotFound) as info, Session(force_noauth=True) as s:
        s.post(url, data=b"x")
    assert str(info.value) == (
        f"POST {url} -> 404 NOT FOUND: Superevent S1 does not exist."
    )


@pytest.mark.parametrize("key", ["detail", "message", "error"])
def test_json_message_keys(httpserver, key):
    httpserver.expect_request("/").respond_with_json({key: "the reason"}, status=400)
    with pytest.raises(exc.BadRequest, match="the reason"), ErrorsOnly() as s:
        s.get(httpserver.url_for("/"))


def test_html_error_page_shows_title_only(httpserver):
    page = "<html><head><title>502 Proxy Error</title></head><body>" + "x" * 10**6
    httpserver.expect_request("/").respond_with_data(
        page, status=502, content_type="text/html"
    )
    with pytest.raises(exc.BadGateway) as info, ErrorsOnly() as s:
        s.get(httpserver.url_for("/"))
    assert str(info.value).endswith(": 502 Proxy Error")


def test_long_plain_body_is_bounded_and_undecodable_bytes_replaced(httpserver):
    body = b"\xff\xfe oops " + b"y" * 100_000
    httpserver.expect_request("/").respond_with_data(
        body, status=500, content_type="text/plain; charset=utf-8"
    )
    with pytest.raises(exc.InternalServerError) as info, ErrorsOnly() as s:
        s.get(httpserver.url_for("/"))
    message = str(info.value)
    assert "\ufffd" in message
    assert len(message) < MAX_MESSAGE + 200
    assert message.endswith("…")


def test_credentials_removed_from_url_in_message(httpserver):
    httpserver.expect_request("/").respond_with_data("", status=403)
    url = httpserver.url_for("/").replace("://", "://albert:pw123@") + "?token=abc"
    with pytest.raises(exc.Forbidden) as info, ErrorsOnly() as s:
        s.get(url)
    message = str(info.value)
    assert "pw123" not in message
    assert "abc" not in message
    assert "token=REDACTED" in message


def test_success_and_redirects_do_not_raise(httpserver):
    httpserver.expect_request("/a").respond_with_data(
        "", status=302, headers={"Location": "/b"}
    )
    httpserver.expect_request("/b").respond_with_data("ok")
    with ErrorsOnly() as s:
        r = s.get(httpserver.url_for("/a"))
    assert r.text == "ok"
    assert r.history[0].status_code == 302


def test_raise_for_status_false_returns_response(httpserver):
    httpserver.expect_request("/").respond_with_data("gone", status=410)
    with Session(force_noauth=True, raise_for_status=False) as s:
        assert s.get(httpserver.url_for("/")).status_code == 410


def test_per_request_hooks_do_not_switch_raising_off(httpserver):
    httpserver.expect_request("/").respond_with_data("", status=500)
    seen = []

    def record(response, **kwargs):
        seen.append(response.status_code)

    with pytest.raises(exc.InternalServerError), ErrorsOnly() as s:
        s.get(httpserver.url_for("/"), hooks={"response": record})
    assert seen == [500]
    with pytest.raises(exc.InternalServerError), ErrorsOnly() as s:
        # positional hooks= (the tenth argument after method and url)
        s.request(
            "GET",
            httpserver.url_for("/"),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            True,
            None,
            {"response": [record]},
        )
    assert seen == [500, 500]


def test_removing_the_hook_switches_raising_off(httpserver):
    httpserver.expect_request("/").respond_with_data("", status=500)
    with ErrorsOnly() as s:
        s.hooks["response"].clear()
        assert s.get(httpserver.url_for("/")).status_code == 500


def test_exception_pickles_with_response(httpserver):
    httpserver.expect_request("/").respond_with_json({"error": "x"}, status=409)
    with pytest.raises(exc.Conflict) as info, ErrorsOnly() as s:
        s.get(httpserver.url_for("/"))
    clone = pickle.loads(pickle.dumps(info.value))
    assert type(clone) is exc.Conflict
    assert str(clone) == str(info.value)
    assert clone.response.status_code == 409


def test_unreadable_json_falls_back_to_text(requests_mock):
    requests_mock.get(
        "https://h.example/x",
        status_code=400,
        headers={"Content-Type": "application/json"},
        text="{not json",
    )
    with pytest.raises(exc.BadRequest, match=r"\{not json"), ErrorsOnly() as s:
        s.get("https://h.example/x")


def test_json_errors_list(requests_mock):
    requests_mock.get(
        "https://h.example/x",
        status_code=400,
        json={"errors": [{"message": "a"}, {"detail": "b"}]},
    )
    with pytest.raises(exc.BadRequest, match="a; b"), ErrorsOnly() as s:
        s.get("https://h.example/x")


def test_empty_reason_uses_standard_phrase():
    response = requests.Response()
    response.status_code = 503
    response.reason = ""
    response._content = b""
    response.request = requests.Request("GET", "https://h.example/").prepare()
    from requests_gracedb_like.errors import error_message

    assert (
        error_message(response) == "GET https://h.example/ -> 503 Service Unavailable"
    )


def test_error_response_with_werkzeug_json_body(httpserver):
    httpserver.expect_request("/").respond_with_response(
        Response(
            json.dumps({"message": "quota"}),
            status=429,
            content_type="application/problem+json",
        )
    )
    with pytest.raises(exc.TooManyRequests, match="quota"), ErrorsOnly() as s:
        s.get(httpserver.url_for("/"))


class BareHTTPError(requests.HTTPError):
    """Like ligo-gracedb's HTTPError: never calls RequestException.__init__,
    so it has no ``request`` attribute."""

    def __init__(self, response):
        self.response = response
        Exception.__init__(self, response.status_code)


def test_hook_raising_an_error_without_request_attribute(httpserver):
    httpserver.expect_request("/x").respond_with_data("no", status=404)

    def raise_bare(response, *args, **kwargs):
        if response.status_code >= 400:
            response.content  # noqa: B018 - as ligo-gracedb's hook reads .text
            raise BareHTTPError(response)

    with Session(force_noauth=True) as s:
        s.hooks["response"] = [raise_bare]
        with pytest.raises(BareHTTPError) as info:
            s.get(httpserver.url_for("/x"))
    assert info.value.response.status_code == 404
    assert info.value.request.url == httpserver.url_for("/x")
