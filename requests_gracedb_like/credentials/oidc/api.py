"""Log in and out from Python: :func:`login` and :func:`logout`.

The command line's ``login`` and ``logout`` call these.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from typing import Any, Optional, Union

from ...exceptions import ProviderUnreachableError
from .cache import TokenCache, Tokens
from .settings import OIDCSettings, settings_for

__all__ = ["BROWSER", "DEVICE", "login", "logout", "resolve", "runtime_token_path"]

#: The device authorization grant of RFC 8628, the default; works anywhere.
DEVICE = "device"
#: The authorization-code grant with PKCE through a loopback redirect.
BROWSER = "browser"


def runtime_token_path() -> str:
    """``$XDG_RUNTIME_DIR/bt_u<euid>``, where WLCG bearer-token discovery
    looks (``/tmp/bt_u<euid>`` without ``XDG_RUNTIME_DIR``)."""
    directory = os.environ.get("XDG_RUNTIME_DIR") or "/tmp"  # noqa: S108
    return os.path.join(directory, f"bt_u{os.geteuid()}")


def resolve(url: Optional[str], **settings: Any) -> OIDCSettings:
    """The settings for `url` (see :func:`.settings.settings_for`), or a
    :class:`ValueError` saying what is missing."""
    found = settings_for(url, **settings)
    if found is None:
        where = f" for {url}" if url else ""
        raise ValueError(
            f"no OIDC issuer and client id configured{where}: pass --issuer "
            "and --client-id, set REQUESTS_GRACEDB_LIKE_OIDC_ISSUER and "
            "REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_ID, or add a section to "
            "the configuration file (see the OIDC documentation)"
        )
    return found


def login(
    url: Optional[str] = None,
    *,
    issuer: Optional[str] = None,
    client_id: Optional[str] = None,
    scopes: Any = None,
    audience: Optional[str] = None,
    client_secret: Optional[str] = None,
    timeout: Optional[float] = None,
    flow: str = DEVICE,
    bearer_token_file: Union[bool, str, None] = None,
    echo: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
    open_browser: Any = True,
    cache_directory: Optional[str] = None,
) -> Tokens:
    """Log in to the provider `url` needs and cache the tokens.

    Parameters
    ----------
    url : str, optional
        The service URL; its settings come from the environment and the
        configuration file (see :mod:`.settings`).
    issuer, client_id, scopes, audience, client_secret, timeout : optional
        Override those settings.
    flow : str, default="device"
        The device grant (RFC 8628: a code to enter on any device) or the
        authorization-code grant with PKCE through this machine's browser.
    bearer_token_file : bool or str, optional
        Also write the access token to this file (True:
        ``$XDG_RUNTIME_DIR/bt_u<uid>``), and again at each refresh, for
        tools that read WLCG bearer-token files.
    echo : callable, default=print
        Shows the user what to do.
    sleep : callable, default=time.sleep
        Waits between device-grant polls.
    open_browser : bool or callable, default=True
        For the browser flow: open the URL with ``webbrowser`` (True),
        only print it (False), or call this function with it.
    cache_directory : str, optional
        Where the token cache lives (see :func:`.cache.cache_dir`).

    Returns
    -------
    Tokens
        What was cached (its ``repr`` shows no token).
    """
    from ._client import oauth_session, tokens_from_answer
    from .discovery import provider_metadata

    settings = resolve(
        url,
        issuer=issuer,
        client_id=client_id,
        scopes=scopes,
        audience=audience,
        client_secret=client_secret,
        timeout=timeout,
    )
    if flow not in (DEVICE, BROWSER):
        raise ValueError(f"flow must be {DEVICE!r} or {BROWSER!r}, not {flow!r}")
    session = oauth_session(
        settings.client_id, settings.client_secret, timeout=settings.timeout
    )
    try:
        metadata = provider_metadata(settings.issuer, session, url=url)
        if flow == DEVICE:
            from .rfc8628 import device_login

            answer = device_login(settings, metadata, session, echo=echo, sleep=sleep)
        else:
            from . import rfc8252

            opener: Any = open_browser
            if open_browser is True:
                opener = rfc8252._open_browser
            elif open_browser is False:
                opener = None
            answer = rfc8252.browser_login(
                settings, metadata, session, echo=echo, open_browser=opener
            )
        # The clock starts when the answer arrives, not when the user was
        # asked: expires_in counts from the provider's answer.
        now = time.time()
        tokens = tokens_from_answer(
            answer,
            issuer=settings.issuer,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            metadata=metadata,
            requested_scope=settings.scope,
            now=now,
        )
    finally:
        session.close()
    if bearer_token_file:
        path = runtime_token_path() if bearer_token_file is True else bearer_token_file
        tokens = tokens._replace(bearer_token_file=os.fspath(path))
    cache = TokenCache(settings.issuer, settings.client_id, directory=cache_directory)
    with cache.lock():
        cache.write(tokens)
    return tokens


def logout(
    url: Optional[str] = None,
    *,
    issuer: Optional[str] = None,
    client_id: Optional[str] = None,
    revoke: bool = True,
    cache_directory: Optional[str] = None,
) -> tuple[bool, bool]:
    """Revoke the cached refresh token where the provider offers it, and
    forget the tokens.

    Returns
    -------
    (bool, bool)
        Whether the provider confirmed the revocation, and whether there
        was a cache to forget.

    Raises
    ------
    ProviderError
        If the provider refuses the revocation; the cache is removed all
        the same. An unreachable provider is not an error: the tokens are
        forgotten and expire on their own.
    """
    from .rfc7009 import revoke as revoke_token

    settings = resolve(url, issuer=issuer, client_id=client_id)
    cache = TokenCache(settings.issuer, settings.client_id, directory=cache_directory)
    try:
        tokens = cache.read()
    except Exception:
        tokens = None  # a damaged cache is forgotten all the same
    revoked = False
    try:
        if tokens is not None and revoke:
            try:
                revoked = revoke_token(tokens, url=url)
            except ProviderUnreachableError:
                revoked = False
    finally:
        with cache.lock():
            removed = cache.remove()
        if tokens is not None and tokens.bearer_token_file:
            with contextlib.suppress(OSError):
                os.unlink(tokens.bearer_token_file)
    return revoked, removed
