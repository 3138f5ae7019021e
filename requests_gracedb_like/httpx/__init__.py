"""The credentials of :mod:`requests_gracedb_like` for httpx, sync and async.

Install with the ``httpx`` extra (``pip install requests-gracedb-like[httpx]``);
``import requests_gracedb_like`` does not import httpx, this subpackage does.

====================  =======================================================
:class:`Auth`         an :class:`httpx.Auth` that finds the user's
                      credential as the session does, and sends it only to
                      the service's origin and never in clear; for any
                      httpx client
:class:`Client`       an :class:`httpx.Client` with the session's features
:class:`AsyncClient`  the same, for asyncio
====================  =======================================================

Private modules, one concept each: ``_auth`` (the auth flow and its rules),
``_client`` (the clients), ``_errors`` (HTTP errors with the server's
message), ``_retry`` (retries on the transport), ``_claims``
(per-request claims), ``_certs`` (a client certificate reloaded),
``_proxies`` (proxies and the proxy rule), ``_describe``
(``describe_auth()``), ``_pickle`` (pickling without secrets). See
:doc:`/httpx`.
"""

from __future__ import annotations

from .. import __version__
from ._auth import Auth, BasicAuth, check_request
from ._client import DEFAULT_TIMEOUT, AsyncClient, Client
from ._errors import (
    BadGateway,
    BadRequest,
    ClientError,
    Conflict,
    Forbidden,
    GatewayTimeout,
    HTTPStatusError,
    InternalServerError,
    NotFound,
    ServerError,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
)
from ._retry import AsyncRetryTransport, RetryTransport

__all__ = [
    "DEFAULT_TIMEOUT",
    "AsyncClient",
    "AsyncRetryTransport",
    "Auth",
    "BadGateway",
    "BadRequest",
    "BasicAuth",
    "Client",
    "ClientError",
    "Conflict",
    "Forbidden",
    "GatewayTimeout",
    "HTTPStatusError",
    "InternalServerError",
    "NotFound",
    "RetryTransport",
    "ServerError",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "__version__",
    "check_request",
]

# Shown (in reprs, tracebacks and the docs) where users import them from,
# as httpx does for its own names.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) or callable(_obj):
        _obj.__module__ = __name__
del _name, _obj
