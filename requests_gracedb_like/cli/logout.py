"""The ``logout`` command: revoke the refresh token where the provider
offers revocation (RFC 7009), and forget the cached tokens."""

from __future__ import annotations

import argparse

from ..credentials.oidc.api import logout, resolve
from ..credentials.oidc.cache import TokenCache
from .arguments import check_url
from .status import ExitStatus, UsageError

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """Log out and say what was done."""
    url = check_url(args.url)
    try:
        settings = resolve(url, issuer=args.issuer, client_id=args.client_id)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    cache = TokenCache(settings.issuer, settings.client_id)
    revoked, removed = logout(
        url,
        issuer=settings.issuer,
        client_id=settings.client_id,
        revoke=not args.no_revoke,
    )
    if not removed:
        print(f"Not logged in to {settings.issuer}: nothing to forget.")
        return ExitStatus.OK
    if revoked:
        print(f"Revoked the refresh token at {settings.issuer}.")
    elif not args.no_revoke:
        print(
            f"Could not revoke at {settings.issuer} (no revocation endpoint, or "
            "unreachable): the tokens will expire on their own."
        )
    print(f"Forgot the tokens in {cache.path}")
    return ExitStatus.OK
