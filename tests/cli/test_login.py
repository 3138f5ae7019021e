"""The login and logout commands, against a provider process."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from requests_gracedb_like.cli import login as cli_login
from requests_gracedb_like.cli import main
from requests_gracedb_like.testing.oidc_provider import CLIENT_ID

pytest.importorskip("authlib")

URL = "https://gracedb.example.org/api/"


@pytest.fixture
def provider(oidc_provider, monkeypatch):
    slept = []
    monkeypatch.setattr(cli_login, "SLEEP", slept.append)
    oidc_provider.slept = slept
    return oidc_provider


def args(provider, *extra):
    return ["--issuer", provider.issuer, "--client-id", CLIENT_ID, *extra]


def test_login_auth_logout(provider, capsys, monkeypatch):
    provider.configure(auto_approve=2)
    assert main(["login", URL, *args(provider)]) == 0
    out, err = capsys.readouterr()
    assert f"To log in, open {provider.issuer}/device and enter the code" in err
    assert "Waiting for approval (the code expires in 10 min)..." in err
    assert out.startswith(f"Logged in to {provider.issuer}; the access token expires")
    assert "sessions refresh it by themselves" in out
    assert provider.slept == [5, 5]

    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_ISSUER", provider.issuer)
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_ID", CLIENT_ID)
    assert main(["auth", URL]) == 0
    assert "OIDC login" in capsys.readouterr().out

    assert main(["logout", URL]) == 0
    out = capsys.readouterr().out
    assert f"Revoked the refresh token at {provider.issuer}." in out
    assert "Forgot the tokens in" in out
    assert main(["logout", URL]) == 0
    assert "Not logged in" in capsys.readouterr().out


def test_login_without_settings_is_a_usage_error(capsys):
    assert main(["login", URL]) == 2
    err = capsys.readouterr().err
    assert "no OIDC issuer and client id configured for " + URL in err


def test_provider_down_is_a_connection_failure(provider, capsys):
    provider.stop()
    assert main(["login", URL, *args(provider)]) == 6
    assert "unreachable" in capsys.readouterr().err


def test_denied_login_is_a_credential_failure(oidc_provider, capsys, monkeypatch):
    def deny(seconds):
        shown = capsys.readouterr().err
        code = shown.split("enter the code ")[1].split()[0]
        oidc_provider.deny(code)

    monkeypatch.setattr(cli_login, "SLEEP", deny)
    assert main(["login", URL, *args(oidc_provider)]) == 3
    err = capsys.readouterr().err
    assert "the request was denied" in err


DOCS = Path(__file__).resolve().parents[2] / "docs"


def normalise(text: str, home: str, tmp: str = "/tmp") -> list[str]:
    """What differs from run to run: ports, codes, times, file names."""
    text = text.replace(home, "~").replace(tmp, "/tmp")
    text = re.sub(r"http://127\.0\.0\.1:\d+", "ISSUER", text)
    text = re.sub(r"\b[B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4}\b", "CODE", text)
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "WHEN", text)
    text = re.sub(r"oidc/[0-9a-f]{24}\.json", "oidc/CACHE.json", text)
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in [^)]*\)", "WHEN", text)
    text = re.sub(r"_u\d+\b", "_uUID", text)
    return [line.rstrip() for line in text.strip().splitlines()]


def console_block(page: str, number: int = 0) -> str:
    text = (DOCS / page).read_text()
    block = text.split(".. code-block:: console\n\n")[number + 1]
    return textwrap.dedent(block.split("\n\n", 1)[0])


def test_the_pages_show_what_login_and_auth_print(provider, capsys, monkeypatch, env):
    """The transcripts of docs/oidc_device.rst and docs/oidc.rst (written by
    docs/_scripts/oidc_transcript.py --write) are what the commands print."""
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_ISSUER", provider.issuer)
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.delenv("XDG_RUNTIME_DIR")  # as in the transcript
    provider.configure(auto_approve=2)
    home, tmp = str(env.home), str(env.tmp_dir)
    for page, number, argv in [
        ("oidc_device.rst", 0, ["login", URL]),
        ("oidc.rst", 0, ["auth", URL]),
    ]:
        assert main(argv) == 0
        out, err = capsys.readouterr()
        ran = f"$ requests-gracedb-like {' '.join(argv)}\n{err}{out}"
        shown = console_block(page, number)
        assert normalise(ran, home, tmp) == normalise(shown, home)
