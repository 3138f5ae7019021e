"""Raise readable exceptions for HTTP error statuses and transport failures:
:class:`SessionErrorMixin`."""

from __future__ import annotations

import copy
import http.client
import json
import re
import socket
import time
from http import HTTPStatus
from typing import Any

import requests
import urllib3.exceptions
from requests.models import PreparedRequest
from requests.structures import CaseInsensitiveDict

from ._http.redact import printable, redact_secrets, redact_url, secrets_in
from .exceptions import BodyTimeout, http_error_class

__all__ = [
    "SessionErrorMixin",
    "cause_in_words",
    "error_message",
    "raise_for_status",
    "read_error_body",
    "server_message",
    "transport_error",
]

#: The longest server message quoted in an exception, in characters.
MAX_MESSAGE = 500

#: The most bytes of an error body read to find the server's message.
MAX_ERROR_BODY = 64 * 1024

#: The longest time spent reading an error body for the message, in
#: seconds (a server may trickle an endless body).
MAX_ERROR_BODY_SECONDS = 5.0

_JSON_KEYS = ("detail", "message", "error", "error_description", "errors", "title")
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def _shorten(text: str, limit: int = MAX_MESSAGE) -> str:
    text = _SPACE.sub(" ", printable(text)).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _from_json(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in _JSON_KEYS:
            if key in value:
                found = _from_json(value[key])
                if found:
                    return found
        return None
    if isinstance(value, list):
        parts = [p for p in (_from_json(v) for v in value) if p]
        return "; ".join(parts) or None
    return None


def server_message(response: requests.Response, *, stream: bool = True) -> str:
    """Return the server's own explanation of an error, short and readable.

    In order: a JSON body's ``detail``, ``message``, ``error`` (and similar)
    field; an HTML page's ``<title>``; otherwise the start of the body as
    text, undecodable bytes replaced. At most ``MAX_MESSAGE``
    characters, terminal escapes and control characters removed.

    Only the first ``MAX_ERROR_BODY`` bytes of the body are read, for at
    most ``MAX_ERROR_BODY_SECONDS`` (see :func:`read_error_body`).
    """
    body = read_error_body(response, stream=stream)
    if not body:
        return ""
    content_type = response.headers.get("Content-Type", "").lower()
    if "json" in content_type or body[:1] in (b"{", b"["):
        try:
            found = _from_json(json.loads(body))
        except (ValueError, RecursionError):
            # RecursionError: JSON nested too deep to parse
            found = None
        if found:
            return _shorten(found)
    if "html" in content_type or body.lstrip()[:1] == b"<":
        match = _TITLE.search(body, 0, 65536)
        if match:
            return _shorten(_decode(match.group(1), response.encoding))
        return _shorten(_TAG.sub(" ", _decode(body[:65536], response.encoding)))
    return _shorten(_decode(body[: MAX_MESSAGE * 4], response.encoding))


def read_error_body(response: requests.Response, *, stream: bool = True) -> bytes:
    """The start of an error response's body: at most
    ``MAX_ERROR_BODY`` bytes, read for at most
    ``MAX_ERROR_BODY_SECONDS``.

    Parameters
    ----------
    response : requests.Response
        The response; its body may not have been read yet.
    stream : bool, default=True
        Whether the caller asked for ``stream=True``.

    Notes
    -----
    A body read whole becomes ``response.content`` as usual. Of a longer
    one (or an endless one), only the start is read: with ``stream=True``
    the response is left readable from its first byte (the part read is
    given back first); without, the connection is closed and
    ``response.content`` holds the part read.
    """
    if response._content_consumed or response._content is not False:  # type: ignore[attr-defined]
        try:
            return (response.content or b"")[:MAX_ERROR_BODY]
        except requests.RequestException:
            return b""
    raw = response.raw
    if raw is None:
        return b""
    read = _reader(raw)
    chunks: list[bytes] = []
    size = 0
    ended = False
    deadline = time.monotonic() + MAX_ERROR_BODY_SECONDS
    try:
        # One byte more than kept tells a body of exactly the limit from a
        # longer one.
        while size <= MAX_ERROR_BODY and time.monotonic() < deadline:
            chunk = read(MAX_ERROR_BODY + 1 - size)
            if not chunk:
                ended = True
                break
            chunks.append(chunk)
            size += len(chunk)
    except Exception:  # a body broken half-way still gives a message
        ended = True
    data = b"".join(chunks)
    body = data if ended else data[:MAX_ERROR_BODY]
    if ended:
        response._content = data  # type: ignore[attr-defined]
        response._content_consumed = True  # type: ignore[attr-defined]
        _release(response)
    elif stream:
        response.raw = _Prefixed(data, raw)
    else:
        # The rest is never read: close the connection rather than give it
        # back to the pool with unread bytes on it.
        raw.close()
        response._content = data  # type: ignore[attr-defined]
        response._content_consumed = True  # type: ignore[attr-defined]
        _release(response)
    return body


def _reader(raw: Any) -> Any:
    """``read(n)``: up to `n` decoded bytes of `raw`, returning what has
    arrived rather than waiting for all `n` when the stream allows it."""
    read1 = getattr(raw, "read1", None)
    if read1 is not None and hasattr(raw, "stream"):  # urllib3
        return lambda n: read1(n, decode_content=True)
    return raw.read


def _release(response: requests.Response) -> None:
    release = getattr(response.raw, "release_conn", None)
    if release is not None:
        release()


class _Prefixed:
    """A response's raw stream with its first bytes, already read for an
    error message, given back first."""

    def __init__(self, prefix: bytes, raw: Any) -> None:
        self._prefix = prefix
        self._raw = raw

    def stream(self, amt: int = 65536, decode_content: Any = None) -> Any:
        prefix, self._prefix = self._prefix, b""
        if prefix:
            yield prefix
        yield from self._raw.stream(amt, decode_content=decode_content)

    def read(self, amt: Any = None, *args: Any, **kwargs: Any) -> bytes:
        prefix = self._prefix
        if amt is not None and len(prefix) >= amt:
            self._prefix = prefix[amt:]
            return prefix[:amt]
        self._prefix = b""
        more = None if amt is None else amt - len(prefix)
        rest = self._raw.read(more, *args, **kwargs)
        return prefix + (rest or b"")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _decode(data: bytes, encoding: str | None) -> str:
    """Decode with the declared charset, replacing what does not decode; an
    unknown charset name falls back to UTF-8."""
    try:
        return data.decode(encoding or "utf-8", "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def error_message(response: requests.Response, *, stream: bool = True) -> str:
    """``METHOD URL -> STATUS REASON: server message``, without secrets.

    The URL loses its user name, password and secret query values; the
    reason and the server message lose terminal escapes and control
    characters; and any text equal to a credential the request carried
    (its ``Authorization``, API-key or cookie values, a basic-auth
    password, a secret query value) is replaced by ``REDACTED``, should the
    server echo it.
    """
    request = response.request
    method = printable(str(getattr(request, "method", None) or "?"))
    raw_url = getattr(request, "url", None) or response.url
    url = printable(redact_url(raw_url))
    reason = response.reason
    if isinstance(reason, bytes):
        reason = reason.decode("iso-8859-1", "replace")
    reason = _shorten(reason or "", 100)
    if not reason:
        try:
            reason = HTTPStatus(response.status_code).phrase
        except ValueError:
            reason = ""
    status = f"{response.status_code} {reason}".strip()
    message = f"{method} {url} -> {status}"
    detail = server_message(response, stream=stream)
    message = f"{message}: {detail}" if detail else message
    secrets = secrets_in(getattr(request, "headers", None) or {}, raw_url)
    return redact_secrets(message, secrets)


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
