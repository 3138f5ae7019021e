"""The ``auth`` command, in-process (more, as subprocesses, in
tests/cli/test_cli.py)."""

from __future__ import annotations

import json
import os

from requests_gracedb_like.cli import main
from requests_gracedb_like.testing import make_jwt

URL = "https://gracedb.example.org/api/"


def test_auth_reports_a_token_file_others_may_read(tmp_path, monkeypatch, capsys):
    token = tmp_path / "token"
    token.write_text(make_jwt({"aud": "https://gracedb.example.org"}))
    os.chmod(token, 0o644)
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(token))
    warning = (
        f"bearer token file '{token}' can be read by others (mode 644); "
        f"make it private with: chmod 600 {token}"
    )
    assert main(["auth", URL]) == 0
    out = capsys.readouterr().out
    assert f"Warning: {warning}\n" in out
    assert main(["auth", URL, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == [warning]
    os.chmod(token, 0o600)
    assert main(["auth", URL, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == []
