"""SessionSendMixin: the same responses, cookies, hooks and redirects as
requests.Session.send."""

from __future__ import annotations

import contextlib

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


def _bodies(httpserver):
    import gzip

    big = bytes(range(256)) * 200  # past one of requests' 10 KiB chunks
    httpserver.expect_request("/gzip").respond_with_response(
        Response(gzip.compress(big), headers=[("Content-Encoding", "gzip")])
    )
    # An iterable body without a length: read until the server closes.
    httpserver.expect_request("/no-length").respond_with_handler(
        lambda request: Response(iter([b"one ", b"two ", big]), direct_passthrough=True)
    )
    httpserver.expect_request("/big").respond_with_data(big)
    httpserver.expect_request("/head").respond_with_data(big)
    return big


@pytest.mark.parametrize("path", ["/gzip", "/no-length", "/big", "/head"])
def test_bodies_read_as_requests_reads_them(httpserver, path):
    big = _bodies(httpserver)
    method = "HEAD" if path == "/head" else "GET"
    with _S() as ours, requests.Session() as plain:
        got = ours.request(method, httpserver.url_for(path))
        want = plain.request(method, httpserver.url_for(path))
        assert _view(got) == _view(want)
        # The connection went back to the pool: the next request reuses it.
        again = ours.get(httpserver.url_for("/big"))
        assert again.content == big
    if path == "/head":
        assert got.content == b""
    else:
        assert got.content.endswith(big)


@pytest.fixture
def chunked_server():
    """A server that answers every request on a connection with a chunked,
    gzip-encoded body."""
    import gzip
    import socket
    import threading

    body = gzip.compress(b"chunked " * 5000)
    parts = [body[:10], body[10:3000], body[3000:]]
    answer = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Encoding: gzip\r\n\r\n"
        + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts)
        + b"0\r\n\r\n"
    )
    listener = socket.create_server(("127.0.0.1", 0))
    conns = []

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            handler = threading.Thread(target=handle, args=(conn,), daemon=True)
            conns.append((conn, handler))
            handler.start()

    def handle(conn):
        data = b""
        with contextlib.suppress(OSError):
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
                while b"\r\n\r\n" in data:
                    _, data = data.split(b"\r\n\r\n", 1)
                    conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
    listener.close()
    thread.join()
    for conn, handler in conns:
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_RDWR)  # wakes recv()
        handler.join()
        conn.close()


@pytest.mark.enable_socket
def test_chunked_bodies_read_as_requests_reads_them(chunked_server):
    with _S() as ours, requests.Session() as plain:
        for _ in range(2):  # the second on the same connection
            got = ours.get(chunked_server)
            want = plain.get(chunked_server)
            assert got.raw.chunked
            assert _view(got) == _view(want)
            assert got.content == b"chunked " * 5000


def test_an_overridden_redirect_target_is_asked_for_every_response(httpserver):
    # A session that follows a Refresh header (not a redirect to requests)
    # is asked about the 200 too, and its answer followed.
    httpserver.expect_request("/start").respond_with_response(
        Response("later", headers=[("Refresh", "/plain")])
    )
    _serve(httpserver)
    asked = []

    class Following(_S):
        def get_redirect_target(self, resp):
            asked.append(resp.status_code)
            if "Refresh" in resp.headers and not resp.history:
                return resp.headers["Refresh"]
            return super().get_redirect_target(resp)

    with Following() as s:
        r = s.get(httpserver.url_for("/start"))
    assert r.content == b"plain body"
    assert [h.status_code for h in r.history] == [200]
    assert asked[0] == 200


def test_a_response_replaced_by_a_hook_may_redirect(httpserver):
    # A hook's own Response class decides what a redirect is.
    _serve(httpserver)

    class Moved(requests.Response):
        @property
        def is_redirect(self):
            return "location" in self.headers

    def hook(response, **kwargs):
        moved = Moved()
        moved.__dict__.update(response.__dict__)
        moved.headers["Location"] = "/plain"
        return moved if response.status_code == 404 else None

    with _S() as s:
        r = s.get(httpserver.url_for("/missing"), hooks={"response": hook})
    assert (r.status_code, r.content) == (200, b"plain body")


def _tagging(tag):
    def hook(response, **kwargs):
        response.headers["X-Hooks"] = response.headers.get("X-Hooks", "") + tag
        # A hook may return None (keep the response) or a response.
        return response if tag == "b" else None

    return hook


@pytest.mark.parametrize(
    "hooks",
    [
        {},
        {"response": []},
        {"response": [_tagging("a"), _tagging("b"), _tagging("c")]},
        {"response": _tagging("a")},
        {"response": (_tagging("a"), _tagging("b"))},
        {"response": None},
    ],
)
def test_hooks_of_a_prepared_request_run_as_requests_runs_them(httpserver, hooks):
    # A request prepared by hand may hold its hooks in any form.
    _serve(httpserver)

    def outcome(session):
        p = requests.Request("GET", httpserver.url_for("/plain")).prepare()
        p.hooks = dict(hooks)
        r = session.send(p)
        return r.status_code, r.headers.get("X-Hooks")

    with _S() as ours, requests.Session() as plain:
        assert outcome(ours) == outcome(plain)
