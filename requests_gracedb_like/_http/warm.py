"""Warm connections: the idle urllib3 pool managers of closed sessions, kept
for the next session with the same transport settings; private.

A session closed gives its pool manager back here (:func:`give_back`); a
new session with the same adapter settings takes it (:func:`take`) and
with it the open keep-alive connections, so a loop of one-shot calls pays
the TCP and TLS handshakes once. A manager is held by one adapter at a
time: sessions alive together never share connections, and each has the
pool size it asked for.

What makes connections safe to hand on, and what each check is for:

* urllib3 keys a manager's pools by scheme, host, port and TLS settings
  (verification, CA bundle, client certificate and key files...), so a
  session reuses only a connection made with its own settings;
* a connection made with a certificate or CA file that has changed on disk
  since (same path, other file) is closed before another session takes the
  manager (:func:`note_files`, :func:`take`); within one session, a
  certificate is re-read as its ``auth_reload`` option says;
* a proxy manager is kept only for a proxy without credentials in its URL
  and no proxy headers (the caller decides: :func:`shareable_proxy`): the
  keys hold a proxy's scheme, host and port, never a URL, a header or a
  secret;
* a response not read to its end has its connection closed by requests and
  urllib3 (it never goes back to a pool with unread bytes on it).

Bounds: at most :data:`MAX_IDLE_MANAGERS` idle managers (the least recently
given back is cleared first), each with at most ``pool_maxsize`` idle
connections per origin; one idle for more than :data:`IDLE_TIMEOUT`
seconds is cleared. A forked child starts with none (:func:`forget`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, Optional

from urllib3 import PoolManager
from urllib3.util import parse_url

from ..closing import close_manager, close_pools_where

__all__ = [
    "IDLE_TIMEOUT",
    "MAX_IDLE_MANAGERS",
    "WarmManager",
    "clear_idle",
    "forget",
    "give_back",
    "manager_key",
    "note_files",
    "shareable_proxy",
    "take",
]

#: Seconds an idle manager is kept: servers close idle keep-alive
#: connections after about as long (Apache's default is 5 s, nginx's 75 s).
IDLE_TIMEOUT = 60.0

#: Idle managers kept at once, all settings together.
MAX_IDLE_MANAGERS = 16

#: Files (certificates, CA bundles) whose identity a manager remembers;
#: past this many, its pools are closed and it starts afresh.
_MAX_FILES = 64


@dataclass(eq=False)
class WarmManager:
    """A pool manager and what it was made with: `key` (its settings),
    `files` (the identity on disk of each certificate or CA file its
    connections were made with) and `given_back` (when it became idle)."""

    key: Hashable
    manager: PoolManager
    files: dict[str, Optional[tuple[int, ...]]] = field(default_factory=dict)
    given_back: float = 0.0


_lock = threading.Lock()
_idle: list[WarmManager] = []  # least recently given back first


def _now() -> float:
    # The wall clock rather than time.monotonic(), so that tests can move
    # it. A clock set back keeps an idle connection longer; urllib3 checks
    # that a pooled connection is still open before it sends on it.
    return time.time()


def manager_key(kind: str, *settings: Any) -> Optional[Hashable]:
    """The key of a manager made with `settings`, or None when they cannot
    be compared (a value that is not hashable: no sharing)."""
    key = (kind, *settings)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def shareable_proxy(proxy: str, headers: dict[str, Any]) -> Optional[tuple[Any, ...]]:
    """The scheme, host and port of `proxy` when its manager may be kept:
    no credentials in its URL and no proxy `headers`; else None."""
    if headers:
        return None
    parsed = parse_url(proxy)
    if parsed.auth is not None:
        return None
    return (parsed.scheme, parsed.host, parsed.port)


def take(key: Hashable) -> Optional[WarmManager]:
    """The idle manager for `key` given back last, or None."""
    found = None
    with _lock:
        expired = _expire(_now())
        for index in range(len(_idle) - 1, -1, -1):
            if _idle[index].key == key:
                found = _idle.pop(index)
                break
    for old in expired:
        close_manager(old.manager)
    if found is not None:
        _close_changed(found)
    return found


def give_back(warm: WarmManager) -> None:
    """Keep `warm` for the next adapter with its settings, clearing the
    least recently given back past :data:`MAX_IDLE_MANAGERS`."""
    now = _now()
    warm.given_back = now
    with _lock:
        _idle.append(warm)
        evicted = _expire(now)
        while len(_idle) > MAX_IDLE_MANAGERS:
            evicted.append(_idle.pop(0))
    for old in evicted:
        close_manager(old.manager)


def _expire(now: float) -> list[WarmManager]:
    """Remove from the idle list (the caller holds the lock) the managers
    idle for longer than :data:`IDLE_TIMEOUT`; the caller clears them."""
    stale = [w for w in _idle if now - w.given_back > IDLE_TIMEOUT]
    if stale:
        _idle[:] = [w for w in _idle if now - w.given_back <= IDLE_TIMEOUT]
    return stale


def clear_idle() -> int:
    """Close every idle manager's connections; return how many managers."""
    with _lock:
        idle = _idle[:]
        _idle.clear()
    for old in idle:
        close_manager(old.manager)
    return len(idle)


def forget() -> None:
    """In a forked child: drop every idle manager without closing its
    connections (they are the parent's too), and the lock, which another
    thread of the parent may have held at the fork."""
    global _lock
    _lock = threading.Lock()
    _idle.clear()


def _identity(path: str) -> Optional[tuple[int, ...]]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


#: The fields of urllib3's pool keys that name a certificate or CA file.
_FILE_FIELDS = ("key_cert_file", "key_key_file", "key_ca_certs", "key_ca_cert_dir")


def note_files(warm: WarmManager, paths: Iterable[str]) -> None:
    """Remember the identity on disk of each of `paths` (certificate, key
    or CA files a request is about to be sent with) not seen before, for
    :func:`take` to tell when one has changed."""
    for path in paths:
        if path not in warm.files:
            if len(warm.files) >= _MAX_FILES:
                # Too many to tell: keep no connection made with any.
                close_manager(warm.manager)
                warm.files.clear()
            warm.files[path] = _identity(path)


def _close_changed(warm: WarmManager) -> None:
    """Close the pools of `warm` whose connections were made with a
    certificate, key or CA file that has changed on disk since (same path,
    other file: a renewed certificate, another user's proxy)."""
    changed = set()
    for path, identity in warm.files.items():
        now = _identity(path)
        if now != identity:
            changed.add(path)
            warm.files[path] = now
    if not changed:
        return
    close_pools_where(
        warm.manager,
        lambda key: any(getattr(key, name, None) in changed for name in _FILE_FIELDS),
    )
