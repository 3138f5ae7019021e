"""Promise: a hostile error body never hangs the session, never exhausts
memory, and never replaces the HTTP error with another exception; nothing
of a readable body is lost.

The cases run through the three front ends (``front_end``, see
``front_ends.py``), but for those of what only the requests ``Session``
promises: a long streamed error body still readable whole from the
error's response (an httpx client closes the response of the error it
raises). The trickled and the endless 401 before the resend (this one in
a subprocess) run on all three.
"""

from __future__ import annotations

import gzip
import itertools
import json
import threading
import tracemalloc
import zlib

import pytest
from front_ends import FRONT_ENDS
from hostile import (
    bounded_thread,
    endless,
    in_turn,
    isolated,
    response,
    trickled,
)

from requests_gracedb_like import Session
from requests_gracedb_like.exceptions import HTTPError
from requests_gracedb_like.retry import Retry
from requests_gracedb_like.testing import make_jwt


def _endless_chunked(head):
    yield (
        b"HTTP/1.1 500 Oops\r\nContent-Type: text/plain\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"y" * 65536
    framed = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    for _ in itertools.count():
        yield framed


def _endless_length(head):
    yield (
        b"HTTP/1.1 503 Busy\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 2147483648\r\n\r\n"
    )
    chunk = b"z" * 65536
    for _ in itertools.count():
        yield chunk


def _trickle(head):
    pause = threading.Event()
    yield b"HTTP/1.1 500 Slow\r\nContent-Length: 1000000\r\n\r\n"
    for _ in itertools.count():
        pause.wait(0.05)  # the server trickles; the client must not wait for it
        yield b"x"


@pytest.mark.parametrize("answer", [_endless_chunked, _endless_length])
@pytest.mark.parametrize("stream", [False, True])
def test_an_endless_error_body_raises_the_http_error_in_bounded_memory(
    recorder, front_end, answer, stream
):
    server = recorder(answer)
    with front_end.make(server.url(), force_noauth=True, retries=0) as s:

        def call():
            tracemalloc.start()
            try:
                s.get(server.url("/x"), stream=stream, timeout=5)
            except front_end.HTTPError as exc:
                peak = tracemalloc.get_traced_memory()[1]
                s.close_response(exc.response)
                return exc, peak
            finally:
                tracemalloc.stop()
            return None, 0

        err, peak = bounded_thread(call)
    assert err is not None
    assert err.response.status_code in (500, 503)
    assert peak < 8 << 20, f"{peak} bytes to build the message"


@pytest.mark.parametrize("stream", [False, True])
def test_a_trickled_error_body_is_read_for_a_bounded_time(
    recorder, short_error_reads, front_end, stream
):
    server = recorder(_trickle)
    with front_end.make(server.url(), force_noauth=True, retries=0) as s:

        def call():
            with pytest.raises(front_end.HTTPError) as info:
                s.get(server.url("/x"), timeout=5)
            return info.value

        err = bounded_thread(call, seconds=10)
    assert "500" in str(err)
    assert "xxx" in str(err), "the part read makes the message"


def test_a_compressed_bomb_error_body_is_decoded_in_bounded_memory(recorder, front_end):
    bomb = gzip.compress(b"\0" * (256 << 20), compresslevel=9)
    server = recorder(
        lambda head: response(
            500, bomb, {"Content-Encoding": "gzip", "Content-Type": "text/plain"}
        )
    )
    with front_end.make(server.url(), force_noauth=True, retries=0) as s:
        tracemalloc.start()
        try:
            with pytest.raises(front_end.HTTPError):
                s.get(server.url("/x"), timeout=5)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 32 << 20, f"{peak} bytes"


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("gzip", lambda data: gzip.compress(data[:7]) + gzip.compress(data[7:])),
        ("deflate", zlib.compress),
        ("deflate", _raw_deflate),
        ("gzip, deflate", lambda data: zlib.compress(gzip.compress(data))),
    ],
    ids=["gzip", "gzip-two-members", "deflate", "raw-deflate", "gzip-then-deflate"],
)
def test_a_compressed_error_body_gives_the_servers_message(
    recorder, front_end, coding, encode
):
    body = b'{"detail": "the event G123 is locked by its owner"}'
    server = recorder(
        lambda head: response(
            409,
            encode(body),
            {"Content-Encoding": coding, "Content-Type": "application/json"},
        )
    )
    with (
        front_end.make(server.url(), force_noauth=True) as s,
        pytest.raises(front_end.HTTPError) as info,
    ):
        s.get(server.url("/x"), timeout=5)
    assert "409" in str(info.value)
    assert "the event G123 is locked by its owner" in str(info.value)


@pytest.mark.parametrize("stream", [False, True])
def test_an_error_body_in_an_unknown_encoding_still_raises_the_status(
    recorder, front_end, stream
):
    server = recorder(
        lambda head: response(
            502,
            b"\x1b]0;pwned\x07\xff\xfe not text",
            {"Content-Encoding": "x-unheard-of", "Content-Type": "text/plain"},
        )
    )
    with (
        front_end.make(server.url(), force_noauth=True, retries=0) as s,
        pytest.raises(front_end.HTTPError) as info,
    ):
        s.get(server.url("/x"), stream=stream, timeout=5)
    message = str(info.value)
    assert "502" in message
    assert "\x1b" not in message
    assert "pwned\x07" not in message
    s.close_response(info.value.response)


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 50_000 + b"]" * 50_000,
        b'{"detail":' * 50_000 + b"1" + b"}" * 50_000,
        b"[" * 200_000,
    ],
)
@pytest.mark.parametrize("stream", [False, True])
def test_deeply_nested_json_still_raises_the_http_error(
    recorder, front_end, body, stream
):
    server = recorder(
        lambda head: response(400, body, {"Content-Type": "application/json"})
    )
    with (
        front_end.make(server.url(), force_noauth=True) as s,
        pytest.raises(front_end.HTTPError) as info,
    ):
        s.get(server.url("/x"), stream=stream, timeout=5)
    assert "400" in str(info.value)
    # A streamed response is the caller's to close (its body was read only
    # as far as the message needed).
    s.close_response(info.value.response)


def test_a_streamed_long_error_body_is_still_readable_whole(recorder):
    body = bytes(range(256)) * 4096  # 1 MiB
    server = recorder(
        lambda head: response(500, body, {"Content-Type": "application/octet-stream"})
    )
    with Session(server.url(), force_noauth=True, retries=0) as s:
        with pytest.raises(HTTPError) as info:
            s.get(server.url("/x"), stream=True, timeout=5)
        assert info.value.response.content == body


def test_a_short_json_error_body_is_kept_whole(recorder, front_end):
    body = json.dumps({"detail": "no such event", "items": list(range(100))})
    server = recorder(
        lambda head: response(404, body.encode(), {"Content-Type": "application/json"})
    )
    with (
        front_end.make(server.url(), force_noauth=True) as s,
        pytest.raises(front_end.HTTPError) as info,
    ):
        s.get(server.url("/x"), timeout=5)
    assert info.value.response.json() == json.loads(body)
    assert str(info.value).endswith("no such event")


def test_a_connection_with_an_unread_error_body_is_not_reused(recorder, front_end):
    big = b"e" * (1 << 20)
    answers = iter([response(500, big), response(200, b"second")])
    server = recorder(lambda head: next(answers))
    with front_end.make(server.url(), force_noauth=True, retries=0) as s:
        with pytest.raises(front_end.HTTPError):
            s.get(server.url("/first"), timeout=5)
        assert s.get(server.url("/second"), timeout=5).text == "second"


@pytest.mark.parametrize("answer", [endless, trickled])
def test_a_retried_response_with_a_hostile_body_does_not_hold_the_retry(
    recorder, short_error_reads, front_end, answer, monkeypatch
):
    server = recorder(in_turn(answer(503), lambda head: response(200, b"second")))
    if front_end.is_httpx:  # one retry, without the pause before it
        from requests_gracedb_like.httpx import _retry

        monkeypatch.setattr(_retry, "_sleep", lambda seconds: None)
        monkeypatch.setattr(_retry, "_async_sleep", _no_async_wait)
        policy = 1
    else:
        policy = Retry(total=1, backoff_factor=0)
    with front_end.make(server.url(), force_noauth=True, retries=policy) as s:
        got = bounded_thread(lambda: s.get(server.url("/x"), timeout=5), seconds=10)
    assert got.text == "second"
    assert len(server.heads) == 2


async def _no_async_wait(seconds):
    return None


def _rejecting(old_answer):
    """Answers: 200 for the new token, `old_answer` for any other request."""
    new = make_jwt({"n": "new"})

    def answer(head):
        if f"Bearer {new}".encode() in head:
            return response(200, b"ok")
        return old_answer(head)

    return new, answer


def test_a_trickled_401_is_resent_with_the_rotated_token_in_bounded_time(
    recorder, short_error_reads, tmp_path, front_end
):
    new, answer = _rejecting(trickled(401))
    server = recorder(answer)
    path = tmp_path / "token"
    path.write_text(make_jwt({"n": "old"}))
    with front_end.make(server.url(), token=path, auth_reload=True) as s:
        path.write_text(new)  # rotated while the session runs
        got = bounded_thread(
            lambda: s.get(server.url("/x"), timeout=5), seconds=3, on_hang=server.close
        )
    assert got.text == "ok"
    assert [h.status_code for h in got.history] == [401]


_REPLAY = {
    "Session": """
from requests_gracedb_like import Session
with Session({url!r}, token={path!r}, auth_reload=True) as s:
    open({path!r}, "w").write({new!r})  # rotated while the session runs
    got = s.get({url!r}, timeout=5)
    result = [got.text, [h.status_code for h in got.history]]
""",
    "httpx.Client": """
from requests_gracedb_like.httpx import Client
with Client({url!r}, token={path!r}, auth_reload=True) as s:
    open({path!r}, "w").write({new!r})  # rotated while the client runs
    got = s.get({url!r}, timeout=5)
    result = [got.text, [h.status_code for h in got.history]]
""",
    "httpx.AsyncClient": """
import asyncio
from requests_gracedb_like.httpx import AsyncClient
async def main():
    async with AsyncClient({url!r}, token={path!r}, auth_reload=True) as s:
        open({path!r}, "w").write({new!r})  # rotated while the client runs
        got = await s.get({url!r}, timeout=5)
        return [got.text, [h.status_code for h in got.history]]
result = asyncio.run(main())
""",
}


@pytest.mark.parametrize("front", FRONT_ENDS)
def test_an_endless_401_is_resent_with_the_rotated_token_in_bounded_memory(
    recorder, tmp_path, front
):
    if front != "Session":
        pytest.importorskip("httpx")
    new, answer = _rejecting(endless(401))
    server = recorder(answer)
    path = tmp_path / "token"
    path.write_text(make_jwt({"n": "old"}))
    code = _REPLAY[front].format(url=server.url("/x"), path=str(path), new=new)
    assert isolated(code, seconds=20) == ["ok", [401]]
