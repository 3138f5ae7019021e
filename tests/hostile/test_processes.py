"""Promise, for users of process pools and TLS: a forked child never shares
its parent's connections, a pickled session carries no token read from a
file, a token file others can read is reported, a rejected server
certificate is not retried, and the user's ``session.verify`` is obeyed.
"""

from __future__ import annotations

import os
import pickle
import select
import socket
import ssl
import threading
import warnings

import pytest
import requests

from requests_gracedb_like import Session
from requests_gracedb_like.exceptions import CredentialWarning

SECRET = "s3cret-password-value"


def _in_child(report):
    """Fork; the child runs ``report()`` and sends back the bytes it returns;
    the parent gets them, or ``b"hung"`` after 15 s (the child is then
    killed)."""
    read, write = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads
        pid = os.fork()
    if pid == 0:  # the child: report, then exit at once
        try:
            os.write(write, report())
        finally:
            os._exit(0)
    os.close(write)
    ready, _, _ = select.select([read], [], [], 15)
    outcome = os.read(read, 16) if ready else b"hung"
    os.close(read)
    if not ready:
        os.kill(pid, 9)
    os.waitpid(pid, 0)
    return outcome


def test_a_forked_child_opens_its_own_connection(recorder):
    server = recorder()
    with Session(server.url(), force_noauth=True) as s:
        s.get(server.url("/parent-1"), timeout=5)  # a pooled keep-alive socket
        child_status = _in_child(
            lambda: str(s.get(server.url("/child"), timeout=5).status_code).encode()
        )
        assert s.get(server.url("/parent-2"), timeout=5).text == "ok"
    assert child_status == b"200"
    paths = [h.split(b" ")[1].decode() for h in server.heads]
    port = dict(zip(paths, server.peers, strict=False))
    assert port["/child"] != port["/parent-1"]
    assert port["/parent-2"] == port["/parent-1"]


def test_a_forked_child_does_not_inherit_a_held_reload_lock(make_token):
    from requests_gracedb_like.credentials.bearer import ReloadingTokenFileAuth

    auth = ReloadingTokenFileAuth(make_token())

    def reload():
        auth._reload_rejected(auth._header)  # takes the lock
        return b"done"

    with auth._lock:  # another thread is re-reading the file as we fork
        outcome = _in_child(reload)
    assert outcome == b"done"


def test_a_pickled_session_does_not_carry_a_token_read_from_a_file(make_token):
    path = make_token({"sub": "first"})
    first = path.read_text().strip()
    with Session("https://gracedb.example.org/", token=path) as s:
        data = pickle.dumps(s)
    assert first.encode() not in data
    second = make_token({"sub": "second"}, path=path).read_text().strip()
    copy = pickle.loads(data)
    assert copy.auth.token == second
    copy.close()


def test_a_pickled_reloading_session_re_reads_its_file(make_token):
    path = make_token({"sub": "first"})
    with Session("https://gracedb.example.org/", token=path, auth_reload=True) as s:
        data = pickle.dumps(s)
    assert path.read_text().strip().encode() not in data
    copy = pickle.loads(data)
    assert copy.auth.claims["sub"] == "first"
    copy.close()


def test_unpickling_after_the_token_file_is_gone_names_the_file(make_token):
    path = make_token()
    with Session("https://gracedb.example.org/", token=path) as s:
        data = pickle.dumps(s)
    path.unlink()
    with pytest.raises(FileNotFoundError) as info:
        pickle.loads(data)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "kwargs",
    [{"username": "albert", "password": SECRET}, {"api_key": SECRET}],
)
def test_basic_auth_and_api_keys_travel_with_the_pickle(recorder, kwargs):
    server = recorder()
    with Session(server.url(), **kwargs) as s:
        copy = pickle.loads(pickle.dumps(s))
    with copy:
        copy.get(server.url(), timeout=5)
    assert server.saw("Authorization") or server.saw("X-API-Key")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_token_file_others_can_read_is_named_in_a_warning(make_token, mode):
    path = make_token()
    path.chmod(mode)
    with pytest.warns(CredentialWarning, match="chmod 600") as record:
        Session("https://gracedb.example.org/", token=path).close()
    assert str(path) in str(record[0].message)


def test_a_discovered_token_file_others_can_read_is_named(make_token, monkeypatch):
    path = make_token()
    path.chmod(0o644)
    monkeypatch.setenv("BEARER_TOKEN_FILE", str(path))
    with pytest.warns(CredentialWarning, match=str(path)):
        Session("https://gracedb.example.org/").close()


@pytest.fixture
def tls_counter(pki):
    """A TLS server on 127.0.0.1 counting the handshakes attempted; its
    certificate is issued by `pki`'s CA."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    pki.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    state = {"accepted": 0, "port": server.getsockname()[1]}
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            state["accepted"] += 1
            conn.settimeout(5)
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(65536)
                    tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            except (OSError, ssl.SSLError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield state
    stop.set()
    thread.join(5)
    server.close()


@pytest.mark.enable_socket
def test_a_rejected_server_certificate_is_not_retried(tls_counter):
    url = f"https://127.0.0.1:{tls_counter['port']}/"
    with (
        Session(url, force_noauth=True, retries=3) as s,
        pytest.raises(requests.exceptions.SSLError),
    ):
        s.get(url, timeout=5)  # the test CA is not trusted
    assert tls_counter["accepted"] == 1


@pytest.mark.enable_socket
@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_session_verify_wins_over_the_ca_bundle_variables(
    tls_counter, pki, tmp_path, monkeypatch, variable
):
    other = tmp_path / "other-ca.pem"
    import trustme

    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv(variable, str(other))
    url = f"https://127.0.0.1:{tls_counter['port']}/"
    with Session(url, force_noauth=True, retries=0) as s:
        s.verify = pki.ca_file
        assert s.get(url, timeout=5).text == "ok"
