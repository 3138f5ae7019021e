"""The authorization-code grant with PKCE (RFC 7636) through a loopback
redirect (RFC 8252, 7.3): log in with the browser of this machine.

A one-shot HTTP server listens on ``127.0.0.1`` on a free port; the
browser is sent to the provider's authorization endpoint, which redirects
it back to ``http://127.0.0.1:<port>/callback`` with a code; the code and
the PKCE verifier are exchanged for tokens.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

from ...exceptions import LoginDeniedError, ProviderError
from ._client import _clean, provider_errors
from .settings import OIDCSettings

__all__ = ["browser_login"]

_PAGE = b"<!doctype html><title>Logged in</title><p>%s You may close this window.</p>"


class _Callback(HTTPServer):
    query: Optional[dict[str, list[str]]] = None


class _Handler(BaseHTTPRequestHandler):
    server: _Callback

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != "/callback":
            self.send_error(404)
            return
        self.server.query = parse_qs(parts.query)
        ok = "code" in self.server.query
        message = b"The login is complete." if ok else b"The login failed."
        body = _PAGE % message
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _open_browser(url: str) -> None:
    import webbrowser

    webbrowser.open(url)


def browser_login(
    settings: OIDCSettings,
    metadata: dict[str, Any],
    session: Any,
    *,
    echo: Callable[[str], None] = print,
    open_browser: Optional[Callable[[str], Any]] = _open_browser,
    timeout: float = 300,
) -> dict[str, Any]:
    """Run the authorization-code grant with PKCE and return the token answer.

    Parameters
    ----------
    settings : OIDCSettings
        Issuer, client id, scopes and audience.
    metadata : dict
        The provider's metadata (``authorization_endpoint``,
        ``token_endpoint``).
    session : requests.Session
        Talks to the provider (authlib's ``OAuth2Session``).
    echo : callable, default=print
        Shows the URL to open.
    open_browser : callable or None
        Opens the URL (``webbrowser.open`` by default); None only
        prints it.
    timeout : float, default=300
        Seconds to wait for the browser to come back.
    """
    issuer = settings.issuer
    endpoint = metadata.get("authorization_endpoint")
    if not endpoint:
        raise ProviderError(
            f"{issuer} does not offer the authorization-code grant; use --device"
        )
    server = _Callback(("127.0.0.1", 0), _Handler)
    server.timeout = 1.0
    redirect_uri = f"http://127.0.0.1:{server.server_address[1]}/callback"
    try:
        verifier = secrets.token_urlsafe(64)
        session.redirect_uri = redirect_uri
        session.scope = settings.scope
        session.code_challenge_method = "S256"
        extra = {"audience": settings.audience} if settings.audience else {}
        url, state = session.create_authorization_url(
            endpoint, code_verifier=verifier, **extra
        )
        echo(f"To log in, open {url}")
        if open_browser is not None:
            threading.Thread(target=open_browser, args=(url,), daemon=True).start()
        deadline = time.monotonic() + timeout
        while server.query is None and time.monotonic() < deadline:
            server.handle_request()
    finally:
        server.server_close()
    query = server.query
    if query is None:
        raise LoginDeniedError(
            f"browser login at {issuer}: no answer within {int(timeout)} s"
        )
    if query.get("state", [""])[0] != state:
        raise ProviderError(f"browser login at {issuer}: the state does not match")
    if "error" in query:
        error = _clean(query["error"][0], 60)
        detail = query.get("error_description", [""])[0]
        if error == "access_denied":
            raise LoginDeniedError(
                f"browser login at {issuer}: the request was denied"
                + (f" ({_clean(detail)})" if detail else "")
            )
        raise ProviderError(f"browser login at {issuer} failed: {error}")
    code = query.get("code", [""])[0]
    with provider_errors(issuer, "browser login", settings.url):
        return dict(
            session.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=verifier,
                redirect_uri=redirect_uri,
            )
        )
