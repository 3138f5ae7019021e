"""The ``demo`` command's texts, in-process (the whole walk-through runs in
tests/cli/test_cli.py)."""

from __future__ import annotations

import importlib.util
import re

import pytest

from requests_gracedb_like.cli import demo


def test_the_oidc_step_without_the_extra_gives_the_install_command(
    monkeypatch, tmp_path
):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    shown: list[str] = []
    demo._oidc_step(None, "http://127.0.0.1:1/api/", tmp_path, shown.append)  # type: ignore[arg-type]
    assert "pip install 'requests-gracedb-like[oidc]'" in "".join(shown)


@pytest.mark.enable_socket
def test_the_oidc_step_shows_no_token_like_identifier(tmp_path):
    pytest.importorskip("authlib")
    from requests_gracedb_like.testing.service import FakeService

    shown: list[str] = []
    with FakeService() as service:
        demo._oidc_step(service, service.url_for("api/"), tmp_path, shown.append)
    text = "\n".join(shown)
    assert "refreshed (1 refresh request)" in text
    # the service's id of the token looks like a token on a terminal
    assert "access token '" not in text
    requests_shown = [line for line in shown if "-> 200" in line]
    assert len(requests_shown) == 2
    assert not any(re.search(r"[0-9a-f]{8}", line) for line in requests_shown)
