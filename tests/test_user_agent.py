"""User-Agent names the package of the session's class."""

from __future__ import annotations

import sys
import types

import requests

import requests_gracedb_like
from requests_gracedb_like import Session, SessionUserAgentMixin
from requests_gracedb_like.user_agent import package_user_agent


class AgentOnly(SessionUserAgentMixin, requests.Session):
    pass


def test_session_announces_package(httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    with Session(force_noauth=True) as s:
        s.get(httpserver.url_for("/"))
    agent = httpserver.log[0][0].headers["User-Agent"]
    assert agent == f"requests_gracedb_like/{requests_gracedb_like.__version__}"


def test_mixin_alone_names_its_own_module():
    # This test module is a top-level module with no version.
    assert AgentOnly().headers["User-Agent"] == "test_user_agent"


def test_subclass_in_another_package_uses_its_name_and_version(monkeypatch):
    module = types.ModuleType("mysdk.client")
    package = types.ModuleType("mysdk")
    package.__version__ = "2.5.1"
    monkeypatch.setitem(sys.modules, "mysdk", package)
    monkeypatch.setitem(sys.modules, "mysdk.client", module)
    package_user_agent.cache_clear()
    Client = type("Client", (Session,), {"__module__": "mysdk.client"})
    assert Client(force_noauth=True).headers["User-Agent"] == "mysdk/2.5.1"


def test_installed_distribution_version_is_used():
    package_user_agent.cache_clear()
    assert package_user_agent("requests") == f"requests/{requests.__version__}"


def test_unknown_package_gives_name_only():
    package_user_agent.cache_clear()
    assert package_user_agent("no_such_package_here") == "no_such_package_here"


def test_per_request_header_wins(httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    with Session(force_noauth=True) as s:
        s.get(httpserver.url_for("/"), headers={"User-Agent": "mine/1"})
    assert httpserver.log[0][0].headers["User-Agent"] == "mine/1"
