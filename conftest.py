"""Every test, and every doctest (in the package and in ``docs/``), runs in
an isolated credential environment: the developer's own ``~/.netrc``,
token files and ``X509_*`` variables cannot change a result."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from requests_gracedb_like.testing import CredentialEnv

pytest_plugins = ["requests_gracedb_like.testing"]


@pytest.fixture(autouse=True)
def _isolated(credential_env: CredentialEnv) -> Iterator[CredentialEnv]:
    # Files the tests write are private, as credential files should be: a
    # token file that others can read gets a warning, which tests of that
    # warning ask for by chmod.
    umask = os.umask(0o077)
    yield credential_env
    os.umask(umask)
