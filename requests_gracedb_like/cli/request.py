"""The request commands (``get``, ``post``, ``put``, ``patch``,
``delete``): send a request with the Session and write the body."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import stat
import sys
import tempfile
from contextlib import ExitStack
from typing import IO, Any, Optional

import requests

from .._http.multipart import encode, file_size
from .._http.redact import printable, redact_url
from ..exceptions import CredentialError
from ..file import guess_content_type, prepare_files
from ..retry import Retry
from ..session import Session
from .arguments import (
    check_url,
    claim_options,
    has_header,
    parse_headers,
    read_argument,
    split_pair,
)
from .progress import Upload, progress_bar
from .status import PROG, ExitStatus, UsageError

__all__ = ["run"]


#: Pieces in which a body is written as it arrives. Over TLS, 64 KiB
#: pieces downloaded about 1.7 times as fast as 1 MiB ones, and as fast as
#: curl (benchmarks/RESULTS.md); each piece is copied on its way through
#: http.client and urllib3, which 64 KiB do within the CPU's cache.
_CHUNK = 64 * 1024


def _body(
    args: argparse.Namespace, headers: dict[str, Optional[str]], stack: ExitStack
) -> tuple[Any, int]:
    """The request body from --data, --json, --file and --field, and its
    length, with the Content-Type it needs unless the user set one.

    The body is bytes, or a file object read as it is sent: a regular file
    given as ``--data @PATH``, or the multipart form of --file uploads with
    the files left on disk; files opened here are registered on `stack`.
    ``(None, 0)`` when no body is given."""
    fields = [split_pair("--field", v, "=", "NAME=VALUE") for v in args.field]
    uploads = [split_pair("--file", v, "=", "FIELD=PATH") for v in args.file]
    if uploads and (args.data is not None or args.json is not None):
        option = "--data" if args.data is not None else "--json"
        raise UsageError(f"--file cannot be combined with {option}; use --field")
    if fields and (args.data is not None or args.json is not None):
        option = "--data" if args.data is not None else "--json"
        raise UsageError(f"--field cannot be combined with {option}")
    content_type: Optional[str] = None
    body: Any = None
    if args.json is not None:
        body = read_argument("--json", args.json)
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
        if not has_header(headers, "Accept"):
            headers["Accept"] = "application/json, */*;q=0.5"
    elif args.data is not None:
        if args.data.startswith("@") and args.data != "@-":
            body = _data_file(args.data, stack)
            content_type = guess_content_type(args.data[1:])
        else:
            body = read_argument("--data", args.data)
    elif uploads:
        try:
            files = prepare_files([(f, (p, None)) for f, p in uploads], stack)
        except OSError as exc:
            raise UsageError(
                f"--file: cannot read {exc.filename!r}: {exc.strerror or exc}"
            ) from None
        # The bytes requests would build in memory, with the regular files
        # read from disk as the body is sent.
        body = encode(fields or None, files)
        content_type = body.content_type
    elif fields:
        prepared = requests.Request("POST", "http://localhost/", data=fields).prepare()
        body = prepared.body
        if isinstance(body, str):
            body = body.encode()
        value = prepared.headers["Content-Type"]
        content_type = value if isinstance(value, str) else value.decode("latin-1")
    if content_type is not None and not has_header(headers, "Content-Type"):
        headers["Content-Type"] = content_type
    if body is None:
        return None, 0
    size = file_size(body)
    return body, len(body) if size is None else size


def _data_file(value: str, stack: ExitStack) -> Any:
    """What ``--data @PATH`` sends: the regular file at PATH, open, to be
    read as it is sent, or the bytes of anything else there (a pipe)."""
    path = value[1:]
    try:
        f = stack.enter_context(open(path, "rb"))  # noqa: SIM115 - on the stack
        return f if file_size(f) is not None else f.read()
    except OSError as exc:
        raise UsageError(
            f"--data: cannot read {path!r}: {exc.strerror or exc}"
        ) from None


def run(args: argparse.Namespace) -> int:
    """Run ``get``, ``post``, ``put``, ``patch`` or ``delete``."""
    url = check_url(args.url)
    headers = parse_headers(args.header)
    with ExitStack() as files:
        return _send(args, url, headers, files)


def _send(
    args: argparse.Namespace,
    url: str,
    headers: dict[str, Optional[str]],
    files: ExitStack,
) -> int:
    body, size = _body(args, headers, files)
    stdout_tty = args.output is None and sys.stdout.isatty()
    # A user-given Authorization header is sent as given, not replaced by a
    # discovered credential.
    no_auth = args.no_auth or has_header(headers, "Authorization")
    try:
        options = claim_options(args)
        if args.retries is not None:
            options["retries"] = args.retries
        session = Session(
            url,
            token=args.token,
            force_noauth=no_auth,
            allow_insecure_auth=args.allow_insecure_auth,
            **options,
        )
    except OSError as exc:
        # Discovery skips discovered files that cannot be read: what cannot
        # be read here is --token's file (or, should that change, the file
        # the error names).
        option = "--token: " if args.token is not None else ""
        name = exc.filename if exc.filename is not None else args.token
        raise CredentialError(
            f"{option}cannot read {name!r}: {exc.strerror or exc}"
        ) from None
    with session, _Retries(args) as retries:
        data = progress = None
        if body is not None:
            progress = progress_bar(size, "upload", enabled=not args.quiet)
            data = Upload(body, size, progress)
        try:
            response = session.request(
                args.method,
                url,
                data=data,
                headers=headers,
                timeout=args.timeout,
                stream=True,
            )
        except requests.HTTPError as exc:
            status = getattr(exc.response, "status_code", None)
            if status in (401, 403) and not no_auth:
                args.hints = [_credential_hint(args.url)]
            raise
        finally:
            if progress is not None:
                progress.close()
            args.retries_made = retries.count
        with response:
            try:
                _write_body(response, args, stdout_tty=stdout_tty)
            except requests.RequestException as exc:
                # raised while the body arrives, without the request: name it
                if exc.request is None:
                    exc.request = response.request
                raise
    return ExitStatus.OK


class _Retries(logging.Handler):
    """Counts the retries of the request (and shows each on standard error
    as it happens, unless --quiet or --debug, which logs them anyway), so
    that a failure can say how often it was tried."""

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(logging.INFO)
        self.echo = not (args.quiet or args.debug)
        self.count = 0
        self._logger = logging.getLogger(Retry.__module__)
        self._level = self._logger.level

    def __enter__(self) -> _Retries:
        self._logger.addHandler(self)
        if not self._logger.isEnabledFor(logging.INFO):
            self._logger.setLevel(logging.INFO)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._level)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "; retrying in " in message:
            self.count += 1
            if self.echo:
                print(f"{PROG}: {message}", file=sys.stderr)


def _credential_hint(url: str) -> str:
    """What to run after a 401 or 403, once the error has said which
    credential was sent or why none was."""
    return f"'{PROG} auth {redact_url(url)}' lists every source and why"


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
    progress = progress_bar(total, "download", enabled=not args.quiet)
    try:
        if args.output in (None, "-"):
            _copy(response, sys.stdout.buffer, progress)
            sys.stdout.flush()
            return
        _save(response, args.output, progress)
    finally:
        progress.close()


def _save(response: requests.Response, target: str, progress: Any) -> None:
    """Write the body to `target` through a temporary file beside it,
    renamed over `target` only once the whole body has arrived: a failed
    transfer leaves an existing file as it was. A target that is not a
    regular file (``/dev/null``, a FIFO) is written to directly, and never
    replaced or removed."""
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write {target!r}: {exc.strerror}") from None
    if mode is not None and not stat.S_ISREG(mode):
        try:
            out = open(target, "wb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise OSError(
                exc.errno, f"cannot write {target!r}: {exc.strerror}"
            ) from None
        with out:
            _copy(response, out, progress)
        return
    # Beside the file a symbolic link points to, so that the rename keeps
    # the link and stays on one file system.
    real = os.path.realpath(target)
    directory, name = os.path.split(real)
    try:
        fd, temporary = tempfile.mkstemp(
            prefix=f".{name}.", suffix=".part", dir=directory
        )
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write {target!r}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            _copy(response, out, progress)
        # mkstemp makes the file private; give it the mode the target had,
        # or the one a new file would get.
        os.chmod(
            temporary, stat.S_IMODE(mode) if mode is not None else _new_file_mode()
        )
        os.replace(temporary, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


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
    # On a terminal, escape sequences in the body would act on it (retitle
    # the window, clear the screen...): they are removed. A pipe or
    # --output gets the bytes as sent.
    text = printable(content.decode(response.encoding or "utf-8", "replace"))
    print(text, end="" if text.endswith("\n") else "\n")
