"""Locks of reloading credentials that a forked child does not inherit
held: :func:`fork_safe_lock`, and :class:`LockPickling` for the objects
that hold one.

A credential that re-reads its file holds a lock while it does. Were a
process to fork while another of its threads held that lock, the child
would inherit it held, by a thread that does not exist in the child, and
its first reload would wait forever. Each owner gets a fresh lock in the
child instead.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any

__all__ = ["LockPickling", "fork_safe_lock"]

# By id, not in a WeakSet: credentials compare by secret and are unhashable.
_OWNERS: dict[int, weakref.ref[Any]] = {}


def fork_safe_lock(owner: Any) -> threading.Lock:
    """A new lock for ``owner._lock``, replaced by a fresh one in a child
    process made by :func:`os.fork`."""
    key = id(owner)

    def forget(_: Any) -> None:
        _OWNERS.pop(key, None)

    _OWNERS[key] = weakref.ref(owner, forget)
    return threading.Lock()


class LockPickling:
    """A base for objects whose ``_lock`` comes from :func:`fork_safe_lock`:
    pickled without it (a lock cannot be pickled), given a new one when
    unpickled."""

    _lock: threading.Lock

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = fork_safe_lock(self)


def _renew_locks() -> None:
    for ref in list(_OWNERS.values()):
        owner = ref()
        if owner is not None:
            owner._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_renew_locks)
