"""Type-check the Python examples of README.md and docs/*.rst with
``mypy --strict``, as a user's checker would see them.

Each ```` ```python ```` block of the README and each
``.. code-block:: python`` block of the docs (the ``>>>`` lines of a
doctest block) becomes a module of its own, after a prelude that defines
the names the fragments take as given (``url``, ``session``...). mypy runs
from a temporary directory, so it finds the package where users find it,
installed, and reports only what a user would see.
"""

from __future__ import annotations

import re
import sys
import tempfile
import textwrap
from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parent.parent

PRELUDE = """\
# names the documentation's fragments take as given
import os
import pathlib

import requests_gracedb_like

url = "https://gracedb.example.org/api/"
session = requests_gracedb_like.Session(url)
"""

#: Added to the prelude unless the example imports a Session of its own.
SESSION = "from requests_gracedb_like import Session\n"

_RST_BLOCK = re.compile(r"^(?P<indent>[ \t]*)\.\. code-block:: python[ \t]*\n")


def _markdown_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.M | re.S)


def _rst_blocks(text: str) -> list[str]:
    blocks = []
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines):
        match = _RST_BLOCK.match(line)
        if not match:
            continue
        indent = len(match.group("indent"))
        body = []
        for following in lines[number + 1 :]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            body.append(following)
        blocks.append(textwrap.dedent("".join(body)))
    return blocks


def _source(block: str) -> str:
    if ">>>" not in block:
        return block
    # a doctest: keep the statements, drop the expected output
    kept = [
        line.lstrip()[4:]
        for line in block.splitlines()
        if line.lstrip().startswith((">>> ", "... ")) or line.strip() in (">>>", "...")
    ]
    return "\n".join(kept) + "\n"


def examples() -> dict[str, str]:
    """Module name -> source, for every example."""
    found = {}
    sources = [("README", ROOT / "README.md", _markdown_blocks)]
    for page in sorted((ROOT / "docs").glob("*.rst")):
        sources.append((f"docs_{page.stem}", page, _rst_blocks))
    for prefix, path, extract in sources:
        for number, block in enumerate(extract(path.read_text()), 1):
            name = f"{prefix}_{number}"
            where = f"# {path.relative_to(ROOT)}, example {number}\n"
            source = _source(block)
            own = re.search(r"^\s*from \S+ import .*\bSession\b", source, re.M)
            prelude = PRELUDE if own else PRELUDE + SESSION
            found[name] = f"{where}{prelude}\n{source}"
    return found


def main() -> int:
    found = examples()
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for name, source in found.items():
            path = Path(tmp, f"{name}.py")
            path.write_text(source)
            files.append(str(path))
        stdout, stderr, status = api.run(
            ["--strict", "--no-incremental", "--cache-dir=/dev/null", *files]
        )
    sys.stdout.write(stdout.replace(tmp + "/", ""))
    sys.stderr.write(stderr)
    print(f"{len(found)} examples of README.md and docs/ checked with mypy --strict")
    return status


if __name__ == "__main__":
    sys.exit(main())
