"""``python -m requests_gracedb_like``: see :mod:`requests_gracedb_like.cli`."""

from .cli import main

__all__: list[str] = []

if __name__ == "__main__":
    raise SystemExit(main())
