"""The device authorization grant (RFC 8628): log in on a machine without
a browser.

The client asks the provider for a user code, the user opens the
verification URL on any device and enters it, and the client polls the
token endpoint until the user has approved or denied, or the code expires.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Optional

from ...exceptions import LoginDeniedError, ProviderError
from ._client import _clean, provider_errors
from .settings import OIDCSettings

__all__ = ["DEVICE_CODE_GRANT", "SLOW_DOWN_STEP", "device_login"]

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
#: Seconds added to the polling interval at each ``slow_down`` (RFC 8628, 3.5).
SLOW_DOWN_STEP = 5
_DEFAULT_INTERVAL = 5


def _positive(answer: dict[str, Any], name: str, default: Optional[int]) -> int:
    value = answer.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ProviderError(f"malformed device authorization answer: {name}")
    return int(value)


def device_login(
    settings: OIDCSettings,
    metadata: dict[str, Any],
    session: Any,
    *,
    echo: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Run the device grant and return the provider's token answer.

    Parameters
    ----------
    settings : OIDCSettings
        Issuer, client id, scopes and audience.
    metadata : dict
        The provider's metadata (``device_authorization_endpoint``,
        ``token_endpoint``).
    session : requests.Session
        Talks to the provider (authlib's ``OAuth2Session``).
    echo : callable, default=print
        Shows the user the verification URL and the code.
    sleep : callable, default=time.sleep
        Waits between polls; tests pass one that moves a frozen clock.

    Notes
    -----
    Polls wait ``interval`` seconds (5 when the provider gives none),
    5 more after each ``slow_down``; polling stops once ``expires_in``
    seconds have passed since the request, with
    :class:`~requests_gracedb_like.exceptions.LoginDeniedError`, as it does
    when the user denies the request.
    """
    issuer = settings.issuer
    endpoint = metadata.get("device_authorization_endpoint")
    if not endpoint:
        raise ProviderError(
            f"{issuer} does not offer the device authorization grant; "
            "use the browser login (--browser)"
        )
    form = {"client_id": settings.client_id, "scope": settings.scope}
    if settings.audience:
        form["audience"] = settings.audience
    with provider_errors(issuer, "device login", settings.url):
        secret = settings.client_secret
        response = session.post(
            endpoint,
            data=form,
            auth=(settings.client_id, secret) if secret else None,
            withhold_token=True,
        )
        answer = response.json()
        if isinstance(answer, dict) and "error" in answer:
            from authlib.integrations.base_client import OAuthError

            raise OAuthError(answer["error"], answer.get("error_description"))
        response.raise_for_status()
    if not isinstance(answer, dict):
        raise ProviderError("malformed device authorization answer: not an object")
    started = time.time()
    for name in ("device_code", "user_code"):
        if not isinstance(answer.get(name), str) or not answer[name]:
            raise ProviderError(f"malformed device authorization answer: {name}")
    verification = answer.get("verification_uri") or answer.get("verification_url")
    if not isinstance(verification, str) or not verification.startswith("http"):
        raise ProviderError("malformed device authorization answer: verification_uri")
    expires_in = _positive(answer, "expires_in", None)
    interval = _positive(answer, "interval", _DEFAULT_INTERVAL)
    deadline = started + expires_in

    echo(
        f"To log in, open {_clean(verification, 500)} "
        f"and enter the code {_clean(answer['user_code'], 40)}"
    )
    complete = answer.get("verification_uri_complete")
    if isinstance(complete, str) and complete.startswith("http"):
        echo(f"(or open {_clean(complete, 600)})")
    minutes = max(1, round(expires_in / 60))
    echo(f"Waiting for approval (the code expires in {minutes} min)...")

    from authlib.integrations.base_client import OAuthError

    # Polls are at least a second apart, so there are at most expires_in of
    # them, even with a clock that does not move (a frozen one in tests).
    for _ in range(expires_in):
        if time.time() + interval > deadline:
            break
        sleep(interval)
        with provider_errors(issuer, "device login", settings.url):
            try:
                return dict(
                    session.fetch_token(
                        metadata["token_endpoint"],
                        grant_type=DEVICE_CODE_GRANT,
                        device_code=answer["device_code"],
                    )
                )
            except OAuthError as exc:
                if exc.error == "slow_down":
                    interval += SLOW_DOWN_STEP
                elif exc.error != "authorization_pending":
                    raise
    raise LoginDeniedError(
        f"device login at {issuer}: the code expired before it was approved; "
        "run the login again"
    )
