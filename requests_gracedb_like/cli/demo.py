"""``python -m requests_gracedb_like demo``: the library at work, offline.

It starts :class:`~requests_gracedb_like.testing.service.FakeService` on
127.0.0.1, writes a short-lived token file for it, and walks through
credential discovery, an upload, an error and a token rotation, printing
each step. Each step checks its outcome, so the demo fails loudly (and CI
with it) if the library stops behaving as shown.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..credentials.bearer import ReloadingTokenFileAuth
from ..credentials.jwt import decode_claims
from ..exceptions import HTTPError, NotFound, Unauthorized
from ..session import Session
from .status import ExitStatus

if TYPE_CHECKING:
    from ..testing.service import FakeService

__all__ = ["DemoError", "run", "walk_through"]

#: Variables that would be found before ``BEARER_TOKEN_FILE``; the demo
#: hides them while it runs so that it shows the same thing on every machine.
_EARLIER = ("BEARER_TOKEN",)


class DemoError(RuntimeError):
    """A step of the demo did not turn out as the library promises."""


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise DemoError(f"the demo expected {what}")


@contextlib.contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    """Set `variables` and remove the earlier credential sources
    (:data:`_EARLIER`) for the block; restore all of them after it."""
    saved = {name: os.environ.get(name) for name in (*_EARLIER, *variables)}
    try:
        for name in _EARLIER:
            os.environ.pop(name, None)
        os.environ.update(variables)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def walk_through(echo: Callable[[str], None] = print) -> None:
    """Run the demo, writing what happens with `echo`.

    Raises
    ------
    DemoError
        If a step does not behave as shown.
    """
    from ..testing.service import FakeService

    with FakeService() as service, tempfile.TemporaryDirectory() as tmp:
        api = service.url_for("api/")
        token_file = Path(tmp) / "token"
        service.write_token(token_file, {"jti": "token-1"}, lifetime=120)
        first = token_file.read_text().strip()
        echo(f"A token-protected service is running at {api}")
        echo(f"and a token for it, valid 2 min, is in {token_file}.\n")

        echo("1. Credential discovery, with BEARER_TOKEN_FILE set:")
        expiry = decode_claims(first)["exp"]  # type: ignore[index]
        # Reload one second from now rather than a minute before expiry, so
        # that the rotation in step 4 happens without a long wait.
        reload_timeout = expiry - time.time() - 1.0
        # Discovery reads it once, here.
        with _environment({"BEARER_TOKEN_FILE": str(token_file)}):
            session = Session(api, auth_reload=True, auth_reload_timeout=reload_timeout)
        with session as s:
            # the report `requests-gracedb-like auth URL` prints too
            for line in s.describe_auth().text().splitlines():
                echo(f"   {line}")
            echo(f"   session.auth_source = {s.auth_source!r}")
            echo(f"   repr(session.auth) = {s.auth!r}   (never the token)")
            _check(s.auth_source == f"BEARER_TOKEN_FILE ({token_file})", "the file")
            answer = s.get(api).json()
            echo(f"   GET {api} -> 200, the service sees user {answer['user']!r}\n")
            _check(answer["user"] == "demo-user", "the demo user")

            echo("2. An upload: paths are opened and MIME types guessed:")
            skymap = Path(tmp) / "bayestar.multiorder.fits"
            skymap.write_bytes(b"SIMPLE  =                    T".ljust(2880))
            coinc = Path(tmp) / "coinc.xml"
            coinc.write_text('<?xml version="1.0"?><LIGO_LW/>\n')
            answer = s.post(
                service.url_for("api/events/G1/files/"),
                data={"comment": "sky map"},
                # paths: SessionFileMixin opens them
                files={"skymap": skymap, "coinc": (str(coinc), None)},
            ).json()
            for f in answer["files"]:
                echo(f"   {f['filename']}: {f['content_type']}, {f['size']} bytes")
            echo("")
            types = {f["filename"]: f["content_type"] for f in answer["files"]}
            _check(types.get(skymap.name) == "application/fits", "a FITS type")

            echo("3. An HTTP error becomes an exception with the server's message:")
            missing = service.url_for("api/superevents/S000000/")
            service.respond(
                "GET",
                "/api/superevents/S000000/",
                status=404,
                json={"detail": "Superevent S000000 does not exist."},
            )
            try:
                s.get(missing)
            except NotFound as exc:
                echo(f"   {type(exc).__name__} (a requests.HTTPError): {exc}\n")
            else:
                raise DemoError("a NotFound exception for a missing superevent")

            echo("4. Token rotation, picked up by auth_reload=True:")
            service.write_token(token_file, {"jti": "token-2"})
            service.revoke_token(first)
            echo("   a new token is written to the file; the service revokes the old")
            auth = s.auth
            assert isinstance(auth, ReloadingTokenFileAuth)
            time.sleep(max(0.0, expiry - reload_timeout - time.time()) + 0.05)
            answer = s.get(api).json()
            echo(
                f"   GET {api} -> 200: the session re-read the file and sent the "
                f"new token (the service knows it as {answer['token_id']!r})"
            )
            _check(answer["token_id"] == "token-2", "the new token")  # noqa: S105

        echo("\n5. Without a credential the service says why:")
        with Session(api, force_noauth=True) as anonymous:
            try:
                anonymous.get(api)
            except Unauthorized as exc:
                first, *note = str(exc).splitlines()
                echo(f"   {type(exc).__name__}: {first}")
                for line in note:
                    echo(f"     {line}")
            except HTTPError as exc:  # pragma: no cover - shown, then failed
                raise DemoError(f"401 Unauthorized, not {exc}") from exc
            else:
                raise DemoError("401 Unauthorized without a credential")

        _oidc_step(service, api, Path(tmp), echo)

        sent = len(service.requests)
        echo(f"\nDone: {sent} requests, all to 127.0.0.1. Try next:")
        echo("   python -m requests_gracedb_like auth https://gracedb.ligo.org/api/")


def _oidc_step(
    service: FakeService, api: str, tmp: Path, echo: Callable[[str], None]
) -> None:
    """6. Log in once with OpenID Connect; the session refreshes by itself."""
    import importlib.util

    if importlib.util.find_spec("authlib") is None:
        echo(
            "\n6. (OIDC login skipped: it needs the 'oidc' extra: "
            "pip install 'requests-gracedb-like[oidc]')"
        )
        return
    from ..credentials.oidc.api import login
    from ..testing.oidc_provider import CLIENT_ID, OIDCProvider

    echo("\n6. Log in once with OpenID Connect; the session refreshes by itself:")
    # Access tokens valid 2 s, so that the refresh comes without a long wait;
    # the provider approves the login at the first poll (it is a demo).
    with OIDCProvider(access_lifetime=2, interval=1, auto_approve=1) as provider:
        service.accept_issuer(provider.issuer)
        names = {
            "REQUESTS_GRACEDB_LIKE_OIDC_ISSUER": provider.issuer,
            "REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_ID": CLIENT_ID,
            "XDG_CACHE_HOME": str(tmp / "cache"),
        }
        with _environment(names):
            echo(f"   $ requests-gracedb-like login {api}")
            login(api, echo=lambda text: echo(f"   {text}"))
            session = Session(api)
        with session as s:
            echo(f"   session.auth_source = {s.auth_source!r}")
            first = s.get(api).json()["token_id"]
            # The service's name for the token ("token_id") is not shown: it
            # reads like a token printed on the terminal.
            echo(f"   GET {api} -> 200, sent with the access token of the login")
            expiry = s.expiry
            _check(expiry is not None, "an expiry")
            assert expiry is not None
            time.sleep(max(0.0, expiry - 1.0 - time.time()) + 0.05)
            second = s.get(api).json()["token_id"]
            echo(
                "   one second before expiry: GET -> 200, sent with a new access "
                f"token, refreshed ({provider.refreshes} refresh request)"
            )
            _check(second != first and provider.refreshes == 1, "one refresh")


def run(args: argparse.Namespace) -> int:
    """Run ``demo``: :func:`walk_through` on standard output."""
    walk_through()
    return ExitStatus.OK
