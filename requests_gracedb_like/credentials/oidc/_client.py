"""What every exchange with the provider shares: the authlib client
session, the translation of failures into this library's exceptions, and
the reading of a token answer into :class:`~.cache.Tokens`.

authlib is imported here, and this module only from functions that talk
to a provider: ``import requests_gracedb_like`` never loads it.
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from collections.abc import Iterator
from typing import Any, Optional

import requests

from ...exceptions import (
    ClockSkewWarning,
    CredentialError,
    LoginDeniedError,
    LoginRequiredError,
    ProviderError,
    ProviderUnreachableError,
)
from ..bearer import validate_token
from ..jwt import decode_claims
from .cache import Tokens

__all__ = [
    "CLOCK_SKEW",
    "TIMEOUT",
    "OutcomeUnknownError",
    "login_command",
    "oauth_session",
    "provider_errors",
    "tokens_from_answer",
]

log = logging.getLogger(__name__)

#: Connect and read timeouts of every request to the provider, in seconds,
#: when none is configured (see :mod:`.settings`, ``timeout``).
TIMEOUT = (10.0, 30.0)
#: Differences between the clocks beyond this many seconds are reported.
CLOCK_SKEW = 300.0


def login_command(url: Optional[str]) -> str:
    """The command that logs in again for `url`."""
    return (
        f"requests-gracedb-like login {url}"
        if url
        else "requests-gracedb-like login URL"
    )


class OutcomeUnknownError(ProviderUnreachableError):
    """The request may have reached the provider, but its answer was lost
    (a read timeout, a connection closed or reset mid-answer, a 5xx other
    than 503): whether the provider acted on it is unknown."""


def _timeouts(timeout: Optional[float]) -> tuple[float, float]:
    """Connect and read timeouts for a configured `timeout` (None: :data:`TIMEOUT`)."""
    if timeout is None:
        return TIMEOUT
    return (min(TIMEOUT[0], timeout), timeout)


def oauth_session(
    client_id: str,
    client_secret: Optional[str] = None,
    *,
    timeout: Optional[float] = None,
    **kwargs: Any,
) -> Any:
    """An authlib ``OAuth2Session`` for a public client (no secret), or a
    confidential one authenticating with HTTP basic auth; every request
    waits at most `timeout` seconds for an answer (:data:`TIMEOUT` by
    default)."""
    from authlib.integrations.requests_client import OAuth2Session

    from ..._version import __version__

    method = "client_secret_basic" if client_secret else "none"
    session = OAuth2Session(
        client_id,
        client_secret,
        token_endpoint_auth_method=method,
        revocation_endpoint_auth_method=method,
        default_timeout=_timeouts(timeout),
        **kwargs,
    )
    session.headers["User-Agent"] = f"requests-gracedb-like/{__version__}"
    # The provider gets no credential but the client's own: no ~/.netrc.
    session.trust_env = False
    return session


def _clean(text: Any, limit: int = 200) -> str:
    """Provider-supplied text, safe to print: printable ASCII, bounded."""
    text = str(text or "")
    cleaned = "".join(c if c.isascii() and c.isprintable() else "?" for c in text)
    return cleaned[:limit] + ("..." if len(cleaned) > limit else "")


@contextlib.contextmanager
def provider_errors(
    issuer: str, what: str, url: Optional[str] = None
) -> Iterator[None]:
    """Turn what authlib and requests raise during `what` (``"refresh"``,
    ``"device login"``...) into :class:`~requests_gracedb_like.exceptions.OIDCError`
    subclasses whose message names `issuer` and says what to do."""
    from authlib.integrations.base_client import OAuthError

    try:
        yield
    except OAuthError as exc:
        error = _clean(exc.error)
        detail = f" ({_clean(exc.description)})" if exc.description else ""
        if error == "invalid_grant" and what == "refresh":
            raise LoginRequiredError(
                f"the refresh token for {issuer} has expired or was revoked"
                f"{detail}; log in again: {login_command(url)}"
            ) from None
        if error == "access_denied":
            raise LoginDeniedError(
                f"{what} at {issuer}: the request was denied{detail}"
            ) from None
        if error == "expired_token":
            raise LoginDeniedError(
                f"{what} at {issuer}: the request expired before it was "
                f"approved; run {login_command(url)} again"
            ) from None
        raise ProviderError(f"{what} at {issuer} failed: {error}{detail}") from None
    except (
        requests.ConnectionError,
        requests.Timeout,
        requests.exceptions.ChunkedEncodingError,
    ) as exc:
        if _may_have_arrived(exc):
            kind = (
                "did not answer in time"
                if isinstance(exc, requests.Timeout)
                else "closed the connection before answering"
            )
            raise OutcomeUnknownError(
                f"{what}: OIDC provider {issuer} {kind}"
            ) from None
        kind = "timed out" if isinstance(exc, requests.Timeout) else "unreachable"
        raise ProviderUnreachableError(
            f"{what}: OIDC provider {issuer} {kind}"
        ) from None
    except requests.HTTPError as exc:
        code = exc.response.status_code if exc.response is not None else 0
        if code >= 500:
            # 503 says the request was not handled; after any other 5xx
            # (a gateway's 502 or 504, a 500 after a partial update) the
            # provider may have acted on it.
            failure: type[ProviderUnreachableError] = (
                ProviderUnreachableError if code == 503 else OutcomeUnknownError
            )
            raise failure(
                f"{what}: OIDC provider {issuer} answered HTTP {code}"
            ) from None
        raise ProviderError(
            f"{what} at {issuer} failed: HTTP {code} without an OAuth error"
        ) from None
    except (ValueError, TypeError, KeyError) as exc:
        if isinstance(exc, CredentialError):
            raise
        raise ProviderError(
            f"{what} at {issuer}: malformed answer from the provider ({_clean(exc)})"
        ) from None


def _may_have_arrived(exc: Exception) -> bool:
    """Whether the request that failed with `exc` may have reached the
    server: True unless the connection itself could not be made."""
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

    if isinstance(exc, (requests.ConnectTimeout, requests.exceptions.SSLError)):
        return False  # no connection, or no TLS session: nothing was sent
    if isinstance(exc, requests.ReadTimeout):
        return True  # sent; no answer in time
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return True  # the answer was cut short
    # requests wraps urllib3's error as its first argument, urllib3 its
    # cause as ``reason`` (MaxRetryError).
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return not isinstance(reason, (NewConnectionError, ConnectTimeoutError))


def tokens_from_answer(
    answer: Any,
    *,
    issuer: str,
    client_id: str,
    client_secret: Optional[str] = None,
    metadata: dict[str, Any],
    previous: Optional[Tokens] = None,
    requested_scope: str = "",
    now: Optional[float] = None,
) -> Tokens:
    """Read a token endpoint's answer (RFC 6749, 5.1).

    The access token's expiry is this machine's clock at `now` plus
    ``expires_in``, so that a wrong clock does not matter; when the token
    is a JWT whose ``exp`` disagrees by more than :data:`CLOCK_SKEW`, a
    :class:`~requests_gracedb_like.exceptions.ClockSkewWarning` says so.
    A refresh answer without a refresh token keeps the `previous` one.

    Raises
    ------
    ProviderError
        If the answer is not a JSON object with a usable ``access_token``
        and ``token_type`` ``Bearer``, or ``expires_in`` is not a number.
    """
    now = time.time() if now is None else now

    def malformed(problem: str) -> ProviderError:
        return ProviderError(f"malformed token answer from {issuer}: {problem}")

    if not isinstance(answer, dict):
        raise malformed("not a JSON object")
    access = answer.get("access_token")
    if not isinstance(access, str) or not access:
        raise malformed("no access_token")
    try:
        access = validate_token(access, issuer, what="access token")
    except CredentialError:
        raise malformed("the access_token cannot be sent in a header") from None
    token_type = answer.get("token_type", "Bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise malformed(f"token_type {_clean(token_type, 40)!r} is not Bearer")
    expires_in = answer.get("expires_in")
    expires_at: Optional[float] = None
    if expires_in is not None:
        if isinstance(expires_in, str) and expires_in.isdigit():
            expires_in = int(expires_in)  # some providers send a string
        if isinstance(expires_in, bool) or not isinstance(expires_in, (int, float)):
            raise malformed("expires_in is not a number")
        if not 0 <= expires_in < 10**9:
            raise malformed("expires_in is out of range")
        expires_at = now + float(expires_in)
    claims = decode_claims(access)
    exp = claims.get("exp") if claims else None
    if isinstance(exp, (int, float)) and not isinstance(exp, bool):
        if expires_at is None:
            expires_at = float(exp)
        elif abs(float(exp) - expires_at) > CLOCK_SKEW:
            skew = int(float(exp) - expires_at)
            warnings.warn(
                f"this machine's clock and the clock of OIDC provider {issuer} "
                f"differ by about {abs(skew)} s; token expiry is taken from "
                "the provider's expires_in",
                ClockSkewWarning,
                stacklevel=3,
            )
    refresh = answer.get("refresh_token")
    if refresh is not None and (not isinstance(refresh, str) or not refresh):
        raise malformed("refresh_token is not a string")
    if refresh is None and previous is not None:
        refresh = previous.refresh_token
    scope = answer.get("scope")
    if not isinstance(scope, str):
        scope = previous.scope if previous is not None else requested_scope
    return Tokens(
        issuer=issuer,
        client_id=client_id,
        access_token=access,
        refresh_token=refresh,
        expires_at=expires_at,
        obtained_at=now,
        scope=scope,
        token_endpoint=metadata.get("token_endpoint"),
        revocation_endpoint=metadata.get("revocation_endpoint"),
        bearer_token_file=previous.bearer_token_file if previous else None,
        client_secret=client_secret,
    )
