"""The retry policy (Retry, check_retries) as a session uses it, against
real local servers: what is retried, how long it waits, what is logged."""

from __future__ import annotations

import email.utils
import logging
import socket

import pytest
import requests
import time_machine
from urllib3.util import Retry as Urllib3Retry

from requests_gracedb_like import Session, SessionAdapterMixin, retry
from requests_gracedb_like import exceptions as exc
from requests_gracedb_like.retry import Retry

T0 = 1_900_000_000


class AdaptersOnly(SessionAdapterMixin, requests.Session):
    pass


@pytest.fixture
def slept(monkeypatch):
    """The waits between attempts, recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(retry, "_sleep", waits.append)
    return waits


@pytest.fixture
def closed_port_url():
    """A loopback URL where nothing listens: connections are refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def _unavailable_then_ok(httpserver, path, retry_after="2", times=1):
    for _ in range(times):
        httpserver.expect_oneshot_request(path).respond_with_data(
            "busy", status=503, headers={"Retry-After": retry_after}
        )
    httpserver.expect_request(path).respond_with_data("ok")


def test_get_is_retried_after_503_honouring_retry_after(httpserver, slept, caplog):
    _unavailable_then_ok(httpserver, "/r")
    caplog.set_level(logging.INFO, logger="requests_gracedb_like")
    with Session(force_noauth=True) as s:
        response = s.get(httpserver.url_for("/r"))
    assert response.status_code == 200
    assert response.text == "ok"
    assert len(httpserver.log) == 2
    assert slept == [2.0]
    [record] = [r for r in caplog.records if r.name == "requests_gracedb_like.retry"]
    assert record.levelno == logging.INFO
    message = record.getMessage()
    assert "GET http://localhost:" in message
    assert "503 Service Unavailable" in message
    assert "attempt 2 of 4" in message
    assert "2.0 s" in message


def test_post_is_not_retried(httpserver, slept):
    _unavailable_then_ok(httpserver, "/r")
    with pytest.raises(exc.ServiceUnavailable), Session(force_noauth=True) as s:
        s.post(httpserver.url_for("/r"), data=b"event")
    assert len(httpserver.log) == 1
    assert slept == []


def test_patch_is_not_retried(httpserver, slept):
    _unavailable_then_ok(httpserver, "/r")
    with pytest.raises(exc.ServiceUnavailable), Session(force_noauth=True) as s:
        s.patch(httpserver.url_for("/r"), data=b"x")
    assert len(httpserver.log) == 1


def test_post_is_retried_when_caller_opts_in(httpserver, slept):
    _unavailable_then_ok(httpserver, "/r")
    policy = Retry(allowed_methods=Retry.DEFAULT_ALLOWED_METHODS | {"POST"})
    with Session(force_noauth=True, retries=policy) as s:
        response = s.post(httpserver.url_for("/r"), data=b"event")
    assert response.text == "ok"
    assert [r.get_data() for r, _ in httpserver.log] == [b"event", b"event"]


def test_put_with_seekable_body_is_retried_whole(httpserver, slept, tmp_path):
    _unavailable_then_ok(httpserver, "/f")
    path = tmp_path / "skymap.fits"
    path.write_bytes(b"SIMPLE  = T" * 100)
    with Session(force_noauth=True) as s, path.open("rb") as f:
        assert s.put(httpserver.url_for("/f"), data=f).text == "ok"
    assert [r.get_data() for r, _ in httpserver.log] == [path.read_bytes()] * 2


def test_body_read_once_is_never_sent_twice(httpserver, slept):
    """A retry would send the exhausted generator: an empty PUT."""
    _unavailable_then_ok(httpserver, "/g")

    def chunks():
        yield b"part one, "
        yield b"part two"

    with pytest.raises(exc.ServiceUnavailable), Session(force_noauth=True) as s:
        s.put(httpserver.url_for("/g"), data=chunks())
    [(request, _)] = httpserver.log
    assert request.get_data() == b"part one, part two"
    assert slept == []


def test_body_read_once_still_retries_refused_connection(closed_port_url, slept):
    with pytest.raises(requests.ConnectionError), AdaptersOnly(retries=2) as s:
        s.put(closed_port_url, data=iter([b"x"]))
    assert len(slept) == 1  # two retries: the first at once, then one wait


def test_exhausted_retries_raise_the_usual_http_error(httpserver, slept):
    httpserver.expect_request("/down").respond_with_json(
        {"detail": "maintenance"}, status=503
    )
    expected = pytest.raises(exc.ServiceUnavailable, match="maintenance")
    with expected as info, Session(force_noauth=True) as s:
        s.get(httpserver.url_for("/down"))
    assert not isinstance(info.value, requests.exceptions.RetryError)
    assert info.value.response.status_code == 503
    assert len(httpserver.log) == 4  # one attempt and three retries
    assert len(slept) == 2  # the first retry is immediate


def test_exhausted_retries_return_response_without_error_hook(httpserver, slept):
    httpserver.expect_request("/down").respond_with_data("busy", status=429)
    with AdaptersOnly(retries=2) as s:
        response = s.get(httpserver.url_for("/down"))
    assert response.status_code == 429
    assert len(httpserver.log) == 3


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retried_statuses(httpserver, slept, status):
    httpserver.expect_oneshot_request("/s").respond_with_data("", status=status)
    httpserver.expect_request("/s").respond_with_data("ok")
    with Session(force_noauth=True) as s:
        assert s.get(httpserver.url_for("/s")).text == "ok"


@pytest.mark.parametrize("status", [500, 404])
def test_other_statuses_are_not_retried(httpserver, slept, status):
    httpserver.expect_request("/s").respond_with_data("", status=status)
    with pytest.raises(exc.HTTPError), Session(force_noauth=True) as s:
        s.get(httpserver.url_for("/s"))
    assert len(httpserver.log) == 1


def test_backoff_grows_with_jitter(httpserver, slept):
    for _ in range(3):
        httpserver.expect_oneshot_request("/b").respond_with_data("", status=502)
    httpserver.expect_request("/b").respond_with_data("ok")
    with Session(force_noauth=True) as s:
        assert s.get(httpserver.url_for("/b")).text == "ok"
    # Immediate first retry, then about 1 s and 2 s, each cut by up to half.
    first, second = slept
    assert 0.5 <= first <= 1.0
    assert 1.0 <= second <= 2.0


def test_retry_after_is_capped(httpserver, slept):
    _unavailable_then_ok(httpserver, "/c", retry_after="86400")
    with Session(force_noauth=True) as s:
        s.get(httpserver.url_for("/c"))
    assert slept == [Retry.DEFAULT_RETRY_AFTER_MAX]


def test_retry_after_cap_is_configurable(httpserver, slept):
    _unavailable_then_ok(httpserver, "/c", retry_after="30")
    with Session(force_noauth=True, retries=Retry(retry_after_max=5)) as s:
        s.get(httpserver.url_for("/c"))
    assert slept == [5]


def test_retry_after_as_http_date(httpserver, slept):
    with time_machine.travel(T0, tick=False):
        when = email.utils.formatdate(T0 + 30, usegmt=True)
        _unavailable_then_ok(httpserver, "/d", retry_after=when)
        with Session(force_noauth=True) as s:
            s.get(httpserver.url_for("/d"))
    assert slept == [30]


def test_unreadable_retry_after_falls_back_to_backoff(httpserver, slept):
    _unavailable_then_ok(httpserver, "/u", retry_after="soon", times=3)
    with Session(force_noauth=True) as s:
        assert s.get(httpserver.url_for("/u")).text == "ok"
    assert len(slept) == 2


def test_refused_connection_is_retried_then_raises(closed_port_url, slept, caplog):
    caplog.set_level(logging.INFO, logger="requests_gracedb_like")
    with pytest.raises(requests.ConnectionError), AdaptersOnly(retries=2) as s:
        s.post(closed_port_url, data=b"x")  # nothing was sent: POST too
    messages = [
        r.getMessage()
        for r in caplog.records
        if r.name == "requests_gracedb_like.retry"
    ]
    assert len(messages) == 3
    assert "attempt 2 of 3" in messages[0]
    assert "attempt 3 of 3" in messages[1]
    assert "giving up after 3 attempts" in messages[2]
    assert all(m.startswith(f"POST {closed_port_url}") for m in messages)


def test_retry_messages_say_what_failed_in_plain_words(closed_port_url, slept, caplog):
    caplog.set_level(logging.INFO, logger="requests_gracedb_like")
    with pytest.raises(requests.ConnectionError), AdaptersOnly(retries=1) as s:
        s.get(closed_port_url)
    retrying = next(
        r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()
    )
    where = closed_port_url.removeprefix("http://").rstrip("/")
    assert f": could not connect to {where} (connection refused); retrying" in retrying
    assert "Error" not in retrying  # no class name such as NewConnectionError


def test_retries_zero_disables_retrying(httpserver, slept):
    _unavailable_then_ok(httpserver, "/z")
    with pytest.raises(exc.ServiceUnavailable), Session(retries=0) as s:
        s.get(httpserver.url_for("/z"))
    assert len(httpserver.log) == 1


def test_urllib3_retry_is_used_as_given():
    policy = Urllib3Retry(total=7, backoff_factor=0)
    with Session(force_noauth=True, retries=policy) as s:
        assert s.retries is policy
        assert s.get_adapter("https://h.example/").max_retries is policy
        assert s.get_adapter("http://h.example/").max_retries is policy


def test_retry_keeps_its_settings_across_attempts():
    policy = Retry(5, retry_after_max=9, jitter=0.1, retry_read_timeout=True)
    new = policy.increment("GET", "/", error=ConnectionResetError())
    assert (new.total, new.retry_after_max, new.jitter) == (4, 9, 0.1)
    assert new.retry_read_timeout is True


def test_redacted_url_in_retry_log(httpserver, slept, caplog):
    _unavailable_then_ok(httpserver, "/q")
    caplog.set_level(logging.INFO, logger="requests_gracedb_like")
    with Session(force_noauth=True) as s:
        s.get(httpserver.url_for("/q"), params={"token": "s3cr3t", "page": 2})
    ours = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith("requests_gracedb")
    )
    assert "s3cr3t" not in ours
    assert "token=REDACTED&page=2" in ours


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"retries": -1}, ValueError, "retries"),
        ({"retries": "3"}, TypeError, "retries"),
        ({"retries": None}, TypeError, "retries"),
        ({"retries": True}, TypeError, "retries"),
        ({"retries": 2.5}, TypeError, "retries"),
        ({"pool_maxsize": 0}, ValueError, "pool_maxsize"),
        ({"pool_maxsize": 1.5}, TypeError, "pool_maxsize"),
        ({"pool_maxsize": None}, TypeError, "pool_maxsize"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, error, name):
    with pytest.raises(error, match=name):
        Session(force_noauth=True, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"jitter": 1.5}, "jitter"), ({"retry_after_max": -1}, "retry_after_max")],
)
def test_bad_retry_policy_is_rejected(kwargs, name):
    with pytest.raises(ValueError, match=name):
        Retry(**kwargs)


@pytest.mark.parametrize("total", [0, 3, 7])
def test_a_number_of_retries_gives_each_session_a_policy_of_its_own(total):
    from requests_gracedb_like import Session

    first = Session(retries=total, force_noauth=True)
    second = Session(retries=total, force_noauth=True)
    assert type(first.retries) is Retry
    assert vars(first.retries) == vars(Retry(total))
    assert first.retries is not second.retries
    # A change to one session's policy is not another's.
    first.retries.total = total + 5
    first.retries.backoff_factor = 9.0
    assert second.retries.total == total
    assert second.retries.backoff_factor == Retry.DEFAULT_BACKOFF_FACTOR
    assert Session(retries=total, force_noauth=True).retries.total == total
