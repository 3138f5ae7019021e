"""Raise readable exceptions for HTTP error statuses:
:class:`SessionErrorMixin`."""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any

import requests

from ._mixin import request_kwargs
from ._redact import redact_url
from .exceptions import http_error_class

__all__ = ["SessionErrorMixin", "error_message", "raise_for_status", "server_message"]

#: The longest server message quoted in an exception, in characters.
MAX_MESSAGE = 500

_JSON_KEYS = ("detail", "message", "error", "error_description", "errors", "title")
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def _shorten(text: str, limit: int = MAX_MESSAGE) -> str:
    text = _SPACE.sub(" ", text).strip()
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


def server_message(response: requests.Response) -> str:
    """Return the server's own explanation of an error, short and readable.

    In order: a JSON body's ``detail``, ``message``, ``error`` (and similar)
    field; an HTML page's ``<title>``; otherwise the start of the body as
    text, undecodable bytes replaced. At most ``MAX_MESSAGE``
    characters.
    """
    try:
        body = response.content
    except requests.RequestException as exc:
        return f"(the response body could not be read: {type(exc).__name__})"
    if not body:
        return ""
    content_type = response.headers.get("Content-Type", "").lower()
    if "json" in content_type or body[:1] in (b"{", b"["):
        try:
            found = _from_json(json.loads(body))
        except ValueError:
            found = None
        if found:
            return _shorten(found)
    if "html" in content_type or body.lstrip()[:1] == b"<":
        match = _TITLE.search(body, 0, 65536)
        if match:
            title = match.group(1).decode(response.encoding or "utf-8", "replace")
            return _shorten(title)
        text = body[:65536].decode(response.encoding or "utf-8", "replace")
        return _shorten(_TAG.sub(" ", text))
    encoding = response.encoding or "utf-8"
    try:
        text = body[: MAX_MESSAGE * 4].decode(encoding, "replace")
    except LookupError:
        text = body[: MAX_MESSAGE * 4].decode("utf-8", "replace")
    return _shorten(text)


def error_message(response: requests.Response) -> str:
    """``METHOD URL -> STATUS REASON: server message``, without secrets."""
    request = response.request
    method = getattr(request, "method", None) or "?"
    url = redact_url(getattr(request, "url", None) or response.url)
    reason = response.reason
    if isinstance(reason, bytes):
        reason = reason.decode("iso-8859-1", "replace")
    if not reason:
        try:
            reason = HTTPStatus(response.status_code).phrase
        except ValueError:
            reason = ""
    status = f"{response.status_code} {reason}".strip()
    message = f"{method} {url} -> {status}"
    detail = server_message(response)
    return f"{message}: {detail}" if detail else message


def raise_for_status(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """Response hook: raise the matching :class:`~.exceptions.HTTPError` for
    a status of 400 or above."""
    if response.status_code >= 400:
        cls = http_error_class(response.status_code)
        raise cls(error_message(response), request=response.request, response=response)


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
    The exception is the most specific subclass of
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

    def __init__(self, *, raise_for_status: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if raise_for_status:
            self.hooks["response"].append(_hook)  # type: ignore[attr-defined]

    def request(
        self, method: str, url: Any, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if args:
            kwargs = request_kwargs(args, kwargs)
            args = ()
        hooks = kwargs.get("hooks")
        if hooks and _hook in self.hooks["response"]:  # type: ignore[attr-defined]
            response_hooks = hooks.get("response")
            if response_hooks is not None:
                if callable(response_hooks):
                    response_hooks = [response_hooks]
                response_hooks = list(response_hooks)
                if _hook not in response_hooks:
                    kwargs["hooks"] = {**hooks, "response": [*response_hooks, _hook]}
        return super().request(method, url, *args, **kwargs)  # type: ignore[misc]


_hook = raise_for_status
