"""ligo-gracedb's ``GraceDb``, its imports changed to this package, against a
real local HTTPS server (trustme certificates, pytest-httpserver).

Run by ``run_downstream.py`` in ligo-gracedb's environment, after its own
suite: ``GraceDb`` is then built on :class:`requests_gracedb_like.igwn.Session`.
"""

from __future__ import annotations

import json
import ssl
import time

import pytest
import trustme
from ligo.gracedb.exceptions import HTTPError
from ligo.gracedb.rest import GraceDb
from pytest_httpserver import HTTPServer
from werkzeug import Response

from requests_gracedb_like.credentials import sources
from requests_gracedb_like.credentials.jwt import encode_unsigned
from requests_gracedb_like.igwn import IgwnAuthError

_CREDENTIAL_VARIABLES = (
    "BEARER_TOKEN",
    "BEARER_TOKEN_FILE",
    "SCITOKEN",
    "SCITOKEN_FILE",
    "_CONDOR_CREDS",
    "XDG_RUNTIME_DIR",
    "X509_USER_CERT",
    "X509_USER_KEY",
    "X509_USER_PROXY",
    "NETRC",
    "IGWN_AUTH_UTILS_FIND_X509",
    "IGWN_AUTH_UTILS_FIND_SCITOKEN",
)


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch, ca):
    """No credential of the machine's user; the test CA trusted."""
    for name in _CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(sources, "TMP_DIR", str(tmp_path))
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))


def _server(ca, verify_mode):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca.configure_trust(context)
    context.verify_mode = verify_mode
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    return server


@pytest.fixture
def server(ca):
    server = _server(ca, ssl.CERT_NONE)
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def mtls_server(ca):
    """A server that completes the handshake only with a client
    certificate issued by the test CA."""
    server = _server(ca, ssl.CERT_REQUIRED)
    yield server
    server.clear()
    server.stop()


def _api(server):
    """Answer the API root as GraceDB does (the links and templates the
    client builds its URLs from); return the service URL."""
    root = server.url_for("/api/")
    server.expect_request("/api/").respond_with_json(
        {
            "links": {"self": root, "events": root + "events/"},
            "templates": {
                "event-detail-template": root + "events/{graceid}",
                "event-log-template": root + "events/{graceid}/log/",
            },
        }
    )
    return root


def _token(tmp_path, audience):
    claims = {
        "aud": audience,
        "scope": "gracedb.read",
        "exp": int(time.time()) + 3600,
        "sub": "albert",
    }
    token = encode_unsigned(claims)
    path = tmp_path / "scitoken"
    path.write_text(token)
    path.chmod(0o600)
    return token, path


def test_ping(server):
    client = GraceDb(service_url=_api(server), force_noauth=True)
    response = client.ping()
    assert response.status_code == 200
    assert response.json()["links"]["self"].endswith("/api/")
    agent = server.log[-1][0].headers["User-Agent"]
    assert agent.startswith("gracedb-client/")


def test_file_upload(server, tmp_path):
    root = _api(server)
    path = tmp_path / "coinc.xml"
    path.write_bytes(b"<LIGO_LW>example</LIGO_LW>")
    server.expect_request("/api/events/G1234/log/", method="POST").respond_with_json(
        {"N": 1}, status=201
    )
    client = GraceDb(service_url=root, force_noauth=True)
    response = client.writeLog("G1234", "a comment", filename=str(path))
    assert response.status_code == 201
    sent = server.log[-1][0]
    assert sent.files["upload"].filename == "coinc.xml"
    assert sent.files["upload"].read() == b"<LIGO_LW>example</LIGO_LW>"
    assert sent.form["comment"] == "a comment"


def test_http_error_raises_ligo_gracedb_httperror(server):
    root = _api(server)
    server.expect_request("/api/events/G404").respond_with_json(
        {"detail": "Not found."}, status=404
    )
    client = GraceDb(service_url=root, force_noauth=True)
    with pytest.raises(HTTPError) as info:
        client.event("G404")
    assert info.value.status_code == 404
    assert "Not found." in info.value.text


def test_502_is_retried(server):
    root = _api(server)
    # One-shot handlers answer first, once; then the permanent one.
    server.expect_oneshot_request("/api/events/G1").respond_with_data(
        "bad gateway", status=502
    )
    server.expect_request("/api/events/G1").respond_with_json({"graceid": "G1"})
    client = GraceDb(service_url=root, force_noauth=True, backoff_factor=0)
    assert client.event("G1").json() == {"graceid": "G1"}
    assert [r.path for r, _ in server.log].count("/api/events/G1") == 2


def test_token_from_scitoken_file(server, tmp_path, monkeypatch):
    root = _api(server)
    token, path = _token(tmp_path, "https://127.0.0.1")
    monkeypatch.setenv("SCITOKEN_FILE", str(path))
    client = GraceDb(service_url=root)
    assert "scitoken" in client.auth_type
    client.ping()
    assert server.log[-1][0].headers["Authorization"] == f"Bearer {token}"
    shown = client.show_credentials(print_output=False)
    assert shown["scitoken"]["SciToken subject"] == "albert"


def test_use_auth_scitoken_requires_a_token(server, tmp_path, monkeypatch):
    root = _api(server)
    client = GraceDb(service_url=root, use_auth="scitoken")
    with pytest.raises(IgwnAuthError, match="SCITOKEN_FILE"):
        client.ping()
    assert server.log == []
    token, path = _token(tmp_path, "https://127.0.0.1")
    monkeypatch.setenv("SCITOKEN_FILE", str(path))
    client.ping()
    assert server.log[-1][0].headers["Authorization"] == f"Bearer {token}"


def test_token_for_another_audience_is_not_sent(server, tmp_path, monkeypatch):
    root = _api(server)
    _, path = _token(tmp_path, "https://gracedb.example.org")
    monkeypatch.setenv("SCITOKEN_FILE", str(path))
    GraceDb(service_url=root).ping()
    assert "Authorization" not in server.log[-1][0].headers


def test_use_auth_x509_presents_the_certificate(mtls_server, ca, tmp_path, monkeypatch):
    root = _api(mtls_server)
    proxy = tmp_path / "x509up"
    ca.issue_cert("albert@example.org").private_key_and_cert_chain_pem.write_to_path(
        str(proxy)
    )
    proxy.chmod(0o600)
    monkeypatch.setenv("X509_USER_PROXY", str(proxy))
    client = GraceDb(service_url=root, use_auth="x509")
    assert client.cert == str(proxy)
    assert client.auth_type == {"x509"}
    assert client.ping().status_code == 200
    assert "Authorization" not in mtls_server.log[-1][0].headers


def test_use_auth_x509_without_certificate_fails_naming_the_sources():
    with pytest.raises(IgwnAuthError, match="X509_USER_PROXY"):
        GraceDb(service_url="https://127.0.0.1:9/api/", use_auth="x509")


def test_error_body_is_readable_json(server):
    root = _api(server)
    server.expect_request("/api/events/G2").respond_with_response(
        Response(
            json.dumps({"detail": "Bad."}), status=400, mimetype="application/json"
        )
    )
    client = GraceDb(service_url=root, force_noauth=True)
    with pytest.raises(HTTPError) as info:
        client.event("G2")
    assert info.value.response.json() == {"detail": "Bad."}
