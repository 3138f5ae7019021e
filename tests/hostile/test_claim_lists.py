"""Promise: no claim set is shared between sessions. What one session's
credential exposes (``session.auth.claims``) is its own: changing it does
not change which token another session accepts, nor where that token is
sent.

A token for service A only (``aud: [A]``); a session for A changes its
view of the claims to name B as well; a new session for B must still
find the token unfit for B and send it nowhere.
"""

from __future__ import annotations

import contextlib

import pytest
import requests

from requests_gracedb_like import Session
from requests_gracedb_like.testing import make_jwt


def _origin(server):
    return f"http://127.0.0.1:{server.port}"


@pytest.fixture
def servers(recorder):
    return recorder(), recorder()


def _provide(how, token, tmp_path, monkeypatch):
    """Make `token` discoverable (or give it) the way `how` says; returns
    the extra Session arguments."""
    if how == "BEARER_TOKEN":
        monkeypatch.setenv("BEARER_TOKEN", token)
        return {}
    path = tmp_path / "token"
    path.write_text(token + "\n")
    path.chmod(0o600)
    if how == "BEARER_TOKEN_FILE":
        monkeypatch.setenv("BEARER_TOKEN_FILE", str(path))
        return {}
    return {"token": path}


MUTATIONS = [
    pytest.param(lambda claims, b: claims["aud"].append(b), id="aud-append"),
    pytest.param(lambda claims, b: claims["aud"].insert(0, b), id="aud-insert"),
    pytest.param(lambda claims, b: claims["aud"].__setitem__(0, b), id="aud-replace"),
]


# A token file given as ``token=`` is the caller's choice for that session,
# whatever its audience: only discovered tokens are chosen by their claims.
@pytest.mark.parametrize("mutate", MUTATIONS)
@pytest.mark.parametrize("how", ["BEARER_TOKEN", "BEARER_TOKEN_FILE"])
def test_changing_one_sessions_claims_does_not_open_another_origin(
    servers, tmp_path, monkeypatch, how, mutate
):
    a, b = servers
    token = make_jwt({"aud": [_origin(a)], "scope": "read:/"})
    extra = _provide(how, token, tmp_path, monkeypatch)
    with Session(a.url(), **extra) as first:
        first.get(a.url("/first"), timeout=5)
        claims = first.auth.claims
        mutate(claims, _origin(b))
    assert a.saw(token), "the token is for A: A gets it"
    # A token unfit for B may be refused (an error) or left out; never sent.
    with (
        contextlib.suppress(requests.RequestException, ValueError, OSError),
        Session(b.url(), **extra) as second,
    ):
        second.get(b.url("/second"), timeout=5)
    assert not b.saw(token)


@pytest.mark.parametrize("how", ["BEARER_TOKEN", "BEARER_TOKEN_FILE", "token="])
def test_a_new_session_does_not_see_another_sessions_claim_changes(
    servers, tmp_path, monkeypatch, how
):
    a, b = servers
    token = make_jwt({"aud": [_origin(a)], "scope": "read:/"})
    extra = _provide(how, token, tmp_path, monkeypatch)
    with Session(a.url(), **extra) as first:
        first.auth.claims["aud"].append(_origin(b))
        first.auth.claims["scope"] = "write:/"
    with Session(a.url(), **extra) as second:
        assert second.auth.claims["aud"] == [_origin(a)]
        assert second.auth.claims["scope"] == "read:/"
