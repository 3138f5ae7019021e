"""CookieHeaders (through SessionPrepareMixin): the Cookie header requests
would send, for every URL, jar change and moment."""

from __future__ import annotations

import time

import pytest
import requests
import time_machine
from requests.cookies import create_cookie

from requests_gracedb_like.prepare import SessionPrepareMixin


class _P(SessionPrepareMixin, requests.Session):
    pass


NOW = 1_800_000_000

URLS = [
    "https://example.org/",
    "https://example.org/api/x",
    "http://example.org/api/x",
    "https://sub.example.org/a",
    "https://other.example/",
    "https://example.org:8443/api/",
    "http://127.0.0.1:8000/api/",
]


def _fill(jar):
    jar.set("plain", "1")
    jar.set("scoped", "2", domain="example.org", path="/api")
    jar.set("dotted", "3", domain=".example.org")
    jar.set("secure", "4", domain="example.org", secure=True)
    jar.set("expiring", "5", domain="example.org", expires=NOW + 60)
    jar.set("expired", "6", domain="example.org", expires=NOW - 60)
    jar.set("quoted", '"a b"', domain="example.org")
    jar.set_cookie(create_cookie("v1", "7", domain="example.org", version=1))
    jar.set("ip", "8", domain="127.0.0.1")


def _headers(session, url, **kwargs):
    p = session.prepare_request(requests.Request("GET", url, **kwargs))
    return p.headers.get("Cookie"), sorted(c.name for c in p._cookies)


def _both():
    ours, plain = _P(), requests.Session()
    for s in (ours, plain):
        _fill(s.cookies)
    return ours, plain


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("url", URLS)
def test_same_cookie_header_as_requests(url):
    ours, plain = _both()
    want = _headers(plain, url)
    for _ in range(3):  # then from memory
        assert _headers(ours, url) == want


@time_machine.travel(NOW, tick=False)
def test_host_header_and_explicit_cookie_header_as_requests():
    ours, plain = _both()
    for kwargs in (
        {"headers": {"Host": "sub.example.org"}},
        {"headers": {"Cookie": "mine=1"}},
        {"cookies": {"extra": "9"}},
    ):
        for url in URLS:
            want = _headers(plain, url, **kwargs)
            assert _headers(ours, url, **kwargs) == want
            assert _headers(ours, url, **kwargs) == want


def test_every_change_to_the_jar_is_seen():
    url = "https://example.org/api/x"
    changes = [
        lambda jar: jar.set("new", "n", domain="example.org"),
        lambda jar: jar.set("plain", "changed"),
        lambda jar: jar.__delitem__("plain"),
        # a cookie changed in place, not through the jar
        lambda jar: setattr(next(c for c in jar if c.name == "scoped"), "value", "x"),
        lambda jar: setattr(next(c for c in jar if c.name == "secure"), "secure", 0),
        lambda jar: jar.clear("example.org"),
    ]
    with time_machine.travel(NOW, tick=False):
        ours, plain = _both()
        assert _headers(ours, url) == _headers(plain, url)
        for change in changes:
            change(ours.cookies)
            change(plain.cookies)
            assert _headers(ours, url) == _headers(plain, url)


def test_a_cookie_stops_being_sent_when_it_expires():
    url = "https://example.org/"
    with time_machine.travel(NOW, tick=False) as clock:
        ours, plain = _both()
        before = _headers(ours, url)
        assert "expiring=5" in before[0]
        assert before == _headers(plain, url)
        clock.move_to(NOW + 61)
        after = _headers(ours, url)
        assert "expiring=5" not in after[0]
        assert after == _headers(plain, url)
        # and if the clock is set back, it is sent again, as by requests
        clock.move_to(NOW)
        assert _headers(ours, url) == before


def test_remembered_headers_are_dropped_on_close():
    with time_machine.travel(time.time(), tick=False):
        ours, _ = _both()
        _headers(ours, "https://example.org/")
        ours.close()
        assert ours._cookie_headers._state is None
