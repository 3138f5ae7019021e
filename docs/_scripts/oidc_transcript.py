#!/usr/bin/env python3
"""Print the command-line transcripts shown in docs/oidc*.rst.

    python docs/_scripts/oidc_transcript.py [--write]

Runs the real commands against the local test provider
(:mod:`requests_gracedb_like.testing.oidc_provider`) in a throw-away home
directory (shown as ``~``): the provider approves a device login at its
second poll, and this script plays the user's browser for ``--browser``.
With ``--write``, the console blocks of the pages are replaced with what it
printed (``tests/cli/test_login.py`` checks that they still match).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile

import requests

from requests_gracedb_like.testing.oidc_provider import CLIENT_ID, OIDCProvider

URL = "https://gracedb.example.org/api/"
DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def run(env: dict[str, str], home: str, *argv: str, browser: bool = False) -> None:
    print(f"$ requests-gracedb-like {' '.join(argv)}")
    child = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "requests_gracedb_like", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stderr is not None
    shown = []
    if browser:
        line = child.stderr.readline()
        shown.append(line)
        # the user's browser: it follows the provider's redirect back
        requests.get(line.split("open ", 1)[1].strip(), timeout=20)
    out, err = child.communicate(timeout=60)
    print(("".join(shown) + err + out).replace(home, "~"), end="")
    if child.returncode:
        print(f"$ echo $?\n{child.returncode}")
    print()


def main() -> None:
    with (
        OIDCProvider(auto_approve=2, interval=5) as provider,
        tempfile.TemporaryDirectory() as home,
    ):
        env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
        env.update(
            HOME=home,
            REQUESTS_GRACEDB_LIKE_OIDC_ISSUER=provider.issuer,
            REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_ID=CLIENT_ID,
        )
        print("# device grant\n")
        run(env, home, "login", URL)
        run(env, home, "auth", URL)
        run(env, home, "logout", URL)
        print("# browser\n")
        run(env, home, "login", "--browser", "--no-browser", URL, browser=True)


def _indent(text: str) -> str:
    return "\n".join(("   " + line) if line else "" for line in text.splitlines())


def _replace_blocks(page: str, blocks: list[str]) -> None:
    """Replace the console blocks of `page`, in order, with `blocks`."""
    path = os.path.join(DOCS, page)
    with open(path) as f:
        parts = f.read().split(".. code-block:: console\n\n")
    assert len(parts) - 1 == len(blocks), f"{page}: {len(parts) - 1} blocks"
    out = [parts[0]]
    for part, block in zip(parts[1:], blocks, strict=False):
        lines = part.split("\n")
        end = 0
        while end < len(lines) and (lines[end].startswith("   ") or not lines[end]):
            end += 1
        out.append(_indent(block) + "\n\n" + "\n".join(lines[end:]))
    with open(path, "w") as f:
        f.write(".. code-block:: console\n\n".join(out))


def write() -> None:
    """Run :func:`main` and put its transcripts into the pages."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        main()
    text = buffer.getvalue()
    device = text.split("# device grant\n\n")[1].split("# browser\n\n")[0]
    browser = text.split("# browser\n\n")[1].rstrip()
    login, rest = device.split("$ requests-gracedb-like auth", 1)
    auth, logout = rest.split("$ requests-gracedb-like logout", 1)
    _replace_blocks(
        "oidc.rst",
        [
            "$ requests-gracedb-like auth" + auth.rstrip(),
            "$ requests-gracedb-like logout" + logout.rstrip(),
        ],
    )
    _replace_blocks("oidc_device.rst", [login.rstrip()])
    _replace_blocks("oidc_browser.rst", [browser])


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
    else:
        main()
