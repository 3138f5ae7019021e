"""Promise: no secret outlives its session. Once a session is closed and
collected, no password, key, token, URL with user information or URL
with a secret query is left anywhere in the process.

Each case runs in a fresh interpreter (nothing of pytest's, nothing of
other tests): it makes sessions with secrets that carry a random marker,
sends requests to a local server, closes and drops the sessions, collects
garbage, then walks every object the garbage collector can reach (dicts,
lists, tuples, sets, instances, ``functools.lru_cache`` wrappers and
their cache dictionaries, and the untracked dicts and tuples inside
them) looking for the marker in any ``str`` or ``bytes``. The secrets
are made inside a helper function, so the case itself holds only the
markers, which the walk skips by identity. Python's own URL-splitting
cache is cleared first (``urllib.parse.clear_cache()``): it is the
standard library's, not the package's.

The cases run through the three front ends; those of the httpx clients
(``FRONT`` in the subprocess) are ``slow``. Per-request claims
(``token_scope=``) are sent through every front end.
"""

from __future__ import annotations

import pytest
from hostile import isolated

#: Run in the subprocess (see hostile.isolated): ``KIND``, ``FRONT`` (the
#: front end), ``URL`` (the server, ending in "/") and ``TMP`` (a private
#: directory) are set first.
_CASE = r'''
import asyncio, base64, gc, os, secrets, sys, urllib.parse
from requests_gracedb_like.testing import make_jwt
if FRONT == "Session":
    from requests_gracedb_like import Session as CLIENT
else:
    from requests_gracedb_like.httpx import AsyncClient, Client as CLIENT

async def use_async(options, calls):
    async with AsyncClient(**options) as s:
        for target, extra in calls:
            await (await s.get(target, timeout=5, **extra)).aclose()

def use(kind, url, tmp):
    """Make sessions holding secrets, use them, close them. Returns the
    needles to look for (each holds the marker) and what the server must
    have seen (so the secret did travel)."""
    mark = secrets.token_hex(12)  # 24 random characters
    needles, sent = [mark], []
    host = url.split("//", 1)[1]
    if kind == "userinfo":
        password = "pw" + mark
        service = "http://alice:" + password + "@" + host + "api/"
        made = [dict(url=service)]
        paths = ["events/", service + "events/?page=2"]
        needles.append(base64.b64encode(("alice:" + password).encode()).decode())
    elif kind == "query":
        made = [dict(url=url + "api/", force_noauth=True)]
        paths = [
            url + "api/events/?sig=" + mark,
            "events/?access_token=" + mark,
            (url + "api/search", {"key": mark}),
        ]
        sent.append(mark)
    elif kind == "basic":
        password = "pw" + mark
        made = [dict(url=url, username="alice", password=password)]
        paths = ["a", url + "b"]
        pair = base64.b64encode(("alice:" + password).encode()).decode()
        needles.append(pair)
        sent.append(pair)
    elif kind == "api_key":
        made = [dict(url=url, api_key="key" + mark),
                dict(url=url, api_key="key" + mark, auth_header_name="X-API-Key")]
        paths = ["a", url + "b"]
        sent.append(mark)
    elif kind in ("token_file", "BEARER_TOKEN_FILE", "BEARER_TOKEN"):
        token = make_jwt({"aud": "ANY", "scope": "read:/", "jti": mark})
        needles.append(token)
        sent.append(token)
        if kind == "BEARER_TOKEN":
            os.environ["BEARER_TOKEN"] = token
            made = [dict(url=url)]
        else:
            path = os.path.join(tmp, "token")
            with open(path, "w") as f:
                f.write(token + "\n")
            os.chmod(path, 0o600)
            if kind == "token_file":
                made = [dict(url=url, token=path)]
            else:
                os.environ["BEARER_TOKEN_FILE"] = path
                made = [dict(url=url)]
        paths = ["a", (url + "b", {}), ("c", {"token_scope": "read:/"})]
    elif kind == "opaque_BEARER_TOKEN":
        os.environ["BEARER_TOKEN"] = "opaque" + mark
        made = [dict(url=url)]
        paths = ["a", url + "b"]
        sent.append(mark)
    else:
        raise AssertionError(kind)
    calls = []
    for path in paths:
        if isinstance(path, tuple):
            target, extra = path
            if "token_scope" not in extra:
                extra = {"params": extra} if extra else {}
        else:
            target, extra = path, {}
        calls.append((target, extra))
    for options in made:
        for _ in range(2):  # twice: what a first session leaves, a second finds
            if FRONT == "httpx.AsyncClient":
                asyncio.run(use_async(options, calls))
                continue
            with CLIENT(**options) as s:
                for target, extra in calls:
                    s.get(target, timeout=5, **extra).close()
            del s
    os.environ.pop("BEARER_TOKEN", None)
    os.environ.pop("BEARER_TOKEN_FILE", None)
    # The marker in plain text is the secret for the kinds that send it so.
    return needles, sent

#: The walk's own containers, left out of the search for an owner.
OURS = set()

def owner(holder):
    """The module global or cached function that keeps `holder` alive,
    looked for a few references up; never the secret itself."""
    modules = {id(vars(m)): name for name, m in list(sys.modules.items())
               if m is not None and hasattr(m, "__dict__")}
    level, seen = [holder], {id(holder)}
    for _ in range(4):
        above = []
        for obj in level:
            for ref in gc.get_referrers(obj):
                if id(ref) in seen or id(ref) in OURS or type(ref).__name__ == "frame":
                    continue
                seen.add(id(ref))
                if id(ref) in modules:
                    names = [k for k, v in ref.items() if v is obj]
                    return f"{modules[id(ref)]}.{names[0] if names else '?'}"
                wrapped = getattr(ref, "__wrapped__", None)
                if wrapped is not None and hasattr(ref, "cache_info"):
                    return f"{wrapped.__module__}.{wrapped.__qualname__} (lru_cache)"
                above.append(ref)
        level = above[:200]
    return "(unknown)"

def walk(needles):
    """Where a needle is found: the type of each object that holds one."""
    texts = list(needles)
    raw = [n.encode() for n in texts]
    skip = {id(x) for x in texts + raw} | {id(texts), id(raw), id(needles)}
    found = set()
    seen = set()

    def check(obj, holder):
        if id(obj) in skip:
            return
        if isinstance(obj, str):
            hit = any(n in obj for n in texts)
        else:
            hit = any(n in obj for n in raw)
        if hit:
            found.add(f"a {type(obj).__name__} in a {type(holder).__qualname__}"
                      f" held by {owner(holder)}")

    pending = gc.get_objects()
    OURS.update({id(pending), id(seen), id(skip), id(found)})
    while pending:
        holder = pending.pop()
        if id(holder) in seen or id(holder) in skip:
            continue
        seen.add(id(holder))
        for ref in gc.get_referents(holder):
            if isinstance(ref, (str, bytes, bytearray)):
                check(ref, holder)
            elif isinstance(ref, (tuple, dict)) and not gc.is_tracked(ref):
                pending.append(ref)  # untracked: not in gc.get_objects()
    return sorted(found)

needles, sent = use(KIND, URL, TMP)
gc.collect()
urllib.parse.clear_cache()
gc.collect()
result = {"found": walk(needles), "sent": sent}
'''


@pytest.mark.parametrize(
    "front",
    [
        "Session",
        pytest.param("httpx.Client", marks=pytest.mark.slow),
        pytest.param("httpx.AsyncClient", marks=pytest.mark.slow),
    ],
)
@pytest.mark.parametrize(
    "kind",
    [
        "userinfo",
        "query",
        "basic",
        "api_key",
        "token_file",
        "BEARER_TOKEN_FILE",
        "BEARER_TOKEN",
        "opaque_BEARER_TOKEN",
    ],
)
def test_no_secret_outlives_its_sessions(recorder, tmp_path, kind, front):
    if front != "Session":
        pytest.importorskip("httpx")
    server = recorder()
    prelude = (
        f"KIND, FRONT, URL, TMP = {kind!r}, {front!r}, {server.url()!r}, "
        f"{str(tmp_path)!r}\n"
    )
    result = isolated(prelude + _CASE, seconds=60)
    assert "error" not in result, result
    assert server.heads, "the sessions sent requests"
    for text in result["sent"]:
        assert server.saw(text), "the secret travelled to the server"
    assert result["found"] == [], "\n".join(result["found"])
