"""Promise: what a session sends follows what it holds now. A header set
after unpickling is sent, in this process and in another; a timeout that
requests rejects is rejected whatever was sent before; a token file
rewritten in place is read again by a new session.
"""

from __future__ import annotations

import json
import mmap
import os
import pickle
import subprocess
import sys
import time

import pytest
import requests
from hostile import BOUND

from requests_gracedb_like import Session
from requests_gracedb_like.testing import make_jwt


def _header(head: bytes, name: str):
    prefix = name.lower().encode() + b":"
    for line in head.split(b"\r\n")[1:]:
        if line.lower().startswith(prefix):
            return line[len(prefix) :].strip().decode()
    return None


def _late_headers(server):
    """``{path: X-Late value}`` of the requests for ``/late/...``."""
    return {
        head.split(b" ")[1].decode(): _header(head, "X-Late")
        for head in server.heads
        if b" /late/" in head
    }


# -- a header set after unpickling ------------------------------------------


def test_a_header_set_after_unpickling_here_is_sent(recorder):
    server = recorder()
    with Session(server.url(), force_noauth=True) as s:
        s.headers["X-Early"] = "1"
        s.get(server.url("/warm"), timeout=5)
        data = pickle.dumps(s)
    for i in range(8):
        with pickle.loads(data) as copy:
            copy.get(server.url("/warm"), timeout=5)
            copy.headers["X-Late"] = str(i)
            copy.get(server.url(f"/late/{i}"), timeout=5)
    assert _late_headers(server) == {f"/late/{i}": str(i) for i in range(8)}


#: Run in a fresh interpreter: make a session as a job's main process
#: would, and write its pickle to stdout.
_MAKE = """
import pickle, sys
from requests_gracedb_like import Session
s = Session(sys.argv[1], force_noauth=True)
s.headers["X-Early"] = "1"
s.get(sys.argv[1] + "warm", timeout=5)
sys.stdout.buffer.write(pickle.dumps(s))
"""

#: Run in another fresh interpreter, a worker: unpickle the session (read
#: from stdin) again and again, as each task of a pool does, and set a
#: header on each copy before its second request.
_USE = """
import pickle, sys
data = sys.stdin.buffer.read()
url, tasks = sys.argv[1], int(sys.argv[2])
for i in range(tasks):
    s = pickle.loads(data)
    s.get(url + "warm", timeout=5)
    s.headers["X-Late"] = str(i)
    s.get(url + "late/" + str(i), timeout=5)
    s.close()
"""


def _python(code, *args, stdin=b""):
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        input=stdin,
        capture_output=True,
        timeout=BOUND,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return done.stdout


@pytest.mark.parametrize("tasks", [64])
def test_a_header_set_after_unpickling_in_another_process_is_sent(recorder, tasks):
    """Both processes are fresh interpreters: whatever a process counts
    from its start is counted the same way in both."""
    server = recorder()
    data = _python(_MAKE, server.url())
    _python(_USE, server.url(), str(tasks), stdin=data)
    assert _late_headers(server) == {f"/late/{i}": str(i) for i in range(tasks)}


#: The same through multiprocessing with the spawn start method.
_SPAWN = """
import json, multiprocessing, pickle, sys
from requests_gracedb_like import Session

def task(args):
    data, url, i = args
    s = pickle.loads(data)
    s.get(url + "warm", timeout=5)
    s.headers["X-Late"] = str(i)
    s.get(url + "late/" + str(i), timeout=5)
    s.close()
    return i

if __name__ == "__main__":
    url, tasks = sys.argv[1], int(sys.argv[2])
    s = Session(url, force_noauth=True)
    s.headers["X-Early"] = "1"
    data = pickle.dumps(s)
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        done = pool.map(task, [(data, url, i) for i in range(tasks)], chunksize=1)
    print(json.dumps(done))
"""


def test_a_header_set_in_a_spawned_worker_is_sent(recorder, tmp_path):
    server = recorder()
    script = tmp_path / "spawn_job.py"
    script.write_text(_SPAWN)
    tasks = 64
    out = _python(
        f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')",
        server.url(),
        str(tasks),
    )
    assert json.loads(out.decode().strip().splitlines()[-1]) == list(range(tasks))
    assert _late_headers(server) == {f"/late/{i}": str(i) for i in range(tasks)}


# -- timeout=True -----------------------------------------------------------


def _outcome(session, url, timeouts):
    """The exception type (or None) of a request with each timeout."""
    seen = []
    for timeout in timeouts:
        try:
            session.get(url, timeout=timeout)
        except Exception as exc:
            seen.append(type(exc))
        else:
            seen.append(None)
    return seen


@pytest.mark.parametrize(
    "timeouts",
    [
        [True],
        [1, True],
        [1.0, True],
        [(1, 1), (True, True)],
        [(1, 5), (True, 5)],
        [(5, 1), (5, True)],
        [1, True, 1, True],
    ],
)
def test_a_boolean_timeout_is_refused_as_requests_refuses_it(recorder, timeouts):
    server = recorder()
    with requests.Session() as plain:
        expected = _outcome(plain, server.url(), timeouts)
    assert expected[-1] is not None
    assert issubclass(expected[-1], ValueError)
    with Session(server.url(), force_noauth=True) as s:
        got = _outcome(s, server.url(), timeouts)
    assert all(g is None for g, e in zip(got, expected, strict=True) if e is None)
    assert all(
        g is not None and issubclass(g, ValueError)
        for g, e in zip(got, expected, strict=True)
        if e is not None
    )


# -- a token file rewritten in place ----------------------------------------


@pytest.fixture
def shared_mapping(tmp_path):
    """``(path, write)``: a private token file and a function that writes
    new text into it through a shared memory mapping. After the first
    write, later writes of the same length keep the file's inode, size
    and times: the page is already mapped writable and dirty, so the
    kernel does not update the times again."""
    path = tmp_path / "token"
    size = len(make_jwt({"aud": "ANY", "sub": "first"})) + 1
    path.write_bytes(b" " * size)
    path.chmod(0o600)
    fd = os.open(path, os.O_RDWR)
    mapping = mmap.mmap(fd, size)

    def write(token: str) -> None:
        data = (token + "\n").encode()
        assert len(data) == size
        mapping[:size] = data

    yield path, write
    mapping.close()
    os.close(fd)


def test_a_token_file_rewritten_in_place_is_read_by_a_new_session(
    recorder, shared_mapping
):
    import time_machine

    server = recorder()
    path, write = shared_mapping
    first = make_jwt({"aud": "ANY", "sub": "first"})
    second = make_jwt({"aud": "ANY", "sub": "secnd"})
    write(first)
    before = os.stat(path)
    # A minute later: the file has long settled, as a token file a
    # credential agent rewrites every few minutes has.
    with time_machine.travel(time.time() + 60, tick=True):
        with Session(server.url(), token=path) as s:
            s.get(server.url("/first"), timeout=5)
        write(second)
        after = os.stat(path)
        with Session(server.url(), token=path) as s:
            s.get(server.url("/second"), timeout=5)
    assert (after.st_ino, after.st_size) == (before.st_ino, before.st_size)
    sent = {head.split(b" ")[1]: head for head in server.heads}
    assert f"Bearer {first}".encode() in sent[b"/first"]
    assert f"Bearer {second}".encode() in sent[b"/second"]


def test_a_token_file_rewritten_with_its_times_restored_is_read_again(
    recorder, tmp_path
):
    import time_machine

    server = recorder()
    path = tmp_path / "token"
    first = make_jwt({"aud": "ANY", "sub": "first"})
    second = make_jwt({"aud": "ANY", "sub": "secnd"})
    assert len(first) == len(second)
    path.write_text(first + "\n")
    path.chmod(0o600)
    with time_machine.travel(time.time() + 60, tick=True):
        times = os.stat(path)
        with Session(server.url(), token=path) as s:
            s.get(server.url("/first"), timeout=5)
        with open(path, "r+") as f:  # in place: same inode, same size
            f.write(second + "\n")
        os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))
        with Session(server.url(), token=path) as s:
            s.get(server.url("/second"), timeout=5)
    sent = {head.split(b" ")[1]: head for head in server.heads}
    assert f"Bearer {second}".encode() in sent[b"/second"]
