"""Request preparation without repeated work: :class:`SessionPrepareMixin`.

:meth:`requests.Session.prepare_request` spends most of its time on two
things that rarely change between requests of one session: checking the
session's headers and parameters against generic protocols before merging
them (slow on some Python versions), and parsing, IDNA-checking and
re-quoting the same URL again. This mixin merges plain mappings directly
and remembers recently prepared URLs, and otherwise prepares exactly as requests
does.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from http import cookiejar
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any, Optional

from requests.cookies import RequestsCookieJar, cookiejar_from_dict, merge_cookies
from requests.exceptions import InvalidHeader
from requests.models import PreparedRequest, Request
from requests.sessions import merge_hooks
from requests.structures import CaseInsensitiveDict
from requests.utils import check_header_validity, get_netrc_auth

from ._http.arguments import merge_mapping
from ._http.cookies import CookieHeaders
from ._http.headers import case_insensitive, header_store

__all__ = ["SessionHeaders", "SessionPrepareMixin"]

#: The most prepared URLs remembered; past that the least recently used
#: are forgotten, so a crawler cannot grow the memory without bound.
MAX_URLS = 256

# The method a PreparedRequest subclass may override: then it is called.
_PREPARE_URL = PreparedRequest.prepare_url


@functools.lru_cache(maxsize=MAX_URLS)
def _prepared_url(url: str) -> str:
    """``PreparedRequest.prepare_url(url, None)``'s result: a pure function
    of the string (parsing, IDNA, re-quoting), asked about the same few
    URLs again and again. A URL it rejects raises each time."""
    p = PreparedRequest()
    p.prepare_url(url, None)
    assert p.url is not None
    return p.url


# One counter for every SessionHeaders: next() on it is atomic in CPython,
# so concurrent changes never share a version.
_versions = itertools.count(1)

#: Hook types that are callable for certain (requests checks each hook
#: against :class:`collections.abc.Callable`, an ABC check).
_FUNCTIONS = (FunctionType, MethodType, BuiltinFunctionType)

#: Per-request ``data`` values that mean "no body" to requests
#: (``Session.request`` turns any false value into ``{}``).
_NO_DATA = (dict, list, tuple, type(None))


def _no_params(params: Any) -> bool:
    return params is None or (type(params) is dict and not params)


def _register_hooks(p: PreparedRequest, hooks: Any) -> bool:
    """``p.prepare_hooks(hooks)`` for hooks held as sessions hold them (a
    dict of lists, of known events), without requests' generic checks for
    each; False (``p`` untouched) for anything else."""
    if type(hooks) is not dict:
        return False
    registered = p.hooks
    for event, given in hooks.items():
        if type(given) is not list or event not in registered:
            return False
    for event, given in hooks.items():
        # requests keeps the callables of a list and drops anything else
        registered[event].extend(
            h
            for h in given
            if type(h) in _FUNCTIONS or isinstance(h, Callable)  # type: ignore[arg-type]
        )
    return True


class SessionHeaders(CaseInsensitiveDict):  # type: ignore[type-arg]
    """The session's headers: a :class:`requests.structures.CaseInsensitiveDict`
    that counts its changes.

    ``version`` changes whenever a header is set or removed, so a session
    can check its headers once and reuse the result until they change.
    ``copy()`` returns another :class:`SessionHeaders`.
    """

    version: int

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        self.version = next(_versions)
        super().__init__(data, **kwargs)

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.version = next(_versions)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self.version = next(_versions)

    def copy(self) -> SessionHeaders:
        return SessionHeaders(self.items())


def _checked_items(headers: Any) -> Optional[list[tuple[str, Any]]]:
    """`headers` as the ``(name, value)`` pairs requests would send, names
    as native strings, None values left out; None if one is invalid (the
    caller then lets requests raise its own error)."""
    items = []
    for name, value in headers.items():
        if value is None:
            continue
        try:
            check_header_validity((name, value))
        except InvalidHeader:
            return None
        if isinstance(name, bytes):
            name = name.decode("ascii")
        items.append((name, value))
    return items


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
      (a pure function of the string, remembered for the last
      ``MAX_URLS`` (256) URLs of the process, so that a session made for one
      request to a known URL does not prepare it again);
    * the session's headers are checked once, and again only after they
      change (``session.headers`` is a
      :class:`~requests_gracedb_like.prepare.SessionHeaders`, which counts
      changes), and the result copied into each request's headers at once;
      a request's own headers are checked every time;
    * with an empty cookie jar and no request cookies, no cookie header is
      looked for; otherwise, for a request without cookies of its own, the
      ``Cookie`` header is worked out once per URL while the jar's cookies
      and the set of expired ones stay the same
      (:class:`~requests_gracedb_like._http.cookies.CookieHeaders`), and
      dropped by ``close()``;
    * a request without data, files or JSON has no body to encode, and
      one without parameters (none on the session either) none to merge;
    * hooks held in lists, as sessions hold them, are registered without
      requests' per-hook type checks (non-callables are dropped as
      requests drops them).

    It overrides ``prepare_request`` because that is where the work is done;
    everything a caller can set (session attributes, per-request arguments)
    is read on every request as before.
    """

    headers: Any  # requests.Session's, a SessionHeaders once set up here

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._init_prepare()

    def _init_prepare(self) -> None:
        """This mixin's part of ``__init__``, once the classes after it are
        set up (see :class:`~requests_gracedb_like.session.Session`)."""
        self._checked_headers: Any = None
        self._cookie_headers = CookieHeaders()
        headers = self.headers
        if type(headers) is CaseInsensitiveDict:
            # The same dictionary, made a SessionHeaders in place (a
            # subclass that adds only a counter): nothing else holds it
            # yet, and copying it would cost a lookup and a store per
            # header.
            headers.__class__ = SessionHeaders
            headers.version = next(_versions)  # type: ignore[attr-defined]

    def _session_headers(self) -> Any:
        """The session's headers, checked, as the contents of a
        case-insensitive dictionary (:func:`~._http.headers.header_store`),
        from memory while unchanged; None when they cannot be remembered or
        one is invalid."""
        headers = self.headers
        if type(headers) is not SessionHeaders:
            return None
        checked = self._checked_headers
        if (
            checked is not None
            and checked[0] is headers
            and checked[1] == headers.version
        ):
            return checked[2]  # type: ignore[no-any-return]
        version = headers.version
        items = _checked_items(headers)
        if items is None:
            return None
        store = header_store(items)
        self._checked_headers = (headers, version, store)
        return store

    def _prepare_headers(self, p: PreparedRequest, request: Any) -> bool:
        """Set ``p.headers`` as requests would from the session's and the
        request's headers; False (``p`` untouched) when this cannot be
        done without requests' generic path."""
        own = request.headers
        if own is not None and type(own) not in (dict, CaseInsensitiveDict):
            return False
        store = self._session_headers()
        if store is None:
            return False
        headers = case_insensitive(store.copy())
        if own:
            # requests' order: every request header set in turn (a new one
            # at the end, a replaced one where it was), then those set to
            # None removed; the survivors are checked.
            for name, value in own.items():
                if type(name) is not str:
                    return False
                headers[name] = value
            for name in own:
                value = headers.get(name)
                if value is None:
                    headers.pop(name, None)
                    continue
                try:
                    check_header_validity((name, value))
                except InvalidHeader:
                    return False  # requests raises for the first, in its order
        p.headers = headers
        return True

    def _prepare_url(self, p: PreparedRequest, url: Any, params: Any) -> None:
        if params or type(url) is not str or type(p).prepare_url is not _PREPARE_URL:
            p.prepare_url(url, params)
            return
        p.url = _prepared_url(url)

    def prepare_request(self, request: Request) -> PreparedRequest:
        """Prepare `request` with the session's settings, as
        :meth:`requests.Session.prepare_request` does."""
        url = request.url
        jar = self.cookies  # type: ignore[attr-defined]
        no_cookies = (
            not request.cookies
            and isinstance(jar, cookiejar.CookieJar)
            and not len(jar)
        )
        merged_cookies: Any = None
        if not no_cookies:
            cookies = request.cookies or {}
            if not isinstance(cookies, cookiejar.CookieJar):
                cookies = cookiejar_from_dict(cookies)
            merged_cookies = merge_cookies(RequestsCookieJar(), jar)
            if request.cookies:
                merged_cookies = merge_cookies(merged_cookies, cookies)
        auth = request.auth
        if self.trust_env and not auth and not self.auth:  # type: ignore[attr-defined]
            auth = get_netrc_auth(url)
        params = request.params
        session_params = self.params  # type: ignore[attr-defined]
        if not (_no_params(params) and _no_params(session_params)):
            params = merge_mapping(params, session_params)
        auth = auth if auth is not None else self.auth  # type: ignore[attr-defined]
        hooks = merge_hooks(request.hooks, self.hooks)  # type: ignore[attr-defined]

        # PreparedRequest.prepare(), step by step, with shortcuts.
        p = PreparedRequest()
        p.prepare_method(request.method.upper())  # type: ignore[union-attr]
        self._prepare_url(p, url, params)
        if not self._prepare_headers(p, request):
            p.prepare_headers(
                merge_mapping(
                    request.headers,
                    self.headers,  # type: ignore[attr-defined]
                    dict_class=CaseInsensitiveDict,
                )
            )
        if no_cookies:
            # An empty jar gives no Cookie header.
            p._cookies = RequestsCookieJar()  # type: ignore[attr-defined]
        elif request.cookies or not isinstance(jar, cookiejar.CookieJar):
            p.prepare_cookies(merged_cookies)
        else:
            self._cookie_headers.prepare_cookies(p, jar, merged_cookies)
        data = request.data
        if (
            data
            or type(data) not in _NO_DATA
            or request.files
            or request.json is not None
        ):
            p.prepare_body(data, request.files, request.json)
        elif (
            p.method not in ("GET", "HEAD") and p.headers.get("Content-Length") is None
        ):
            # No body; methods that may carry one say it is empty.
            p.headers["Content-Length"] = "0"
        p.prepare_auth(auth, url)
        if not _register_hooks(p, hooks):
            p.prepare_hooks(hooks)
        return p

    def close(self) -> None:
        super().close()  # type: ignore[misc]
        self._cookie_headers = CookieHeaders()

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)  # type: ignore[misc]
        self._checked_headers = None
        self._cookie_headers = CookieHeaders()
