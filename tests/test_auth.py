"""Credential discovery through SessionAuthMixin and the composed Session."""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path

import pytest
import requests

from requests_gracedb_like import Session, SessionAuthMixin
from requests_gracedb_like.credentials.basic import BasicAuth
from requests_gracedb_like.credentials.bearer import (
    BearerTokenAuth,
    ReloadingTokenFileAuth,
    TokenFileAuth,
)
from requests_gracedb_like.exceptions import (
    CredentialError,
    CredentialWarning,
    NoCredentialsError,
    Unauthorized,
)
from requests_gracedb_like.testing import make_jwt

URL = "https://gracedb.example.org/api/"
SECRET = "s3cret-pass"


class AuthOnly(SessionAuthMixin, requests.Session):
    """The mixin alone on a plain session."""


def test_mixin_alone_on_plain_session(make_token):
    path = make_token()
    s = AuthOnly(URL, token=path)
    assert isinstance(s.auth, TokenFileAuth)
    assert s.auth_source == f"token argument ({path})"


def test_mixin_alone_rejects_unknown_keyword():
    with pytest.raises(TypeError, match="unexpected keyword"):
        AuthOnly(URL, tokne="x")


def test_force_noauth_wins_over_everything(env, make_token, monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", "abc")
    env.write_netrc(f"machine gracedb.example.org login albert password {SECRET}\n")
    s = Session(URL, force_noauth=True, token=make_token())
    assert s.auth is None
    assert s.auth_source == "force_noauth"


def test_token_argument_beats_basic_and_environment(make_token, monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", "from-env")
    path = make_token()
    s = Session(URL, token=path, username="albert", password=SECRET)
    assert isinstance(s.auth, TokenFileAuth)
    assert s.auth.token == path.read_text().strip()


def test_token_argument_accepts_pathlike(make_token):
    path = make_token()
    assert isinstance(path, Path)
    assert Session(URL, token=path).auth.path == str(path)


def test_basic_auth_compares_equal_to_tuple(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", "from-env")
    s = Session(URL, username="albert", password=SECRET)
    assert s.auth == ("albert", SECRET)
    user, password = s.auth
    assert (user, password) == ("albert", SECRET)
    assert s.auth_source == "username/password arguments"
    assert SECRET not in repr(s.auth)
    assert SECRET not in repr(s)


def test_bearer_token_variable_is_the_token(monkeypatch, env):
    monkeypatch.setenv("BEARER_TOKEN", "  opaque-token\n")
    env.write_runtime_token("other")
    s = Session(URL)
    assert isinstance(s.auth, BearerTokenAuth)
    assert s.auth.token == "opaque-token"
    assert s.auth_source == "BEARER_TOKEN"


def test_empty_bearer_token_variable_is_ignored(monkeypatch, env):
    monkeypatch.setenv("BEARER_TOKEN", "   ")
    path = env.write_runtime_token("runtime-token")
    s = Session(URL)
    assert s.auth.token == "runtime-token"
    assert s.auth_source == f"XDG_RUNTIME_DIR ({path})"


def test_bearer_token_file_variable(monkeypatch, env, make_token):
    path = make_token()
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(path))
    env.write_runtime_token("other")
    s = Session(URL)
    assert s.auth.path == str(path)
    assert s.auth_source == f"BEARER_TOKEN_FILE ({path})"


def test_unreadable_bearer_token_file_falls_through(monkeypatch, env, tmp_path):
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(tmp_path / "missing"))
    env.write_tmp_token("tmp-token")
    s = Session(URL)
    assert s.auth.token == "tmp-token"
    reasons = {a.source: a.reason for a in s.auth_discovery.attempts}
    assert reasons["BEARER_TOKEN_FILE"] == "no such file"
    assert reasons["XDG_RUNTIME_DIR"] == "no such file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_permission_denied_token_file_is_skipped(env):
    path = env.write_runtime_token("x")
    path.chmod(0)
    s = Session(URL)
    assert s.auth is None
    reasons = {a.source: a.reason for a in s.auth_discovery.attempts}
    assert "not readable" in reasons["XDG_RUNTIME_DIR"]


def test_netrc_matches_real_hostname(env):
    env.write_netrc(
        f"machine evil.example.org login mallory password bad\n"
        f"machine gracedb.example.org login albert password {SECRET}\n"
    )
    s = Session("https://user@gracedb.example.org:8443/api/")
    assert s.auth == ("albert", SECRET)
    assert s.auth_source == f"netrc ({env.home / '.netrc'})"


def test_netrc_variable_overrides_home(env, tmp_path, monkeypatch):
    env.write_netrc("machine gracedb.example.org login home password a\n")
    other = tmp_path / "other-netrc"
    other.write_text("machine gracedb.example.org login other password b\n")
    other.chmod(0o600)
    monkeypatch.setenv("NETRC", str(other))
    assert Session(URL).auth == ("other", "b")


def test_netrc_default_entry_is_not_used(env):
    env.write_netrc(f"default login albert password {SECRET}\n")
    s = Session(URL)
    assert s.auth is None
    assert s.auth_source is None


def test_netrc_without_url_is_not_consulted(env):
    env.write_netrc(f"machine gracedb.example.org login albert password {SECRET}\n")
    assert Session().auth is None


def test_world_readable_netrc_warns_naming_file(env):
    path = env.write_netrc(
        f"machine gracedb.example.org login albert password {SECRET}\n", mode=0o644
    )
    with pytest.warns(CredentialWarning, match="too permissive") as record:
        s = Session(URL)
    assert str(path) in str(record[0].message)
    assert s.auth is None


def test_malformed_netrc_warns_without_echoing_content(env):
    env.write_netrc(f"machine gracedb.example.org login albert {SECRET}\n")
    with pytest.warns(CredentialWarning, match="malformed") as record:
        Session(URL)
    assert SECRET not in str(record[0].message)


def test_fail_if_noauth_lists_what_was_looked_for(env):
    with pytest.raises(NoCredentialsError) as info:
        Session(URL, fail_if_noauth=True)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    for name in ("BEARER_TOKEN", "BEARER_TOKEN_FILE", "XDG_RUNTIME_DIR", "netrc"):
        assert name in message


def test_no_credentials_lists_each_source_on_its_line_and_one_next_step(
    env, monkeypatch, tmp_path
):
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(tmp_path / "tokn"))
    with pytest.raises(NoCredentialsError) as info:
        Session(URL, fail_if_noauth=True)
    lines = str(info.value).splitlines()
    assert lines[:2] == [
        "no authentication credentials found.",
        "Looked at, in discovery order:",
    ]
    assert f"  BEARER_TOKEN_FILE ({tmp_path / 'tokn'}): no such file" in lines
    assert "  netrc (" in "\n".join(lines)
    assert lines[-1] == "Next: correct the path in BEARER_TOKEN_FILE, or unset it"
    monkeypatch.delenv("BEARER_TOKEN_FILE")
    with pytest.raises(NoCredentialsError) as info:
        Session(URL, fail_if_noauth=True)
    assert str(info.value).splitlines()[-1] == (
        'Next: get a credential for the service: see "Getting a credential" in '
        "the documentation"
    )


def test_fail_if_noauth_passes_when_found(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", "tok")
    assert Session(URL, fail_if_noauth=True).auth_source == "BEARER_TOKEN"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"force_noauth": True, "fail_if_noauth": True}, "force_noauth"),
        ({"username": "albert"}, "username and password"),
        ({"password": SECRET}, "username and password"),
    ],
)
def test_conflicting_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match) as info:
        Session(URL, **kwargs)
    assert SECRET not in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"token": 42}, "token"),
        ({"token": True}, "token=True: no bearer token found"),
        ({"cert": True}, "cert=True: no X.509 certificate found"),
        ({"username": 1, "password": "x"}, "username"),
        ({"auth_reload_timeout": "5"}, "auth_reload_timeout"),
        ({"auth_reload_timeout": -1}, "auth_reload_timeout"),
    ],
)
def test_bad_argument_types_name_the_argument(kwargs, name):
    with pytest.raises((TypeError, ValueError), match=name):
        Session(URL, **kwargs)


def test_explicit_missing_token_file_names_it(tmp_path):
    path = tmp_path / "nope"
    with pytest.raises(FileNotFoundError) as info:
        Session(URL, token=path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b"abc\x00def", "control"),
        (b"abc\ndef", "white space"),
        (b"\xff\xfe", "UTF-8"),
    ],
)
def test_bad_token_file_content_names_file_not_content(tmp_path, content, problem):
    path = tmp_path / "token"
    path.write_bytes(content)
    with pytest.raises(CredentialError, match=problem) as info:
        Session(URL, token=path)
    assert str(path) in str(info.value)
    if content.strip():
        assert content.decode("latin-1") not in str(info.value)


def test_auth_reload_selects_reloading_auth(make_token):
    s = Session(URL, token=make_token(), auth_reload=True, auth_reload_timeout=60)
    assert isinstance(s.auth, ReloadingTokenFileAuth)
    assert s.auth.reload_timeout == 60


def test_discovered_file_honours_auth_reload(env):
    env.write_runtime_token(make_jwt())
    assert isinstance(Session(URL, auth_reload=True).auth, ReloadingTokenFileAuth)


def test_no_secret_in_debug_logs(monkeypatch, env, caplog, make_token):
    token = make_jwt({"sub": "albert"})
    monkeypatch.setenv("BEARER_TOKEN", token)
    with caplog.at_level(logging.DEBUG, logger="requests_gracedb_like"):
        s = Session(URL)
        Session(URL, username="albert", password=SECRET)
    assert "BEARER_TOKEN" in caplog.text
    assert token not in caplog.text
    assert SECRET not in caplog.text
    assert token not in repr(s) + repr(s.auth) + str(s.auth)
    assert token not in repr(s.auth_discovery)


def test_pickle_keeps_auth_and_source(make_token):
    path = make_token()
    s = Session(URL, token=path, auth_reload=True)
    clone = pickle.loads(pickle.dumps(s))
    assert clone.auth == s.auth
    assert clone.auth_source == s.auth_source
    assert clone.auth_discovery.attempts == s.auth_discovery.attempts


def test_basic_auth_pickles():
    s = Session(URL, username="albert", password=SECRET)
    clone = pickle.loads(pickle.dumps(s))
    assert clone.auth == ("albert", SECRET)
    assert isinstance(clone.auth, BasicAuth)


# -- igwn-auth-utils token sources --------------------------------------------


def test_scitoken_variable_is_the_token(monkeypatch, env):
    token = make_jwt({"sub": "albert"})
    monkeypatch.setenv("SCITOKEN", token)
    env.write_runtime_token("other")
    s = Session(URL)
    assert s.auth.token == token
    assert s.auth_source == "SCITOKEN"


def test_scitoken_file_variable(monkeypatch, env, make_token):
    path = make_token()
    monkeypatch.setenv("SCITOKEN_FILE", str(path))
    env.write_runtime_token("other")
    assert Session(URL).auth_source == f"SCITOKEN_FILE ({path})"


def test_bearer_token_file_beats_scitoken_file(monkeypatch, make_token):
    first, second = make_token(), make_token()
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(first))
    monkeypatch.setenv("SCITOKEN_FILE", str(second))
    assert Session(URL).auth.path == str(first)


def test_condor_creds_first_matching_use_file(monkeypatch, env, tmp_path):
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "a.use").write_text(make_jwt({"aud": "https://other.example"}))
    (creds / "b.use").write_text(make_jwt({"aud": "https://gracedb.example.org"}))
    (creds / "c.top").write_text(make_jwt())
    monkeypatch.setenv("_CONDOR_CREDS", str(creds))
    env.write_runtime_token("other")
    s = Session(URL)
    assert s.auth.path == str(creds / "b.use")
    assert s.auth_source == f"_CONDOR_CREDS ({creds / 'b.use'})"


def test_condor_creds_reports_why_every_file_was_skipped(monkeypatch, tmp_path):
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "a.use").write_text(make_jwt({"aud": "https://other.example"}))
    (creds / "b.use").write_text(make_jwt(lifetime=-5))
    monkeypatch.setenv("_CONDOR_CREDS", str(creds))
    s = Session(URL)
    attempt = {a.source: a for a in s.auth_discovery.attempts}["_CONDOR_CREDS"]
    assert attempt.status == "wrong audience"
    assert "a.use: aud: wanted" in attempt.reason
    assert "b.use: exp: wanted a time to come" in attempt.reason


def test_condor_creds_missing_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("_CONDOR_CREDS", str(tmp_path / "none"))
    s = Session(URL)
    attempt = {a.source: a for a in s.auth_discovery.attempts}["_CONDOR_CREDS"]
    assert attempt.status == "absent"
    assert s.auth is None


# -- session.auth is None without a header credential; netrc stays out -----


def test_auth_is_none_and_requests_never_adds_netrc(httpserver, env):
    env.write_netrc(f"machine localhost login albert password {SECRET}\n")
    httpserver.expect_request("/").respond_with_data("ok")
    url = httpserver.url_for("/")
    for options in ({"force_noauth": True}, {}):
        with Session(**options) as s:  # no url: netrc is not matched
            assert s.auth is None
            s.get(url)
    assert [r.headers.get("Authorization") for r, _ in httpserver.log] == [None] * 2


def test_mixin_alone_keeps_netrc_out_too(httpserver, env):
    env.write_netrc(f"machine localhost login albert password {SECRET}\n")
    httpserver.expect_request("/").respond_with_data("ok")
    with AuthOnly(force_noauth=True) as s:
        assert s.auth is None
        s.get(httpserver.url_for("/"))
    assert "Authorization" not in httpserver.log[0][0].headers


# -- token=True and cert=True: require one --------------------------------


def test_token_true_finds_a_discovered_token(monkeypatch):
    token = make_jwt({"aud": "https://gracedb.example.org"})
    monkeypatch.setenv("BEARER_TOKEN", token)
    s = Session(URL, token=True)
    assert s.auth.token == token


def test_token_true_is_not_stopped_by_a_cert_argument(monkeypatch, pki):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"aud": "ANY"}))
    cert = pki.client("albert")
    s = Session(URL, token=True, cert=cert)
    assert isinstance(s.auth, BearerTokenAuth)
    assert s.auth_source == f"cert argument ({cert}) + BEARER_TOKEN"


def test_token_true_without_token_names_what_was_looked_at(env):
    env.write_netrc(f"machine gracedb.example.org login albert password {SECRET}\n")
    with pytest.raises(NoCredentialsError) as info:
        Session(URL, token=True)
    message = str(info.value)
    assert message.startswith("token=True: no bearer token found.\nLooked at, ")
    for source in ("BEARER_TOKEN", "SCITOKEN_FILE", "_CONDOR_CREDS", "/tmp"):
        assert source in message
    assert SECRET not in message


def test_cert_true_without_certificate_names_what_was_looked_at():
    with pytest.raises(NoCredentialsError, match=r"(?s)cert=True: .*X509_USER_PROXY"):
        Session(URL, cert=True)


def test_cert_true_finds_the_proxy(env, pki):
    proxy = env.write_tmp_proxy(pki.pem("albert"))
    assert Session(URL, cert=True).cert == str(proxy)


# -- per-request token claims ---------------------------------------------


def test_per_request_scope_chooses_another_token(httpserver, scoped_tokens):
    read, write = scoped_tokens
    httpserver.expect_request("/").respond_with_data("ok")
    url = httpserver.url_for("/")
    with Session(url) as s:
        s.get(url)
        s.post(url, token_scope="write:/")
        s.post(url, token_scope="admin:/")  # no token has it: none is sent
        s.get(url)
    sent = [r.headers.get("Authorization") for r, _ in httpserver.log]
    assert sent == [f"Bearer {read}", f"Bearer {write}", None, f"Bearer {read}"]


def test_per_request_audience_on_a_given_token_file_is_checked(make_token):
    path = make_token({"aud": "https://gracedb.example.org"})
    s = Session(URL, token=path)
    with pytest.raises(CredentialError, match="audience"):
        s.get(URL, token_audience="https://other.example.org")


# --- 401 and 403 errors explain the credential ------------------------------


def test_a_401_says_which_token_was_skipped_and_why(service, tmp_path, monkeypatch):
    path = service.write_token(tmp_path / "token", {"sub": "albert"}, lifetime=-120)
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(path))
    with Session(service.url) as s, pytest.raises(Unauthorized) as info:
        s.get("api/")
    first, *note = str(info.value).splitlines()
    assert first.startswith(f"GET {service.url_for('api/')} -> 401 Unauthorized")
    assert note[0] == "No credential was sent. Skipped:"
    # in the words of the auth report
    assert (
        f"  BEARER_TOKEN_FILE ({path}): expired: exp: wanted a time to come"
        in (note[1])
    )
    assert note[1].strip() in str(s.describe_auth())
    assert note[-1] == (
        'Next: get a new token: see "Getting a credential" in the documentation'
    )
    assert path.read_text().strip() not in str(info.value)


def test_a_401_names_the_credential_sent(service, tmp_path):
    stale = tmp_path / "stale"
    stale.write_text("not-issued-by-the-service\n")
    stale.chmod(0o600)
    with Session(service.url, token=stale) as s, pytest.raises(Unauthorized) as info:
        s.get("api/")
    lines = str(info.value).splitlines()
    assert lines[1] == f"Sent: the credential from token argument ({stale})."
    assert lines[2].startswith("Next: the service did not accept it")
    assert "not-issued-by-the-service" not in str(info.value)


def test_a_401_with_a_credential_of_the_request_adds_nothing(service):
    with Session(service.url) as s, pytest.raises(Unauthorized) as info:
        s.get("api/", headers={"Authorization": "Bearer mine"})
    assert "\n" not in str(info.value)
    assert "mine" not in str(info.value)


def test_a_401_with_force_noauth_says_so(service):
    with (
        Session(service.url, force_noauth=True) as s,
        pytest.raises(Unauthorized) as info,
    ):
        s.get("api/")
    assert str(info.value).splitlines()[1:] == [
        "No credential was sent (force_noauth=True).",
        "Next: leave out force_noauth to send the discovered credential",
    ]
