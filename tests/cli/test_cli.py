"""The command line, run as users run it: ``python -m requests_gracedb_like``
in a subprocess, against a local service. Subprocesses inherit the isolated
credential environment of the autouse fixture."""

from __future__ import annotations

import json
import os
import pty
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from requests_gracedb_like import Session

# Not in the default run (see addopts in pyproject.toml): .ci/run runs it
# with -m slow. Why: each test runs the command line in a new Python process.
pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "requests_gracedb_like"]


def cli(*args: object, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *map(str, args)],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


def on_tty(*args: object, stream: str) -> tuple[int, str, bytes]:
    """Run with `stream` ("stdout" or "stderr") on a pseudo-terminal; return
    the exit status, what the terminal showed and the other stream."""
    master, slave = pty.openpty()
    other = {"stdout": "stderr", "stderr": "stdout"}[stream]
    with subprocess.Popen(
        [*CLI, *map(str, args)],
        stdin=subprocess.DEVNULL,
        **{stream: slave, other: subprocess.PIPE},
    ) as proc:
        os.close(slave)
        shown = b""
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            shown += data
        rest = getattr(proc, other).read()
        proc.wait(60)
    os.close(master)
    return proc.returncode, shown.decode().replace("\r\n", "\n"), rest


@pytest.fixture
def token_file(service, tmp_path, monkeypatch):
    path = service.write_token(tmp_path / "token", {"sub": "albert"})
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(path))
    return path


def one_line(stderr: bytes) -> str:
    text = stderr.decode()
    assert "Traceback" not in text
    assert text.count("\n") == 1, text
    return text


# --- requests ---------------------------------------------------------------


def test_get_sends_the_discovered_token_and_pipes_the_raw_body(service, token_file):
    service.respond("GET", "/api/events/", body=b'{"n":1}', headers={"X": "y"})
    result = cli("get", service.url_for("api/events/?page=2"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == b'{"n":1}'  # not re-formatted when piped
    seen = service.requests[-1]
    assert seen.path == "/api/events/?page=2"
    assert seen.headers["Authorization"] == f"Bearer {token_file.read_text().strip()}"
    assert seen.headers["User-Agent"].startswith("requests_gracedb_like/")


def test_requests_use_a_token_only_if_it_grants_the_scope(
    service, tmp_path, monkeypatch
):
    path = service.write_token(tmp_path / "token", {"scope": "gracedb.read"})
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(path))
    url = service.url_for("api/")
    assert cli("get", url, "--token-scope", "gracedb.read").returncode == 0
    assert "Authorization" in service.requests[-1].headers
    result = cli("get", url, "--token-scope", "gracedb.write")
    assert result.returncode == 4  # sent without the token: 401
    assert "Authorization" not in service.requests[-1].headers


def test_json_is_pretty_printed_on_a_terminal(service, token_file):
    status, shown, _ = on_tty("get", service.url_for("api/"), stream="stdout")
    assert status == 0
    assert '\n  "user": "albert",\n' in shown


def test_binary_body_is_not_dumped_on_a_terminal(service, token_file):
    status, shown, stderr = on_tty("get", service.url_for("bytes/600"), stream="stdout")
    assert status == 0
    assert shown == ""
    assert b"600 bytes of binary data not shown" in stderr


def test_post_json_is_sent_as_given(service, token_file):
    text = '{"graceid": "G1",  "labels": ["EM_READY"]}'
    result = cli("post", service.url_for("api/"), "--json", text)
    assert result.returncode == 0, result.stderr
    seen = service.requests[-1]
    assert seen.method == "POST"
    assert seen.body == text.encode()
    assert seen.headers["Content-Type"] == "application/json"
    assert json.loads(result.stdout)["json"]["labels"] == ["EM_READY"]


@pytest.mark.parametrize("text", ['{"a": ', "{'a': 1}", ""])
def test_invalid_json_is_refused_before_sending(service, token_file, text):
    result = cli("post", service.url_for("api/"), "--json", text)
    assert result.returncode == 2
    assert "--json is not valid JSON" in one_line(result.stderr)
    assert service.requests == []


def test_data_from_a_file_and_from_stdin(service, token_file, tmp_path):
    payload = tmp_path / "event.xml"
    payload.write_bytes(b"<LIGO_LW>\n</LIGO_LW>\n")
    assert cli("put", service.url_for("a"), "--data", f"@{payload}").returncode == 0
    assert service.requests[-1].body == payload.read_bytes()
    assert service.requests[-1].headers["Content-Type"] == "application/xml"
    result = cli("patch", service.url_for("b"), "-d", "@-", stdin=b"raw\x00bytes")
    assert result.returncode == 0, result.stderr
    assert service.requests[-1].method == "PATCH"
    assert service.requests[-1].body == b"raw\x00bytes"


def test_file_upload_guesses_mime_types(service, token_file, tmp_path):
    skymap = tmp_path / "bayestar.multiorder.fits.gz"
    skymap.write_bytes(b"\x1f\x8b" + b"x" * 100)
    coinc = tmp_path / "coinc.xml"
    coinc.write_text("<LIGO_LW/>")
    result = cli(
        "post",
        service.url_for("api/events/G1/files/"),
        "--file",
        f"skymap={skymap}",
        "-F",
        f"coinc={coinc}",
        "--field",
        "comment=a = b",
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["form"] == {"comment": ["a = b"]}
    assert {f["filename"]: f["content_type"] for f in answer["files"]} == {
        "bayestar.multiorder.fits.gz": "application/fits",
        "coinc.xml": "application/xml",
    }
    assert {f["size"] for f in answer["files"]} == {102, 10}


def test_unreadable_file_is_named(service, token_file, tmp_path):
    missing = tmp_path / "nope.fits"
    result = cli("post", service.url_for("api/"), "--file", f"skymap={missing}")
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert str(missing) in line
    assert "No such file" in line
    assert service.requests == []


def test_headers_are_added_and_removed(service, token_file):
    result = cli(
        "get", service.url_for("api/"), "-H", "X-Trace: 42", "--header", "User-Agent:"
    )
    assert result.returncode == 0, result.stderr
    seen = service.requests[-1].headers
    assert seen["X-Trace"] == "42"
    assert "python-requests" not in seen.get("User-Agent", "")
    assert "requests_gracedb_like" not in seen.get("User-Agent", "")


def test_a_given_authorization_header_is_sent_as_given(service, token_file):
    service.accept_token("opaque-token")
    result = cli(
        "get", service.url_for("api/"), "-H", "Authorization: Bearer opaque-token"
    )
    assert result.returncode == 0, result.stderr
    assert service.requests[-1].headers["Authorization"] == "Bearer opaque-token"


def test_output_writes_the_body_to_a_file(service, token_file, tmp_path):
    out = tmp_path / "download.bin"
    result = cli("get", service.url_for("bytes/70000"), "--output", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    assert out.read_bytes() == (bytes(range(256)) * 274)[:70000]


def test_unwritable_output_is_status_1(service, token_file, tmp_path):
    out = tmp_path / "no-such-dir" / "out"
    result = cli("get", service.url_for("api/"), "-o", out)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert f"cannot write {str(out)!r}: No such file or directory" in line


@pytest.mark.parametrize(
    ("path", "status", "expected"),
    [
        ("status/404", 4, "-> 404 Not Found: Not Found (asked for by /status/404)"),
        ("status/409", 4, "-> 409 Conflict"),
        ("status/500", 5, "-> 500 Internal Server Error"),
        ("status/503", 5, "-> 503 Service Unavailable"),
    ],
)
def test_http_errors_have_an_exit_status_per_class(
    service, token_file, tmp_path, path, status, expected
):
    out = tmp_path / "out"
    result = cli("get", service.url_for(path), "-o", out, "--retries", "0")
    assert result.returncode == status
    assert expected in one_line(result.stderr)
    assert not out.exists()


def test_a_rejected_token_is_a_4xx(service, tmp_path, monkeypatch):
    stale = tmp_path / "stale"
    stale.write_text("not-issued-by-the-service\n")
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(stale))
    result = cli("get", service.url_for("api/"))
    assert result.returncode == 4
    first, sent, step, hint = result.stderr.decode().splitlines()
    assert "401 Unauthorized: Invalid token." in first
    assert sent == (
        f"requests-gracedb-like: Sent: the credential from BEARER_TOKEN_FILE ({stale})."
    )
    assert step.startswith("requests-gracedb-like: Next: ")
    assert hint == (
        f"requests-gracedb-like: 'requests-gracedb-like auth "
        f"{service.url_for('api/')}' lists every source and why"
    )
    assert "not-issued-by-the-service" not in result.stderr.decode()


def test_a_401_with_a_mistyped_token_file_says_so(service, tmp_path, monkeypatch):
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(tmp_path / "tokn"))
    result = cli("get", service.url_for("api/"))
    assert result.returncode == 4
    warning, first, *note, hint = result.stderr.decode().splitlines()
    assert warning.startswith("requests-gracedb-like: warning: BEARER_TOKEN_FILE")
    assert "401 Unauthorized" in first
    assert note == [
        "requests-gracedb-like: No credential was sent. Skipped:",
        f"requests-gracedb-like:   BEARER_TOKEN_FILE ({tmp_path / 'tokn'}): "
        "no such file",
        "requests-gracedb-like: Next: correct the path in BEARER_TOKEN_FILE, or "
        "unset it",
    ]
    assert hint.startswith("requests-gracedb-like: 'requests-gracedb-like auth ")


def test_a_401_with_nothing_configured_points_at_auth(service):
    result = cli("get", service.url_for("api/"))
    assert result.returncode == 4
    lines = result.stderr.decode().splitlines()
    assert lines[1].startswith("requests-gracedb-like: No credential was sent: none")
    assert '"Getting a credential"' in lines[2]
    assert lines[3].startswith("requests-gracedb-like: 'requests-gracedb-like auth")


def test_auth_and_get_agree_on_plain_http(tmp_path, monkeypatch):
    token = tmp_path / "token"
    token.write_text("opaque-token\n")
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(token))
    url = "http://gracedb.example.org/api/"
    auth = cli("auth", url)
    assert auth.returncode == 3
    assert auth.stdout.decode().splitlines()[-1] == (
        "Not sent: the URL is plain http, where anyone on the network path could "
        "read the credential: requests refuse to send it. Use https, or add "
        "--allow-insecure-auth to send it anyway."
    )
    get = cli("get", url)  # refused before any connection is tried
    assert get.returncode == 3
    assert one_line(get.stderr).endswith(
        "Use https, or add --allow-insecure-auth to send it anyway.\n"
    )
    allowed = cli("auth", url, "--allow-insecure-auth", "--json")
    assert allowed.returncode == 0
    assert json.loads(allowed.stdout)["refused"] is None


def test_auth_and_get_agree_on_a_url_that_parsers_read_two_ways(tmp_path, monkeypatch):
    # urlsplit reads the host as 127.0.0.1; urllib3 connects to evil.example
    token = tmp_path / "token"
    token.write_text("opaque-token\n")
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(token))
    url = "http://evil.example\\@127.0.0.1/api/"
    auth = cli("auth", url)
    assert auth.returncode == 3
    assert auth.stdout.decode().splitlines()[-1].startswith("Not sent: ")
    get = cli("get", url)  # refused before any connection is tried
    assert get.returncode == 3
    assert "refusing to send a credential" in get.stderr.decode()


def test_retries_option_retries_a_503(service, token_file):
    service.respond("GET", "/api/flaky/", status=503, headers={"Retry-After": "0"})
    result = cli("get", service.url_for("api/flaky/"), "--retries", "2")
    assert result.returncode == 5
    assert [r.path for r in service.requests].count("/api/flaky/") == 3
    service.clear()
    result = cli("get", service.url_for("api/flaky/"), "--retries", "0")
    assert [r.path for r in service.requests].count("/api/flaky/") == 1


@pytest.mark.enable_socket
def test_connection_refused_says_how_often_it_was_tried(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = cli("get", f"http://127.0.0.1:{port}/api/", "--retries", "1")
    assert result.returncode == 6
    retrying, failure = result.stderr.decode().splitlines()
    assert "retrying in" in retrying
    assert "(attempt 2 of 2)" in retrying
    assert failure.endswith(": Connection refused (after 1 retry)")


def test_connection_refused(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = cli("get", f"http://127.0.0.1:{port}/api/", "--retries", "0")
    assert result.returncode == 6
    assert "Connection refused" in one_line(result.stderr)


@pytest.mark.enable_socket
def test_timeout():
    with socket.socket() as stalled:  # accepts connections, never answers
        stalled.bind(("127.0.0.1", 0))
        stalled.listen()
        url = f"http://127.0.0.1:{stalled.getsockname()[1]}/"
        result = cli("get", url, "--timeout", "0.3")
    assert result.returncode == 7
    assert "timed out" in one_line(result.stderr)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("ht!tp://foo", "'ht!tp://foo': the scheme must be http or https, not 'ht!tp'"),
        ("http://albert:s3cret@[foo/", "'http://[foo/': Invalid IPv6 URL"),
        ("albert:s3cret@gracedb.org/", "as in 'https://gracedb.org/'"),
        ("http:/gracedb.org/", "give the scheme, as in 'http://gracedb.org/'"),
        ("httpbin.org/\x1b[2J", "'httpbin.org/\\x1b[2J': give the scheme, as in"),
    ],
)
def test_a_malformed_url_is_quoted_as_typed_without_secrets(typed, message):
    result = cli("get", typed)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("requests-gracedb-like: malformed URL ")
    assert message in line
    assert "s3cret" not in line
    assert "\x1b" not in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["get", "gracedb.example.org/api/"], "give the scheme"),
        (["get", "ftp://example.org/"], "the scheme must be http or https"),
        (["get", "http://example.org:99999/"], "Port out of range"),
        (["get", "http:///path"], "no host name"),
        (["get", "http://x/", "--bogus"], "unrecognized option --bogus"),
        (["get", "http://x/", "--timeout", "0"], "must be more than 0 seconds"),
        (["get", "http://x/", "--retries", "-1"], "must be 0 or more"),
        (["get", "http://x/", "--retries", "two"], "not a whole number"),
        (["get", "http://x/", "-H", "no colon"], "--header expects"),
        (["get", "http://x/", "-H", "A: b\nc"], "value of A has control characters"),
        (["post", "http://x/", "-F", "path-only"], "--file expects FIELD=PATH"),
        (["post", "http://x/", "-d", "a", "-j", "1"], "not allowed with argument"),
        (["post", "http://x/", "-F", "a=b", "-j", "1"], "cannot be combined"),
        (["fetch", "http://x/"], "invalid choice: 'fetch'"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_bad_usage_is_one_line_and_status_2(args, expected):
    result = cli(*args)
    assert result.returncode == 2
    assert expected in one_line(result.stderr)


def test_debug_shows_the_traceback(tmp_path):
    result = cli(
        "get", "http://127.0.0.1:9/", "--token", tmp_path / "missing", "--debug"
    )
    assert result.returncode == 3
    assert "Traceback" in result.stderr.decode()
    assert result.stderr.decode().rstrip().endswith("No such file or directory")


def test_unusable_token_file_is_a_credential_failure(service, tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.write_text("")
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(empty))
    result = cli("get", service.url_for("api/"))
    assert result.returncode == 3
    assert str(empty) in one_line(result.stderr)
    assert service.requests == []


# --- progress bars ----------------------------------------------------------

BIG = 5 * 1024 * 1024


def test_progress_bar_for_a_large_download_on_a_terminal(service, token_file, tmp_path):
    out = tmp_path / "big"
    status, shown, _ = on_tty(
        "get", service.url_for(f"bytes/{BIG}"), "-o", out, stream="stderr"
    )
    assert status == 0
    assert out.stat().st_size == BIG
    assert "download" in shown
    assert "100%" in shown
    assert "5.00M" in shown


def test_progress_bar_for_a_large_upload_on_a_terminal(service, token_file, tmp_path):
    big = tmp_path / "big.hdf5"
    big.write_bytes(b"\0" * BIG)
    status, shown, stdout = on_tty(
        "post", service.url_for("api/"), "-F", f"file={big}", stream="stderr"
    )
    assert status == 0
    assert json.loads(stdout)["files"][0]["size"] == BIG
    assert "upload" in shown
    assert "100%" in shown


def test_quiet_and_small_transfers_show_no_bar(service, token_file, tmp_path):
    url = service.url_for(f"bytes/{BIG}")
    assert on_tty("get", url, "-o", tmp_path / "a", "--quiet", stream="stderr")[1] == ""
    small = service.url_for("bytes/1000")
    assert on_tty("get", small, "-o", tmp_path / "b", stream="stderr")[1] == ""


def test_works_without_tqdm(service, token_file, tmp_path):
    out = tmp_path / "big"
    code = (
        "import sys; sys.modules['tqdm'] = None\n"
        "from requests_gracedb_like.cli import main\n"
        "raise SystemExit(main(sys.argv[1:]))\n"
    )
    master, slave = pty.openpty()
    result = subprocess.run(
        [sys.executable, "-c", code, "get", service.url_for(f"bytes/{BIG}"), "-o", out],
        stderr=slave,
        timeout=60,
        check=False,
    )
    os.close(slave)
    os.close(master)
    assert result.returncode == 0
    assert out.stat().st_size == BIG


# --- auth -------------------------------------------------------------------


def test_auth_lists_every_source_and_the_winner(service, token_file, env):
    env.write_netrc("machine 127.0.0.1 login albert password hunter2\n")
    result = cli("auth", service.url)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    lines = text.splitlines()
    order = [
        "force_noauth:",
        "token argument:",
        "api_key argument:",
        "username/password arguments:",
        "cert argument:",
        "BEARER_TOKEN:",
        "BEARER_TOKEN_FILE (",
        "SCITOKEN:",
        "SCITOKEN_FILE:",
        "_CONDOR_CREDS:",
        "OIDC login:",
        "XDG_RUNTIME_DIR (",
        "/tmp (",
        "X509_USER_CERT:",
        "X509_USER_PROXY:",
        "/tmp/x509up (",
        "~/.globus (",
        "netrc (",
    ]
    assert len(lines) > len(order)
    for number, (line, name) in enumerate(zip(lines[1:], order, strict=False), 1):
        assert line[4:].lstrip().startswith(f"{number}. {name}"), line
    assert f"  *  7. BEARER_TOKEN_FILE ({token_file}): bearer token file\n" in text
    assert f"Using: BEARER_TOKEN_FILE ({token_file})\n" in text
    assert "+ 18. netrc" in text
    assert "an earlier source supplies it" in text
    assert "sub: albert" in text
    assert "Expires: " in text
    assert re.search(r"\(in (1 h|59 min \d+ s)\)", text), text
    assert token_file.read_text().strip() not in text
    assert "hunter2" not in text


def test_auth_reports_token_and_certificate_as_the_session_does(
    service, token_file, env, pki
):
    pytest.importorskip("cryptography")
    proxy = env.write_tmp_proxy(pki.pem("albert", days=1))
    result = cli("auth", service.url, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    with Session(service.url) as session:
        assert report["used"] == session.auth_source
        assert (
            report["used"]
            == f"BEARER_TOKEN_FILE ({token_file}) + /tmp/x509up ({proxy})"
        )
        described = {r.source: r.status for r in session.describe_auth()}
    by_name = {s["source"]: s for s in report["sources"]}
    assert by_name["/tmp/x509up"]["status"] == "used"
    assert described["/tmp/x509up"] == "used"
    assert "CN=albert" in report["claims"]["subject"]
    assert 3500 < report["expires_in"] <= 3600  # the token expires first


def test_auth_json(service, token_file):
    result = cli("auth", service.url, "--json")
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert report["used"] == f"BEARER_TOKEN_FILE ({token_file})"
    assert report["usable"] is True
    assert 3500 < report["expires_in"] <= 3600
    statuses = [s["status"] for s in report["sources"]]
    assert statuses.index("used") == 6
    assert token_file.read_text().strip() not in result.stdout.decode()


def test_auth_never_prints_a_token_from_the_environment(service, monkeypatch):
    token = service.issue_token({"sub": "albert"})
    monkeypatch.setenv("BEARER_TOKEN", token)
    for args in (["auth", service.url], ["auth", service.url, "--json", "--debug"]):
        result = cli(*args)
        assert result.returncode == 0
        assert b"BEARER_TOKEN" in result.stdout
        for part in token.split("."):
            if part:
                assert part.encode() not in result.stdout + result.stderr


def test_auth_fails_when_nothing_is_found_and_says_what_to_do_next():
    result = cli("auth", "https://gracedb.example.org/api/")
    assert result.returncode == 3
    assert result.stdout.decode().endswith(
        "Using: no credential (requests are sent without one)\n"
        "Next: log in with the OpenID Connect issuer and client id the service "
        "publishes:\n"
        "  requests-gracedb-like login https://gracedb.example.org/api/ "
        "--issuer ISSUER --client-id CLIENT_ID\n"
        "or save a token the service gave you in a file and "
        "export BEARER_TOKEN_FILE=/path/to/it;\n"
        "then run this command again. Other ways (X.509, netrc, jobs): see\n"
        '"Getting a credential" in the docs (docs/credentials_howto.rst).\n'
    )


def test_auth_gives_the_igwn_command_for_an_igwn_service(tmp_path, monkeypatch):
    # an expired token is no credential either: the same next step renews it
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(tmp_path / "missing"))
    result = cli("auth", "https://gracedb.ligo.org/api/")
    assert result.returncode == 3
    out = result.stdout.decode()
    assert (
        "Next: get a token for https://gracedb.ligo.org from the IGWN vault:\n"
        "  htgettoken -a vault.ligo.org -i igwn --audience https://gracedb.ligo.org\n"
    ) in out
    assert cli("auth", "https://gracedb.ligo.org/api/", "--json").stdout.startswith(
        b"{"
    )


def test_auth_says_log_in_when_a_provider_is_configured(monkeypatch):
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_ISSUER", "https://login.example.org")
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_ID", "cli")
    out = cli("auth", "https://gracedb.example.org/api/").stdout.decode()
    assert (
        "Next: log in:\n  requests-gracedb-like login https://gracedb.example.org/api/\n"
        in out
    )


def test_auth_says_nothing_more_when_a_credential_is_used(service, token_file):
    assert "Next:" not in cli("auth", service.url).stdout.decode()


def test_auth_fails_for_an_expired_token(service, tmp_path):
    path = service.write_token(tmp_path / "old", lifetime=-120)
    result = cli("auth", service.url, "--token", path)
    assert result.returncode == 3
    assert "Expired: " in result.stdout.decode()
    assert "(2 min " in result.stdout.decode()


def test_auth_names_an_unusable_token_file(tmp_path, monkeypatch):
    bad = tmp_path / "bad"
    bad.write_bytes(b"\xff\xfe")
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(bad))
    result = cli("auth", "https://gracedb.example.org/api/")
    assert result.returncode == 3
    text = result.stdout.decode()
    assert "  !  7. BEARER_TOKEN_FILE: cannot be used" in text
    assert "Using: nothing: a Session stops at BEARER_TOKEN_FILE, which cannot" in text
    assert f"{str(bad)!r} is not UTF-8 text" in text


def test_auth_says_which_claim_made_a_token_unusable(monkeypatch):
    from requests_gracedb_like.testing import make_jwt

    url = "https://gracedb.example.org/api/"
    token = make_jwt({"aud": "https://gracedb.example.org", "scope": "gracedb.read"})
    monkeypatch.setenv("BEARER_TOKEN", token)
    assert cli("auth", url, "--token-scope", "gracedb.read").returncode == 0
    result = cli("auth", url, "--token-scope", "read:/frames", "--json")
    assert result.returncode == 3
    item = json.loads(result.stdout)["sources"][5]
    assert (item["source"], item["why"]) == ("BEARER_TOKEN", "wrong scope")
    assert item["reason"] == 'scope: wanted "read:/frames", token has "gracedb.read"'
    result = cli("auth", url, "--token-expiry-margin", "7200")
    assert result.returncode == 3
    assert "exp: wanted at least 7200 s left, token has" in result.stdout.decode()
    for part in token.split("."):
        if part:
            assert part.encode() not in result.stdout + result.stderr


def test_auth_shows_claims_without_terminal_escapes(monkeypatch):
    from requests_gracedb_like.testing import make_jwt

    claims = {"sub": "\x1b]0;pwned\x07albert\x1b[2J", "scope": "read:/\x9b2J"}
    monkeypatch.setenv("BEARER_TOKEN", make_jwt(claims))
    result = cli("auth", "https://gracedb.example.org/api/")
    assert result.returncode == 0
    text = result.stdout.decode()
    assert "  sub: albert\n" in text
    assert "\x1b" not in text
    assert "\x9b" not in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--token-scope", "read:frames"], "--token-scope: the path of 'read:frames'"),
        (["--token-expiry-margin", "-1"], "must be 0 seconds or more"),
        (["--token-expiry-margin", "soon"], "not a number of seconds"),
    ],
)
def test_bad_claim_option_is_a_usage_error(args, message):
    for command in ("auth", "get"):
        result = cli(command, "https://gracedb.example.org/api/", *args)
        assert result.returncode == 2
        assert message in result.stderr.decode()


# --- entry points and demo ---------------------------------------------------


def test_console_script_and_version():
    script = Path(sys.executable).with_name("requests-gracedb-like")
    result = subprocess.run(
        [str(script), "--version"], capture_output=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert result.stdout.decode().startswith("requests-gracedb-like ")


def test_demo_runs_offline():
    result = cli("demo")
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    assert "  *  7. BEARER_TOKEN_FILE (" in text
    assert "SCITOKEN: not looked at: BEARER_TOKEN_FILE" in text
    assert "X509_USER_CERT: not set\n" in text
    assert "bayestar.multiorder.fits: application/fits" in text
    assert "NotFound (a requests.HTTPError)" in text
    assert "Superevent S000000 does not exist." in text
    assert "sent the new token (the service knows it as 'token-2')" in text
    assert "Unauthorized" in text
    assert result.stderr == b""
