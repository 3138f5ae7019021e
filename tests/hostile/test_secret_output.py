"""Promise: no secret, and nothing a terminal would obey, in any output.

A hostile server controls the status line, the headers and the body of
its answers; it may echo the request's credential back, or embed terminal
escape sequences that retitle the window, clear the screen or hide text.

The cases run through the three front ends (``front_end``, see
``front_ends.py``), ``describe_auth()`` included.
Log records are read at DEBUG from every logger during a request that is
retried, redirected and refused.
"""

from __future__ import annotations

import base64
import json
import logging

import pytest
from hostile import response

from requests_gracedb_like.retry import Retry

SECRET = "s3cret-token-value"

#: What must never reach a message: ESC, BEL, CSI/OSC C1 bytes, bidi
#: overrides, NUL.
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\x9d", "\u202e", "\x00", "\x85")


def _clean(text: str) -> None:
    for char in FORBIDDEN:
        assert char not in text, f"{char!r} in {text!r}"


def _error(recorder, front_end, reply, **session_kwargs):
    server = recorder(lambda head: reply)
    with (
        front_end.make(server.url(), **session_kwargs) as s,
        pytest.raises(front_end.HTTPError) as info,
    ):
        s.get(server.url("/x"), timeout=5)
    return info.value


ESCAPES = [
    "\x1b]0;pwned\x07",
    "\x1b[2J\x1b[H",
    "\x1b[31mred\x1b[0m",
    "\x9b2J",
    "\x9d0;title\x9c",
    "evil\u202etxt.exe",
    "nul\x00byte",
    "\x1bP+q\x1b\\",
]


@pytest.mark.parametrize("escape", ESCAPES)
def test_escapes_in_a_json_detail_never_reach_the_message(recorder, front_end, escape):
    body = json.dumps({"detail": f"bad {escape} thing"}).encode()
    err = _error(
        recorder,
        front_end,
        response(400, body, {"Content-Type": "application/json"}),
        force_noauth=True,
    )
    _clean(str(err))
    assert "bad" in str(err)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<html><title>\x1b]0;x\x07Oops\x1b[2J</title></html>", "text/html"),
        ("plain \x1b[2J text \x9b1;1H", "text/plain; charset=latin-1"),
        ("plain \x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\", "text/plain"),
    ],
)
def test_escapes_in_html_and_text_bodies_never_reach_the_message(
    recorder, front_end, body, content_type
):
    err = _error(
        recorder,
        front_end,
        response(
            500,
            body.encode("latin-1" if "latin" in content_type else "utf-8"),
            {"Content-Type": content_type},
        ),
        force_noauth=True,
    )
    _clean(str(err))


def test_escapes_in_the_reason_phrase_never_reach_the_message(recorder, front_end):
    err = _error(
        recorder,
        front_end,
        response(403, b"", reason=b"No\x1b]0;pwned\x07 \x1b[2J"),
        force_noauth=True,
    )
    _clean(str(err))
    assert "403" in str(err)


def test_an_overlong_reason_phrase_is_bounded(recorder, front_end):
    err = _error(
        recorder, front_end, response(418, b"", reason=b"R" * 60000), force_noauth=True
    )
    assert len(str(err)) < 1000


@pytest.mark.parametrize(
    ("kwargs", "echo"),
    [
        ({"api_key": SECRET}, f"you sent Bearer {SECRET}"),
        ({"api_key": SECRET, "auth_header_name": "X-API-Key"}, f"key {SECRET}?"),
        ({"username": "albert", "password": SECRET}, f"password {SECRET} wrong"),
        (
            {"username": "albert", "password": SECRET},
            "header "
            + base64.b64encode(f"albert:{SECRET}".encode()).decode()
            + " refused",
        ),
    ],
)
def test_a_server_echoing_the_credential_never_puts_it_in_the_message(
    recorder, front_end, kwargs, echo
):
    for body, ctype in (
        (json.dumps({"detail": echo}).encode(), "application/json"),
        (f"<title>{echo}</title>".encode(), "text/html"),
        (echo.encode(), "text/plain"),
    ):
        err = _error(
            recorder, front_end, response(401, body, {"Content-Type": ctype}), **kwargs
        )
        assert SECRET not in str(err)
        assert "REDACTED" in str(err)


def test_a_token_file_echoed_back_is_redacted(recorder, front_end, make_token):
    path = make_token({"sub": "albert"})
    token = path.read_text().strip()
    server = recorder(lambda head: response(401, b"rejected " + head))
    with (
        front_end.make(server.url(), token=path) as s,
        pytest.raises(front_end.HTTPError) as info,
    ):
        s.get(server.url("/x"), timeout=5)
    assert token not in str(info.value)


def test_a_secret_query_value_echoed_back_is_redacted(recorder, front_end):
    err_server = recorder(lambda head: response(404, b"no page " + head.split()[1]))
    with (
        front_end.make(err_server.url(), force_noauth=True) as s,
        pytest.raises(front_end.HTTPError) as info,
    ):
        s.get(err_server.url(f"/x?token={SECRET}"), timeout=5)
    assert SECRET not in str(info.value)


@pytest.mark.parametrize(
    "url",
    [
        f"https://albert:{SECRET}@gracedb.example.org/api/",
        f"https://gracedb.example.org/api/?token={SECRET}",
        f"https://gracedb.example.org/api/?access_token={SECRET}&page=2",
    ],
)
def test_describe_auth_never_shows_url_secrets(url, front_end):
    with front_end.make(url, force_noauth=True) as s:
        report = s.client.describe_auth()
    shown_all = (
        str(report),
        repr(report),
        json.dumps(report.to_dict()),
        repr(s.client),
    )
    for shown in shown_all:
        assert SECRET not in shown


def test_a_garbage_status_line_with_escapes_gives_a_clean_message(recorder, front_end):
    server = recorder(lambda head: b"\x1b]0;pwned\x07\x1b[2J garbage\r\n\r\n")
    with (
        front_end.make(server.url(), force_noauth=True, retries=0) as s,
        pytest.raises(front_end.ConnectionError) as info,
    ):
        s.get(server.url(f"/x?token={SECRET}"), timeout=5)
    _clean(str(info.value))
    assert SECRET not in str(info.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"api_key": SECRET},
        {"api_key": SECRET, "auth_header_name": "X-API-Key"},
        {"username": "albert", "password": SECRET},
    ],
)
def test_no_credential_in_any_log_record(
    recorder, front_end, caplog, monkeypatch, kwargs
):
    """Every logger at DEBUG (the package's, requests', urllib3's, httpx's,
    httpcore's) while the request is retried after a 503, redirected, and
    refused with a 401 whose body echoes the request head."""
    answers = iter(
        [
            lambda head: response(503, b"busy", {"Retry-After": "0"}),
            lambda head: response(302, b"", {"Location": "/next"}),
            lambda head: response(401, b"rejected " + head),
        ]
    )
    server = recorder(lambda head: next(answers)(head))
    if front_end.is_httpx:  # one retry, without the pause before it
        from requests_gracedb_like.httpx import _retry

        monkeypatch.setattr(_retry, "_sleep", lambda seconds: None)
        monkeypatch.setattr(_retry, "_async_sleep", _no_async_wait)
        retries = 1
    else:
        retries = Retry(total=1, backoff_factor=0)
    caplog.set_level(logging.DEBUG)
    with (
        front_end.make(server.url(), retries=retries, **kwargs) as s,
        pytest.raises(front_end.HTTPError) as info,
    ):
        s.get(server.url("/x"), timeout=5)
    assert info.value.response.status_code == 401
    assert server.saw(SECRET) or server.saw("Authorization: Basic")
    assert caplog.records, "the request was logged"
    pair = base64.b64encode(f"albert:{SECRET}".encode()).decode()
    for record in caplog.records:
        shown = record.getMessage() + (record.exc_text or "")
        assert SECRET not in shown
        assert pair not in shown


async def _no_async_wait(seconds):
    return None
