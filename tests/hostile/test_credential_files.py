"""Promise: a credential file never hangs the session nor exhausts memory,
and a bad one gets a clear error (an argument) or is skipped with a reason
(a discovered file).

Each case runs in a subprocess bounded in time and address space, so a
regression shows as a failure, not as a hung or killed test run; those
of discovery run through the three front ends (``make_session``), whose
constructors all run it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from front_ends import FRONT_ENDS
from hostile import BOUND, isolated

# Not in the default run (see addopts in pyproject.toml): .ci/run runs it
# with -m slow. Why: most cases run a new Python process.
pytestmark = pytest.mark.slow

URL = "https://gracedb.example.org/api/"

KINDS = ["fifo", "dev-zero", "sparse-1GiB", "directory"]

#: What the reason or message says for each kind.
SAYS = {
    "fifo": "FIFO",
    "dev-zero": "device",
    "sparse-1GiB": "larger than",
    "directory": "directory",
}


def _hostile(path, kind):
    """Make `path` the hostile thing `kind` names; return the path to use."""
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        return "/dev/zero"
    elif kind == "sparse-1GiB":
        with open(path, "wb") as f:
            f.truncate(1 << 30)
    elif kind == "directory":
        os.mkdir(path)
    return str(path)


_SESSION = """
import os, warnings
warnings.simplefilter("ignore")
from {module} import {cls} as Session
s = Session({url!r}, **{kwargs})
result = {{
    "source": s.auth_source,
    "reasons": [a.reason for a in s.auth_discovery.attempts],
}}
"""


#: Where each front end's class is imported from.
_CLASSES = {
    "Session": ("requests_gracedb_like", "Session"),
    "httpx.Client": ("requests_gracedb_like.httpx", "Client"),
    "httpx.AsyncClient": ("requests_gracedb_like.httpx", "AsyncClient"),
}


def _session(front="Session", **kwargs):
    module, cls = _CLASSES[front]
    code = _SESSION.format(module=module, cls=cls, url=URL, kwargs=repr(kwargs))
    return isolated(code)


@pytest.fixture(params=FRONT_ENDS)
def make_session(request):
    """Runs discovery in a subprocess by making a client of each front
    end; returns what it found (or the error it raised)."""
    if request.param != "Session":
        pytest.importorskip("httpx")
    return lambda **kwargs: _session(request.param, **kwargs)


@pytest.mark.parametrize("kind", KINDS)
def test_token_argument_gets_a_clear_error(tmp_path, kind, make_session):
    path = _hostile(tmp_path / "token", kind)
    result = make_session(token=path)
    assert result["error"] == "CredentialFileError"
    assert path in result["message"]
    assert SAYS[kind] in result["message"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("variable", ["BEARER_TOKEN_FILE", "SCITOKEN_FILE"])
def test_discovered_token_file_is_skipped_with_a_reason(
    tmp_path, monkeypatch, kind, variable, make_session
):
    monkeypatch.setenv(variable, _hostile(tmp_path / "token", kind))
    result = make_session()
    assert result["source"] is None
    assert any(SAYS[kind] in reason for reason in result["reasons"])


@pytest.mark.parametrize("kind", ["fifo", "sparse-1GiB", "directory"])
def test_condor_creds_and_runtime_dir_files_are_skipped(
    tmp_path, monkeypatch, env, kind, make_session
):
    creds = tmp_path / "creds"
    creds.mkdir()
    _hostile(creds / "scitokens.use", kind)
    monkeypatch.setenv("_CONDOR_CREDS", str(creds))
    _hostile(env.runtime_dir / f"bt_u{env.uid}", kind)
    _hostile(env.tmp_dir / f"bt_u{env.uid}", kind)
    result = make_session()
    assert result["source"] is None
    assert sum(SAYS[kind] in reason for reason in result["reasons"]) == 3


@pytest.mark.parametrize("kind", KINDS)
def test_x509_proxy_variable_is_skipped(tmp_path, monkeypatch, kind, make_session):
    monkeypatch.setenv("X509_USER_PROXY", _hostile(tmp_path / "proxy", kind))
    result = make_session()
    assert result["source"] is None


@pytest.mark.parametrize("kind", ["fifo", "sparse-1GiB"])
def test_x509_cert_and_key_variables_are_skipped(
    tmp_path, monkeypatch, kind, make_session
):
    monkeypatch.setenv("X509_USER_CERT", _hostile(tmp_path / "cert", kind))
    monkeypatch.setenv("X509_USER_KEY", _hostile(tmp_path / "key", kind))
    result = make_session()
    assert result["source"] is None


@pytest.mark.parametrize("kind", ["fifo", "sparse-1GiB"])
def test_cert_argument_gets_a_clear_error(tmp_path, kind, make_session):
    path = _hostile(tmp_path / "cert.pem", kind)
    result = make_session(cert=path)
    assert result["error"] == "CredentialFileError"
    assert path in result["message"]


@pytest.mark.parametrize("kind", KINDS)
def test_netrc_is_skipped(tmp_path, monkeypatch, kind, make_session):
    monkeypatch.setenv("NETRC", _hostile(tmp_path / "netrc", kind))
    result = make_session()
    assert result["source"] is None


def test_a_symbolic_link_to_a_fifo_is_refused(tmp_path, make_session):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "token"
    link.symlink_to(fifo)
    result = make_session(token=str(link))
    assert result["error"] == "CredentialFileError"
    assert "FIFO" in result["message"]


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory"])
def test_command_line_token_gets_one_line_and_status_3(tmp_path, kind):
    path = _hostile(tmp_path / "token", kind)
    done = subprocess.run(
        [sys.executable, "-m", "requests_gracedb_like", "get", URL, "--token", path],
        capture_output=True,
        timeout=BOUND,
        check=False,
    )
    stderr = done.stderr.decode()
    assert done.returncode == 3, stderr
    assert stderr.count("\n") == 1, stderr
    assert path in stderr
    assert "None" not in stderr


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "sparse-1GiB"])
def test_oidc_configuration_file_is_skipped(tmp_path, monkeypatch, kind, make_session):
    path = _hostile(tmp_path / "oidc.ini", kind)
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_CONFIG", path)
    result = make_session()
    assert result["source"] is None
    assert any(SAYS[kind] in reason for reason in result["reasons"])


@pytest.mark.parametrize("kind", ["fifo", "sparse-1GiB", "directory"])
def test_oidc_token_cache_is_skipped(tmp_path, monkeypatch, kind, make_session):
    from requests_gracedb_like.credentials.oidc.cache import TokenCache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_ISSUER", "https://issuer.example")
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_ID", "client")
    cache = TokenCache("https://issuer.example", "client").path
    os.makedirs(os.path.dirname(cache), mode=0o700)
    _hostile(cache, kind)
    result = make_session()
    assert result["source"] is None
    assert any(SAYS[kind] in reason for reason in result["reasons"])


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_igwn_get_netrc_auth_does_not_hang(tmp_path, monkeypatch, kind):
    monkeypatch.setenv("NETRC", _hostile(tmp_path / "netrc", kind))
    result = isolated(
        "from requests_gracedb_like.credentials.igwn import get_netrc_auth\n"
        "result = repr(get_netrc_auth('https://gracedb.example.org/'))"
    )
    assert result == "None"
