"""API keys sent in a header, as OpenAPI-generated clients send them."""

from __future__ import annotations

import hmac
import re
from typing import Optional

from requests.auth import AuthBase
from requests.models import PreparedRequest

from .bearer import validate_token
from .header import HeaderCredential

__all__ = ["APIKeyAuth"]

_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


class APIKeyAuth(HeaderCredential, AuthBase):
    """Send an API key in a request header.

    Parameters
    ----------
    key : str
        The API key; surrounding white space is removed.
    header_name : str, default="Authorization"
        The header that carries it.
    prefix : str, optional
        Text put before the key, separated by a space. The default is
        ``Bearer`` for the ``Authorization`` header and nothing for any
        other header; pass ``""`` for no prefix.
    source : str, optional
        Where the key came from, shown in ``repr`` and messages instead of
        the key.

    Raises
    ------
    CredentialError
        If the key is empty or cannot be sent in a header (the message does
        not quote it).
    ValueError
        If `header_name` or `prefix` is not a valid header token.

    Examples
    --------
    >>> APIKeyAuth("k-123", header_name="X-API-Key")
    <APIKeyAuth in X-API-Key from a string>
    >>> APIKeyAuth("k-123")._value
    'Bearer k-123'
    """

    def __init__(
        self,
        key: str,
        *,
        header_name: str = "Authorization",
        prefix: Optional[str] = None,
        source: str = "a string",
    ) -> None:
        if not isinstance(header_name, str) or not _HEADER_NAME.match(header_name):
            raise ValueError(
                f"auth_header_name must be a header name, got {header_name!r}"
            )
        if prefix is None:
            prefix = "Bearer" if header_name.lower() == "authorization" else ""
        if not isinstance(prefix, str) or (prefix and not _HEADER_NAME.match(prefix)):
            raise ValueError(f"api_key_prefix must be a single word, got {prefix!r}")
        self.header_name = header_name
        self.prefix = prefix
        self.source = source
        key = validate_token(key, source, what="API key")
        self._value = f"{prefix} {key}" if prefix else key

    def headers(self, url: Optional[str] = None) -> dict[str, str]:
        """``{header_name: key}`` (with its prefix), for any `url`."""
        return {self.header_name: self._value}

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        r.headers.update(self.headers(r.url))
        return r

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, APIKeyAuth):
            return NotImplemented
        return self.header_name.lower() == other.header_name.lower() and (
            hmac.compare_digest(self._value.encode(), other._value.encode())
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} in {self.header_name} from {self.source}>"

    __str__ = __repr__
