#!/usr/bin/env python3
"""Run the test suites of the libraries this package replaces, against it.

For each package below: download its sdist from the package index
(``pip download``), change only its imports (``requests_gracedb`` to
``requests_gracedb_like``, ``igwn_auth_utils.requests`` to
``requests_gracedb_like.igwn``, ``httpx_gracedb`` to
``requests_gracedb_like.httpx``, in code and in ``mock.patch`` target
strings), install it with its test dependencies and this package into a
virtual environment of its own, run its own test suite there, and print a
table of what passed and failed. The exit status is 0 only when every suite
meets its target.

A package without a suite of its own here is installed from the index and
only the files of this folder named for it run: openapi-python-client
generates a client there, and ``openapi/test_generated_client.py`` checks
the httpx ``Auth`` inside it. (openapi-python-client 0.29 needs Python
3.11: on Python 3.10 its row says "not run".)

Usage::

    python compat/run_downstream.py                 # every package
    python compat/run_downstream.py gwdatafind      # some of them
    python compat/run_downstream.py --workdir DIR   # keep the work in DIR

Needs Python, pip and the package index (nothing else: no service
credentials, no network beyond the index).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import venv
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent


class Package:
    """One downstream package and how its suite is run.

    Attributes
    ----------
    name, version : str
        What ``pip download`` fetches.
    deps : list of str
        Its test dependencies (from its ``test`` extra or group), installed
        next to it.
    tests : list of str
        pytest's arguments, relative to the unpacked sdist; empty for none
        (the package is then installed from the index, not from its sdist,
        and only `extra` runs).
    install : bool
        Whether the package itself is installed (requests-gracedb is not:
        its tests run against this package instead).
    deselect : dict
        Tests left out because they test the replaced package's internals,
        each with the reason.
    differs : dict
        Tests left out because they assert a behaviour this package changes
        on purpose (see ``docs/compat.rst``), each with the reason.
    extra : list of str
        Files of this folder run in the same environment after the suite
        (end-to-end tests that need the package installed).
    extras : str, optional
        The extras of this package to install with it (``httpx``).
    target : int, optional
        How many tests must pass (suite and `extra` together): fewer means
        some were not collected or were skipped.
    python : tuple of int, optional
        The oldest Python the package installs on; on an older one its row
        says so and it is not run.
    """

    def __init__(
        self,
        name: str,
        version: str,
        deps: list[str],
        tests: list[str],
        *,
        install: bool = True,
        deselect: dict[str, str] | None = None,
        differs: dict[str, str] | None = None,
        extra: list[str] | None = None,
        extras: str | None = None,
        target: int | None = None,
        python: tuple[int, int] | None = None,
    ) -> None:
        self.name = name
        self.version = version
        self.deps = deps
        self.tests = tests
        self.install = install
        self.deselect = deselect or {}
        self.differs = differs or {}
        self.extra = extra or []
        self.extras = extras
        self.target = target
        self.python = python


_IGWN_PRIVATE = "patches a private helper of igwn-auth-utils ({})"
_IGWN_TESTS = "igwn_auth_utils/tests/test_requests.py::"

PACKAGES = [
    Package(
        "requests-gracedb",
        "1.0.0",
        # PyJWT: a dependency of requests-gracedb that its tests import.
        ["pytest", "pytest-freezer", "pytest-httpserver", "pytest-socket", "pyjwt"],
        ["tests"],
        install=False,
    ),
    Package(
        "igwn-auth-utils",
        "1.4.0",
        ["pytest", "requests-mock"],
        ["igwn_auth_utils/tests/test_requests.py"],
        deselect={
            _IGWN_TESTS + "TestSession::test_defaults": (
                _IGWN_PRIVATE.format("scitokens._find_tokens, x509._find_credentials")
            ),
            _IGWN_TESTS + "TestSession::test_request_x509": (
                _IGWN_PRIVATE.format("x509._default_cert_path, x509._globus_cert_path")
            ),
        },
        differs={
            _IGWN_TESTS + "TestSession::test_token_serialized": (
                "a token given as bytes is sent as its text; igwn-auth-utils 1.4 "
                "sends Python's b'...' form of it, which no server accepts"
            ),
        },
    ),
    Package(
        "ligo-gracedb",
        "2.16.1",
        # trustme and pytest-httpserver: for the end-to-end test below.
        ["pytest", "jsonschema >= 3.0.0", "trustme", "pytest-httpserver"],
        ["ligo/gracedb", "-m", "not integration"],
        deselect={
            f"ligo/gracedb/test/test_client.py::{name}": (
                "patches igwn_auth_utils.x509.validate_certificate so that empty "
                "files pass as certificates; this package reads and checks a "
                "certificate found in the environment itself"
            )
            for name in (
                "test_x509_lookup_cert_key_from_envvars",
                "test_x509_lookup_proxy_from_envvars",
            )
        },
        extra=["e2e_ligo_gracedb.py"],
    ),
    Package(
        "gracedb-sdk",
        "0.2.1",
        ["pytest", "pytest-httpserver"],
        # Its own tests need a live GraceDB and skip without one.
        ["tests"],
        extra=["e2e_gracedb_sdk.py"],
    ),
    Package(
        "httpx-gracedb",
        "0.1.0",
        # PyJWT: a dependency of httpx-gracedb that its tests import.
        [
            "pytest",
            "pytest-asyncio",
            "pytest-freezer",
            "pytest-httpserver",
            "pytest-socket",
            "pyjwt",
        ],
        ["tests"],
        install=False,
        extras="httpx",
    ),
    Package(
        "openapi-python-client",
        "0.29.1",
        ["pytest"],
        # Its own suite tests the generator; the client it generates is
        # what users put the Auth in.
        [],
        extras="httpx",
        extra=["openapi/test_generated_client.py"],
        target=12,
        python=(3, 11),
    ),
    Package(
        "gwdatafind",
        "2.1.1",
        ["pytest", "requests-mock"],
        ["gwdatafind"],
    ),
    Package(
        "dqsegdb2",
        "1.3.1",
        ["pytest", "requests-mock"],
        ["dqsegdb2"],
    ),
]

#: The only changes made to the downloaded code: imports and the module
#: paths in mock.patch target strings.
REWRITES = [
    (re.compile(r"\bigwn_auth_utils\.requests\b"), "requests_gracedb_like.igwn"),
    (
        re.compile(r"^from \.\. import requests as (\w+)$", re.MULTILINE),
        r"from requests_gracedb_like import igwn as \1",
    ),
    (re.compile(r"\brequests_gracedb\b(?!_like)"), "requests_gracedb_like"),
    # httpx-gracedb: its product name in the User-Agent, then its imports.
    (re.compile(r"\bhttpx_gracedb/"), "requests_gracedb_like/"),
    (re.compile(r"\bhttpx_gracedb\b"), "requests_gracedb_like.httpx"),
]


def rewrite(tree: Path) -> int:
    """Apply :data:`REWRITES` to every Python file under `tree` except the
    igwn module being replaced; return how many files changed."""
    changed = 0
    for path in sorted(tree.rglob("*.py")):
        if path.as_posix().endswith("igwn_auth_utils/requests.py"):
            continue
        text = path.read_text(encoding="utf-8")
        new = text
        for pattern, replacement in REWRITES:
            new = pattern.sub(replacement, new)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed += 1
    return changed


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, **kwargs)  # type: ignore[call-overload, no-any-return]


def download(package: Package, dest: Path) -> Path:
    """Download and unpack the sdist; return the unpacked folder."""
    spec = f"{package.name}=={package.version}"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--dest",
            str(dest),
            spec,
        ]
    )
    stem = re.sub(r"[-_.]+", "[-_.]", package.name)
    archive = next(
        p
        for p in dest.iterdir()
        if re.fullmatch(rf"(?i){stem}-{re.escape(package.version)}\.tar\.gz", p.name)
    )
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    return dest / archive.name[: -len(".tar.gz")]


def environment(package: Package, source: Path | None, dest: Path) -> Path:
    """Make the package's virtual environment; return its python. The
    package comes from `source`, or from the index when it is None."""
    venv.EnvBuilder(with_pip=True, clear=True).create(dest)
    python = dest / "bin" / "python"
    project = f"{PROJECT}[{package.extras}]" if package.extras else str(PROJECT)
    install = [project, *package.deps]
    if package.install:
        install.append(str(source) if source else f"{package.name}=={package.version}")
    run([str(python), "-m", "pip", "install", "--quiet", *install])
    return python


def counts(report: Path) -> dict[str, int]:
    """passed, failed, errors and skipped from a JUnit XML report (one
    failure when pytest wrote none)."""
    if not report.exists():
        return {"passed": 0, "failed": 1, "skipped": 0}
    root = ET.parse(report).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites:
        for key in total:
            total[key] += int(suite.get(key, 0))
    return {
        "passed": total["tests"]
        - total["failures"]
        - total["errors"]
        - total["skipped"],
        "failed": total["failures"] + total["errors"],
        "skipped": total["skipped"],
    }


def _pytest(
    python: Path, report: Path, args: list[str], *, cwd: Path
) -> subprocess.CompletedProcess:
    """Run pytest in `python`'s environment, its results in the JUnit XML
    file `report`."""
    command = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    return subprocess.run(
        [*command, f"--junitxml={report}", *args], cwd=cwd, check=False
    )


def run_suite(package: Package, work: Path) -> dict[str, object]:
    row: dict[str, object] = {"ok": True}
    passed = 0
    if package.tests:
        source = download(package, work / "sdist")
        row["rewritten files"] = rewrite(source)
        python = environment(package, source, work / "venv")
        report = work / "report.xml"
        args = list(package.tests)
        for test in [*package.deselect, *package.differs]:
            args += ["--deselect", test]
        result = _pytest(python, report, args, cwd=source)
        found = counts(report)
        row.update(found)
        row["deselected"] = len(package.deselect)
        row["differs"] = len(package.differs)
        row["ok"] = result.returncode == 0 and found["failed"] == 0
        passed = found["passed"]
    else:
        python = environment(package, None, work / "venv")
    for extra in package.extra:
        # Copied out of the project, so that pytest does not read the
        # project's own configuration (its plugins are not installed here).
        test = work / "e2e" / extra
        test.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(HERE / extra, test)
        report = work / f"{Path(extra).name}.xml"
        result = _pytest(python, report, [test.name], cwd=test.parent)
        found = counts(report)
        row[extra] = f"{found['passed']} passed, {found['failed']} failed"
        row["ok"] = row["ok"] and result.returncode == 0 and found["failed"] == 0
        passed += found["passed"]
    if package.target is not None:
        row["target"] = package.target
        if passed != package.target:
            print(
                f"{package.name}: {passed} tests passed, "
                f"{package.target} expected (see the output above)",
                file=sys.stderr,
            )
            row["ok"] = False
    return row


def table(rows: dict[str, dict[str, object]]) -> str:
    header = [
        "package",
        "passed",
        "failed",
        "skipped",
        "internals",
        "differs",
        "extra",
        "target",
        "ok",
    ]
    lines = [header]
    for name, row in rows.items():
        extra = "; ".join(
            f"{k}: {v}" for k, v in row.items() if k.endswith(".py")
        ) or str(row.get("not run", "-"))
        lines.append(
            [
                name,
                str(row.get("passed", "-")),
                str(row.get("failed", "-")),
                str(row.get("skipped", "-")),
                str(row.get("deselected", "-")),
                str(row.get("differs", "-")),
                extra,
                str(row.get("target", "-")),
                "not run" if "not run" in row else "yes" if row.get("ok") else "NO",
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=False)).rstrip()
        for line in lines
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "packages",
        nargs="*",
        metavar="PACKAGE",
        help="which packages to run (default: all): "
        + ", ".join(p.name for p in PACKAGES),
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="where to download, build and run (default: a temporary folder)",
    )
    args = parser.parse_args(argv)
    chosen = [p for p in PACKAGES if not args.packages or p.name in args.packages]
    unknown = set(args.packages) - {p.name for p in PACKAGES}
    if unknown:
        parser.error(f"unknown package(s): {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory() as tmp:
        base = args.workdir or Path(tmp)
        rows: dict[str, dict[str, object]] = {}
        for package in chosen:
            start = time.monotonic()
            print(f"== {package.name} {package.version}", flush=True)
            if package.python and sys.version_info < package.python:
                needs = "needs Python {}.{} or later".format(*package.python)
                print(f"   not run: {needs}", flush=True)
                rows[f"{package.name} {package.version}"] = {
                    "ok": True,
                    "not run": needs,
                }
                continue
            work = base / f"{package.name}-{package.version}"
            work.mkdir(parents=True, exist_ok=True)
            try:
                rows[f"{package.name} {package.version}"] = run_suite(package, work)
            except subprocess.CalledProcessError as exc:
                print(f"{package.name}: {exc}", file=sys.stderr)
                rows[f"{package.name} {package.version}"] = {"ok": False}
            print(f"   ({time.monotonic() - start:.0f} s)", flush=True)
    print()
    print(table(rows))
    for package in chosen:
        for test, reason in package.deselect.items():
            print(f"internals: {test}: {reason}")
        for test, reason in package.differs.items():
            print(f"differs: {test}: {reason}")
    return 0 if all(row.get("ok") for row in rows.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
