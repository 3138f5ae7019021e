"""The ``login`` command: log in to the OpenID Connect provider a service
URL needs, and cache the tokens that sessions then refresh by themselves."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone

from ..credentials.oidc.api import BROWSER, DEVICE, login
from ..credentials.oidc.cache import TokenCache
from .arguments import check_url
from .status import ExitStatus, UsageError

__all__ = ["SLEEP", "run"]

#: Waits between device-grant polls; tests replace it.
SLEEP = time.sleep


def _echo(text: str) -> None:
    # Instructions go to standard error, so that standard output stays for
    # what a script may capture.
    print(text, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Log in (device grant by default, ``--browser`` for the
    authorization-code grant) and say where the tokens are cached."""
    url = check_url(args.url)
    bearer: object = None
    if args.bearer_token_file is not None:
        bearer = True if args.bearer_token_file == "" else args.bearer_token_file
    try:
        tokens = login(
            url,
            issuer=args.issuer,
            client_id=args.client_id,
            scopes=args.scope,
            audience=args.audience,
            flow=BROWSER if args.browser else DEVICE,
            bearer_token_file=bearer,  # type: ignore[arg-type]
            echo=_echo,
            sleep=SLEEP,
            open_browser=not args.no_browser,
        )
    except ValueError as exc:
        if type(exc) is ValueError:  # settings, not a credential problem
            raise UsageError(str(exc)) from None
        raise
    cache = TokenCache(tokens.issuer, tokens.client_id)
    if tokens.expires_at is not None:
        stamp = datetime.fromtimestamp(tokens.expires_at, timezone.utc)
        left = int(tokens.expires_at - time.time())
        until = (
            f"; the access token expires {stamp:%Y-%m-%d %H:%M:%S} UTC "
            f"(in {round(left / 60)} min)"
        )
    else:
        until = ""
    refresh = (
        "sessions refresh it by themselves"
        if tokens.refresh_token
        else "no refresh token: log in again when it expires"
    )
    print(f"Logged in to {tokens.issuer}{until}; {refresh}.")
    print(f"Tokens cached in {cache.path}")
    if tokens.bearer_token_file:
        print(f"Access token also written to {tokens.bearer_token_file}")
    return ExitStatus.OK
