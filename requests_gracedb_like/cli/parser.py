"""The argument parser of the command line: one sub-command per module
of this package."""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Sequence
from typing import Any, NoReturn, Optional

from .._version import __version__
from ..timeout import NOT_GIVEN
from .arguments import margin, retries, seconds
from .status import PROG, ExitStatus

__all__ = ["build_parser"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(
            ExitStatus.USAGE,
            f"{self.prog}: error: {message} (see '{self.prog} --help')\n",
        )

    def parse_args(  # type: ignore[override]
        self, args: Optional[Sequence[str]] = None, namespace: Any = None
    ) -> argparse.Namespace:
        """Parse, naming an unknown option alone, with the help of the
        command it was given to.

        Overridden because argparse reports every argument left over
        (``unrecognized arguments: --outptu https://...``, the URL taken
        for the unknown option's value included) and points to the
        top-level help, which does not list a command's options.
        """
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            command = self._command_parser(parsed)
            unknown = next((e for e in extras if e.startswith("-") and e != "-"), None)
            if unknown is None:
                command.error(f"unrecognized arguments: {' '.join(extras)}")
            # Only the option's name: what follows "=" may be a secret.
            name = unknown.partition("=")[0]
            close = difflib.get_close_matches(name, command._option_string_actions, 1)
            guess = f"; did you mean {close[0]}?" if close else ""
            command.error(f"unrecognized option {name}{guess}")
        return parsed

    def _command_parser(self, parsed: argparse.Namespace) -> argparse.ArgumentParser:
        """The parser of the command in `parsed` (this one if none)."""
        name = getattr(parsed, "method", None) or getattr(parsed, "command", None)
        for action in self._subparsers._group_actions if self._subparsers else ():
            found = getattr(action, "choices", None) or {}
            sub = found.get(str(name).lower())
            if isinstance(sub, argparse.ArgumentParser):
                return sub
        return self


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
    _insecure_option(group)


def _insecure_option(parser: Any) -> None:
    parser.add_argument(
        "--allow-insecure-auth",
        action="store_true",
        help=(
            "send the credential even over plain http to another machine, "
            "where anyone on the network path can read it"
        ),
    )


def _claim_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "token claims", "what a discovered token must carry to be used"
    )
    group.add_argument(
        "--token-audience",
        metavar="AUD",
        action="append",
        help="an accepted aud (repeatable; default: the URL's scheme and host)",
    )
    group.add_argument(
        "--token-scope",
        metavar="SCOPE",
        action="append",
        help="a scope the token must grant, such as read:/frames (repeatable)",
    )
    group.add_argument(
        "--token-issuer",
        metavar="ISS",
        action="append",
        help="an accepted iss (repeatable)",
    )
    group.add_argument(
        "--token-expiry-margin",
        metavar="SECONDS",
        type=margin,
        help="seconds a token must have left (default: 60)",
    )


def _oidc_options(parser: argparse.ArgumentParser) -> None:
    # The options naming the provider win over the environment and the
    # configuration file.
    group = parser.add_argument_group("provider (default: from the configuration)")
    group.add_argument("--issuer", metavar="URL", help="the provider's issuer URL")
    group.add_argument("--client-id", metavar="ID", help="the registered client")


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
    _insecure_option(auth)
    _claim_options(auth)
    _common_options(auth, top=False)
    auth.set_defaults(command="auth")

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
            type=seconds,
            # not given: the session's default timeout, not "wait forever"
            default=NOT_GIVEN,
            help="give up when connecting or waiting for data takes longer",
        )
        sub.add_argument(
            "--retries",
            metavar="N",
            type=retries,
            default=None,
            help=(
                "retry a failed connection or a 429/502/503/504 answer up to N "
                "times (idempotent methods only; default: the session's, 0: never)"
            ),
        )
        _credential_options(sub)
        _claim_options(sub)
        _common_options(sub, top=False)
        sub.set_defaults(command="request", method=method.upper())

    # -- OpenID Connect: login and logout --------------------------------
    login = commands.add_parser(
        "login",
        help="log in to the OIDC provider URL needs; sessions then refresh",
        description=(
            "Log in to the OpenID Connect provider configured for URL and "
            "cache the tokens; every Session for URL then uses the access "
            "token and refreshes it by itself. By default prints a URL and a "
            "code to enter on any device (the device grant); --browser logs "
            "in with this machine's browser instead."
        ),
    )
    login.add_argument("url", metavar="URL")
    flow = login.add_mutually_exclusive_group()
    flow.add_argument(
        "--device",
        action="store_true",
        help="print a URL and a code to enter on any device (the default)",
    )
    flow.add_argument(
        "--browser",
        action="store_true",
        help="log in with this machine's browser (authorization code + PKCE)",
    )
    login.add_argument(
        "--no-browser",
        action="store_true",
        help="with --browser: print the URL instead of opening a browser",
    )
    _oidc_options(login)
    login.add_argument(
        "--scope", metavar="SCOPES", help="the scopes to ask for (space separated)"
    )
    login.add_argument("--audience", metavar="AUD", help="the audience to ask for")
    login.add_argument(
        "--bearer-token-file",
        metavar="PATH",
        nargs="?",
        const="",
        default=None,
        help=(
            "also write the access token to PATH (default "
            "$XDG_RUNTIME_DIR/bt_u<uid>) at login and each refresh, for "
            "other WLCG tools"
        ),
    )
    _common_options(login, top=False)
    login.set_defaults(command="login")

    logout = commands.add_parser(
        "logout",
        help="revoke and forget the OIDC tokens cached for URL",
        description=(
            "Revoke the refresh token where the provider offers revocation "
            "(RFC 7009) and delete the cached tokens of the provider "
            "configured for URL."
        ),
    )
    logout.add_argument("url", metavar="URL")
    _oidc_options(logout)
    logout.add_argument(
        "--no-revoke", action="store_true", help="forget the tokens without revoking"
    )
    _common_options(logout, top=False)
    logout.set_defaults(command="logout")

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
    demo.set_defaults(command="demo")
    return parser
