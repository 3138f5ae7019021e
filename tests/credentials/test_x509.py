"""X.509 client certificates: reading, discovery, mutual TLS, rotation."""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import time_machine

from requests_gracedb_like import Session, SessionAuthMixin
from requests_gracedb_like.auth import close_pools_with_cert, credential_expiry
from requests_gracedb_like.credentials.bearer import BearerTokenAuth
from requests_gracedb_like.credentials.noauth import NoAuth
from requests_gracedb_like.credentials.records import (
    EXPIRED,
    INSECURE_PERMISSIONS,
    MALFORMED,
    NOT_LOOKED_AT,
)
from requests_gracedb_like.credentials.x509 import X509Credential, read_certificate
from requests_gracedb_like.exceptions import (
    CredentialError,
    CredentialWarning,
    EncryptedKeyError,
)
from requests_gracedb_like.testing import make_jwt

pytest.importorskip("cryptography")

URL = "https://gracedb.example.org/api/"


def statuses(session):
    return {a.source: a.status for a in session.auth_discovery.attempts}


# -- reading a certificate ---------------------------------------------------


def test_read_proxy_file_gives_subject_and_expiry(pki):
    path = pki.client("albert", days=2)
    info = read_certificate(path)
    assert "CN=albert" in info.subject
    assert time.time() + 86400 < info.expiry < time.time() + 3 * 86400


def test_read_split_cert_and_key(pki):
    cert, key = pki.client("albert", split=True)
    assert "CN=albert" in read_certificate(cert, key).subject


def test_missing_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        Session(URL, cert=tmp_path / "nope.pem")
    assert "nope.pem" in str(info.value)


def test_cert_without_key_is_refused_naming_file(pki, tmp_path):
    cert, _ = pki.client("albert", split=True)
    with pytest.raises(CredentialError, match="no PEM private key") as info:
        Session(URL, cert=cert)
    assert str(cert) in str(info.value)


def test_mismatched_key_is_refused(pki):
    cert, _ = pki.client("albert", split=True)
    _, other_key = pki.client("bob", split=True)
    with pytest.raises(CredentialError, match="does not match") as info:
        Session(URL, cert=(cert, other_key))
    assert str(other_key) in str(info.value)


def test_malformed_certificate_does_not_echo_content(pki, tmp_path):
    _, key = pki.client("albert", split=True)
    bad = tmp_path / "bad.pem"
    bad.write_bytes(
        b"-----BEGIN CERTIFICATE-----\nnot-base64-SECRETISH\n"
        b"-----END CERTIFICATE-----\n"
    )
    with pytest.raises(CredentialError, match="no valid PEM certificate") as info:
        Session(URL, cert=(bad, key))
    assert "SECRETISH" not in str(info.value)
    assert str(bad) in str(info.value)


def test_malformed_key_does_not_echo_content(pki, tmp_path):
    cert, _ = pki.client("albert", split=True)
    key = tmp_path / "bad.key"
    key.write_bytes(
        b"-----BEGIN PRIVATE KEY-----\nQUJDREVGR0hJSktM\n-----END PRIVATE KEY-----\n"
    )
    key.chmod(0o600)
    with pytest.raises(CredentialError, match="malformed private key") as info:
        Session(URL, cert=(cert, key))
    assert "QUJD" not in str(info.value)


def test_encrypted_key_is_refused_not_prompted(pki, tmp_path):
    cert, key = pki.client("albert", split=True)
    _encrypt(key)
    with pytest.raises(EncryptedKeyError, match="passphrase") as info:
        Session(URL, cert=(cert, key))
    assert isinstance(info.value, CredentialError)


def test_explicit_expired_certificate_raises_with_date(pki):
    path = pki.client("albert", days=-1, not_before_days=-10)
    with pytest.raises(CredentialError, match="expired at") as info:
        Session(URL, cert=path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("value", [42, ("a",), ("a", "b", "c"), ["a", "b"]])
def test_bad_cert_argument_type_names_argument(value):
    with pytest.raises(TypeError, match="cert"):
        Session(URL, cert=value)


def test_explicit_world_readable_key_warns(pki):
    path = pki.client("albert")
    path.chmod(0o644)
    with pytest.warns(CredentialWarning, match="chmod 600"):
        s = Session(URL, cert=path)
    assert s.cert == str(path)


# -- discovery ---------------------------------------------------------------


def test_x509_user_cert_and_key(pki, monkeypatch):
    cert, key = pki.client("albert", split=True)
    monkeypatch.setenv("X509_USER_CERT", str(cert))
    monkeypatch.setenv("X509_USER_KEY", str(key))
    monkeypatch.setenv("X509_USER_PROXY", str(pki.client("proxy")))
    s = Session(URL)
    assert s.cert == (str(cert), str(key))
    assert s.auth_source == f"X509_USER_CERT ({cert})"
    assert s.auth is None
    assert statuses(s)["X509_USER_PROXY"] == NOT_LOOKED_AT


def test_x509_user_cert_without_key_falls_through(pki, monkeypatch):
    cert, _ = pki.client("albert", split=True)
    proxy = pki.client("proxy")
    monkeypatch.setenv("X509_USER_CERT", str(cert))
    monkeypatch.setenv("X509_USER_PROXY", str(proxy))
    s = Session(URL)
    assert s.cert == str(proxy)
    reasons = {a.source: a.reason for a in s.auth_discovery.attempts}
    assert reasons["X509_USER_CERT"] == "X509_USER_KEY not set"


def test_x509_user_proxy(pki, monkeypatch, env):
    proxy = pki.client("proxy")
    monkeypatch.setenv("X509_USER_PROXY", str(proxy))
    env.write_tmp_proxy(pki.pem("tmp"))
    s = Session(URL)
    assert s.cert == str(proxy)
    assert "CN=proxy" in s.auth_cert.subject


def test_tmp_proxy(pki, env):
    path = env.write_tmp_proxy(pki.pem("tmp"))
    s = Session(URL)
    assert s.cert == str(path)
    assert s.auth_source == f"/tmp/x509up ({path})"


def test_globus_directory(pki, env):
    cert, key = pki.client("globus", split=True)
    cert_path, key_path = env.write_globus(cert.read_bytes(), key.read_bytes())
    s = Session(URL)
    assert s.cert == (str(cert_path), str(key_path))


def test_missing_proxy_variable_file_falls_through(pki, env, monkeypatch, tmp_path):
    monkeypatch.setenv("X509_USER_PROXY", str(tmp_path / "gone"))
    path = env.write_tmp_proxy(pki.pem("tmp"))
    assert Session(URL).cert == str(path)


def test_expired_discovered_certificate_skipped_with_debug_record(
    pki, env, monkeypatch, caplog
):
    expired = pki.client("old", days=-1, not_before_days=-10)
    monkeypatch.setenv("X509_USER_PROXY", str(expired))
    path = env.write_tmp_proxy(pki.pem("fresh"))
    with caplog.at_level(logging.DEBUG, logger="requests_gracedb_like"):
        s = Session(URL)
    assert s.cert == str(path)
    assert statuses(s)["X509_USER_PROXY"] == EXPIRED
    assert any(
        r.levelno == logging.DEBUG and "expired" in r.getMessage()
        for r in caplog.records
    )


def test_world_readable_proxy_is_skipped_with_warning(pki, env, monkeypatch):
    loose = pki.client("loose")
    loose.chmod(0o644)
    monkeypatch.setenv("X509_USER_PROXY", str(loose))
    path = env.write_tmp_proxy(pki.pem("tight"))
    with pytest.warns(CredentialWarning, match="644"):
        s = Session(URL)
    assert s.cert == str(path)
    assert statuses(s)["X509_USER_PROXY"] == INSECURE_PERMISSIONS


def test_malformed_discovered_file_is_skipped_with_warning(env, monkeypatch, tmp_path):
    bad = tmp_path / "bad.pem"
    bad.write_text("hello")
    bad.chmod(0o600)
    monkeypatch.setenv("X509_USER_PROXY", str(bad))
    with pytest.warns(CredentialWarning, match="no PEM private key"):
        s = Session(URL)
    assert s.cert is None
    assert statuses(s)["X509_USER_PROXY"] == MALFORMED


def test_token_and_certificate_are_both_used(pki, env, monkeypatch, make_token):
    token = make_token()
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(token))
    proxy = env.write_tmp_proxy(pki.pem("proxy"))
    s = Session(URL)
    assert isinstance(s.auth, BearerTokenAuth)
    assert s.cert == str(proxy)
    assert s.auth_source == f"BEARER_TOKEN_FILE ({token}) + /tmp/x509up ({proxy})"
    assert [w.source for w in s.auth_discovery.winners] == [
        "BEARER_TOKEN_FILE",
        "/tmp/x509up",
    ]


def test_explicit_token_stops_certificate_discovery(pki, env, make_token):
    env.write_tmp_proxy(pki.pem("proxy"))
    s = Session(URL, token=make_token())
    assert s.cert is None
    assert statuses(s)["/tmp/x509up"] == NOT_LOOKED_AT


def test_explicit_token_and_cert_are_both_used(pki, make_token):
    path = pki.client("albert")
    s = Session(URL, token=make_token(), cert=path)
    assert s.cert == str(path)
    assert isinstance(s.auth, BearerTokenAuth)


def test_certificate_beats_netrc(pki, env):
    env.write_netrc("machine gracedb.example.org login albert password pw\n")
    env.write_tmp_proxy(pki.pem("proxy"))
    s = Session(URL)
    assert s.auth is None
    assert statuses(s)["netrc"] == NOT_LOOKED_AT


def test_cert_false_skips_certificate_discovery(pki, env):
    env.write_tmp_proxy(pki.pem("proxy"))
    s = Session(URL, cert=False)
    assert s.cert is None
    assert statuses(s)["/tmp/x509up"] == "disabled"


def test_force_noauth_ignores_certificates(pki, env):
    env.write_tmp_proxy(pki.pem("proxy"))
    s = Session(URL, force_noauth=True)
    assert s.cert is None


def test_mixin_alone_sets_cert(pki):
    class AuthOnly(SessionAuthMixin, requests.Session):
        pass

    path = pki.client("albert")
    s = AuthOnly(URL, cert=path)
    assert s.cert == str(path)
    assert s.auth_source == f"cert argument ({path})"


def test_expiry_is_earliest_of_token_and_certificate(pki):
    path = pki.client("albert", days=1)
    token_exp = time.time() + 3600
    s = Session(URL, cert=path)
    s.auth = BearerTokenAuth(make_jwt({"exp": int(token_exp)}))
    assert credential_expiry(s) == int(token_exp)
    assert s.expiry == int(token_exp)
    s.auth = NoAuth()
    assert credential_expiry(s) == s.auth_cert.expiry
    assert s.expiry == s.auth_cert.expiry
    assert s.auth_cert.expiry > time.time() + 23 * 3600


def test_without_cryptography_certificate_is_used_unchecked(pki, monkeypatch):
    path = pki.client("albert")
    for name in list(sys.modules):
        if name == "cryptography" or name.startswith("cryptography."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "cryptography", None)
    s = Session(URL, cert=path)
    assert s.cert == str(path)
    assert s.auth_cert.expiry is None


def test_session_without_certificate_does_not_import_cryptography(make_token):
    code = (
        "import sys, requests_gracedb_like as r;"
        f"s = r.Session({URL!r}, token={str(make_token())!r}, api_key=None);"
        "s.describe_auth().text();"
        "heavy = {'cryptography', 'jwt', 'scitokens'} & set(sys.modules);"
        "assert not heavy, heavy"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("X509")}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_pickle_keeps_certificate(pki):
    path = pki.client("albert")
    s = Session(URL, cert=path, auth_reload=True)
    clone = pickle.loads(pickle.dumps(s))
    assert clone.cert == s.cert
    assert clone.auth_cert == s.auth_cert
    assert clone.auth_cert.reloading


# -- mutual TLS against a real server -----------------------------------------


def test_mutual_tls_presents_the_certificate(tls_server, pki):
    path = pki.client("albert")
    with Session(tls_server.url(), cert=path) as s:
        s.verify = tls_server.ca_file
        assert s.get(tls_server.url("/a")).text == "ok"
    assert tls_server.log[0].client == "albert"


def test_mutual_tls_with_split_files_from_environment(tls_server, pki, monkeypatch):
    cert, key = pki.client("carol", split=True)
    monkeypatch.setenv("X509_USER_CERT", str(cert))
    monkeypatch.setenv("X509_USER_KEY", str(key))
    with Session(tls_server.url()) as s:
        s.verify = tls_server.ca_file
        s.get(tls_server.url("/"))
    assert tls_server.log[0].client == "carol"


def test_expired_certificate_skipped_for_the_next_one(
    tls_server, pki, monkeypatch, env
):
    monkeypatch.setenv(
        "X509_USER_PROXY", str(pki.client("old", days=-1, not_before_days=-10))
    )
    env.write_tmp_proxy(pki.pem("fresh"))
    with Session(tls_server.url()) as s:
        s.verify = tls_server.ca_file
        s.get(tls_server.url("/"))
    assert tls_server.log[0].client == "fresh"


def test_rotated_certificate_is_reloaded_and_old_pool_closed(tls_server, pki, env):
    path = env.write_tmp_proxy(pki.pem("first"))
    with Session(tls_server.url(), auth_reload=True) as s:
        s.verify = tls_server.ca_file
        s.get(tls_server.url("/1"))
        s.get(tls_server.url("/2"))
        # A pool without the certificate (another origin gets none) survives.
        s.get(tls_server.url("/other", host="localhost"))
        pki.renew(path, pki.pem("second"))
        s.get(tls_server.url("/3"))
        s.get(tls_server.url("/4"))
        pools = s.get_adapter(tls_server.url()).poolmanager.pools
        hosts = sorted(key.key_host for key in pools.keys())  # noqa: SIM118
    first, second, other, third, fourth = tls_server.log
    assert [first.client, second.client] == ["first", "first"]
    assert first.port == second.port  # one kept-alive connection
    assert other.client is None
    assert [third.client, fourth.client] == ["second", "second"]
    assert third.port != first.port  # the old connection was closed
    assert third.port == fourth.port
    assert hosts == ["127.0.0.1", "localhost"]


def test_without_reload_the_certificate_is_read_once(tls_server, pki, env):
    path = env.write_tmp_proxy(pki.pem("first"))
    with Session(tls_server.url()) as s:
        s.verify = tls_server.ca_file
        s.get(tls_server.url("/1"))
        pki.renew(path, pki.pem("second"))
        s.get(tls_server.url("/2"))
    assert [r.client for r in tls_server.log] == ["first", "first"]
    assert "CN=first" in s.auth_cert.subject


def test_reload_keeps_certificate_while_file_is_half_written(pki, tmp_path):
    path = pki.client("albert")
    cred = X509Credential(path, reload_timeout=300)
    before = cred.info
    path.write_bytes(path.read_bytes()[:100])
    assert cred.check() is False
    assert cred.info == before


def test_reload_fails_clearly_once_truly_expired(pki):
    path = pki.client("albert", days=1)
    cred = X509Credential(path, reload_timeout=300)
    with (
        time_machine.travel(cred.expiry + 10, tick=False),
        pytest.raises(CredentialError, match="no newer one") as info,
    ):
        cred.check()
    assert str(path) in str(info.value)


def test_close_pools_with_cert_leaves_other_pools(pki):
    s = requests.Session()
    manager = s.get_adapter("https://a.example/").poolmanager
    manager.connection_from_url("https://a.example/", {"cert_file": "/c.pem"})
    manager.connection_from_url("https://b.example/")
    assert close_pools_with_cert(s, "/c.pem") == 1
    assert [k.key_host for k in manager.pools.keys()] == ["b.example"]  # noqa: SIM118


def test_near_expiry_reads_once_then_uses_the_renewed_file(pki, tmp_path):
    path = pki.client("albert", days=1)
    cred = X509Credential(path, reload_timeout=3600)
    with time_machine.travel(cred.expiry - 60, tick=False):
        assert cred.check() is False  # same certificate: nothing to close
        renewed = pki.pem("albert", days=30)
        pki.renew(path, renewed)
        assert cred.check() is True
        assert cred.expiry > time.time() + 29 * 86400
        assert cred.check() is False


def _encrypt(key: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    loaded = serialization.load_pem_private_key(key.read_bytes(), None)
    key.write_bytes(
        loaded.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"passphrase"),
        )
    )


def test_encrypted_globus_key_is_skipped_quietly(pki, env, recwarn):
    cert, key = pki.client("globus", split=True)
    _encrypt(key)
    env.write_globus(cert.read_bytes(), key.read_bytes())
    s = Session(URL)
    assert s.cert is None
    record = {a.source: a for a in s.auth_discovery.attempts}["~/.globus"]
    assert record.status == "unreadable"
    assert "passphrase" in record.reason
    assert not [w for w in recwarn if issubclass(w.category, CredentialWarning)]
