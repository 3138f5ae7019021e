"""One measurement in a fresh interpreter, printed as JSON.

``python worker.py TASK CLIENT ARGS_JSON`` where TASK is ``perreq``,
``concurrent`` (an asyncio client), ``fanout`` (many GETs in flight at
once), ``threaded``, ``import``, ``construct``, ``memory``, ``upload``,
``bigupload``, ``transfer`` (a large upload or download) or ``frames``. Run
by ``run.py``; each call is its own process so imports, memory and
warnings of one client never colour another's figures. With an
``https://`` base URL, ARGS_JSON's ``ca`` names the file of the
certificate authority every client is told to trust.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import socket
import ssl
import statistics
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

#: Client name -> the module whose import it pays for.
MODULES = {
    "http.client": "http.client",
    "urllib3": "urllib3",
    "requests": "requests",
    "requests send()": "requests",
    "requests-gracedb": "requests_gracedb",
    "igwn-auth-utils": "igwn_auth_utils.requests",
    "httpx": "httpx",
    "niquests": "niquests",
    "requests_gracedb_like": "requests_gracedb_like",
    "requests_gracedb_like.httpx": "requests_gracedb_like.httpx",
}

#: Suffix of a client name that makes ``get()`` open a new session, send
#: one request and close it: the pattern of a short script.
PER_CALL = ", session per request"


class Client:
    """``get()`` fetches ``/api/``; ``upload(path)`` posts a file."""

    def __init__(
        self,
        get: Callable[[], Any],
        close: Callable[[], Any],
        upload: Callable[[str], Any] | None = None,
        session: Any = None,
    ) -> None:
        self.get = get
        self.close = close
        self.upload = upload
        self.session = session


def make(
    name: str,
    base: str,
    token: str,
    token_file: str,
    threads: int = 1,
    headers: int = 0,
    cookies: int = 0,
    discover: bool = False,
    ca: str | None = None,
) -> Client:
    """Build client `name` for the server at `base` with a bearer token;
    `headers` extra session headers and `cookies` cookies in its jar; `ca`
    the certificate authority to trust for ``https://``."""
    if name.endswith(PER_CALL):
        return _per_call(name[: -len(PER_CALL)], base, token, token_file, ca)
    client = _make(name, base, token, token_file, threads, discover, ca)
    session = client.session
    for i in range(headers):
        session.headers[f"X-Bench-Header-{i:03d}"] = f"value-{i:03d}"
    for i in range(cookies):
        session.cookies.set(f"bench_cookie_{i:02d}", f"value-{i:02d}")
    return client


def _per_call(
    name: str, base: str, token: str, token_file: str, ca: str | None
) -> Client:
    """``get()`` as a script does it: ``with Session() as s: s.get(...)``."""

    def get() -> bytes:
        client = _make(name, base, token, token_file, 1, ca=ca)
        try:
            return client.get()  # type: ignore[no-any-return]
        finally:
            client.close()

    return Client(get, lambda: None)


def _make(
    name: str,
    base: str,
    token: str,
    token_file: str,
    threads: int,
    discover: bool = False,
    ca: str | None = None,
) -> Client:
    """Build client `name` for the server at `base` with a bearer token;
    over ``https://``, each client is told to trust `ca` in its own public
    way (requests' sessions: the ``verify`` attribute)."""
    api = base + "api/"
    upload_url = base + "upload"
    header = {"Authorization": f"Bearer {token}"}
    host, port = base.split("//")[1].rstrip("/").split(":")
    tls = base.startswith("https:")
    if tls and not ca:
        raise SystemExit(f"{base}: no certificate authority given")

    def tls_context() -> ssl.SSLContext | None:
        # Made only for the clients that take one: loading the CA file
        # costs about 0.4 ms, which a session per request would otherwise
        # pay here on top of what the client itself does.
        return ssl.create_default_context(cafile=ca) if tls else None

    def trust(session: Any) -> Any:
        if tls:
            session.verify = ca
        return session

    if name == "requests.get()":
        # One-shot calls: a new session, one request, closed.
        import requests

        verify = ca if tls else True
        return Client(
            lambda: requests.get(api, headers=header, verify=verify).content,
            lambda: None,
        )

    if name == "requests_gracedb_like.get()":
        import requests_gracedb_like

        verify = ca if tls else True
        return Client(
            lambda: (
                requests_gracedb_like.get(api, token=token_file, verify=verify).content
            ),
            lambda: None,
        )

    if name == "http.client":
        import http.client

        conn: http.client.HTTPConnection
        context = tls_context()
        if context:
            conn = http.client.HTTPSConnection(host, int(port), context=context)
        else:
            conn = http.client.HTTPConnection(host, int(port))

        def get() -> bytes:
            conn.request("GET", "/api/", headers=header)
            return conn.getresponse().read()

        return Client(get, conn.close)

    if name == "urllib3":
        import urllib3

        pool: urllib3.HTTPConnectionPool
        context = tls_context()
        if context:
            pool = urllib3.HTTPSConnectionPool(
                host, int(port), maxsize=threads, ssl_context=context
            )
        else:
            pool = urllib3.HTTPConnectionPool(host, int(port), maxsize=threads)
        return Client(
            lambda: pool.request("GET", "/api/", headers=header).data, pool.close
        )

    def files(path: str) -> dict[str, Any]:
        return {"file": (os.path.basename(path), open(path, "rb"))}

    def post_files(session: Any) -> Callable[[str], Any]:
        def upload(path: str) -> Any:
            spec = files(path)
            try:
                return session.post(upload_url, files=spec).content
            finally:
                spec["file"][1].close()

        return upload

    if name in ("requests", "requests send()"):
        import requests

        s = trust(requests.Session())
        s.headers.update(header)
        if name == "requests send()":
            prepared = s.prepare_request(requests.Request("GET", api))
            return Client(lambda: s.send(prepared).content, s.close, session=s)
        return Client(lambda: s.get(api).content, s.close, post_files(s), s)

    if name == "requests-gracedb":
        import requests_gracedb

        s = trust(requests_gracedb.Session(base, token=token_file))
        return Client(lambda: s.get(api).content, s.close, post_files(s), s)

    if name == "igwn-auth-utils":
        from igwn_auth_utils.requests import Session

        s = trust(Session(url=base, token=token))
        return Client(lambda: s.get(api).content, s.close, post_files(s), s)

    if name == "requests_gracedb_like.igwn":
        from requests_gracedb_like.igwn import Session as IgwnSession

        s = trust(IgwnSession(url=base, token=token))
        return Client(lambda: s.get(api).content, s.close, post_files(s), s)

    if name == "httpx":
        import httpx

        limits = httpx.Limits(max_connections=max(threads, 10))
        c = httpx.Client(headers=header, limits=limits, verify=tls_context() or True)

        def upload(path: str) -> Any:
            with open(path, "rb") as f:
                return c.post(upload_url, files={"file": (path, f)}).content

        return Client(lambda: c.get(api).content, c.close, upload, c)

    if name == "requests_gracedb_like.httpx":
        from requests_gracedb_like.httpx import Client as GracedbClient

        # As the session below: every default feature on, paths relative
        # to the service URL; the CA through httpx's public verify=.
        g = GracedbClient(base, token=token_file, verify=tls_context() or True)
        return Client(lambda: g.get("api/").content, g.close, session=g)

    if name == "niquests":
        # In its own virtual environment (benchmarks/.venv-niquests): its
        # urllib3-future would replace the urllib3 of the other clients.
        import niquests

        n = trust(niquests.Session(pool_maxsize=max(threads, 10)))
        n.headers.update(header)
        return Client(lambda: n.get(api).content, n.close, post_files(n), n)

    if name == "requests_gracedb_like":
        from requests_gracedb_like import Session

        # Every default feature on: credential discovery, errors raised,
        # User-Agent, default timeout, retries, and URLs relative to the
        # service URL where the session resolves them.
        # With `discover`, the token file is found where discovery looks
        # ($XDG_RUNTIME_DIR/bt_u<uid>), not named.
        s = trust(Session(base) if discover else Session(base, token=token_file))
        relative = getattr(s, "base_url", None) == base
        here, there = ("api/", "upload") if relative else (api, upload_url)

        def upload(path: str) -> Any:
            # A path in files= is opened (and closed) by the session.
            return s.post(there, files={"file": (path,)}).content

        return Client(lambda: s.get(here).content, s.close, upload, s)

    raise SystemExit(f"unknown client {name!r}")


def make_async(
    name: str,
    base: str,
    token: str,
    token_file: str,
    ca: str | None,
    limits: int | None = None,
) -> tuple[Any, str]:
    """An asyncio client `name` and the URL of ``/api/`` for it, with
    httpx's default limits, as users get them (100 connections, 20 of them
    kept alive for 5 s: keeping all 100 alive made plain httpx's batches
    slower here, up to several times with no expiry, as httpcore's pool,
    which both clients use, scans its connections for each queued request);
    `ca` trusted through httpx's public ``verify=``. With `limits`, both
    open up to that many connections, and keep httpx's default of 20 alive
    (the fan-out recipe of the docs: keeping all of them alive made the
    batches about twice as slow, as the note above says)."""
    import httpx

    context = ssl.create_default_context(cafile=ca) if ca else True
    sized: dict[str, Any] = {}
    if limits:
        sized["limits"] = httpx.Limits(
            max_connections=limits, max_keepalive_connections=20
        )
    if name == "httpx.AsyncClient":
        header = {"Authorization": f"Bearer {token}"}
        client = httpx.AsyncClient(headers=header, verify=context, **sized)
        return client, base + "api/"
    if name == "requests_gracedb_like.httpx.AsyncClient":
        from requests_gracedb_like.httpx import AsyncClient

        client = AsyncClient(base, token=token_file, verify=context, **sized)
        return client, "api/"
    raise SystemExit(f"unknown asyncio client {name!r}")


class _CpuTime:
    """The CPU time (user and system, all threads) this process spends in
    its ``with`` blocks, and ``gets``: how many GETs they made."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.gets = 0

    def __enter__(self) -> None:
        self._start = time.process_time()

    def __exit__(self, *exc: object) -> None:
        self.seconds += time.process_time() - self._start

    def figures(self) -> dict[str, float]:
        """``cpu_us_per_get``: the mean CPU microseconds per GET."""
        return {"cpu_us_per_get": self.seconds / max(self.gets, 1) * 1e6}


def concurrent(
    name: str,
    base: str,
    token: str,
    token_file: str,
    ca: str | None,
    in_flight: int,
    warmup: int,
    limits: int | None = None,
) -> dict[str, Any]:
    """As ``perreq``, for an asyncio client: each line of standard input (a
    number of GETs) is answered with the mean microseconds per GET of that
    many, sent by as many tasks gathered at once with at most `in_flight`
    of them in flight (an ``asyncio.Semaphore``), on one client kept for
    the whole process and one event loop."""

    async def main() -> None:
        client, url = make_async(name, base, token, token_file, ca, limits)
        limit = asyncio.Semaphore(in_flight)

        async def get() -> bytes:
            async with limit:
                response = await client.get(url)
                response.raise_for_status()
                return response.content

        async def batch(n: int) -> None:
            bodies = await asyncio.gather(*(get() for _ in range(n)))
            if len(bodies) != n or not all(bodies):
                raise RuntimeError("a GET returned no body")

        async with client:
            # Opens connections and warms every lazily built part.
            await batch(warmup)
            gc.collect()
            print("ready", flush=True)
            # Blocks the loop while it waits, when nothing else runs on it.
            for line in sys.stdin:
                n = int(line)
                t0 = time.perf_counter()
                with cpu:
                    await batch(n)
                print((time.perf_counter() - t0) / n * 1e6, flush=True)
                cpu.gets += n

    cpu = _CpuTime()
    asyncio.run(main())
    return cpu.figures()


def _rss_kib(field: str = "VmRSS") -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def perreq(client: Client, warmup: int) -> dict[str, Any]:
    """Answer each line of standard input (a batch size) with the mean
    microseconds per request of that many requests, so that the caller
    can interleave rounds of several clients, each in its own process, and
    compare them under the same machine load."""
    for _ in range(warmup):
        client.get()
    gc.collect()
    print("ready", flush=True)
    for line in sys.stdin:
        batch = int(line)
        t0 = time.perf_counter()
        for _ in range(batch):
            client.get()
        print((time.perf_counter() - t0) / batch * 1e6, flush=True)
    return {}


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.pool_full = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "pool is full" in record.getMessage():
            self.pool_full += 1


def threaded(client: Client, threads: int, per_thread: int) -> dict[str, Any]:
    counter = _Counter()
    logging.getLogger("urllib3").addHandler(counter)
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    connects = [0]
    original = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        connects[0] += 1
        return original(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    errors: list[BaseException] = []
    warmed = threading.Barrier(threads + 1)
    barrier = threading.Barrier(threads + 1)

    def work() -> None:
        # A few requests per thread before the clock starts.
        try:
            for _ in range(5):
                client.get()
        finally:
            warmed.wait()
        barrier.wait()
        try:
            for _ in range(per_thread):
                client.get()
        except BaseException as exc:
            errors.append(exc)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    warmed.wait()
    barrier.wait()
    t0 = time.perf_counter()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - t0
    socket.socket.connect = original  # type: ignore[method-assign]
    total = threads * (per_thread + 5)
    return {
        "rps": threads * per_thread / elapsed,
        "pool_full": counter.pool_full,
        # One connection per thread is what a pool of that size needs; any
        # beyond it replaced a connection the pool dropped.
        "connections": connects[0],
        "new_per_1000": max(connects[0] - threads, 0) * 1000 / total,
        "errors": [repr(e) for e in errors[:3]],
    }


#: The asyncio clients of the fan-out rows (run by ``concurrent``).
ASYNC_FANOUT = ("httpx.AsyncClient", "requests_gracedb_like.httpx.AsyncClient")


def _fanout_batch(
    name: str, base: str, token: str, token_file: str, ca: str, in_flight: int
) -> tuple[Callable[[int], list[bytes]], Callable[[], Any]]:
    """``batch(n)``: `n` GETs of ``/api/`` with at most `in_flight` at once,
    on one client kept for the whole process, in threads with a pool sized
    to them; and the client's ``close``. This package's Session uses its
    ``map()``; the others a kept :class:`ThreadPoolExecutor`."""
    from concurrent.futures import ThreadPoolExecutor

    api = base + "api/"
    header = {"Authorization": f"Bearer {token}"}
    context = ssl.create_default_context(cafile=ca)
    if name == "requests_gracedb_like":
        from requests_gracedb_like import Session

        s = Session(base, token=token_file)
        s.verify = ca

        def get(_: int) -> bytes:
            return s.get("api/").content  # type: ignore[no-any-return]

        return (lambda n: s.map(get, range(n), max_workers=in_flight)), s.close
    executor = ThreadPoolExecutor(in_flight)
    fetch: Callable[[int], bytes]
    closers: list[Callable[[], Any]] = [executor.shutdown]
    if name == "http.client":
        import http.client
        import queue

        host, port = base.split("//")[1].rstrip("/").split(":")
        idle: queue.SimpleQueue[http.client.HTTPSConnection] = queue.SimpleQueue()
        for _ in range(in_flight):
            idle.put(http.client.HTTPSConnection(host, int(port), context=context))

        def fetch(_: int) -> bytes:
            conn = idle.get()
            try:
                conn.request("GET", "/api/", headers=header)
                return conn.getresponse().read()
            finally:
                idle.put(conn)

    elif name == "requests":
        import requests
        from requests.adapters import HTTPAdapter

        r = requests.Session()
        r.verify = ca
        r.headers.update(header)
        # The pool sized to the threads, as a careful requests user does.
        r.mount("https://", HTTPAdapter(pool_maxsize=in_flight))
        fetch = lambda _: r.get(api).content  # noqa: E731
        closers.append(r.close)
    elif name == "niquests":
        import niquests

        q = niquests.Session(pool_maxsize=in_flight)
        q.verify = ca
        q.headers.update(header)
        fetch = lambda _: q.get(api).content  # noqa: E731
        closers.append(q.close)
    elif name == "httpx":
        import httpx

        # Every connection kept alive: with 20 (as the asyncio clients keep),
        # httpx 0.28.1's threads failed with "Bad file descriptor" here.
        limits = httpx.Limits(
            max_connections=in_flight, max_keepalive_connections=in_flight
        )
        c = httpx.Client(headers=header, verify=context, limits=limits)
        fetch = lambda _: c.get(api).content  # noqa: E731
        closers.append(c.close)
    else:
        raise SystemExit(f"unknown fan-out client {name!r}")

    def close() -> None:
        for closer in closers:
            closer()

    return (lambda n: list(executor.map(fetch, range(n)))), close


def fanout(
    name: str, args: dict[str, Any], in_flight: int, warmup: int
) -> dict[str, Any]:
    """As ``perreq``: each line of standard input (a number of GETs) is
    answered with the mean microseconds per GET of that many with at most
    `in_flight` at once, on one client kept for the whole process."""
    base, token, token_file, ca = (
        args["base"],
        args["token"],
        args["token_file"],
        args["ca"],
    )
    if name in ASYNC_FANOUT:
        # limits: 0 keeps httpx's default limits.
        limits = args.get("limits", in_flight) or None
        return concurrent(
            name, base, token, token_file, ca, in_flight, warmup, limits=limits
        )
    batch, close = _fanout_batch(name, base, token, token_file, ca, in_flight)
    batch(warmup)  # opens the connections
    gc.collect()
    print("ready", flush=True)
    cpu = _CpuTime()
    for line in sys.stdin:
        n = int(line)
        t0 = time.perf_counter()
        with cpu:
            bodies = batch(n)
        elapsed = time.perf_counter() - t0
        if len(bodies) != n or not all(bodies):
            raise RuntimeError("a GET returned no body")
        print(elapsed / n * 1e6, flush=True)
        cpu.gets += n
    close()
    return cpu.figures()


def _reset_peak() -> None:
    """Reset the peak RSS (VmHWM) to the current RSS."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def transfer(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """One large transfer over HTTPS: ``args["direction"]`` ``up`` (a POST
    of the file at ``args["path"]`` to ``/upload``) or ``down`` (``GET
    args["url"]`` to the file at ``args["path"]``); its seconds, MiB/s and
    the peak RSS growth of this process (of curl's process: its peak RSS,
    ``child_peak_mib``)."""
    import resource
    import subprocess

    direction, path, ca = args["direction"], args["path"], args["ca"]
    url = args["url"]
    headers = {"Authorization": f"Bearer {args['token']}"}
    context = ssl.create_default_context(cafile=ca)
    # Pieces of a download (iter_content): 64 KiB, as the command line
    # reads; 1 MiB pieces made downloads over TLS about 40% slower here, for
    # requests as for this package.
    block = 1 << 16
    # Bytes a download received, where the client tells (not the CLI,
    # which checks the length itself).
    received = [0]
    run: Callable[[], Any]
    if name == "curl":
        base = ["curl", "-sS", "--fail", "--cacert", ca, "-H", "Authorization: x"]
        if direction == "up":
            # -T streams the file (--data-binary @file reads it whole first).
            cmd = [*base, "-X", "POST", "-T", path, "-o", "/dev/null", url]
        else:
            cmd = [*base, "-w", "%{size_download}", "-o", path, url]

        def run() -> None:
            out = subprocess.run(cmd, check=True, capture_output=True, text=True)
            if direction == "down":
                received[0] = int(out.stdout)

    elif name in ("requests", "niquests", "requests_gracedb_like"):
        if name == "requests_gracedb_like":
            from requests_gracedb_like import Session

            s: Any = Session(token=args["token_file"])
        else:
            s = __import__(name).Session()
            s.headers.update(headers)
        s.verify = ca

        def run() -> None:
            if direction == "up":
                with open(path, "rb") as f:
                    s.post(url, data=f).raise_for_status()
                return
            with s.get(url, stream=True) as r, open(path, "wb") as out:
                r.raise_for_status()
                for chunk in r.iter_content(block):
                    out.write(chunk)
                    received[0] += len(chunk)

    elif name == "requests_gracedb_like files=":
        from requests_gracedb_like import Session

        s = Session(token=args["token_file"])
        s.verify = ca

        def run() -> None:
            s.post(url, files={"file": (path,)}).raise_for_status()

    elif name == "requests_gracedb_like CLI":
        from requests_gracedb_like.cli.entry import main as cli

        os.environ["REQUESTS_CA_BUNDLE"] = ca
        option = ["--data", f"@{path}"] if direction == "up" else []
        out = os.devnull if direction == "up" else path
        command = [
            "post" if direction == "up" else "get",
            url,
            *option,
            "--token",
            args["token_file"],
            "--quiet",
            "--output",
            out,
        ]

        def run() -> None:
            if cli(command):
                raise RuntimeError(f"the command line failed: {command}")

    elif name == "httpx":
        import httpx

        c = httpx.Client(headers=headers, verify=context)

        def run() -> None:
            if direction == "up":
                with open(path, "rb") as f:
                    c.post(url, content=f).raise_for_status()
                return
            with c.stream("GET", url) as r, open(path, "wb") as out:
                r.raise_for_status()
                for chunk in r.iter_bytes():
                    out.write(chunk)
                    received[0] += len(chunk)

    else:
        raise SystemExit(f"unknown transfer client {name!r}")
    size = os.path.getsize(args["size_of"])
    gc.collect()
    _reset_peak()
    before = _rss_kib()
    t0 = time.perf_counter()
    run()
    elapsed = time.perf_counter() - t0
    peak = _rss_kib("VmHWM")
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "bytes": received[0] if direction == "down" and "CLI" not in name else None,
        "seconds": elapsed,
        "mib_s": size / elapsed / 2**20,
        "growth_mib": (peak - before) / 1024,
        "child_peak_mib": child / 1024 if name == "curl" else None,
    }


def construct(
    name: str, n: int, base: str, token: str, token_file: str, discover: bool
) -> dict:
    first = make(name, base, token, token_file, discover=discover)  # warmed
    if discover and getattr(first.session, "auth_source", "") is None:
        raise SystemExit(f"{name}: discovery found no token")
    first.close()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        c = make(name, base, token, token_file, discover=discover)
        times.append(time.perf_counter() - t0)
        c.close()
    return {"us": statistics.median(times) * 1e6}


def upload(client: Client, path: str, reps: int) -> dict[str, Any]:
    assert client.upload is not None
    size = os.path.getsize(path)
    client.upload(path)
    rates = []
    for _ in range(reps):
        t0 = time.perf_counter()
        client.upload(path)
        rates.append(size / (time.perf_counter() - t0) / 2**20)
    return {"mib_s": rates}


def bigupload(client: Client, path: str) -> dict[str, Any]:
    assert client.upload is not None
    gc.collect()
    try:
        # Reset the peak (VmHWM) to the current RSS, so the peak below is the
        # upload's own.
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    before = _rss_kib()
    t0 = time.perf_counter()
    client.upload(path)
    elapsed = time.perf_counter() - t0
    peak = _rss_kib("VmHWM")
    return {
        "growth_mib": (peak - before) / 1024,
        "seconds": elapsed,
        "mib_s": os.path.getsize(path) / elapsed / 2**20,
    }


def frames(client: Client, base: str, gets: int) -> dict[str, Any]:
    """The request path of a plain ``session.get(url)`` on a kept session:
    the frames from ``get`` down to ``requests.adapters.HTTPAdapter.send``
    (all of them, and those whose code is in ``requests_gracedb_like``),
    and the Python function calls one GET makes (all, and those of code in
    the package), counted with ``sys.setprofile``; the median of `gets`
    GETs after one that connects and warms every lazy part."""
    import requests.adapters
    import urllib3

    import requests_gracedb_like

    package = os.path.dirname(requests_gracedb_like.__file__) + os.sep
    session = client.session
    url = base + "api/"
    session.get(url).raise_for_status()
    get_code = session.get.__func__.__code__
    # HTTPAdapter.send, or urllib3's urlopen if an adapter never calls it.
    targets = {
        requests.adapters.HTTPAdapter.send.__code__: "HTTPAdapter.send",
        urllib3.HTTPConnectionPool.urlopen.__code__: "HTTPConnectionPool.urlopen",
    }
    paths: list[tuple[str, list[str]]] = []
    counts = {"all": 0, "package": 0}

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event != "call":
            return
        code = frame.f_code
        counts["all"] += 1
        if code.co_filename.startswith(package):
            counts["package"] += 1
        if code in targets and not paths:
            target = targets[code]
            path = []
            while frame is not None:
                code = frame.f_code
                name = getattr(code, "co_qualname", code.co_name)
                ours = code.co_filename.startswith(package)
                path.append(f"{name} [package]" if ours else name)
                if code is get_code:
                    break
                frame = frame.f_back
            else:
                path.append("(session.get not on the stack)")
            paths.append((target, path))

    all_calls, package_calls = [], []
    for _ in range(gets):
        counts.update(all=0, package=0)
        paths.clear()
        sys.setprofile(profile)
        try:
            session.get(url)
        finally:
            sys.setprofile(None)
        all_calls.append(counts["all"])
        package_calls.append(counts["package"])
    target, path = paths[0] if paths else ("(not reached)", [])
    path.reverse()
    return {
        "target": target,
        "frames": len(path),
        "package_frames": sum(p.endswith("[package]") for p in path),
        "path": path,
        "calls": statistics.median(all_calls),
        "package_calls": statistics.median(package_calls),
    }


def main() -> None:
    task, name, raw = sys.argv[1:4]
    args = json.loads(raw)
    if task == "import":
        module = MODULES.get(name, name)
        t0 = time.perf_counter()
        __import__(module)
        result: dict[str, Any] = {"ms": (time.perf_counter() - t0) * 1e3}
    elif task == "memory":
        base_kib = _rss_kib()
        if name != "python":
            make(name, args["base"], args["token"], args["token_file"])
        result = {"mib": _rss_kib() / 1024, "startup_mib": base_kib / 1024}
    elif task == "construct":
        result = construct(
            name,
            args["n"],
            args["base"],
            args["token"],
            args["token_file"],
            args.get("discover", False),
        )
    elif task == "fanout":
        result = fanout(name, args, args["in_flight"], args["warmup"])
    elif task == "transfer":
        result = transfer(name, args)
    elif task == "concurrent":
        result = concurrent(
            name,
            args["base"],
            args["token"],
            args["token_file"],
            args.get("ca"),
            args["in_flight"],
            args["warmup"],
        )
    else:
        client = make(
            name,
            args["base"],
            args["token"],
            args["token_file"],
            args.get("threads", 1),
            args.get("headers", 0),
            args.get("cookies", 0),
            ca=args.get("ca"),
        )
        if task == "perreq":
            result = perreq(client, args["warmup"])
        elif task == "threaded":
            result = threaded(client, args["threads"], args["per_thread"])
        elif task == "upload":
            result = upload(client, args["path"], args["reps"])
        elif task == "bigupload":
            result = bigupload(client, args["path"])
        elif task == "frames":
            result = frames(client, args["base"], args.get("gets", 5))
        else:
            raise SystemExit(f"unknown task {task!r}")
        client.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
