"""User-Agent names the package of the session's class."""

from __future__ import annotations

import sys
import types

import pytest
import requests

import requests_gracedb_like
from requests_gracedb_like import Session, SessionUserAgentMixin
from requests_gracedb_like.user_agent import package_user_agent, user_agent_for


class AgentOnly(SessionUserAgentMixin, requests.Session):
    pass


def test_session_announces_package(httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    with Session(force_noauth=True) as s:
        s.get(httpserver.url_for("/"))
    agent = httpserver.log[0][0].headers["User-Agent"]
    assert agent == f"requests_gracedb_like/{requests_gracedb_like.__version__}"


OURS = f"requests_gracedb_like/{requests_gracedb_like.__version__}"


def test_module_without_version_is_not_announced():
    # This test module is a top-level module with no version: a bare module
    # name would tell a service operator nothing.
    assert AgentOnly().headers["User-Agent"] == OURS


def test_class_defined_in_main_is_not_announced_as_main():
    user_agent_for.cache_clear()
    Script = type("Script", (Session,), {"__module__": "__main__"})
    agent = Script(force_noauth=True).headers["User-Agent"]
    assert agent == OURS
    assert "__main__" not in agent


def test_installed_distribution_comes_first_in_the_chain():
    # pytest is installed as a distribution; a class in one of its modules
    # is announced as the distribution, then this package.
    user_agent_for.cache_clear()
    Embedded = type("Embedded", (Session,), {"__module__": "_pytest.main"})
    agent = Embedded(force_noauth=True).headers["User-Agent"]
    assert agent == f"pytest/{pytest.__version__} {OURS}"


def test_subclass_in_another_package_uses_its_name_and_version(monkeypatch):
    module = types.ModuleType("mysdk.client")
    package = types.ModuleType("mysdk")
    package.__version__ = "2.5.1"
    monkeypatch.setitem(sys.modules, "mysdk", package)
    monkeypatch.setitem(sys.modules, "mysdk.client", module)
    package_user_agent.cache_clear()
    user_agent_for.cache_clear()
    Client = type("Client", (Session,), {"__module__": "mysdk.client"})
    agent = Client(force_noauth=True).headers["User-Agent"]
    assert agent == f"mysdk/2.5.1 {OURS}"


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


def test_distribution_named_like_the_package_without_a_record(tmp_path, monkeypatch):
    # Metadata without RECORD (or top_level.txt), as some installers and
    # system packages leave it: packages_distributions() does not map the
    # package, but the distribution of the same name knows its version.
    (tmp_path / "nordsdk").mkdir()
    (tmp_path / "nordsdk" / "__init__.py").write_text("")
    (tmp_path / "nordsdk" / "client.py").write_text("")
    info = tmp_path / "nordsdk-3.1.4.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: nordsdk\nVersion: 3.1.4\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    importlib.invalidate_caches()
    module = importlib.import_module("nordsdk.client")
    monkeypatch.setitem(sys.modules, "nordsdk.client", module)
    user_agent_for.cache_clear()
    try:
        Client = type("Client", (Session,), {"__module__": "nordsdk.client"})
        agent = Client(force_noauth=True).headers["User-Agent"]
    finally:
        user_agent_for.cache_clear()
        sys.modules.pop("nordsdk", None)
        sys.modules.pop("nordsdk.client", None)
    assert agent == f"nordsdk/3.1.4 {OURS}"
