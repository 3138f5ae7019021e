"""Header dictionaries built without per-header Python work.

:class:`requests.structures.CaseInsensitiveDict` fills itself through
:meth:`collections.abc.MutableMapping.update`, one ``__setitem__`` per
header: requests builds every request's headers that way from the same
session headers, and every response's from urllib3's. Its contents are one
ordered dict, ``{lowered name: (name, value)}``; a copy of that dict made
once gives the same dictionary at C speed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from requests.structures import CaseInsensitiveDict

__all__ = ["case_insensitive", "header_store"]


def _store_layout_known() -> bool:
    """Whether :class:`~requests.structures.CaseInsensitiveDict` holds its
    contents as this module expects (requests 2.x); if a release changes
    that, everything here takes requests' own path."""
    probe = CaseInsensitiveDict([("X-A", "1")])
    store = vars(probe)
    return store == {"_store": OrderedDict([("x-a", ("X-A", "1"))])} and (
        type(store["_store"]) is OrderedDict
    )


_FAST = _store_layout_known()


def header_store(pairs: Iterable[tuple[str, Any]]) -> OrderedDict[str, Any]:
    """The contents of ``CaseInsensitiveDict(pairs)`` (names as native
    strings): a later pair replaces an earlier one of the same name, in its
    place. Keep it to build that dictionary again with :func:`case_insensitive`."""
    return OrderedDict([(name.lower(), (name, value)) for name, value in pairs])


def case_insensitive(store: OrderedDict[str, Any]) -> CaseInsensitiveDict:  # type: ignore[type-arg]
    """A new :class:`~requests.structures.CaseInsensitiveDict` that owns
    `store` (see :func:`header_store`; pass a copy to keep using it): what
    ``CaseInsensitiveDict(pairs)`` builds, without a ``__setitem__`` per
    header."""
    if not _FAST:
        return CaseInsensitiveDict(store.values())
    new = CaseInsensitiveDict.__new__(CaseInsensitiveDict)
    vars(new)["_store"] = store
    return new
