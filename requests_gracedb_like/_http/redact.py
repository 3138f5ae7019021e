"""Remove secrets from URLs and header values before they are shown."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["SENSITIVE_HEADERS", "redact_url"]

#: Header names whose values are never shown.
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)

_SENSITIVE_QUERY = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "auth",
        "key",
        "password",
        "passwd",
        "secret",
        "sig",
        "signature",
        "token",
    }
)


def redact_url(url: str | None) -> str:
    """Return `url` with user name, password and secret query values hidden.

    Examples
    --------
    >>> redact_url("https://albert:pw@example.org/api/?token=abc&page=2")
    'https://example.org/api/?token=REDACTED&page=2'
    >>> redact_url("https://example.org/a b")
    'https://example.org/a b'
    """
    if not url:
        return str(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    netloc = parts.netloc.rpartition("@")[2]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() in _SENSITIVE_QUERY for k, _ in pairs):
            query = urlencode(
                [
                    (k, "REDACTED" if k.lower() in _SENSITIVE_QUERY else v)
                    for k, v in pairs
                ],
                safe="/:",
            )
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
