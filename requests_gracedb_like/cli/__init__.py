"""The command line, one module per command.

:mod:`~requests_gracedb_like.cli.auth` (``auth``),
:mod:`~requests_gracedb_like.cli.request` (``get``, ``post``, ``put``,
``patch``, ``delete``) and :mod:`~requests_gracedb_like.cli.demo`
(``demo``); :mod:`~requests_gracedb_like.cli.parser` builds the argument
parser, :mod:`~requests_gracedb_like.cli.entry` runs it and
:mod:`~requests_gracedb_like.cli.status` maps each failure to an exit
status and a one-line message.
"""

from __future__ import annotations

from .auth import auth_report, format_auth_report
from .entry import main
from .parser import build_parser
from .status import ExitStatus, classify

__all__ = [
    "ExitStatus",
    "auth_report",
    "build_parser",
    "classify",
    "format_auth_report",
    "main",
]
