"""One measurement in a fresh interpreter, printed as JSON.

``python worker.py TASK CLIENT ARGS_JSON`` where TASK is ``perreq``,
``concurrent`` (an asyncio client), ``threaded``, ``import``,
``construct``, ``memory``, ``upload``, ``bigupload`` or ``frames``. Run
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
    context = ssl.create_default_context(cafile=ca) if tls else None

    def trust(session: Any) -> Any:
        if tls:
            session.verify = ca
        return session

    if name == "http.client":
        import http.client

        conn: http.client.HTTPConnection
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
        c = httpx.Client(headers=header, limits=limits, verify=context or True)

        def upload(path: str) -> Any:
            with open(path, "rb") as f:
                return c.post(upload_url, files={"file": (path, f)}).content

        return Client(lambda: c.get(api).content, c.close, upload, c)

    if name == "requests_gracedb_like.httpx":
        from requests_gracedb_like.httpx import Client as GracedbClient

        # As the session below: every default feature on, paths relative
        # to the service URL; the CA through httpx's public verify=.
        g = GracedbClient(base, token=token_file, verify=context or True)
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
    name: str, base: str, token: str, token_file: str, ca: str | None
) -> tuple[Any, str]:
    """An asyncio client `name` and the URL of ``/api/`` for it, with
    httpx's default limits, as users get them (100 connections, 20 of them
    kept alive for 5 s: keeping all 100 alive made plain httpx's batches
    slower here, up to several times with no expiry, as httpcore's pool,
    which both clients use, scans its connections for each queued request);
    `ca` trusted through httpx's public ``verify=``."""
    import httpx

    context = ssl.create_default_context(cafile=ca) if ca else True
    if name == "httpx.AsyncClient":
        header = {"Authorization": f"Bearer {token}"}
        client = httpx.AsyncClient(headers=header, verify=context)
        return client, base + "api/"
    if name == "requests_gracedb_like.httpx.AsyncClient":
        from requests_gracedb_like.httpx import AsyncClient

        client = AsyncClient(base, token=token_file, verify=context)
        return client, "api/"
    raise SystemExit(f"unknown asyncio client {name!r}")


def concurrent(
    name: str,
    base: str,
    token: str,
    token_file: str,
    ca: str | None,
    in_flight: int,
    warmup: int,
) -> dict[str, Any]:
    """As ``perreq``, for an asyncio client: each line of standard input (a
    number of GETs) is answered with the mean microseconds per GET of that
    many, sent by as many tasks gathered at once with at most `in_flight`
    of them in flight (an ``asyncio.Semaphore``), on one client kept for
    the whole process and one event loop."""

    async def main() -> None:
        client, url = make_async(name, base, token, token_file, ca)
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
                await batch(n)
                print((time.perf_counter() - t0) / n * 1e6, flush=True)

    asyncio.run(main())
    return {}


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
