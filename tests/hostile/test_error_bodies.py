"""Promise: a hostile error body never hangs the session, never exhausts
memory, and never replaces the HTTP error with another exception; nothing
of a readable body is lost.
"""

from __future__ import annotations

import gzip
import itertools
import json
import threading
import tracemalloc

import pytest
from hostile import bounded_thread, response

from requests_gracedb_like import Session
from requests_gracedb_like.exceptions import HTTPError


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
    recorder, answer, stream
):
    server = recorder(answer)
    with Session(server.url(), force_noauth=True, retries=0) as s:

        def call():
            tracemalloc.start()
            try:
                s.get(server.url("/x"), stream=stream, timeout=5)
            except HTTPError as exc:
                peak = tracemalloc.get_traced_memory()[1]
                exc.response.close()
                return exc, peak
            finally:
                tracemalloc.stop()
            return None, 0

        err, peak = bounded_thread(call)
    assert err is not None
    assert err.response.status_code in (500, 503)
    assert peak < 8 << 20, f"{peak} bytes to build the message"


def test_a_trickled_error_body_is_read_for_a_bounded_time(recorder, short_error_reads):
    server = recorder(_trickle)
    with Session(server.url(), force_noauth=True, retries=0) as s:

        def call():
            with pytest.raises(HTTPError) as info:
                s.get(server.url("/x"), timeout=5)
            return info.value

        err = bounded_thread(call, seconds=10)
    assert "500" in str(err)


def test_a_compressed_bomb_error_body_is_decoded_in_bounded_memory(recorder):
    bomb = gzip.compress(b"\0" * (256 << 20), compresslevel=9)
    server = recorder(
        lambda head: response(
            500, bomb, {"Content-Encoding": "gzip", "Content-Type": "text/plain"}
        )
    )
    with Session(server.url(), force_noauth=True, retries=0) as s:
        tracemalloc.start()
        try:
            with pytest.raises(HTTPError):
                s.get(server.url("/x"), timeout=5)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 32 << 20, f"{peak} bytes"


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 50_000 + b"]" * 50_000,
        b'{"detail":' * 50_000 + b"1" + b"}" * 50_000,
        b"[" * 200_000,
    ],
)
@pytest.mark.parametrize("stream", [False, True])
def test_deeply_nested_json_still_raises_the_http_error(recorder, body, stream):
    server = recorder(
        lambda head: response(400, body, {"Content-Type": "application/json"})
    )
    with (
        Session(server.url(), force_noauth=True) as s,
        pytest.raises(HTTPError) as info,
    ):
        s.get(server.url("/x"), stream=stream, timeout=5)
    assert "400" in str(info.value)


def test_a_streamed_long_error_body_is_still_readable_whole(recorder):
    body = bytes(range(256)) * 4096  # 1 MiB
    server = recorder(
        lambda head: response(500, body, {"Content-Type": "application/octet-stream"})
    )
    with Session(server.url(), force_noauth=True, retries=0) as s:
        with pytest.raises(HTTPError) as info:
            s.get(server.url("/x"), stream=True, timeout=5)
        assert info.value.response.content == body


def test_a_short_json_error_body_is_kept_whole(recorder):
    body = json.dumps({"detail": "no such event", "items": list(range(100))})
    server = recorder(
        lambda head: response(404, body.encode(), {"Content-Type": "application/json"})
    )
    with (
        Session(server.url(), force_noauth=True) as s,
        pytest.raises(HTTPError) as info,
    ):
        s.get(server.url("/x"), timeout=5)
    assert info.value.response.json() == json.loads(body)
    assert str(info.value).endswith("no such event")


def test_a_connection_with_an_unread_error_body_is_not_reused(recorder):
    big = b"e" * (1 << 20)
    answers = iter([response(500, big), response(200, b"second")])
    server = recorder(lambda head: next(answers))
    with Session(server.url(), force_noauth=True, retries=0) as s:
        with pytest.raises(HTTPError):
            s.get(server.url("/first"), timeout=5)
        assert s.get(server.url("/second"), timeout=5).text == "second"
