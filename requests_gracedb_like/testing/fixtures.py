"""The pytest fixtures of :mod:`requests_gracedb_like.testing`:
``credential_env``, ``make_token``, ``service`` and ``oidc_provider``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import pytest

from .environment import CredentialEnv, isolate
from .oidc_provider import OIDCProvider
from .service import FakeService
from .tokens import make_jwt

__all__ = ["credential_env", "make_token", "oidc_provider", "service"]


@pytest.fixture
def credential_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> CredentialEnv:
    """Isolate the credential environment (see the module docstring)."""
    return isolate(monkeypatch, tmp_path_factory.mktemp("credentials"))


@pytest.fixture
def make_token(tmp_path: Path) -> Any:
    """Return ``make(claims=None, *, lifetime=3600, now=None, path=None)``
    that writes a JWT token file (mode 0600) and returns its path."""
    counter = iter(range(1_000_000))

    def make(
        claims: Optional[dict[str, Any]] = None,
        *,
        lifetime: Optional[float] = 3600,
        now: Optional[float] = None,
        path: Optional[os.PathLike[str]] = None,
    ) -> Path:
        target = Path(path) if path is not None else tmp_path / f"token{next(counter)}"
        target.write_text(make_jwt(claims, lifetime=lifetime, now=now) + "\n")
        target.chmod(0o600)
        return target

    return make


@pytest.fixture
def service() -> Iterator[FakeService]:
    """A running :class:`FakeService` on 127.0.0.1; stopped afterwards.

    ``service.issue_token()`` or ``service.write_token(path)`` gives a
    token it accepts; ``service.requests`` lists what it received.
    """
    with FakeService() as running:
        yield running


@pytest.fixture
def oidc_provider() -> Iterator[OIDCProvider]:
    """A running :class:`~.oidc_provider.OIDCProvider` (a child process on
    127.0.0.1; needs authlib); stopped afterwards.

    ``oidc_provider.issuer`` is its URL, ``oidc_provider.refreshes`` counts
    the refresh requests it received, ``oidc_provider.configure(...)``
    changes its behaviour.
    """
    pytest.importorskip("authlib")
    with OIDCProvider() as running:
        yield running
