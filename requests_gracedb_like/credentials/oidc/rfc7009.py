"""Token revocation (RFC 7009): tell the provider a refresh token is no
longer wanted, so that a copy left anywhere is useless."""

from __future__ import annotations

from typing import Any, Optional

from ._client import oauth_session, provider_errors
from .cache import Tokens

__all__ = ["revoke"]


def revoke(tokens: Tokens, *, url: Optional[str] = None, session: Any = None) -> bool:
    """Revoke the refresh token of `tokens` (or the access token when there
    is none) where the provider has a ``revocation_endpoint``.

    Returns
    -------
    bool
        Whether the provider confirmed; False when it offers no revocation.

    Raises
    ------
    ProviderUnreachableError, ProviderError
        If the provider cannot be reached or refuses.
    """
    if not tokens.revocation_endpoint:
        return False
    if tokens.refresh_token:
        token, hint = tokens.refresh_token, "refresh_token"
    else:
        token, hint = tokens.access_token, "access_token"
    own = session is None
    if own:
        session = oauth_session(tokens.client_id, tokens.client_secret)
    try:
        with provider_errors(tokens.issuer, "logout", url):
            response = session.revoke_token(
                tokens.revocation_endpoint,
                token=token,
                token_type_hint=hint,
            )
            response.raise_for_status()
        return True
    finally:
        if own:
            session.close()
