"""Request preparation without repeated work: :class:`SessionPrepareMixin`.

:meth:`requests.Session.prepare_request` spends most of its time on two
things that rarely change between requests of one session: checking the
session's headers and parameters against generic protocols before merging
them (slow on some Python versions), and parsing, IDNA-checking and
re-quoting the same URL again. This mixin merges plain mappings directly
and remembers each prepared URL, and otherwise prepares exactly as requests
does.
"""

from __future__ import annotations

from http import cookiejar
from typing import Any

from requests.cookies import RequestsCookieJar, cookiejar_from_dict, merge_cookies
from requests.models import PreparedRequest, Request
from requests.sessions import merge_hooks
from requests.structures import CaseInsensitiveDict
from requests.utils import get_netrc_auth

from ._http.arguments import merge_mapping

__all__ = ["SessionPrepareMixin"]

#: The most prepared URLs a session remembers; past that the memory is
#: cleared and rebuilt, so a crawler cannot grow it without bound.
MAX_URLS = 256


class SessionPrepareMixin:
    """A mixin for :class:`requests.Session` that prepares requests faster,
    with the same result.

    Notes
    -----
    :meth:`prepare_request` is :meth:`requests.Session.prepare_request`
    step for step (cookies, netrc when ``trust_env`` and no credential,
    headers, parameters, authentication, hooks, then
    :meth:`requests.PreparedRequest.prepare`'s steps in its order), with two
    differences that do not change its result:

    * settings held in dicts, ordered dicts or case-insensitive dicts (as
      sessions hold them) are merged directly, without requests' generic
      type checks;
    * a URL without ``params`` is parsed, IDNA-encoded and re-quoted once
      per session; later requests to the same URL string reuse the result.
      The remembered URLs live only in the session and are dropped by
      ``close()``.

    It overrides ``prepare_request`` because that is where the work is done;
    everything a caller can set (session attributes, per-request arguments)
    is read on every request as before.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._prepared_urls: dict[str, str] = {}

    def _prepare_url(self, p: PreparedRequest, url: Any, params: Any) -> None:
        if params or type(url) is not str:
            p.prepare_url(url, params)
            return
        prepared = self._prepared_urls.get(url)
        if prepared is None:
            p.prepare_url(url, params)
            if len(self._prepared_urls) >= MAX_URLS:
                self._prepared_urls.clear()
            self._prepared_urls[url] = p.url  # type: ignore[assignment]
        else:
            p.url = prepared

    def prepare_request(self, request: Request) -> PreparedRequest:
        """Prepare `request` with the session's settings, as
        :meth:`requests.Session.prepare_request` does."""
        url = request.url
        cookies = request.cookies or {}
        if not isinstance(cookies, cookiejar.CookieJar):
            cookies = cookiejar_from_dict(cookies)
        merged_cookies = merge_cookies(
            merge_cookies(RequestsCookieJar(), self.cookies),  # type: ignore[attr-defined]
            cookies,
        )
        auth = request.auth
        if self.trust_env and not auth and not self.auth:  # type: ignore[attr-defined]
            auth = get_netrc_auth(url)
        headers = merge_mapping(
            request.headers,
            self.headers,  # type: ignore[attr-defined]
            dict_class=CaseInsensitiveDict,
        )
        params = merge_mapping(request.params, self.params)  # type: ignore[attr-defined]
        auth = auth if auth is not None else self.auth  # type: ignore[attr-defined]
        hooks = merge_hooks(request.hooks, self.hooks)  # type: ignore[attr-defined]

        # PreparedRequest.prepare(), with the URL step remembered.
        p = PreparedRequest()
        p.prepare_method(request.method.upper())  # type: ignore[union-attr]
        self._prepare_url(p, url, params)
        p.prepare_headers(headers)
        p.prepare_cookies(merged_cookies)
        p.prepare_body(request.data, request.files, request.json)
        p.prepare_auth(auth, url)
        p.prepare_hooks(hooks)
        return p

    def close(self) -> None:
        super().close()  # type: ignore[misc]
        self._prepared_urls.clear()

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)  # type: ignore[misc]
        self._prepared_urls = {}
