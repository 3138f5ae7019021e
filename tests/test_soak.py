"""Soak: 16 threads share one session while the token rotates and the
server injects faults at random.

Short by default (400 requests, a few seconds); ``SOAK_REQUESTS=8000`` runs
the full soak (about a minute on two cores)."""

from __future__ import annotations

import gc
import logging
import os
import random
import threading
import tracemalloc
from pathlib import Path

import pytest
import requests
from fault_server import OUTCOMES, FaultServer, Seen, client_sockets

from requests_gracedb_like import Session, exceptions, retry
from requests_gracedb_like._http import warm
from requests_gracedb_like.adapters import DEFAULT_POOL_MAXSIZE
from requests_gracedb_like.testing import make_signed_jwt

# Not in the default run (see addopts in pyproject.toml): .ci/run runs it
# with -m slow. Why: a long concurrency and fault soak.
pytestmark = pytest.mark.slow

THREADS = 16
REQUESTS = int(os.environ.get("SOAK_REQUESTS", "400"))
#: Generous: the server shares the process (and the GIL) with 16 clients.
READ_TIMEOUT = 1.0

#: Fault -> relative weight in the random mix.
MIX = {
    "ok": 70,
    "close-idle": 5,
    "drip": 2,
    "reset-after-headers": 3,
    "reset-mid-body": 3,
    "garbage": 3,
    "short-body": 3,
    "json-error": 3,
    "html-error": 2,
    "non-utf8-error": 2,
    "stall": 1,
}

#: Fault -> the exceptions a request meeting it may raise (None: succeeds).
EXPECTED: dict[str, tuple[type[BaseException], ...] | None] = {
    "ok": None,
    "close-idle": None,
    "drip": None,
    "reset-after-headers": (
        requests.exceptions.ChunkedEncodingError,
        requests.ConnectionError,
    ),
    "reset-mid-body": (
        requests.exceptions.ChunkedEncodingError,
        requests.ConnectionError,
    ),
    "garbage": (requests.ConnectionError,),
    "short-body": (requests.exceptions.ChunkedEncodingError,),
    "json-error": (exceptions.BadRequest,),
    "html-error": (exceptions.BadGateway,),
    "non-utf8-error": (exceptions.InternalServerError,),
    "stall": (requests.ReadTimeout,),
}


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def write_token(path: Path, token: str, in_place: bool) -> None:
    """Rewrite the token file, in place in two steps (as a careless writer
    would: readers may see it empty or half written) or atomically."""
    data = (token + "\n").encode()
    if in_place:
        with open(path, "r+b") as f:
            f.truncate(0)
            f.write(data[: len(data) // 2])
            f.flush()
            f.write(data[len(data) // 2 :])
    else:
        tmp = path.with_suffix(".new")
        tmp.write_bytes(data)
        os.replace(tmp, path)


@pytest.mark.soak
@pytest.mark.enable_socket
def test_soak_shared_session_rotating_token_random_faults(
    tmp_path, monkeypatch, caplog, request
):
    assert set(MIX) <= set(EXPECTED)
    chooser_rng = random.Random(7)  # noqa: S311
    faults = list(MIX)
    weights = list(MIX.values())
    token_path = tmp_path / "token"
    issued = [make_signed_jwt({"sub": "soak-0"})]
    token_path.write_text(issued[0] + "\n")
    token_path.chmod(0o600)

    # retries happen as configured, without their backoff waits
    monkeypatch.setattr(retry, "_sleep", lambda seconds: None)
    # urllib3 warns at each retry; pytest would keep every record in memory
    caplog.set_level(logging.ERROR, logger="urllib3")
    # sockets that earlier tests left to the garbage collector would close
    # during the run and make the count below look like a gain
    gc.collect()
    fds_before = open_fds()
    tracemalloc.start()
    request.addfinalizer(tracemalloc.stop)  # even if an assertion fails
    server = FaultServer(seed=7)
    server.chooser = lambda seen: chooser_rng.choices(faults, weights)[0]
    # token_reload_timeout above the token lifetime: the file is re-read
    # whenever it changes, the hardest case for torn reads.
    session = Session(token=token_path, auth_reload=True, auth_reload_timeout=7200)
    outcomes: dict[str, str] = {}
    methods: dict[str, str] = {}
    errors: dict[str, BaseException] = {}
    lock = threading.Lock()
    done = threading.Event()

    def rotate() -> None:
        k = 0
        while not done.wait(0.005):
            k += 1
            # signed, as real tokens are: a torn read can cut the signature
            token = make_signed_jwt({"sub": f"soak-{k}"})
            issued.append(token)  # issued before any reader can see it
            write_token(token_path, token, in_place=k % 2 == 0)

    def work(worker: int) -> None:
        rng = random.Random(worker)  # noqa: S311
        for i in range(REQUESTS // THREADS):
            request_id = f"{worker}-{i}"
            method = rng.choice(["GET", "POST"])
            methods[request_id] = method
            try:
                r = session.request(
                    method,
                    server.url("random"),
                    headers={"X-Request-Id": request_id},
                    data=b"x" * rng.randrange(0, 5000),
                    timeout=(5, READ_TIMEOUT),
                )
                outcome = "ok" if r.status_code == 200 else f"status {r.status_code}"
            except Exception as exc:
                outcome = type(exc).__name__
                with lock:
                    errors[request_id] = exc
            with lock:
                outcomes[request_id] = outcome

    session.get(server.url("ok"), timeout=5)  # warm up: the baseline holds a pool
    gc.collect()
    memory_before = tracemalloc.get_traced_memory()[0]
    rotator = threading.Thread(target=rotate)
    workers = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    try:
        rotator.start()
        for t in workers:
            t.start()
        for t in workers:
            t.join()
    finally:
        done.set()
        if rotator.is_alive():
            rotator.join()
        session.close()
        server.close()

    # every request accounted for, each as its fault says
    assert len(outcomes) == THREADS * (REQUESTS // THREADS)
    last: dict[str, Seen] = {}
    for seen in server.seen:
        request_id = seen.headers.get("x-request-id")
        if request_id is not None:
            last[request_id] = seen
    assert set(last) <= set(outcomes)
    wrong = []
    for request_id, outcome in outcomes.items():
        if request_id in last:
            allowed = EXPECTED[last[request_id].fault]
        else:
            # sent on a kept-alive connection just as the server closed it
            # (close-idle): never read, failed, and not resent because it is
            # a POST (a GET is retried, so the server saw it)
            assert methods[request_id] == "POST"
            allowed = (requests.ConnectionError,)
            outcomes[request_id] = f"{outcome} (never reached the server)"
        if allowed is None:
            if outcome != "ok":
                wrong.append((request_id, outcome))
        elif not isinstance(errors.get(request_id), allowed):
            wrong.append((request_id, outcome))
        else:
            message = str(errors[request_id])
            assert message.startswith(("GET ", "POST ")), message
            assert "Bearer" not in message
    assert wrong == []
    OUTCOMES.update(outcomes.values())

    # no torn token: every Authorization sent was one issued in full
    valid = {f"Bearer {t}" for t in issued}
    sent = [s.authorization for s in server.seen]
    assert all(a in valid for a in sent)
    assert len(set(sent)) > 1  # the token did rotate during the run

    # sockets, files and memory back to where they started: the closed
    # session's idle keep-alive connections wait for the next session (at
    # most its pool's size), and close when they are no longer kept
    assert client_sockets(server.port) <= DEFAULT_POOL_MAXSIZE
    warm.clear_idle()
    assert client_sockets(server.port) == 0
    # drop what the run kept alive, so only leaks remain
    server = session = None
    for kept in (errors, outcomes, methods, last, issued):
        kept.clear()
    valid = sent = wrong = rotator = workers = None
    gc.collect()
    assert open_fds() == fds_before
    growth = tracemalloc.get_traced_memory()[0] - memory_before
    assert growth < 1 << 20, f"{growth} bytes still allocated"
