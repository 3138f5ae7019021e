"""Large transfers over TLS, streamed with bounded memory: uploads of a
body from a path (``files=`` and ``data=`` an open file, the command line's
``--data @PATH`` and ``--file``) and downloads to a file (``iter_content``,
the command line's ``--output``), through a real TLS server on 127.0.0.1
that streams too. Memory is Python's own (tracemalloc), client and server
together: a body read whole would show as its size."""

from __future__ import annotations

import hashlib
import ssl
import threading
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from requests_gracedb_like import Session
from requests_gracedb_like.cli.entry import main

pytestmark = pytest.mark.enable_socket

#: The normal suite's size; the slow run adds 1 GiB.
SIZES = [64 << 20, pytest.param(1 << 30, marks=pytest.mark.slow, id="1GiB")]
#: What a streamed transfer may add to the peak, whatever its size.
BOUND = 8 << 20
BLOCK = 1 << 20


@pytest.fixture
def big_server(pki):
    """``GET /big/N`` streams N bytes (a repeated 1 MiB block); a POST or PUT
    is read in 1 MiB blocks and answered with its length and SHA-256."""
    block = bytes(range(256)) * (BLOCK // 256)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            size = int(self.path.rsplit("/", 1)[1])
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            view = memoryview(block)
            while size:
                n = min(size, BLOCK)
                self.wfile.write(view[:n])
                size -= n

        def do_POST(self) -> None:
            left = int(self.headers["Content-Length"])
            digest, total = hashlib.sha256(), 0
            while left:
                chunk = self.rfile.read(min(left, BLOCK))
                if not chunk:
                    break
                digest.update(chunk)
                left -= len(chunk)
                total += len(chunk)
            body = f"{total} {digest.hexdigest()}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_PUT = do_POST  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    pki.ca.issue_cert("127.0.0.1").configure_cert(context)

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def get_request(self):
            sock, address = super().get_request()
            return context.wrap_socket(sock, server_side=True), address

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"https://127.0.0.1:{server.server_address[1]}/"
    server.block = block
    yield server
    server.shutdown()
    server.server_close()
    thread.join(10)


def _big_file(path: Path, size: int, block: bytes) -> str:
    """Write `size` bytes of repeated `block` to `path`; their SHA-256."""
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        for _ in range(size // len(block)):
            f.write(block)
            digest.update(block)
    return digest.hexdigest()


class _Peak:
    """How much Python's memory peaked above where it was at the start."""

    def __enter__(self):
        tracemalloc.start()
        self.start = tracemalloc.get_traced_memory()[0]
        return self

    def __exit__(self, *exc):
        self.growth = tracemalloc.get_traced_memory()[1] - self.start
        tracemalloc.stop()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(BLOCK):
            digest.update(chunk)
    return digest.hexdigest()


@pytest.mark.parametrize("size", SIZES)
def test_a_body_from_a_path_is_streamed(big_server, pki, tmp_path, size):
    path = tmp_path / "frame.gwf"
    sha = _big_file(path, size, big_server.block)
    with Session(force_noauth=True) as s:
        s.verify = pki.ca_file
        with _Peak() as peak, open(path, "rb") as f:
            answer = s.post(big_server.url + "upload", data=f).text
    assert answer == f"{size} {sha}"
    assert peak.growth < BOUND


@pytest.mark.parametrize("size", SIZES)
def test_a_file_upload_from_a_path_is_streamed(big_server, pki, tmp_path, size):
    path = tmp_path / "skymap.fits"
    _big_file(path, size, big_server.block)
    with Session(force_noauth=True) as s:
        s.verify = pki.ca_file
        with _Peak() as peak:
            answer = s.post(big_server.url + "upload", files={"file": (path,)}).text
    received = int(answer.split()[0])
    assert size < received < size + 1024  # the file and its part's headers
    assert peak.growth < BOUND


@pytest.mark.parametrize("size", SIZES)
def test_a_download_to_a_file_is_streamed(big_server, pki, tmp_path, size):
    out = tmp_path / "download.bin"
    with Session(force_noauth=True) as s:
        s.verify = pki.ca_file
        with (
            _Peak() as peak,
            s.get(f"{big_server.url}big/{size}", stream=True) as response,
            open(out, "wb") as f,
        ):
            for chunk in response.iter_content(BLOCK):
                f.write(chunk)
    assert out.stat().st_size == size
    assert peak.growth < BOUND


@pytest.mark.parametrize("size", SIZES)
def test_the_command_line_streams_both_ways(
    big_server, pki, tmp_path, monkeypatch, size
):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", pki.ca_file)
    path, out, answer = tmp_path / "in.bin", tmp_path / "out.bin", tmp_path / "a"
    sha = _big_file(path, size, big_server.block)

    def cli(method, url, *options, output=answer):
        return main([method, url, *options, "--no-auth", "--quiet", "-o", str(output)])

    with _Peak() as up:
        assert cli("post", big_server.url + "upload", "--data", f"@{path}") == 0
    assert answer.read_text() == f"{size} {sha}"
    with _Peak() as form:
        assert cli("put", big_server.url + "upload", "--file", f"f={path}") == 0
    assert size < int(answer.read_text().split()[0]) < size + 1024
    with _Peak() as down:
        assert cli("get", f"{big_server.url}big/{size}", output=out) == 0
    assert _sha256(out) == sha
    assert max(up.growth, form.growth, down.growth) < BOUND
