"""Every fault the fault server can inject surfaces as a documented
requests exception, promptly, and leaves the session usable."""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path

import pytest
import requests
from fault_server import FAULTS, FaultServer, client_sockets
from urllib3.util import Retry

from requests_gracedb_like import (
    Session,
    SessionErrorMixin,
    exceptions,
    retry,
)
from requests_gracedb_like.errors import MAX_MESSAGE

#: The read timeout the tests configure; every fault must surface within it
#: plus this margin (thread scheduling on a loaded CI machine).
TIMEOUT = 0.5
MARGIN = 1.5
RESET = (requests.exceptions.ChunkedEncodingError, requests.ConnectionError)

#: fault, query, expected exception, what the message says happened.
TRANSPORT_FAULTS = [
    ("reset-after-headers", "", RESET, "the connection was reset"),
    ("reset-mid-body", "", RESET, "the connection was reset"),
    ("garbage", "", requests.ConnectionError, "did not answer in HTTP"),
    (
        "short-body",
        "",
        requests.exceptions.ChunkedEncodingError,
        "ended before its declared length",
    ),
    (
        "drip",
        f"interval={TIMEOUT * 3}&size=3",
        exceptions.BodyTimeout,
        "no data within the read timeout",
    ),
    ("stall", "", requests.ReadTimeout, "no data within the read timeout"),
    ("drop-after-body", "", requests.ConnectionError, "closed the connection"),
]


def open_fds_to(path: Path) -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == str(path):
                count += 1
        except OSError:
            continue
    return count


@pytest.fixture
def waits(monkeypatch):
    """The backoff waits between retries, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(retry, "_sleep", recorded.append)
    return recorded


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(("fault", "query", "expected", "cause"), TRANSPORT_FAULTS)
def test_fault_raises_documented_error_naming_request_and_session_recovers(
    fault_server, method, fault, query, expected, cause
):
    url = fault_server.url(fault, query)
    # one attempt: retries are tested below
    with Session(force_noauth=True, retries=0) as s:
        start = time.monotonic()
        with pytest.raises(expected) as info:
            s.request(method, url, data=b"payload", timeout=TIMEOUT)
        elapsed = time.monotonic() - start
        assert elapsed < TIMEOUT + MARGIN
        message = str(info.value)
        assert message.startswith(f"{method} {url} failed: ")
        assert cause in message
        assert info.value.request.method == method
        assert info.value.request.url == url
        if expected is exceptions.BodyTimeout:
            # caught by either of the clauses users write for it
            assert isinstance(info.value, requests.Timeout)
            assert isinstance(info.value, requests.ConnectionError)
        assert len(message) < MAX_MESSAGE
        # the same session serves the next request on the same pool
        assert s.get(fault_server.url("ok"), timeout=TIMEOUT).json()["ok"] is True


def test_failure_after_a_redirect_names_the_request_that_failed(fault_server):
    s = Session(force_noauth=True, retries=0)
    with s, pytest.raises(requests.exceptions.ChunkedEncodingError) as info:
        s.get(fault_server.url("redirect", "to=short-body"), timeout=TIMEOUT)
    target = fault_server.url("short-body")
    assert str(info.value).startswith(f"GET {target} failed: the response ended")
    assert info.value.request.url == target


def test_drip_faster_than_the_read_timeout_is_read_to_the_end(fault_server):
    # the timeout bounds each wait for data, not the whole transfer
    url = fault_server.url("drip", f"interval={TIMEOUT / 10}&size=5")
    with Session(force_noauth=True) as s:
        assert s.get(url, timeout=TIMEOUT).text == "ddddd"


def test_connection_refused_names_request_without_secrets(fault_server, waits):
    port = fault_server.port
    fault_server.close()  # nothing listens on the port any more
    url = f"http://albert:pw123@127.0.0.1:{port}/x?token=tok123&page=2"
    with pytest.raises(requests.ConnectionError) as info, Session() as s:
        s.get(url, timeout=TIMEOUT)
    message = str(info.value)
    assert message == (
        f"GET http://127.0.0.1:{port}/x?token=REDACTED&page=2 failed: "
        "connection refused (ConnectionRefusedError)"
    )
    assert info.value.__cause__ is None  # requests' text quotes the token


def test_transport_errors_are_rewritten_without_the_error_hook(fault_server, waits):
    url = fault_server.url("garbage")
    pattern = f"^GET {re.escape(url)} failed: "
    s = Session(force_noauth=True, raise_for_status=False)
    with s, pytest.raises(requests.ConnectionError, match=pattern):
        s.get(url, timeout=TIMEOUT)


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
def test_stale_keep_alive_connection_is_replaced_for_any_method(fault_server, method):
    with Session(force_noauth=True) as s:
        s.get(fault_server.url("close-idle"), timeout=TIMEOUT)
        assert fault_server.idle_closed.wait(5)
        r = s.request(method, fault_server.url("ok"), data=b"body", timeout=TIMEOUT)
    assert r.status_code == 200
    first, second = fault_server.seen
    assert (second.method, second.fault) == (method, "ok")
    assert second.connection != first.connection  # a fresh connection
    assert fault_server.count("ok") == 1  # sent once


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_request_dropped_after_its_body_was_sent_is_not_resent(
    fault_server, waits, method
):
    url = fault_server.url("drop-after-body")
    with pytest.raises(requests.ConnectionError), Session(force_noauth=True) as s:
        s.request(method, url, data=b"x" * 1000, timeout=TIMEOUT)
    assert fault_server.count("drop-after-body") == 1
    assert fault_server.seen[0].body_length == 1000
    assert waits == []


@pytest.mark.parametrize("fault", ["drop-after-body", "garbage", "reset-mid-body"])
def test_idempotent_request_is_retried_then_fails_naming_it(fault_server, waits, fault):
    url = fault_server.url(fault)
    with Session(force_noauth=True, retries=2) as s:
        with pytest.raises(requests.RequestException) as info:
            s.put(url, data=b"x", timeout=TIMEOUT)
        assert s.get(fault_server.url("ok"), timeout=TIMEOUT).ok
    assert str(info.value).startswith(f"PUT {url} failed: ")
    expected = 1 if fault == "reset-mid-body" else 3  # body errors: not retried
    assert fault_server.count(fault) == expected


def test_exhausted_retries_name_the_request_not_the_token(fault_server, waits):
    retries = Retry(2, status_forcelist=[502], raise_on_status=True)
    url = fault_server.url("html-error", "token=tok123")
    s = Session(force_noauth=True, retries=retries)
    with s, pytest.raises(requests.exceptions.RetryError) as info:
        s.get(url, timeout=TIMEOUT)
    assert str(info.value) == (
        f"GET {url.replace('tok123', 'REDACTED')} failed: "
        "too many 502 error responses (ResponseError)"
    )
    assert fault_server.count("html-error") == 3


def test_tls_to_a_plain_http_server_names_the_request(fault_server, waits):
    url = f"https://127.0.0.1:{fault_server.port}/ok?token=tok123"
    s = Session(force_noauth=True, retries=0)
    with s, pytest.raises(requests.exceptions.SSLError) as info:
        s.get(url, timeout=TIMEOUT)
    message = str(info.value)
    assert message.startswith(f"GET {url.replace('tok123', 'REDACTED')} failed: ")
    assert "tok123" not in message


def test_stall_with_the_session_timeout_raises_in_about_that_time(fault_server):
    with Session(force_noauth=True, timeout=TIMEOUT) as s:
        start = time.monotonic()
        with pytest.raises(requests.ReadTimeout, match=r"^GET .*/stall failed: "):
            s.get(fault_server.url("stall"))
        elapsed = time.monotonic() - start
    assert TIMEOUT <= elapsed < TIMEOUT + MARGIN
    assert fault_server.count("stall") == 1  # a read timeout is not retried


def test_upload_dropped_midway_raises_and_closes_the_file(fault_server, tmp_path):
    path = tmp_path / "skymap.fits"
    path.write_bytes(os.urandom(4 << 20))
    with Session(force_noauth=True) as s:
        with pytest.raises(requests.ConnectionError, match=r"^POST .*/drop-upload"):
            s.post(
                fault_server.url("drop-upload", "after=65536"),
                files={"skymap": path},
                timeout=TIMEOUT,
            )
        assert open_fds_to(path) == 0
        assert fault_server.seen[0].body_length == 65536
        r = s.post(fault_server.url("ok"), files={"skymap": path}, timeout=TIMEOUT)
        assert r.json()["length"] > 4 << 20
        assert open_fds_to(path) == 0


@pytest.mark.parametrize(
    ("fault", "query", "cls", "expected"),
    [
        ("html-error", "", exceptions.BadGateway, ": 502 Proxy Error"),
        ("html-error", "charset=no-such-codec", exceptions.BadGateway, ": 502 Proxy"),
        ("json-error", "", exceptions.BadRequest, ": Event T0 does not exist."),
        ("non-utf8-error", "", exceptions.InternalServerError, "Datei \ufffdber"),
        (
            "non-utf8-error",
            "charset=no-such-codec",
            exceptions.InternalServerError,
            "Datei \ufffdber",
        ),
        ("huge-error", "", exceptions.InternalServerError, "Traceback line"),
    ],
)
def test_error_pages_give_short_readable_messages(
    fault_server, waits, fault, query, cls, expected
):
    url = fault_server.url(fault, query)
    with Session(force_noauth=True) as s:
        with pytest.raises(cls) as info:
            s.get(url, timeout=TIMEOUT)
        assert s.get(fault_server.url("ok"), timeout=TIMEOUT).ok
    message = str(info.value)
    assert message.startswith(f"GET {url} -> {info.value.status_code} ")
    assert expected in message
    assert len(message) <= len(url) + 40 + MAX_MESSAGE
    assert message.isprintable()


def test_header_that_cannot_be_sent_is_named_not_quoted(fault_server):
    with Session(force_noauth=True) as s:
        for value in ("Bearer s3cret\r\nX-Evil: 1", "Bearer s3cr\u00e9t\u2603"):
            with pytest.raises(requests.exceptions.InvalidHeader) as info:
                s.get(
                    fault_server.url("ok"),
                    headers={"Authorization": value},
                    timeout=TIMEOUT,
                )
            assert isinstance(info.value, ValueError)
            assert "'Authorization'" in str(info.value)
            assert "s3cr" not in str(info.value)
    assert fault_server.seen == []


class _HeaderAuth(requests.auth.AuthBase):
    def __init__(self, value: str) -> None:
        self.value = value

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["X-Signature"] = self.value
        return r


@pytest.mark.parametrize("value", ["s3cret\nX-Evil: 1", "s3cr\u00e9t\u2603"])
def test_header_set_by_auth_that_cannot_be_sent_is_not_quoted(fault_server, value):
    s = Session(force_noauth=True)
    with s, pytest.raises(requests.exceptions.InvalidHeader) as info:
        s.get(fault_server.url("ok"), auth=_HeaderAuth(value), timeout=TIMEOUT)
    assert "header 'X-Signature' cannot be sent" in str(info.value)
    assert "s3cr" not in str(info.value)
    assert fault_server.seen == []


def test_session_close_releases_every_socket(fault_server, waits):
    port = fault_server.port
    # (with warm connections, close() keeps the last one for the next
    # session: tests/hostile/test_warm_pool.py)
    s = Session(force_noauth=True, warm_connections=False)
    for fault in ("ok", "json-error", "non-utf8-error", "garbage", "stall", "ok"):
        with contextlib.suppress(requests.RequestException):
            s.get(fault_server.url(fault), timeout=TIMEOUT)
    assert client_sockets(port) >= 1  # a kept-alive connection is pooled
    s.close()
    assert client_sockets(port) == 0


def test_fault_server_shuts_down_with_a_stalled_handler():
    server = FaultServer()
    with Session(force_noauth=True) as s, pytest.raises(requests.ReadTimeout):
        s.get(server.url("stall"), timeout=0.2)
    start = time.monotonic()
    server.close()
    assert time.monotonic() - start < 2
    assert not server._thread.is_alive()


def test_docs_fault_table_matches_the_server():
    text = (Path(__file__).parent.parent / "docs" / "reliability.rst").read_text()
    table = text.split(".. faults-table-start", 1)[1].split(".. faults-table-end")[0]
    documented = set(re.findall(r"^\s+\* - ``([a-z0-9-]+)``", table, re.MULTILINE))
    assert documented == set(FAULTS)


class _StrictError(requests.ConnectionError):
    """An adapter's own exception, whose constructor takes other arguments."""

    def __init__(self, code: int) -> None:
        super().__init__(f"failed with code {code}")
        self.code = code


class _FailingAdapter(requests.adapters.HTTPAdapter):
    def send(self, request, *args, **kwargs):
        raise _StrictError(7)


def test_adapter_exception_with_its_own_constructor_is_still_rewritten():
    with Session(force_noauth=True) as s:
        s.mount("http://", _FailingAdapter())
        with pytest.raises(_StrictError) as info:
            s.get("http://127.0.0.1:9/x?token=tok123")
    assert str(info.value) == (
        "GET http://127.0.0.1:9/x?token=REDACTED failed: "
        "failed with code 7 (_StrictError)"
    )
    assert info.value.code == 7


class _ErrorsOnly(SessionErrorMixin, requests.Session):
    pass


def test_error_mixin_alone_rewrites_transport_errors(fault_server):
    url = fault_server.url("reset-mid-body")
    s = _ErrorsOnly()
    with s, pytest.raises(RESET) as info:
        s.get(url, timeout=TIMEOUT)
    assert str(info.value) == (
        f"GET {url} failed: the connection was reset (ConnectionResetError)"
    )
    assert info.value.request.url == url
