"""The httpx ``Auth`` inside a client that openapi-python-client generates.

The client is generated when the tests start, from the small spec below,
with the openapi-python-client installed in this environment (no network:
``post_hooks: []`` keeps it from running a formatter). Its plain ``Client``
gets the credential from ``httpx_args={"auth": Auth(url)}``, as
``docs/httpx.rst`` tells users to do (not ``AuthenticatedClient``, whose
token is a fixed header on every request, to any URL, never read again, and
shown in its repr), and talks to the package's own ``FakeService`` on
127.0.0.1.

Run by ``run_downstream.py`` in openapi-python-client's environment.
"""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from requests_gracedb_like.httpx import Auth
from requests_gracedb_like.testing import FakeService

pytest_plugins = ["requests_gracedb_like.testing"]

#: GET one event, POST a new one as JSON; both answer with the service's
#: description of the request it received (``FakeService``'s echo route).
SPEC = """\
openapi: 3.0.3
info: {title: Events API, version: "1.0"}
paths:
  /api/events/{event_id}:
    get:
      operationId: get_event
      parameters:
        - {name: event_id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: the event
          content:
            application/json: {schema: {$ref: "#/components/schemas/Echo"}}
  /api/events/:
    post:
      operationId: create_event
      requestBody:
        required: true
        content:
          application/json: {schema: {$ref: "#/components/schemas/NewEvent"}}
      responses:
        "200":
          description: the event created
          content:
            application/json: {schema: {$ref: "#/components/schemas/Echo"}}
components:
  schemas:
    NewEvent:
      type: object
      required: [group, pipeline]
      properties:
        group: {type: string}
        pipeline: {type: string}
    Echo:
      type: object
      required: [method, path]
      properties:
        method: {type: string}
        path: {type: string}
        user: {type: string, nullable: true}
        token_id: {type: string, nullable: true}
"""

PACKAGE = "events_api"


@pytest.fixture(scope="session")
def api(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """The generated package: its ``Client``, ``NewEvent`` and the
    ``get_event`` and ``create_event`` modules."""
    where = tmp_path_factory.mktemp("openapi")
    (where / "spec.yaml").write_text(SPEC)
    (where / "config.yaml").write_text("post_hooks: []\n")
    generator = Path(sys.executable).with_name("openapi-python-client")
    if not generator.exists():
        pytest.fail(f"{generator} is missing: install openapi-python-client here")
    command = [
        str(generator),
        "generate",
        "--path=spec.yaml",
        "--config=config.yaml",
        "--meta=none",
        f"--output-path={PACKAGE}",
        "--fail-on-warning",
    ]
    done = subprocess.run(
        command, cwd=where, capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        pytest.fail(
            f"openapi-python-client could not generate the client (exit "
            f"{done.returncode}):\n{done.stdout}{done.stderr}",
            pytrace=False,
        )
    sys.path.insert(0, str(where))
    return SimpleNamespace(
        Client=importlib.import_module(f"{PACKAGE}.client").Client,
        NewEvent=importlib.import_module(f"{PACKAGE}.models").NewEvent,
        get_event=importlib.import_module(f"{PACKAGE}.api.default.get_event"),
        create_event=importlib.import_module(f"{PACKAGE}.api.default.create_event"),
    )


@pytest.fixture(autouse=True)
def _isolated(credential_env: Any) -> None:
    """No credential of the machine's user takes part."""


@pytest.fixture
def elsewhere() -> Any:
    """A second service, another origin, that takes requests without a
    token (and records whether one came)."""
    with FakeService(require_auth=False) as running:
        yield running


def _bearer(request: Any) -> str:
    return request.headers.get("Authorization", "")


def call(kind: str, client: Any, sync: Any, coroutine: Any) -> Any:
    """``sync(c)`` in ``with client as c``, or ``await coroutine(c)`` in
    ``async with client as c``, as `kind` says."""
    if kind == "sync":
        with client as c:
            return sync(c)

    async def main() -> Any:
        async with client as c:
            return await coroutine(c)

    return asyncio.run(main())


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_get_and_post_carry_the_token(api, service, tmp_path, kind):
    path = service.write_token(tmp_path / "token")
    client = api.Client(service.url, httpx_args={"auth": Auth(service.url, token=path)})
    new = api.NewEvent(group="CBC", pipeline="gstlal")

    def sync(c: Any) -> tuple[Any, Any]:
        return (
            api.get_event.sync_detailed("G1", client=c),
            api.create_event.sync_detailed(client=c, body=new),
        )

    async def coroutine(c: Any) -> tuple[Any, Any]:
        return (
            await api.get_event.asyncio_detailed("G1", client=c),
            await api.create_event.asyncio_detailed(client=c, body=new),
        )

    got, created = call(kind, client, sync, coroutine)
    assert (got.status_code, created.status_code) == (200, 200)
    assert (got.parsed.path, got.parsed.user) == ("/api/events/G1", "demo-user")
    assert created.parsed.additional_properties["json"] == new.to_dict()
    token = path.read_text().strip()
    assert [_bearer(r) for r in service.requests] == [f"Bearer {token}"] * 2


def _get(api: Any, kind: str, client: Any) -> Any:
    """The event G1, parsed, through `client`."""
    return call(
        kind,
        client,
        lambda c: api.get_event.sync("G1", client=c),
        lambda c: api.get_event.asyncio("G1", client=c),
    )


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_no_token_to_a_client_pointed_at_another_origin(
    api, service, elsewhere, tmp_path, kind
):
    path = service.write_token(tmp_path / "token")
    auth = Auth(service.url, token=path)
    got = _get(api, kind, api.Client(elsewhere.url, httpx_args={"auth": auth}))
    assert got.user is None
    assert [_bearer(r) for r in elsewhere.requests] == [""]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_no_token_where_a_redirect_leads(api, service, elsewhere, tmp_path, kind):
    service.respond(
        "GET",
        "/api/events/G1",
        status=302,
        headers={"Location": elsewhere.url_for("api/events/G1")},
    )
    path = service.write_token(tmp_path / "token")
    client = api.Client(
        service.url,
        follow_redirects=True,
        httpx_args={"auth": Auth(service.url, token=path)},
    )
    got = _get(api, kind, client)
    assert (got.path, got.user) == ("/api/events/G1", None)
    assert _bearer(service.requests[0]) == f"Bearer {path.read_text().strip()}"
    assert [_bearer(r) for r in elsewhere.requests] == [""]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_an_api_key_left_off_a_redirect_by_the_request_hook(
    api, service, elsewhere, kind
):
    """httpx keeps ``X-API-Key`` on a redirect to another origin; the
    Auth's request hook, passed in ``httpx_args`` too, drops it (the same
    hook for the generated client's sync and async httpx clients)."""
    service.require_auth = False
    service.respond(
        "GET",
        "/api/events/G1",
        status=302,
        headers={"Location": elsewhere.url_for("api/events/G1")},
    )
    auth = Auth(service.url, api_key="k-123", auth_header_name="X-API-Key")
    hooks = {"request": [auth.check_request]}
    client = api.Client(
        service.url,
        follow_redirects=True,
        httpx_args={"auth": auth, "event_hooks": hooks},
    )
    assert _get(api, kind, client).path == "/api/events/G1"
    assert service.requests[0].headers["X-API-Key"] == "k-123"
    assert "X-API-Key" not in elsewhere.requests[0].headers


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_401_is_sent_again_with_the_rotated_token(api, service, tmp_path, kind):
    path = service.write_token(tmp_path / "token")
    old = path.read_text().strip()
    auth = Auth(service.url, token=path, auth_reload=True)
    client = api.Client(service.url, httpx_args={"auth": auth})
    service.revoke_token(old)
    new = service.write_token(path).read_text().strip()
    body = api.NewEvent(group="Burst", pipeline="cwb")
    created = call(
        kind,
        client,
        lambda c: api.create_event.sync_detailed(client=c, body=body),
        lambda c: api.create_event.asyncio_detailed(client=c, body=body),
    )
    assert created.status_code == 200
    assert created.parsed.additional_properties["json"] == body.to_dict()
    posts = service.requests
    assert [_bearer(r) for r in posts] == [f"Bearer {old}", f"Bearer {new}"]
    assert posts[0].json() == posts[1].json() == body.to_dict()


def test_a_token_due_for_renewal_is_read_again(api, service, tmp_path):
    """With ``auth_reload=True``, a token within ``auth_reload_timeout`` of
    its expiry is read again before the request: the file's new token is
    sent, without a 401 first."""
    path = service.write_token(tmp_path / "token", lifetime=120)
    auth = Auth(service.url, token=path, auth_reload=True, auth_reload_timeout=300)
    with api.Client(service.url, httpx_args={"auth": auth}) as client:
        first = api.get_event.sync("G1", client=client)
        service.write_token(path)
        second = api.get_event.sync("G1", client=client)
    assert first.token_id != second.token_id
    assert [r.path for r in service.requests] == ["/api/events/G1"] * 2
    assert _bearer(service.requests[1]) == f"Bearer {path.read_text().strip()}"


def test_the_token_is_not_in_the_clients_repr(api, service, tmp_path):
    """The generated ``Client`` is an attrs class whose repr shows its
    ``httpx_args``; ``AuthenticatedClient``'s shows its ``token``."""
    path = service.write_token(tmp_path / "token")
    client = api.Client(service.url, httpx_args={"auth": Auth(service.url, token=path)})
    with client as c:
        assert api.get_event.sync("G1", client=c).user == "demo-user"
        shown = repr(client)
    assert "httpx_args" in shown
    assert str(path) in shown
    assert path.read_text().strip() not in shown
