"""Exit statuses of the command line and the one-line message for each
failure."""

from __future__ import annotations

import http.client
import re
from enum import IntEnum

import requests
import urllib3.exceptions

from .._http.redact import redact_url
from ..exceptions import (
    CredentialError,
    InsecureAuthError,
    ProviderUnreachableError,
)

__all__ = ["PROG", "ExitStatus", "UsageError", "classify"]


PROG = "requests-gracedb-like"


class ExitStatus(IntEnum):
    """Exit status of the command line, one per class of failure."""

    OK = 0
    ERROR = 1
    USAGE = 2
    CREDENTIAL = 3
    HTTP_4XX = 4
    HTTP_5XX = 5
    CONNECTION = 6
    TIMEOUT = 7
    INTERRUPTED = 130


class UsageError(Exception):
    """A command-line argument cannot be used; the message names it."""


def classify(exc: BaseException) -> tuple[ExitStatus, str]:
    """Return the exit status and the one-line message for an exception."""
    if isinstance(exc, UsageError):
        return ExitStatus.USAGE, str(exc)
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        code = exc.response.status_code
        status = ExitStatus.HTTP_5XX if code >= 500 else ExitStatus.HTTP_4XX
        return status, str(exc)
    if isinstance(exc, InsecureAuthError):
        # The library's advice names its Python argument: give the flag.
        refusal = str(exc).partition(" Use https")[0]
        return ExitStatus.CREDENTIAL, (
            f"{refusal} Use https, or add --allow-insecure-auth to send it anyway."
        )
    if isinstance(exc, ProviderUnreachableError):
        return ExitStatus.CONNECTION, str(exc)
    if isinstance(exc, CredentialError):
        return ExitStatus.CREDENTIAL, str(exc)
    url = redact_url(getattr(getattr(exc, "request", None), "url", None) or "")
    if isinstance(exc, requests.Timeout):
        return ExitStatus.TIMEOUT, f"{url}: timed out"
    if isinstance(exc, requests.ConnectionError):
        return ExitStatus.CONNECTION, f"{url}: {_connection_problem(exc)}"
    if isinstance(exc, _BODY_LOST):
        return (
            ExitStatus.CONNECTION,
            f"{url}: the connection was lost while the body was received",
        )
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.URLRequired)):
        return ExitStatus.USAGE, f"malformed URL: {exc}"
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename!r}: " if exc.filename else ""
        return ExitStatus.ERROR, f"{where}{exc.strerror}"
    return ExitStatus.ERROR, f"{type(exc).__name__}: {exc}"


#: A response body cut short: the connection closed or broke mid-body.
_BODY_LOST = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    urllib3.exceptions.ProtocolError,
    http.client.IncompleteRead,
)

_ERRNO = re.compile(r"\[Errno [^\]]*\] ([^'\")]+)")


def _connection_problem(exc: BaseException) -> str:
    """A few words for a connection failure, not urllib3's nested repr."""
    text = str(exc)
    if exc.__context__ is not None:
        # the session's message replaces requests' own, kept as the context
        text = f"{text} {exc.__context__}"
    if isinstance(exc, requests.exceptions.SSLError):
        match = re.search(r"certificate verify failed: ([^'\")(]+)", text)
        detail = f" ({match.group(1).strip()})" if match else ""
        return f"TLS handshake failed{detail}"
    match = _ERRNO.search(text)
    if match:
        return match.group(1).strip()
    if "RemoteDisconnected" in text or "Connection aborted" in text:
        return "the server closed the connection without answering"
    return "connection failed"
