"""A base for small immutable value classes.

Plain classes rather than :mod:`dataclasses`: importing ``dataclasses``
pulls in ``inspect``, ``ast`` and ``dis`` and each decorated class costs
about a millisecond more, all on every ``import requests_gracedb_like``.
"""

from __future__ import annotations

import functools
from typing import Any, Optional

__all__ = ["Frozen"]


class Frozen:
    """Attributes set once in ``__init__`` (through :meth:`_set`), then
    read-only, compared field by field, shown in ``repr`` except the
    ``_hidden`` ones (credentials, secrets).

    Subclasses list their attributes in ``_fields``, in order; those in
    ``_uncompared`` take no part in ``==`` and ``hash()``.
    """

    _fields: tuple[str, ...] = ()
    _hidden: frozenset[str] = frozenset()
    _uncompared: frozenset[str] = frozenset()

    def _set(self, **values: Any) -> None:
        # Writes the instance dictionary directly, as pickle and copy do.
        self.__dict__.update(values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def _key(self) -> tuple[Any, ...]:
        # Worked out once: the fields never change.
        values = self.__dict__
        key: Optional[tuple[Any, ...]] = values.get("_frozen_key")
        if key is None:
            # Every field is set in the instance dictionary by _set().
            cls: type = type(self)  # typed plainly: mypy finds type[Frozen] unhashable
            key = tuple(values[name] for name in _compared(cls))
            values["_frozen_key"] = key
        return key

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in self._fields
            if name not in self._hidden
        )
        return f"{type(self).__name__}({shown})"

    def _replace(self, **changes: Any) -> Any:
        """A copy with `changes` applied, without running ``__init__``."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        new.__dict__.pop("_frozen_key", None)
        return new


@functools.cache
def _compared(cls: type) -> tuple[str, ...]:
    """The fields of `cls` that take part in ``==`` and ``hash()``."""
    fields: tuple[str, ...] = cls._fields  # type: ignore[attr-defined]
    uncompared: frozenset[str] = cls._uncompared  # type: ignore[attr-defined]
    return tuple(name for name in fields if name not in uncompared)
