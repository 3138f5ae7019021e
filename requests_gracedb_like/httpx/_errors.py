"""HTTP errors of the httpx clients, carrying the server's message.

The tree, beside the one of :mod:`requests_gracedb_like.exceptions` (whose
names it repeats, for the same statuses)::

    httpx.HTTPStatusError
    └── HTTPStatusError                 status >= 400
        ├── ClientError                 4xx
        │   ├── BadRequest              400
        │   ├── Unauthorized            401
        │   ├── Forbidden               403
        │   ├── NotFound                404
        │   ├── Conflict                409
        │   └── TooManyRequests         429
        └── ServerError                 5xx
            ├── InternalServerError     500
            ├── BadGateway              502
            ├── ServiceUnavailable      503
            └── GatewayTimeout          504

They are :class:`httpx.HTTPStatusError` subclasses, so ``except
httpx.HTTPError`` and ``err.response.status_code`` keep working, as with
httpx-gracedb; they are not :class:`requests.HTTPError` subclasses: their
``response`` is an :class:`httpx.Response`.
"""

from __future__ import annotations

from http import HTTPStatus

import httpx

from .._http.messages import MAX_ERROR_BODY, _shorten, body_message
from .._http.redact import printable, redact_secrets, redact_url, secrets_in

__all__ = [
    "BadGateway",
    "BadRequest",
    "ClientError",
    "Conflict",
    "Forbidden",
    "GatewayTimeout",
    "HTTPStatusError",
    "InternalServerError",
    "NotFound",
    "ServerError",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "error_for",
]


class HTTPStatusError(httpx.HTTPStatusError):
    """The server answered with a status of 400 or more. ``str()`` is
    ``METHOD URL -> STATUS REASON: server message``, without secrets."""

    @property
    def status_code(self) -> int:
        """The response's status code."""
        return self.response.status_code


class ClientError(HTTPStatusError):
    """A 4xx answer: the request was refused."""


class ServerError(HTTPStatusError):
    """A 5xx answer: the server failed."""


class BadRequest(ClientError):
    """400 Bad Request."""


class Unauthorized(ClientError):
    """401 Unauthorized."""


class Forbidden(ClientError):
    """403 Forbidden."""


class NotFound(ClientError):
    """404 Not Found."""


class Conflict(ClientError):
    """409 Conflict."""


class TooManyRequests(ClientError):
    """429 Too Many Requests."""


class InternalServerError(ServerError):
    """500 Internal Server Error."""


class BadGateway(ServerError):
    """502 Bad Gateway."""


class ServiceUnavailable(ServerError):
    """503 Service Unavailable."""


class GatewayTimeout(ServerError):
    """504 Gateway Timeout."""


_BY_STATUS: dict[int, type[HTTPStatusError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    429: TooManyRequests,
    500: InternalServerError,
    502: BadGateway,
    503: ServiceUnavailable,
    504: GatewayTimeout,
}


def _class_for(status: int) -> type[HTTPStatusError]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ClientError if status < 500 else ServerError


def error_for(response: httpx.Response, body: bytes) -> HTTPStatusError:
    """The exception for an error `response` whose body (at most
    ``MAX_ERROR_BODY`` bytes of it) is `body`.

    The message names the method and URL (user name, password and secret
    query values hidden), the status and the server's own explanation
    (see :func:`~requests_gracedb_like.errors.body_message`); any text equal
    to a credential the request carried is replaced by ``REDACTED``.
    """
    request = response.request
    url = str(request.url)
    # As the session's message: at most 100 characters of a reason phrase.
    reason = _shorten(printable(response.reason_phrase or "").strip(), 100)
    if not reason:
        try:
            reason = HTTPStatus(response.status_code).phrase
        except ValueError:
            reason = ""
    message = f"{printable(request.method)} {printable(redact_url(url))} -> "
    message += f"{response.status_code} {reason}".strip()
    detail = body_message(
        body[:MAX_ERROR_BODY],
        response.headers.get("Content-Type", ""),
        response.encoding,
    )
    if detail:
        message = f"{message}: {detail}"
    message = redact_secrets(message, secrets_in(request.headers, url))
    return _class_for(response.status_code)(message, request=request, response=response)
