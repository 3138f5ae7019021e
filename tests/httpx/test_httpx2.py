"""httpx2, the fork of httpx: its clients take an Auth of its own class,
and a class deriving from both runs the package's flows."""

from __future__ import annotations

import asyncio

import pytest

httpx2 = pytest.importorskip("httpx2")

from requests_gracedb_like.exceptions import InsecureAuthError  # noqa: E402
from requests_gracedb_like.httpx import Auth  # noqa: E402


class Httpx2Auth(Auth, httpx2.Auth):
    """What docs/httpx.rst tells httpx2 users to write."""


def test_httpx2_clients_send_the_credential_to_its_origin_only(service, tmp_path):
    path = service.write_token(tmp_path / "token")
    auth = Httpx2Auth(service.url, token=path)
    elsewhere = service.url.replace("127.0.0.1", "localhost")
    with httpx2.Client(auth=auth) as client:
        assert client.get(service.url_for("api/")).json()["user"] == "demo-user"
        assert client.get(elsewhere + "api/").status_code == 401

    async def main() -> int:
        async with httpx2.AsyncClient(auth=auth) as client:
            return (await client.get(service.url_for("api/"))).status_code

    assert asyncio.run(main()) == 200
    sent = [r.headers.get("Authorization") for r in service.requests]
    token = path.read_text().strip()
    assert sent == [f"Bearer {token}", None, f"Bearer {token}"]


def test_httpx2_no_credential_in_clear(tmp_path):
    path = tmp_path / "token"
    path.write_text("opaque")
    path.chmod(0o600)
    auth = Httpx2Auth("http://gracedb.invalid/", token=path)
    with httpx2.Client(auth=auth) as client, pytest.raises(InsecureAuthError):
        client.get("http://gracedb.invalid/api/")
