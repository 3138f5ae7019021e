"""OpenID Connect Discovery 1.0 (and RFC 8414): the provider's endpoints,
from ``<issuer>/.well-known/openid-configuration``."""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlsplit

from ...exceptions import ProviderError
from ._client import provider_errors
from .settings import check_issuer

__all__ = ["ENDPOINTS", "provider_metadata"]

#: The endpoints this library may use; ``token_endpoint`` is required.
ENDPOINTS = (
    "token_endpoint",
    "authorization_endpoint",
    "device_authorization_endpoint",
    "revocation_endpoint",
)


def provider_metadata(
    issuer: str, session: Any, *, url: Optional[str] = None
) -> dict[str, Any]:
    """Fetch and check the provider's metadata.

    Parameters
    ----------
    issuer : str
        The issuer URL.
    session : requests.Session
        Sends the request.
    url : str, optional
        The service URL, for the messages.

    Returns
    -------
    dict
        The metadata; its ``issuer`` is `issuer` and each endpoint of
        :data:`ENDPOINTS` it gives is an ``https`` URL (``http`` only on
        this machine).

    Raises
    ------
    ProviderUnreachableError
        If the provider cannot be reached or answers 5xx.
    ProviderError
        If the answer is not such metadata.
    """
    where = f"{issuer}/.well-known/openid-configuration"
    with provider_errors(issuer, "OIDC discovery", url):
        response = session.get(where, withhold_token=True)
        response.raise_for_status()
        metadata = response.json()
    if not isinstance(metadata, dict):
        raise ProviderError(f"malformed OIDC discovery answer at {where}")
    if str(metadata.get("issuer", "")).rstrip("/") != issuer:
        raise ProviderError(
            f"OIDC discovery at {where} names another issuer; refusing its endpoints"
        )
    for name in ENDPOINTS:
        value = metadata.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not urlsplit(value).hostname:
            raise ProviderError(f"malformed {name} in OIDC discovery at {where}")
        try:
            check_issuer(value.split("?")[0])
        except ValueError:
            raise ProviderError(
                f"{name} of {issuer} is not https: refusing to send tokens to it"
            ) from None
    if "token_endpoint" not in metadata:
        raise ProviderError(f"OIDC discovery at {where} gives no token_endpoint")
    return metadata
