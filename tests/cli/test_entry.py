"""The entry point of the command line, in-process: what every command
does before it runs."""

from __future__ import annotations

import socket

import pytest

from requests_gracedb_like.cli import main


@pytest.fixture
def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/"


@pytest.mark.enable_socket
def test_get_warns_about_a_token_variable_naming_a_missing_file(
    closed_port_url, tmp_path, monkeypatch, capsys
):
    missing = tmp_path / "tokn"
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(missing))
    main(["get", closed_port_url, "--retries", "0"])
    first = capsys.readouterr().err.splitlines()[0]
    assert first == (
        f"requests-gracedb-like: warning: BEARER_TOKEN_FILE names '{missing}', "
        "which does not exist: correct the path, or unset BEARER_TOKEN_FILE"
    )


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("SCITOKEN_FILE", ["auth", "https://example.org/"]),
        ("X509_USER_PROXY", ["logout", "https://example.org/", "--no-revoke"]),
        ("NETRC", ["auth", "https://example.org/", "--json"]),
    ],
)
def test_every_command_warns_about_a_variable_naming_a_directory(
    name, command, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv(name, str(tmp_path))
    main(command)
    assert (
        f"requests-gracedb-like: warning: {name} names '{tmp_path}', which is a "
        f"directory, not a file: correct the path, or unset {name}"
    ) in capsys.readouterr().err.splitlines()


def test_a_credential_directory_variable_naming_a_file_is_a_warning(
    tmp_path, monkeypatch, capsys
):
    not_a_directory = tmp_path / "creds"
    not_a_directory.write_text("")
    monkeypatch.setenv("_CONDOR_CREDS", str(not_a_directory))
    main(["auth", "https://example.org/"])
    err = capsys.readouterr().err
    assert f"_CONDOR_CREDS names '{not_a_directory}', which is not a directory" in err
