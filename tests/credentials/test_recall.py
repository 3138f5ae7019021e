"""A session made again in the same environment reuses the last discovery
walk (credentials/recall.py); every change to what the walk looked at is
seen by the next session."""

from __future__ import annotations

import logging
import os
import time
import warnings

import pytest
import time_machine

from requests_gracedb_like import Session
from requests_gracedb_like.credentials import recall

URL = "https://gracedb.example.org/api/"


@pytest.fixture(autouse=True)
def _fresh_memory():
    recall.forget()
    yield
    recall.forget()


def _report(session):
    return [(a.source, a.found, a.reason) for a in session.auth_discovery.attempts]


def test_second_session_gives_the_same_report_with_its_own_credential(env, make_token):
    env.write_runtime_token(make_token().read_text())
    first, second = Session(URL), Session(URL)
    assert second.auth_source == first.auth_source
    assert second.auth_source.startswith("XDG_RUNTIME_DIR")
    assert _report(second) == _report(first)
    # Each session has credential objects of its own, equal in value.
    assert second.auth is not first.auth
    assert second.auth == first.auth
    assert str(second.describe_auth()) == str(first.describe_auth())


def _set_bearer_token(env, monkeypatch, make_token):
    monkeypatch.setenv("BEARER_TOKEN", make_token().read_text().strip())
    return "BEARER_TOKEN"


def _set_token_file_variable(env, monkeypatch, make_token):
    monkeypatch.setenv("SCITOKEN_FILE", str(make_token()))
    return "SCITOKEN_FILE"


def _point_runtime_dir_elsewhere(env, monkeypatch, make_token):
    other = env.home / "run"
    other.mkdir()
    make_token(path=other / f"bt_u{env.uid}")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(other))
    return f"XDG_RUNTIME_DIR ({other}"


def _remove_winner(env, monkeypatch, make_token):
    (env.runtime_dir / f"bt_u{env.uid}").unlink()
    env.write_tmp_token(make_token().read_text())
    return "/tmp"


def _configure_oidc_login(env, monkeypatch, make_token):
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_ISSUER", "https://idp.example.org")
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_ID", "cli")
    return None  # not logged in: the report says so


@pytest.mark.parametrize(
    "change",
    [
        _set_bearer_token,
        _set_token_file_variable,
        _point_runtime_dir_elsewhere,
        _remove_winner,
        _configure_oidc_login,
    ],
)
def test_a_changed_header_source_is_seen_by_the_next_session(
    env, monkeypatch, make_token, change
):
    env.write_runtime_token(make_token().read_text())
    before = Session(URL)
    assert before.auth_source.startswith("XDG_RUNTIME_DIR")
    expected = change(env, monkeypatch, make_token)
    after = Session(URL)
    if expected is None:
        oidc = next(
            a for a in after.auth_discovery.attempts if a.source == "OIDC login"
        )
        assert "not logged in to https://idp.example.org" in oidc.reason
    else:
        assert after.auth_source.startswith(expected)


def test_a_new_certificate_is_seen_by_the_next_session(env, make_token, pki):
    env.write_runtime_token(make_token().read_text())
    assert Session(URL).cert is None
    env.write_tmp_proxy(pki.pem("proxy"))
    assert Session(URL).cert == str(env.tmp_dir / f"x509up_u{env.uid}")


def test_a_new_home_is_seen_by_the_next_session(env, make_token, pki, monkeypatch):
    env.write_runtime_token(make_token().read_text())
    assert Session(URL).cert is None
    other = env.home / "other-home"
    (other / ".globus").mkdir(parents=True)
    cert, key = other / ".globus" / "usercert.pem", other / ".globus" / "userkey.pem"
    pem = pki.pem("globus")
    cert.write_bytes(pem)
    key.write_bytes(pem)
    key.chmod(0o600)
    monkeypatch.setenv("HOME", str(other))
    assert Session(URL).cert == (str(cert), str(key))


def test_a_new_netrc_entry_is_seen_by_the_next_session(env):
    assert Session(URL).auth is None
    env.write_netrc("machine gracedb.example.org login albert password pw\n")
    assert Session(URL).auth_source == f"netrc ({env.home / '.netrc'})"


def test_environment_replaced_by_a_plain_dict_is_still_read(env, monkeypatch):
    assert Session(URL).auth is None
    replaced = dict(os.environ, BEARER_TOKEN="opaque-token")
    monkeypatch.setattr(os, "environ", replaced)
    assert Session(URL).auth_source == "BEARER_TOKEN"
    replaced.pop("BEARER_TOKEN")
    assert Session(URL).auth is None


def test_a_token_that_expired_since_is_not_reused(env, make_token):
    path = make_token(lifetime=600)
    env.write_runtime_token(path.read_text())
    with time_machine.travel(os.path.getmtime(path) + 10, tick=False):
        assert Session(URL).auth_source.startswith("XDG_RUNTIME_DIR")
    with time_machine.travel(os.path.getmtime(path) + 3600, tick=False):
        later = Session(URL)
    assert later.auth is None
    xdg = next(
        a for a in later.auth_discovery.attempts if a.source == "XDG_RUNTIME_DIR"
    )
    assert xdg.status == "expired"


def test_a_token_argument_rewritten_with_other_claims_fails_again(env, make_token):
    from requests_gracedb_like.exceptions import CredentialError

    path = make_token({"scope": "gracedb.read"})
    Session(URL, token=path, token_scope="gracedb.read")
    make_token({"scope": "other.write"}, path=path)
    with pytest.raises(CredentialError, match="scope"):
        Session(URL, token=path, token_scope="gracedb.read")


def test_every_session_warns_about_a_readable_token_file(env, make_token):
    path = env.write_runtime_token(make_token().read_text())
    path.chmod(0o644)
    for _ in range(2):
        with pytest.warns(UserWarning, match="bt_u"):
            Session(URL)


def test_debug_logging_shows_every_source_each_time(env, make_token, caplog):
    env.write_runtime_token(make_token().read_text())
    Session(URL)
    with caplog.at_level(logging.DEBUG, logger="requests_gracedb_like"):
        Session(URL)
    looked = [
        r.getMessage() for r in caplog.records if "credential source" in r.getMessage()
    ]
    assert any("BEARER_TOKEN" in m for m in looked)
    assert any("~/.globus" in m for m in looked)


def test_secrets_are_not_remembered(env, monkeypatch, make_token):
    Session(URL, api_key="key-secret-1")
    Session(URL, username="albert", password="pw-secret-2")
    used = make_token().read_text().strip()
    monkeypatch.setenv("BEARER_TOKEN", used)
    Session(URL)
    expired = make_token(lifetime=-10).read_text().strip()
    monkeypatch.setenv("BEARER_TOKEN", expired)
    Session(URL)
    monkeypatch.delenv("BEARER_TOKEN")
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_ISSUER", "https://idp.example.org")
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_ID", "cli")
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_SECRET", "client-secret-3")
    Session(URL)
    remembered = repr(
        [(k, r.plan, r.variables, r._encoded) for k, r in recall._WALKS.items()]
    )
    assert recall._WALKS  # the walks without a secret are remembered
    for secret in ("key-secret-1", "pw-secret-2", used, expired, "client-secret-3"):
        assert secret not in remembered


def test_two_threads_making_sessions_agree(env, make_token):
    import threading

    env.write_runtime_token(make_token().read_text())
    sources, errors = [], []

    def make():
        try:
            for _ in range(50):
                sources.append(Session(URL).auth_source)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=make) for _ in range(4)]
    with warnings.catch_warnings():
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    assert len(set(sources)) == 1
    assert len(sources) == 200


def test_a_walk_over_other_sources_is_not_taken_for_another(env, make_token):
    """A list of sources changed in place, or another list, is walked
    afresh: a walk is remembered for the very sources it asked."""
    from requests_gracedb_like.credentials.discovery import discover
    from requests_gracedb_like.credentials.records import Request
    from requests_gracedb_like.credentials.sources import SOURCES

    env.write_runtime_token(make_token().read_text())
    request = Request(url=URL)
    sources = list(SOURCES[:5])
    assert len(discover(request, sources).attempts) == 5
    sources.extend(SOURCES[5:12])
    found = discover(request, sources)
    assert [a.source for a in found.attempts][-1] == "XDG_RUNTIME_DIR"
    assert found.auth is not None
    for cut in (12, 5, 12, 5):
        assert len(discover(request, tuple(SOURCES[:cut])).attempts) == cut


# -- a token file checked for an earlier session ----------------------------


@pytest.fixture
def counted_checks(monkeypatch):
    """Count token-file reads and claim checks."""
    from requests_gracedb_like.credentials import bearer, claims

    counts = {"reads": 0, "claim checks": 0}
    read, mismatch = bearer._read_token_file, claims.ClaimRequirements.mismatch

    def counting_read(name):
        counts["reads"] += 1
        return read(name)

    def counting_mismatch(self, found):
        counts["claim checks"] += 1
        return mismatch(self, found)

    monkeypatch.setattr(bearer, "_read_token_file", counting_read)
    monkeypatch.setattr(claims.ClaimRequirements, "mismatch", counting_mismatch)
    return counts


def _settled():
    """A clock past the time a file just written counts as settled."""
    return time_machine.travel(time.time() + 10, tick=False)


def test_an_unchanged_token_file_is_not_read_or_checked_again(
    env, make_token, counted_checks
):
    env.write_runtime_token(make_token().read_text())
    with _settled():
        first = Session(URL)
        assert counted_checks == {"reads": 1, "claim checks": 1}
        second, third = Session(URL), Session(URL)
    assert counted_checks == {"reads": 1, "claim checks": 1}
    assert first.auth_source == second.auth_source == third.auth_source
    assert _report(third) == _report(first)
    # Each session has a credential of its own, with claims of its own.
    assert len({id(s.auth) for s in (first, second, third)}) == 3
    assert second.auth == first.auth
    second.auth.claims["changed"] = True
    assert "changed" not in third.auth.claims
    assert "changed" not in first.auth.claims


def _rewrite_for_another_audience(path, make_token):
    make_token({"aud": "https://other.example.org"}, path=path)
    return "wrong audience"


def _rewrite_expired(path, make_token):
    make_token(lifetime=-30, path=path)
    return "expired"


def _open_to_others(path, make_token):
    path.chmod(0o644)
    return "used, with a warning"


def _replace_by_a_link(path, make_token):
    target = make_token(path=path.with_name("elsewhere"))
    path.unlink()
    path.symlink_to(target)
    return "used through the link"


@pytest.mark.parametrize(
    "change",
    [
        _rewrite_for_another_audience,
        _rewrite_expired,
        _open_to_others,
        _replace_by_a_link,
    ],
)
def test_a_changed_token_file_is_looked_at_again(env, make_token, change):
    path = env.write_runtime_token(make_token().read_text())
    with _settled():
        assert Session(URL).auth_source.startswith("XDG_RUNTIME_DIR")
        outcome = change(path, make_token)
    with _settled(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        after = Session(URL)
    xdg = next(
        a for a in after.auth_discovery.attempts if a.source == "XDG_RUNTIME_DIR"
    )
    if outcome.startswith("used"):
        assert xdg.found
        assert after.auth.token == path.read_text().strip()
        assert bool(caught) == ("warning" in outcome)
    else:
        assert not xdg.found
        assert xdg.status == outcome
        assert after.auth is None


def test_a_checked_token_is_not_taken_once_too_close_to_expiry(env, make_token):
    path = make_token(lifetime=600)
    env.write_runtime_token(path.read_text())
    written = os.path.getmtime(path)
    with time_machine.travel(written + 10, tick=False):
        assert Session(URL).auth_source.startswith("XDG_RUNTIME_DIR")
    # 50 s left: less than the 60 s the default margin asks for.
    with time_machine.travel(written + 550, tick=False):
        later = Session(URL)
        relaxed = Session(URL, token_expiry_margin=10)
    xdg = next(
        a for a in later.auth_discovery.attempts if a.source == "XDG_RUNTIME_DIR"
    )
    assert (later.auth, xdg.status) == (None, "expired")
    assert "wanted at least 60 s left" in xdg.reason
    assert relaxed.auth_source.startswith("XDG_RUNTIME_DIR")


def test_other_requirements_check_the_token_again(env, make_token):
    env.write_runtime_token(make_token({"scope": "gracedb.read"}).read_text())
    with _settled():
        assert Session(URL, token_scope="gracedb.read").auth is not None
        other = Session(URL, token_scope="gracedb.write")
    xdg = next(
        a for a in other.auth_discovery.attempts if a.source == "XDG_RUNTIME_DIR"
    )
    assert (other.auth, xdg.status) == (None, "wrong scope")


def test_reloading_sessions_each_read_the_token_file(env, make_token, counted_checks):
    from requests_gracedb_like.credentials.bearer import ReloadingTokenFileAuth

    env.write_runtime_token(make_token().read_text())
    with _settled():
        sessions = [Session(URL, auth_reload=True) for _ in range(2)]
    assert all(type(s.auth) is ReloadingTokenFileAuth for s in sessions)
    assert sessions[0].auth is not sessions[1].auth
    assert counted_checks["claim checks"] == 2


# -- sessions with the same arguments ---------------------------------------


def test_sessions_with_equal_arguments_share_their_request(env):
    first = Session(URL, token_scope="gracedb.read")
    second = Session(URL, token_scope="gracedb.read")
    assert second._auth_request is first._auth_request
    assert Session(URL)._auth_request is not first._auth_request
    # A list of names is not hashable: an equal request of its own.
    listed = [Session(URL, token_scope=["gracedb.read"]) for _ in range(2)]
    assert listed[0]._auth_request is not listed[1]._auth_request
    assert listed[0]._auth_request.arguments == listed[1]._auth_request.arguments


def test_an_argument_equal_to_an_accepted_one_is_still_checked(env):
    Session(URL, token_expiry_margin=1)
    Session(URL, auth_reload_timeout=0)
    with pytest.raises(TypeError, match="token_expiry_margin"):
        Session(URL, token_expiry_margin=True)
    with pytest.raises(TypeError, match="auth_reload_timeout"):
        Session(URL, auth_reload_timeout=False)


def test_requests_with_a_secret_are_not_shared(env):
    from requests_gracedb_like.credentials import records

    a = Session(URL, api_key="key-secret-1")
    b = Session(URL, api_key="key-secret-1")
    c = Session(URL, username="albert", password="pw-secret-2")
    assert a._auth_request is not b._auth_request
    assert c._auth_request is not Session(URL, username="albert", password="pw")
    remembered = repr(list(records._SHARED_REQUESTS))
    assert "key-secret-1" not in remembered
    assert "pw-secret-2" not in remembered


# -- whether a file exists ---------------------------------------------------


def _paths(tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "link").symlink_to(tmp_path / "file")
    os.mkfifo(tmp_path / "fifo")
    return [
        str(tmp_path / name)
        for name in ("file", "dir", "dangling", "loop", "link", "fifo", "missing")
    ] + [
        str(tmp_path / "file" / "below"),
        str(tmp_path) + "/nul\0byte",
        "",
        "/dev/null",
    ]


def test_exists_answers_as_os_path_exists(tmp_path):
    for path in _paths(tmp_path):
        assert recall.exists(path) is os.path.exists(path), path


def test_a_token_checked_for_arguments_with_a_secret_is_not_remembered(env, make_token):
    """Discovery looks for no token beside a password; should a source be
    asked all the same, what it remembers holds no secret."""
    from requests_gracedb_like.credentials import sources
    from requests_gracedb_like.credentials.records import Request

    path = env.write_runtime_token(make_token().read_text())
    request = Request(url=URL, username="albert", password="pw-secret-4")
    with _settled():
        for _ in range(2):
            found = sources._discovered_token_file(
                "XDG_RUNTIME_DIR", str(path), request
            )
            assert found.found
    assert "pw-secret-4" not in repr(list(sources._CHECKED_FILES))


def test_what_one_session_does_to_its_token_is_not_the_next_ones(env, make_token):
    first_token = make_token().read_text().strip()
    env.write_runtime_token(first_token)
    with _settled():
        first = Session(URL)
        first.auth._set_token(make_token({"sub": "someone-else"}).read_text().strip())
        first.auth.claims["changed"] = True
        second = Session(URL)
    assert second.auth.token == first_token
    assert "changed" not in second.auth.claims
