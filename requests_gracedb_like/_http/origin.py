"""Origins (scheme, host, port) and the other small URL facts that decide
where a credential may go."""

from __future__ import annotations

import functools
import ipaddress
from typing import Any, Optional
from urllib.parse import urlsplit

__all__ = [
    "CREDENTIAL_HEADERS",
    "credential_headers",
    "is_loopback",
    "origin_of",
    "same_origin",
]

#: Headers that carry a credential whatever the session's auth object.
CREDENTIAL_HEADERS = ("Authorization", "X-API-Key")

_DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, Optional[int]]


# Pure functions of one string, asked about the same few URLs and hosts on
# every request: remember recent answers.
@functools.lru_cache(maxsize=512)
def origin_of(url: str) -> Origin:
    """Return ``(scheme, host, port)`` of `url`, the port filled in for http
    and https.

    Examples
    --------
    >>> origin_of("https://GraceDB.example.org/api/")
    ('https', 'gracedb.example.org', 443)
    >>> origin_of("http://127.0.0.1:8080/x")
    ('http', '127.0.0.1', 8080)
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = _DEFAULT_PORTS.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def same_origin(a: str, b: str) -> bool:
    """Whether two URLs share scheme, host and port."""
    return origin_of(a) == origin_of(b)


@functools.lru_cache(maxsize=512)
def is_loopback(host: str) -> bool:
    """Whether `host` names this machine: ``localhost`` or a loopback address.

    Examples
    --------
    >>> [is_loopback(h) for h in ("localhost", "127.0.0.2", "::1", "example.org")]
    [True, True, True, False]
    """
    host = host.lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def credential_headers(auth: Any) -> tuple[str, ...]:
    """The header names that carry a credential for a session using `auth`:
    :data:`CREDENTIAL_HEADERS` and the header an API-key auth object writes."""
    name = getattr(auth, "header_name", None)
    if isinstance(name, str) and name.lower() not in {
        h.lower() for h in CREDENTIAL_HEADERS
    }:
        return (*CREDENTIAL_HEADERS, name)
    return CREDENTIAL_HEADERS
