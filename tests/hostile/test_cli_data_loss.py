"""Promise: the command line never loses a file, and reports each failure
in one line with its documented exit status.

Run as users run it: ``python -m requests_gracedb_like`` in a subprocess.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from hostile import BOUND, endless, in_turn, response

CLI = [sys.executable, "-m", "requests_gracedb_like"]

OLD = b"the previous download, which must survive\n"


def cli(*args):
    return subprocess.run(
        [*CLI, *map(str, args)], capture_output=True, timeout=BOUND, check=False
    )


def one_line(stderr: bytes) -> str:
    text = stderr.decode()
    assert "Traceback" not in text
    assert text.count("\n") == 1, text
    return text


def _dropped(head):
    yield b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
    yield b"partial" * 100
    yield None


def _leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".part"))


def test_connection_lost_mid_body_keeps_the_existing_file(recorder, tmp_path):
    server = recorder(_dropped)
    out = tmp_path / "result.json"
    out.write_bytes(OLD)
    result = cli("get", server.url("/x"), "-o", out, "--retries", "0")
    assert result.returncode == 6
    assert "connection was lost" in one_line(result.stderr)
    assert out.read_bytes() == OLD
    assert _leftovers(tmp_path) == []


def test_connection_lost_mid_body_on_a_pipe_is_status_6(recorder):
    server = recorder(_dropped)
    result = cli("get", server.url("/x"), "--retries", "0")
    assert result.returncode == 6
    one_line(result.stderr)


def test_an_http_error_keeps_the_existing_file(recorder, tmp_path):
    server = recorder(lambda head: response(404, b'{"detail": "gone"}'))
    out = tmp_path / "result.json"
    out.write_bytes(OLD)
    result = cli("get", server.url("/x"), "-o", out)
    assert result.returncode == 4
    assert out.read_bytes() == OLD
    assert _leftovers(tmp_path) == []


def test_a_complete_download_replaces_the_file(recorder, tmp_path):
    server = recorder(lambda head: response(200, b"new content"))
    out = tmp_path / "result.json"
    out.write_bytes(OLD)
    out.chmod(0o640)
    result = cli("get", server.url("/x"), "-o", out)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == b"new content"
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert _leftovers(tmp_path) == []


def test_a_symbolic_link_target_is_kept_and_its_file_replaced(recorder, tmp_path):
    server = recorder(lambda head: response(200, b"new content"))
    real = tmp_path / "real"
    real.write_bytes(OLD)
    link = tmp_path / "link"
    link.symlink_to(real)
    assert cli("get", server.url("/x"), "-o", link).returncode == 0
    assert link.is_symlink()
    assert real.read_bytes() == b"new content"


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_target_is_never_removed(recorder, tmp_path):
    server = recorder(_dropped)
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    result = cli("get", server.url("/x"), "-o", null, "--retries", "0")
    assert result.returncode == 6
    assert stat.S_ISCHR(null.lstat().st_mode)


def test_a_directory_as_bearer_token_file_is_skipped(recorder, tmp_path, monkeypatch):
    server = recorder()
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(tmp_path))
    result = cli("get", server.url("/x"))
    assert result.returncode == 0, result.stderr
    assert not server.saw("Authorization")
    report = cli("auth", server.url("/x"))
    assert "directory" in report.stdout.decode()
    assert "None" not in report.stdout.decode()


def test_escapes_in_a_server_message_never_reach_the_terminal(recorder):
    server = recorder(
        lambda head: response(
            500,
            b'{"detail": "\\u001b]0;pwned\\u0007\\u001b[2Jboom"}',
            {"Content-Type": "application/json"},
        )
    )
    result = cli("get", server.url("/x"), "--retries", "0")
    assert result.returncode == 5
    line = one_line(result.stderr)
    assert "\x1b" not in line
    assert "\x07" not in line
    assert "boom" in line


def test_a_token_file_others_can_read_is_named_in_one_warning(recorder, tmp_path):
    server = recorder()
    token = tmp_path / "token"
    token.write_text("opaque-token-value\n")
    token.chmod(0o644)
    result = cli("get", server.url("/x"), "--token", token)
    assert result.returncode == 0
    line = one_line(result.stderr)
    assert "warning" in line
    assert str(token) in line
    assert "opaque-token-value" not in line


def test_a_retried_endless_error_body_does_not_hang_the_command(recorder):
    server = recorder(in_turn(endless(503), lambda head: response(200, b"second")))
    result = cli("get", server.url("/x"), "--retries", "1", "--quiet")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"second"
