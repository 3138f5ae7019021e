"""Promise: a copy (``with_cookies``, ``with_headers``, ``with_timeout``,
``with_retries``) shares nothing mutable with its original, and the
``Cookie`` header of every request is the one plain requests would send
from the jar as it is.

One local server records each request; a per-request ``X-Who`` header
says which session sent it, and every request goes to the same URL so
that nothing but the session tells them apart.
"""

from __future__ import annotations

import collections
import sys
import threading
from http.cookiejar import Cookie

import pytest
import requests
from hostile import BOUND
from requests.cookies import create_cookie

from requests_gracedb_like import Session

COPIES = {
    "with_cookies": lambda s: s.with_cookies({"copy": "2"}),
    "with_headers": lambda s: s.with_headers({"X-Copy": "2"}),
    "with_timeout": lambda s: s.with_timeout(7),
    "with_retries": lambda s: s.with_retries(1),
}


def _header(head: bytes, name: str):
    prefix = name.lower().encode() + b":"
    for line in head.split(b"\r\n")[1:]:
        if line.lower().startswith(prefix):
            return line[len(prefix) :].strip().decode()
    return None


def _sent(server):
    """``{who: Counter(cookie header)}`` of every request the server saw."""
    seen = collections.defaultdict(collections.Counter)
    for head in server.heads:
        seen[_header(head, "X-Who")][_header(head, "Cookie")] += 1
    return seen


@pytest.mark.parametrize("how", COPIES)
def test_cookies_set_on_either_side_stay_there(recorder, how):
    server = recorder()
    with Session(server.url(), force_noauth=True) as original:
        original.cookies.set("shared", "0")
        copy = COPIES[how](original)
        copy.cookies.set("copy_only", "c")
        original.cookies.set("original_only", "o")
        for _ in range(3):
            original.get(server.url("/same"), headers={"X-Who": "o"}, timeout=5)
            copy.get(server.url("/same"), headers={"X-Who": "c"}, timeout=5)
        copy.close()
    sent = _sent(server)
    # The order of cookies in the header is the jar's, which varies between
    # Python versions: compare the cookies.
    assert {frozenset((c or "").split("; ")) for c in sent["o"]} == {
        frozenset({"shared=0", "original_only=o"})
    }
    copy_cookies = set(sent["c"])
    assert len(copy_cookies) == 1
    assert "copy_only=c" in copy_cookies.pop()
    assert not any("copy_only" in (c or "") for c in sent["o"])
    assert not any("original_only" in (c or "") for c in sent["c"])


def _interleaving_cookie(name, value, during):
    """A cookie that runs `during()` (once) while a request is working out
    its ``Cookie`` header: what another thread using another session may
    do at that very moment."""

    class Interleaving(Cookie):
        armed = True

        def is_expired(self, now=None):
            if Interleaving.armed:
                Interleaving.armed = False
                during()
            return super().is_expired(now)

        def __copy__(self):  # requests copies the jar for each request
            new = Interleaving.__new__(Interleaving)
            new.__dict__.update(self.__dict__)
            return new

    fields = vars(create_cookie(name, value))
    fields = {k: v for k, v in fields.items() if k != "_rest"}
    return Interleaving(**fields, rest={})


@pytest.mark.parametrize("how", COPIES)
def test_a_copy_working_in_between_does_not_cross_cookies(recorder, how):
    """Deterministic form of two threads: the copy sends a request while
    the original is in the middle of working out its own ``Cookie``
    header; afterwards each sends only its own cookies."""
    server = recorder()
    url = server.url("/same")
    with Session(server.url(), force_noauth=True) as original:
        copy = COPIES[how](original)
        copy.cookies.set("who", "copy")

        def copy_sends():
            copy.get(url, headers={"X-Who": "c"}, timeout=5)

        original.cookies.set_cookie(_interleaving_cookie("who", "orig", copy_sends))
        for _ in range(3):
            original.get(url, headers={"X-Who": "o"}, timeout=5)
            copy.get(url, headers={"X-Who": "c"}, timeout=5)
        copy.close()
    sent = _sent(server)
    assert sum(sent["c"].values()) == 4, "the copy sent one request in between"
    assert set(sent["o"]) == {"who=orig"}
    assert all("who=copy" in c and "who=orig" not in c for c in sent["c"])


@pytest.fixture
def busy_switching():
    """Threads switch as often as the interpreter lets them: races that
    need two threads to interleave inside a few lines show up in a few
    hundred requests rather than in thousands."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def test_threads_using_a_copy_and_its_original_never_cross_cookies(
    recorder, busy_switching
):
    server = recorder()
    url = server.url("/same")
    rounds, threads_per_side = 150, 6
    with Session(server.url(), force_noauth=True) as original:
        original.cookies.set("o", "1")
        copy = original.with_cookies({"c": "2"})
        errors = []

        def work(session, who):
            try:
                for _ in range(rounds):
                    session.get(url, headers={"X-Who": who}, timeout=5)
            except Exception as exc:  # reported below
                errors.append(exc)

        threads = [
            threading.Thread(target=work, args=(s, w), daemon=True)
            for s, w in [(original, "o"), (copy, "c")] * threads_per_side
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(BOUND)
        copy.close()
    assert not errors
    assert not any(thread.is_alive() for thread in threads)
    sent = _sent(server)
    assert (
        sum(sent["o"].values()) == sum(sent["c"].values()) == rounds * threads_per_side
    )
    assert set(sent["o"]) == {"o=1"}
    assert set(sent["c"]) == {"o=1; c=2"}


class _UpdatedAfterCopy(Cookie):
    """A cookie that another thread replaces in the jar just after a request
    copied the jar (requests copies the session's jar for each request)."""

    jar = None

    def __copy__(self):
        new = create_cookie(self.name, self.value)
        if self.jar is not None:
            jar, self.jar = self.jar, None
            jar.set(self.name, "new")
        return new


def _cookie_headers(make_session, server, urls):
    with make_session() as s:
        fields = {
            k: v for k, v in vars(create_cookie("c", "old")).items() if k != "_rest"
        }
        cookie = _UpdatedAfterCopy(**fields, rest={})
        s.cookies.set_cookie(cookie)
        s.get(urls[0], timeout=5)
        cookie.jar = s.cookies
        for url in urls[1:]:
            s.get(url, timeout=5)
    sent = [_header(head, "Cookie") for head in server.heads]
    server.heads.clear()
    return sent


@pytest.mark.parametrize(
    "paths",
    [["/a", "/a", "/a"], ["/a", "/b", "/b", "/b"], ["/a", "/a", "/b", "/a"]],
)
def test_a_jar_updated_between_requests_sends_what_requests_sends(recorder, paths):
    server = recorder()
    urls = [server.url(p) for p in paths]
    expected = _cookie_headers(requests.Session, server, urls)
    got = _cookie_headers(
        lambda: Session(server.url(), force_noauth=True), server, urls
    )
    assert expected[-1] == "c=new"
    assert got == expected
