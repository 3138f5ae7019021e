"""The ``Cookie`` header of a request, worked out once per state of the
session's cookie jar: :class:`CookieHeaders`.

For every request, requests copies the session's cookie jar and asks
:mod:`http.cookiejar` which cookies go with the URL; the cookie policy checks
each cookie against a URL it parses again for every check. With tens of
cookies that is most of the cost of a request, and the answer only changes
when the jar, the URL or the clock (a cookie expiring) does.
"""

from __future__ import annotations

import bisect
import time
from http.cookiejar import CookieJar
from typing import Any, Optional

from requests.models import PreparedRequest

from .memo import remember

__all__ = ["MAX_URLS", "CookieHeaders"]

#: The most URLs whose ``Cookie`` header is remembered per state of the jar.
MAX_URLS = 256

_NEVER = float("inf")


class CookieHeaders:
    """Remembers the ``Cookie`` header that
    :meth:`requests.PreparedRequest.prepare_cookies` sets, per URL and
    ``Host`` header, while the jar's cookies (every attribute of every
    cookie) and the set of expired cookies stay the same."""

    __slots__ = ("_expiries", "_headers", "_state")

    def __init__(self) -> None:
        self._state: Optional[tuple[Any, ...]] = None
        self._expiries: list[float] = []
        self._headers: dict[tuple[Any, Any], tuple[Optional[str], float, float]] = {}

    def prepare_cookies(
        self, p: PreparedRequest, jar: CookieJar, merged: CookieJar
    ) -> None:
        """Do what ``p.prepare_cookies(merged)`` does, where `merged` is a
        fresh copy of `jar` (the request brought no cookies of its own)."""
        if "Cookie" in p.headers:  # requests then leaves the header as given
            p.prepare_cookies(merged)
            return
        state = tuple(tuple(vars(c).values()) for c in jar)
        if state != self._state:
            self._state = state
            self._expiries = sorted(
                {c.expires for c in jar if c.expires is not None}  # type: ignore[misc]
            )
            self._headers = {}
        key = (p.url, p.headers.get("Host"))
        now = int(time.time())
        found = self._headers.get(key)
        if found is not None and found[1] <= now < found[2]:
            p._cookies = merged  # type: ignore[attr-defined]
            if found[0] is not None:
                p.headers["Cookie"] = found[0]
            if self._expiries and self._expiries[0] <= time.time():
                # what http.cookiejar does to the copy after its lookup
                merged.clear_expired_cookies()
            return
        p.prepare_cookies(merged)
        if int(time.time()) != now:
            return  # a second went by: which second the policy saw is unknown
        # The same cookies are expired from the latest expiry up to `now`
        # until the next one.
        i = bisect.bisect_right(self._expiries, now)
        since = self._expiries[i - 1] if i else -_NEVER
        until = self._expiries[i] if i < len(self._expiries) else _NEVER
        remember(self._headers, key, (p.headers.get("Cookie"), since, until), MAX_URLS)
