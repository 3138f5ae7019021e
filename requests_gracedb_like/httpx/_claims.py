"""Per-request claims for the httpx clients: :class:`ClaimArguments`.

``client.get(url, token_scope="write:/")`` chooses the bearer token for
that request alone, as ``session.get(url, token_scope=...)`` does. httpx's
methods take no extra arguments, so each method here moves the claims into
the request's extensions (under :data:`CLAIMS`) and forwards the rest to
httpx; :class:`~requests_gracedb_like.httpx.Auth` reads them there.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import httpx

__all__ = ["CLAIMS", "CLAIM_ARGUMENTS", "ClaimArguments", "claims_of"]

#: The request extension holding the claims given to one request.
CLAIMS = "requests_gracedb_like.claims"

#: The arguments that choose a token by its claims, per request.
CLAIM_ARGUMENTS = ("token_audience", "token_scope", "token_issuer")


#: What a request method returns: a response, or what gives one when
#: awaited.
R = TypeVar("R")
#: What ``stream()`` returns: a context manager, sync or async.
S = TypeVar("S")


def _moved(kwargs: dict[str, Any]) -> dict[str, Any]:
    """`kwargs` with the claim arguments (those not None) moved into
    ``extensions``."""
    if not any(name in kwargs for name in CLAIM_ARGUMENTS):
        return kwargs
    claims = {name: kwargs.pop(name) for name in CLAIM_ARGUMENTS if name in kwargs}
    claims = {name: value for name, value in claims.items() if value is not None}
    if claims:
        kwargs["extensions"] = {**(kwargs.get("extensions") or {}), CLAIMS: claims}
    return kwargs


def claims_of(request: httpx.Request) -> dict[str, Any]:
    """The claims given to the call that built `request` (empty if none)."""
    claims: dict[str, Any] = request.extensions.get(CLAIMS) or {}
    return claims


class ClaimArguments(Generic[R, S]):
    """The request methods of a client, taking ``token_audience``,
    ``token_scope`` and ``token_issuer`` besides httpx's arguments.

    Each forwards to httpx, so that it works for :class:`httpx.Client`
    (returning a response) and :class:`httpx.AsyncClient` (returning what
    is awaited) alike.
    """

    def send(self, request: httpx.Request, **kwargs: Any) -> R:
        # A client that found no credential when it was made still looks
        # for one matching the claims of this request, as the session does.
        self._claims_auth(request, kwargs)  # type: ignore[attr-defined]
        return super().send(request, **kwargs)  # type: ignore[misc, no-any-return]

    def build_request(self, method: str, url: Any, **kwargs: Any) -> httpx.Request:
        return super().build_request(method, url, **_moved(kwargs))  # type: ignore[misc, no-any-return]

    def request(self, method: str, url: Any, **kwargs: Any) -> R:
        return super().request(method, url, **_moved(kwargs))  # type: ignore[misc, no-any-return]

    def stream(self, method: str, url: Any, **kwargs: Any) -> S:
        return super().stream(method, url, **_moved(kwargs))  # type: ignore[misc, no-any-return]

    def get(self, url: Any, **kwargs: Any) -> R:
        return super().get(url, **_moved(kwargs))  # type: ignore[misc, no-any-return]

    def options(self, url: Any, **kwargs: Any) -> R:
        return super().options(url, **_moved(kwargs))  # type: ignore[misc, no-any-return]

    def head(self, url: Any, **kwargs: Any) -> R:
        return super().head(url, **_moved(kwargs))  # type: ignore[misc, no-any-return]

    def post(self, url: Any, **kwargs: Any) -> R:
        return super().post(url, **_moved(kwargs))  # type: ignore[misc, no-any-return]

    def put(self, url: Any, **kwargs: Any) -> R:
        return super().put(url, **_moved(kwargs))  # type: ignore[misc, no-any-return]

    def patch(self, url: Any, **kwargs: Any) -> R:
        return super().patch(url, **_moved(kwargs))  # type: ignore[misc, no-any-return]

    def delete(self, url: Any, **kwargs: Any) -> R:
        return super().delete(url, **_moved(kwargs))  # type: ignore[misc, no-any-return]
