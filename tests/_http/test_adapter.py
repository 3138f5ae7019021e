"""LeanHTTPAdapter: requests' adapter, remembering pools, paths and
timeouts, with the same results."""

from __future__ import annotations

import io

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Timeout
from werkzeug import Response

from requests_gracedb_like._http import adapter as adapter_module
from requests_gracedb_like._http.adapter import SEND_BLOCKSIZE, LeanHTTPAdapter


def _session(adapter):
    s = requests.Session()
    for prefix in ("http://", "https://"):
        s.mount(prefix, adapter)
    return s


def test_same_responses_as_requests_adapter(httpserver):
    httpserver.expect_request("/a").respond_with_data("body", headers={"X-A": "1"})
    httpserver.expect_request("/c").respond_with_response(
        Response("c", headers=[("Set-Cookie", "k=v; Path=/")])
    )
    with _session(LeanHTTPAdapter()) as ours, requests.Session() as plain:
        for path in ("/a", "/c", "/a?q=1"):
            got = ours.get(httpserver.url_for(path), timeout=(5, 7))
            want = plain.get(httpserver.url_for(path), timeout=(5, 7))
            assert (got.status_code, got.content, got.url, got.reason) == (
                want.status_code,
                want.content,
                want.url,
                want.reason,
            )
            assert sorted(got.cookies.items()) == sorted(want.cookies.items())
            assert got.connection is ours.get_adapter(got.url)
    # The same paths and queries reached the server from both.
    sent = [r.url for r, _ in httpserver.log]
    assert sent[0::2] == sent[1::2]
    assert sent[4].endswith("/a?q=1")


def test_one_pool_while_the_manager_holds_it(httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    adapter = LeanHTTPAdapter()
    p = requests.Request("GET", httpserver.url_for("/")).prepare()

    def pool():
        return adapter.get_connection_with_tls_context(p, True)

    with _session(adapter) as s:
        s.get(p.url)
        first = pool()
        s.get(p.url)
        assert pool() is first
        assert len(adapter.poolmanager.pools) == 1
        # A user dropping the pools (to reconnect, for instance) is obeyed.
        adapter.poolmanager.clear()
        s.get(p.url)
        assert pool() is not first
        assert len(adapter.poolmanager.pools) == 1
        # So is a new pool manager.
        adapter.init_poolmanager(10, 10)
        s.get(p.url)
        assert len(adapter.poolmanager.pools) == 1


@pytest.mark.parametrize(
    ("timeout", "want"),
    [
        ((3, 4), (3, 4)),
        (5, (5, 5)),
        (None, (None, None)),
        (Timeout(connect=1, read=2), (1, 2)),
    ],
)
def test_timeouts_reach_urllib3_as_given(monkeypatch, timeout, want):
    seen = []

    def urlopen(self, method, url, **kwargs):
        seen.append(kwargs["timeout"])
        raise requests.exceptions.ConnectionError("stop")

    monkeypatch.setattr("urllib3.connectionpool.HTTPConnectionPool.urlopen", urlopen)
    adapter = LeanHTTPAdapter()
    p = requests.Request("GET", "http://127.0.0.1:9/").prepare()
    for _ in range(2):  # the second time from memory
        with pytest.raises(requests.exceptions.ConnectionError):
            adapter.send(p, timeout=timeout)
    assert [(t.connect_timeout, t.read_timeout) for t in seen] == [want, want]


def test_bad_timeouts_raise_as_requests():
    p = requests.Request("GET", "http://127.0.0.1:9/").prepare()
    for bad in [(1, 2, 3), -1]:
        with pytest.raises(ValueError, match="timeout") as want:
            HTTPAdapter().send(p, timeout=bad)
        with pytest.raises(ValueError, match="timeout") as got:
            LeanHTTPAdapter().send(p, timeout=bad)
        assert str(got.value) == str(want.value)


def test_add_headers_override_sees_the_timeout_as_given(httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    seen = []

    class Recording(LeanHTTPAdapter):
        def add_headers(self, request, **kwargs):
            seen.append(kwargs["timeout"])

    with _session(Recording()) as s:
        s.get(httpserver.url_for("/"), timeout=(2, 3))
    assert seen == [(2, 3)]


def test_bodies_are_sent_in_large_blocks(httpserver, tmp_path):
    httpserver.expect_request("/up", method="POST").respond_with_data("ok")
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * (3 * SEND_BLOCKSIZE))
    reads = []

    class Recording(io.FileIO):
        def read(self, n=-1):
            reads.append(n)
            return super().read(n)

    with _session(LeanHTTPAdapter()) as s, Recording(path) as body:
        s.post(httpserver.url_for("/up"), data=body)
    assert reads[0] == SEND_BLOCKSIZE
    assert len(httpserver.log[0][0].get_data()) == 3 * SEND_BLOCKSIZE


def _response_view(r):
    return (
        type(r),
        sorted(vars(r)),
        r.status_code,
        r.reason,
        r.url,
        r.encoding,
        type(r.headers),
        [(k, v) for k, v in r.headers.items() if k.lower() != "date"],
        r.headers.get("x-repeated"),
        type(r.cookies),
        sorted(r.cookies.items()),
        r.history,
        r._next,
        r.content,
    )


@pytest.mark.parametrize("fast", [True, False])
def test_responses_built_as_requests_builds_them(httpserver, monkeypatch, fast):
    # Repeated and oddly cased headers, a charset, an empty body, a cookie.
    monkeypatch.setattr(adapter_module, "_SAME_RESPONSE", fast)
    httpserver.expect_request("/h").respond_with_response(
        Response(
            b"h\xe9",
            content_type="text/plain; charset=latin-1",
            headers=[("X-Repeated", "a"), ("x-REPEATED", "b"), ("ETag", '"1"')],
        )
    )
    httpserver.expect_request("/empty").respond_with_data("", status=204)
    httpserver.expect_request("/c").respond_with_response(
        Response("c", headers=[("Set-Cookie", "k=v; Path=/")])
    )
    with _session(LeanHTTPAdapter()) as ours, requests.Session() as plain:
        for path in ("/h", "/empty", "/c"):
            got = ours.get(httpserver.url_for(path))
            want = plain.get(httpserver.url_for(path))
            assert _response_view(got) == _response_view(want)
    got = ours.get(httpserver.url_for("/h"))
    assert got.headers["X-Repeated"] == "a, b"
    assert got.text == "h\u00e9"
    # Each response has a jar of its own.
    other = ours.get(httpserver.url_for("/h"))
    got.cookies.set("mine", "1")
    assert not other.cookies


def test_requests_response_layout_is_recognised():
    assert adapter_module._SAME_RESPONSE


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/html; charset=UTF-8",
        "application/json",
        "application/octet-stream",
        'text/csv; charset="latin-1"; header=present',
        "",
    ],
)
def test_encoding_as_requests_reads_it(content_type):
    from requests.utils import get_encoding_from_headers

    headers = {"content-type": content_type}
    for _ in range(2):  # the second time from memory
        assert adapter_module._encoding_of(content_type) == get_encoding_from_headers(
            headers
        )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://127.0.0.1:9",
        "http://127.0.0.1:9/a/b?x=1&y=%20#frag",
        "http://127.0.0.1:9?only=query",
        "http://user:pw@127.0.0.1:9/p;params",
        "http://[::1]:9/v6",
    ],
)
def test_paths_sent_are_requests_paths(url):
    p = requests.Request("GET", url).prepare()
    adapter = LeanHTTPAdapter()
    for _ in range(2):  # the second time from memory
        assert adapter.request_url(p, None) == HTTPAdapter().request_url(p, None)
        assert adapter.request_url(p, {}) == p.path_url


def test_a_request_class_with_its_own_path_is_asked():
    class Rewritten(requests.PreparedRequest):
        @property
        def path_url(self):
            return "/rewritten"

    p = Rewritten()
    p.prepare(method="GET", url="http://127.0.0.1:9/original")
    assert LeanHTTPAdapter().request_url(p, None) == "/rewritten"


# -- the pool manager, made when first used ---------------------------------


def test_a_session_closed_unused_makes_no_pool_manager(made_pool_managers):
    from requests_gracedb_like import Session

    with Session("https://gracedb.example.org/api/", force_noauth=True) as s:
        adapter = s.get_adapter("https://gracedb.example.org/")
    assert made_pool_managers == []
    assert "poolmanager" not in vars(adapter)


def test_the_first_request_makes_one_pool_manager_for_good(
    httpserver, made_pool_managers
):
    httpserver.expect_request("/").respond_with_data("ok")
    adapter = LeanHTTPAdapter(pool_maxsize=7)
    with _session(adapter) as s:
        made_pool_managers.clear()  # requests.Session() makes two of its own
        for _ in range(3):
            assert s.get(httpserver.url_for("/")).text == "ok"
        manager = adapter.poolmanager
        assert made_pool_managers == [manager]
        # requests' settings reach it, and a plain attribute serves it now.
        assert manager.connection_pool_kw["maxsize"] == 7
        assert vars(adapter)["poolmanager"] is manager


def test_threads_sending_through_a_new_adapter_share_one_manager(
    httpserver, made_pool_managers
):
    import threading

    httpserver.expect_request("/").respond_with_data("ok")
    adapter = LeanHTTPAdapter(pool_maxsize=8)
    start = threading.Barrier(8)
    texts, errors = [], []

    def send():
        try:
            start.wait()
            texts.append(s.get(httpserver.url_for("/")).text)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with _session(adapter) as s:
        made_pool_managers.clear()  # requests.Session() makes two of its own
        threads = [threading.Thread(target=send) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    assert texts == ["ok"] * 8
    assert made_pool_managers == [adapter.poolmanager]


def test_a_subclass_setting_its_own_pool_arguments_still_has_them(httpserver):
    import socket

    nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]

    class Custom(LeanHTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            kwargs["socket_options"] = nodelay
            super().init_poolmanager(*args, **kwargs)

    httpserver.expect_request("/").respond_with_data("ok")
    adapter = Custom()
    with _session(adapter) as s:
        assert s.get(httpserver.url_for("/")).text == "ok"
    assert adapter.poolmanager.connection_pool_kw["socket_options"] == nodelay
    assert adapter.poolmanager.connection_pool_kw["blocksize"] == SEND_BLOCKSIZE


def test_an_unused_adapter_pickles_and_then_sends(httpserver):
    import pickle

    httpserver.expect_request("/").respond_with_data("ok")
    adapter = pickle.loads(pickle.dumps(LeanHTTPAdapter(pool_maxsize=5)))
    with _session(adapter) as s:
        assert s.get(httpserver.url_for("/")).text == "ok"
    assert adapter.poolmanager.connection_pool_kw["maxsize"] == 5
