"""One resend after 401 with a credential re-read from disk, never more."""

from __future__ import annotations

import io
import logging
import os

import pytest
from werkzeug.wrappers import Response

from requests_gracedb_like import Session
from requests_gracedb_like.exceptions import Unauthorized
from requests_gracedb_like.testing import make_jwt

OLD = make_jwt({"n": "old"})
NEW = make_jwt({"n": "new"})


def _accepting(token):
    bodies = []

    def handler(request):
        bodies.append(request.get_data())
        if request.headers.get("Authorization") == f"Bearer {token}":
            return Response("ok")
        return Response("expired token", status=401)

    return handler, bodies


def _rotate(path, token):
    tmp = path.with_name("tok.new")
    tmp.write_text(token)
    os.replace(tmp, path)


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "tok"
    path.write_text(OLD)
    return path


def test_401_reloads_and_resends_once(httpserver, token_file, caplog):
    handler, bodies = _accepting(NEW)
    httpserver.expect_request("/").respond_with_handler(handler)
    url = httpserver.url_for("/")
    with Session(url, token=token_file, auth_reload=True) as s:
        _rotate(token_file, NEW)  # rotated before the reload time
        with caplog.at_level(logging.DEBUG, logger="requests_gracedb_like"):
            r = s.post(url, data=b"payload")
        assert r.status_code == 200
        assert [h.status_code for h in r.history] == [401]
        assert s.auth.token == NEW
    assert bodies == [b"payload", b"payload"]
    assert NEW not in caplog.text
    assert OLD not in caplog.text
    assert "resent once" in caplog.text


def test_seekable_file_body_is_rewound(httpserver, token_file):
    handler, bodies = _accepting(NEW)
    httpserver.expect_request("/").respond_with_handler(handler)
    url = httpserver.url_for("/")
    with Session(url, token=token_file, auth_reload=True) as s:
        _rotate(token_file, NEW)
        s.put(url, data=io.BytesIO(b"0123456789"))
    assert bodies == [b"0123456789", b"0123456789"]


def test_multipart_upload_is_replayed(httpserver, token_file, tmp_path):
    handler, bodies = _accepting(NEW)
    httpserver.expect_request("/").respond_with_handler(handler)
    url = httpserver.url_for("/")
    upload = tmp_path / "skymap.fits"
    upload.write_bytes(b"SIMPLE  =  T")
    with Session(url, token=token_file, auth_reload=True) as s:
        _rotate(token_file, NEW)
        s.post(url, files={"file": upload})
    assert len(bodies) == 2
    assert bodies[0] == bodies[1]
    assert b"SIMPLE  =  T" in bodies[1]


def test_generator_body_is_not_replayed(httpserver, token_file):
    handler, bodies = _accepting(NEW)
    httpserver.expect_request("/").respond_with_handler(handler)
    url = httpserver.url_for("/")
    with Session(url, token=token_file, auth_reload=True) as s:
        _rotate(token_file, NEW)
        with pytest.raises(Unauthorized):
            s.post(url, data=(chunk for chunk in [b"a", b"b"]))
    assert len(bodies) == 1


def test_unchanged_file_is_not_resent(httpserver, token_file):
    handler, bodies = _accepting(NEW)
    httpserver.expect_request("/").respond_with_handler(handler)
    url = httpserver.url_for("/")
    with (
        Session(url, token=token_file, auth_reload=True) as s,
        pytest.raises(Unauthorized),
    ):
        s.get(url)
    assert len(bodies) == 1


def test_never_loops_when_the_new_token_is_rejected_too(httpserver, token_file):
    handler, bodies = _accepting("nothing-matches")
    httpserver.expect_request("/").respond_with_handler(handler)
    url = httpserver.url_for("/")
    with Session(url, token=token_file, auth_reload=True) as s:
        _rotate(token_file, NEW)
        with pytest.raises(Unauthorized) as info:
            s.get(url)
    assert len(bodies) == 2
    assert [h.status_code for h in info.value.response.history] == [401]


def test_without_auth_reload_there_is_no_resend(httpserver, token_file):
    handler, bodies = _accepting(NEW)
    httpserver.expect_request("/").respond_with_handler(handler)
    url = httpserver.url_for("/")
    with Session(url, token=token_file) as s:
        _rotate(token_file, NEW)
        with pytest.raises(Unauthorized):
            s.get(url)
    assert len(bodies) == 1


def test_401_with_raising_off_returns_the_replayed_response(httpserver, token_file):
    handler, _ = _accepting(NEW)
    httpserver.expect_request("/").respond_with_handler(handler)
    url = httpserver.url_for("/")
    with Session(url, token=token_file, auth_reload=True, raise_for_status=False) as s:
        _rotate(token_file, NEW)
        assert s.get(url).text == "ok"
