"""Announce the calling package in ``User-Agent``:
:class:`SessionUserAgentMixin`."""

from __future__ import annotations

import functools
import os
import sys
from typing import Any, Optional

__all__ = ["SessionUserAgentMixin", "package_user_agent", "user_agent_for"]

_OURS = __name__.partition(".")[0]


@functools.cache
def package_user_agent(package: str) -> str:
    """Return ``<package>/<version>`` for a top-level package name.

    The version comes from the package's ``__version__``, else from the
    installed distribution's metadata; the name alone is used when neither
    is known.

    Examples
    --------
    >>> package_user_agent("requests_gracedb_like") == (
    ...     "requests_gracedb_like/" + __import__("requests_gracedb_like").__version__)
    True
    """
    version = _package_version(package)
    return f"{package}/{version}" if version else package


def _package_version(package: str) -> Optional[str]:
    version = getattr(sys.modules.get(package), "__version__", None)
    if isinstance(version, str):
        return version
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        pass
    for name in metadata.packages_distributions().get(package) or ():
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover
            continue
    return None


def _distribution_product(module: str) -> Optional[str]:
    """``<distribution>/<version>`` of the installed distribution that holds
    `module`, or None.

    A top-level name can be shared by several distributions (the ``ligo``
    namespace holds ligo-gracedb, ligo-segments...): the one whose files
    include the module's file is chosen.
    """
    from importlib import metadata

    top = module.partition(".")[0]
    candidates = metadata.packages_distributions().get(top) or []
    if not candidates:
        # Not mapped (metadata without RECORD or top_level.txt): the
        # distribution named like the top-level package.
        try:
            dist = metadata.distribution(top)
        except (metadata.PackageNotFoundError, ValueError):
            return None
        return f"{dist.metadata['Name'] or top}/{dist.version}"
    path = getattr(sys.modules.get(module), "__file__", None)
    for name in dict.fromkeys(candidates):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:  # pragma: no cover
            continue
        if len(candidates) > 1 and path is not None and not _holds(dist, path):
            continue
        return f"{dist.metadata['Name']}/{dist.version}"
    return None


def _holds(dist: Any, path: str) -> bool:
    target = os.path.realpath(path)
    return any(
        os.path.realpath(dist.locate_file(f)) == target for f in dist.files or ()
    )


@functools.lru_cache(maxsize=64)
def user_agent_for(module: str) -> str:
    """The ``User-Agent`` for a session class defined in `module`: a
    product chain, the embedding package first.

    ``<distribution>/<version>`` of the installed distribution holding
    `module` (else ``<package>/<__version__>`` of its top-level package),
    then ``requests_gracedb_like/<version>``. A module of this package, or
    one with no version to announce (``__main__``, a script), gives this
    package's product alone: a bare module name tells a service operator
    nothing.

    Examples
    --------
    >>> user_agent_for("__main__") == package_user_agent("requests_gracedb_like")
    True
    """
    ours = package_user_agent(_OURS)
    top = module.partition(".")[0]
    if top in (_OURS, "__main__"):
        return ours
    product = _distribution_product(module)
    if product is None:
        version = getattr(sys.modules.get(top), "__version__", None)
        product = f"{top}/{version}" if isinstance(version, str) else None
    return f"{product} {ours}" if product else ours


class SessionUserAgentMixin:
    """A mixin for :class:`requests.Session` that sets ``User-Agent`` to a
    product chain naming the embedding package and this one.

    Notes
    -----
    The embedding package is that of the session's class: a library that
    subclasses the session (``class Client(Session)`` in ``mysdk``) is
    announced as ``mysdk/<its version> requests_gracedb_like/<version>``
    (see :func:`~requests_gracedb_like.user_agent.user_agent_for`). A
    ``User-Agent`` given per request or set on ``session.headers``
    afterwards wins.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.headers["User-Agent"] = user_agent_for(type(self).__module__)  # type: ignore[attr-defined]
