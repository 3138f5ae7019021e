"""The entry point of the command line: ``python -m requests_gracedb_like`` or
``requests-gracedb-like``.

Commands::

    auth URL                     which credential a Session would use, and why
    get|post|put|patch|delete URL
                                 send a request with the Session
    login URL                    log in to the OIDC provider URL needs
    logout URL                   revoke and forget that login
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

import importlib
import logging
import sys
import traceback
import warnings
from collections.abc import Sequence
from typing import Any, Optional

from .._http.redact import printable
from .parser import build_parser
from .status import PROG, ExitStatus, classify

__all__ = ["main"]


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
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        return _run(args)


def _show_warning(
    message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any
) -> None:
    """Warnings as one line each, without the source line."""
    text = printable(" ".join(str(message).split()))
    print(f"{PROG}: warning: {text}", file=sys.stderr)


def _run(args: Any) -> int:
    # A credential variable naming nothing usable is skipped by discovery:
    # say so on every command, since the user set it to be used.
    from ..credentials.variables import variable_problems

    for problem in variable_problems():
        print(f"{PROG}: warning: {problem}", file=sys.stderr)
    try:
        # Each command's module (and the Session) loads only when it runs:
        # --help and usage errors answer at once.
        command = importlib.import_module(f"{__package__}.{args.command}")
        return int(command.run(args))
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
        retried = getattr(args, "retries_made", 0)
        if retried:
            hint += f" (after {retried} {'retry' if retried == 1 else 'retries'})"
        # The first line says what failed; the library's lines after it
        # (sources skipped and why, the next step) follow, a line each.
        first, *rest = message.strip().splitlines() or [""]
        line = printable(" ".join(first.split()))
        print(f"{PROG}: {line}{hint}", file=sys.stderr)
        for line in rest:
            print(f"{PROG}: {printable(line.rstrip())}", file=sys.stderr)
        # what to try next, set by the command
        for line in getattr(args, "hints", ()):
            print(f"{PROG}: {printable(line)}", file=sys.stderr)
        return status
