"""Pickling the httpx clients: a pickle holds what made the client, never
a secret; the unpickled client finds its credential again where it runs."""

from __future__ import annotations

import pickle
import ssl

import pytest

httpx = pytest.importorskip("httpx")

from requests_gracedb_like.httpx import AsyncClient, Client  # noqa: E402
from requests_gracedb_like.testing import make_jwt  # noqa: E402

SECRET = "pickle-secret-value"


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_a_pickle_holds_no_token_and_the_copy_reads_the_file_again(
    service, make_token, cls
):
    path = make_token({"sub": "first"})
    first = path.read_text().strip()
    client = cls(service.url, token=path, headers={"X-Mine": "1"}, timeout=7)
    data = pickle.dumps(client)
    assert first.encode() not in data
    second = make_token({"sub": "second"}, path=path).read_text().strip()
    copy = pickle.loads(data)
    assert type(copy) is cls
    assert copy.auth.credential.token == second
    assert copy.auth_source == client.auth_source
    assert copy.headers["X-Mine"] == "1"
    assert copy.timeout == httpx.Timeout(7)
    assert copy.base_url == client.base_url


def test_a_discovered_token_is_found_again_not_pickled(service, env, monkeypatch):
    token = make_jwt({"aud": "ANY"})
    monkeypatch.setenv("BEARER_TOKEN", token)
    with Client(service.url) as client:
        data = pickle.dumps(client)
    assert token.encode() not in data
    monkeypatch.delenv("BEARER_TOKEN")
    with pickle.loads(data) as copy:
        assert copy.auth is None  # nothing in this environment


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"username": "alice", "password": SECRET}, "password="),
        ({"api_key": SECRET}, "api_key="),
        ({"auth": ("alice", SECRET)}, "auth="),
        ({"force_noauth": True, "headers": {"X-Auth-Token": SECRET}}, "X-Auth-Token"),
        ({"force_noauth": True, "cookies": {"sessionid": SECRET}}, "cookies"),
    ],
)
def test_a_secret_that_only_the_pickle_could_carry_refuses(kwargs, named):
    with (
        Client("https://gracedb.invalid/api/", **kwargs) as client,
        pytest.raises(TypeError) as info,
    ):
        pickle.dumps(client)
    message = str(info.value)
    assert named.lower() in message.lower()
    assert "https://gracedb.invalid/api/" in message
    assert "in the process that uses it" in message
    assert SECRET not in message


def test_an_argument_that_does_not_pickle_is_named():
    context = ssl.create_default_context()
    with (
        Client("https://gracedb.invalid/", force_noauth=True, verify=context) as c,
        pytest.raises(TypeError, match=r"verify= argument \(a SSLContext\)"),
    ):
        pickle.dumps(c)
