"""API keys sent in a header."""

from __future__ import annotations

import pickle

import pytest

from requests_gracedb_like import Session
from requests_gracedb_like.credentials.apikey import APIKeyAuth
from requests_gracedb_like.exceptions import CredentialError

SECRET = "k-0123456789"


def test_default_is_authorization_bearer(httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    with Session(httpserver.url_for("/"), api_key=SECRET) as s:
        s.get(httpserver.url_for("/"))
    assert httpserver.log[0][0].headers["Authorization"] == f"Bearer {SECRET}"
    assert s.auth_source == "api_key argument"


def test_custom_header_has_no_prefix(httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    with Session(
        httpserver.url_for("/"), api_key=SECRET, auth_header_name="X-API-Key"
    ) as s:
        s.get(httpserver.url_for("/"))
    headers = httpserver.log[0][0].headers
    assert headers["X-API-Key"] == SECRET
    assert "Authorization" not in headers


def test_custom_prefix(httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    with Session(httpserver.url_for("/"), api_key=SECRET, api_key_prefix="Token") as s:
        s.get(httpserver.url_for("/"))
    assert httpserver.log[0][0].headers["Authorization"] == f"Token {SECRET}"


def test_api_key_wins_over_environment_and_is_not_shown(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", "env-token")
    s = Session("https://h.example/", api_key=SECRET)
    assert isinstance(s.auth, APIKeyAuth)
    shown = repr(s) + repr(s.auth) + str(s.auth) + str(s.describe_auth())
    assert SECRET not in shown
    assert SECRET not in repr(s.auth_discovery)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"api_key": ""},
            CredentialError,
            "API key from the api_key argument is empty",
        ),
        ({"api_key": "a\nb"}, CredentialError, "white space"),
        ({"api_key": 3}, TypeError, "api_key"),
        (
            {"api_key": "k", "auth_header_name": "Bad Header"},
            ValueError,
            "auth_header_name",
        ),
        ({"api_key": "k", "api_key_prefix": "a b"}, ValueError, "api_key_prefix"),
        ({"api_key": "k", "token": "/t"}, ValueError, "api_key, or token"),
        ({"api_key": "k", "username": "u", "password": "p"}, ValueError, "not several"),
        ({"auth_header_name": "X-API-Key"}, ValueError, "need api_key"),
        ({"api_key_prefix": "Token"}, ValueError, "need api_key"),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match) as info:
        Session("https://h.example/", **kwargs)
    assert "a\nb" not in str(info.value)


def test_equality_and_pickle():
    auth = APIKeyAuth(SECRET, header_name="X-API-Key")
    assert auth == APIKeyAuth(SECRET, header_name="x-api-key")
    assert auth != APIKeyAuth("other", header_name="X-API-Key")
    assert pickle.loads(pickle.dumps(auth)) == auth
