"""Tokens for tests: :func:`make_jwt` builds an unsigned JWT."""

from __future__ import annotations

import time
from typing import Any, Optional

from ..credentials.jwt import encode_unsigned

__all__ = ["make_jwt"]


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
