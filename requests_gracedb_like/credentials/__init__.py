"""Credentials: one module per kind, and discovery.

=================  ========================================================
``header``         what every header credential answers, for any HTTP
                   client: its headers, expiry, refresh and 401 re-read
``bearer``         bearer tokens: a value, a file, a file re-read before
                   the token expires
``basic``          HTTP basic auth (username and password)
``apikey``         an API key in a request header
``noauth``         no credential at all
``x509``           the TLS client certificate (X.509, proxies)
``files``          the one bounded, non-blocking reader of credential files
``claims``         what a token must carry for a URL (audience, scope,
                   issuer), read with ``jwt``
``sources``        each place discovery looks at, and ``SOURCES``: the order
``discovery``      the walk over ``SOURCES`` and its rules
``records``        what the walk records (requests, attempts, the result)
``explain``        the report of ``describe_auth()``
=================  ========================================================
"""

from __future__ import annotations

from .apikey import APIKeyAuth
from .basic import BasicAuth
from .bearer import BearerTokenAuth, ReloadingTokenFileAuth, TokenFileAuth
from .claims import ClaimRequirements
from .discovery import discover
from .noauth import NoAuth
from .sources import SOURCES
from .x509 import X509Credential

__all__ = [
    "SOURCES",
    "APIKeyAuth",
    "BasicAuth",
    "BearerTokenAuth",
    "ClaimRequirements",
    "NoAuth",
    "ReloadingTokenFileAuth",
    "TokenFileAuth",
    "X509Credential",
    "discover",
]
