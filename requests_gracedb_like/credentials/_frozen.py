"""A base for small immutable value classes.

Plain classes rather than :mod:`dataclasses`: importing ``dataclasses``
pulls in ``inspect``, ``ast`` and ``dis`` and each decorated class costs
about a millisecond more, all on every ``import requests_gracedb_like``.
"""

from __future__ import annotations

from typing import Any

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
        return tuple(
            self.__dict__[name] for name in self._fields if name not in self._uncompared
        )

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
        return new
