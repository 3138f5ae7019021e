"""Exceptions raised by :mod:`requests_gracedb_like`.

The tree, with the standard exceptions each class also derives from::

    requests.RequestException
    ├── requests.ConnectionError, requests.ReadTimeout
    │   └── BodyTimeout                     the body stopped arriving
    └── requests.HTTPError
        └── HTTPError                       status >= 400
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

    ValueError
    └── CredentialError                     a credential that cannot be used
        ├── NoCredentialsError              fail_if_noauth and nothing found
        │   └── IgwnAuthError               ... in requests_gracedb_like.igwn;
        │                                   also a RuntimeError
        ├── EncryptedKeyError               a private key needs a passphrase
        ├── CredentialFileError             a credential file that cannot be
        │   │                               read safely (also an OSError)
        │   └── HalfWrittenTokenError       a token file caught while being
        │                                   written
        ├── InsecureAuthError               a credential would go over plain
        │                                   http to a host that is not loopback
        └── OIDCError                       an OpenID Connect login or refresh
            ├── LoginRequiredError          not logged in, or the refresh
            │                               token expired or was revoked
            ├── LoginDeniedError            the user denied the login, or it
            │                               expired before approval
            └── ProviderError               the provider refused or sent a
                └── ProviderUnreachableError  malformed answer; or cannot be
                                              reached

    UserWarning
    └── CredentialWarning                   a credential source was skipped
        └── ClockSkewWarning                this machine's clock and the
                                            provider's disagree

Failures before a status arrives raise requests' own classes
(:class:`requests.ConnectionError`, :class:`requests.Timeout`,
:class:`requests.exceptions.ChunkedEncodingError`...), with a message that
names the method and URL (see :func:`~requests_gracedb_like.errors.transport_error`).

Every HTTP error keeps :attr:`~requests.RequestException.request` and
:attr:`~requests.RequestException.response`, so ``except requests.HTTPError``
and ``err.response.status_code`` keep working. Credential errors name the
file or variable and the problem, never the secret itself.
"""

from __future__ import annotations

from typing import Any

import requests

__all__ = [
    "BadGateway",
    "BadRequest",
    "BodyTimeout",
    "ClientError",
    "ClockSkewWarning",
    "Conflict",
    "CredentialError",
    "CredentialFileError",
    "CredentialWarning",
    "EncryptedKeyError",
    "Forbidden",
    "GatewayTimeout",
    "HTTPError",
    "HalfWrittenTokenError",
    "IgwnAuthError",
    "InsecureAuthError",
    "InternalServerError",
    "LoginDeniedError",
    "LoginRequiredError",
    "NoCredentialsError",
    "NotFound",
    "OIDCError",
    "ProviderError",
    "ProviderUnreachableError",
    "ServerError",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "http_error_class",
]


class HTTPError(requests.HTTPError):
    """The server answered with an HTTP error status (400 or above).

    ``str(err)`` reads like ``GET https://host/path -> 404 Not Found: <the
    server's message>``. The URL has any user name, password or token query
    parameter removed.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    @property
    def status_code(self) -> int | None:
        """The HTTP status code of the response, if there is one."""
        response = self.response
        return None if response is None else response.status_code

    def __reduce__(self) -> tuple[Any, ...]:
        # requests' exceptions take request/response as keyword arguments,
        # which the default exception pickling drops; keep them.
        return (
            _rebuild_http_error,
            (type(self), self.args, self.request, self.response),
        )


class BodyTimeout(requests.ConnectionError, requests.ReadTimeout):
    """The response body stopped arriving for longer than the read timeout.

    requests raises a plain :class:`requests.ConnectionError` in this case;
    this subclass is also a :class:`requests.ReadTimeout`, so ``except
    requests.Timeout`` catches every timeout and old ``except
    requests.ConnectionError`` clauses keep working.
    """


def _rebuild_http_error(
    cls: type[HTTPError], args: tuple[Any, ...], request: Any, response: Any
) -> HTTPError:
    return cls(*args, request=request, response=response)


class ClientError(HTTPError):
    """4xx: the request was refused as it stands."""


class ServerError(HTTPError):
    """5xx: the server failed to answer a request that may be valid."""


class BadRequest(ClientError):
    """400 Bad Request."""


class Unauthorized(ClientError):
    """401 Unauthorized: the credential was missing, expired or rejected."""


class Forbidden(ClientError):
    """403 Forbidden: the credential is valid but lacks permission."""


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


_BY_STATUS: dict[int, type[HTTPError]] = {
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


def http_error_class(status_code: int) -> type[HTTPError]:
    """Return the exception class for an HTTP error status.

    Parameters
    ----------
    status_code : int
        An HTTP status code, 400 or above.

    Returns
    -------
    type
        The most specific subclass of :class:`HTTPError` for that status.

    Examples
    --------
    >>> http_error_class(404).__name__
    'NotFound'
    >>> http_error_class(418).__name__
    'ClientError'
    >>> http_error_class(599).__name__
    'ServerError'
    """
    try:
        return _BY_STATUS[status_code]
    except KeyError:
        pass
    if 400 <= status_code < 500:
        return ClientError
    if status_code >= 500:
        return ServerError
    return HTTPError


class CredentialError(ValueError):
    """A credential was found or given but cannot be used.

    The message names the source (file path or environment variable) and the
    problem; it never contains the credential itself.
    """


class NoCredentialsError(CredentialError):
    """``fail_if_noauth=True`` and no credential source yielded anything.

    The message lists every source that was looked at, in order, one per
    line with why it yielded nothing, then one next step (``Next: ...``).
    """


class IgwnAuthError(NoCredentialsError, RuntimeError):
    """No usable credential of a kind that was required.

    A :class:`RuntimeError` as igwn-auth-utils' ``IgwnAuthError`` is, and a
    :class:`ValueError` (through
    :class:`~requests_gracedb_like.exceptions.NoCredentialsError`) as this
    package's credential errors are. When ``igwn_auth_utils`` has been
    imported, the instances raised here are also instances of its
    ``IgwnAuthError``, so ``except igwn_auth_utils.IgwnAuthError`` keeps
    working in code that still imports it.
    """


class EncryptedKeyError(CredentialError):
    """A private key is encrypted with a passphrase. It cannot be used
    unattended (OpenSSL would prompt on the terminal at each connection);
    discovery skips such a key quietly, as ``~/.globus/userkey.pem`` often
    is one."""


class CredentialFileError(CredentialError, OSError):
    """A credential file that cannot be read safely: not a regular file (a
    directory, a FIFO, a device), larger than the size limit, or growing
    while read.

    It is both a :class:`CredentialError` and an :class:`OSError`, so code
    that skips unreadable files (``except OSError``) skips it too.
    ``filename`` is the file, ``strerror`` the problem; the message names
    both and never the content.
    """

    def __init__(self, filename: str, problem: str, what: str = "file") -> None:
        super().__init__(f"{what} {filename!r} {problem}")
        self._what = what
        self.filename = filename
        self.strerror = problem

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.filename, self.strerror, self._what))


class HalfWrittenTokenError(CredentialFileError):
    """A token file that looks caught while being written: a signed token
    whose payload is not complete JSON, or whose signature is cut short in
    a file changed in the last few seconds.

    Discovery skips such a file (status ``"half-written"``); a reloading
    token keeps the last whole token; ``token=`` raises it.
    """


class InsecureAuthError(CredentialError):
    """A request would carry a credential over plain ``http://`` to a host
    that is not this machine, where anyone on the network path can read it.

    Raised before anything is sent. Use ``https://``, or pass
    ``allow_insecure_auth=True`` to the session to accept the risk.
    """


class OIDCError(CredentialError):
    """An OpenID Connect login, refresh or logout failed.

    The message names the provider (its issuer URL) and the problem, and
    says what to do; it never contains a token.
    """


class LoginRequiredError(OIDCError):
    """There is no usable login: never logged in, logged out, or the
    refresh token expired or was revoked. The message gives the ``login``
    command to run."""


class LoginDeniedError(OIDCError):
    """The user denied the login request, or it expired before they
    approved it."""


class ProviderError(OIDCError):
    """The OpenID Connect provider refused a request or sent an answer that
    is not what the protocol says (the message tells which)."""


class ProviderUnreachableError(ProviderError):
    """The OpenID Connect provider could not be reached (connection refused,
    name not resolved, timeout, or a 5xx answer)."""


class CredentialWarning(UserWarning):
    """A credential source was present but skipped (for example a netrc
    file with permissions that are too open)."""


class ClockSkewWarning(CredentialWarning):
    """This machine's clock and the OpenID Connect provider's disagree by
    more than a few minutes; expiry times are taken from the provider's
    ``expires_in`` (relative), so refreshing still works."""
