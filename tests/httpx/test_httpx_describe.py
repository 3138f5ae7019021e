"""``describe_auth()`` on the httpx clients: the session's report."""

from __future__ import annotations

import pytest

httpx = pytest.importorskip("httpx")

from requests_gracedb_like import Session  # noqa: E402
from requests_gracedb_like.httpx import AsyncClient, Client  # noqa: E402

SECRET = "describe-secret-value"


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_the_report_is_the_sessions(make_token, cls):
    path = make_token({"aud": "https://gracedb.invalid"})
    client = cls("https://gracedb.invalid/api/", token=path)
    report = client.describe_auth()
    with Session("https://gracedb.invalid/api/", token=path) as s:
        expected = s.describe_auth()
    assert report.to_dict() == expected.to_dict()
    assert report.source == client.auth_source
    assert report.expiry == client.auth.expiry
    assert path.read_text().strip() not in str(report)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_the_report_says_plain_http_is_refused(cls):
    client = cls("http://gracedb.invalid/api/", api_key=SECRET)
    text = str(client.describe_auth())
    assert "allow_insecure_auth=True" in text
    assert SECRET not in text
    allowed = cls(
        "http://gracedb.invalid/api/", api_key=SECRET, allow_insecure_auth=True
    )
    assert "allow_insecure_auth=True" not in str(allowed.describe_auth())
