"""The examples of the docs run as doctests (``--doctest-glob=*.rst``), so
that every output a page shows is what the code prints.

Each page runs in the isolated credential environment of the test-suite,
from a home directory that holds what the examples take as given: a
``token`` file (a token for ``https://gracedb.example.org``, for
``albert.einstein``, valid three hours) and a ``~/.netrc`` with an entry for
``gracedb.example.org``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from requests_gracedb_like.testing import make_jwt

if TYPE_CHECKING:
    from requests_gracedb_like.testing import CredentialEnv

collect_ignore = ["conf.py", "_build"]

AUDIENCE = "https://gracedb.example.org"


def prepare_home(env: CredentialEnv) -> Path:
    """Write the files the examples use into the isolated home directory."""
    token = env.home / "token"
    claims = {
        "sub": "albert.einstein",
        "aud": AUDIENCE,
        "iss": "https://cilogon.org/igwn",
    }
    token.write_text(make_jwt(claims, lifetime=3 * 3600) + "\n")
    token.chmod(0o600)
    env.write_netrc("machine gracedb.example.org login albert password hunter2\n")
    return env.home


@pytest.fixture(autouse=True)
def _docs_home(credential_env: CredentialEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(prepare_home(credential_env))
