"""Every test, and every doctest (in the package and in ``docs/``), runs in
an isolated credential environment: the developer's own ``~/.netrc``,
token files and ``X509_*`` variables cannot change a result.

The docs' examples (doctests of ``docs/*.rst``, and the console transcripts
``tests/test_docs.py`` runs) start in the home directory of that
environment, which holds what they take as given: a ``token`` file (a token
for ``https://gracedb.example.org``, for ``albert.einstein``, valid three
hours) and a ``~/.netrc`` entry for ``gracedb.example.org``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from requests_gracedb_like.testing import make_jwt

if TYPE_CHECKING:
    from requests_gracedb_like.testing import CredentialEnv

pytest_plugins = ["requests_gracedb_like.testing"]

collect_ignore = ["docs/conf.py", "docs/_build"]


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (the default, see pyproject.toml): two workers per core,
    at most 8. Most tests wait on local servers and timeouts rather than
    compute, so a core keeps two workers busy (on 2 cores: 56 s instead of
    79 s); past 8, the collection each worker repeats costs more than it
    saves."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return min(2 * cores, 8)


@pytest.fixture(autouse=True)
def _isolated(credential_env: CredentialEnv) -> Iterator[CredentialEnv]:
    # Files the tests write are private, as credential files should be: a
    # token file that others can read gets a warning, which tests of that
    # warning ask for by chmod.
    umask = os.umask(0o077)
    yield credential_env
    os.umask(umask)


@pytest.fixture
def docs_home(credential_env: CredentialEnv) -> Path:
    """The isolated home directory, with the files the docs' examples use."""
    claims = {
        "sub": "albert.einstein",
        "aud": "https://gracedb.example.org",
        "iss": "https://cilogon.org/igwn",
    }
    token = credential_env.home / "token"
    token.write_text(make_jwt(claims, lifetime=3 * 3600) + "\n")
    token.chmod(0o600)
    credential_env.write_netrc(
        "machine gracedb.example.org login albert password hunter2\n"
    )
    return credential_env.home


@pytest.fixture(autouse=True)
def _docs_examples_start_at_home(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if request.node.path.suffix == ".rst":
        monkeypatch.chdir(request.getfixturevalue("docs_home"))
