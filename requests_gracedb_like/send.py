"""Sending without steps that have nothing to do: :class:`SessionSendMixin`.

After the adapter has answered, :meth:`requests.Session.send` parses the
response for cookies twice (once for the response, once for the session)
and runs the redirect machinery, whether or not the response sets a cookie
or redirects. This mixin runs those steps only when they have something to
do, and otherwise sends exactly as requests does.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

import requests
import urllib3
from requests.cookies import extract_cookies_to_jar
from requests.exceptions import ChunkedEncodingError, ContentDecodingError
from requests.exceptions import SSLError as RequestsSSLError
from requests.hooks import dispatch_hook
from requests.models import CONTENT_CHUNK_SIZE, REDIRECT_STATI, PreparedRequest, Request
from requests.sessions import preferred_clock
from requests.utils import resolve_proxies
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError, SSLError

__all__ = ["SessionSendMixin"]

#: The names :meth:`requests.Session.send` uses in the requests version this
#: was written against; :class:`SessionSendMixin` takes its own path only
#: while they are unchanged, and otherwise calls requests' method.
_KNOWN_SEND = (
    "setdefault",
    "stream",
    "verify",
    "cert",
    "resolve_proxies",
    "proxies",
    "trust_env",
    "isinstance",
    "Request",
    "ValueError",
    "_is_prepared",
    "pop",
    "get",
    "hooks",
    "get_adapter",
    "url",
    "preferred_clock",
    "send",
    "timedelta",
    "elapsed",
    "dispatch_hook",
    "history",
    "extract_cookies_to_jar",
    "cookies",
    "request",
    "raw",
    "resolve_redirects",
    "insert",
    "next",
    "_next",
    "StopIteration",
    "content",
)
_REQUESTS_SEND = requests.Session.send
_GET_REDIRECT_TARGET = requests.Session.get_redirect_target
_SAME_SEND = _REQUESTS_SEND.__code__.co_names == _KNOWN_SEND


def _sets_cookies(raw: Any) -> bool:
    """Whether the urllib3 response `raw` may carry cookies: what
    :func:`requests.cookies.extract_cookies_to_jar` would look at."""
    original = getattr(raw, "_original_response", None)
    if not original:
        return False  # extract_cookies_to_jar returns at once
    headers = getattr(raw, "headers", None)
    if headers is None:
        return True
    return "set-cookie" in headers or "set-cookie2" in headers


class SessionSendMixin:
    """A mixin for :class:`requests.Session` that sends with less work,
    with the same result.

    Notes
    -----
    ``send`` is :meth:`requests.Session.send` step for step (defaults,
    proxies, adapter, response hooks, cookies, redirects, then the body
    unless streaming), with two steps skipped when they have nothing to
    do:

    * cookies are extracted only from responses that carry a
      ``Set-Cookie`` or ``Set-Cookie2`` header;
    * the redirect machinery runs only for a response that
      :meth:`~requests.Session.get_redirect_target` says redirects (and
      requests' own method is not asked about a response whose status is
      not a redirect status; an overriding method is asked every time).

    Anything else (the response hooks, the adapter lookup, proxies) runs
    as in requests, through the same overridable methods. Should a requests
    release change ``Session.send``, or should something replace it at run
    time (as ``requests_mock.Mocker`` does), requests' own method is used.
    """

    def send(self, request: PreparedRequest, **kwargs: Any) -> requests.Response:
        if (
            not _SAME_SEND
            # replaced at run time, by requests-mock for instance: use it
            or requests.Session.send is not _REQUESTS_SEND
            or isinstance(request, Request)
        ):
            return super().send(request, **kwargs)  # type: ignore[misc, no-any-return]
        kwargs.setdefault("stream", self.stream)  # type: ignore[attr-defined]
        kwargs.setdefault("verify", self.verify)  # type: ignore[attr-defined]
        kwargs.setdefault("cert", self.cert)  # type: ignore[attr-defined]
        if "proxies" not in kwargs:
            kwargs["proxies"] = resolve_proxies(
                request,
                self.proxies,  # type: ignore[attr-defined]
                self.trust_env,  # type: ignore[attr-defined]
            )
        allow_redirects = kwargs.pop("allow_redirects", True)
        stream = kwargs.get("stream")
        hooks = request.hooks

        adapter = self.get_adapter(url=request.url)  # type: ignore[attr-defined]
        start = preferred_clock()
        r = adapter.send(request, **kwargs)
        r.elapsed = timedelta(seconds=preferred_clock() - start)
        r = _run_response_hooks(hooks, r, kwargs)

        cookies = self.cookies  # type: ignore[attr-defined]
        if r.history:
            for resp in r.history:
                extract_cookies_to_jar(cookies, resp.request, resp.raw)
        if _sets_cookies(r.raw):
            extract_cookies_to_jar(cookies, request, r.raw)

        # resolve_redirects does nothing else when there is no target.
        if _may_redirect(self, r) and self.get_redirect_target(r):  # type: ignore[attr-defined]
            if allow_redirects:
                gen = self.resolve_redirects(r, request, **kwargs)  # type: ignore[attr-defined]
                history = list(gen)
                if history:
                    history.insert(0, r)
                    r = history.pop()
                    r.history = history
            else:
                with contextlib.suppress(StopIteration):
                    r._next = next(  # type: ignore[attr-defined]
                        self.resolve_redirects(  # type: ignore[attr-defined]
                            r, request, yield_requests=True, **kwargs
                        )
                    )

        if not stream:
            _read_body(r)
        return r


def _run_response_hooks(hooks: Any, r: Any, kwargs: dict[str, Any]) -> Any:
    """``dispatch_hook("response", hooks, r, **kwargs)``, without its
    check of the hooks against :class:`collections.abc.Callable` (an ABC
    check) when they are held in a list, as prepared requests hold them."""
    found = hooks.get("response") if type(hooks) is dict else None
    if type(found) is not list:
        return dispatch_hook("response", hooks, r, **kwargs)
    for hook in found:
        replaced = hook(r, **kwargs)
        if replaced is not None:
            r = replaced
    return r


def _may_redirect(session: Any, r: Any) -> bool:
    """False when requests' ``get_redirect_target(r)`` would say there is
    no redirect: without its method's work (the ``Location`` lookup
    raises and catches a KeyError when there is none)."""
    return not (
        type(session).get_redirect_target is _GET_REDIRECT_TARGET
        and type(r) is requests.Response
        and r.status_code not in REDIRECT_STATI
    )


def _read_body(r: requests.Response) -> None:
    """``r.content``: the body read from urllib3 with requests' exceptions,
    without the generators of ``iter_content``: a chunked body in requests'
    chunks, any other in one read (the same bytes; a body cut short raises
    the same error)."""
    raw = r.raw
    if (
        r._content is not False  # type: ignore[attr-defined]
        or r._content_consumed  # type: ignore[attr-defined]
        or r.status_code == 0
        or type(raw) is not urllib3.HTTPResponse
    ):
        r.content  # noqa: B018 (requests' own path, errors included)
        return
    try:
        if raw.chunked:
            body = b"".join(raw.stream(CONTENT_CHUNK_SIZE, decode_content=True))
        else:
            body = raw.read(decode_content=True)
    except ProtocolError as e:
        raise ChunkedEncodingError(e)  # noqa: B904 (as requests raises it)
    except DecodeError as e:
        raise ContentDecodingError(e)  # noqa: B904
    except ReadTimeoutError as e:
        raise requests.ConnectionError(e)  # noqa: B904
    except SSLError as e:
        raise RequestsSSLError(e)  # noqa: B904
    r._content = body  # type: ignore[attr-defined]
    r._content_consumed = True  # type: ignore[attr-defined]
