"""Checks and conversions of command-line arguments; a bad one raises
:class:`~requests_gracedb_like.cli.status.UsageError` naming it."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, Optional
from urllib.parse import urlsplit

from .._http.redact import redact_url
from .status import UsageError

__all__ = [
    "check_url",
    "claim_options",
    "has_header",
    "margin",
    "parse_headers",
    "read_argument",
    "retries",
    "seconds",
    "shown_url",
    "split_pair",
]


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return value


def margin(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 seconds or more: {text!r}")
    return value


def claim_options(args: argparse.Namespace) -> dict[str, Any]:
    """The Session options of ``--token-audience``, ``--token-scope``,
    ``--token-issuer`` and ``--token-expiry-margin`` that were given.

    Raises
    ------
    UsageError
        If a requested scope has a relative path, naming ``--token-scope``.
    """
    from ..credentials.scopes import parse_requested

    options: dict[str, Any] = {}
    for name in ("token_audience", "token_scope", "token_issuer"):
        values = getattr(args, name, None)
        if values:
            options[name] = values
    for text in " ".join(options.get("token_scope", ())).split():
        try:
            parse_requested(text)
        except ValueError:
            raise UsageError(
                f"--token-scope: the path of {text!r} must start with '/'"
            ) from None
    if getattr(args, "token_expiry_margin", None) is not None:
        options["token_expiry_margin"] = args.token_expiry_margin
    return options


def retries(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value


# What the user typed before "://", and a user name and password after it.
_SCHEME = re.compile(r"^\s*([^:/?#]*)://")
_USERINFO = re.compile(r"^(\s*[^:/?#]*://)?[^/?#]*@")


def shown_url(url: str) -> str:
    """`url` as typed, safe to quote in a message: quoted with ``repr`` (so
    control characters and escape sequences show as ``\\x1b``), without a
    user name and password, even when it cannot be parsed.

    Examples
    --------
    >>> print(shown_url("https://albert:pw@[gracedb.example.org/api/"))
    'https://[gracedb.example.org/api/'
    >>> print(shown_url("albert:pw@gracedb.example.org/\\x1b[2J"))
    'gracedb.example.org/\\x1b[2J'
    """
    try:
        urlsplit(url).port  # noqa: B018 - raises ValueError when unparsable
        safe = redact_url(url)
    except ValueError:
        safe = url
    # also where urlsplit sees no host ("albert:pw@host/" has no scheme)
    return repr(_USERINFO.sub(lambda m: m.group(1) or "", safe))


def check_url(url: str) -> str:
    """Check a URL typed on the command line; the message of a bad one
    quotes it (see :func:`shown_url`) and says how to write it."""
    shown = shown_url(url)
    typed_scheme = _SCHEME.match(url)
    if typed_scheme and typed_scheme.group(1).lower() not in ("http", "https"):
        raise UsageError(
            f"malformed URL {shown}: the scheme must be http or https, "
            f"not {typed_scheme.group(1)!r}"
        )
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise UsageError(f"malformed URL {shown}: {exc}") from None
    if not typed_scheme:
        rest = _USERINFO.sub("", url.strip())
        scheme = re.match(r"(?i)(https?)(?::/*|/+)", rest)  # "http:/host", "HTTP//host"
        if scheme and rest[scheme.end() :]:
            rest = rest[scheme.end() :]
        fixed = f"{scheme.group(1).lower() if scheme else 'https'}://{rest}"
        raise UsageError(f"malformed URL {shown}: give the scheme, as in {fixed!r}")
    if not parts.hostname:
        raise UsageError(f"malformed URL {shown}: no host name")
    return url


def read_argument(option: str, value: str) -> bytes:
    """``@PATH`` reads a file, ``@-`` standard input, else the text itself."""
    if not value.startswith("@"):
        return value.encode()
    path = value[1:]
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise UsageError(
            f"{option}: cannot read {path!r}: {exc.strerror or exc}"
        ) from None


def split_pair(option: str, value: str, sep: str, shape: str) -> tuple[str, str]:
    name, found, rest = value.partition(sep)
    if not found or not name.strip():
        raise UsageError(f"{option} expects {shape}, got {value!r}")
    return name.strip(), rest


def parse_headers(values: list[str]) -> dict[str, Optional[str]]:
    headers: dict[str, Optional[str]] = {}
    for value in values:
        name, rest = split_pair("--header", value, ":", "'NAME: VALUE'")
        if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name):
            raise UsageError(f"--header: {name!r} is not a valid header name")
        value = rest.strip()
        if not value.isprintable():
            # the value is not shown: it may be a credential
            raise UsageError(f"--header: the value of {name} has control characters")
        # 'Name:' removes a header the session would send, as with curl.
        headers[name] = value or None
    return headers


def has_header(headers: dict[str, Optional[str]], name: str) -> bool:
    return any(k.lower() == name.lower() for k in headers)
