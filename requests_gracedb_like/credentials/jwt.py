"""Read the claims of a JSON Web Token without verifying it.

The claims are used only to schedule reloads and to choose between
discovered tokens; the server verifies the signature. Decoding the payload
is done here rather than with PyJWT because ``import jwt`` imports
cryptography, which would cost every session tens of milliseconds and
several MiB for a base64 and JSON decode.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

__all__ = ["decode_claims", "encode_unsigned", "expiry_of", "numeric_date"]


def decode_claims(token: str) -> dict[str, Any] | None:
    """Return the payload of a compact JWS token, or None if it is not one.

    Parameters
    ----------
    token : str
        The token text.

    Returns
    -------
    dict or None
        The decoded claims, or None when the token is opaque (not three
        base64url segments with a JSON object in the middle).

    Examples
    --------
    >>> decode_claims("eyJhbGciOiJub25lIn0.eyJleHAiOjEwfQ.")
    {'exp': 10}
    >>> decode_claims("opaque-token") is None
    True
    """
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):
        # RecursionError: a payload nested thousands of levels deep
        return None
    return claims if isinstance(claims, dict) else None


def encode_unsigned(claims: dict[str, Any]) -> str:
    """Return an unsigned compact JWT (``alg: none``) holding `claims`.

    Only for tests and the demonstration service: no real service accepts
    an unsigned token.

    Examples
    --------
    >>> decode_claims(encode_unsigned({"sub": "albert"}))
    {'sub': 'albert'}
    """
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{header}.{body}."


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def expiry_of(claims: dict[str, Any] | None) -> float | None:
    """Return the ``exp`` claim as a float, or None if absent or invalid
    (not a number, not finite, or too large for a float).

    Examples
    --------
    >>> expiry_of({"exp": 1700000000})
    1700000000.0
    >>> expiry_of({"exp": "soon"}) is None
    True
    """
    if not claims:
        return None
    return numeric_date(claims.get("exp"))


def numeric_date(value: Any) -> float | None:
    """Return a JWT time claim as a float, or None if it is not a JSON
    number (RFC 7519 section 2, "NumericDate"): not a number, a boolean,
    not finite, or too large for a float.

    Examples
    --------
    >>> numeric_date(1700000000)
    1700000000.0
    >>> numeric_date("1700000000") is None
    True
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None
