"""Shared fixtures: every test runs with an isolated credential environment,
and tests that use a local server get loopback sockets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from fault_server import INJECTED, OUTCOMES, FaultServer
from hypothesis import settings

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


#: Hypothesis profiles: "ci" (the default) keeps the suite fast; choose
#: "thorough" with ``--hypothesis-profile=thorough`` for a longer search.
settings.register_profile("ci", max_examples=100, deadline=None, database=None)
settings.register_profile("thorough", max_examples=3000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


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


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A :class:`fault_server.FaultServer` on 127.0.0.1, closed after the
    test (every handler thread joined, every socket closed)."""
    with FaultServer() as server:
        yield server


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if INJECTED:
        total = sum(INJECTED.values())
        by_fault = ", ".join(f"{k} {v}" for k, v in sorted(INJECTED.items()))
        terminalreporter.write_line(
            f"fault server: {total} requests answered ({by_fault})"
        )
    if OUTCOMES:
        total = sum(OUTCOMES.values())
        by_kind = ", ".join(f"{k} {v}" for k, v in sorted(OUTCOMES.items()))
        terminalreporter.write_line(f"soak: {total} requests ({by_kind})")
