"""Raise readable exceptions for HTTP error statuses and transport failures:
:class:`SessionErrorMixin`."""

from __future__ import annotations

import copy
import http.client
import re
import socket
from typing import Any

import requests
import urllib3.exceptions
from requests.models import PreparedRequest
from requests.structures import CaseInsensitiveDict

from ._http.messages import (
    MAX_ERROR_BODY,
    MAX_ERROR_BODY_SECONDS,
    MAX_MESSAGE,
    _shorten,
    error_message,
    read_error_body,
    server_message,
)
from ._http.redact import printable, redact_url
from .exceptions import BodyTimeout, http_error_class

__all__ = [
    "MAX_ERROR_BODY",
    "MAX_ERROR_BODY_SECONDS",
    "MAX_MESSAGE",
    "SessionErrorMixin",
    "cause_in_words",
    "error_message",
    "raise_for_status",
    "read_error_body",
    "server_message",
    "transport_error",
]

#: What a low-level failure means, for the message; the first match in the
#: chain of causes wins.
_CAUSES: tuple[tuple[type[BaseException], str], ...] = (
    (ConnectionRefusedError, "connection refused"),
    # RemoteDisconnected is also a ConnectionResetError: test it first.
    (http.client.RemoteDisconnected, "the server closed the connection unanswered"),
    (ConnectionResetError, "the connection was reset"),
    (BrokenPipeError, "the connection was closed while sending"),
    (urllib3.exceptions.NameResolutionError, "the host name could not be resolved"),
    (http.client.IncompleteRead, "the response ended before its declared length"),
    (http.client.BadStatusLine, "the server did not answer in HTTP"),
    (http.client.LineTooLong, "the server sent an overlong header line"),
    (urllib3.exceptions.NewConnectionError, "no connection could be made"),
    (urllib3.exceptions.ConnectTimeoutError, "no connection within the timeout"),
    (urllib3.exceptions.ReadTimeoutError, "no data within the read timeout"),
    (socket.timeout, "no data within the read timeout"),
)
_URL = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s'\"]+")


def _causes(exc: BaseException) -> list[BaseException]:
    """`exc` and what lies under it: exception arguments, urllib3's
    ``reason`` and the ``__cause__``/``__context__`` chain."""
    found: list[BaseException] = []
    todo = [exc]
    while todo and len(found) < 20:
        current = todo.pop(0)
        if current in found:
            continue
        found.append(current)
        todo.extend(a for a in current.args if isinstance(a, BaseException))
        for attr in ("reason", "__cause__", "__context__"):
            inner = getattr(current, attr, None)
            if isinstance(inner, BaseException):
                todo.append(inner)
    return found


def _meaning(causes: list[BaseException]) -> tuple[str, BaseException] | None:
    """What the first known failure among `causes` means, and that cause."""
    for cls, meaning in _CAUSES:
        for cause in causes:
            if isinstance(cause, cls):
                return meaning, cause
    return None


def cause_in_words(exc: BaseException) -> str:
    """A low-level failure in a few plain words, without class names:
    ``could not connect to example.org:443 (connection refused)``.

    Examples
    --------
    >>> cause_in_words(ConnectionResetError())
    'the connection was reset'
    """
    causes = _causes(exc)
    found = _meaning(causes)
    meaning = found[0] if found else "the connection failed"
    connecting = (
        urllib3.exceptions.NewConnectionError,
        urllib3.exceptions.ConnectTimeoutError,
    )
    if any(isinstance(c, connecting) for c in causes):
        conn = next(
            (getattr(c, "conn", None) for c in causes if hasattr(c, "conn")), None
        )
        host, port = getattr(conn, "host", None), getattr(conn, "port", None)
        if host is not None and "could not be resolved" not in meaning:
            where = f"{host}:{port}" if port else str(host)
            return f"could not connect to {printable(where)} ({meaning})"
    return meaning


def _describe(exc: BaseException) -> str:
    causes = _causes(exc)
    found = _meaning(causes)
    if found is not None:
        meaning, cause = found
        return f"{meaning} ({type(cause).__name__})"
    # Unknown: the text of the deepest cause, because the wrappers' text
    # (urllib3's "Max retries exceeded with url: ...") quotes the query
    # string; any URL left in it is shown without its secrets.
    inner = [c for c in causes if not isinstance(c, _WRAPPERS)]
    cause = inner[-1] if inner else exc
    text = _URL.sub(lambda m: redact_url(m.group()), printable(str(cause)))
    return _shorten(
        f"{text} ({type(cause).__name__})" if text else type(cause).__name__
    )


_WRAPPERS = (requests.RequestException, urllib3.exceptions.MaxRetryError)


def _bad_headers(session: Any, kwargs: dict[str, Any]) -> list[str]:
    """Names of headers that cannot be sent as given: white space at the
    start of the value, CR or LF (refused by requests), or characters
    outside Latin-1 (refused by ``http.client``)."""
    merged = CaseInsensitiveDict(getattr(session, "headers", None) or {})
    merged.update(kwargs.get("headers") or {})
    bad = []
    for name, value in merged.items():
        if value is None:
            continue
        try:
            requests.utils.check_header_validity((name, value))
            if isinstance(value, str):
                value.encode("latin-1")
        except (requests.exceptions.InvalidHeader, UnicodeEncodeError):
            bad.append(str(name))
    return bad


def transport_error(
    exc: requests.RequestException, method: str, url: Any
) -> requests.RequestException:
    """Return `exc` again, saying which request failed and why.

    Parameters
    ----------
    exc : requests.RequestException
        A failure raised by requests (not an HTTP status error).
    method, url : str
        The request, as the caller gave it; the prepared request attached
        to `exc` takes precedence when there is one.

    Returns
    -------
    requests.RequestException
        An exception of the same class (:class:`~.exceptions.BodyTimeout`
        for a read timeout while the body arrives) whose message reads
        ``METHOD URL failed: what happened (low-level exception)``, with
        credentials removed from the URL. Its ``request`` and ``response``
        are those of `exc`.
    """
    request = getattr(exc, "request", None)
    method = str(getattr(request, "method", None) or method).upper()
    url = getattr(request, "url", None) or url
    message = f"{method} {redact_url(str(url))} failed: {_describe(exc)}"
    cls: type[requests.RequestException] = type(exc)
    if cls is requests.ConnectionError and any(
        isinstance(c, urllib3.exceptions.ReadTimeoutError) for c in _causes(exc)
    ):
        # requests reports a timeout while reading the body as a plain
        # ConnectionError; make it a Timeout too, so one except clause
        # catches every timeout.
        cls = BodyTimeout
    try:
        return cls(message, request=request, response=exc.response)
    except TypeError:  # a subclass with a constructor of its own
        exc.args = (message,)
        return exc


def raise_for_status(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """Response hook: raise the matching :class:`~.exceptions.HTTPError` for
    a status of 400 or above."""
    if response.status_code >= 400:
        cls = http_error_class(response.status_code)
        message = error_message(response, stream=bool(kwargs.get("stream", True)))
        raise cls(message, request=response.request, response=response)


class SessionErrorMixin:
    """A mixin for :class:`requests.Session` that raises an exception for
    every HTTP error status.

    Parameters
    ----------
    raise_for_status : bool, default=True
        Raise for a status of 400 or above. With False, responses are
        returned whatever their status, as with plain requests.

    Notes
    -----
    A request that fails before a status arrives (connection refused or
    reset, a timeout, a truncated body, an answer that is not HTTP, a
    header that cannot be sent) raises the same :mod:`requests` exception
    class as before, its message rewritten by
    :func:`~requests_gracedb_like.errors.transport_error` to name the
    method, the URL without credentials and the cause, whatever
    `raise_for_status` says. The original exception stays reachable as
    ``__context__`` but is not printed with the traceback, because requests
    quotes the URL's query string, tokens included. A header value outside
    Latin-1, which ``http.client`` would refuse with a bare
    :class:`UnicodeEncodeError`, raises
    :class:`requests.exceptions.InvalidHeader` naming the header.

    For an HTTP error status, the exception is the most specific subclass of
    :class:`requests_gracedb_like.exceptions.HTTPError` for the status (all
    subclasses of :class:`requests.HTTPError`); its message holds the method,
    the URL without credentials, the status and the server's own message.

    The check is the :func:`~requests_gracedb_like.errors.raise_for_status`
    response hook in ``session.hooks["response"]``; remove it from there to
    switch raising off for a session. A per-request
    ``hooks={"response": [...]}`` argument adds to it rather than replacing it
    (plain requests would drop the session's response hooks for that
    request).
    """

    #: The response hook that raises; a subclass may give its own.
    _status_hook = staticmethod(raise_for_status)

    def __init__(self, *, raise_for_status: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if raise_for_status:
            self.hooks["response"].append(self._status_hook)  # type: ignore[attr-defined]

    def prepare_request(self, request: requests.Request) -> PreparedRequest:
        """Prepare `request` with the session's status hook after its own
        response hooks, and with a clear error for a header that cannot be
        sent or a URL that cannot be used."""
        hook = self._status_hook
        hooks = request.hooks.get("response") if request.hooks else None
        session_hooks = self.hooks["response"]  # type: ignore[attr-defined]
        if hooks and hook in session_hooks and hook not in hooks:
            request = copy.copy(request)
            request.hooks = {**request.hooks, "response": [*hooks, hook]}
        try:
            return super().prepare_request(request)  # type: ignore[misc, no-any-return]
        except (requests.RequestException, ValueError) as exc:
            error = _rewritten(self, exc, request.method, request.url, request.headers)
            raise error from None

    def send(
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        """Send `request`; a failure before a status arrives raises the same
        class of exception, its message naming the request that failed
        (the last one, after redirects) and the cause.

        Overridden because a failure while the body is read happens here,
        after the adapter has returned, and requests raises it without the
        request.
        """
        try:
            return super().send(request, **kwargs)  # type: ignore[misc, no-any-return]
        except (requests.RequestException, ValueError) as exc:
            if isinstance(exc, requests.RequestException):
                # Not every subclass calls RequestException.__init__ (which
                # sets the attribute): ligo-gracedb's HTTPError does not.
                if getattr(exc, "request", None) is None:
                    exc.request = request
                if isinstance(exc, requests.HTTPError) or _REWRITTEN in vars(exc):
                    raise  # a status, or rewritten for a later redirect
            error = _rewritten(self, exc, request.method, request.url, request.headers)
            raise error from None


#: Marks an exception whose message was rewritten, so that the ``send`` of
#: an earlier hop of a redirect chain leaves it as it is.
_REWRITTEN = "_requests_gracedb_like_rewritten"


def _rewritten(
    session: Any, exc: BaseException, method: Any, url: Any, headers: Any
) -> BaseException:
    """The exception to raise for `exc`, a failure of the request `method`
    `url` with `headers`: rewritten as :func:`transport_error` says, or as
    :func:`_header_error` for a header that cannot be sent; `exc` itself
    when it is neither. Raised ``from None``: the original stays reachable
    as ``__context__`` but is not printed, because its message quotes the
    URL, query string and tokens included."""
    error: BaseException
    if _header_refused(exc):
        error = _header_error(session, {"headers": headers}, method, url)
    elif isinstance(exc, requests.RequestException):
        error = transport_error(exc, method, url)
    else:
        return exc
    setattr(error, _REWRITTEN, True)
    return error


def _header_refused(exc: BaseException) -> bool:
    """Whether `exc` is requests or ``http.client`` refusing a header; both
    quote the whole value, which may be a token."""
    if isinstance(exc, requests.exceptions.InvalidHeader):
        return True
    if isinstance(exc, UnicodeEncodeError):
        return exc.encoding == "latin-1"
    return type(exc) is ValueError and str(exc).startswith("Invalid header")


def _header_error(
    session: Any, kwargs: dict[str, Any], method: str, url: Any
) -> requests.exceptions.InvalidHeader:
    bad = _bad_headers(session, kwargs)
    if bad:
        which = "header " + ", ".join(repr(n) for n in bad)
    else:
        which = "a header set by the auth or a hook"
    return requests.exceptions.InvalidHeader(
        f"{str(method).upper()} {redact_url(str(url))} failed: the value of "
        f"{which} cannot be sent: it must be Latin-1 text without CR, LF or "
        "leading white space"
    )
