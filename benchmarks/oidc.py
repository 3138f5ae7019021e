#!/usr/bin/env python3
"""What the OIDC login source costs a user who does not use it.

    python benchmarks/oidc.py [ROOT ...]

For each source tree ROOT (default: this one), in fresh interpreters with
ROOT first on ``sys.path``: the fastest of 15 ``import requests_gracedb_like``
(after ``import requests``, so only the package's own time counts), whether
that import loaded authlib, and the median time to construct
``Session("https://gracedb.example.org/api/")`` with no OIDC setting (the
source reads two variables and checks that the configuration file does not
exist). Reports only; nothing fails on a timing.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROUNDS = 15
PROBE = r"""
import sys, time
import requests
t0 = time.perf_counter()
import requests_gracedb_like
imported = time.perf_counter() - t0
loaded = "authlib" in sys.modules
t = []
for _ in range(200):
    t1 = time.perf_counter()
    requests_gracedb_like.Session("https://gracedb.example.org/api/").close()
    t.append(time.perf_counter() - t1)
t.sort()
print(imported, loaded, t[len(t) // 2], "authlib" in sys.modules)
"""


def measure(root: Path) -> dict[str, object]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("REQUESTS_GRACEDB_LIKE_OIDC", "BEARER_TOKEN", "XDG_"))
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # Byte-compile first: a user's installed package is.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(root / "requests_gracedb_like")],
        check=True,
    )
    imports, builds, loaded = [], [], set()
    with tempfile.TemporaryDirectory() as home:
        env["HOME"] = home
        env["PYTHONPATH"] = str(root)
        for _ in range(ROUNDS):
            out = subprocess.run(
                [sys.executable, "-c", PROBE],
                env=env,
                cwd=home,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            imports.append(float(out[0]))
            builds.append(float(out[2]))
            loaded.update({out[1], out[3]})
    return {
        "root": str(root),
        "import_ms": round(min(imports) * 1e3, 2),
        "session_us": round(statistics.median(builds) * 1e6, 1),
        "authlib_loaded": "True" in loaded,
    }


def main() -> None:
    roots = [Path(p).resolve() for p in sys.argv[1:]] or [Path(__file__).parents[1]]
    for root in roots:
        print(json.dumps(measure(root)))


if __name__ == "__main__":
    main()
