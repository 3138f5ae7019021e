"""Per-request claims on the httpx clients: ``token_audience=``,
``token_scope=`` and ``token_issuer=`` on every request method choose the
token for that request, as they do on the session (their origin rule is
attacked in ``tests/hostile/test_per_request_claims.py``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")

from requests_gracedb_like.httpx import AsyncClient, Client  # noqa: E402
from requests_gracedb_like.testing import make_jwt  # noqa: E402


def _run(client: Any, steps: Any) -> None:
    """Run `steps(client)` (a list of calls) on a sync or async client."""
    if isinstance(client, Client):
        with client:
            for step in steps(client):
                if hasattr(step, "__enter__"):
                    with step as response:
                        response.read()
    else:

        async def run() -> None:
            async with client:
                for step in steps(client):
                    if hasattr(step, "__aenter__"):
                        async with step as response:
                            await response.aread()
                    else:
                        await step

        asyncio.run(run())


def _sent(service: Any) -> dict[str, str]:
    return {r.path: r.headers.get("Authorization", "") for r in service.requests}


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_every_method_takes_the_claims(service, scoped_tokens, cls):
    read, write = scoped_tokens
    service.require_auth = False
    client = cls(service.url)

    def steps(c: Any) -> list[Any]:
        return [
            c.get("default"),
            c.get("get", token_scope="write:/"),
            c.post("post", content=b"x", token_scope="write:/"),
            c.put("put", content=b"x", token_scope="write:/"),
            c.request("DELETE", "delete", token_scope="write:/"),
            c.send(c.build_request("GET", "built", token_scope="write:/")),
            c.stream("GET", "stream", token_scope="write:/"),
            c.get("none", token_scope=None),
            c.get("read", token_scope="read:/"),
        ]

    _run(client, steps)
    sent = _sent(service)
    assert sent["/default"] == f"Bearer {read}"
    for path in ("/get", "/post", "/put", "/delete", "/built", "/stream"):
        assert sent[path] == f"Bearer {write}", path
    assert sent["/none"] == f"Bearer {read}"
    assert sent["/read"] == f"Bearer {read}"


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_no_token_matches_the_claims_so_none_is_sent(service, scoped_tokens, cls):
    service.require_auth = False
    client = cls(service.url)
    _run(client, lambda c: [c.get("admin", token_scope="admin:/")])
    assert _sent(service)["/admin"] == ""


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_claims_find_a_token_the_client_did_not(service, env, monkeypatch, cls):
    """A client made without a credential (the token names another
    audience) still looks for one for a request's claims, as the session
    does; ``force_noauth`` looks for none."""
    service.require_auth = False
    token = make_jwt({"aud": "https://other.example"})
    monkeypatch.setenv("BEARER_TOKEN", token)
    client = cls(service.url)
    assert client.auth is None
    _run(client, lambda c: [c.get("plain"), c.get("aud", token_audience="ANY")])
    assert _sent(service) == {"/plain": "", "/aud": ""}
    client = cls(service.url)
    _run(client, lambda c: [c.get("other", token_audience="https://other.example")])
    assert _sent(service)["/other"] == f"Bearer {token}"
    client = cls(service.url, force_noauth=True)
    _run(client, lambda c: [c.get("noauth", token_audience="https://other.example")])
    assert _sent(service)["/noauth"] == ""


def test_an_auth_given_to_the_request_wins(service, scoped_tokens):
    service.require_auth = False
    with Client(service.url) as c:
        c.get("mine", auth=("bob", "own"), token_scope="write:/")
    assert _sent(service)["/mine"].startswith("Basic ")
