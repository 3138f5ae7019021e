"""The ``OIDC login`` credential source: the cached tokens of a login to
the provider the service URL is configured for (see :mod:`.settings`)."""

from __future__ import annotations

import warnings

from ...exceptions import CredentialError, CredentialWarning
from ..records import (
    DISABLED,
    EXPIRED,
    INSECURE_PERMISSIONS,
    MALFORMED,
    WRONG_AUDIENCE,
    WRONG_ISSUER,
    WRONG_SCOPE,
    Arguments,
    Attempt,
    _absent,
)
from .settings import settings_for

__all__ = ["NAME", "oidc_login"]

#: The source's name in discovery reports.
NAME = "OIDC login"
_WRONG = {"audience": WRONG_AUDIENCE, "scope": WRONG_SCOPE, "issuer": WRONG_ISSUER}


def oidc_login(request: Arguments) -> Attempt:
    """The access token cached by ``requests-gracedb-like login`` for the
    issuer and client the URL is configured for; refreshed by the session
    (see :class:`~.auth.OIDCTokenAuth`)."""
    if request.token is False:
        return _absent(NAME, None, "token=False", DISABLED)
    try:
        settings = settings_for(request.url)
    except ValueError as exc:
        warnings.warn(f"{exc}: skipped", CredentialWarning, stacklevel=2)
        return _absent(NAME, None, str(exc), MALFORMED)
    if settings is None:
        return _absent(NAME, None, "no OIDC issuer configured for this URL")
    # Imported once a URL is configured: most sessions never need them.
    from .auth import OIDCTokenAuth
    from .cache import TokenCache

    cache = TokenCache(settings.issuer, settings.client_id)
    try:
        tokens = cache.read()
    except CredentialError as exc:
        status = INSECURE_PERMISSIONS if "chmod" in str(exc) else MALFORMED
        warnings.warn(f"{exc}: skipped", CredentialWarning, stacklevel=2)
        return _absent(NAME, cache.path, str(exc), status)
    if tokens is None:
        return _absent(
            NAME,
            cache.path,
            f"not logged in to {settings.issuer}: run "
            f"'requests-gracedb-like login {request.url}'",
        )
    if tokens.expired() and not tokens.refresh_token:
        return _absent(
            NAME,
            cache.path,
            "access token expired and there is no refresh token: log in again",
            EXPIRED,
        )
    auth = OIDCTokenAuth(
        cache,
        tokens,
        reload_timeout=request.auth_reload_timeout,
        url=request.url,
        timeout=settings.timeout,
    )
    # The access token's lifetime is the session's to manage (it refreshes);
    # only what the token is for must fit the URL.
    wrong = request.claims.mismatch(auth.claims)
    if wrong is not None:
        status = _WRONG.get(wrong.what, MALFORMED)
        return _absent(NAME, cache.path, wrong.reason, status)
    return Attempt(
        NAME,
        cache.path,
        True,
        f"OIDC access token, refreshed automatically; {settings.describe()}",
        auth,
    )
