"""The command line: ``python -m requests_gracedb_like`` or
``requests-gracedb-like``.

Commands::

    auth URL                     which credential a Session would use, and why
    get|post|put|patch|delete URL
                                 send a request with the Session
    demo                         a walk-through against a local service

Exit status, one class of failure each:

====  =======================================================================
0     success
1     any other error (for example the output file cannot be written)
2     usage: unknown option, malformed URL, unreadable file, invalid JSON
3     credential: none usable found, or a credential file cannot be used
4     the server answered 4xx
5     the server answered 5xx
6     connection: refused, name not resolved, TLS failure, connection lost
7     timeout (``--timeout``)
130   interrupted (Ctrl-C)
====  =======================================================================

Failures print one line on standard error; ``--debug`` adds the traceback
and the library's DEBUG log records.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
import logging
import os
import re
import sys
import time
import traceback
import warnings
from collections.abc import Sequence
from contextlib import ExitStack
from enum import IntEnum
from typing import IO, Any, NoReturn, Optional
from urllib.parse import urlsplit

import requests

from . import Session, __version__
from ._redact import redact_url
from .discovery import SOURCES, Attempt, Request, Source, why_not_looked_at
from .exceptions import CredentialError
from .file import guess_content_type, prepare_files
from .timeout import NOT_GIVEN

__all__ = [
    "ExitStatus",
    "auth_report",
    "build_parser",
    "classify",
    "format_auth_report",
    "main",
]

PROG = "requests-gracedb-like"

#: Transfers at least this large get a progress bar on a terminal.
PROGRESS_THRESHOLD = 4 * 1024 * 1024

_CHUNK = 64 * 1024


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


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(
            ExitStatus.USAGE,
            f"{self.prog}: error: {message} (see '{self.prog} --help')\n",
        )


# --- argument parsing ----------------------------------------------------


def _common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # Accepted both before and after the command; the sub-command's copy
    # must not reset a value given before it, hence SUPPRESS there.
    default: Any = False if top else argparse.SUPPRESS
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default,
        help="show tracebacks and the library's DEBUG log records",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default,
        help="no progress bars",
    )


def _credential_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("credential")
    group.add_argument(
        "--token",
        metavar="PATH",
        help="use this bearer-token file instead of discovering a credential",
    )
    group.add_argument(
        "--no-auth",
        action="store_true",
        help="send no credential at all (not even ~/.netrc)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the command line."""
    parser = _Parser(
        prog=PROG,
        description=(
            "Send requests with requests_gracedb_like.Session, explain which "
            "credential it uses, or run a local demonstration."
        ),
        epilog=(
            "Exit status: 0 ok, 1 other error, 2 usage, 3 credential, 4 HTTP "
            "4xx, 5 HTTP 5xx, 6 connection, 7 timeout."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    _common_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    auth = commands.add_parser(
        "auth",
        help="explain which credential is used for URL, and why",
        description=(
            "List every credential source in discovery order: found or not, "
            "and why; the one used, its expiry and time left. Never prints a "
            "secret. Exits with 3 when no usable credential is found."
        ),
    )
    auth.add_argument("url", metavar="URL")
    auth.add_argument("--json", action="store_true", help="print JSON for machines")
    auth.add_argument(
        "--token", metavar="PATH", help="check this bearer-token file first"
    )
    _common_options(auth, top=False)
    auth.set_defaults(func=_run_auth)

    for method in ("get", "post", "put", "patch", "delete"):
        sub = commands.add_parser(
            method,
            help=f"send a {method.upper()} request",
            description=(
                f"Send a {method.upper()} request to URL with the discovered "
                "credential. The body goes to standard output: JSON "
                "pretty-printed on a terminal, the raw bytes when piped."
            ),
        )
        sub.add_argument("url", metavar="URL")
        body = sub.add_mutually_exclusive_group()
        body.add_argument(
            "-d",
            "--data",
            metavar="DATA",
            help="send DATA as the body; @PATH sends a file, @- standard input",
        )
        body.add_argument(
            "-j",
            "--json",
            metavar="JSON",
            help="send JSON (checked first) as application/json; @PATH reads a file",
        )
        sub.add_argument(
            "-F",
            "--file",
            metavar="FIELD=PATH",
            action="append",
            default=[],
            help="upload PATH as form field FIELD, MIME type guessed (repeatable)",
        )
        sub.add_argument(
            "--field",
            metavar="NAME=VALUE",
            action="append",
            default=[],
            help="add a form field (repeatable)",
        )
        sub.add_argument(
            "-H",
            "--header",
            metavar="'NAME: VALUE'",
            action="append",
            default=[],
            help="add a header; 'NAME:' removes a default one (repeatable)",
        )
        sub.add_argument(
            "-o", "--output", metavar="PATH", help="write the body to PATH"
        )
        sub.add_argument(
            "-t",
            "--timeout",
            metavar="SECONDS",
            type=_seconds,
            # not given: the session's default timeout, not "wait forever"
            default=NOT_GIVEN,
            help="give up when connecting or waiting for data takes longer",
        )
        sub.add_argument(
            "--retries",
            metavar="N",
            type=_retries,
            default=None,
            help=(
                "retry a failed connection or a 429/502/503/504 answer up to N "
                "times (idempotent methods only; default: the session's, 0: never)"
            ),
        )
        _credential_options(sub)
        _common_options(sub, top=False)
        sub.set_defaults(func=_run_request, method=method.upper())

    demo = commands.add_parser(
        "demo",
        help="walk through the library against a local service",
        description=(
            "Start a token-protected service on 127.0.0.1 and show credential "
            "discovery, an upload, an error and a token rotation. Needs no "
            "network and no account."
        ),
    )
    _common_options(demo, top=False)
    demo.set_defaults(func=_run_demo)
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return value


# --- entry point -----------------------------------------------------------


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with `argv` (``sys.argv[1:]`` by default) and
    return the exit status."""
    args = build_parser().parse_args(argv)
    if args.debug:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        logger = logging.getLogger("requests_gracedb_like")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except Exception as exc:
        status, message = classify(exc)
        if args.debug:
            traceback.print_exc()
        hint = (
            "" if args.debug or status != ExitStatus.ERROR else " (--debug shows more)"
        )
        print(f"{PROG}: {message}{hint}", file=sys.stderr)
        return status


def classify(exc: BaseException) -> tuple[ExitStatus, str]:
    """Return the exit status and the one-line message for an exception."""
    if isinstance(exc, UsageError):
        return ExitStatus.USAGE, str(exc)
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        code = exc.response.status_code
        status = ExitStatus.HTTP_5XX if code >= 500 else ExitStatus.HTTP_4XX
        return status, str(exc)
    if isinstance(exc, CredentialError):
        return ExitStatus.CREDENTIAL, str(exc)
    url = redact_url(getattr(getattr(exc, "request", None), "url", None) or "")
    if isinstance(exc, requests.Timeout):
        return ExitStatus.TIMEOUT, f"{url}: timed out"
    if isinstance(exc, requests.ConnectionError):
        return ExitStatus.CONNECTION, f"{url}: {_connection_problem(exc)}"
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.URLRequired)):
        return ExitStatus.USAGE, f"malformed URL: {exc}"
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename!r}: " if exc.filename else ""
        return ExitStatus.ERROR, f"{where}{exc.strerror}"
    return ExitStatus.ERROR, f"{type(exc).__name__}: {exc}"


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


# --- auth ------------------------------------------------------------------


def auth_report(url: str, *, token: Optional[str] = None) -> dict[str, Any]:
    """Explain which credentials a Session for `url` would use, without any
    secret.

    Every source of :data:`~requests_gracedb_like.discovery.SOURCES` is
    looked at, even those discovery skips once a credential of their kind
    is found, so that a credential shadowed by an earlier one shows up as
    such. Which sources are used follows the rules of
    :mod:`~requests_gracedb_like.discovery`, as
    :meth:`~requests_gracedb_like.auth.SessionAuthMixin.describe_auth` reports.

    Parameters
    ----------
    url : str
        The service URL.
    token : str, optional
        A bearer-token file, as the ``token=`` argument of the Session.

    Returns
    -------
    dict
        ``url``; ``sources``: for each source in order, ``source``,
        ``location``, ``status`` (``used``; ``shadowed``: found, but an
        earlier source supplies that kind of credential; ``absent``;
        ``error``: a Session would raise here; ``ignored``: unusable but
        after the winner), ``why`` (the discovery status: ``absent``,
        ``expired``, ``wrong audience``...) and ``reason``; ``used``: the
        sources used, or None; ``usable``; ``expiry`` (ISO 8601, UTC) and
        ``expires_in`` (seconds), the earliest of the credentials used,
        when known; ``claims``: the token's ``sub``, ``iss``, ``aud`` and
        ``scope`` when present, and the certificate's ``subject``.
    """
    request = Request(url=url, token=token)
    sources = []
    winners: list[Source] = []
    used: list[Attempt] = []
    failed = False
    for source in SOURCES:
        try:
            with warnings.catch_warnings():
                # the reason recorded says the same
                warnings.simplefilter("ignore")
                attempt = source(request)
        except (OSError, CredentialError) as exc:
            sources.append(
                {
                    "source": source.name,
                    "location": getattr(exc, "filename", None),
                    "status": "error" if not winners and not failed else "ignored",
                    "why": "unreadable" if isinstance(exc, OSError) else "malformed",
                    "reason": _problem(exc),
                }
            )
            failed = failed or not winners
            continue
        if attempt.found and not failed and why_not_looked_at(source, winners) is None:
            status = "used"
            winners.append(source)
            used.append(attempt)
        elif attempt.found:
            status = "shadowed"
        else:
            status = "absent"
        sources.append(
            {
                "source": attempt.source,
                "location": attempt.location,
                "status": status,
                "why": attempt.status,
                "reason": attempt.reason,
            }
        )
    report: dict[str, Any] = {
        "url": redact_url(url),
        "sources": sources,
        "used": None,
        "usable": False,
        "expiry": None,
        "expires_in": None,
        "claims": {},
    }
    used = [a for a in used if a.source != "force_noauth"]
    if not used:
        return report
    report["used"] = " + ".join(
        f"{a.source} ({a.location})" if a.location else a.source for a in used
    )
    report["usable"] = True
    expiries = [a.expiry for a in used if a.expiry is not None]
    if expiries:
        left = min(expiries) - time.time()
        report["expiry"] = _iso(min(expiries))
        report["expires_in"] = round(left)
        report["usable"] = left > 0
    claims: dict[str, Any] = {}
    for attempt in used:
        claims.update(getattr(attempt.auth, "claims", None) or {})
        if attempt.cert is not None and attempt.cert.subject:
            claims["subject"] = attempt.cert.subject
    report["claims"] = {
        k: claims[k] for k in ("sub", "iss", "aud", "scope", "subject") if k in claims
    }
    return report


def _problem(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot be read: {exc.strerror}"
    return f"cannot be used: {exc}"


def _iso(timestamp: float) -> str:
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _duration(seconds: float) -> str:
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes and not days else []
    parts += [f"{secs} s"] if not (days or hours) else []
    return " ".join(parts) or "0 s"


_MARKS = {"used": "*", "shadowed": "+", "absent": "-", "error": "!", "ignored": "!"}


def format_auth_report(report: dict[str, Any]) -> str:
    """The text form of :func:`auth_report`."""
    lines = [f"Credential sources for {report['url']}, in discovery order:"]
    for number, item in enumerate(report["sources"], 1):
        where = f" ({item['location']})" if item["location"] else ""
        note = {
            "used": "  <- used",
            "shadowed": "  (found, not used: an earlier source supplies it)",
            "error": "  <- a Session stops here with this error",
        }.get(item["status"], "")
        lines.append(
            f"  {_MARKS[item['status']]} {number}. {item['source']}{where}: "
            f"{item['reason']}{note}"
        )
    if report["used"] is None:
        failed = [s for s in report["sources"] if s["status"] == "error"]
        if failed:
            where = f" ({failed[0]['location']})" if failed[0]["location"] else ""
            lines.append(
                f"No usable credential: {failed[0]['source']}{where} "
                f"{failed[0]['reason']}"
            )
        else:
            lines.append("No credential found: requests are sent without one.")
        return "\n".join(lines)
    lines.append(f"Used: {report['used']}")
    for key, value in report["claims"].items():
        lines.append(f"  {key}: {value}")
    if report["expiry"] is None:
        lines.append("Expires: no expiry known")
    elif report["expires_in"] > 0:
        left = _duration(report["expires_in"])
        lines.append(f"Expires: {report['expiry']} (in {left})")
    else:
        ago = _duration(report["expires_in"])
        lines.append(f"Expired: {report['expiry']} ({ago} ago): not usable")
    return "\n".join(lines)


def _run_auth(args: argparse.Namespace) -> int:
    _check_url(args.url)
    report = auth_report(args.url, token=args.token)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_auth_report(report))
    return ExitStatus.OK if report["usable"] else ExitStatus.CREDENTIAL


# --- requests --------------------------------------------------------------


def _check_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise UsageError(f"malformed URL {redact_url(url)!r}: {exc}") from None
    if parts.scheme not in ("http", "https"):
        if not parts.scheme or "." in parts.scheme or not parts.netloc:
            raise UsageError(
                f"malformed URL {redact_url(url)!r}: give the scheme, as in "
                f"'https://{redact_url(url)}'"
            )
        raise UsageError(
            f"malformed URL {redact_url(url)!r}: the scheme must be http or https"
        )
    if not parts.hostname:
        raise UsageError(f"malformed URL {redact_url(url)!r}: no host name")
    return url


def _read_argument(option: str, value: str) -> bytes:
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


def _split_pair(option: str, value: str, sep: str, shape: str) -> tuple[str, str]:
    name, found, rest = value.partition(sep)
    if not found or not name.strip():
        raise UsageError(f"{option} expects {shape}, got {value!r}")
    return name.strip(), rest


def _headers(values: list[str]) -> dict[str, Optional[str]]:
    headers: dict[str, Optional[str]] = {}
    for value in values:
        name, rest = _split_pair("--header", value, ":", "'NAME: VALUE'")
        if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name):
            raise UsageError(f"--header: {name!r} is not a valid header name")
        value = rest.strip()
        if not value.isprintable():
            # the value is not shown: it may be a credential
            raise UsageError(f"--header: the value of {name} has control characters")
        # 'Name:' removes a header the session would send, as with curl.
        headers[name] = value or None
    return headers


def _has(headers: dict[str, Optional[str]], name: str) -> bool:
    return any(k.lower() == name.lower() for k in headers)


class _Upload(io.BytesIO):
    """A request body that advances a progress bar as it is sent."""

    def __init__(self, data: bytes, progress: Any) -> None:
        super().__init__(data)
        self._size = len(data)
        self._progress = progress

    def __len__(self) -> int:
        return self._size

    def read(self, size: Optional[int] = -1) -> bytes:
        chunk = super().read(size)
        self._progress.update(len(chunk))
        return chunk


class _NoProgress:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: Optional[int], description: str, *, enabled: bool) -> Any:
    """A tqdm bar on standard error, or an object that does nothing.

    Bars show for transfers of at least :data:`PROGRESS_THRESHOLD` bytes (or
    of unknown size, after two seconds), only on a terminal, and only when
    tqdm is installed (the ``cli`` extra).
    """
    if not enabled or not sys.stderr.isatty():
        return _NoProgress()
    if total is not None and total < PROGRESS_THRESHOLD:
        return _NoProgress()
    try:
        from tqdm import tqdm  # type: ignore[import-untyped]
    except ImportError:
        return _NoProgress()
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
    except OSError:
        size = os.terminal_size((0, 0))
    return tqdm(
        total=total,
        # a terminal that reports no size (a bare pty) would get no bar
        ncols=None if size.columns > 0 else 80,
        nrows=None if size.lines > 0 else 24,
        desc=description,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=sys.stderr,
        delay=0 if total is not None else 2,
    )


def _body(
    args: argparse.Namespace, headers: dict[str, Optional[str]]
) -> Optional[bytes]:
    """The request body from --data, --json, --file and --field, with the
    Content-Type it needs unless the user set one."""
    fields = [_split_pair("--field", v, "=", "NAME=VALUE") for v in args.field]
    uploads = [_split_pair("--file", v, "=", "FIELD=PATH") for v in args.file]
    if uploads and (args.data is not None or args.json is not None):
        option = "--data" if args.data is not None else "--json"
        raise UsageError(f"--file cannot be combined with {option}; use --field")
    if fields and (args.data is not None or args.json is not None):
        option = "--data" if args.data is not None else "--json"
        raise UsageError(f"--field cannot be combined with {option}")
    content_type: Optional[str] = None
    body: Optional[bytes] = None
    if args.json is not None:
        body = _read_argument("--json", args.json)
        try:
            json.loads(body)
        except ValueError as exc:
            where = (
                f" at line {exc.lineno} column {exc.colno}"
                if isinstance(exc, json.JSONDecodeError)
                else ""
            )
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise UsageError(f"--json is not valid JSON: {reason}{where}") from None
        content_type = "application/json"
        if not _has(headers, "Accept"):
            headers["Accept"] = "application/json, */*;q=0.5"
    elif args.data is not None:
        body = _read_argument("--data", args.data)
        if args.data.startswith("@") and args.data != "@-":
            content_type = guess_content_type(args.data[1:])
    elif uploads or fields:
        with ExitStack() as stack:
            files = None
            if uploads:
                try:
                    files = prepare_files([(f, (p, None)) for f, p in uploads], stack)
                except OSError as exc:
                    raise UsageError(
                        f"--file: cannot read {exc.filename!r}: {exc.strerror or exc}"
                    ) from None
            # requests encodes the form; the body is then sent from memory so
            # that its progress can be shown.
            prepared = requests.Request(
                "POST", "http://localhost/", data=fields or None, files=files
            ).prepare()
        body = prepared.body if isinstance(prepared.body, bytes) else None
        if isinstance(prepared.body, str):
            body = prepared.body.encode()
        content_type = prepared.headers["Content-Type"]
    if content_type is not None and not _has(headers, "Content-Type"):
        headers["Content-Type"] = content_type
    return body


def _retries(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value


def _run_request(args: argparse.Namespace) -> int:
    url = _check_url(args.url)
    headers = _headers(args.header)
    body = _body(args, headers)
    stdout_tty = args.output is None and sys.stdout.isatty()
    # A user-given Authorization header is sent as given, not replaced by a
    # discovered credential.
    no_auth = args.no_auth or _has(headers, "Authorization")
    try:
        options = {} if args.retries is None else {"retries": args.retries}
        session = Session(url, token=args.token, force_noauth=no_auth, **options)
    except OSError as exc:
        # only --token is read here; discovered files that cannot be read
        # are skipped by discovery
        raise CredentialError(
            f"--token: cannot read {args.token!r}: {exc.strerror or exc}"
        ) from None
    with session:
        data = progress = None
        if body is not None:
            progress = _progress(len(body), "upload", enabled=not args.quiet)
            data = _Upload(body, progress)
        try:
            response = session.request(
                args.method,
                url,
                data=data,
                headers=headers,
                timeout=args.timeout,
                stream=True,
            )
        finally:
            if progress is not None:
                progress.close()
        with response:
            _write_body(response, args, stdout_tty=stdout_tty)
    return ExitStatus.OK


def _write_body(
    response: requests.Response, args: argparse.Namespace, *, stdout_tty: bool
) -> None:
    if stdout_tty:
        _show(response)
        return
    length = response.headers.get("Content-Length")
    total = (
        int(length)
        if length and length.isdigit() and not response.headers.get("Content-Encoding")
        else None
    )
    progress = _progress(total, "download", enabled=not args.quiet)
    try:
        if args.output in (None, "-"):
            _copy(response, sys.stdout.buffer, progress)
            sys.stdout.flush()
            return
        try:
            out = open(args.output, "wb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise OSError(
                exc.errno, f"cannot write {args.output!r}: {exc.strerror}"
            ) from None
        try:
            with out:
                _copy(response, out, progress)
        except BaseException:
            # no half-written file is left behind to be taken for the result
            with contextlib.suppress(OSError):
                os.unlink(args.output)
            raise
    finally:
        progress.close()


def _copy(response: requests.Response, out: IO[bytes], progress: Any) -> None:
    for chunk in response.iter_content(_CHUNK):
        out.write(chunk)
        progress.update(len(chunk))


def _show(response: requests.Response) -> None:
    """Write a body on a terminal: JSON pretty-printed, text as text,
    binary data not at all."""
    content = response.content
    if not content:
        return
    if "json" in response.headers.get("Content-Type", "").lower():
        try:
            text = json.dumps(json.loads(content), indent=2, ensure_ascii=False)
        except ValueError:
            text = None
        if text is not None:
            print(text)
            return
    if b"\0" in content[:8192]:
        print(
            f"{PROG}: {len(content)} bytes of binary data not shown on a terminal; "
            "use --output PATH or a pipe",
            file=sys.stderr,
        )
        return
    text = content.decode(response.encoding or "utf-8", "replace")
    print(text, end="" if text.endswith("\n") else "\n")


# --- demo ------------------------------------------------------------------


def _run_demo(args: argparse.Namespace) -> int:
    from ._demo import run

    run()
    return ExitStatus.OK
