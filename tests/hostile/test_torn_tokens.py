"""Promise: a token caught half-written is never sent.

Real tokens are signed (RS256, ES256...). A file rewritten in place can be
read with the new token cut anywhere; cut in the signature, it still splits
into three parts with a JSON payload.
"""

from __future__ import annotations

import os
import time

import pytest
from hostile import response

from requests_gracedb_like import Session
from requests_gracedb_like.credentials.bearer import (
    ReloadingTokenFileAuth,
    TokenFileAuth,
)
from requests_gracedb_like.exceptions import CredentialError, HalfWrittenTokenError
from requests_gracedb_like.testing import make_signed_jwt

#: Where the cut falls, as a fraction of the signature.
CUTS = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99]


def _torn(token: str, fraction: float) -> str:
    head, _, signature = token.rpartition(".")
    return f"{head}.{signature[: int(len(signature) * fraction)]}"


@pytest.mark.parametrize("fraction", CUTS)
def test_a_torn_rs256_token_file_is_refused(tmp_path, fraction):
    path = tmp_path / "token"
    path.write_text(_torn(make_signed_jwt({"sub": "albert"}), fraction))
    with pytest.raises(CredentialError, match="cut short") as info:
        TokenFileAuth(path)
    assert str(path) in str(info.value)


@pytest.fixture(params=["ES256", "HS256"])
def other_signed(request):
    from cryptography.hazmat.primitives.asymmetric import ec

    if request.param == "ES256":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        key = b"k" * 32
    return lambda claims: make_signed_jwt(claims, key=key, algorithm=request.param)


@pytest.mark.parametrize("fraction", [0.3, 0.8])
def test_torn_tokens_of_other_algorithms_are_refused(tmp_path, other_signed, fraction):
    path = tmp_path / "token"
    path.write_text(_torn(other_signed({"sub": "albert"}), fraction))
    with pytest.raises(CredentialError, match="cut short"):
        TokenFileAuth(path)


def test_a_whole_signed_token_is_used(tmp_path, other_signed):
    path = tmp_path / "token"
    token = other_signed({"sub": "albert"})
    path.write_text(token + "\n")
    assert TokenFileAuth(path).token == token


@pytest.mark.parametrize("fraction", [0.2, 0.6])
def test_a_reloading_session_keeps_the_last_whole_token(recorder, tmp_path, fraction):
    server = recorder(lambda head: response(200, b"ok"))
    path = tmp_path / "token"
    first = make_signed_jwt({"sub": "one"}, lifetime=3600)
    path.write_text(first)
    with Session(
        server.url(), token=path, auth_reload=True, auth_reload_timeout=7200
    ) as s:
        assert isinstance(s.auth, ReloadingTokenFileAuth)
        # the rewrite is caught half-way
        second = make_signed_jwt({"sub": "two"}, lifetime=3600)
        path.write_text(_torn(second, fraction))
        s.get(server.url("/a"), timeout=5)
        # and then finished
        path.write_text(second)
        s.get(server.url("/b"), timeout=5)
    sent = [h.split(b"Bearer ")[1].split(b"\r\n")[0].decode() for h in server.heads]
    assert sent == [first, second]


def _attempt(session, source="BEARER_TOKEN_FILE"):
    return next(a for a in session.auth_discovery.attempts if a.source == source)


def test_a_torn_discovered_token_is_skipped_as_half_written(monkeypatch, tmp_path):
    path = tmp_path / "token"
    path.write_text(_torn(make_signed_jwt({"sub": "albert"}), 0.5))
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(path))
    with Session("https://gracedb.example.org/") as s:
        assert s.auth is None
        attempt = _attempt(s)
    assert attempt.status == "half-written"
    assert "signature is cut short and the file changed in the last 3 s" in (
        attempt.reason
    )


def test_a_made_up_expired_token_is_reported_expired_not_half_written(
    monkeypatch, tmp_path
):
    # A signed token with a short signature that has sat in its file for an
    # hour is not being written: its claims say what is wrong with it.
    path = tmp_path / "token"
    path.write_text(_torn(make_signed_jwt({"sub": "albert"}, lifetime=-600), 0.1))
    hour_ago = time.time() - 3600
    os.utime(path, (hour_ago, hour_ago))
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(path))
    with Session("https://gracedb.example.org/") as s:
        assert s.auth is None
        attempt = _attempt(s)
        assert attempt.status == "expired"
        assert f"BEARER_TOKEN_FILE ({path}): expired: exp:" in str(s.describe_auth())


def test_a_settled_token_with_a_short_signature_is_used_as_it_is(tmp_path):
    path = tmp_path / "token"
    token = _torn(make_signed_jwt({"sub": "albert"}), 0.5)
    path.write_text(token)
    hour_ago = time.time() - 3600
    os.utime(path, (hour_ago, hour_ago))
    assert TokenFileAuth(path).token == token  # the server decides


def test_a_token_cut_in_its_payload_is_half_written_however_old(monkeypatch, tmp_path):
    path = tmp_path / "token"
    token = make_signed_jwt({"sub": "albert"})
    path.write_text(token[: token.index(".") + 8])
    hour_ago = time.time() - 3600
    os.utime(path, (hour_ago, hour_ago))
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(path))
    with Session("https://gracedb.example.org/") as s:
        assert s.auth is None
        attempt = _attempt(s)
    assert attempt.status == "half-written"
    assert "payload is not complete JSON" in attempt.reason
    with pytest.raises(HalfWrittenTokenError, match="payload is not complete"):
        TokenFileAuth(path)  # given explicitly, it is an error
