"""SessionPrepareMixin: the same prepared request as requests, faster."""

from __future__ import annotations

import pickle

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from requests_gracedb_like import Session
from requests_gracedb_like.prepare import SessionHeaders, SessionPrepareMixin


class _P(SessionPrepareMixin, requests.Session):
    pass


def _hook(response, *args, **kwargs):
    return response


REQUESTS = [
    {"method": "get", "url": "https://gracedb.example.org/api/superevents/"},
    {"method": "GET", "url": "https://gracedb.example.org/api/x y?q=a b#frag"},
    {"method": "GET", "url": "http://bücher.example/pfad/ä"},
    {"method": "GET", "url": "http://user:p%40ss@example.org:8080/a"},
    {"method": "GET", "url": "https://example.org/a", "params": {"b": "1", "c": None}},
    {"method": "GET", "url": "https://example.org/a?x=1", "params": [("y", "2")]},
    {
        "method": "POST",
        "url": "https://example.org/a",
        "headers": {"Accept": None, "X-One": "1", "user-agent": "mine"},
        "data": {"field": "value"},
    },
    {"method": "PUT", "url": "https://example.org/a", "json": {"k": [1, 2]}},
    {
        "method": "POST",
        "url": "https://example.org/up",
        "files": {"f": ("a.txt", b"content", "text/plain")},
    },
    {"method": "GET", "url": "https://example.org/", "auth": ("albert", "pw")},
    {"method": "GET", "url": "https://example.org/", "cookies": {"c": "1"}},
    {"method": "GET", "url": "https://example.org/", "hooks": {"response": _hook}},
    {"method": "GET", "url": b"https://example.org/bytes"},
    {"method": "GET", "url": "localhost:8000/no-scheme-is-kept"},
    {"method": "POST", "url": "https://example.org/empty"},
    {"method": "DELETE", "url": "https://example.org/empty", "data": []},
    {"method": "PATCH", "url": "https://example.org/empty", "data": b""},
    {"method": "HEAD", "url": "https://example.org/h", "headers": {"X-S": None}},
    {
        "method": "GET",
        "url": "https://example.org/",
        "headers": CaseInsensitiveDict({"x-session": "mine", b"X-Bytes": b"b"}),
    },
]


def _configure(session):
    session.headers["X-Session"] = "s"
    session.params = {"session": "1"}
    session.cookies.set("sid", "abc", domain="example.org")
    session.hooks["response"].append(_hook)
    return session


def _view(p):
    return (
        p.method,
        p.url,
        dict(p.headers),
        p.body,
        {k: list(v) for k, v in p.hooks.items()},
    )


@pytest.mark.parametrize("kwargs", REQUESTS)
@pytest.mark.parametrize("configured", [False, True])
def test_same_prepared_request_as_requests(kwargs, configured):
    with _P() as ours, requests.Session() as plain:
        if configured:
            _configure(ours)
            _configure(plain)
        want = plain.prepare_request(requests.Request(**kwargs))
        for _ in range(2):  # the second time from the remembered URL
            got = ours.prepare_request(requests.Request(**kwargs))
            if "files" in kwargs:  # the boundary is random
                boundary = got.headers["Content-Type"].partition("boundary=")[2]
                old = want.headers["Content-Type"].partition("boundary=")[2]
                want.body = want.body.replace(old.encode(), boundary.encode())
                want.headers["Content-Type"] = got.headers["Content-Type"]
            assert _view(got) == _view(want)
            assert type(got.headers) is CaseInsensitiveDict


@pytest.mark.parametrize(
    "url", ["http://", "https://exa mple.org:x/", "nothing", "http://*.example/"]
)
def test_bad_url_raises_as_requests_every_time(url):
    with _P() as ours, requests.Session() as plain:
        with pytest.raises(requests.RequestException) as want:
            plain.prepare_request(requests.Request("GET", url))
        for _ in range(2):
            with pytest.raises(type(want.value)):
                ours.prepare_request(requests.Request("GET", url))


def test_session_changes_apply_to_the_next_request():
    url = "https://example.org/a"
    with _P() as s:
        s.prepare_request(requests.Request("GET", url))
        s.headers["Authorization"] = "Bearer changed"
        s.params = {"page": "2"}
        p = s.prepare_request(requests.Request("GET", url))
    assert p.headers["Authorization"] == "Bearer changed"
    assert p.url == "https://example.org/a?page=2"


def test_netrc_is_used_when_trusting_the_environment(env):
    env.write_netrc("machine example.org login albert password pw\n")
    with _P() as s:
        with_netrc = s.prepare_request(requests.Request("GET", "https://example.org/"))
        s.trust_env = False
        without = s.prepare_request(requests.Request("GET", "https://example.org/"))
    assert with_netrc.headers["Authorization"].startswith("Basic ")
    assert "Authorization" not in without.headers


def test_remembered_urls_are_bounded():
    from requests_gracedb_like import prepare

    with _P() as s:
        for i in range(prepare.MAX_URLS + 5):
            s.prepare_request(requests.Request("GET", f"https://example.org/{i}"))
    assert prepare._prepared_url.cache_info().currsize <= prepare.MAX_URLS


def test_a_new_session_reuses_a_prepared_url_with_requests_result():
    from requests_gracedb_like import prepare

    url = "https://bücher.example/a path/?q=x y"
    prepare._prepared_url.cache_clear()
    with _P() as first, _P() as second, requests.Session() as plain:
        got = [
            s.prepare_request(requests.Request("GET", url)).url for s in (first, second)
        ]
        want = plain.prepare_request(requests.Request("GET", url)).url
    assert got == [want, want]
    assert want == "https://xn--bcher-kva.example/a%20path/?q=x%20y"
    info = prepare._prepared_url.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_a_rejected_url_is_rejected_every_time():
    for _ in range(2):
        with _P() as s, pytest.raises(requests.exceptions.MissingSchema):
            s.prepare_request(requests.Request("GET", "example.org/no-scheme"))


def test_a_prepared_request_class_of_its_own_prepares_every_url(monkeypatch):
    import requests.sessions

    seen = []

    class Counting(requests.PreparedRequest):
        def prepare_url(self, url, params):
            seen.append(url)
            super().prepare_url(url, params)

    # requests makes its PreparedRequest by the name in its sessions module.
    monkeypatch.setattr(requests.sessions, "PreparedRequest", Counting)
    from requests_gracedb_like import prepare

    monkeypatch.setattr(prepare, "PreparedRequest", Counting)
    with _P() as s:
        for _ in range(2):
            s.prepare_request(requests.Request("GET", "https://example.org/x"))
    assert seen == ["https://example.org/x"] * 2


def test_composed_session_round_trips_through_pickle(httpserver):
    httpserver.expect_request("/a").respond_with_data("ok")
    with Session(force_noauth=True) as s:
        s.get(httpserver.url_for("/a"))
        clone = pickle.loads(pickle.dumps(s))
    with clone:
        assert clone.get(httpserver.url_for("/a")).text == "ok"


HEADER_CASES = [
    # (session headers set, request headers)
    ({"X-A": "1"}, {"x-a": "2"}),
    ({"X-A": "1", "X-B": "2"}, {"X-B": None, "X-C": "3"}),
    ({b"X-Bytes": b"v"}, None),
    ({"X-A": None}, {"X-D": "4"}),
    ({"X-A": "1"}, {"accept": None, "Accept": "a/b"}),
    ({"X-A": "1"}, {"Accept": "a/b", "accept": None}),
    # an invalid session header that the request replaces is not an error
    ({"X-Bad": " leading space"}, {"X-Bad": "fine"}),
    ({"X-Bad": "line\nbreak"}, {"x-bad": None}),
]


@pytest.mark.parametrize(("session_headers", "request_headers"), HEADER_CASES)
def test_session_and_request_headers_merge_as_requests(
    session_headers, request_headers
):
    url = "https://example.org/a"
    with _P() as ours, requests.Session() as plain:
        for s in (ours, plain):
            s.headers.update(session_headers)
        want = plain.prepare_request(requests.Request("GET", url, request_headers))
        for _ in range(2):  # the second time from the checked headers
            got = ours.prepare_request(requests.Request("GET", url, request_headers))
            assert list(got.headers.items()) == list(want.headers.items())


@pytest.mark.parametrize(
    ("session_headers", "request_headers"),
    [
        ({"X-Bad": " leading"}, None),
        ({"X-A": "1"}, {"X-Bad": "a\r\nb"}),
        ({"X-A": "1", "X-B": "2"}, {"X-B": "bad\n", "X-A": " bad"}),
        ({"X-A": "1"}, {"X-Num": 5}),
    ],
)
def test_invalid_headers_raise_as_requests(session_headers, request_headers):
    url = "https://example.org/a"
    with _P() as ours, requests.Session() as plain:
        for s in (ours, plain):
            s.headers.update(session_headers)
        with pytest.raises(requests.exceptions.InvalidHeader) as want:
            plain.prepare_request(requests.Request("GET", url, request_headers))
        for _ in range(2):
            with pytest.raises(requests.exceptions.InvalidHeader) as got:
                ours.prepare_request(requests.Request("GET", url, request_headers))
            assert str(got.value) == str(want.value)


def test_session_headers_count_their_changes_and_survive_copies():
    with _P() as s:
        headers = s.headers
        assert isinstance(headers, SessionHeaders)
        assert isinstance(headers, CaseInsensitiveDict)
        seen = {headers.version}
        for change in (
            lambda h: h.__setitem__("X-New", "1"),
            lambda h: h.update({"X-Other": "2"}),
            lambda h: h.pop("X-New"),
            lambda h: h.setdefault("X-Third", "3"),
            lambda h: h.clear(),
        ):
            change(headers)
            assert headers.version not in seen
            seen.add(headers.version)
        assert type(headers.copy()) is SessionHeaders
        assert type(pickle.loads(pickle.dumps(headers))) is SessionHeaders


def test_every_change_to_session_headers_is_sent(httpserver):
    httpserver.expect_request("/").respond_with_handler(
        lambda request: __import__("werkzeug").Response(
            request.headers.get("X-Changing", "-")
        )
    )
    with Session(force_noauth=True) as s:
        seen = [s.get(httpserver.url_for("/")).text]
        s.headers["X-Changing"] = "one"
        seen.append(s.get(httpserver.url_for("/")).text)
        s.headers.update({"x-changing": "two"})
        seen.append(s.get(httpserver.url_for("/")).text)
        del s.headers["X-CHANGING"]
        seen.append(s.get(httpserver.url_for("/")).text)
        s.headers = {"X-Changing": "a plain dict"}
        seen.append(s.get(httpserver.url_for("/")).text)
        clone = s.with_headers({"X-Changing": "clone"})
        seen.append(clone.get(httpserver.url_for("/")).text)
    assert seen == ["-", "one", "two", "-", "a plain dict", "clone"]


class _CallableObject:
    def __call__(self, response, **kwargs):
        return response


@pytest.mark.parametrize(
    "session_hooks",
    [
        {"response": []},
        {"response": [_hook, _CallableObject(), print, "not callable", None]},
        {"response": (_hook,)},
        {"response": _hook},
        {"response": [_hook], "unknown": []},
    ],
)
@pytest.mark.parametrize("request_hooks", [None, {"response": [_CallableObject()]}])
def test_hooks_registered_as_requests_registers_them(session_hooks, request_hooks):
    def prepare(session):
        session.hooks = dict(session_hooks)
        try:
            p = session.prepare_request(
                requests.Request("GET", "https://example.org/", hooks=request_hooks)
            )
        except ValueError as exc:
            return str(exc)
        return {k: list(v) for k, v in p.hooks.items()}

    with _P() as ours, requests.Session() as plain:
        assert prepare(ours) == prepare(plain)


@pytest.mark.parametrize("session_params", [None, {}, {"s": "1"}, [("s", "1")]])
@pytest.mark.parametrize("params", [None, {}, [], b"", "", {"r": "2"}, b"r=2"])
def test_params_merge_as_requests(session_params, params):
    url = "https://example.org/a?q=0"
    with _P() as ours, requests.Session() as plain:
        for session in (ours, plain):
            session.params = session_params
        for _ in range(2):  # the second time from the remembered URL
            got = ours.prepare_request(requests.Request("GET", url, params=params))
            want = plain.prepare_request(requests.Request("GET", url, params=params))
            assert got.url == want.url
