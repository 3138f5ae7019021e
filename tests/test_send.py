"""SessionSendMixin: the same responses, cookies, hooks and redirects as
requests.Session.send."""

from __future__ import annotations

import pytest
import requests
import requests_mock
from werkzeug import Response

from requests_gracedb_like import Session
from requests_gracedb_like.send import SessionSendMixin


class _S(SessionSendMixin, requests.Session):
    pass


def _serve(httpserver):
    httpserver.expect_request("/plain").respond_with_data(
        "plain body", headers={"X-Test": "1"}
    )
    httpserver.expect_request("/cookie").respond_with_response(
        Response("with cookie", headers=[("Set-Cookie", "sid=abc; Path=/")])
    )
    httpserver.expect_request("/two-cookies").respond_with_response(
        Response(
            "two",
            headers=[("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")],
        )
    )
    httpserver.expect_request("/redirect").respond_with_response(
        Response(
            "",
            status=302,
            headers=[("Location", "/cookie"), ("Set-Cookie", "hop=1; Path=/")],
        )
    )
    httpserver.expect_request("/loop").respond_with_response(
        Response("", status=302, headers=[("Location", "/loop")])
    )
    httpserver.expect_request("/missing").respond_with_data("no", status=404)
    httpserver.expect_request("/echo-cookie").respond_with_handler(
        lambda request: Response(request.headers.get("Cookie", "-"))
    )


def _view(response):
    return (
        response.status_code,
        response.reason,
        response.url,
        response.content,
        response.encoding,
        {k: v for k, v in response.headers.items() if k.lower() != "date"},
        [(r.status_code, r.url) for r in response.history],
        type(response.cookies),
        sorted(response.cookies.items()),
        response.request.url,
        response.is_redirect,
    )


@pytest.mark.parametrize(
    "path", ["/plain", "/cookie", "/two-cookies", "/redirect", "/missing"]
)
@pytest.mark.parametrize("allow_redirects", [True, False])
def test_same_response_and_cookies_as_requests(httpserver, path, allow_redirects):
    _serve(httpserver)
    url = httpserver.url_for(path)
    with _S() as ours, requests.Session() as plain:
        got = ours.get(url, allow_redirects=allow_redirects)
        want = plain.get(url, allow_redirects=allow_redirects)
        assert _view(got) == _view(want)
        assert sorted(ours.cookies.items()) == sorted(plain.cookies.items())
        # The session's cookies go out with the next request, as in requests.
        echo = httpserver.url_for("/echo-cookie")
        assert ours.get(echo).text == plain.get(echo).text
        next_got, next_want = got.next, want.next
        assert (next_got and next_got.url) == (next_want and next_want.url)


def test_redirect_limit_raises_as_requests(httpserver):
    _serve(httpserver)
    with _S() as ours, requests.Session() as plain:
        ours.max_redirects = plain.max_redirects = 3
        with pytest.raises(requests.TooManyRedirects) as want:
            plain.get(httpserver.url_for("/loop"))
        with pytest.raises(requests.TooManyRedirects) as got:
            ours.get(httpserver.url_for("/loop"))
    assert str(got.value) == str(want.value)


def test_response_hooks_run_and_may_replace_the_response(httpserver):
    _serve(httpserver)
    seen = []

    def record(response, **kwargs):
        seen.append((response.url, sorted(kwargs)))

    def replace(response, **kwargs):
        replaced = requests.Response()
        replaced.status_code = 299
        replaced._content = b"from the hook"
        replaced.request = response.request
        return replaced

    with _S() as ours, requests.Session() as plain:
        for s in (ours, plain):
            s.hooks["response"].append(record)
        ours.get(httpserver.url_for("/plain"))
        plain.get(httpserver.url_for("/plain"))
        assert seen[0] == seen[1]
        got = ours.get(httpserver.url_for("/plain"), hooks={"response": replace})
    assert (got.status_code, got.content) == (299, b"from the hook")


def test_stream_leaves_the_body_unread(httpserver):
    _serve(httpserver)
    with _S() as s:
        r = s.get(httpserver.url_for("/plain"), stream=True)
        assert r._content is False
        assert r.raw.read() == b"plain body"


def test_composed_session_follows_redirects_with_cookies(httpserver):
    _serve(httpserver)
    with Session(force_noauth=True) as s:
        r = s.get(httpserver.url_for("/redirect"))
    assert [h.status_code for h in r.history] == [302]
    assert r.text == "with cookie"
    assert sorted(s.cookies.keys()) == ["hop", "sid"]


def test_a_replaced_requests_send_is_used():
    # requests-mock replaces requests.Session.send; it must still see every
    # request of a session.
    with requests_mock.Mocker() as m, _S() as s:
        m.get("https://mocked.example/x", text="mocked")
        assert s.get("https://mocked.example/x").text == "mocked"


def test_sending_a_request_instead_of_a_prepared_one_raises_as_requests():
    with _S() as s, pytest.raises(ValueError, match="PreparedRequests"):
        s.send(requests.Request("GET", "https://example.org/"))


@pytest.mark.parametrize(
    "fault", ["short-body", "reset-mid-body", "drip", "garbage", "ok", "json-error"]
)
def test_body_failures_raise_as_requests(fault_server, fault):
    url = fault_server.url(fault)

    def outcome(session):
        try:
            r = session.get(url, timeout=5)
        except requests.RequestException as exc:
            return type(exc), str(exc)
        return r.status_code, r.content

    with _S() as ours, requests.Session() as plain:
        assert outcome(ours) == outcome(plain)
