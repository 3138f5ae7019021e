"""Scoped tokens: a discovered token is used exactly when its claims fit
(WLCG Common JWT Profile, SciTokens); the report says why one was not."""

from __future__ import annotations

import pickle

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from requests_gracedb_like import Session
from requests_gracedb_like.cli.auth import auth_report
from requests_gracedb_like.credentials.claims import (
    ClaimRequirements,
    default_audience,
    time_mismatch,
)
from requests_gracedb_like.credentials.records import (
    EXPIRED,
    MALFORMED,
    NOT_YET_VALID,
    UNSUPPORTED,
    WRONG_AUDIENCE,
    WRONG_ISSUER,
    WRONG_SCOPE,
)
from requests_gracedb_like.exceptions import CredentialError
from requests_gracedb_like.testing import make_jwt

URL = "https://gracedb.example.org/api/"
AUD = "https://gracedb.example.org"
T0 = 1_900_000_000


def statuses(session):
    return {a.source: a.status for a in session.auth_discovery.attempts}


def reasons(session):
    return {a.source: a.reason for a in session.auth_discovery.attempts}


def test_token_for_another_audience_is_skipped(env, make_token, monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(make_token({"aud": "https://other"})))
    right = env.write_runtime_token(make_jwt({"aud": AUD}))
    s = Session(URL)
    assert s.auth.path == str(right)
    assert statuses(s)["BEARER_TOKEN_FILE"] == WRONG_AUDIENCE
    assert reasons(s)["BEARER_TOKEN_FILE"] == (
        f'aud: wanted "{AUD}", token has "https://other"'
    )


@pytest.mark.parametrize(
    "aud",
    [
        AUD,
        [AUD, "x"],
        ["https://other", AUD],
        "ANY",
        ["https://wlcg.cern.ch/jwt/v1/any"],
        [AUD, 5],  # odd elements are ignored, as scitokens ignores them
    ],
)
def test_default_audience_matches(monkeypatch, aud):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"aud": aud}))
    assert Session(URL).auth_source == "BEARER_TOKEN"


@pytest.mark.parametrize(
    ("aud", "url"),
    [
        (AUD + "/", URL),  # WLCG 2.1.1: compared exactly
        ("https://GraceDB.example.org", URL),  # ... and case-sensitively
        (AUD + ":443", URL),
        (AUD + ":443", "https://gracedb.example.org:443/api/"),  # default port
        ("http://gracedb.example.org", URL),
        ("any", URL),
        ([], URL),
        ("", URL),
    ],
)
def test_audience_is_compared_exactly(monkeypatch, aud, url):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"aud": aud}))
    s = Session(url)
    assert s.auth is None
    assert statuses(s)["BEARER_TOKEN"] == WRONG_AUDIENCE


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://gracedb.example.org/api/", (AUD,)),
        ("https://gracedb.example.org:443/api/", (AUD,)),
        ("HTTPS://GraceDB.Example.ORG/api/", (AUD,)),
        ("http://h.example:80/", ("http://h.example",)),
        ("https://h.example:8443/", ("https://h.example:8443", "https://h.example")),
        ("https://[::1]:8443/", ("https://[::1]:8443", "https://[::1]")),
        ("not a url", ()),
        (None, ()),
    ],
)
def test_default_audience(url, expected):
    assert default_audience(url) == expected


def test_token_for_a_non_default_port(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"aud": "https://h.example:8443"}))
    assert Session("https://h.example:8443/api/").auth_source == "BEARER_TOKEN"
    assert Session("https://h.example/api/").auth is None


def test_token_without_audience_matches(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"sub": "albert"}))
    assert Session(URL).auth_source == "BEARER_TOKEN"


@pytest.mark.parametrize(
    "claims", [{"ver": "scitoken:2.0"}, {"wlcg.ver": "1.0"}], ids=["scitoken", "wlcg"]
)
def test_profile_that_requires_an_audience(monkeypatch, claims):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt(claims))
    s = Session(URL)
    assert statuses(s)["BEARER_TOKEN"] == WRONG_AUDIENCE
    assert reasons(s)["BEARER_TOKEN"] == (
        "aud: wanted the aud its profile requires, token has none"
    )


def test_explicit_audience_replaces_the_default(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"aud": AUD}))
    s = Session(URL, token_audience="https://elsewhere")
    assert s.auth is None
    s = Session(URL, token_audience=["https://elsewhere", AUD])
    assert s.auth_source == "BEARER_TOKEN"
    assert Session(URL, token_audience=AUD + "/").auth is None


def test_requested_any_is_met_by_an_any_token_only(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"aud": "ANY"}))
    assert Session(URL, token_audience="ANY").auth_source == "BEARER_TOKEN"
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"aud": AUD}))
    assert Session(URL, token_audience="ANY").auth is None


def test_scope_must_be_granted(env, monkeypatch, make_token):
    monkeypatch.setenv(
        "BEARER_TOKEN_FILE", str(make_token({"scope": "gracedb.read openid"}))
    )
    env.write_runtime_token(make_jwt({"scope": "gracedb.read gracedb.write"}))
    s = Session(URL, token_scope="gracedb.write")
    assert s.auth_source.startswith("XDG_RUNTIME_DIR")
    assert statuses(s)["BEARER_TOKEN_FILE"] == WRONG_SCOPE
    assert reasons(s)["BEARER_TOKEN_FILE"] == (
        'scope: wanted "gracedb.write", token has "gracedb.read openid"'
    )


@pytest.mark.parametrize(
    ("granted", "wanted", "ok"),
    [
        ("read:/", "read:/frames/O4", True),
        ("read:/frames", "read:/frames/O4", True),
        ("read:/frames", "read:/framesX", False),
        ("read:/frames", "write:/frames", False),
        ("a b", ["a", "b"], True),
        ("a", "a b", False),
        ("gracedb.read:/", "gracedb.read", True),
        ("storage.read:/", "storage.read", True),
        ("compute.create", "compute.create:/jobs", True),
        ("read:/frames/O3", "read:/frames//O3", True),
        ("read:/frames", "read:/frames/../secret", False),
        ("read:/frames/", "read:/frames", False),
        ("gracedb.read  read:/frames", "read:/frames", True),
        ("gracedb.read\tread:/frames", "read:/frames", False),  # not a separator
    ],
)
def test_scope_matching(granted, wanted, ok):
    need = ClaimRequirements.from_arguments(None, scope=wanted)
    assert (need.mismatch({"scope": granted}) is None) is ok


@pytest.mark.parametrize(
    ("claims", "what", "shown"),
    [
        ({"scope": "read:/frames storage.read"}, "malformed", '"storage.read"'),
        ({"scope": "read:"}, "malformed", '"read:"'),
        ({"scope": "read:frames"}, "malformed", '"read:frames"'),
        ({"scope": "storage.read"}, "malformed", '"storage.read"'),
        ({"scope": ["read:/frames"]}, "malformed", '["read:/frames"]'),
        ({"scope": ""}, "scope", '""'),
        ({"sub": "x"}, "scope", "none"),
        ({"scope": "Read:/frames"}, "scope", '"Read:/frames"'),
    ],
)
def test_scope_mismatch_says_what_the_token_has(claims, what, shown):
    need = ClaimRequirements.from_arguments(None, scope="read:/frames")
    wrong = need.mismatch(claims)
    assert (wrong.what, wrong.had) == (what, shown)


def test_older_scp_claim_is_read_without_scope():
    need = ClaimRequirements.from_arguments(None, scope="read:/frames/O4")
    assert need.mismatch({"scp": ["read:/frames"]}) is None
    assert need.mismatch({"scp": "read:/frames"}) is None
    assert need.mismatch({"scope": "write:/", "scp": ["read:/"]}).what == "scope"


def test_scope_claim_is_not_read_when_no_scope_is_asked():
    need = ClaimRequirements.from_arguments(None)
    assert need.mismatch({"scope": "storage.read read:/frames"}) is None


@pytest.mark.parametrize(
    ("scope", "wanted"),
    [
        ("gracedb.read read", "gracedb.read"),
        ("gracedb.read read", "read"),
        ("gracedb.read read", "read:/frames/O4"),
        ("read gracedb.read", "read:/"),
        ("write", "write:/events"),
    ],
)
def test_a_bare_read_or_write_grant_means_the_whole_tree(monkeypatch, scope, wanted):
    # SciTokens Claims and Scopes Language: for read and write, a path not
    # given "may be assumed to be /".
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"aud": AUD, "scope": scope}))
    s = Session(URL, token_scope=wanted)
    assert s.auth_source == "BEARER_TOKEN"
    assert statuses(s)["BEARER_TOKEN"] != MALFORMED


def test_a_bare_read_grant_does_not_grant_write(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"aud": AUD, "scope": "read"}))
    s = Session(URL, token_scope="write:/x")
    assert s.auth is None
    assert statuses(s)["BEARER_TOKEN"] == WRONG_SCOPE


@pytest.mark.parametrize(
    ("claims", "claim", "wanted"),
    [
        ({"scope": ["read:/frames"]}, "scope", "a space-separated string"),
        ({"scope": 5}, "scope", "a space-separated string"),
        ({"scp": {"read": "/"}}, "scp", "a string or a list of strings"),
        ({"scp": ["read:/", 5]}, "scp", "a string or a list of strings"),
        # (aud and the times: test_unsupported_or_malformed_profile and
        # test_time_claim_that_is_not_a_number)
    ],
)
def test_a_claim_of_the_wrong_type_skips_the_token_whatever_is_asked(
    monkeypatch, claims, claim, wanted
):
    with time_machine.travel(T0, tick=False):
        monkeypatch.setenv("BEARER_TOKEN", make_jwt({"aud": AUD, **claims}))
        s = Session(URL)
        report = s.describe_auth().text(now=T0)
    assert s.auth is None
    assert statuses(s)["BEARER_TOKEN"] == MALFORMED
    assert reasons(s)["BEARER_TOKEN"].startswith(
        f"{claim}: wanted {wanted}, token has "
    )
    assert f"{claim}: wanted {wanted}" in report


def test_issuer_must_match_exactly(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"iss": "https://issuer.example"}))
    assert Session(URL, token_issuer="https://issuer.example").auth_source
    for asked in ("https://other.example", "https://issuer.example/"):
        s = Session(URL, token_issuer=asked)
        assert statuses(s)["BEARER_TOKEN"] == WRONG_ISSUER
    assert reasons(s)["BEARER_TOKEN"] == (
        'iss: wanted "https://issuer.example/", token has "https://issuer.example"'
    )


@pytest.mark.parametrize(
    ("claims", "asked", "status"),
    [
        ({"iss": ""}, None, MALFORMED),
        ({"iss": 5}, None, MALFORMED),
        ({"sub": "no issuer"}, "https://issuer.example", WRONG_ISSUER),
    ],
)
def test_odd_issuers(monkeypatch, claims, asked, status):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt(claims))
    assert statuses(Session(URL, token_issuer=asked))["BEARER_TOKEN"] == status


def test_token_without_issuer_is_used_when_none_is_asked(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"sub": "albert"}))
    assert Session(URL).auth_source == "BEARER_TOKEN"


@pytest.mark.parametrize(
    ("claims", "status", "reason"),
    [
        ({"ver": "scitoken:3.0"}, UNSUPPORTED, 'ver: wanted 1 or "scitoken:2.0"'),
        ({"wlcg.ver": "2.0"}, UNSUPPORTED, "wlcg.ver: wanted major version 1"),
        ({"wlcg.ver": "one"}, MALFORMED, "wlcg.ver: wanted MAJOR.MINOR"),
        ({"aud": {"a": 1}}, MALFORMED, "aud: wanted a string or a list"),
    ],
)
def test_unsupported_or_malformed_profile(monkeypatch, claims, status, reason):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt(claims))
    s = Session(URL)
    assert statuses(s)["BEARER_TOKEN"] == status
    assert reasons(s)["BEARER_TOKEN"].startswith(reason)


@pytest.mark.parametrize(
    "claims",
    [
        {"ver": 1},
        {"wlcg.ver": "1.0", "aud": AUD},
        {"wlcg.ver": "1.1", "aud": AUD, "wlcg.groups": ["/igwn"]},
        {"group": "cbc", "eduperson_assurance": ["x"]},  # unknown: ignored
    ],
)
def test_known_profiles_and_unknown_claims(monkeypatch, claims):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt(claims))
    assert Session(URL).auth_source == "BEARER_TOKEN"


# -- times ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lifetime", "used"),
    [(3600, True), (61, True), (60, True), (59, False), (1, False), (0, False)],
)
def test_token_needs_the_expiry_margin_left(monkeypatch, lifetime, used):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt(now=T0, lifetime=lifetime))
    with time_machine.travel(T0, tick=False):
        s = Session(URL)
    assert (s.auth_source == "BEARER_TOKEN") is used
    if not used:
        assert statuses(s)["BEARER_TOKEN"] == EXPIRED


def test_expiry_margin_is_a_session_option(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt(now=T0, lifetime=600))
    with time_machine.travel(T0, tick=False):
        assert Session(URL).auth_source == "BEARER_TOKEN"
        s = Session(URL, token_expiry_margin=900)
        assert Session(URL, token_expiry_margin=0).auth_source == "BEARER_TOKEN"
    assert statuses(s)["BEARER_TOKEN"] == EXPIRED
    assert reasons(s)["BEARER_TOKEN"] == (
        "exp: wanted at least 900 s left, token has 600 s left"
    )


def test_expired_discovered_token_is_skipped(env, monkeypatch, make_token):
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(make_token(now=T0, lifetime=-10)))
    fresh = env.write_runtime_token(make_jwt(now=T0))
    with time_machine.travel(T0, tick=False):
        s = Session(URL)
    assert s.auth.path == str(fresh)
    assert statuses(s)["BEARER_TOKEN_FILE"] == EXPIRED
    assert reasons(s)["BEARER_TOKEN_FILE"] == (
        "exp: wanted a time to come, token has 2030-03-17 17:46:30 UTC"
    )


@pytest.mark.parametrize(
    ("claim", "ahead", "used"),
    [
        ("nbf", -10, True),
        ("nbf", 0, True),
        ("nbf", 30, True),  # within the clock-skew leeway
        ("nbf", 60, True),
        ("nbf", 61, False),
        ("iat", 30, True),
        ("iat", 120, False),
    ],
)
def test_token_from_the_future(monkeypatch, claim, ahead, used):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({claim: T0 + ahead}, now=T0))
    with time_machine.travel(T0, tick=False):
        s = Session(URL)
    assert (s.auth_source == "BEARER_TOKEN") is used
    if not used:
        assert statuses(s)["BEARER_TOKEN"] == NOT_YET_VALID
        assert reasons(s)["BEARER_TOKEN"].startswith(
            f"{claim}: wanted at most 60 s ahead of this clock, token has "
        )


@pytest.mark.parametrize("value", ["soon", str(T0 + 600), True, None, [T0 + 600]])
@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
def test_time_claim_that_is_not_a_number(monkeypatch, claim, value):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({claim: value}))
    s = Session(URL)
    assert statuses(s)["BEARER_TOKEN"] == MALFORMED
    assert reasons(s)["BEARER_TOKEN"].startswith(f"{claim}: wanted a number")


def test_time_mismatch_without_claims():
    assert time_mismatch(None, now=T0) is None
    assert time_mismatch({}, now=T0) is None
    assert time_mismatch({"exp": 10**20}, now=T0) is None


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (-1, ValueError),
        (float("inf"), ValueError),
        ("60", TypeError),
        (True, TypeError),
    ],
)
def test_bad_expiry_margin_names_the_argument(value, error):
    with pytest.raises(error, match="token_expiry_margin"):
        Session(URL, token_expiry_margin=value)


# -- reports ----------------------------------------------------------------


def test_describe_auth_says_why_without_the_token(monkeypatch):
    token = make_jwt({"aud": AUD, "scope": "read:/frames"}, now=T0, lifetime=30)
    monkeypatch.setenv("BEARER_TOKEN", token)
    with time_machine.travel(T0, tick=False):
        text = Session(URL).describe_auth().text(now=T0)
    line = next(x for x in text.splitlines() if "BEARER_TOKEN:" in x)
    assert "expired: exp: wanted at least 60 s left, token has 30 s left" in line
    assert token not in text
    token = make_jwt({"aud": AUD, "scope": "read:/frames"}, now=T0)
    monkeypatch.setenv("BEARER_TOKEN", token)
    with time_machine.travel(T0, tick=False):
        report = Session(URL, token_scope="read:/frames/../x").describe_auth()
    text = str(report)
    assert (
        'wrong scope: scope: wanted "read:/frames/../x", token has "read:/frames"'
        in text
    )
    assert token not in text


def test_report_escapes_control_characters_in_claims(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"aud": "\x1b[31mred"}))
    reason = reasons(Session(URL))["BEARER_TOKEN"]
    assert "\x1b" not in reason
    assert '"\\u001b[31mred"' in reason


def test_cli_auth_report_says_which_claim(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"aud": AUD + ":443"}))
    report = auth_report(URL)
    item = next(s for s in report["sources"] if s["source"] == "BEARER_TOKEN")
    assert item["why"] == WRONG_AUDIENCE
    assert item["reason"] == f'aud: wanted "{AUD}", token has "{AUD}:443"'


# -- explicit tokens and arguments -------------------------------------------


def test_opaque_token_with_explicit_requirement_is_skipped(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", "opaque-token")
    assert Session(URL).auth_source == "BEARER_TOKEN"
    s = Session(URL, token_scope="gracedb.read")
    assert s.auth is None
    assert reasons(s)["BEARER_TOKEN"] == (
        "scope: wanted a JWT whose claims can be read, token has no JWT"
    )


def test_explicit_token_with_mismatched_claims_raises(make_token):
    path = make_token({"aud": "https://other"})
    assert Session(URL, token=path).auth.path == str(path)  # default not enforced
    with pytest.raises(CredentialError, match="aud: wanted") as info:
        Session(URL, token=path, token_audience=AUD)
    assert str(path) in str(info.value)


def test_explicit_token_is_not_refused_for_its_expiry(make_token):
    path = make_token({"aud": AUD}, now=T0, lifetime=10)
    with time_machine.travel(T0, tick=False):
        s = Session(URL, token=path, token_audience=AUD)
    assert s.auth.path == str(path)


@pytest.mark.parametrize("name", ["token_audience", "token_scope", "token_issuer"])
def test_bad_requirement_type_names_argument(name):
    with pytest.raises(TypeError, match=name):
        Session(URL, **{name: [3]})


def test_relative_requested_scope_path_names_argument():
    with pytest.raises(ValueError, match="token_scope 'read:frames'"):
        Session(URL, token_scope="read:frames")


def test_token_false_skips_token_discovery(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt())
    s = Session(URL, token=False)
    assert s.auth is None
    assert statuses(s)["BEARER_TOKEN"] == "disabled"


def test_requirements_and_mismatches_pickle():
    need = ClaimRequirements.from_arguments(URL, scope="read:/frames")
    wrong = need.mismatch({"aud": "x"})
    assert pickle.loads(pickle.dumps(need)) == need
    assert pickle.loads(pickle.dumps(wrong)) == wrong
    assert "x" in repr(wrong)


def _nested(inner: st.SearchStrategy) -> st.SearchStrategy:
    """Lists and objects of `inner` values."""
    return st.lists(inner, max_size=4) | st.dictionaries(
        st.text(max_size=5), inner, max_size=4
    )


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["read:/", "read", "read:", "storage.read:/a/../b", AUD, "ANY"]),
    _nested,
    max_leaves=10,
)
_CLAIM_NAMES = ["aud", "iss", "scope", "scp", "exp", "nbf", "iat", "ver", "wlcg.ver"]


@given(
    st.dictionaries(st.sampled_from(_CLAIM_NAMES) | st.text(max_size=5), _JSON),
    st.sampled_from([None, "read:/frames", "storage.read gracedb.read"]),
    st.sampled_from([None, "https://issuer.example"]),
)
def test_odd_claims_are_judged_never_raised(claims, scope, issuer):
    need = ClaimRequirements.from_arguments(URL, scope=scope, issuer=issuer)
    for wrong in (time_mismatch(claims, now=T0), need.mismatch(claims)):
        assert wrong is None or "\x1b" not in wrong.reason
