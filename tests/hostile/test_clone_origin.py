"""Promise: a session's credential stays with its origin in every form of
the session a user can make: a pickled and unpickled session, each
``with_*`` copy, and the session as a forked child process sees it.

A is the service, B another origin (another port). Each form sends one
request to B (plain, and with a per-request audience naming B, which
must not change where the credential goes) and one to A, which does get
the credential.

The copies run through the three front ends (``front_end``, see
``front_ends.py``). An httpx client holding a secret given as an argument
(a password, an API key) refuses to be pickled, rather than write the
secret into the pickle. What the httpx clients lack is the requests
``Session``'s only: ``with_retries()``, and the forked child (httpx's
connection pools are not made safe across ``fork``).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import warnings

import pytest
import requests
from front_ends import HTTPX_FRONT_ENDS

from requests_gracedb_like import Session
from requests_gracedb_like.testing import make_jwt

API_KEY = "key-clone-origin-secret"
PASSWORD = "pw-clone-origin-secret"
TOKEN = make_jwt({"aud": "ANY", "scope": "read:/"}, lifetime=24 * 3600)


def _origin(server):
    return f"http://127.0.0.1:{server.port}"


@pytest.fixture
def servers(recorder):
    return recorder(), recorder()


@pytest.fixture(params=["basic", "api_key", "token_file", "BEARER_TOKEN"])
def credential(request, tmp_path, monkeypatch):
    """``(Session options, what A must see)`` for each kind of credential."""
    kind = request.param
    if kind == "basic":
        return {"username": "alice", "password": PASSWORD}, "Authorization: Basic"
    if kind == "api_key":
        return {"api_key": API_KEY}, API_KEY
    if kind == "token_file":
        path = tmp_path / "token"
        path.write_text(TOKEN + "\n")
        path.chmod(0o600)
        return {"token": path}, TOKEN
    monkeypatch.setenv("BEARER_TOKEN", TOKEN)
    return {}, TOKEN


FORMS = {
    "pickled": lambda s: pickle.loads(pickle.dumps(s)),
    "pickled-twice": lambda s: pickle.loads(
        pickle.dumps(pickle.loads(pickle.dumps(s)))
    ),
    "with_headers": lambda s: s.with_headers({"X-Copy": "1"}),
    "with_cookies": lambda s: s.with_cookies({"copy": "1"}),
    "with_timeout": lambda s: s.with_timeout(9),
    "with_retries": lambda s: s.with_retries(0),
    "copy-of-pickle": lambda s: pickle.loads(pickle.dumps(s)).with_headers({"X": "1"}),
}


#: What the requests to B add: nothing, or an audience naming B.
EXTRAS = {
    "plain": lambda b: {},
    "audience-B": lambda b: {"token_audience": _origin(b)},
}


def _requests(session, a, b, extra, refusals=(requests.RequestException, ValueError)):
    """Send to B (in full and scheme-relative; a refusal is fine), then
    to A."""
    for target in (b.url("/b"), f"//127.0.0.1:{b.port}/b-relative"):
        with contextlib.suppress(*refusals):
            session.get(target, timeout=5, **EXTRAS[extra](b))
    session.get(a.url("/a"), timeout=5)


def _leaked(server):
    return [
        head.split(b" ")[1]
        for head in server.heads
        if b"authorization:" in head.lower()
        or API_KEY.encode() in head
        or TOKEN.encode() in head
    ]


#: The forms an httpx client has.
HTTPX_FORMS = tuple(form for form in FORMS if form != "with_retries")

COPY_CASES = [
    *(
        pytest.param("Session", form, extra, id=f"Session-{form}-{extra}")
        for form in FORMS
        for extra in EXTRAS
    ),
    *(
        pytest.param(front, form, extra, id=f"{front}-{form}-{extra}")
        for front in HTTPX_FRONT_ENDS
        for form in HTTPX_FORMS
        for extra in EXTRAS
    ),
]


@pytest.mark.parametrize(
    ("front_end", "form", "extra"), COPY_CASES, indirect=["front_end"]
)
def test_a_copy_keeps_the_credential_on_its_origin(
    servers, credential, front_end, form, extra
):
    a, b = servers
    options, seen_by_a = credential
    with front_end.make(a.url(), **options) as original:
        if (
            front_end.is_httpx
            and "pickle" in form
            and ("password" in options or "api_key" in options)
        ):
            with pytest.raises(TypeError, match="pickle must not carry a secret"):
                FORMS[form](original.client)
            return
        made = front_end.adopt(FORMS[form](original.client))
        with made:
            _requests(made, a, b, extra, front_end.refusals)
    assert a.saw(seen_by_a), "the service still gets the credential"
    assert _leaked(b) == []


def _in_child(work):
    """Fork; the child runs ``work()`` and reports b"done" (or b"error");
    the parent waits at most 20 s for it."""
    read, write = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads
        pid = os.fork()
    if pid == 0:  # the child: work, report, exit at once
        outcome = b"error"
        try:
            work()
            outcome = b"done"
        finally:
            os.write(write, outcome)
            os._exit(0)
    os.close(write)
    ready, _, _ = select.select([read], [], [], 20)
    outcome = os.read(read, 16) if ready else b"hung"
    os.close(read)
    if not ready:
        os.kill(pid, 9)
    os.waitpid(pid, 0)
    return outcome


@pytest.mark.parametrize("extra", EXTRAS)
def test_a_forked_child_keeps_the_credential_on_its_origin(servers, credential, extra):
    a, b = servers
    options, seen_by_a = credential
    with Session(a.url(), **options) as s:
        s.get(a.url("/parent"), timeout=5)  # a pooled connection, inherited
        assert _in_child(lambda: _requests(s, a, b, extra)) == b"done"
    assert a.saw(seen_by_a)
    assert _leaked(b) == []
