"""session.expiry: when the credential in use expires."""

from __future__ import annotations

import time_machine

from requests_gracedb_like import Session
from requests_gracedb_like.testing import make_jwt

T0 = 1_900_000_000


def test_jwt_token_file(make_token):
    with Session(token=make_token(now=T0, lifetime=600)) as s:
        assert s.expiry == T0 + 600
        assert isinstance(s.expiry, float)


def test_bearer_token_variable(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt(now=T0, lifetime=60))
    with time_machine.travel(T0, tick=False), Session() as s:
        assert s.expiry == T0 + 60


def test_follows_a_reloaded_token(httpserver, tmp_path):
    path = tmp_path / "token"
    path.write_text(make_jwt(now=T0, lifetime=600))
    httpserver.expect_request("/").respond_with_data("ok")
    with time_machine.travel(T0, tick=False) as clock:
        s = Session(token=path, auth_reload=True, auth_reload_timeout=300)
        assert s.expiry == T0 + 600
        path.write_text(make_jwt(now=T0 + 400, lifetime=600))
        clock.move_to(T0 + 400)
        s.get(httpserver.url_for("/"))
        assert s.expiry == T0 + 1000
        s.close()


def test_unknown_expiry_is_none(make_token, tmp_path):
    opaque = tmp_path / "opaque"
    opaque.write_text("not-a-jwt")
    cases = [
        Session(username="albert", password="pw"),
        Session(token=opaque),
        Session(token=make_token(lifetime=None)),
        Session(force_noauth=True),
        Session(),
    ]
    for s in cases:
        assert s.expiry is None, s.auth_source
        s.close()


def test_user_assigned_auth():
    with Session(force_noauth=True) as s:
        s.auth = ("albert", "pw")
        assert s.expiry is None
