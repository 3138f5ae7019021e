"""Test helpers for projects that embed :class:`requests_gracedb_like.Session`.

The fixtures are opt-in. Enable them with any one of:

* ``requests_gracedb_like = true`` in the project's pytest configuration
  (``[tool.pytest.ini_options]``, ``pytest.ini``...);
* ``--requests-gracedb-like`` or ``-p requests_gracedb_like.testing`` on the
  pytest command line;
* ``pytest_plugins = ["requests_gracedb_like.testing"]`` in a top-level
  ``conftest.py``.

The package registers a small pytest entry point that adds only that option;
nothing here is loaded, and no fixture is autouse, until then.

Fixtures
--------
``credential_env``
    Isolates the credential environment: ``HOME``, ``NETRC``,
    ``BEARER_TOKEN``, ``BEARER_TOKEN_FILE``, ``SCITOKEN``, ``SCITOKEN_FILE``,
    ``_CONDOR_CREDS``, ``XDG_RUNTIME_DIR``, ``X509_*``
    and the ``/tmp/bt_u<uid>`` and ``/tmp/x509up_u<uid>`` locations all
    point into an empty temporary directory, so the developer's own
    credentials never change a result.
    Returns a :class:`CredentialEnv`.
``make_token``
    A factory that writes a bearer-token file holding an unsigned JWT with
    the given claims and returns its path (see :func:`make_jwt`).
``service``
    A running :class:`FakeService`: a token-protected JSON service on
    127.0.0.1 that records the requests it saw. Tests using it open a
    loopback socket (with pytest-socket, enable sockets for them).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from ._jwt import encode_unsigned
from ._service import FakeService, RecordedRequest

__all__ = [
    "CredentialEnv",
    "FakeService",
    "RecordedRequest",
    "credential_env",
    "make_jwt",
    "make_token",
    "service",
]

#: Environment variables that can change which credential a session uses.
CREDENTIAL_VARIABLES = (
    "BEARER_TOKEN",
    "BEARER_TOKEN_FILE",
    "SCITOKEN",
    "SCITOKEN_FILE",
    "_CONDOR_CREDS",
    "NETRC",
    "XDG_RUNTIME_DIR",
    "X509_USER_CERT",
    "X509_USER_KEY",
    "X509_USER_PROXY",
    "X509_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "SSL_CERT_FILE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
)


def make_jwt(
    claims: Optional[dict[str, Any]] = None,
    *,
    lifetime: Optional[float] = 3600,
    now: Optional[float] = None,
) -> str:
    """Return an unsigned JWT (``alg: none``) holding `claims`.

    Parameters
    ----------
    claims : dict, optional
        Claims to include; ``exp`` and ``iat`` are added unless given.
    lifetime : float or None, default=3600
        Seconds from `now` to ``exp``; None leaves ``exp`` out.
    now : float, optional
        The issue time; the current time by default.

    Examples
    --------
    >>> from requests_gracedb_like._jwt import decode_claims
    >>> decode_claims(make_jwt({"sub": "albert"}, now=0, lifetime=60))
    {'iat': 0, 'exp': 60, 'sub': 'albert'}
    """
    issued = int(time.time() if now is None else now)
    payload: dict[str, Any] = {"iat": issued}
    if lifetime is not None:
        payload["exp"] = int(issued + lifetime)
    payload.update(claims or {})
    return encode_unsigned(payload)


@dataclass
class CredentialEnv:
    """The isolated credential environment made by ``credential_env``.

    Attributes
    ----------
    home : pathlib.Path
        ``$HOME``; ``~/.netrc`` and ``~/.globus`` live under it.
    runtime_dir : pathlib.Path
        ``$XDG_RUNTIME_DIR``.
    tmp_dir : pathlib.Path
        Where ``/tmp/bt_u<uid>`` and ``/tmp/x509up_u<uid>`` are looked for
        (``~/.globus`` is under `home`).
    """

    home: Path
    runtime_dir: Path
    tmp_dir: Path

    @property
    def uid(self) -> int:
        """The effective user ID used in discovered file names."""
        return os.geteuid()

    def write_netrc(self, text: str, mode: int = 0o600) -> Path:
        """Write ``~/.netrc`` with `text` and permission `mode`."""
        path = self.home / ".netrc"
        path.write_text(text)
        path.chmod(mode)
        return path

    def write_runtime_token(self, token: str) -> Path:
        """Write ``$XDG_RUNTIME_DIR/bt_u<uid>``."""
        path = self.runtime_dir / f"bt_u{self.uid}"
        path.write_text(token)
        path.chmod(0o600)
        return path

    def write_tmp_token(self, token: str) -> Path:
        """Write the stand-in for ``/tmp/bt_u<uid>``."""
        path = self.tmp_dir / f"bt_u{self.uid}"
        path.write_text(token)
        path.chmod(0o600)
        return path

    def write_tmp_proxy(self, pem: bytes) -> Path:
        """Write the stand-in for ``/tmp/x509up_u<uid>`` (certificate and
        key in one PEM file), mode 0600."""
        path = self.tmp_dir / f"x509up_u{self.uid}"
        path.write_bytes(pem)
        path.chmod(0o600)
        return path

    def write_globus(self, cert: bytes, key: bytes) -> tuple[Path, Path]:
        """Write ``~/.globus/usercert.pem`` (0644) and ``userkey.pem`` (0600)."""
        directory = self.home / ".globus"
        directory.mkdir(mode=0o700, exist_ok=True)
        cert_path, key_path = directory / "usercert.pem", directory / "userkey.pem"
        cert_path.write_bytes(cert)
        cert_path.chmod(0o644)
        key_path.write_bytes(key)
        key_path.chmod(0o600)
        return cert_path, key_path


def _isolate(monkeypatch: Any, root: Path) -> CredentialEnv:
    from . import discovery

    env = CredentialEnv(root / "home", root / "run", root / "tmp")
    for path in (env.home, env.runtime_dir, env.tmp_dir):
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(env.home))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(env.runtime_dir))
    monkeypatch.setattr(discovery, "TMP_DIR", str(env.tmp_dir))
    # Subprocesses (a command-line test) read it from the environment.
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_TMP_DIR", str(env.tmp_dir))
    return env


try:
    import pytest
except ImportError:  # pragma: no cover - only for use without pytest
    pass
else:

    @pytest.fixture
    def credential_env(
        monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
    ) -> CredentialEnv:
        """Isolate the credential environment (see the module docstring)."""
        return _isolate(monkeypatch, tmp_path_factory.mktemp("credentials"))

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
            target = (
                Path(path) if path is not None else tmp_path / f"token{next(counter)}"
            )
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
