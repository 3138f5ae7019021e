"""Announce the calling package in ``User-Agent``:
:class:`SessionUserAgentMixin`."""

from __future__ import annotations

import functools
import sys
from typing import Any

__all__ = ["SessionUserAgentMixin", "package_user_agent"]


@functools.cache
def package_user_agent(package: str) -> str:
    """Return ``<package>/<version>`` for a top-level package name.

    The version comes from the installed distribution's metadata, else from
    the package's ``__version__``; the name alone is used when neither is
    known.

    Examples
    --------
    >>> package_user_agent("requests_gracedb_like") == (
    ...     "requests_gracedb_like/" + __import__("requests_gracedb_like").__version__)
    True
    """
    module = sys.modules.get(package)
    version = getattr(module, "__version__", None)
    if not isinstance(version, str):
        from importlib import metadata

        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            names = metadata.packages_distributions().get(package) or ()
            for name in names:
                try:
                    version = metadata.version(name)
                    break
                except metadata.PackageNotFoundError:  # pragma: no cover
                    continue
    return f"{package}/{version}" if version else package


class SessionUserAgentMixin:
    """A mixin for :class:`requests.Session` that sets ``User-Agent`` to
    ``<package>/<version>``.

    Notes
    -----
    The package is the top-level package of the session's class, so a library
    that subclasses the session (``class Client(Session)`` in ``mysdk``) is
    announced as ``mysdk/<its version>``. A ``User-Agent`` given per request
    or set on ``session.headers`` afterwards wins.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        package = type(self).__module__.partition(".")[0]
        self.headers["User-Agent"] = package_user_agent(package)  # type: ignore[attr-defined]
