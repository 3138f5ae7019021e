"""A provider that answers badly (a real HTTP server on 127.0.0.1 playing
a broken or hostile provider): clear errors, nothing printed that could
drive the terminal, no secret echoed."""

from __future__ import annotations

import json

import pytest

from requests_gracedb_like.credentials.oidc import Tokens, login
from requests_gracedb_like.credentials.oidc.refresh import refresh
from requests_gracedb_like.exceptions import (
    LoginRequiredError,
    ProviderError,
    ProviderUnreachableError,
)

pytest.importorskip("authlib")


def provider(httpserver, device=None, token=None, token_status=200):
    issuer = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/.well-known/openid-configuration").respond_with_json(
        {
            "issuer": issuer,
            "token_endpoint": f"{issuer}/token",
            "device_authorization_endpoint": f"{issuer}/device",
        }
    )
    httpserver.expect_request("/device").respond_with_json(
        device
        or {
            "device_code": "d",
            "user_code": "ABCD-EFGH",
            "verification_uri": f"{issuer}/activate",
            "expires_in": 60,
        }
    )
    httpserver.expect_request("/token").respond_with_data(
        json.dumps(token) if not isinstance(token, str) else token,
        status=token_status,
        content_type="application/json",
    )
    return issuer


def run(issuer):
    shown: list[str] = []
    try:
        login(
            "https://svc.example/",
            issuer=issuer,
            client_id="c",
            echo=shown.append,
            sleep=lambda s: None,
        )
    finally:
        text = "\n".join(shown)
        assert "\x1b" not in text
        assert "\x07" not in text
    return text


def test_terminal_escapes_in_the_instructions_are_neutralised(httpserver):
    issuer = httpserver.url_for("").rstrip("/")
    evil = {
        "device_code": "d",
        "user_code": "\x1b]0;pwned\x07ABCD",
        "verification_uri": f"{issuer}/\x1b[2Jactivate",
        "expires_in": 60,
    }
    provider(httpserver, device=evil, token={"access_token": "tok", "expires_in": 60})
    text = run(issuer)
    assert "enter the code ?]0;pwned?ABCD" in text


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ({"token_type": "Bearer"}, "no access_token"),
        ({"access_token": "a b\x1b"}, "cannot be sent in a header"),
        ({"access_token": "t", "token_type": "mac"}, "is not Bearer"),
        ({"access_token": "t", "expires_in": "soon"}, "malformed answer"),
        ({"access_token": "t", "expires_in": [1]}, "malformed"),
        ({"access_token": "t", "expires_in": -5}, "expires_in is out of range"),
        ({"access_token": "t", "refresh_token": 7}, "refresh_token is not a string"),
        ("<html>gateway</html>", "malformed answer"),
    ],
)
def test_malformed_token_answer(httpserver, token, problem):
    issuer = provider(httpserver, token=token)
    with pytest.raises(ProviderError, match=problem) as raised:
        run(issuer)
    assert "\x1b" not in str(raised.value)


def test_long_error_description_is_cut_and_cleaned(httpserver):
    issuer = provider(
        httpserver,
        token={"error": "server_error", "error_description": "\x1b[31m" + "x" * 5000},
        token_status=400,
    )
    with pytest.raises(ProviderError) as raised:
        run(issuer)
    message = str(raised.value)
    assert "server_error" in message
    assert len(message) < 400
    assert "\x1b" not in message


@pytest.mark.parametrize(
    ("status", "body", "error", "text"),
    [
        (503, "<html>maintenance</html>", ProviderUnreachableError, "HTTP 503"),
        (400, {"error": "invalid_grant"}, LoginRequiredError, "log in again"),
        (400, {"error": "invalid_client"}, ProviderError, "invalid_client"),
        (200, {"access_token": ""}, ProviderError, "no access_token"),
    ],
)
def test_refresh_failures(httpserver, status, body, error, text):
    httpserver.expect_request("/token").respond_with_data(
        body if isinstance(body, str) else json.dumps(body),
        status=status,
        content_type="application/json",
    )
    tokens = Tokens(
        httpserver.url_for("").rstrip("/"),
        "c",
        "ACCESS",
        "REFRESH-SECRET",
        token_endpoint=httpserver.url_for("/token"),
    )
    with pytest.raises(error, match=text) as raised:
        refresh(tokens, url="https://svc.example/")
    assert "REFRESH-SECRET" not in str(raised.value)
