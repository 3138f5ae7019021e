"""Names a package exports but imports only when first asked for."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, homes: Mapping[str, str], exported: Iterable[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return a module ``__getattr__`` and ``__dir__`` for `package`.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    homes : mapping
        Each lazily exported name, and the submodule of `package` that
        defines it.
    exported : iterable of str
        The package's ``__all__``, listed by ``dir()`` with what the package
        already holds.

    Examples
    --------
    >>> import json.decoder
    >>> getattr_, dir_ = lazy_exports("json", {"JSONDecoder": "decoder"}, [])
    >>> getattr_("JSONDecoder") is json.decoder.JSONDecoder
    True
    """
    names = frozenset(exported)

    def getattr_(name: str) -> Any:
        try:
            module = homes[name]
        except KeyError:
            raise AttributeError(
                f"module {package!r} has no attribute {name!r}"
            ) from None
        return getattr(importlib.import_module(f".{module}", package), name)

    def dir_() -> list[str]:
        return sorted({*vars(importlib.import_module(package)), *names})

    return getattr_, dir_
