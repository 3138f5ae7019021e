"""The pytest entry point: an option that loads :mod:`requests_gracedb_like.testing`.

pytest loads every installed ``pytest11`` entry point in every run, so this
module adds nothing but the switch: the fixtures load only in projects that
ask for them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["pytest_addoption", "pytest_configure"]

_HELP = "load the fixtures of requests_gracedb_like.testing"


def pytest_addoption(parser: Any) -> None:
    parser.addini("requests_gracedb_like", _HELP, type="bool", default=False)
    parser.addoption(
        "--requests-gracedb-like",
        action="store_true",
        default=False,
        dest="requests_gracedb_like",
        help=_HELP,
    )


def pytest_configure(config: Any) -> None:
    if config.getoption("requests_gracedb_like") or config.getini(
        "requests_gracedb_like"
    ):
        # A no-op when the module is already loaded (pytest_plugins, -p).
        config.pluginmanager.import_plugin("requests_gracedb_like.testing")
