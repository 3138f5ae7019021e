"""describe_auth(): every source, found or skipped and why, never a secret."""

from __future__ import annotations

import json

import pytest
import time_machine

from requests_gracedb_like import Session
from requests_gracedb_like.credentials.sources import SOURCES
from requests_gracedb_like.exceptions import InsecureAuthError
from requests_gracedb_like.testing import make_jwt

URL = "https://gracedb.example.org/api/"


def test_one_record_per_source_in_order(env, make_token, monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(make_token()))
    report = Session(URL).describe_auth()
    assert [r.source for r in report] == [s.name for s in SOURCES]
    assert len(report) == len(SOURCES)


def test_records_say_what_happened(env, make_token, monkeypatch, tmp_path):
    token = make_jwt({"aud": "https://other"})
    monkeypatch.setenv("BEARER_TOKEN", token)
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(tmp_path / "missing"))
    path = env.write_runtime_token(make_jwt({"aud": "https://gracedb.example.org"}))
    env.write_netrc("machine gracedb.example.org login albert password pw\n")
    s = Session(URL)
    report = s.describe_auth()
    by_name = {r.source: r for r in report}
    assert by_name["BEARER_TOKEN"].status == "wrong audience"
    assert by_name["BEARER_TOKEN_FILE"].status == "absent"
    assert by_name["XDG_RUNTIME_DIR"].status == "used"
    assert by_name["XDG_RUNTIME_DIR"].location == str(path)
    assert by_name["XDG_RUNTIME_DIR"].expiry == s.auth.expiry
    assert by_name["/tmp"].status == "not looked at"
    assert by_name["netrc"].status == "not looked at"
    assert [r.source for r in report.used] == ["XDG_RUNTIME_DIR"]
    assert report.source == s.auth_source
    assert report.expiry == s.auth.expiry


def test_text_and_dict_hold_no_secret(env, monkeypatch, make_token):
    token = make_jwt({"sub": "albert"})
    monkeypatch.setenv("BEARER_TOKEN", token)
    s = Session(URL, username="albert", password="s3cret-pass")
    for report in (s.describe_auth(), Session(URL).describe_auth()):
        text = report.text()
        data = json.dumps(report.to_dict())
        for secret in (token, "s3cret-pass"):
            assert secret not in text
            assert secret not in data
            assert secret not in repr(report)
        assert all(r.auth is None and r.cert is None for r in report)


def test_text_marks_the_winner_and_gives_expiry(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt(now=1_000_000_000, lifetime=7200))
    with time_machine.travel(1_000_000_000, tick=False):
        report = Session(URL).describe_auth()
    text = report.text(now=1_000_000_000 + 60)
    assert text.splitlines()[0] == f"Credential sources for {URL}, in discovery order:"
    assert "*  6. BEARER_TOKEN: bearer token in the environment (expires" in text
    assert "in 1 h 59 min" in text
    assert text.splitlines()[-1] == "Using: BEARER_TOKEN"


def test_nothing_found(env):
    report = Session(URL).describe_auth()
    assert report.source is None
    assert report.used == ()
    assert str(report).endswith("Using: no credential")
    assert report.to_dict()["sources"][0] == {
        "source": "force_noauth",
        "location": None,
        "kind": "nothing",
        "status": "absent",
        "used": False,
        "reason": "not set",
        "expiry": None,
    }


def test_certificate_expiry_is_reported(pki):
    pytest.importorskip("cryptography")
    path = pki.client("albert", days=2)
    s = Session(URL, cert=path)
    report = s.describe_auth()
    assert report.expiry == s.auth_cert.expiry
    (used,) = report.used
    assert used.kind == "certificate"
    assert used.location == str(path)


def test_records_are_immutable_comparable_and_picklable(env, monkeypatch):
    import pickle

    from requests_gracedb_like.credentials.records import Arguments, Attempt

    monkeypatch.setenv("BEARER_TOKEN", "tok-secret-123")
    s = Session(URL)
    attempt = s.auth_discovery.winner
    assert attempt is not None
    assert attempt.source == "BEARER_TOKEN"
    with pytest.raises(AttributeError):
        attempt.found = False  # type: ignore[misc]
    # The credential object takes no part in equality and is never shown.
    same = Attempt(attempt.source, None, True, attempt.reason, status="used")
    assert attempt == same
    assert hash(attempt) == hash(same)
    assert "tok-secret-123" not in repr(attempt) + repr(s.auth_discovery)
    assert pickle.loads(pickle.dumps(s.auth_discovery)) == s.auth_discovery
    request = Arguments(url=URL, username="u", password="pw-secret", api_key=None)
    assert "pw-secret" not in repr(request)
    assert "username='u'" in repr(request)
    assert request == Arguments(url=URL, username="u", password="pw-secret")
    report = s.describe_auth()
    assert report.records[5].auth is None
    assert report.records[5].found


# -- what a request would really do with the credential ----------------------


def test_report_says_a_plain_http_credential_would_not_be_sent(env, make_token):
    token = make_jwt({"aud": "http://gracedb.example.org"})
    path = make_token(path=env.home / "token")
    path.write_text(token)
    s = Session("http://gracedb.example.org/api/", token=path)
    report = s.describe_auth()
    assert report.refused is not None
    assert "http://gracedb.example.org/api/ is plain http" in report.refused
    assert "allow_insecure_auth=True" in report.refused
    last = str(report).splitlines()[-1]
    assert last == f"Not sent: {report.refused}"
    assert json.loads(json.dumps(report.to_dict()))["refused"] == report.refused
    for shown in (str(report), repr(report), json.dumps(report.to_dict())):
        assert token not in shown
    # what the report says is what sending does
    with pytest.raises(InsecureAuthError, match="refusing to send a credential"):
        s.get("http://gracedb.example.org/api/")


@pytest.mark.parametrize(
    ("url", "options"),
    [
        ("https://gracedb.example.org/api/", {"api_key": "k"}),
        ("http://127.0.0.1:8080/api/", {"api_key": "k"}),
        (
            "http://gracedb.example.org/api/",
            {"api_key": "k", "allow_insecure_auth": True},
        ),
        ("http://gracedb.example.org/api/", {}),
        ("http://gracedb.example.org/api/", {"force_noauth": True}),
    ],
)
def test_report_refuses_nothing_that_would_be_sent(env, url, options):
    report = Session(url, **options).describe_auth()
    assert report.refused is None
    assert "Not sent" not in str(report)
    assert report.to_dict()["refused"] is None


def test_report_of_the_auth_mixin_alone_has_no_transport_rule(env):
    import requests

    from requests_gracedb_like import SessionAuthMixin

    class _S(SessionAuthMixin, requests.Session):
        pass

    # without SessionTransportMixin nothing refuses plain http
    report = _S(url="http://gracedb.example.org/api/", api_key="k").describe_auth()
    assert report.refused is None
