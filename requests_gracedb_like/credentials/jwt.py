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

__all__ = [
    "decode_claims",
    "encode_unsigned",
    "expiry_of",
    "numeric_date",
    "payload_incomplete",
    "signature_complete",
]


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


#: The lengths in bytes a signature may have, by ``alg``: RSA for moduli of
#: 2048, 3072 and 4096 bits (shorter keys are no longer issued), ECDSA
#: (``r || s``), EdDSA and HMAC.
_SIGNATURE_BYTES = {
    **{
        f"{family}{bits}": (256, 384, 512)
        for family in ("RS", "PS")
        for bits in (256, 384, 512)
    },
    "ES256": (64,),
    "ES256K": (64,),
    "ES384": (96,),
    "ES512": (132,),
    "EdDSA": (64, 114),
    "Ed25519": (64,),
    "Ed448": (114,),
    "HS256": (32,),
    "HS384": (48,),
    "HS512": (64,),
    "none": (0,),
}

_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def signature_complete(token: str) -> bool:
    """Whether a compact JWS token's signature is whole for its ``alg``.

    A token file rewritten in place can be read half-written; when the cut
    falls in the signature, the token still splits into three parts with a
    JSON payload, but its signature is too short for its algorithm. This
    tells such a torn token from a whole one. A token that is not a JWS,
    or whose ``alg`` is unknown, counts as complete (nothing can be said).

    Examples
    --------
    >>> header = _b64(b'{"alg":"HS256"}')
    >>> signature_complete(f"{header}.e30.{_b64(bytes(32))}")
    True
    >>> signature_complete(f"{header}.e30.{_b64(bytes(32))[:20]}")
    False
    """
    parts = token.split(".")
    if len(parts) != 3:
        return True
    head, _, signature = parts
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (binascii.Error, ValueError, RecursionError):
        return True
    alg = header.get("alg") if isinstance(header, dict) else None
    sizes = _SIGNATURE_BYTES.get(alg) if isinstance(alg, str) else None
    if sizes is None:
        return True
    if not _B64URL.issuperset(signature) or len(signature) % 4 == 1:
        return False
    # base64url without padding: 4 characters per 3 bytes, the rest rounded up
    return (len(signature) * 3) // 4 in sizes and any(
        len(signature) == -(-4 * n // 3) for n in sizes
    )


def _json_segment(segment: str) -> Any:
    """The JSON value a base64url segment holds, or None."""
    try:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError, RecursionError):
        return None


def payload_incomplete(token: str) -> bool:
    """Whether `token` starts as a signed JWT (a JSON header naming its
    ``alg``) but its payload is missing or not complete JSON: a token cut
    before its signature, as a file being written is read.

    An opaque token (its first segment is not such a header) is never
    incomplete: nothing can be said of it.

    Examples
    --------
    >>> header = _b64(b'{"alg":"RS256"}')
    >>> payload_incomplete(f"{header}.e30.c2ln")
    False
    >>> payload_incomplete(f"{header}.e3")
    True
    >>> payload_incomplete("opaque-token")
    False
    """
    parts = token.split(".")
    header = _json_segment(parts[0])
    if not isinstance(header, dict) or not isinstance(header.get("alg"), str):
        return False
    if len(parts) > 3:
        return False  # not a compact JWS (a JWE has five parts)
    return len(parts) < 3 or not isinstance(_json_segment(parts[1]), dict)


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
