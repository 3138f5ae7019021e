"""The httpx Auth: discovery as the session's, the credential only to its
origin and never in clear, one replay after a 401, inside plain httpx
clients and an OpenAPI-style client."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")

from requests_gracedb_like.exceptions import InsecureAuthError  # noqa: E402
from requests_gracedb_like.httpx import Auth  # noqa: E402


@pytest.mark.slow
def test_import_does_not_load_httpx():
    code = (
        "import sys, requests_gracedb_like, requests_gracedb_like.session;"
        "print('httpx' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_token_file_sent_to_its_origin_only(service, httpserver, tmp_path):
    token = service.write_token(tmp_path / "token")
    httpserver.expect_request("/elsewhere").respond_with_data("ok")
    auth = Auth(service.url, token=token)
    with httpx.Client(auth=auth) as client:
        assert client.get(service.url_for("api/")).json()["user"] == "demo-user"
        client.get(httpserver.url_for("/elsewhere"))
    (elsewhere, _) = httpserver.log[0]
    assert "Authorization" not in elsewhere.headers
    assert auth.auth_source == f"token argument ({token})"


@pytest.mark.anyio
async def test_async_token_file_sent_to_its_origin_only(service, httpserver, tmp_path):
    token = service.write_token(tmp_path / "token")
    httpserver.expect_request("/elsewhere").respond_with_data("ok")
    auth = Auth(service.url, token=token)
    async with httpx.AsyncClient(auth=auth) as client:
        answer = await client.get(service.url_for("api/"))
        assert answer.json()["user"] == "demo-user"
        await client.get(httpserver.url_for("/elsewhere"))
    (elsewhere, _) = httpserver.log[0]
    assert "Authorization" not in elsewhere.headers


def test_discovered_from_the_environment(service, credential_env, monkeypatch):
    path = service.write_token(credential_env.home / "bt")
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(path))
    auth = Auth(service.url, token_audience="ANY")
    with httpx.Client(auth=auth) as client:
        assert client.get(service.url_for("api/")).status_code == 200
    assert auth.auth_source == f"BEARER_TOKEN_FILE ({path})"


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_no_credential_in_clear_to_another_machine(kind, tmp_path):
    token = tmp_path / "token"
    token.write_text("opaque-token")
    token.chmod(0o600)
    auth = Auth("http://gracedb.invalid/api/", token=token)

    def sync() -> None:
        with httpx.Client(auth=auth) as client:
            client.get("http://gracedb.invalid/api/")

    async def main() -> None:
        async with httpx.AsyncClient(auth=auth) as client:
            await client.get("http://gracedb.invalid/api/")

    with pytest.raises(InsecureAuthError, match="plain http"):
        sync() if kind == "sync" else asyncio.run(main())


def test_in_clear_to_loopback_is_allowed(service, tmp_path):
    token = service.write_token(tmp_path / "token")
    with httpx.Client(auth=Auth(service.url, token=token)) as client:
        assert client.get(service.url_for("api/")).status_code == 200


def _redirect_to_another_origin(service, httpserver):
    """``/api/go`` of the service redirects to ``/landing`` of another
    origin; an Auth with an API key for the service."""
    httpserver.expect_request("/landing").respond_with_data("landed")
    service.respond(
        "GET",
        "/api/go",
        status=302,
        headers={"Location": httpserver.url_for("/landing")},
    )
    service.require_auth = False
    return Auth(service.url, api_key="k-123", auth_header_name="X-API-Key")


def _assert_the_key_stayed_home(service, httpserver):
    assert service.requests[0].headers["X-API-Key"] == "k-123"
    (landing, _) = httpserver.log[0]
    assert "X-API-Key" not in landing.headers


def test_api_key_left_off_a_redirect_to_another_origin(service, httpserver):
    """httpx keeps X-API-Key on a cross-origin redirect; the Auth's request
    hook drops it."""
    auth = _redirect_to_another_origin(service, httpserver)
    with httpx.Client(
        auth=auth, follow_redirects=True, event_hooks={"request": [auth.check_request]}
    ) as client:
        assert client.get(service.url_for("api/go")).text == "landed"
    _assert_the_key_stayed_home(service, httpserver)


def test_the_request_hook_serves_a_plain_async_client(service, httpserver):
    """httpx awaits an AsyncClient's hooks: the same hook works there."""
    auth = _redirect_to_another_origin(service, httpserver)

    async def main() -> str:
        async with httpx.AsyncClient(
            auth=auth,
            follow_redirects=True,
            event_hooks={"request": [auth.check_request]},
        ) as client:
            return (await client.get(service.url_for("api/go"))).text

    assert asyncio.run(main()) == "landed"
    _assert_the_key_stayed_home(service, httpserver)


def test_401_replays_once_with_the_rewritten_file(service, tmp_path):
    path = service.write_token(tmp_path / "token")
    auth = Auth(service.url, token=path, auth_reload=True)
    old = path.read_text().strip()
    service.revoke_token(old)
    service.write_token(path)
    with httpx.Client(auth=auth) as client:
        answer = client.post(service.url_for("api/"), content=b"payload")
    assert answer.status_code == 200
    posts = [r for r in service.requests if r.method == "POST"]
    assert [r.body for r in posts] == [b"payload", b"payload"]
    assert posts[0].headers["Authorization"] == f"Bearer {old}"
    assert posts[1].headers["Authorization"] != f"Bearer {old}"


def test_401_not_replayed_when_the_file_holds_nothing_newer(service, tmp_path):
    path = service.write_token(tmp_path / "token")
    service.revoke_token(path.read_text().strip())
    with httpx.Client(auth=Auth(service.url, token=path, auth_reload=True)) as c:
        assert c.get(service.url_for("api/")).status_code == 401
    assert len(service.requests) == 1


def test_401_replays_once_inside_a_plain_async_client(service, tmp_path):
    path = service.write_token(tmp_path / "token")
    auth = Auth(service.url, token=path, auth_reload=True)
    old = path.read_text().strip()
    service.revoke_token(old)
    service.write_token(path)

    async def main() -> httpx.Response:
        async with httpx.AsyncClient(auth=auth) as client:
            return await client.post(service.url_for("api/"), content=b"payload")

    answer = asyncio.run(main())
    assert answer.status_code == 200
    assert [h.status_code for h in answer.history] == [401]
    posts = [r for r in service.requests if r.method == "POST"]
    assert [r.headers["Authorization"] == f"Bearer {old}" for r in posts] == [
        True,
        False,
    ]


@pytest.mark.parametrize("kind", ["Client", "AsyncClient"])
def test_a_401_from_where_a_redirect_led_is_not_replayed(
    service, httpserver, tmp_path, kind
):
    """The 401 of another origin says nothing of the credential: the
    client does not send the request again, even with a rotated token."""
    from requests_gracedb_like import httpx as front

    service.respond(
        "GET",
        "/api/go",
        status=302,
        headers={"Location": httpserver.url_for("/landing")},
    )
    httpserver.expect_request("/landing").respond_with_data("who?", status=401)
    path = service.write_token(tmp_path / "token")

    def get() -> httpx.Response:
        if kind == "Client":
            with front.Client(
                service.url, token=path, auth_reload=True, raise_for_status=False
            ) as client:
                service.write_token(path)  # rotated: a replay would differ
                return client.get(service.url_for("api/go"), follow_redirects=True)

        async def main() -> httpx.Response:
            async with front.AsyncClient(
                service.url, token=path, auth_reload=True, raise_for_status=False
            ) as client:
                service.write_token(path)
                return await client.get(
                    service.url_for("api/go"), follow_redirects=True
                )

        return asyncio.run(main())

    answer = get()
    assert answer.status_code == 401
    assert [r.path for r in service.requests] == ["/api/go"]
    assert len(httpserver.log) == 1
    assert "Authorization" not in httpserver.log[0][0].headers


def test_fail_if_noauth_and_force_noauth(service):
    from requests_gracedb_like.exceptions import NoCredentialsError

    with pytest.raises(NoCredentialsError):
        Auth(service.url, fail_if_noauth=True)
    with pytest.raises(ValueError, match="force_noauth and fail_if_noauth"):
        Auth(service.url, force_noauth=True, fail_if_noauth=True)
    auth = Auth(service.url, username="albert", password="pw", force_noauth=True)
    service.require_auth = False
    with httpx.Client(auth=auth) as client:
        client.get(service.url_for("api/"))
    assert "Authorization" not in service.requests[0].headers


def test_deferred_discovery_runs_on_first_use(service, tmp_path, monkeypatch):
    auth = Auth(service.url, defer=True)
    assert auth.credential is None
    path = service.write_token(tmp_path / "token")
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(path))
    with httpx.Client(auth=auth) as client:
        assert client.get(service.url_for("api/")).status_code == 200
    assert auth.auth_source == f"BEARER_TOKEN_FILE ({path})"


def test_no_secret_in_repr(tmp_path, service):
    path = service.write_token(tmp_path / "token")
    auth = Auth(service.url, token=path)
    assert path.read_text().strip() not in repr(auth)
    assert str(path) in repr(auth)


class OpenAPIClient:
    """What openapi-python-client generates (``client.py``), by hand: a
    base URL and ``httpx_args`` given to the httpx client it makes."""

    def __init__(self, base_url: str, httpx_args: dict[str, Any]) -> None:
        self._base_url = base_url
        self._httpx_args = httpx_args

    def get_httpx_client(self) -> httpx.Client:
        return httpx.Client(base_url=self._base_url, **self._httpx_args)

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self._base_url, **self._httpx_args)


def test_inside_an_openapi_style_client(service, tmp_path):
    path = service.write_token(tmp_path / "token")
    api = OpenAPIClient(service.url, httpx_args={"auth": Auth(service.url, token=path)})
    with api.get_httpx_client() as client:
        assert client.get("api/events/").json()["user"] == "demo-user"


@pytest.mark.anyio
async def test_inside_an_async_openapi_style_client(service, tmp_path):
    path = service.write_token(tmp_path / "token")
    api = OpenAPIClient(service.url, httpx_args={"auth": Auth(service.url, token=path)})
    async with api.get_async_httpx_client() as client:
        answer = await client.get("api/events/")
    assert answer.json()["user"] == "demo-user"
