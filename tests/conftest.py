"""Shared fixtures: tests that use a local server get loopback sockets.
(Every test runs with an isolated credential environment: see the
top-level ``conftest.py``.)"""

from __future__ import annotations

import datetime
import os
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import pytest
from fault_server import INJECTED, OUTCOMES, FaultServer
from hypothesis import settings

if TYPE_CHECKING:
    from requests_gracedb_like.testing import CredentialEnv

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
    "oidc_provider",
    "recorder",
}


#: Hypothesis profiles: "ci" (the default) keeps the suite fast; choose
#: "thorough" with ``--hypothesis-profile=thorough`` for a longer search.
settings.register_profile("ci", max_examples=100, deadline=None, database=None)
settings.register_profile("thorough", max_examples=3000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _no_warm_connections_between_tests() -> Iterator[None]:
    """Each test starts with no warm connection kept from another (the
    closed sessions' connections, kept process-wide), and leaves none."""
    from requests_gracedb_like._http import warm

    warm.clear_idle()
    yield
    warm.clear_idle()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.enable_socket)


@pytest.fixture
def env(credential_env: CredentialEnv) -> CredentialEnv:
    """The isolated credential environment of the current test."""
    return credential_env


@pytest.fixture
def scoped_tokens(
    credential_env: CredentialEnv, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str]:
    """Two discoverable tokens for any audience: ``read:/`` in
    ``BEARER_TOKEN``, ``write:/`` in ``$XDG_RUNTIME_DIR/bt_u<uid>``."""
    from requests_gracedb_like.testing import make_jwt

    read = make_jwt({"aud": "ANY", "scope": "read:/"})
    write = make_jwt({"aud": "ANY", "scope": "write:/"})
    monkeypatch.setenv("BEARER_TOKEN", read)
    credential_env.write_runtime_token(write)
    return read, write


# -- X.509 and TLS ----------------------------------------------------------


@dataclass
class PKI:
    """A trustme CA that issues server and client certificates into files."""

    ca: Any
    directory: Path
    counter: int = 0

    @property
    def ca_file(self) -> str:
        path = self.directory / "ca.pem"
        if not path.exists():
            self.ca.cert_pem.write_to_path(str(path))
        return str(path)

    def client(
        self,
        name: str,
        *,
        days: float = 30,
        not_before_days: float = -1,
        split: bool = False,
    ) -> Any:
        """Issue a client certificate for common name `name`; write it as one
        proxy-like PEM (returns its path) or, with `split`, as
        ``(cert, key)`` paths. `days` may be negative (already expired)."""
        now = datetime.datetime.now(datetime.timezone.utc)
        leaf = self.ca.issue_cert(
            f"{name}.example.org",
            common_name=name,
            not_before=now + datetime.timedelta(days=not_before_days),
            not_after=now + datetime.timedelta(days=days),
        )
        self.counter += 1
        stem = self.directory / f"{name}-{self.counter}"
        if split:
            cert, key = Path(f"{stem}.crt"), Path(f"{stem}.key")
            cert.write_bytes(b"".join(b.bytes() for b in leaf.cert_chain_pems))
            key.write_bytes(leaf.private_key_pem.bytes())
            key.chmod(0o600)
            return cert, key
        path = Path(f"{stem}.pem")
        path.write_bytes(leaf.private_key_and_cert_chain_pem.bytes())
        path.chmod(0o600)
        return path

    def pem(self, name: str, **kwargs: Any) -> bytes:
        """The bytes of a one-file client certificate (see :meth:`client`)."""
        return Path(self.client(name, **kwargs)).read_bytes()

    @staticmethod
    def renew(path: Path, pem: bytes) -> None:
        """Replace the certificate at `path` with `pem` at once, as a
        renewal tool does: a new private file renamed over it."""
        new = path.with_suffix(".new")
        new.write_bytes(pem)
        new.chmod(0o600)
        os.replace(new, path)


@pytest.fixture
def pki(tmp_path: Path) -> PKI:
    trustme = pytest.importorskip("trustme")
    directory = tmp_path / "pki"
    directory.mkdir()
    return PKI(trustme.CA(), directory)


@dataclass
class Seen:
    """One request as the TLS server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client: Optional[str]  # the client certificate's common name
    port: int  # the client's port: tells connections apart


Reply = tuple[int, dict[str, str], bytes]


@dataclass
class TLSServer:
    """A threaded HTTPS/1.1 server on 127.0.0.1 with keep-alive, that asks
    for a client certificate (optional) and records each request.

    ``handler(seen) -> (status, headers, body)`` answers; 200 "ok" by
    default.
    """

    port: int
    ca_file: str
    log: list[Seen] = field(default_factory=list)
    handler: Optional[Callable[[Seen], Reply]] = None

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"https://{host}:{self.port}{path}"


def _common_name(der: Optional[bytes]) -> Optional[str]:
    if not der:
        return None
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(der)
    return str(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


@pytest.fixture
def tls_server(pki: PKI) -> Any:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    server_cert = pki.ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_cert.configure_cert(context)
    pki.ca.configure_trust(context)
    context.verify_mode = ssl.CERT_OPTIONAL
    state = TLSServer(0, pki.ca_file)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(
                self.command,
                self.path,
                dict(self.headers),
                self.rfile.read(length),
                _common_name(self.connection.getpeercert(binary_form=True)),
                self.client_address[1],
            )
            state.log.append(seen)
            status, headers, body = (
                state.handler(seen) if state.handler else (200, {}, b"ok")
            )
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _answer  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def get_request(self) -> Any:
            sock, address = super().get_request()
            return context.wrap_socket(sock, server_side=True), address

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client that fails the handshake is not a server bug

    server = Server(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def made_pool_managers(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every urllib3 pool manager that requests' adapters make during the
    test, in order."""
    import requests.adapters

    made: list[Any] = []

    class Recording(requests.adapters.PoolManager):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            made.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(requests.adapters, "PoolManager", Recording)
    return made


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
