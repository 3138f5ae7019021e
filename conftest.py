"""Every test, and every doctest (in the package and in ``docs/``), runs in
an isolated credential environment: the developer's own ``~/.netrc``,
token files and ``X509_*`` variables cannot change a result."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from requests_gracedb_like.testing import CredentialEnv

pytest_plugins = ["requests_gracedb_like.testing"]


@pytest.fixture(autouse=True)
def _isolated(credential_env: CredentialEnv) -> CredentialEnv:
    return credential_env
