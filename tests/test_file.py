"""Uploads from paths with guessed MIME types: SessionFileMixin."""

from __future__ import annotations

import io
import sys
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path

import pytest
import requests
from werkzeug import Request, Response

from requests_gracedb_like import Session, SessionFileMixin
from requests_gracedb_like.file import guess_content_type


class FilesOnly(SessionFileMixin, requests.Session):
    pass


def parts_of(request: Request) -> dict[str, tuple[str, str, bytes]]:
    """Parse a multipart body into {field: (filename, content type, data)}."""
    raw = b"Content-Type: " + request.headers["Content-Type"].encode() + b"\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(raw + request.get_data())
    out = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        out[name] = (
            part.get_filename(),
            part.get_content_type(),
            part.get_payload(decode=True),
        )
    return out


@pytest.fixture
def echo(httpserver):
    seen = []

    def handler(request: Request) -> Response:
        seen.append(parts_of(request))
        return Response("ok")

    httpserver.expect_request("/upload", method="POST").respond_with_handler(handler)
    return httpserver.url_for("/upload"), seen


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bayestar.multiorder.fits", "application/fits"),
        ("skymap.fits.gz", "application/fits"),
        ("event.xml", "application/xml"),
        ("data.json", "application/json"),
        ("plot.png", "image/png"),
        ("notes.txt", "text/plain"),
        ("strain.hdf5", "application/x-hdf5"),
        ("noextension", "application/octet-stream"),
        ("weird.zzzunknown", "application/octet-stream"),
    ],
)
def test_guess_content_type(name, expected):
    assert guess_content_type(name) == expected


def test_path_tuple_is_read_and_typed(echo, tmp_path):
    url, seen = echo
    path = tmp_path / "bayestar.fits"
    path.write_bytes(b"SIMPLE  = T")
    with FilesOnly() as s:
        s.post(url, files={"skymap": (str(path), None)})
    assert seen[0]["skymap"] == ("bayestar.fits", "application/fits", b"SIMPLE  = T")


def test_pathlib_value(echo, tmp_path):
    url, seen = echo
    path = tmp_path / "coinc.xml"
    path.write_bytes(b"<xml/>")
    with Session(force_noauth=True) as s:
        s.post(url, files={"f": path})
    assert seen[0]["f"] == ("coinc.xml", "application/xml", b"<xml/>")


def test_one_element_tuple_reads_path(echo, tmp_path):
    url, seen = echo
    path = tmp_path / "a.txt"
    path.write_text("hello")
    with FilesOnly() as s:
        s.post(url, files=[("f", (str(path),))])
    assert seen[0]["f"] == ("a.txt", "text/plain", b"hello")


def test_content_tuple_and_file_object(echo):
    url, seen = echo
    with FilesOnly() as s:
        s.post(
            url,
            files={
                "a": ("x.json", b"{}"),
                "b": ("y.png", b"P", None),
                "c": io.BytesIO(b"raw"),
            },
        )
    assert seen[0]["a"] == ("x.json", "application/json", b"{}")
    assert seen[0]["b"] == ("y.png", "image/png", b"P")
    assert seen[0]["c"] == ("c", "application/octet-stream", b"raw")


def test_explicit_type_is_kept(echo):
    url, seen = echo
    with FilesOnly() as s:
        s.post(url, files={"a": ("x.fits", b"d", "application/x-custom")})
    assert seen[0]["a"][1] == "application/x-custom"


def test_stdin_dash_reads_stdin_without_closing_it(echo, monkeypatch):
    url, seen = echo
    stdin = io.TextIOWrapper(io.BytesIO(b"from stdin"))
    monkeypatch.setattr(sys, "stdin", stdin)
    with FilesOnly() as s:
        s.post(url, files={"f": ("-", None)})
    assert seen[0]["f"] == ("-", "application/octet-stream", b"from stdin")
    assert not stdin.closed


def test_missing_file_raises_before_sending(httpserver, tmp_path):
    path = tmp_path / "absent.fits"
    with pytest.raises(FileNotFoundError) as info, FilesOnly() as s:
        s.post(httpserver.url_for("/upload"), files={"f": (str(path), None)})
    assert str(path) in str(info.value)
    assert httpserver.log == []


def test_files_opened_are_closed_on_success_and_failure(
    httpserver, tmp_path, monkeypatch
):
    opened = []
    real_open = open

    def tracking_open(*args, **kwargs):
        f = real_open(*args, **kwargs)
        # Only the uploads: the first MIME type guess of a process also
        # opens the system's mime.types files.
        if str(args[0]).startswith(str(tmp_path)):
            opened.append(f)
        return f

    monkeypatch.setattr("builtins.open", tracking_open)
    good = tmp_path / "good.txt"
    good.write_text("x")
    httpserver.expect_request("/upload").respond_with_data("ok")
    with FilesOnly() as s:
        s.post(httpserver.url_for("/upload"), files={"f": good})
        with pytest.raises(FileNotFoundError):
            s.post(
                httpserver.url_for("/upload"),
                files=[("a", good), ("b", tmp_path / "missing")],
            )
    assert len(opened) == 2
    assert all(f.closed for f in opened)


def test_other_arguments_pass_through(httpserver, tmp_path):
    httpserver.expect_request("/upload").respond_with_data(
        "", status=303, headers={"Location": "/elsewhere"}
    )
    path = tmp_path / "a.txt"
    path.write_text("x")
    with FilesOnly() as s:
        r = s.post(
            httpserver.url_for("/upload"),
            files={"f": path},
            allow_redirects=False,
            params={"q": "1"},
            headers={"X-Extra": "yes"},
        )
    assert r.status_code == 303
    request, _ = httpserver.log[0]
    assert request.args["q"] == "1"
    assert request.headers["X-Extra"] == "yes"


def test_no_files_is_plain_request(httpserver):
    httpserver.expect_request("/", method="PUT").respond_with_data("ok")
    with FilesOnly() as s:
        assert s.put(httpserver.url_for("/"), data="body").text == "ok"
    assert httpserver.log[0][0].get_data() == b"body"


def test_empty_tuple_is_a_clear_error():
    with pytest.raises(ValueError, match="files\\['f'\\]"), FilesOnly() as s:
        s.post("https://h.example/", files={"f": ()})


def test_path_object_as_filename_in_tuple(echo):
    url, seen = echo
    with FilesOnly() as s:
        s.post(url, files={"f": (Path("dir/sky.fits"), b"data")})
    # The name is sent as given; only paths read from disk are shortened.
    assert seen[0]["f"] == ("dir/sky.fits", "application/fits", b"data")


def test_small_path_uploads_reach_requests_as_bytes(tmp_path, monkeypatch):
    # As requests-gracedb builds them: (basename, content, content type).
    seen = []
    monkeypatch.setattr(
        requests.Session, "request", lambda self, *a, **kw: seen.append(kw["files"])
    )
    path = tmp_path / "coinc.xml"
    path.write_bytes(b"<!--example data-->")
    with FilesOnly() as s:
        s.post("https://example.org/", files={"key": (str(path), None)})
        s.post("https://example.org/", files={"key": path})
    expected = [("key", ("coinc.xml", b"<!--example data-->", "application/xml"))]
    assert seen == [expected, expected]
