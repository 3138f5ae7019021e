"""Bounded memories of answers that a session would otherwise work out
again for every request."""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["remember"]

_V = TypeVar("_V")


def remember(memory: dict[Any, Any], key: Any, value: _V, limit: int) -> _V:
    """Store `value` under `key` in `memory` and return it.

    A memory that holds `limit` entries is emptied first, so that a session
    asked about ever new URLs (a crawler) cannot grow it without bound; the
    common case, a few URLs asked about again and again, keeps its answers.
    """
    if len(memory) >= limit:
        memory.clear()
    memory[key] = value
    return value
