"""What the README and the docs show is what runs: the README's commands
are the ones CI runs, and every console transcript of the docs prints what
it shows. (The docs' Python examples are doctests: see conftest.py.)"""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _try_it_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Try it", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def test_readme_gives_two_commands_that_make_their_own_venv():
    demo, tests = _try_it_commands()
    for command in (demo, tests):
        assert command.startswith("python3 -m venv .venv && . .venv/bin/activate && ")
    assert demo.endswith("pip install -e . && python -m requests_gracedb_like demo")
    assert "pip install -e '.[test]' && python -m pytest" in tests


def test_ci_runs_the_readme_commands():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    demo, tests = _try_it_commands()
    for command in (demo, tests):
        run = command.rpartition(" && ")[2]
        assert run in ci, f".ci/run must run {run!r}, as the README says"


# --- console transcripts ------------------------------------------------------

_CONSOLE = re.compile(r"^(?P<indent>[ \t]*)\.\. code-block:: console[ \t]*\n")

#: The reST comment that marks a console block whose output this test checks.
MARKER = ".. this transcript is run by tests/test_docs.py"


def _transcripts() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every console block of docs/*.rst marked with :data:`MARKER`: where
    it is, and each ``$ command`` with the output shown after it."""
    found = []
    for page in sorted((ROOT / "docs").glob("*.rst")):
        lines = page.read_text().splitlines(keepends=True)
        for number, line in enumerate(lines):
            match = _CONSOLE.match(line)
            before = [t.strip() for t in lines[:number] if t.strip()]
            if not match or not before or before[-1] != MARKER:
                continue
            indent = len(match.group("indent"))
            body = []
            for following in lines[number + 1 :]:
                if (
                    following.strip()
                    and len(following) - len(following.lstrip()) <= indent
                ):
                    break
                body.append(following)
            steps: list[tuple[str, str]] = []
            for text in textwrap.dedent("".join(body)).strip("\n").splitlines():
                if text.startswith("$ "):
                    steps.append((text[2:], ""))
                elif steps:
                    steps[-1] = (steps[-1][0], steps[-1][1] + text + "\n")
            found.append((f"{page.name}:{number + 1}", steps))
    return found


@pytest.mark.parametrize(
    ("where", "steps"), _transcripts(), ids=[w for w, _ in _transcripts()]
)
def test_console_transcripts_show_what_the_commands_print(
    where, steps, docs_home, monkeypatch
):
    """Each transcript runs in a shell, in the home directory the doctests
    use (see the top-level conftest.py); ``export`` lines set the
    environment."""
    home = docs_home
    bindir = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    checker = doctest.OutputChecker()
    for command, expected in steps:
        if command.startswith("export "):
            name, _, value = command[len("export ") :].partition("=")
            monkeypatch.setenv(name, value)
            continue
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=home,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        got = result.stdout
        if not checker.check_output(expected, got, doctest.ELLIPSIS):
            example = doctest.Example(command, expected)
            difference = checker.output_difference(example, got, doctest.ELLIPSIS)
            pytest.fail(
                f"{where}: $ {command}\n{difference}\nstandard error:\n{result.stderr}",
                pytrace=False,
            )


# --- the built html ----------------------------------------------------------


class _Page(HTMLParser):
    """The anchors a page defines and the links it makes."""

    def __init__(self) -> None:
        super().__init__()
        self.anchors: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("id", "name") if tag == "a" else ("id",):
            if values.get(name):
                self.anchors.add(str(values[name]))
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))


def broken_links(html: Path) -> list[str]:
    """Every link between the pages under `html` whose page or anchor does
    not exist, as ``page: href``."""
    pages = {}
    for path in sorted(html.rglob("*.html")):
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        pages[path.resolve()] = page
    broken = []
    for path, page in pages.items():
        here = path.relative_to(html.resolve())
        for href in page.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue  # the docs build offline: external links are not checked
            target = path
            if parts.path:
                target = (path.parent / unquote(parts.path)).resolve()
            if target not in pages:
                if not target.exists():
                    broken.append(f"{here}: {href}")
            elif unquote(parts.fragment or "") not in {"", *pages[target].anchors}:
                broken.append(f"{here}: {href}")
    return broken


def test_broken_links_finds_a_missing_page_and_a_missing_anchor(tmp_path):
    (tmp_path / "a.html").write_text(
        '<h1 id="top">A</h1><a href="b.html#there">ok</a><a href="#top">ok</a>'
        '<a href="b.html#nowhere">bad</a><a href="c.html">bad</a>'
        '<a href="https://example.org/#x">external</a>'
    )
    (tmp_path / "b.html").write_text('<p id="there">B</p>')
    assert broken_links(tmp_path) == ["a.html: b.html#nowhere", "a.html: c.html"]


def test_docs_build_with_warnings_as_errors_and_no_broken_link(tmp_path):
    """The docs build as CI builds them (offline, ``-W -n``), and every link
    between their pages, the "[docs]" links of the highlighted source
    pages included, reaches a page and an anchor that exist."""
    pytest.importorskip("sphinx", reason="the docs extra builds the docs")
    html = tmp_path / "html"
    build = subprocess.run(
        [
            *(sys.executable, "-m", "sphinx", "-W", "-n", "-b", "html", "-q"),
            *("-d", str(tmp_path / "doctrees"), str(ROOT / "docs"), str(html)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    assert (html / "_modules" / "requests_gracedb_like" / "timeout.html").exists()
    assert broken_links(html) == []
    # readable at a normal width: code blocks wrap instead of being cut, and
    # the navigation names topics, not classes
    index = (html / "index.html").read_text(encoding="utf-8")
    assert "_static/wrap.css" in index
    assert "white-space: pre-wrap" in (html / "_static" / "wrap.css").read_text()
    navigation = re.findall(r'<li class="toctree-l1">(.*?)</a>', index)
    assert "Getting a credential" in "".join(navigation)
    assert [entry for entry in navigation if "<code" in entry] == []
