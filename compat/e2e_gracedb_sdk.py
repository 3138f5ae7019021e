"""gracedb-sdk's ``Client``, its imports changed to this package, against a
real local server: its own suite needs a live GraceDB and credentials, so
this checks that it still works at all.

Run by ``run_downstream.py`` in gracedb-sdk's environment.
"""

from __future__ import annotations

import pytest
from gracedb_sdk import Client

import requests_gracedb_like
from requests_gracedb_like.exceptions import NotFound


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    for name in ("BEARER_TOKEN", "BEARER_TOKEN_FILE", "SCITOKEN", "SCITOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))


def test_client_reads_and_uploads_with_its_token(httpserver, tmp_path):
    token = tmp_path / "token"
    token.write_text("opaque-token")
    token.chmod(0o600)
    httpserver.expect_request("/api/superevents/S1/").respond_with_json(
        {"superevent_id": "S1"}
    )
    httpserver.expect_request("/api/events/G1/log/", method="POST").respond_with_json(
        {"N": 1}
    )
    with Client(httpserver.url_for("/api/"), token=str(token)) as client:
        assert client.superevents["S1"].get() == {"superevent_id": "S1"}
        client.events["G1"].logs.create(
            comment="hello", filename="a.txt", filecontents=b"contents"
        )
    first, upload = (request for request, _ in httpserver.log)
    assert first.headers["Authorization"] == "Bearer opaque-token"
    assert upload.files["upload"].read() == b"contents"
    assert upload.form["comment"] == "hello"
    version = requests_gracedb_like.__version__
    assert first.headers["User-Agent"] == f"requests_gracedb_like/{version}"


def test_client_raises_for_http_errors(httpserver):
    httpserver.expect_request("/api/events/G9").respond_with_json(
        {"detail": "Not found."}, status=404
    )
    with (
        Client(httpserver.url_for("/api/"), force_noauth=True) as client,
        pytest.raises(NotFound, match="Not found"),
    ):
        client.events["G9"].get()
