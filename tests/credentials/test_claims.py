"""Scoped tokens: audience, scope and issuer choose among discovered tokens."""

from __future__ import annotations

import pytest

from requests_gracedb_like import Session
from requests_gracedb_like.credentials.claims import ClaimRequirements, default_audience
from requests_gracedb_like.credentials.records import (
    EXPIRED,
    WRONG_AUDIENCE,
    WRONG_ISSUER,
    WRONG_SCOPE,
)
from requests_gracedb_like.exceptions import CredentialError
from requests_gracedb_like.testing import make_jwt

URL = "https://gracedb.example.org/api/"
AUD = "https://gracedb.example.org"


def statuses(session):
    return {a.source: a.status for a in session.auth_discovery.attempts}


def test_token_for_another_audience_is_skipped(env, make_token, monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(make_token({"aud": "https://other"})))
    right = env.write_runtime_token(make_jwt({"aud": AUD}))
    s = Session(URL)
    assert s.auth.path == str(right)
    assert statuses(s)["BEARER_TOKEN_FILE"] == WRONG_AUDIENCE
    reason = next(
        a.reason for a in s.auth_discovery.attempts if a.status == WRONG_AUDIENCE
    )
    assert AUD in reason


@pytest.mark.parametrize(
    "aud",
    [AUD, AUD + "/", [AUD, "x"], "ANY", ["https://wlcg.cern.ch/jwt/v1/any"]],
)
def test_default_audience_matches(monkeypatch, aud):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"aud": aud}))
    assert Session(URL).auth_source == "BEARER_TOKEN"


def test_token_without_audience_matches(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"sub": "albert"}))
    assert Session(URL).auth_source == "BEARER_TOKEN"


def test_explicit_audience_replaces_the_default(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"aud": AUD}))
    s = Session(URL, token_audience="https://elsewhere")
    assert s.auth is None
    s = Session(URL, token_audience=["https://elsewhere", AUD])
    assert s.auth_source == "BEARER_TOKEN"


def test_scope_must_be_granted(env, monkeypatch, make_token):
    monkeypatch.setenv(
        "BEARER_TOKEN_FILE", str(make_token({"scope": "gracedb.read openid"}))
    )
    env.write_runtime_token(make_jwt({"scope": "gracedb.read gracedb.write"}))
    s = Session(URL, token_scope="gracedb.write")
    assert s.auth_source.startswith("XDG_RUNTIME_DIR")
    assert statuses(s)["BEARER_TOKEN_FILE"] == WRONG_SCOPE


@pytest.mark.parametrize(
    ("granted", "wanted", "ok"),
    [
        ("read:/", "read:/frames/O4", True),
        ("read:/frames", "read:/frames/O4", True),
        ("read:/frames", "read:/framesX", False),
        ("read:/frames", "write:/frames", False),
        ("a b", ["a", "b"], True),
        ("a", "a b", False),
    ],
)
def test_scope_matching(granted, wanted, ok):
    need = ClaimRequirements.from_arguments(None, scope=wanted)
    assert (need.mismatch({"scope": granted}) is None) is ok


def test_issuer_must_match(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"iss": "https://issuer.example/"}))
    assert Session(URL, token_issuer="https://issuer.example").auth_source
    s = Session(URL, token_issuer="https://other.example")
    assert statuses(s)["BEARER_TOKEN"] == WRONG_ISSUER


def test_opaque_token_with_explicit_requirement_is_skipped(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", "opaque-token")
    assert Session(URL).auth_source == "BEARER_TOKEN"
    s = Session(URL, token_scope="gracedb.read")
    assert s.auth is None
    reasons = {a.source: a.reason for a in s.auth_discovery.attempts}
    assert "not a JWT" in reasons["BEARER_TOKEN"]


def test_expired_discovered_token_is_skipped(env, monkeypatch, make_token):
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(make_token(lifetime=-10)))
    fresh = env.write_runtime_token(make_jwt())
    s = Session(URL)
    assert s.auth.path == str(fresh)
    assert statuses(s)["BEARER_TOKEN_FILE"] == EXPIRED


def test_explicit_token_with_mismatched_claims_raises(make_token):
    path = make_token({"aud": "https://other"})
    assert Session(URL, token=path).auth.path == str(path)  # default not enforced
    with pytest.raises(CredentialError, match="audience") as info:
        Session(URL, token=path, token_audience=AUD)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("name", ["token_audience", "token_scope", "token_issuer"])
def test_bad_requirement_type_names_argument(name):
    with pytest.raises(TypeError, match=name):
        Session(URL, **{name: [3]})


def test_token_false_skips_token_discovery(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt())
    s = Session(URL, token=False)
    assert s.auth is None
    assert statuses(s)["BEARER_TOKEN"] == "disabled"


def test_default_audience_includes_explicit_port():
    assert default_audience("https://h.example:8443/") == (
        "https://h.example",
        "https://h.example:8443",
    )
