#!/usr/bin/env python3
"""Benchmark requests_gracedb_like side by side with its peers.

    python benchmarks/run.py [--quick] [--big-size MIB] [--server auto|nginx|python]
    python benchmarks/run.py --only one-shot fan-out transfers [--transfer-size MIB]
    python benchmarks/run.py --frames

The first run creates ``benchmarks/.venv`` with the peers of
``requirements.txt`` and this package (editable) installed, then re-runs
itself there; later runs reuse it while ``requirements.txt`` is unchanged.
niquests gets a virtual environment of its own, ``benchmarks/.venv-niquests``
(``requirements-niquests.txt``): it depends on urllib3-future, which installs
itself as ``urllib3`` and would replace the urllib3 every other client uses.
``--quick`` leaves niquests out, so that CI does not install it.
A local server (nginx when installed, else an asyncio fallback) listens on
127.0.0.1 only, over HTTP and over HTTPS (a certificate authority and a
server certificate made by trustme for this run); a raw-socket client is
timed first to show it is not the bottleneck. Two delay relays
(``delay.py``) in front of the HTTPS port add a round trip of 10 ms and
50 ms, as a near and a far server would; bare ``http.client`` through them
is the floor. The httpx ``Client`` of this package (the ``httpx`` extra,
installed with the package) is measured beside plain ``httpx.Client``, and
its ``AsyncClient`` beside plain ``httpx.AsyncClient`` on 1,000 GETs with at
most 100 in flight through the 10 ms relay. Where users wait for
connections: loops of one-shot calls (``requests_gracedb_like.get()``,
``with Session(url) as s: s.get()``, ``requests.get()``) beside the same
GETs on one kept session, through both relays; 1,000 GETs with 64 in
flight through the 10 ms relay (bare http.client with 64 threads as the
floor, ``Session.map()``, requests, httpx and niquests in threads, both
``AsyncClient``); and a 1 GiB upload and download over HTTPS on loopback
beside curl, with the client's peak memory growth (``--only`` runs just
these). Every figure comes from a
fresh subprocess (``worker.py``). Loops are bounded; the full run takes
about ten minutes on 2 cores, ``--quick`` about two. Nothing here fails
on a timing: the table reports, ``benchmarks/RESULTS.md`` records.

``--frames`` prints only the request path of one plain ``session.get()``
(frames from ``get`` to ``HTTPAdapter.send`` and function calls, of the
package and in all), which takes seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import ssl
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
NIQUESTS_VENV = HERE / ".venv-niquests"
NIQUESTS_REQUIREMENTS = HERE / "requirements-niquests.txt"

#: Clients timed per request, in table order.
CLIENTS = (
    "http.client",
    "urllib3",
    "requests",
    "requests send()",
    "requests-gracedb",
    "igwn-auth-utils",
    # The drop-in for igwn_auth_utils.requests, with the same arguments.
    "requests_gracedb_like.igwn",
    "httpx",
    # The httpx Client of this package (the httpx extra), beside plain httpx.
    "requests_gracedb_like.httpx",
    "niquests",
    "requests_gracedb_like",
)
OURS = "requests_gracedb_like"
NIQUESTS = "niquests"
#: Clients that take files= (uploads) and share one session across threads.
SESSIONS = (
    "requests",
    "requests-gracedb",
    "igwn-auth-utils",
    "httpx",
    NIQUESTS,
    OURS,
)
#: Clients of the big upload.
BIG = ("requests", "httpx", NIQUESTS, OURS)
#: Round trips (ms) the delay relays add in front of the HTTPS server.
DELAYS = (10, 50)
#: The httpx Client of this package and the plain one it is measured against.
OURS_HTTPX, HTTPX = "requests_gracedb_like.httpx", "httpx"
#: Asyncio clients (worker.make_async): plain httpx, then this package's.
ASYNC_CLIENTS = ("httpx.AsyncClient", "requests_gracedb_like.httpx.AsyncClient")
#: GETs per timed batch of the asyncio clients, and how many in flight.
ASYNC_GETS, IN_FLIGHT = 1000, 100
#: One-shot loops through the relays: (label, client), the kept session
#: first, as the baseline.
ONE_SHOT = (
    ("kept session", OURS),
    ("requests_gracedb_like.get()", "requests_gracedb_like.get()"),
    ("with Session(url) as s: s.get()", OURS + ", session per request"),
    ("requests.get()", "requests.get()"),
)
#: Fan-out: GETs per batch and how many in flight, through the near relay;
#: bare http.client (64 threads, 64 connections) first, as the floor.
FANOUT_GETS, FANOUT_IN_FLIGHT = 1000, 64
FANOUT = (
    "http.client",
    OURS,
    "requests",
    "httpx",
    NIQUESTS,
    *ASYNC_CLIENTS,
)
#: Large transfers over HTTPS on loopback, curl first, as the floor.
TRANSFER_UP = (
    "curl",
    OURS,
    OURS + " files=",
    OURS + " CLI",
    "requests",
    "httpx",
    NIQUESTS,
)
TRANSFER_DOWN = ("curl", OURS, OURS + " CLI", "requests", "httpx", NIQUESTS)
#: Parts that --only can pick.
PARTS = ("one-shot", "fan-out", "transfers")

#: Clients whose request path is traced (``--frames``).
TRACED = ("requests", "requests_gracedb_like.igwn", OURS)
#: Extra environment variables for the "cost grows with the environment" row.
EXTRA_ENV = 40
#: Session headers and cookies for the rows where the work grows with them.
EXTRA_HEADERS = 100
EXTRA_COOKIES = 50
#: Suffix of the clients that open a session per request (worker.PER_CALL).
PER_CALL = ", session per request"


def _venv_python(venv: Path = VENV) -> Path:
    return venv / "bin" / "python"


def _ensure_venv(venv: Path, requirements: Path, *extra: str) -> None:
    """Create `venv` with `requirements` installed, or refresh it when they
    changed since."""
    stamp = venv / ".requirements.sha256"
    # What is installed besides the requirements (the package and its
    # extras) counts too: a venv made without an extra is made again.
    digest = hashlib.sha256(
        requirements.read_bytes() + "\0".join(extra).encode()
    ).hexdigest()
    python = _venv_python(venv)
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return
    print(f"setting up {venv.relative_to(ROOT)} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "-r",
            str(requirements),
            *extra,
        ],
        check=True,
    )
    stamp.write_text(digest)


def bootstrap(argv: list[str]) -> None:
    """Create or refresh benchmarks/.venv, then re-run this script in it."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    # With the httpx extra: the rows of requests_gracedb_like.httpx.
    _ensure_venv(VENV, REQUIREMENTS, "-e", f"{ROOT}[httpx]")
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
    # Shaped like a real token: RS256, with a whole 256-byte signature (the
    # server does not check it; the session checks that it is not cut short).
    signature = base64.urlsafe_b64encode(os.urandom(256)).rstrip(b"=").decode()
    return f"{b64({'alg': 'RS256', 'typ': 'JWT'})}.{b64(claims)}.{signature}"


def tls_files(work: Path) -> tuple[Path, Path, Path]:
    """A new certificate authority and a server certificate for 127.0.0.1
    (trustme), written to `work`: the CA's certificate, the server's chain
    and its key."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca_file, chain, key = work / "ca.pem", work / "server.pem", work / "server.key"
    ca.cert_pem.write_to_path(str(ca_file))
    chain.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    cert.private_key_pem.write_to_path(str(key))
    key.chmod(0o600)
    return ca_file, chain, key


class Runner:
    def __init__(
        self, base: str, home: Path, token: str, token_file: str, ca: str = ""
    ) -> None:
        #: The interpreter of each client that does not run in this one's.
        self.python: dict[str, str] = {}
        #: What each process of the last interleaved run reported at its end.
        self.summaries: dict[str, dict] = {}
        self.base = base
        self.token = token
        self.token_file = token_file
        self.ca = ca
        # A plain, small environment: no proxies, no netrc, no credentials
        # other than the ones passed explicitly; every client sees the same.
        keep = ("PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT")
        self.env = {k: v for k, v in os.environ.items() if k in keep}
        self.env.update(
            HOME=str(home), XDG_RUNTIME_DIR=str(home), NETRC=str(home / "netrc")
        )

    def _command(self, task: str, client: str, extra_env: int, args: dict):
        python = self.python.get(client.split(",")[0], sys.executable)
        env = dict(self.env)
        for i in range(extra_env):
            env[f"BENCH_EXTRA_VARIABLE_{i:02d}"] = f"/some/value/{i}" * 4
        payload = {
            "base": self.base,
            "token": self.token,
            "token_file": self.token_file,
            "ca": self.ca,
            **args,
        }
        cmd = [python, str(HERE / "worker.py"), task, client]
        return [*cmd, json.dumps(payload)], env

    def interleaved(
        self, rows, *, rounds: int, batch: int, task: str = "perreq"
    ) -> dict[str, list]:
        """Per-request microseconds: one process per row ``(label, client,
        extra_env, args)``, driven round-robin one batch at a time, so that
        every client sees the same machine load. `task` is ``perreq`` or,
        for the asyncio clients, ``concurrent``."""
        procs = {}
        for label, client, extra_env, args in rows:
            cmd, env = self._command(task, client, extra_env, {"warmup": 50, **args})
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
            # What a worker reports once its input ends (a JSON object, as
            # the other tasks print), kept in self.summaries.
            for label, proc in procs.items():
                proc.stdin.close()
                last = proc.stdout.read().strip().splitlines()
                self.summaries[label] = json.loads(last[-1]) if last else {}
            return results
        finally:
            for proc in procs.values():
                if not proc.stdin.closed:
                    proc.stdin.close()
                proc.wait(60)

    def __call__(self, task: str, client: str, *, extra_env: int = 0, **args):
        cmd, env = self._command(task, client, extra_env, args)
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        if out.returncode:
            raise RuntimeError(f"{task} {client} failed:\n{out.stderr[-3000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])


def versions(niquests: bool) -> dict[str, str]:
    from importlib import metadata

    names = [
        "requests",
        "urllib3",
        "requests-gracedb",
        "igwn-auth-utils",
        "httpx",
        "requests-gracedb-like",
    ]
    found = {n: metadata.version(n) for n in names}
    if niquests:
        script = (
            "from importlib import metadata as m; "
            "print(m.version('niquests'), m.version('urllib3-future'))"
        )
        out = subprocess.run(
            [str(_venv_python(NIQUESTS_VENV)), "-c", script],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        found["niquests"] = f"{out[0]} (urllib3-future {out[1]})"
    return found


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


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x"


def runner(
    tmpdir: Path, base: str, package_from: Path | None, ca: Path | None = None
) -> Runner:
    """A Runner for the server at `base`, with a home of its own in `tmpdir`
    holding the token file."""
    home = tmpdir / "home"
    home.mkdir()
    token = make_jwt()
    token_file = home / "token"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    # The same token where discovery finds it ($XDG_RUNTIME_DIR/bt_u<uid>),
    # for the construction figure: Session() finds it by itself.
    discovered = home / f"bt_u{os.geteuid()}"
    discovered.write_text(token + "\n")
    discovered.chmod(0o600)
    run = Runner(base, home, token, str(token_file), str(ca or ""))
    # The package is found on PYTHONPATH, as an installed package is
    # found on sys.path: through the editable install's import hook,
    # every import would pay for the hook (about 15 ms), not the package.
    run.env["PYTHONPATH"] = str((package_from or ROOT).resolve())
    if package_from:
        print(f"requests_gracedb_like from {package_from}")
    return run


def request_path(run: Runner) -> dict[str, dict]:
    """The request path of one plain ``session.get(url)`` over plain HTTP on
    a kept session, for each client of TRACED (``worker.frames``)."""
    return {c: run("frames", c, gets=5) for c in TRACED}


def print_request_path(paths: dict[str, dict], *, verbose: bool = False) -> None:
    print(
        "Request path of one plain session.get(url) on a kept session "
        "(sys.setprofile; median of 5 GETs after a warm one)"
    )
    print(
        "| client | frames get -> HTTPAdapter.send | of them in the package "
        "| Python calls per GET | of them in the package |"
    )
    print("|---|---:|---:|---:|---:|")
    for c, f in paths.items():
        to = "" if f["target"] == "HTTPAdapter.send" else f" (to {f['target']})"
        print(
            f"| {c} | {f['frames']}{to} | {f['package_frames']} "
            f"| {f['calls']:.0f} | {f['package_calls']:.0f} |"
        )
    if verbose:
        for c, f in paths.items():
            print(f"\n{c}:\n  " + "\n  ".join(f["path"]))


def frames_only(opts: argparse.Namespace) -> int:
    """``--frames``: the request path alone, against a plain HTTP server."""
    sys.path.insert(0, str(HERE))
    import server

    WORK.mkdir(exist_ok=True)
    with (
        tempfile.TemporaryDirectory(dir=WORK) as tmp,
        server.start(Path(tmp), prefer=opts.server) as srv,
    ):
        run = runner(Path(tmp), srv.url, opts.package_from)
        paths = request_path(run)
    print_request_path(paths, verbose=True)
    if opts.json:
        opts.json.write_text(json.dumps(paths, indent=2))
    return 0


def interleaved(
    run: Runner, rows: list, *, rounds: int, batch: int, task: str = "perreq"
) -> dict[str, float]:
    """Median microseconds per request for each row ``(label, client,
    extra_env, args)`` of `rows`, over `rounds` interleaved rounds of
    `batch` requests in each of two processes per row: where the scheduler
    puts a process (beside the server's core or not) moves its figures more
    than anything measured here, so no row rests on one process."""
    procs = [(f"{label}#{i}", c, e, a) for i in (1, 2) for label, c, e, a in rows]
    raw_per = run.interleaved(procs, rounds=rounds, batch=batch, task=task)
    return {
        label: statistics.median(raw_per[f"{label}#1"] + raw_per[f"{label}#2"])
        for label, _, _, _ in rows
    }


def threaded(
    run: Runner, clients: tuple[str, ...], quick: bool, args: dict
) -> dict[str, dict]:
    """16 threads sharing one session of each client: the median of one
    (``--quick``) or three runs, in turn, so that all see the same load."""
    thr_runs: dict[str, list] = {c: [] for c in clients}
    for _ in range(1 if quick else 3):
        for c in thr_runs:
            thr_runs[c].append(
                run("threaded", c, threads=16, per_thread=40 if quick else 200, **args)
            )
    thr = {}
    for c, results in thr_runs.items():
        results.sort(key=lambda t: t["rps"])
        thr[c] = dict(results[len(results) // 2])  # the median run
        thr[c]["pool_full"] = max(t["pool_full"] for t in results)
        thr[c]["new_per_1000"] = max(t["new_per_1000"] for t in results)
    return thr


def print_threads(thr: dict[str, dict]) -> None:
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


def connections(
    run: Runner,
    srv: object,
    relays: dict,
    tmpdir: Path,
    *,
    quick: bool,
    niquests: bool,
    parts: tuple[str, ...],
    transfer_mib: float,
) -> tuple[dict, list]:
    """Where users wait for connections: one-shot loops through the relays,
    fan-out (many GETs in flight) through the near relay, and large
    uploads and downloads over HTTPS on loopback beside curl. Prints its
    tables; returns its figures and its goals."""
    figures: dict = {}
    goals: list = []
    keep = lambda names: tuple(c for c in names if niquests or c != NIQUESTS)  # noqa: E731
    if "one-shot" in parts:
        shots: dict[int, dict[str, float]] = {}
        sizes = {}
        for rtt, relay in relays.items():
            sizes[rtt] = rounds, batch = (2, 3) if quick else (8, max(3, 100 // rtt))
            shots[rtt] = interleaved(
                run,
                [
                    (label, c, 0, {"base": relay.url, "warmup": 2})
                    for label, c in ONE_SHOT
                ],
                rounds=rounds,
                batch=batch,
            )
        figures["one_shot_ms"] = {str(r): v for r, v in shots.items()}
        print()
        print(
            "One-shot loops over HTTPS through the delay relay (a new "
            "connection per call; median of 2 processes x "
            + ", ".join(f"{r} rounds of {b} at {t} ms" for t, (r, b) in sizes.items())
            + ")"
        )
        head = " | ".join(
            f"{t} ms: ms/GET | vs kept session | vs requests.get()" for t in shots
        )
        print(f"| loop | {head} |")
        print("|---|" + "---:|" * 3 * len(shots))
        for label, _ in ONE_SHOT:
            cells = " | ".join(
                f"{v[label] / 1e3:.2f} | {_ratio(v[label], v['kept session'])} "
                f"| {_ratio(v[label], v['requests.get()'])}"
                for v in shots.values()
            )
            print(f"| {label} | {cells} |")
        near = shots[min(shots)]
        for label in ONE_SHOT[1:3]:
            name = label[0]
            kept = near[name] / near["kept session"]
            versus = near[name] / near["requests.get()"]
            goals.append(
                (
                    f"{name} loop at {min(shots)} ms vs kept session (<= 1.15x) "
                    "and vs requests.get() loop (<= 0.4x)",
                    f"{kept:.2f}x, {versus:.2f}x",
                    kept <= 1.15 and versus <= 0.4,
                )
            )
    if "fan-out" in parts:
        relay = relays[min(relays)]
        clients = keep(FANOUT)
        rounds, batch = (1, 200) if quick else (5, FANOUT_GETS)
        args = {
            "base": relay.url,
            "in_flight": FANOUT_IN_FLIGHT,
            "warmup": 2 * FANOUT_IN_FLIGHT,
        }
        t0 = time.monotonic()
        # One process per client (not two): 64 connections each, through
        # the relay's threads and nginx's 1,024 connections.
        raw = run.interleaved(
            [(c, c, 0, args) for c in clients],
            rounds=rounds,
            batch=batch,
            task="fanout",
        )
        spent = time.monotonic() - t0
        fan = {c: statistics.median(v) for c, v in raw.items()}
        figures["fanout_us_per_get"] = fan
        # The client process's CPU time per GET (all its threads): what a
        # client needs of the 2 cores that it shares with nginx and the relay.
        cpu = {c: run.summaries[c]["cpu_us_per_get"] for c in clients}
        figures["fanout_cpu_us_per_get"] = cpu
        floor = fan["http.client"]
        print()
        print(
            f"Fan-out: {batch:,} GETs, {FANOUT_IN_FLIGHT} in flight, over HTTPS "
            f"through the {min(relays)} ms relay, on one kept client with a pool "
            f"of {FANOUT_IN_FLIGHT} (threads: a ThreadPoolExecutor, this "
            "package's Session.map(); asyncio: gather with a Semaphore; httpx: "
            "Limits(max_connections=64), 20 kept alive by the asyncio clients, all "
            "64 by the threads); median of "
            f"{rounds} interleaved rounds; this part took {spent:.0f} s"
        )
        print(
            "| client | GETs/s | vs http.client | vs requests "
            "| client CPU us/GET | GETs/s its CPU allows on one core |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for c in clients:
            print(
                f"| {c} | {1e6 / fan[c]:.0f} | {floor / fan[c]:.2f}x "
                f"| {fan['requests'] / fan[c]:.2f}x | {cpu[c]:.0f} "
                f"| {1e6 / cpu[c]:.0f} |"
            )
        print(
            f"0.8x http.client is {0.8e6 / floor:.0f} GETs/s: at most "
            f"{floor / 0.8:.0f} us of CPU per GET for a client with one "
            "interpreter lock, beside nginx and the relay on the same 2 cores."
        )
        ours = fan[OURS]
        rivals = [c for c in ("requests", "httpx", NIQUESTS) if c in fan]
        goals.append(
            (
                f"{FANOUT_IN_FLIGHT} in flight at {min(relays)} ms: Session.map() "
                "throughput vs http.client (>= 0.8x) and vs "
                + ", ".join(rivals)
                + " (>= 1.0x each)",
                f"{floor / ours:.2f}x; "
                + ", ".join(f"{fan[c] / ours:.2f}x vs {c}" for c in rivals),
                floor / ours >= 0.8 and all(fan[c] >= ours for c in rivals),
            )
        )
        a_plain, a_ours = (fan[c] for c in ASYNC_CLIENTS)
        goals.append(
            (
                f"{FANOUT_IN_FLIGHT} in flight: AsyncClient vs httpx.AsyncClient "
                "throughput (>= 1.0x)",
                f"{a_plain / a_ours:.2f}x",
                a_ours <= a_plain,
            )
        )
    if "transfers" in parts:
        files = tmpdir / "files"  # served under /files/
        files.mkdir(exist_ok=True)
        # nginx's workers run as another user: they may pass through the
        # private temporary directory (not list it) and read this one.
        tmpdir.chmod(0o711)
        files.chmod(0o755)
        big = files / "big.bin"
        with open(big, "wb") as f:  # sparse: no disk space, no disk reads
            f.truncate(int(transfer_mib * 2**20))
        big.chmod(0o644)
        down = tmpdir / "download.bin"
        base = srv.https_url  # type: ignore[attr-defined]
        up_url, down_url = base + "upload", base + "files/big.bin"
        rounds = 1 if quick else 5
        # Downloads are measured twice: to /dev/null, the client's own
        # throughput (the goal); and to a file, what a user sees, where
        # this machine's page cache moved the same client between about
        # 440 and 800 MiB/s from one run to the next.
        parts = (
            ("up", keep(TRANSFER_UP), big),
            ("down", keep(TRANSFER_DOWN), Path(os.devnull)),
            ("file", keep(TRANSFER_DOWN), down),
        )
        results: dict[str, dict[str, list]] = {part: {} for part, _, _ in parts}
        for turn in range(rounds):
            for part, clients, path in parts:
                # Each round in another order: no client always follows
                # the same one (and whatever it left the machine doing).
                first = turn % len(clients)
                for c in clients[first:] + clients[:first]:
                    r = run(
                        "transfer",
                        c,
                        direction="up" if part == "up" else "down",
                        url=up_url if part == "up" else down_url,
                        path=str(path),
                        size_of=str(big),
                    )
                    got = r.get("bytes")
                    if part == "file":
                        got = down.stat().st_size
                        down.unlink()
                    if got is not None and got != big.stat().st_size:
                        raise RuntimeError(f"{c}: download cut short ({got} bytes)")
                    results[part].setdefault(c, []).append(r)
        summary = {
            d: {
                c: {
                    "mib_s": statistics.median(r["mib_s"] for r in v),
                    "growth_mib": max(r["growth_mib"] for r in v),
                    "child_peak_mib": v[0]["child_peak_mib"],
                }
                for c, v in by.items()
            }
            for d, by in results.items()
        }
        figures["transfers"] = {"mib": transfer_mib, **summary}
        print()
        print(
            f"{transfer_mib:g} MiB over HTTPS on loopback (nginx; a sparse file; "
            "upload: POST of the file as the body, curl -T; download: to "
            "/dev/null, curl -o /dev/null, and to a file; median MiB/s of "
            f"{rounds} rounds; memory: the client process's peak "
            "RSS growth, curl's whole peak RSS)"
        )
        print(
            "| client | upload MiB/s | vs curl | MiB | download MiB/s | vs curl "
            "| MiB | to a file MiB/s | vs curl |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        names = list(dict.fromkeys([*summary["up"], *summary["down"]]))
        for c in names:
            cells = []
            for d in ("up", "down", "file"):
                v = summary[d].get(c)
                if v is None:
                    cells.append("— | —" + (" | —" if d != "file" else ""))
                    continue
                curl = summary[d]["curl"]["mib_s"]
                cell = f"{v['mib_s']:.0f} | {_ratio(v['mib_s'], curl)}"
                if d != "file":
                    mem = v["child_peak_mib"] if c == "curl" else v["growth_mib"]
                    cell += f" | {mem:.1f}" + (" (peak)" if c == "curl" else "")
                cells.append(cell)
            print(f"| {c} | {' | '.join(cells)} |")
        for d, word, label in (
            ("up", "upload", OURS),
            ("down", "download", OURS),
            ("down", "download (CLI --output)", OURS + " CLI"),
        ):
            v, curl = summary[d][label], summary[d]["curl"]["mib_s"]
            goals.append(
                (
                    f"{transfer_mib:g} MiB {word} over TLS vs curl (>= 0.9x), "
                    "memory growth (<= 8 MiB)",
                    f"{v['mib_s'] / curl:.2f}x, {v['growth_mib']:.1f} MiB",
                    v["mib_s"] >= 0.9 * curl and v["growth_mib"] <= 8,
                )
            )
    return figures, goals


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="few repetitions, a 32 MiB big file and no niquests (for CI)",
    )
    parser.add_argument(
        "--big-size",
        type=float,
        default=None,
        metavar="MIB",
        help="size of the big upload in MiB (default 100, 32 with --quick)",
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
    parser.add_argument(
        "--no-niquests",
        action="store_true",
        help="leave niquests out (it is left out with --quick)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=PARTS,
        help="run only these parts (one-shot loops, fan-out, large transfers)",
    )
    parser.add_argument(
        "--transfer-size",
        type=float,
        default=None,
        metavar="MIB",
        help="size of the large upload and download over TLS in MiB "
        "(default 1024, 16 with --quick)",
    )
    parser.add_argument(
        "--frames",
        action="store_true",
        help="only trace the request path of one plain GET (frames and calls)",
    )
    opts = parser.parse_args(argv)
    bootstrap(argv)
    if opts.frames:
        return frames_only(opts)

    sys.path.insert(0, str(HERE))
    import server

    quick = opts.quick
    with_niquests = not (quick or opts.no_niquests)
    if with_niquests:
        _ensure_venv(NIQUESTS_VENV, NIQUESTS_REQUIREMENTS)
    clients = tuple(c for c in CLIENTS if with_niquests or c != NIQUESTS)
    sessions = tuple(c for c in SESSIONS if with_niquests or c != NIQUESTS)
    big_clients = tuple(c for c in BIG if with_niquests or c != NIQUESTS)
    rounds, batch = (3, 50) if quick else (20, 100)
    big_mib = opts.big_size or (32 if quick else 100)
    figures: dict = {
        "machine": machine(),
        "versions": versions(with_niquests),
        "quick": quick,
    }
    print(figures["machine"])
    print(", ".join(f"{k} {v}" for k, v in figures["versions"].items()))

    WORK.mkdir(exist_ok=True)
    with contextlib.ExitStack() as stack:
        tmpdir = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=WORK)))
        ca, chain, key = tls_files(tmpdir)
        srv = stack.enter_context(
            server.start(
                tmpdir, prefer=opts.server, tls=(chain, key), files=tmpdir / "files"
            )
        )
        relays = {
            rtt: stack.enter_context(server.start_delay(srv.tls_port, rtt))
            for rtt in DELAYS
        }
        run = runner(tmpdir, srv.url, opts.package_from, ca)
        if with_niquests:
            run.python[NIQUESTS] = str(_venv_python(NIQUESTS_VENV))

        parts_args = {
            "quick": quick,
            "niquests": with_niquests,
            "transfer_mib": opts.transfer_size or (16 if quick else 1024),
        }
        if opts.only:
            more, goals_more = connections(
                run, srv, relays, tmpdir, parts=tuple(opts.only), **parts_args
            )
            figures.update(more)
            _print_goals(goals_more, figures, opts)
            return 0

        raw = server.raw_socket_us(srv.port, 400 if quick else 2000)
        context = ssl.create_default_context(cafile=str(ca))
        raw_tls = server.raw_socket_us(srv.tls_port, 400 if quick else 2000, context)
        # The relay's own cost: the same through a relay that adds no delay.
        with server.start_delay(srv.tls_port, 0) as relay:
            raw_relay = server.raw_socket_us(
                relay.port, 400 if quick else 2000, context
            )
        figures["server"] = {
            "kind": srv.kind,
            "raw_socket_us": raw,
            "raw_tls_socket_us": raw_tls,
            "raw_tls_socket_relay_us": raw_relay,
        }
        print(
            f"server: {srv.kind} on {srv.url} and {srv.https_url}; raw-socket "
            f"client {raw:.0f} us/request, over TLS {raw_tls:.0f} us/request, "
            f"over TLS through a relay adding no delay {raw_relay:.0f} us/request"
        )

        # -- per request ---------------------------------------------------
        pair = ("requests", OURS)
        extra = f", {EXTRA_ENV} extra env vars"
        with_headers = f", {EXTRA_HEADERS} session headers"
        with_cookies = f", {EXTRA_COOKIES} cookies"
        rows = [(c, c, 0, {}) for c in clients]
        rows += [(c + extra, c, EXTRA_ENV, {}) for c in pair]
        rows += [(c + with_headers, c, 0, {"headers": EXTRA_HEADERS}) for c in pair]
        rows += [(c + with_cookies, c, 0, {"cookies": EXTRA_COOKIES}) for c in pair]
        rows += [(c + PER_CALL, c + PER_CALL, 0, {}) for c in pair]
        per = interleaved(run, rows, rounds=rounds, batch=batch)

        # -- per request over HTTPS: loopback, then through the relays -------
        https = {"base": srv.https_url}
        per_tls = interleaved(
            run, [(c, c, 0, https) for c in clients], rounds=rounds, batch=batch
        )
        # A session per request: a TLS handshake each, so smaller batches.
        per_tls.update(
            interleaved(
                run,
                [(c + PER_CALL, c + PER_CALL, 0, https) for c in pair],
                rounds=rounds,
                batch=10,
            )
        )
        # Each request takes a round trip: fewer of them as it grows, and a
        # few warm-up requests only.
        far_clients = tuple(c for c in clients if c != "requests send()")
        per_far: dict[int, dict[str, float]] = {}
        far_sizes: dict[int, tuple[int, int]] = {}
        for rtt, relay in relays.items():
            far_sizes[rtt] = far_rounds, far_batch = (
                (3, max(2, 100 // rtt)) if quick else (12, max(5, 200 // rtt))
            )
            far = {"base": relay.url, "warmup": 5}
            per_far[rtt] = interleaved(
                run,
                [(c, c, 0, far) for c in far_clients],
                rounds=far_rounds,
                batch=far_batch,
            )

        # -- asyncio: 1,000 GETs, at most 100 in flight, through the near relay
        near_relay = relays[min(relays)]
        # A batch takes seconds of the clients' own work (httpx's pool, not
        # the relay): one round with --quick, about 20 s in all.
        async_rounds = 1 if quick else 5
        at_once = {"base": near_relay.url, "in_flight": IN_FLIGHT, "warmup": 200}
        t_async = time.monotonic()
        per_async = interleaved(
            run,
            [(c, c, 0, at_once) for c in ASYNC_CLIENTS],
            rounds=async_rounds,
            batch=ASYNC_GETS,
            task="concurrent",
        )
        async_seconds = time.monotonic() - t_async

        # -- one-shot loops, fan-out, large transfers ---------------------------
        more, goals_more = connections(
            run, srv, relays, tmpdir, parts=PARTS, **parts_args
        )
        figures.update(more)

        # -- threads: one session, 16 threads, over HTTP and HTTPS -------------
        thr = threaded(run, ("urllib3", *sessions), quick, {})
        thr_tls = threaded(run, ("urllib3", *sessions), quick, https)

        # -- the request path of one GET ----------------------------------------
        paths = request_path(run)

        # -- import, construction, memory ------------------------------------
        reps = 3 if quick else 15
        for c in sessions:
            run("import", c)  # byte-compiled and in the page cache
        imp_runs: dict[str, list] = {c: [] for c in sessions}
        for _ in range(reps):
            for c in sessions:
                imp_runs[c].append(run("import", c)["ms"])
        # The fastest of the fresh interpreters: the import's own cost, with
        # the least of the machine's other load in it.
        imp = {c: min(v) for c, v in imp_runs.items()}
        cons = {
            c: run("construct", c, n=20 if quick else 200, discover=True)["us"]
            for c in sessions
        }
        mem = {c: run("memory", c)["mib"] for c in ("python", *sessions)}

        # -- uploads ----------------------------------------------------------
        small = tmpdir / "small.bin"
        small.write_bytes(os.urandom(2**20))
        # Rounds over the clients in turn, so that all see the same load.
        up_runs: dict[str, list] = {c: [] for c in sessions}
        for _ in range(1 if quick else 5):
            for c in sessions:
                up_runs[c] += run("upload", c, path=str(small), reps=5)["mib_s"]
        up = {c: statistics.median(v) for c, v in up_runs.items()}
        big = tmpdir / "big.fits"
        with open(big, "wb") as f:  # sparse: takes no disk space
            f.truncate(int(big_mib * 2**20))
        big_runs: dict[str, list] = {c: [] for c in big_clients}
        for _ in range(1 if quick else 3):
            for c in big_clients:
                big_runs[c].append(run("bigupload", c, path=str(big)))
        bigup = {
            c: {
                "mib_s": statistics.median(r["mib_s"] for r in v),
                "growth_mib": max(r["growth_mib"] for r in v),
            }
            for c, v in big_runs.items()
        }

    figures.update(
        per_request_us=per,
        per_request_https_us=per_tls,
        per_request_relay_us={str(rtt): v for rtt, v in per_far.items()},
        asyncio_relay_us=per_async,
        threaded=thr,
        threaded_https=thr_tls,
        request_path=paths,
        import_ms=imp,
        construct_us=cons,
        rss_mib=mem,
        upload_1mib_mib_s=up,
        big_upload=bigup,
        big_mib=big_mib,
    )

    # -- the tables -----------------------------------------------------------
    req = per["requests"]
    print()
    print(
        f"Per request (sequential keep-alive GET of a 100-byte body, bearer "
        f"token; median of 2 processes x {rounds} interleaved rounds of {batch})"
    )
    print("| client | us/request | vs requests |")
    print("|---|---:|---:|")
    print(f"| raw socket (server check) | {raw:.0f} | {_ratio(raw, req)} |")
    for c in clients:
        print(f"| {c} | {per[c]:.0f} | {_ratio(per[c], req)} |")
    print()
    print("Where the work grows, and a session per request (same rounds)")
    print("| workload | requests us | requests_gracedb_like us | ratio |")
    print("|---|---:|---:|---:|")
    for suffix in (extra, with_headers, with_cookies, PER_CALL):
        r, o = per["requests" + suffix], per[OURS + suffix]
        print(f"| {suffix.lstrip(', ')} | {r:.0f} | {o:.0f} | {_ratio(o, r)} |")
    print()
    req_tls = per_tls["requests"]
    print(
        "Per request over HTTPS on loopback (TLS by the same server, trustme "
        "certificate authority; same rounds)"
    )
    print("| client | us/request | vs requests |")
    print("|---|---:|---:|")
    print(
        f"| raw TLS socket (server check) | {raw_tls:.0f} "
        f"| {_ratio(raw_tls, req_tls)} |"
    )
    for c in clients:
        print(f"| {c} | {per_tls[c]:.0f} | {_ratio(per_tls[c], req_tls)} |")
    for c in pair:
        r = per_tls[c + PER_CALL]
        print(f"| {c}{PER_CALL} | {r:.0f} | {_ratio(r, req_tls)} |")
    print()
    print(
        "Per request over HTTPS through the delay relay (half the round trip "
        "added to each direction; bare http.client through it is the floor; "
        "median of 2 processes x "
        + ", ".join(
            f"{r} rounds of {b} at {rtt} ms" for rtt, (r, b) in far_sizes.items()
        )
        + ")"
    )
    head = " | ".join(
        f"{rtt} ms: ms/request | vs requests | vs http.client" for rtt in per_far
    )
    print(f"| client | {head} |")
    print("|---|" + "---:|" * 3 * len(per_far))
    for c in far_clients:
        cells = " | ".join(
            f"{v[c] / 1e3:.2f} | {_ratio(v[c], v['requests'])} "
            f"| {_ratio(v[c], v['http.client'])}"
            for v in per_far.values()
        )
        print(f"| {c} | {cells} |")
    print(
        f"(the relay's own work: {raw_relay - raw_tls:.0f} us per request, "
        "a raw TLS socket through a relay adding no delay less without; "
        "with its timers' lateness, http.client through the relay less the "
        "round trip and less http.client on loopback: "
        + ", ".join(
            f"{v['http.client'] - rtt * 1e3 - per_tls['http.client']:.0f} us "
            f"at {rtt} ms"
            for rtt, v in per_far.items()
        )
        + ")"
    )
    print()
    print(
        f"asyncio: {ASYNC_GETS:,} GETs gathered at once, at most {IN_FLIGHT} in "
        f"flight (asyncio.Semaphore), on one kept client with httpx's default "
        "limits (100 connections, 20 kept alive), over HTTPS through the "
        f"{min(per_far)} ms relay (median "
        f"of 2 processes x {async_rounds} interleaved rounds; this part took "
        f"{async_seconds:.0f} s)"
    )
    print(f"| client | ms per {ASYNC_GETS:,} GETs | us/GET | vs httpx.AsyncClient |")
    print("|---|---:|---:|---:|")
    plain_async = per_async[ASYNC_CLIENTS[0]]
    for c in ASYNC_CLIENTS:
        v = per_async[c]
        print(
            f"| {c} | {v * ASYNC_GETS / 1e3:.0f} | {v:.0f} | {_ratio(v, plain_async)} |"
        )
    print()
    print(
        "16 threads on one session (new connections: beyond one per thread, "
        "i.e. replacing connections the pool dropped)"
    )
    print_threads(thr)
    print()
    print("16 threads on one session, over HTTPS")
    print_threads(thr_tls)
    print()
    print_request_path(paths)
    print()
    print(
        "Start-up and memory (import: fastest of fresh interpreters; construct: "
        "median of constructions in one process, a token file to discover; "
        "RSS after import and one construction)"
    )
    print(
        "| client | import ms | vs requests | construct us | vs requests "
        "| RSS MiB | vs requests |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for c in sessions:
        print(
            f"| {c} | {imp[c]:.1f} | {imp[c] - imp['requests']:+.1f} ms "
            f"| {cons[c]:.0f} | {_ratio(cons[c], cons['requests'])} "
            f"| {mem[c]:.1f} | {mem[c] - mem['requests']:+.1f} MiB |"
        )
    print(f"(bare interpreter: {mem['python']:.1f} MiB)")
    print()
    print(f"Uploads (files=; 1 MiB random; {big_mib:g} MiB sparse file)")
    print(
        "| client | 1 MiB MiB/s | vs requests | big MiB/s | vs requests "
        "| big: peak RSS growth MiB |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    breq = bigup["requests"]["mib_s"]
    for c in sessions:
        b = bigup.get(c)
        print(
            f"| {c} | {up[c]:.0f} | {_ratio(up[c], up['requests'])} "
            f"| {fmt(b and b['mib_s'])} | {_ratio(b['mib_s'], breq) if b else '—'} "
            f"| {fmt(b and b['growth_mib'])} |"
        )

    # -- the goals, from the figures above ------------------------------------
    ours_path = paths[OURS]
    near = per_far[min(per_far)]
    thr_ratio = thr_tls[OURS]["rps"] / thr_tls["requests"]["rps"]
    ours_async = per_async[ASYNC_CLIENTS[1]]
    goals = [
        (
            "per request over HTTPS on loopback vs requests (<= 1.0x)",
            _ratio(per_tls[OURS], req_tls),
            per_tls[OURS] <= req_tls,
        ),
        (
            "session per request over HTTPS vs requests",
            _ratio(per_tls[OURS + PER_CALL], per_tls["requests" + PER_CALL]),
            None,
        ),
        (
            f"per request through the {min(per_far)} ms relay vs the http.client "
            "floor (<= 1.05x)",
            _ratio(near[OURS], near["http.client"]),
            near[OURS] <= 1.05 * near["http.client"],
        ),
        (
            f"httpx Client per request through the {min(per_far)} ms relay vs "
            "plain httpx.Client (<= 1.1x)",
            _ratio(near[OURS_HTTPX], near[HTTPX]),
            near[OURS_HTTPX] <= 1.1 * near[HTTPX],
        ),
        (
            "httpx Client per request over HTTPS on loopback vs plain httpx.Client",
            _ratio(per_tls[OURS_HTTPX], per_tls[HTTPX]),
            None,
        ),
        (
            f"{ASYNC_GETS:,} GETs, {IN_FLIGHT} in flight, through the "
            f"{min(per_far)} ms relay: AsyncClient vs plain httpx.AsyncClient "
            "(<= 1.15x)",
            _ratio(ours_async, plain_async),
            ours_async <= 1.15 * plain_async,
        ),
        (
            "16 threads over HTTPS vs requests' throughput (>= 1.0x)",
            f"{thr_ratio:.2f}x",
            thr_ratio >= 1.0,
        ),
        (
            "16 threads: pool-full warnings (0)",
            f"{thr[OURS]['pool_full']} / {thr_tls[OURS]['pool_full']} over HTTPS",
            thr[OURS]["pool_full"] == thr_tls[OURS]["pool_full"] == 0,
        ),
        (
            f"{big_mib:g} MiB upload vs requests' MiB/s (>= 2.5x)",
            _ratio(bigup[OURS]["mib_s"], breq),
            bigup[OURS]["mib_s"] >= 2.5 * breq,
        ),
        (
            f"{big_mib:g} MiB upload: memory growth (<= 8 MiB)",
            f"{bigup[OURS]['growth_mib']:.1f} MiB",
            bigup[OURS]["growth_mib"] <= 8,
        ),
        (
            "package frames from Session.get to HTTPAdapter.send (<= 7)",
            str(ours_path["package_frames"])
            + ("" if ours_path["target"] == "HTTPAdapter.send" else " (no send)"),
            ours_path["package_frames"] <= 7
            and ours_path["target"] == "HTTPAdapter.send",
        ),
        (
            "package function calls per plain GET (<= 30)",
            f"{ours_path['package_calls']:.0f}",
            ours_path["package_calls"] <= 30,
        ),
        (
            "construction with a token file to discover (<= 200 us)",
            f"{cons[OURS]:.0f} us ({_ratio(cons[OURS], cons['requests'])})",
            cons[OURS] <= 200,
        ),
        ("floor: urllib3 vs requests (HTTP)", _ratio(per["urllib3"], req), None),
        (
            "per request over HTTP on loopback vs requests",
            _ratio(per[OURS], req),
            None,
        ),
        (
            "import vs import requests (<= +15 ms)",
            f"{imp[OURS] - imp['requests']:+.1f} ms",
            imp[OURS] - imp["requests"] <= 15,
        ),
        (
            "memory vs requests (<= +3 MiB)",
            f"{mem[OURS] - mem['requests']:+.1f} MiB",
            mem[OURS] - mem["requests"] <= 3,
        ),
    ]
    _print_goals(goals + goals_more, figures, opts)
    return 0


def _print_goals(goals: list, figures: dict, opts: argparse.Namespace) -> None:
    print()
    print("Goals (figures of this run)")
    print("| goal | measured | met |")
    print("|---|---:|---|")
    for goal, measured, met in goals:
        verdict = "—" if met is None else "yes" if met else "no"
        print(f"| {goal} | {measured} | {verdict} |")
    figures["goals"] = [{"goal": g, "measured": m, "met": met} for g, m, met in goals]
    if opts.json:
        opts.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
