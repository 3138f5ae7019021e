"""Origins (scheme, host, port) and the other small URL facts that decide
where a credential may go.

Every origin is read from a URL as urllib3, which opens the connection,
reads it: ``http://a\\@b/`` connects to ``a`` (the authority ends at the
backslash), where :func:`urllib.parse.urlsplit` would say ``b``. A check
that parsed URLs one way while the transport connected another way would
send a credential to a host it thought it was keeping it from.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Optional

from requests.exceptions import RequestException
from requests.models import PreparedRequest
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from .redact import is_secret_header

__all__ = [
    "CREDENTIAL_HEADERS",
    "credential_headers",
    "in_clear_to_remote",
    "is_loopback",
    "origin_of",
    "prepared_origin",
    "remote_in_clear",
    "same_origin",
    "session_credential_headers",
    "strip_credential_headers",
]

#: Headers that carry a credential whatever the session's auth object.
CREDENTIAL_HEADERS = ("Authorization", "X-API-Key")

_DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, Optional[int]]


def origin_of(url: str) -> Origin:
    """Return ``(scheme, host, port)`` of `url` as urllib3 reads it, the
    port filled in for http and https; ``("", "", None)`` for a URL that
    urllib3 cannot parse (it matches no origin).

    Examples
    --------
    >>> origin_of("https://GraceDB.example.org/api/")
    ('https', 'gracedb.example.org', 443)
    >>> origin_of("http://127.0.0.1:8080/x")
    ('http', '127.0.0.1', 8080)
    >>> origin_of(r"https://evil.example\\@service.example/")
    ('https', 'evil.example', 443)
    """
    try:
        parts = parse_url(url.strip() if isinstance(url, str) else url)
    except (LocationParseError, ValueError, TypeError):
        return "", "", None
    scheme = (parts.scheme or "").lower()
    port = parts.port
    if port is None:
        port = _DEFAULT_PORTS.get(scheme)
    host = (parts.host or "").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return scheme, host, port


def prepared_origin(url: Any) -> Origin:
    """The origin of `url` as requests sends it (prepared: the host
    IDNA-encoded, a scheme-relative or odd URL normalised), or as urllib3
    reads it when requests cannot prepare it."""
    prepared = PreparedRequest()
    try:
        prepared.prepare_url(url, None)
    except (RequestException, ValueError, TypeError):
        return origin_of(url)
    return origin_of(prepared.url or "")


def same_origin(a: str, b: str) -> bool:
    """Whether two URLs share scheme, host and port."""
    return origin_of(a) == origin_of(b)


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


def session_credential_headers(headers: Any, auth: Any) -> list[str]:
    """The names, among a session's `headers`, of those that carry a
    credential: :func:`credential_headers` of `auth`, ``Cookie``, and any
    whose name says it holds a key, token, secret or session
    (``X-Auth-Token``, ``Api-Key``...)."""
    known = {h.lower() for h in credential_headers(auth)}
    return [
        name
        for name in headers or ()
        if isinstance(name, str) and (name.lower() in known or is_secret_header(name))
    ]


def strip_credential_headers(headers: Any, auth: Any) -> None:
    """Remove from `headers` every header that carries a credential (see
    :func:`session_credential_headers`) but ``Cookie``, which requests
    rebuilds from its cookie jar for each redirect."""
    for name in session_credential_headers(list(headers), auth):
        if name.lower() != "cookie":
            headers.pop(name, None)


def in_clear_to_remote(url: str) -> bool:
    """Whether `url` is not https and goes to another machine: where
    :class:`~requests_gracedb_like.transport.SessionTransportMixin`
    (and :mod:`requests_gracedb_like.httpx`) refuses to send a credential.

    The host is the one urllib3 connects to, which is not always the one
    :func:`urllib.parse.urlsplit` reads (``http://a\\@127.0.0.1/`` goes to
    ``a``).
    """
    return remote_in_clear(origin_of(url))


def remote_in_clear(origin: Origin) -> bool:
    """Whether `origin` (``(scheme, host, port)``, however the client read
    it) is not https and on another machine: the rule of
    :func:`in_clear_to_remote`."""
    scheme, host, _ = origin
    return scheme != "https" and not is_loopback(host)
