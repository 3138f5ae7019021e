#!/usr/bin/env python3
"""Print the command-line transcripts shown in docs/oidc*.rst.

    python docs/_scripts/oidc_transcript.py

Runs the real commands against the local test provider
(:mod:`requests_gracedb_like.testing.oidc_provider`) in a throw-away home
directory (shown as ``~``): the provider approves a device login at its
second poll, and this script plays the user's browser for ``--browser``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import requests

from requests_gracedb_like.testing.oidc_provider import CLIENT_ID, OIDCProvider

URL = "https://gracedb.example.org/api/"


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


if __name__ == "__main__":
    main()
