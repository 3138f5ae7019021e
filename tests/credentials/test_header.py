"""The transport-neutral face of the credentials: the headers for a URL,
when to refresh, the refresh itself and the answer to a 401, as plain
methods that any HTTP client can call."""

from __future__ import annotations

import base64
import time

import pytest
import time_machine

from requests_gracedb_like.credentials import (
    APIKeyAuth,
    BasicAuth,
    BearerTokenAuth,
    ReloadingTokenFileAuth,
    TokenFileAuth,
)
from requests_gracedb_like.credentials.header import HeaderCredential
from requests_gracedb_like.exceptions import CredentialError
from requests_gracedb_like.testing import make_jwt

URL = "https://gracedb.example.org/api/"


def test_every_header_credential_has_the_face(tmp_path):
    path = tmp_path / "t"
    path.write_text("opaque")
    path.chmod(0o600)
    for credential in (
        BearerTokenAuth("abc"),
        TokenFileAuth(path),
        ReloadingTokenFileAuth(path),
        APIKeyAuth("k"),
        BasicAuth("a", "b"),
    ):
        assert isinstance(credential, HeaderCredential)


@pytest.mark.parametrize(
    ("credential", "expected"),
    [
        (BearerTokenAuth("abc"), {"Authorization": "Bearer abc"}),
        (APIKeyAuth("k-1", header_name="X-API-Key"), {"X-API-Key": "k-1"}),
        (APIKeyAuth("k-1"), {"Authorization": "Bearer k-1"}),
        (
            BasicAuth("albert", "pässword"),
            {
                "Authorization": "Basic "
                + base64.b64encode("albert:pässword".encode("latin-1")).decode()
            },
        ),
    ],
)
def test_headers_are_those_the_auth_object_writes(credential, expected):
    import requests

    assert credential.headers(URL) == expected
    prepared = requests.Request("GET", URL, auth=credential).prepare()
    assert {k: prepared.headers[k] for k in expected} == expected
    assert credential.refresh_due() is False
    assert credential.rejected(expected) is None


def test_a_reloading_file_is_due_from_its_reload_time(tmp_path):
    path = tmp_path / "token"
    now = time.time()
    path.write_text(make_jwt(lifetime=1000, now=now))
    path.chmod(0o600)
    credential = ReloadingTokenFileAuth(path, reload_timeout=100)
    first = credential.headers(URL)
    assert not credential.refresh_due(now + 899)
    assert credential.refresh_due(now + 900)
    path.write_text(make_jwt(lifetime=2000, now=now))
    credential.update(now + 899)  # not due at that time: the file is not read
    assert credential.headers(URL) == first
    credential.update(now + 901)
    assert credential.headers(URL) != first
    assert credential.expiry == pytest.approx(now + 2000, abs=1)


def test_a_reloading_file_past_expiry_with_nothing_newer_fails(tmp_path):
    path = tmp_path / "token"
    path.write_text(make_jwt(lifetime=100))
    path.chmod(0o600)
    credential = ReloadingTokenFileAuth(path, reload_timeout=10)
    with (
        time_machine.travel(time.time() + 200),
        pytest.raises(CredentialError, match="expired"),
    ):
        credential.update()


def test_rejected_gives_the_newer_token_once(tmp_path):
    path = tmp_path / "token"
    path.write_text(make_jwt(lifetime=1000))
    path.chmod(0o600)
    credential = ReloadingTokenFileAuth(path)
    sent = credential.headers(URL)
    assert credential.rejected(sent) is None  # the file holds nothing newer
    path.write_text(make_jwt({"sub": "rotated"}, lifetime=1000))
    again = credential.rejected({"authorization": sent["Authorization"]})
    assert again is not None
    assert again != sent
    assert again == credential.headers(URL)
