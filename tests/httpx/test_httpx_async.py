"""The AsyncClient with an OIDC login at a real provider: one refresh for
200 concurrent tasks, one for a sync and an async process sharing the
cache, and an event loop that the library never blocks."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import sysconfig
import threading
import time
import traceback
from typing import Optional

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("authlib")

from requests_gracedb_like.credentials.oidc import login  # noqa: E402
from requests_gracedb_like.credentials.oidc.cache import TokenCache  # noqa: E402
from requests_gracedb_like.httpx import AsyncClient  # noqa: E402
from requests_gracedb_like.testing.oidc_provider import CLIENT_ID  # noqa: E402

LIFETIME = 120

#: How this package's files are told apart in a stack.
PACKAGE = f"{os.sep}requests_gracedb_like{os.sep}"


@pytest.fixture
def api(oidc_provider, service):
    oidc_provider.configure(access_lifetime=LIFETIME)
    service.accept_issuer(oidc_provider.issuer)
    return service.url_for("api/")


def device_login(monkeypatch, provider, url):
    """Log in at `provider` for every URL (the user approving at once)."""
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_ISSUER", provider.issuer)
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_ID", CLIENT_ID)
    provider.configure(auto_approve=1)
    return login(url, echo=lambda text: None, sleep=lambda seconds: None)


def cache_of(provider) -> TokenCache:
    return TokenCache(provider.issuer, CLIENT_ID)


def age_the_login(oidc_provider) -> None:
    """Make the cached access token due for a refresh (not yet expired)."""
    cache = cache_of(oidc_provider)
    aged = cache.read()
    now = time.time()
    cache.write(aged._replace(obtained_at=now - 100, expires_at=now + 20))


_STDLIB = sysconfig.get_paths()["stdlib"]

#: The libraries whose own frames say nothing about who holds the loop: the
#: standard library and the synchronous libraries the package calls. A loop
#: thread inside one of them (a socket read of requests, say) is doing what
#: the frame outside them asked for.
_PASS_THROUGH = tuple(
    f"site-packages{os.sep}{name}{os.sep}"
    for name in (
        "requests",
        "urllib3",
        "authlib",
        "jwt",
        "scitokens",
        "cryptography",
        "safe_netrc",
        "certifi",
        "idna",
        "charset_normalizer",
    )
)


def _blamed(stack: traceback.StackSummary) -> bool:
    """Whether this package is doing what the stack's innermost frames do:
    the innermost frame outside the standard library and the synchronous
    libraries it calls is one of its own. (A loop waiting in its selector
    has the test's ``asyncio.run`` there; one in httpx's code, httpx.)"""
    for frame in reversed(stack):
        name = frame.filename
        if name.startswith((_STDLIB, "<frozen")):
            continue
        if any(part in name for part in _PASS_THROUGH):
            continue
        return PACKAGE in name
    return False


class LoopWatch:
    """A loop-lag probe: a task beats every millisecond, and a thread
    watches the beats. When the loop has not beaten for `threshold`
    seconds, the thread looks at what the loop's thread is doing, every
    millisecond. When it finds the loop's thread in this package's code
    (:func:`_blamed`) in every look for `threshold` seconds of one lag,
    the package held the loop: that time is recorded in :attr:`blocked`,
    with the stack.

    A lag whose cause was elsewhere is not blamed on the package for the
    instant the loop, running again, spends in its code before the next
    beat: the process not scheduled (a loaded machine), httpx importing a
    module on first use, the loop waiting in its selector."""

    def __init__(self, threshold: float = 0.010) -> None:
        self.threshold = threshold
        self.blocked: list[tuple[float, str]] = []
        self.beats = 0
        self._beat = time.perf_counter()
        self._stop = threading.Event()

    async def _heartbeat(self) -> None:
        while not self._stop.is_set():
            self._beat = time.perf_counter()
            self.beats += 1
            await asyncio.sleep(0.001)

    def _watch(self, loop_thread: int) -> None:
        held_since: Optional[tuple[float, float]] = None  # (beat, first look)
        while not self._stop.wait(0.001):
            now = time.perf_counter()
            beat = self._beat
            frame = sys._current_frames().get(loop_thread)
            if now - beat < self.threshold or frame is None:
                held_since = None
                continue
            stack = traceback.extract_stack(frame)
            if not _blamed(stack):
                held_since = None
                continue
            if held_since is None or held_since[0] != beat:
                held_since = (beat, now)
                continue
            held = now - held_since[1]
            if held >= self.threshold:
                # The whole stack: the innermost frames of a blocking call
                # are the socket's, the package's may be far above them.
                self.blocked.append((held, "".join(traceback.format_list(stack))))

    async def __aenter__(self) -> LoopWatch:
        self._task = asyncio.create_task(self._heartbeat())
        self._thread = threading.Thread(
            target=self._watch, args=(threading.get_ident(),), daemon=True
        )
        self._thread.start()
        await asyncio.sleep(0.005)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        await self._task
        self._thread.join()

    def worst(self) -> str:
        held, stack = max(self.blocked)
        return f"the package held the loop for {held * 1000:.1f} ms in:\n{stack}"


def test_200_tasks_cause_one_refresh(monkeypatch, oidc_provider, api):
    device_login(monkeypatch, oidc_provider, api)
    age_the_login(oidc_provider)
    # A slow provider, so that the tasks all wait for the one refresh.
    oidc_provider.configure(refresh_delay=0.3)

    async def main() -> list[str]:
        async with AsyncClient(api) as client:
            old = client.auth.credential.token

            async def one() -> str:
                return (await client.get("events/")).json()["token_id"]

            seen = await asyncio.gather(*(one() for _ in range(200)))
            assert client.auth.credential.token != old
            return seen

    seen = asyncio.run(main())
    assert oidc_provider.refreshes == 1
    assert len(seen) == 200
    assert len(set(seen)) == 1
    assert oidc_provider.stats()["refresh_token_reuse"] == 0


def run_watched(api, upload, oidc_provider) -> LoopWatch:
    """Discovery, a refresh at the provider (0.3 s, under the cache's file
    lock), concurrent requests and an upload read from disk, watched.
    (The service runs in this process: the loop competes with its threads
    for the interpreter, which :class:`LoopWatch` does not blame on the
    package.)"""

    async def main() -> LoopWatch:
        # httpx imports its asynchronous machinery on first use, and the
        # loop makes its worker threads on first use: neither is ours.
        async with httpx.AsyncClient() as plain:
            await plain.get(api)
        await asyncio.gather(*(asyncio.to_thread(time.sleep, 0.01) for _ in range(4)))
        age_the_login(oidc_provider)
        async with LoopWatch() as watch:
            client = await asyncio.to_thread(AsyncClient, api)
            async with client:
                await asyncio.gather(*(client.get("events/") for _ in range(20)))
                await client.post("files/", files={"f": (str(upload), None)})
        return watch

    return asyncio.run(main())


def test_the_loop_is_never_blocked(monkeypatch, oidc_provider, api, tmp_path):
    device_login(monkeypatch, oidc_provider, api)
    oidc_provider.configure(refresh_delay=0.3)
    upload = tmp_path / "data.bin"
    upload.write_bytes(b"x" * 2**20)
    watch = run_watched(api, upload, oidc_provider)
    assert oidc_provider.refreshes == 1
    assert watch.beats > 100
    assert not watch.blocked, watch.worst()


def test_the_probe_sees_a_refresh_made_in_the_loop(
    monkeypatch, oidc_provider, api, tmp_path
):
    """The probe of the test above catches what it looks for: with the
    worker threads taken away, the refresh blocks the loop."""
    from requests_gracedb_like.httpx import _auth

    async def inline(func, /, *args, **kwargs):
        return func(*args, **kwargs)

    device_login(monkeypatch, oidc_provider, api)
    oidc_provider.configure(refresh_delay=0.3)
    monkeypatch.setattr(_auth.asyncio, "to_thread", inline)
    upload = tmp_path / "data.bin"
    upload.write_bytes(b"x")
    watch = run_watched(api, upload, oidc_provider)
    assert oidc_provider.refreshes == 1
    assert watch.blocked
    # The refresh's own frames, for about the provider's 300 ms.
    refresh = [
        held for held, stack in watch.blocked if f"{os.sep}oidc{os.sep}" in stack
    ]
    assert max(refresh) > 0.1, watch.worst()


SYNC_CHILD = """
import os, sys, time
from requests_gracedb_like.httpx import Client
url, go = sys.argv[1], sys.argv[2]
with Client(url) as client:
    while not os.path.exists(go):
        time.sleep(0.001)
    print(client.get(url).json()["token_id"])
"""

ASYNC_CHILD = """
import asyncio, os, sys
from requests_gracedb_like.httpx import AsyncClient
url, go = sys.argv[1], sys.argv[2]
async def main():
    async with AsyncClient(url) as client:
        while not os.path.exists(go):
            await asyncio.sleep(0.001)
        print((await client.get(url)).json()["token_id"])
asyncio.run(main())
"""


@pytest.mark.slow
def test_a_sync_and_an_async_process_refresh_once(
    monkeypatch, oidc_provider, api, tmp_path
):
    device_login(monkeypatch, oidc_provider, api)
    age_the_login(oidc_provider)
    oidc_provider.configure(refresh_delay=0.5)
    go = tmp_path / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, api, str(go)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for code in (SYNC_CHILD, ASYNC_CHILD)
    ]
    time.sleep(1.0)  # both children have read the cache (no clock involved)
    go.touch()
    outputs = [c.communicate(timeout=60)[0].strip() for c in children]
    assert [c.returncode for c in children] == [0, 0]
    assert oidc_provider.refreshes == 1
    assert outputs[0] == outputs[1]
    assert oidc_provider.stats()["refresh_token_reuse"] == 0


def test_a_cancelled_task_still_saves_the_rotated_refresh_token(
    monkeypatch, oidc_provider, api
):
    first = device_login(monkeypatch, oidc_provider, api)
    age_the_login(oidc_provider)
    oidc_provider.configure(refresh_delay=0.5)

    async def main() -> None:
        async with AsyncClient(api) as client:
            task = asyncio.create_task(client.get("events/"))
            await asyncio.sleep(0.2)  # the refresh is under way
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # The next request uses the refreshed token without a new refresh.
            await client.get("events/")

    asyncio.run(main())
    assert oidc_provider.refreshes == 1
    cached = cache_of(oidc_provider).read()
    assert cached.refresh_token != first.refresh_token
    assert oidc_provider.stats()["refresh_token_reuse"] == 0
