"""The message of an HTTP error, and the bounded read of its body that
finds the server's own explanation.

Every path of the package that reads an error body (the error hook, the
401 replay, the drop-in's error hook, retries) reads it through
:func:`read_bounded`: at most :data:`MAX_ERROR_BODY` bytes for at most
:data:`MAX_ERROR_BODY_SECONDS`, so a server that trickles or never ends a
body cannot hang the caller or fill its memory.
"""

from __future__ import annotations

import json
import re
import time
from http import HTTPStatus
from typing import Any

import requests

from .redact import printable, redact_secrets, redact_url, secrets_in

__all__ = [
    "MAX_ERROR_BODY",
    "MAX_ERROR_BODY_SECONDS",
    "MAX_MESSAGE",
    "body_message",
    "error_message",
    "read_bounded",
    "read_error_body",
    "server_message",
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
    return body_message(
        body, response.headers.get("Content-Type", ""), response.encoding
    )


def body_message(body: bytes, content_type: str, encoding: str | None) -> str:
    """The server's explanation in an error `body` (already read, at most
    ``MAX_ERROR_BODY`` bytes), by the rules of :func:`server_message`;
    `content_type` and `encoding` are the response's. A plain function of
    bytes, for any HTTP client."""
    if not body:
        return ""
    content_type = content_type.lower()
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
            return _shorten(_decode(match.group(1), encoding))
        return _shorten(_TAG.sub(" ", _decode(body[:65536], encoding)))
    return _shorten(_decode(body[: MAX_MESSAGE * 4], encoding))


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
    data, ended = read_bounded(raw)
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


def read_bounded(raw: Any) -> tuple[bytes, bool]:
    """Read the start of a raw body: at most ``MAX_ERROR_BODY`` bytes and
    one more, for at most ``MAX_ERROR_BODY_SECONDS``.

    Parameters
    ----------
    raw : urllib3.response.HTTPResponse or file-like
        The body, decoded as it is read.

    Returns
    -------
    tuple of (bytes, bool)
        The bytes read, and whether the body ended there (a body broken
        half-way counts as ended). When it did not, the rest is left
        unread: the caller closes the connection or gives the stream on.
    """
    read = _reader(raw)
    chunks: list[bytes] = []
    size = 0
    deadline = time.monotonic() + MAX_ERROR_BODY_SECONDS
    try:
        # One byte more than kept tells a body of exactly the limit from a
        # longer one.
        while size <= MAX_ERROR_BODY and time.monotonic() < deadline:
            chunk = read(MAX_ERROR_BODY + 1 - size)
            if not chunk:
                return b"".join(chunks), True
            chunks.append(chunk)
            size += len(chunk)
    except Exception:  # a body broken half-way still gives a message
        return b"".join(chunks), True
    return b"".join(chunks), False


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
