"""The refresh-token grant (RFC 6749, 6): new tokens from the refresh
token, without the user."""

from __future__ import annotations

import time
from typing import Any, Optional

from ...exceptions import LoginRequiredError, ProviderError
from ._client import (
    OutcomeUnknownError,
    login_command,
    oauth_session,
    provider_errors,
    tokens_from_answer,
)
from .cache import Tokens

__all__ = ["refresh"]


def refresh(
    tokens: Tokens,
    *,
    url: Optional[str] = None,
    session: Any = None,
    timeout: Optional[float] = None,
) -> Tokens:
    """Exchange the refresh token of `tokens` for new tokens.

    Parameters
    ----------
    tokens : Tokens
        The cached tokens; they name the token endpoint.
    url : str, optional
        The service URL, for the messages.
    session : requests.Session, optional
        Talks to the provider; a new one by default.
    timeout : float, optional
        For a new session: seconds to wait for the provider's answer
        (30 by default).

    Returns
    -------
    Tokens
        The new tokens; the refresh token is the provider's new one when it
        rotates them, else the old one.

    Raises
    ------
    LoginRequiredError
        If there is no refresh token, or the provider says it has expired
        or was revoked.
    ProviderUnreachableError, ProviderError
        If the provider cannot be reached or answers nonsense. The
        subclass ``_client.OutcomeUnknownError`` says the request may have
        reached the provider but its answer was lost: the refresh token
        may have been spent, and must not be sent again.
    """
    if not tokens.refresh_token or not tokens.token_endpoint:
        raise LoginRequiredError(
            f"the access token from {tokens.issuer} expired and there is no "
            f"refresh token; log in again: {login_command(url)}"
        )
    own = session is None
    if own:
        session = oauth_session(tokens.client_id, tokens.client_secret, timeout=timeout)
    try:
        now = time.time()
        with provider_errors(tokens.issuer, "refresh", url):
            answer = session.refresh_token(
                tokens.token_endpoint,
                refresh_token=tokens.refresh_token,
            )
    finally:
        if own:
            session.close()
    try:
        return tokens_from_answer(
            dict(answer),
            issuer=tokens.issuer,
            client_id=tokens.client_id,
            client_secret=tokens.client_secret,
            metadata={
                "token_endpoint": tokens.token_endpoint,
                "revocation_endpoint": tokens.revocation_endpoint,
            },
            previous=tokens,
            now=now,
        )
    except ProviderError as exc:
        # The provider acted on the refresh: it may have replaced the
        # refresh token with one in this unusable answer.
        raise OutcomeUnknownError(str(exc)) from None
