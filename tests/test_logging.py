"""Logging: one logger per module, silent by default, never a secret."""

from __future__ import annotations

import importlib
import logging
import pkgutil
import subprocess
import sys

import pytest
import time_machine

import requests_gracedb_like
from requests_gracedb_like import Session, retry
from requests_gracedb_like.testing import make_jwt

T0 = 1_900_000_000


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def captured():
    logger = logging.getLogger("requests_gracedb_like")
    handler = _Capture()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler.records
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_one_logger_per_module_under_the_package():
    names = []
    prefix = "requests_gracedb_like."
    for info in pkgutil.walk_packages(requests_gracedb_like.__path__, prefix):
        module = importlib.import_module(info.name)
        log = getattr(module, "log", None)
        if isinstance(log, logging.Logger):
            assert log.name == module.__name__
            names.append(info.name.removeprefix(prefix))
    assert {
        "auth",
        "credentials.bearer",
        "credentials.discovery",
        "credentials.sources",
        "retry",
    } <= set(names)


def test_package_logger_has_null_handler_and_is_silent_by_default(tmp_path):
    handlers = logging.getLogger("requests_gracedb_like").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)
    # With no logging configured, nothing reaches stderr ("No handlers
    # could be found" or the last-resort handler's WARNING output).
    code = (
        "import logging, requests_gracedb_like as r;"
        "logging.getLogger('requests_gracedb_like.auth').warning('x')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stderr == ""


def test_no_secret_in_any_record_at_debug(
    captured, httpserver, tmp_path, env, monkeypatch
):
    secrets = []

    def secret_token(now, claims=None):
        token = make_jwt({"sub": f"s3cr3t-{len(secrets)}", **(claims or {})}, now=now)
        secrets.append(token)
        secrets.append(token.split(".")[1])  # the payload alone
        return token

    httpserver.expect_oneshot_request("/busy").respond_with_data(
        "", status=503, headers={"Retry-After": "1"}
    )
    httpserver.expect_request("/busy").respond_with_data("ok")
    httpserver.expect_request("/").respond_with_data("ok")
    monkeypatch.setattr(retry, "_sleep", lambda seconds: None)

    # A reloading token file: selection, a failed re-read, a reload.
    path = tmp_path / "token"
    path.write_text(secret_token(T0))
    with time_machine.travel(T0, tick=False) as clock:
        s = Session(httpserver.url_for("/"), token=path, auth_reload=True)
        s.get(httpserver.url_for("/busy"), params={"access_token": "qs-s3cr3t"})
        clock.move_to(T0 + 3400)
        path.write_text("")  # caught mid-write
        s.get(httpserver.url_for("/"))
        path.write_text(secret_token(T0 + 3400))
        clock.move_to(T0 + 3401)
        s.get(httpserver.url_for("/"))
        s.close()
    # The environment, basic auth arguments and netrc.
    monkeypatch.setenv("BEARER_TOKEN", secret_token(T0))
    with time_machine.travel(T0, tick=False):  # issued at T0: not valid before
        Session(httpserver.url_for("/")).close()
    monkeypatch.delenv("BEARER_TOKEN")
    Session(username="albert", password="pw-s3cr3t").close()
    env.write_netrc("machine localhost login albert password netrc-s3cr3t\n")
    Session(httpserver.url_for("/")).close()
    secrets += ["qs-s3cr3t", "pw-s3cr3t", "netrc-s3cr3t"]

    messages = {
        (r.name, r.levelno, r.getMessage())
        for r in captured
        if r.name.startswith("requests_gracedb_like")
    }
    text = "\n".join(m for _, _, m in messages)
    text += "\n".join(repr(r.args) for r in captured)
    for secret in secrets:
        assert secret not in text
    assert "s3cr3t" not in text

    # The records a user debugging credentials relies on are there.
    def has(logger, level, words):
        return any(
            n == f"requests_gracedb_like.{logger}" and lv == level and words in m
            for n, lv, m in messages
        )

    assert has("auth", logging.DEBUG, f"using credential from token argument ({path})")
    assert has("auth", logging.DEBUG, "BEARER_TOKEN")
    assert has("auth", logging.DEBUG, "username/password arguments")
    assert has("auth", logging.DEBUG, "netrc")
    assert has("credentials.bearer", logging.DEBUG, "keeping the last good token")
    assert has("credentials.bearer", logging.DEBUG, "reloaded bearer token")
    assert has("retry", logging.INFO, "attempt 2")
