"""An isolated credential environment for tests: :class:`CredentialEnv`
and :func:`isolate`, behind the ``credential_env`` fixture."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..credentials import sources

__all__ = ["CREDENTIAL_VARIABLES", "CredentialEnv", "isolate"]

#: Environment variables that can change which credential a session uses.
CREDENTIAL_VARIABLES = (
    "BEARER_TOKEN",
    "BEARER_TOKEN_FILE",
    "SCITOKEN",
    "SCITOKEN_FILE",
    "_CONDOR_CREDS",
    "NETRC",
    "XDG_RUNTIME_DIR",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "REQUESTS_GRACEDB_LIKE_OIDC_CONFIG",
    "REQUESTS_GRACEDB_LIKE_OIDC_ISSUER",
    "REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_ID",
    "REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_SECRET",
    "REQUESTS_GRACEDB_LIKE_OIDC_SCOPES",
    "REQUESTS_GRACEDB_LIKE_OIDC_AUDIENCE",
    "X509_USER_CERT",
    "X509_USER_KEY",
    "X509_USER_PROXY",
    "X509_CERT_DIR",
    "IGWN_AUTH_UTILS_FIND_X509",
    "IGWN_AUTH_UTILS_FIND_SCITOKEN",
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


def isolate(monkeypatch: Any, root: Path) -> CredentialEnv:
    """Point every credential location into `root` with `monkeypatch`
    (see :func:`~requests_gracedb_like.testing.fixtures.credential_env`)."""
    env = CredentialEnv(root / "home", root / "run", root / "tmp")
    for path in (env.home, env.runtime_dir, env.tmp_dir):
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(env.home))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(env.runtime_dir))
    monkeypatch.setattr(sources, "TMP_DIR", str(env.tmp_dir))
    # Subprocesses (a command-line test) read it from the environment.
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_TMP_DIR", str(env.tmp_dir))
    return env
