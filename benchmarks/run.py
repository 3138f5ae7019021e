#!/usr/bin/env python3
"""Benchmark requests_gracedb_like side by side with its peers.

    python benchmarks/run.py [--quick] [--big-size MIB] [--server auto|nginx|python]

The first run creates ``benchmarks/.venv`` with the peers of
``requirements.txt`` and this package (editable) installed, then re-runs
itself there; later runs reuse it while ``requirements.txt`` is unchanged.
A local server (nginx when installed, else an asyncio fallback) listens on
127.0.0.1 only; a raw-socket client is timed first to show it is not the
bottleneck. Every figure comes from a fresh subprocess (``worker.py``).
Loops are bounded; the full run takes a few minutes on 2 cores,
``--quick`` well under one. Nothing here fails on a timing: the table
reports, ``benchmarks/RESULTS.md`` records.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = HERE / ".venv"
WORK = HERE / ".work"
REQUIREMENTS = HERE / "requirements.txt"

#: Clients timed per request, in table order.
CLIENTS = (
    "http.client",
    "urllib3",
    "requests",
    "requests send()",
    "requests-gracedb",
    "igwn-auth-utils",
    "httpx",
    "requests_gracedb_like",
)
OURS = "requests_gracedb_like"
#: Clients that take files= (uploads) and share one session across threads.
SESSIONS = ("requests", "requests-gracedb", "igwn-auth-utils", "httpx", OURS)
#: Extra environment variables for the "cost grows with the environment" row.
EXTRA_ENV = 40


def _venv_python() -> Path:
    return VENV / "bin" / "python"


def bootstrap(argv: list[str]) -> None:
    """Create or refresh benchmarks/.venv, then re-run this script in it."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    stamp = VENV / ".requirements.sha256"
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if (
        not _venv_python().exists()
        or not stamp.exists()
        or (stamp.read_text() != digest)
    ):
        print(f"setting up {VENV.relative_to(ROOT)} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [
                str(_venv_python()),
                "-m",
                "pip",
                "install",
                "--quiet",
                "-r",
                str(REQUIREMENTS),
                "-e",
                str(ROOT),
            ],
            check=True,
        )
        stamp.write_text(digest)
    os.execv(str(_venv_python()), [str(_venv_python()), __file__, *argv])


def make_jwt(lifetime: float = 30 * 86400) -> str:
    import base64

    def b64(obj: dict) -> str:
        raw = json.dumps(obj, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    now = int(time.time())
    claims = {
        "iss": "https://issuer.example",
        "aud": "ANY",
        "scope": "read:/",
        "sub": "bench",
        "iat": now,
        "exp": now + int(lifetime),
    }
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}.c2ln"


class Runner:
    def __init__(self, base: str, home: Path, token: str, token_file: str) -> None:
        self.base = base
        self.token = token
        self.token_file = token_file
        # A plain, small environment: no proxies, no netrc, no credentials
        # other than the ones passed explicitly; every client sees the same.
        keep = ("PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT")
        self.env = {k: v for k, v in os.environ.items() if k in keep}
        self.env.update(
            HOME=str(home), XDG_RUNTIME_DIR=str(home), NETRC=str(home / "netrc")
        )

    def _command(self, task: str, client: str, extra_env: int, args: dict):
        env = dict(self.env)
        for i in range(extra_env):
            env[f"BENCH_EXTRA_VARIABLE_{i:02d}"] = f"/some/value/{i}" * 4
        payload = {
            "base": self.base,
            "token": self.token,
            "token_file": self.token_file,
            **args,
        }
        cmd = [sys.executable, str(HERE / "worker.py"), task, client]
        return [*cmd, json.dumps(payload)], env

    def interleaved(self, rows, *, rounds: int, batch: int) -> dict[str, list]:
        """Per-request microseconds: one process per row ``(label, client,
        extra_env)``, driven round-robin one batch at a time, so that every
        client sees the same machine load."""
        procs = {}
        for label, client, extra_env in rows:
            cmd, env = self._command("perreq", client, extra_env, {"warmup": 50})
            procs[label] = subprocess.Popen(
                cmd,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                bufsize=1,
            )
        try:
            for label, proc in procs.items():
                if proc.stdout.readline().strip() != "ready":
                    raise RuntimeError(f"perreq {label} did not start")
            results: dict[str, list] = {label: [] for label in procs}
            labels = list(procs)
            for r in range(rounds):
                for label in labels[r % len(labels) :] + labels[: r % len(labels)]:
                    proc = procs[label]
                    proc.stdin.write(f"{batch}\n")
                    proc.stdin.flush()
                    results[label].append(float(proc.stdout.readline()))
            return results
        finally:
            for proc in procs.values():
                proc.stdin.close()
                proc.wait(60)

    def __call__(self, task: str, client: str, *, extra_env: int = 0, **args):
        cmd, env = self._command(task, client, extra_env, args)
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        if out.returncode:
            raise RuntimeError(f"{task} {client} failed:\n{out.stderr[-3000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])


def versions() -> dict[str, str]:
    from importlib import metadata

    names = [
        "requests",
        "urllib3",
        "requests-gracedb",
        "igwn-auth-utils",
        "httpx",
        "requests-gracedb-like",
    ]
    return {n: metadata.version(n) for n in names}


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def fmt(value: float | None, spec: str = ".0f") -> str:
    return "—" if value is None else format(value, spec)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="few repetitions and a 64 MiB big file (for CI)",
    )
    parser.add_argument(
        "--big-size",
        type=float,
        default=None,
        metavar="MIB",
        help="size of the big upload in MiB (default 1024, 64 with --quick)",
    )
    parser.add_argument("--server", choices=("auto", "nginx", "python"), default="auto")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--package-from",
        type=Path,
        metavar="DIR",
        help="measure the requests_gracedb_like found in DIR (a checkout of "
        "another version) instead of this one",
    )
    opts = parser.parse_args(argv)
    bootstrap(argv)

    sys.path.insert(0, str(HERE))
    import server

    quick = opts.quick
    rounds, batch = (3, 50) if quick else (20, 100)
    big_mib = opts.big_size or (64 if quick else 1024)
    figures: dict = {"machine": machine(), "versions": versions(), "quick": quick}
    print(figures["machine"])
    print(", ".join(f"{k} {v}" for k, v in figures["versions"].items()))

    WORK.mkdir(exist_ok=True)
    with (
        tempfile.TemporaryDirectory(dir=WORK) as tmp,
        server.start(Path(tmp), prefer=opts.server) as srv,
    ):
        tmpdir = Path(tmp)
        home = tmpdir / "home"
        home.mkdir()
        token = make_jwt()
        token_file = home / "token"
        token_file.write_text(token + "\n")
        run = Runner(srv.url, home, token, str(token_file))
        # The package is found on PYTHONPATH, as an installed package is
        # found on sys.path: through the editable install's import hook,
        # every import would pay for the hook (about 15 ms), not the package.
        package_from = opts.package_from or ROOT
        run.env["PYTHONPATH"] = str(package_from.resolve())
        if opts.package_from:
            print(f"requests_gracedb_like from {opts.package_from}")

        raw = server.raw_socket_us(srv.port, 400 if quick else 2000)
        figures["server"] = {"kind": srv.kind, "raw_socket_us": raw}
        print(
            f"server: {srv.kind} on {srv.url}; raw-socket client {raw:.0f} us/request"
        )

        # -- per request ---------------------------------------------------
        extra = f", {EXTRA_ENV} extra env vars"
        rows = [(c, c, 0) for c in CLIENTS]
        rows += [(c + extra, c, EXTRA_ENV) for c in ("requests", OURS)]
        # Two processes per row: where the scheduler puts a process (beside
        # the server's core or not) moves its figures more than anything
        # measured here, so no row rests on one process.
        procs = [(f"{label}#{i}", c, e) for i in (1, 2) for label, c, e in rows]
        raw_per = run.interleaved(procs, rounds=rounds, batch=batch)
        per = {
            label: raw_per[f"{label}#1"] + raw_per[f"{label}#2"] for label, _, _ in rows
        }
        med = {c: statistics.median(per[c]) for c in CLIENTS}
        env_med = {c: statistics.median(per[c + extra]) for c in ("requests", OURS)}

        # -- threads: one session, 16 threads --------------------------------
        thr_runs: dict[str, list] = {c: [] for c in ("urllib3", *SESSIONS)}
        for _ in range(1 if quick else 3):
            for c in thr_runs:
                thr_runs[c].append(
                    run("threaded", c, threads=16, per_thread=40 if quick else 200)
                )
        thr = {}
        for c, results in thr_runs.items():
            results.sort(key=lambda t: t["rps"])
            thr[c] = dict(results[len(results) // 2])  # the median run
            thr[c]["pool_full"] = max(t["pool_full"] for t in results)
            thr[c]["new_per_1000"] = max(t["new_per_1000"] for t in results)

        # -- import, construction, memory ------------------------------------
        reps = 3 if quick else 15
        for c in SESSIONS:
            run("import", c)  # byte-compiled and in the page cache
        imp_runs: dict[str, list] = {c: [] for c in SESSIONS}
        for _ in range(reps):
            for c in SESSIONS:
                imp_runs[c].append(run("import", c)["ms"])
        # The fastest of the fresh interpreters: the import's own cost, with
        # the least of the machine's other load in it.
        imp = {c: min(v) for c, v in imp_runs.items()}
        cons = {c: run("construct", c, n=20 if quick else 200)["us"] for c in SESSIONS}
        mem = {c: run("memory", c)["mib"] for c in ("python", *SESSIONS)}

        # -- uploads ----------------------------------------------------------
        small = tmpdir / "small.bin"
        small.write_bytes(os.urandom(2**20))
        # Rounds over the clients in turn, so that all see the same load.
        up_runs: dict[str, list] = {c: [] for c in SESSIONS}
        for _ in range(1 if quick else 5):
            for c in SESSIONS:
                up_runs[c] += run("upload", c, path=str(small), reps=5)["mib_s"]
        up = {c: statistics.median(v) for c, v in up_runs.items()}
        big = tmpdir / "big.fits"
        with open(big, "wb") as f:  # sparse: takes no disk space
            f.truncate(int(big_mib * 2**20))
        bigup = {
            c: run("bigupload", c, path=str(big)) for c in ("requests", "httpx", OURS)
        }

    figures.update(
        per_request_us=med,
        extra_env_us=env_med,
        threaded=thr,
        import_ms=imp,
        construct_us=cons,
        rss_mib=mem,
        upload_1mib_mib_s=up,
        big_upload=bigup,
        big_mib=big_mib,
    )

    # -- the table ------------------------------------------------------------
    req = med["requests"]
    print()
    print(
        f"Per request (sequential keep-alive GET of a 100-byte body, bearer "
        f"token; median of 2 processes x {rounds} interleaved rounds of {batch})"
    )
    print("| client | us/request | vs requests |")
    print("|---|---:|---:|")
    print(f"| raw socket (server check) | {raw:.0f} | {raw / req:.2f}x |")
    for c in CLIENTS:
        print(f"| {c} | {med[c]:.0f} | {med[c] / req:.2f}x |")
    for c, v in env_med.items():
        print(
            f"| {c}, {EXTRA_ENV} extra env vars | {v:.0f} | {v / req:.2f}x "
            f"({v / med[c]:.2f}x own) |"
        )
    print()
    print(
        "16 threads on one session (new connections: beyond one per thread, "
        "i.e. replacing connections the pool dropped)"
    )
    print(
        "| client | requests/s | vs requests | pool-full warnings "
        "| connections | new connections /1000 requests |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for c, t in thr.items():
        err = f" ERRORS {t['errors']}" if t["errors"] else ""
        print(
            f"| {c} | {t['rps']:.0f} | {t['rps'] / thr['requests']['rps']:.2f}x "
            f"| {t['pool_full']} | {t['connections']} "
            f"| {t['new_per_1000']:.1f}{err} |"
        )
    print()
    print(
        "Start-up and memory (import: fastest of fresh interpreters; construct: "
        "median of constructions in one process; RSS after import and one "
        "construction)"
    )
    print(
        "| client | import ms | vs requests | construct us | vs requests "
        "| RSS MiB | vs requests |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for c in SESSIONS:
        print(
            f"| {c} | {imp[c]:.1f} | {imp[c] - imp['requests']:+.1f} ms "
            f"| {cons[c]:.0f} | {cons[c] / cons['requests']:.2f}x "
            f"| {mem[c]:.1f} | {mem[c] - mem['requests']:+.1f} MiB |"
        )
    print(f"(bare interpreter: {mem['python']:.1f} MiB)")
    print()
    print(f"Uploads (files=; 1 MiB random, {big_mib:g} MiB sparse file)")
    print(
        "| client | 1 MiB MiB/s | vs requests | big: peak RSS growth MiB | big: MiB/s |"
    )
    print("|---|---:|---:|---:|---:|")
    for c in SESSIONS:
        b = bigup.get(c)
        print(
            f"| {c} | {up[c]:.0f} | {up[c] / up['requests']:.2f}x "
            f"| {fmt(b and b['growth_mib'])} | {fmt(b and b['mib_s'])} |"
        )
    if opts.json:
        opts.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
