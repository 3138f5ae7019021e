"""Promise: the per-request claim arguments (``token_audience=``,
``token_scope=``, ``token_issuer=``) choose among the credentials for the
request's own origin; they never carry the session's credential to
another origin.

Two local servers: A is the service the session is for, B another origin
(another port). Plain http to loopback may carry credentials, so no TLS
is needed to see what each server receives.

Every case runs through the three front ends (``front_end``, see
``front_ends.py``): the httpx clients take the claims on their request
methods and ``build_request()``.
"""

from __future__ import annotations

import contextlib

import pytest

from requests_gracedb_like.testing import make_jwt

PASSWORD = "pw-per-request-claims-secret"
API_KEY = "key-per-request-claims-secret"

#: The per-request claims a caller may add to a request for B.
CLAIMS = [
    pytest.param({"token_audience": "{B}"}, id="audience"),
    pytest.param({"token_audience": ["{A}", "{B}"]}, id="audiences"),
    pytest.param({"token_scope": "read:/"}, id="scope"),
    pytest.param({"token_issuer": "https://issuer.example"}, id="issuer"),
]

#: How the request names B: in full, or relative to the scheme of A.
TARGETS = [
    pytest.param("http://127.0.0.1:{B}/x", id="absolute"),
    pytest.param("//127.0.0.1:{B}/x", id="scheme-relative"),
]


@pytest.fixture
def servers(recorder):
    return recorder(), recorder()


@pytest.fixture
def any_token():
    """A token any service accepts (``aud: ANY``), with the scope and
    issuer that the claims above ask for."""
    return make_jwt({"aud": "ANY", "scope": "read:/", "iss": "https://issuer.example"})


def _fill(value, a, b):
    origins = {"A": _origin(a), "B": _origin(b)}
    if isinstance(value, list):
        return [v.format(**origins) for v in value]
    return value.format(**origins)


def _origin(server):
    return f"http://127.0.0.1:{server.port}"


def _claims(claims, a, b):
    return {name: _fill(value, a, b) for name, value in claims.items()}


def _no_credential(server):
    return not any(b"authorization:" in head.lower() for head in server.heads)


def _try_get(front_end, session, url, **kwargs):
    """Send; a refusal (an exception) is an acceptable answer, a leak is
    not. Returns whether the request was sent without error."""
    with contextlib.suppress(*front_end.refusals):
        session.get(url, timeout=5, **kwargs)
        return True
    return False


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("claims", CLAIMS)
@pytest.mark.parametrize(
    "given",
    [
        pytest.param({"username": "alice", "password": PASSWORD}, id="basic"),
        pytest.param({"api_key": API_KEY}, id="api-key"),
    ],
)
def test_claims_never_carry_a_given_credential_elsewhere(
    servers, given, claims, target, front_end
):
    a, b = servers
    with front_end.make(a.url(), **given) as s:
        _try_get(front_end, s, target.format(B=b.port), **_claims(claims, a, b))
    assert _no_credential(b)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("claims", CLAIMS)
def test_claims_never_carry_a_token_file_elsewhere(
    servers, make_token, claims, target, front_end
):
    a, b = servers
    path = make_token(
        {"aud": "ANY", "scope": "read:/", "iss": "https://issuer.example"}
    )
    with front_end.make(a.url(), token=path) as s:
        _try_get(front_end, s, target.format(B=b.port), **_claims(claims, a, b))
    assert _no_credential(b)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("claims", CLAIMS)
@pytest.mark.parametrize("variable", ["BEARER_TOKEN_FILE", "BEARER_TOKEN"])
def test_claims_never_carry_a_discovered_token_elsewhere(
    servers, tmp_path, monkeypatch, any_token, variable, claims, target, front_end
):
    a, b = servers
    if variable == "BEARER_TOKEN_FILE":
        path = tmp_path / "discovered-token"
        path.write_text(any_token + "\n")
        path.chmod(0o600)
        monkeypatch.setenv(variable, str(path))
    else:
        monkeypatch.setenv(variable, any_token)
    with front_end.make(a.url()) as s:
        assert variable in (s.client.auth_source or "")
        _try_get(front_end, s, target.format(B=b.port), **_claims(claims, a, b))
    assert not b.saw(any_token)
    assert _no_credential(b)


def test_claims_on_the_same_origin_still_choose_a_matching_token(
    servers, scoped_tokens, front_end
):
    """The control: on the session's own origin, a per-request scope picks
    the discovered token that grants it (``BEARER_TOKEN`` holds ``read:/``,
    the runtime-directory file ``write:/``)."""
    read, write = scoped_tokens
    a, _b = servers
    with front_end.make(a.url()) as s:
        s.get(a.url("/default"), timeout=5)
        s.get(a.url("/write"), timeout=5, token_scope="write:/")
        s.get(a.url("/read"), timeout=5, token_scope="read:/")
    sent = {head.split(b" ")[1].decode(): head for head in a.heads}
    assert f"Bearer {read}".encode() in sent["/default"]
    assert f"Bearer {write}".encode() in sent["/write"]
    assert f"Bearer {read}".encode() in sent["/read"]


@pytest.mark.parametrize("claims", CLAIMS)
def test_an_auth_given_to_the_request_is_the_callers_choice(servers, claims, front_end):
    """As in requests: ``auth=`` passed to one request is sent where that
    request goes, per-request claims or not."""
    a, b = servers
    with front_end.make(a.url(), api_key=API_KEY) as s:
        s.get(
            b.url("/x"),
            timeout=5,
            auth=("bob", "callers-own-password"),
            **_claims(claims, a, b),
        )
    assert b.saw("Authorization: Basic ")
    assert not b.saw(API_KEY)
