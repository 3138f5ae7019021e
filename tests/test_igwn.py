"""requests_gracedb_like.igwn: igwn-auth-utils' API, this package's rules."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest
import requests

from requests_gracedb_like import igwn
from requests_gracedb_like.exceptions import InsecureAuthError, NotFound
from requests_gracedb_like.testing.tokens import make_jwt

SECRET = "s3cr3t-password"

#: Every name igwn_auth_utils.requests exports (igwn-auth-utils 1.4).
IGWN_NAMES = (
    "Session",
    "SessionAuthMixin",
    "SessionErrorMixin",
    "HTTPSciTokenAuth",
    "get_netrc_auth",
    "request",
    "get",
    "head",
    "post",
    "put",
    "patch",
    "delete",
)


def _header(httpserver, index=-1):
    return httpserver.log[index][0].headers.get("Authorization")


def test_every_name_of_igwn_auth_utils_requests_is_here():
    assert set(IGWN_NAMES) <= set(igwn.__all__)
    for name in igwn.__all__:
        assert getattr(igwn, name) is not None


def test_importing_and_plain_tokens_do_not_import_scitokens():
    code = (
        "import sys; from requests_gracedb_like import igwn; "
        "igwn.Session(token='abc', cert=False); "
        "print('scitokens' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


# -- no netrc behind discovery's back -------------------------------------


def test_force_noauth_sends_nothing_not_even_netrc(httpserver, env):
    env.write_netrc(f"machine localhost login albert password {SECRET}\n")
    httpserver.expect_request("/").respond_with_data("ok")
    url = httpserver.url_for("/")
    with igwn.Session(url, force_noauth=True) as s:
        assert s.auth is None
        assert s.cert is False
        s.get(url)
    assert _header(httpserver) is None


def test_session_without_url_never_reads_netrc_on_a_request(httpserver, env):
    env.write_netrc(f"machine localhost login albert password {SECRET}\n")
    httpserver.expect_request("/").respond_with_data("ok")
    with igwn.Session(token=False, cert=False) as s:
        assert s.auth is None
        s.get(httpserver.url_for("/"))
    assert _header(httpserver) is None


def test_redirect_does_not_pick_up_netrc(httpserver, env):
    # netrc matches host names: the redirect goes from 127.0.0.1 to
    # localhost, which has an entry.
    env.write_netrc(f"machine localhost login albert password {SECRET}\n")
    target = httpserver.url_for("/b")
    httpserver.expect_request("/a").respond_with_data(
        "", status=302, headers={"Location": target}
    )
    httpserver.expect_request("/b").respond_with_data("ok")
    start = httpserver.url_for("/a").replace("localhost", "127.0.0.1")
    with igwn.Session(start, token=False, cert=False) as s:
        assert s.auth is None
        s.get(start)
    assert [r.path for r, _ in httpserver.log] == ["/a", "/b"]
    assert _header(httpserver) is None


def test_token_false_with_url_uses_the_netrc_entry_for_its_host(httpserver, env):
    env.write_netrc(f"machine localhost login albert password {SECRET}\n")
    httpserver.expect_request("/").respond_with_data("ok")
    url = httpserver.url_for("/")
    with igwn.Session(url, token=False, cert=False) as s:
        assert s.auth == ("albert", SECRET)
        assert SECRET not in repr(s.auth)
        s.get(url)
    assert _header(httpserver).startswith("Basic ")


# -- tokens: discovery per request, audience, origin ----------------------


def test_discovered_token_is_looked_for_on_each_request(httpserver, monkeypatch):
    httpserver.expect_request("/").respond_with_data("ok")
    url = httpserver.url_for("/")
    with igwn.Session(url, cert=False) as s:
        assert isinstance(s.auth, igwn.HTTPSciTokenAuth)
        s.get(url)
        token = make_jwt({"aud": "http://localhost"})
        monkeypatch.setenv("BEARER_TOKEN", token)
        s.get(url)
    assert _header(httpserver, 0) is None
    assert _header(httpserver, 1) == f"Bearer {token}"


def test_token_for_another_audience_is_not_sent(httpserver, monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"aud": "https://other.example"}))
    httpserver.expect_request("/").respond_with_data("ok")
    url = httpserver.url_for("/")
    igwn.get(url, cert=False)
    assert _header(httpserver) is None


def test_session_credentials_stay_on_its_origin(httpserver, monkeypatch):
    token = make_jwt({"aud": "ANY"})
    monkeypatch.setenv("BEARER_TOKEN", token)
    httpserver.expect_request("/").respond_with_data("ok")
    here = httpserver.url_for("/")
    elsewhere = here.replace("localhost", "127.0.0.1")
    with igwn.Session(here, cert=False) as s:
        s.get(here)
        s.get(elsewhere)
        s.get(elsewhere, token=True)  # asked for by the caller: sent
    assert [_header(httpserver, i) for i in range(3)] == [
        f"Bearer {token}",
        None,
        f"Bearer {token}",
    ]


def test_given_token_is_not_copied_into_session_headers(httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    url = httpserver.url_for("/")
    with igwn.Session(url, token="abc.def.ghi", cert=False) as s:
        assert "Authorization" not in s.headers
        assert s.token is None  # a serialized token is not an object
        s.get(url)
    assert _header(httpserver) == "Bearer abc.def.ghi"


def test_bytes_token_is_sent_as_text(httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    url = httpserver.url_for("/")
    igwn.get(url, token=b"abc.def.ghi", cert=False)
    assert _header(httpserver) == "Bearer abc.def.ghi"


def test_per_request_token_false_turns_off_the_session_token(httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    url = httpserver.url_for("/")
    with igwn.Session(url, token="abc.def.ghi", cert=False) as s:
        s.get(url, token=False)
        s.get(url)
    assert [_header(httpserver, i) for i in range(2)] == [None, "Bearer abc.def.ghi"]


def test_per_request_scope_chooses_another_token(httpserver, scoped_tokens):
    read, write = scoped_tokens
    httpserver.expect_request("/").respond_with_data("ok")
    url = httpserver.url_for("/")
    with igwn.Session(url, cert=False, token_scope="read:/") as s:
        s.get(url)
        s.post(url, token_scope="write:/")
    assert [_header(httpserver, i) for i in range(2)] == [
        f"Bearer {read}",
        f"Bearer {write}",
    ]


def test_one_shot_call_uses_the_session_given(httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    url = httpserver.url_for("/")
    with igwn.Session(url, token="abc.def.ghi", cert=False) as s:
        assert igwn.get(url, session=s).text == "ok"
        assert igwn.get(url, session=s).text == "ok"  # left open
    assert _header(httpserver) == "Bearer abc.def.ghi"


# -- requiring credentials -------------------------------------------------


def test_token_true_raises_on_request_naming_the_sources(httpserver):
    url = httpserver.url_for("/")
    with (
        igwn.Session(url, token=True, cert=False) as s,
        pytest.raises(igwn.IgwnAuthError) as info,
    ):
        s.get(url)
    assert isinstance(info.value, RuntimeError)
    assert isinstance(info.value, ValueError)
    for source in ("BEARER_TOKEN", "SCITOKEN_FILE", "_CONDOR_CREDS"):
        assert source in str(info.value)
    assert httpserver.log == []


def test_cert_true_raises_naming_the_sources():
    with (
        pytest.raises(igwn.IgwnAuthError, match="X509_USER_PROXY"),
        pytest.warns(DeprecationWarning, match=r"identity-based X\.509"),
    ):
        igwn.Session(cert=True, token=False)


def test_cert_true_finds_the_proxy(env, pki, monkeypatch):
    proxy = pki.client("albert")
    monkeypatch.setenv("X509_USER_PROXY", str(proxy))
    with pytest.warns(DeprecationWarning, match=r"identity-based X\.509"):
        assert igwn.Session(cert=True, token=False).cert == str(proxy)


def test_fail_if_noauth_and_force_noauth_together_are_refused():
    with pytest.raises(ValueError, match="cannot select both"):
        igwn.Session(force_noauth=True, fail_if_noauth=True)


def test_fail_if_noauth_without_credentials():
    with pytest.raises(igwn.IgwnAuthError, match="no valid authorisation"):
        igwn.Session(token=False, cert=False, fail_if_noauth=True)


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("IGWN_AUTH_UTILS_FIND_SCITOKEN", "false", None),
        ("IGWN_AUTH_UTILS_FIND_SCITOKEN", "1", True),
    ],
)
def test_find_scitoken_variable(monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    s = igwn.Session(cert=False)
    assert getattr(s.auth, "token", None) is expected


def test_find_x509_variable_requires_a_certificate(monkeypatch):
    monkeypatch.setenv("IGWN_AUTH_UTILS_FIND_X509", "yes")
    with (
        pytest.raises(igwn.IgwnAuthError, match=r"X\.509"),
        pytest.warns(DeprecationWarning, match=r"identity-based X\.509"),
    ):
        igwn.Session(token=False)


# -- https only, no secret in output --------------------------------------


def test_given_token_over_plain_http_to_a_remote_host_is_refused():
    with (
        igwn.Session(token="abc.def.ghi", cert=False) as s,
        pytest.raises(InsecureAuthError),
    ):
        s.get("http://gracedb.example.org/api/")


def test_discovered_token_is_not_offered_over_plain_http(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"aud": "ANY"}))
    auth = igwn.HTTPSciTokenAuth()
    remote = requests.Request("GET", "http://gracedb.example.org/").prepare()
    secure = requests.Request("GET", "https://gracedb.example.org/").prepare()
    assert "Authorization" not in auth(remote).headers
    assert auth(secure).headers["Authorization"].startswith("Bearer ")


def test_http_error_reads_as_requests_message_without_secrets(httpserver):
    httpserver.expect_request("/x").respond_with_data("no", status=404)
    url = httpserver.url_for("/x") + f"?token={SECRET}"
    with pytest.raises(NotFound) as info:
        igwn.get(url, cert=False, token=False)
    assert str(info.value).startswith("404 Client Error: NOT FOUND for url: ")
    assert SECRET not in str(info.value)
    assert isinstance(info.value, requests.HTTPError)


def test_auth_objects_compare_by_token_and_claims():
    a = igwn.HTTPSciTokenAuth(token=None, audience="ANY")
    assert a == igwn.HTTPSciTokenAuth(token=None, audience="ANY")
    assert a != igwn.HTTPSciTokenAuth(token=None, audience="https://x.example")
    assert a != igwn.HTTPSciTokenAuth(token="abc", audience="ANY")


def test_scitoken_object(httpserver):
    scitokens = pytest.importorskip("scitokens")
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = scitokens.SciToken(key=key, key_id="test")
    token.update_claims({"aud": "ANY", "scope": "read:/"})
    serialized = token.serialize(issuer="https://issuer.example").decode()
    httpserver.expect_request("/").respond_with_data("ok")
    url = httpserver.url_for("/")
    with igwn.Session(url, token=token, cert=False) as s:
        assert s.token is token
        s.get(url)
    assert _header(httpserver) == f"Bearer {serialized}"


def test_other_token_objects_are_refused_naming_the_argument():
    with pytest.raises(TypeError, match="token must be"):
        igwn.Session(token=42)


# -- state -------------------------------------------------------------------


def test_requests_session_attrs_are_left_alone_and_sessions_pickle():
    before = list(requests.Session.__attrs__)
    s = igwn.Session("https://gracedb.example.org/", token="abc.def.ghi", cert=False)
    copy = pickle.loads(pickle.dumps(s))
    assert requests.Session.__attrs__ == before
    assert copy.auth == s.auth
    assert copy.auth_origin == ("https", "gracedb.example.org", 443)
    plain = pickle.loads(pickle.dumps(requests.Session()))
    assert plain.auth is None


def test_user_agent_names_this_package():
    agent = igwn.Session(force_noauth=True).headers["User-Agent"]
    assert agent.startswith("requests_gracedb_like/")


def test_a_token_gone_since_the_last_request_is_not_sent(httpserver, monkeypatch):
    httpserver.expect_request("/").respond_with_data("ok")
    url = httpserver.url_for("/")
    token = make_jwt({"aud": "http://localhost"})
    monkeypatch.setenv("BEARER_TOKEN", token)
    with igwn.Session(url, cert=False) as s:
        s.get(url)
        monkeypatch.delenv("BEARER_TOKEN")
        s.get(url)
        monkeypatch.setenv("BEARER_TOKEN", token)
        s.get(url)
    assert [_header(httpserver, i) for i in range(3)] == [
        f"Bearer {token}",
        None,
        f"Bearer {token}",
    ]


def test_requests_adapter_settings_no_retry_and_one_connection(fault_server):
    """As with igwn-auth-utils (plain requests adapters): a 502 is not
    retried, and sequential requests share one connection."""
    with igwn.Session(force_noauth=True) as s:
        adapter = s.get_adapter("https://example.org/")
        assert adapter is s.get_adapter("http://example.org/")
        assert adapter.max_retries.total == 0
        assert adapter._pool_maxsize == requests.adapters.DEFAULT_POOLSIZE
        for _ in range(3):
            assert s.get(fault_server.url("ok")).status_code == 200
        assert len({seen.connection for seen in fault_server.seen}) == 1
        with pytest.raises(requests.HTTPError):
            s.get(fault_server.url("html-error"))
    assert fault_server.count("html-error") == 1
