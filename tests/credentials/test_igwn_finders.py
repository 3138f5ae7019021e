"""requests_gracedb_like.credentials.igwn: igwn-auth-utils' finders on this
package's discovery."""

from __future__ import annotations

import os
import sys
import types

import pytest

from requests_gracedb_like import igwn
from requests_gracedb_like.testing.tokens import make_jwt

SECRET = "s3cr3t-password"


def test_netrc_default_entry_is_ignored(env):
    env.write_netrc(f"default login albert password {SECRET}\n")
    assert igwn.get_netrc_auth("https://anywhere.example.org/") is None


def test_reprs_show_no_secret(monkeypatch):
    token = make_jwt({"aud": "ANY", "sub": "albert"})
    monkeypatch.setenv("BEARER_TOKEN", token)
    auth = igwn.HTTPSciTokenAuth(token=token)
    found = igwn.find_scitoken("https://gracedb.example.org", None)
    for text in (repr(auth), str(auth), repr(found), str(found)):
        assert token not in text
    assert found["sub"] == "albert"
    assert igwn.scitoken_authorization_header(found) == f"Bearer {token}"


def test_find_scitoken_checks_audience_and_time_left(monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN", make_jwt({"aud": "https://a.example"}))
    with pytest.raises(igwn.IgwnAuthError, match="audience"):
        igwn.find_scitoken("https://b.example", None)
    monkeypatch.setenv(
        "BEARER_TOKEN", make_jwt({"aud": "https://a.example"}, lifetime=30)
    )
    with pytest.raises(igwn.IgwnAuthError, match="wanted at least 60 s left"):
        igwn.find_scitoken("https://a.example", None)


def test_error_is_also_igwn_auth_utils_error_once_that_is_imported(monkeypatch):
    theirs = type("IgwnAuthError", (RuntimeError,), {})
    module = types.ModuleType("igwn_auth_utils.error")
    module.IgwnAuthError = theirs
    monkeypatch.setitem(sys.modules, "igwn_auth_utils.error", module)
    with pytest.raises(theirs) as info:
        igwn.Session(token=False, cert=False, fail_if_noauth=True)
    assert isinstance(info.value, igwn.IgwnAuthError)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unsafe_netrc_raises_only_when_asked(env):
    env.write_netrc("machine localhost login a password b\n", mode=0o644)
    assert igwn.get_netrc_auth("https://localhost/") is None
    with pytest.raises(Exception, match="permissive"):
        igwn.get_netrc_auth("https://localhost/", raise_errors=True)


def test_find_x509_passes_over_a_certificate_about_to_expire(env, pki, monkeypatch):
    """A certificate with less than `timeleft` seconds left is skipped for
    the next source that has one, as igwn-auth-utils does; with none, the
    error says why the first was passed over."""
    from requests_gracedb_like.credentials.igwn import find_x509_credentials

    short = pki.client("short", days=300 / 86400)  # 5 minutes left
    monkeypatch.setenv("X509_USER_PROXY", str(short))
    with (
        pytest.warns(DeprecationWarning, match="X.509"),
        pytest.raises(igwn.IgwnAuthError, match="X509_USER_PROXY: less than 600 s"),
    ):
        find_x509_credentials(timeleft=600)
    with pytest.warns(DeprecationWarning, match="X.509"):
        assert find_x509_credentials(timeleft=60) == str(short)
    pem = pki.pem("long")
    cert, key = env.write_globus(pem, pem)
    with pytest.warns(DeprecationWarning, match="X.509"):
        assert find_x509_credentials(timeleft=600) == (str(cert), str(key))
