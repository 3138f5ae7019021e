"""Remove secrets from URLs and header values before they are shown, and
terminal escapes from text a server supplied."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

__all__ = [
    "SENSITIVE_HEADERS",
    "is_secret_header",
    "printable",
    "redact_secrets",
    "redact_url",
    "secrets_in",
]

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


# An escape sequence: CSI (ESC [ or the C1 byte 0x9b) up to its final byte;
# OSC, DCS, SOS, PM, APC strings (ESC ] P X ^ _, or their C1 bytes) up to
# BEL or the string terminator; any other two-character ESC sequence.
_ESCAPE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)
# What is left that a terminal would act on: C0 controls but tab and line
# feed, DEL, C1 controls, and the invisible format characters that reorder
# or hide text (bidirectional overrides, zero-width characters).
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff]"
)


def printable(text: str) -> str:
    """Return `text` without terminal escape sequences and control
    characters (tab and line feed are kept), for showing text that a server
    supplied.

    Escape sequences (``ESC [2J``, ``ESC ]0;title BEL``, their one-byte C1
    forms) are removed whole; any other control character, and invisible
    characters that reorder text, become ``?``.

    Examples
    --------
    >>> printable("\x1b]0;pwned\x07bad \x1b[31mred\x1b[0m\x9b2J\u202eevil")
    'bad red?evil'
    """
    if text.isprintable():
        return text
    return _CONTROL.sub("?", _ESCAPE.sub("", text))


#: Words that mark a header as carrying a credential, besides
#: :data:`SENSITIVE_HEADERS`: ``X-Auth-Token``, ``Api-Key``...
_SECRET_WORDS = ("auth", "key", "token", "secret", "session", "password")

#: Secrets shorter than this are not looked for in text (too many false
#: matches); no real token or key is that short.
_MIN_SECRET = 4


def is_secret_header(name: str) -> bool:
    """Whether a header named `name` carries a credential: one of
    :data:`SENSITIVE_HEADERS`, or a name that says so (``X-Auth-Token``,
    ``Api-Key``, ``X-Session-Secret``...).

    Examples
    --------
    >>> [is_secret_header(n) for n in ("Authorization", "X-Auth-Token", "Accept")]
    [True, True, False]
    """
    lower = name.lower()
    return lower in SENSITIVE_HEADERS or any(w in lower for w in _SECRET_WORDS)


def secrets_in(headers: Mapping[str, Any], url: Any = None) -> list[str]:
    """The secret values a request carries, longest first: the values of
    its credential headers (and the credential after the scheme, and a basic
    auth password), cookie values, and the password and secret query
    values of `url`."""
    found: set[str] = set()
    for name, value in (headers or {}).items():
        lower = str(name).lower()
        if not is_secret_header(lower):
            continue
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if not isinstance(value, str):
            continue
        found.add(value)
        if lower in ("cookie", "set-cookie"):
            found.update(part.partition("=")[2].strip() for part in value.split(";"))
            continue
        scheme, _, credential = value.partition(" ")
        credential = credential.strip()
        found.add(credential)
        if scheme.lower() == "basic" and credential:
            try:
                decoded = base64.b64decode(credential, validate=True).decode("latin-1")
            except (binascii.Error, ValueError):
                decoded = ""
            found.update((decoded, decoded.partition(":")[2]))
    if isinstance(url, str) and url:
        found.update(_url_secrets(url))
    return sorted((s for s in found if len(s) >= _MIN_SECRET), key=len, reverse=True)


def _url_secrets(url: str) -> Iterable[str]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ()
    values = []
    userinfo = parts.netloc.rpartition("@")[0]
    if userinfo:
        password = userinfo.partition(":")[2]
        values += [password, unquote(password)]
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() in _SENSITIVE_QUERY:
            values += [value]
    return values


def redact_secrets(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each of `secrets` in `text` by
    ``REDACTED``.

    Examples
    --------
    >>> redact_secrets("you sent Bearer abc.def", ["abc.def"])
    'you sent Bearer REDACTED'
    """
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, "REDACTED")
    return text
