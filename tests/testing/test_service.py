"""The fake token-protected service and the opt-in pytest plugin."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
import requests
import time_machine

from requests_gracedb_like import Session
from requests_gracedb_like.exceptions import Unauthorized
from requests_gracedb_like.testing import FakeService

# Not in the default run (see addopts in pyproject.toml): .ci/run runs it
# with -m slow. Why: the plugin tests run pytest in new Python processes.
pytestmark = pytest.mark.slow


def test_requests_without_an_issued_token_are_refused(service):
    with Session(service.url, force_noauth=True) as s, pytest.raises(Unauthorized) as e:
        s.get(service.url_for("api/"))
    assert "Authentication credentials were not provided." in str(e.value)
    assert e.value.response.headers["WWW-Authenticate"] == "Bearer"
    assert [r.method for r in service.requests] == ["GET"]


def test_records_what_it_saw_and_hides_the_token_in_repr(service, tmp_path):
    path = service.write_token(tmp_path / "token", {"sub": "albert"})
    token = path.read_text().strip()
    with Session(service.url, token=path) as s:
        answer = s.put(service.url_for("api/x?y=1"), json={"a": 1}).json()
    assert answer["user"] == "albert"
    assert answer["json"] == {"a": 1}
    (seen,) = service.requests
    assert (seen.method, seen.path) == ("PUT", "/api/x?y=1")
    assert seen.headers["authorization"] == f"Bearer {token}"
    assert seen.json() == {"a": 1}
    assert token not in repr(seen)
    assert "'Authorization': 'REDACTED'" in repr(seen)
    assert path.stat().st_mode & 0o777 == 0o600
    service.clear()
    assert service.requests == []


def test_expired_and_revoked_tokens_are_refused(service):
    token = service.issue_token(lifetime=60)
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(service.url, headers=headers, timeout=10).status_code == 200
    with time_machine.travel(time.time() + 61, tick=False):
        r = requests.get(service.url, headers=headers, timeout=10)
    assert (r.status_code, r.json()) == (401, {"detail": "Token has expired."})
    service.revoke_token(token)
    assert requests.get(service.url, headers=headers, timeout=10).json() == {
        "detail": "Invalid token."
    }


def test_uploads_are_described_with_their_mime_types(service, tmp_path):
    skymap = tmp_path / "skymap.fits"
    skymap.write_bytes(b"SIMPLE" * 10)
    with Session(service.url, force_noauth=True) as s:
        s.headers["Authorization"] = f"Bearer {service.issue_token()}"
        answer = s.post(
            service.url_for("upload"), data={"comment": "hi"}, files={"f": skymap}
        ).json()
    assert answer["form"] == {"comment": ["hi"]}
    assert answer["files"] == [
        {
            "field": "f",
            "filename": "skymap.fits",
            "content_type": "application/fits",
            "size": 60,
        }
    ]


def test_canned_status_bytes_and_chunked(service):
    service.accept_token("opaque")
    auth = {"Authorization": "Bearer opaque"}
    service.respond("DELETE", "/api/thing", status=409, json={"detail": "busy"})
    r = requests.delete(service.url_for("api/thing?force=1"), headers=auth, timeout=10)
    assert (r.status_code, r.json()) == (409, {"detail": "busy"})
    assert (
        requests.get(
            service.url_for("status/418"), headers=auth, timeout=10
        ).status_code
        == 418
    )
    assert requests.get(
        service.url_for("bytes/300"), headers=auth, timeout=10
    ).content == (bytes(range(256)) + bytes(range(44)))
    r = requests.post(
        service.url_for("echo"), headers=auth, data=iter([b"ab", b"c"]), timeout=10
    )
    assert r.json()["size"] == 3
    assert service.requests[-1].body == b"abc"


def test_no_auth_mode_and_stop():
    with FakeService(require_auth=False) as running:
        assert requests.get(running.url_for("x"), timeout=10).status_code == 200
    with pytest.raises(RuntimeError, match="not running"):
        running.url  # noqa: B018


PLUGIN_TEST = """
    def test_uses_the_fixture(service, credential_env, make_token):
        assert service.url.startswith("http://127.0.0.1:")
        assert make_token().exists()
"""


@pytest.mark.parametrize(
    ("ini", "args", "passed"),
    [
        ("", [], False),
        ("requests_gracedb_like = true\n", [], True),
        ("", ["--requests-gracedb-like"], True),
        ("", ["-p", "requests_gracedb_like.testing"], True),
    ],
)
def test_plugin_is_opt_in(tmp_path, ini, args, passed):
    (tmp_path / "pytest.ini").write_text(f"[pytest]\n{ini}")
    (tmp_path / "test_downstream.py").write_text(textwrap.dedent(PLUGIN_TEST))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
    )
    out = result.stdout.decode()
    if passed:
        assert result.returncode == 0, out
        assert "1 passed" in out
    else:
        assert result.returncode == 1
        assert "fixture 'service' not found" in out
