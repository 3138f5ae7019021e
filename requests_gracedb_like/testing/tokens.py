"""Tokens for tests: :func:`make_jwt` builds an unsigned JWT,
:func:`make_signed_jwt` a signed one (RS256 by default), as real issuers
write them."""

from __future__ import annotations

import functools
import time
from typing import Any, Optional

from ..credentials.jwt import encode_unsigned

__all__ = ["make_jwt", "make_signed_jwt"]


def make_jwt(
    claims: Optional[dict[str, Any]] = None,
    *,
    lifetime: Optional[float] = 3600,
    now: Optional[float] = None,
) -> str:
    """Return an unsigned JWT (``alg: none``) holding `claims`.

    Parameters
    ----------
    claims : dict, optional
        Claims to include; ``exp`` and ``iat`` are added unless given.
    lifetime : float or None, default=3600
        Seconds from `now` to ``exp``; None leaves ``exp`` out.
    now : float, optional
        The issue time; the current time by default.

    Examples
    --------
    >>> from requests_gracedb_like.credentials.jwt import decode_claims
    >>> decode_claims(make_jwt({"sub": "albert"}, now=0, lifetime=60))
    {'iat': 0, 'exp': 60, 'sub': 'albert'}
    """
    issued = int(time.time() if now is None else now)
    payload: dict[str, Any] = {"iat": issued}
    if lifetime is not None:
        payload["exp"] = int(issued + lifetime)
    payload.update(claims or {})
    return encode_unsigned(payload)


@functools.cache
def _rsa_key(bits: int) -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def make_signed_jwt(
    claims: Optional[dict[str, Any]] = None,
    *,
    lifetime: Optional[float] = 3600,
    now: Optional[float] = None,
    key: Any = None,
    algorithm: str = "RS256",
) -> str:
    """Return a JWT signed with `key` (needs PyJWT and cryptography).

    Parameters
    ----------
    claims, lifetime, now
        As for :func:`make_jwt`.
    key : optional
        The signing key; by default an RSA key of 2048 bits made once per
        process.
    algorithm : str, default="RS256"
        The ``alg`` to sign with.

    Examples
    --------
    >>> from requests_gracedb_like.credentials.jwt import decode_claims
    >>> token = make_signed_jwt({"sub": "albert"}, now=0, lifetime=60)
    >>> decode_claims(token), len(token.split(".")[2])
    ({'iat': 0, 'exp': 60, 'sub': 'albert'}, 342)
    """
    import jwt  # PyJWT, imported only when a signed token is asked for

    issued = int(time.time() if now is None else now)
    payload: dict[str, Any] = {"iat": issued}
    if lifetime is not None:
        payload["exp"] = int(issued + lifetime)
    payload.update(claims or {})
    return str(
        jwt.encode(
            payload, key if key is not None else _rsa_key(2048), algorithm=algorithm
        )
    )
