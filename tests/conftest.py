"""Shared fixtures: every test runs with an isolated credential environment,
and tests that use a local server get loopback sockets."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from requests_gracedb_like.testing import CredentialEnv

pytest_plugins = ["requests_gracedb_like.testing"]

#: Fixtures that start a server on 127.0.0.1; tests using them may open
#: sockets (to loopback only: --allow-hosts in pyproject.toml).
SERVER_FIXTURES = {
    "httpserver",
    "tls_server",
    "fault_server",
    "service",
    "stalled_server",
    "threaded_server",
    "closed_port_url",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.enable_socket)


@pytest.fixture(autouse=True)
def _isolated(credential_env: CredentialEnv) -> CredentialEnv:
    return credential_env


@pytest.fixture
def env(credential_env: CredentialEnv) -> CredentialEnv:
    """The isolated credential environment of the current test."""
    return credential_env
