"""Streamed multipart uploads: the same bytes as requests, an exact
Content-Length, files closed on every path."""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import sys

import pytest
import requests
import urllib3.filepost
from werkzeug import Response

from requests_gracedb_like import Session
from requests_gracedb_like._http.multipart import MultipartBody, encode, file_size
from requests_gracedb_like.file import SessionFileMixin

BOUNDARY = "0123456789abcdef0123456789abcdef"


def _requests_body(monkeypatch, data, files):
    monkeypatch.setattr(urllib3.filepost, "choose_boundary", lambda: BOUNDARY)
    body, content_type = requests.models.RequestEncodingMixin._encode_files(files, data)
    return body, content_type


@pytest.fixture
def big(tmp_path):
    path = tmp_path / "skymap.multiorder.fits"
    path.write_bytes(os.urandom(3 * 2**20 + 17))
    return path


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"comment": "é", "tags": ["sky_loc", "pe"], "n": 3, "skip": None},
        [("a", b"raw bytes"), (b"b", "text")],
    ],
)
def test_same_bytes_as_requests(monkeypatch, tmp_path, big, data):
    small = tmp_path / "coinc.xml"
    small.write_bytes(b"<xml/>")

    stack = contextlib.ExitStack()

    def files():
        return [
            (
                "skymap",
                (
                    "skymap.fits",
                    stack.enter_context(open(big, "rb")),
                    "application/fits",
                ),
            ),
            ("coinc", (small.name, stack.enter_context(open(small, "rb")))),
            ("text", ("notes.txt", "some text", "text/plain", {"X-Extra": "1"})),
            ("raw", io.BytesIO(b"in memory")),
            ("nothing", ("gone", None)),
        ]

    with stack:
        want, want_type = _requests_body(monkeypatch, data, files())
        body = encode(data, files(), boundary=BOUNDARY)
        streamed = body.read()
    assert body.content_type == want_type
    assert len(body) == len(want)
    assert streamed == want


def test_reads_in_pieces_seeks_and_rewinds(big):
    with open(big, "rb") as f:
        body = encode(None, {"file": ("x.fits", f)})
        whole = body.read()
        assert body.read() == b""
        body.seek(0)
        pieces = []
        while piece := body.read(65536):
            assert len(piece) <= 65536
            pieces.append(piece)
        assert b"".join(pieces) == whole
        body.seek(-10, os.SEEK_END)
        assert body.read() == whole[-10:]
        body.seek(1000)
        assert body.tell() == 1000
        assert b"".join(body) == whole[1000:]


def test_a_file_truncated_during_upload_is_an_error_naming_it(big):
    with open(big, "rb") as f:
        body = encode(None, {"file": ("x.fits", f)})
        os.truncate(big, 1000)
        with pytest.raises(OSError, match=r"skymap\.multiorder\.fits.*shorter"):
            body.read()


def test_only_binary_regular_files_have_a_known_size(tmp_path, big):
    with open(big, "rb") as f:
        f.seek(100)
        assert file_size(f) == big.stat().st_size - 100
    with open(big) as text:
        assert file_size(text) is None
    assert file_size(io.BytesIO(b"x")) is None
    assert file_size(sys.stdin) is None


def _echo(request):
    """Report what arrived: the declared and the received length, the
    multipart fields as the server parsed them."""
    body = request.get_data(cache=True)
    files = {
        name: {"filename": f.filename, "type": f.mimetype, "size": len(f.read())}
        for name, f in request.files.items()
    }
    return Response(
        json.dumps(
            {
                "content_length": request.headers.get("Content-Length"),
                "received": len(body),
                "chunked": "Transfer-Encoding" in request.headers,
                "form": request.form.to_dict(),
                "files": files,
                "content_type": request.mimetype,
            }
        ),
        content_type="application/json",
    )


def test_large_upload_is_streamed_with_a_correct_length(httpserver, big):
    httpserver.expect_request("/upload", method="POST").respond_with_handler(_echo)
    with Session(force_noauth=True) as s:
        r = s.post(httpserver.url_for("/upload"), files={"skymap": (big,)})
    assert isinstance(r.request.body, bytes)  # 3 MiB is under the default
    with Session(force_noauth=True) as s:
        s.upload_stream_threshold = 2**20
        r = s.post(
            httpserver.url_for("/upload"),
            data={"comment": "first map"},
            files={"skymap": (big,)},
        )
    assert isinstance(r.request.body, MultipartBody)
    seen = r.json()
    assert seen["chunked"] is False
    assert int(seen["content_length"]) == seen["received"] == len(r.request.body)
    assert seen["content_type"] == "multipart/form-data"
    assert seen["form"] == {"comment": "first map"}
    assert seen["files"] == {
        "skymap": {
            "filename": big.name,
            "type": "application/fits",
            "size": big.stat().st_size,
        }
    }


def test_streamed_body_is_sent_again_after_a_307(httpserver, big):
    httpserver.expect_request("/old", method="POST").respond_with_data(
        "", status=307, headers={"Location": httpserver.url_for("/upload")}
    )
    httpserver.expect_request("/upload", method="POST").respond_with_handler(_echo)
    with Session(force_noauth=True) as s:
        s.upload_stream_threshold = 0
        r = s.post(httpserver.url_for("/old"), files={"skymap": (big,)})
    seen = r.json()
    assert seen["files"]["skymap"]["size"] == big.stat().st_size
    assert int(seen["content_length"]) == seen["received"]


def test_content_type_given_by_the_caller_is_kept(httpserver, big):
    httpserver.expect_request("/upload", method="POST").respond_with_data("ok")
    with Session(force_noauth=True) as s:
        s.upload_stream_threshold = 0
        r = s.post(
            httpserver.url_for("/upload"),
            files={"skymap": (big,)},
            headers={"Content-Type": "multipart/related; boundary=x"},
        )
    assert r.request.headers["Content-Type"] == "multipart/related; boundary=x"


def _open_paths():
    paths = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            paths.add(os.readlink(f"/proc/self/fd/{fd}"))
    return paths


@pytest.mark.enable_socket
def test_files_are_closed_when_the_upload_fails(big):
    with Session(force_noauth=True) as s:
        s.upload_stream_threshold = 0
        with pytest.raises(requests.ConnectionError):
            s.post("http://127.0.0.1:9/upload", files={"skymap": (big,)})
    assert str(big) not in _open_paths()


def test_files_are_closed_when_the_server_rejects_the_upload(httpserver, big):
    httpserver.expect_request("/upload").respond_with_data("too big", status=413)
    with Session(force_noauth=True) as s:
        s.upload_stream_threshold = 0
        with pytest.raises(requests.HTTPError, match="413"):
            s.post(httpserver.url_for("/upload"), files={"skymap": (big,)})
    assert str(big) not in _open_paths()


def test_callers_file_objects_are_left_open(httpserver, big):
    httpserver.expect_request("/upload").respond_with_data("ok")
    with Session(force_noauth=True) as s, open(big, "rb") as f:
        s.upload_stream_threshold = 0
        s.post(httpserver.url_for("/upload"), files={"skymap": f})
        assert not f.closed


class _F(SessionFileMixin, requests.Session):
    pass


def test_file_mixin_alone_streams_large_uploads(httpserver, big):
    httpserver.expect_request("/upload", method="POST").respond_with_handler(_echo)
    with _F() as s:
        s.upload_stream_threshold = 2**20
        r = s.post(httpserver.url_for("/upload"), files={"skymap": (big,)})
    assert isinstance(r.request.body, MultipartBody)
    assert r.json()["files"]["skymap"]["size"] == big.stat().st_size


def test_threshold_survives_pickle():
    with Session(force_noauth=True) as s:
        s.upload_stream_threshold = 123
        assert pickle.loads(pickle.dumps(s)).upload_stream_threshold == 123
    with Session(force_noauth=True) as s:
        assert pickle.loads(pickle.dumps(s)).upload_stream_threshold == (
            Session.upload_stream_threshold
        )
