"""Resend a request once after 401, with a credential re-read from disk.

Used by reloading credentials (see
:class:`~requests_gracedb_like.credentials.bearer.ReloadingTokenFileAuth`): the auth
object registers :func:`replay_on_401` as a response hook on each request it
signs, the way :class:`requests.auth.HTTPDigestAuth` answers a challenge.
A hook is the one place that sees the 401 before the session's error hook
turns it into an exception, and it works on a plain ``requests.Session``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Optional

import requests
from requests.cookies import extract_cookies_to_jar
from requests.models import PreparedRequest

from .messages import read_error_body
from .redact import redact_url

__all__ = ["body_position", "replay_on_401"]

log = logging.getLogger(__name__)

_NOT_REPLAYABLE = object()


def body_position(r: PreparedRequest) -> Any:
    """Where to rewind `r`'s body to before a resend: None for a body held
    in memory, a file offset for a seekable file, or a marker meaning the
    body cannot be sent twice (a generator, a pipe)."""
    body = r.body
    if body is None or isinstance(body, (bytes, str)):
        return None
    tell = getattr(body, "tell", None)
    if tell is None or getattr(body, "seek", None) is None:
        return _NOT_REPLAYABLE
    try:
        return tell()
    except OSError:
        return _NOT_REPLAYABLE


def replay_on_401(
    header: str, reload: Callable[[str], Optional[str]], position: Any
) -> Callable[..., Optional[requests.Response]]:
    """Return a response hook that resends a rejected request once.

    Parameters
    ----------
    header : str
        The ``Authorization`` value the request was signed with.
    reload : callable
        ``reload(sent_header)`` re-reads the credential and returns the new
        header value, or None when there is nothing newer to send.
    position : object
        :func:`body_position` of the request when it was signed.
    """

    def hook(response: requests.Response, **kwargs: Any) -> Optional[requests.Response]:
        request = response.request
        if (
            response.status_code != 401
            or request.headers.get("Authorization") != header
        ):
            return None  # not ours, or the credential was stripped on a redirect
        if position is _NOT_REPLAYABLE:
            log.debug(
                "401 from %s: the body cannot be sent again", redact_url(request.url)
            )
            return None
        new_header = reload(header)
        if new_header is None:
            return None
        prep = request.copy()
        if position is not None:
            try:
                prep.body.seek(position)  # type: ignore[union-attr]
            except OSError:
                return None
        # Only the start of the body, within the error-body bounds: a server
        # that trickles or never ends it must not hang the resend.
        read_error_body(response, stream=False)
        response.close()
        # (_cookies: requests' own, not in types-requests)
        jar = prep._cookies  # type: ignore[attr-defined]
        if jar is not None:
            extract_cookies_to_jar(jar, request, response.raw)
            prep.prepare_cookies(jar)
        prep.headers["Authorization"] = new_header
        # The adapter's send runs no hooks: this resend cannot loop.
        retried = response.connection.send(prep, **kwargs)  # type: ignore[attr-defined]
        retried.history.append(response)
        retried.request = prep
        log.debug(
            "401 from %s: resent once with the credential re-read from disk",
            redact_url(request.url),
        )
        return retried

    return hook
