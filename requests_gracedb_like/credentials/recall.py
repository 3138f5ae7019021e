"""Recalling a discovery walk: what each source looked at, so that the next
walk with the same arguments can reuse its answers while they still hold.

Most sources find nothing, and they find nothing for reasons that depend
only on a few environment variables and on whether a few files exist:
``BEARER_TOKEN`` is not set, ``/tmp/x509up_u1000`` does not exist. A source
reads the environment and checks for files through :func:`getenv`,
:func:`exists` and :func:`home`, which note what they saw while a walk is
being recorded, and calls :func:`looked_inside` before it reads a file's
contents, lists a directory or warns: from then on its answer depends on
more than was noted and cannot be reused.

A :class:`Recollection` holds, for one walk, the reusable attempts and what
they depended on. :func:`~requests_gracedb_like.credentials.discovery.discover`
reuses it when every noted variable has the same value and every noted file
still exists or still does not, and asks again every source that found a
credential (each session gets credential objects of its own, and a token's
expiry and claims are checked again). Anything else (a source that looked
inside a file and found nothing usable, debug logging, a secret among the
arguments) is walked afresh every time.
"""

from __future__ import annotations

import functools
import os
from contextvars import ContextVar
from typing import Any, Optional, Union

from .._http.memo import remember
from .records import Attempt

__all__ = [
    "ASK_AGAIN",
    "MAX_WALKS",
    "Notes",
    "Recollection",
    "exists",
    "forget",
    "getenv",
    "home",
    "looked_inside",
    "noting",
    "recall",
    "remember_walk",
    "stop_noting",
    "walk_key",
]

#: How many walks (argument sets) are remembered.
MAX_WALKS = 16
_WALKS: dict[Any, Recollection] = {}

#: A source to ask again (it found a credential) rather than an attempt to
#: reuse.
ASK_AGAIN = None


class Notes:
    """What one source looked at while it was asked: variables and their
    values, paths and whether they existed, and whether it looked further
    (``reusable`` is then False)."""

    __slots__ = ("paths", "reusable", "variables")

    def __init__(self) -> None:
        self.variables: dict[str, Optional[str]] = {}
        self.paths: dict[str, bool] = {}
        self.reusable = True


_NOTES: ContextVar[Optional[Notes]] = ContextVar("_NOTES", default=None)


def getenv(name: str) -> Optional[str]:
    """``os.environ.get(name)``, noted."""
    value = os.environ.get(name)
    notes = _NOTES.get()
    if notes is not None:
        notes.variables[name] = value
    return value


def _exists_by_stat(path: str) -> bool:
    return os.path.exists(path)


def _exists_by_access(path: str) -> bool:
    try:
        return os.access(path, os.F_OK, effective_ids=True)
    except ValueError:  # a NUL in the path, as os.path.exists says
        return False


# Whether a path exists, as os.path.exists says (both follow links, and
# both need search permission, by the effective ids, on the directories
# above), without the exception os.stat raises and os.path.exists catches
# for a missing file: most paths discovery looks at do not exist.
_exists = (
    _exists_by_access if os.access in os.supports_effective_ids else _exists_by_stat
)


def exists(path: str) -> bool:
    """``os.path.exists(path)``, noted."""
    found = _exists(path)
    notes = _NOTES.get()
    if notes is not None:
        notes.paths[path] = found
    return found


def home() -> str:
    """The user's home directory (``os.path.expanduser("~")``), noted by
    the ``HOME`` variable it comes from."""
    getenv("HOME")
    return os.path.expanduser("~")


def looked_inside() -> None:
    """Say that the source being asked reads more than variables and
    whether files exist (a file's contents, a directory's listing) or
    warns: its answer is not reused."""
    notes = _NOTES.get()
    if notes is not None:
        notes.reusable = False


def noting(notes: Optional[Notes]) -> Any:
    """Start noting into `notes` (None: stop); returns the token that
    :func:`stop_noting` takes."""
    return _NOTES.set(notes)


def stop_noting(token: Any) -> None:
    """Restore what was noted into before :func:`noting`."""
    _NOTES.reset(token)


class Recollection:
    """One remembered walk: per source, the attempt to reuse or
    :data:`ASK_AGAIN`, and every variable and path those attempts
    depended on."""

    __slots__ = ("_encoded", "again", "paths", "plan", "sources", "variables")

    def __init__(
        self,
        sources: Any,
        plan: tuple[Union[Attempt, None], ...],
        variables: dict[str, Optional[str]],
        paths: dict[str, bool],
    ) -> None:
        # Held, so that the id()s in the walk's key stay these sources'.
        self.sources = tuple(sources)
        self.plan = plan
        #: Where the plan says :data:`ASK_AGAIN`.
        self.again = tuple(i for i, a in enumerate(plan) if a is ASK_AGAIN)
        self.variables = variables
        self.paths = paths
        self._encoded: Optional[tuple[Any, tuple[tuple[Any, Any], ...]]] = None

    def holds(self) -> bool:
        """Whether every variable and path is as it was."""
        if not self._same_variables():
            return False
        for path, found in self.paths.items():  # noqa: SIM110 - no generator
            if _exists(path) is not found:
                return False
        return True

    def _same_variables(self) -> bool:
        environ = os.environ
        raw = _raw_environ(environ)
        if raw is None:
            return all(environ.get(k) == v for k, v in self.variables.items())
        # os.environ keeps the variables in a dict of encoded names and
        # values: compared there, each costs a dict lookup, not the
        # mapping's encoding and decoding (a missing variable raises and
        # catches a KeyError inside os.environ.get).
        data, encodekey, encodevalue = raw
        encoded = self._encoded
        if encoded is None or encoded[0] is not encodekey:
            pairs = tuple(
                (encodekey(k), None if v is None else encodevalue(v))
                for k, v in self.variables.items()
            )
            encoded = self._encoded = (encodekey, pairs)
        get = data.get
        for name, value in encoded[1]:  # noqa: SIM110 - no generator
            if get(name) != value:
                return False
        return True


def _raw_environ(environ: Any) -> Optional[tuple[dict[Any, Any], Any, Any]]:
    """The dict behind `environ` (``os.environ``) with its key and value
    encoders, or None when it is not the standard mapping (a test may put
    a plain dict in its place)."""
    data = getattr(environ, "_data", None)
    encodekey = getattr(environ, "encodekey", None)
    encodevalue = getattr(environ, "encodevalue", None)
    if type(data) is dict and encodekey is not None and encodevalue is not None:
        return data, encodekey, encodevalue
    return None


def walk_key(request: Any, sources: Any) -> Optional[tuple[Any, ...]]:
    """What a walk's answers depend on besides the environment and the
    files: the arguments, the sources and the user; None when the walk
    must not be remembered (a secret among the arguments, arguments that
    cannot be compared)."""
    arguments = request.arguments
    if arguments is None:
        return None
    # A module-level setting of the sources (where /tmp files are looked
    # for) is part of what they depend on.
    return (arguments, _ids(sources), os.geteuid(), _sources().TMP_DIR)


@functools.cache
def _sources() -> Any:
    # Imported when first asked: the sources module imports this one.
    from . import sources

    return sources


#: The ids of the sources of recent walks given as tuples, by the tuple's
#: id, with the tuple held (so that no other object takes its id).
_SOURCE_IDS: dict[int, tuple[Any, tuple[int, ...]]] = {}


def _ids(sources: Any) -> tuple[int, ...]:
    """The sources by identity: the remembered walk holds them, so no
    other source can take one's id() while it is remembered. A tuple of
    sources cannot change, and its ids are worked out once; a list may
    have changed in place, and is looked at again."""
    if type(sources) is not tuple:
        return tuple(map(id, sources))
    found = _SOURCE_IDS.get(id(sources))
    if found is None or found[0] is not sources:
        found = remember(
            _SOURCE_IDS, id(sources), (sources, tuple(map(id, sources))), MAX_WALKS
        )
    return found[1]


def recall(key: tuple[Any, ...]) -> Optional[Recollection]:
    """The walk remembered under `key`, if its answers still hold."""
    found = _WALKS.get(key)
    if found is None or not found.holds():
        return None
    return found


def remember_walk(
    key: tuple[Any, ...],
    sources: Any,
    plan: list[Union[Attempt, None]],
    notes: list[Notes],
) -> None:
    """Remember a walk whose every reused attempt has reusable notes."""
    variables: dict[str, Optional[str]] = {}
    paths: dict[str, bool] = {}
    for attempt, noted in zip(plan, notes):
        if attempt is ASK_AGAIN:
            continue
        if not noted.reusable:
            return
        variables.update(noted.variables)
        paths.update(noted.paths)
    walk = Recollection(sources, tuple(plan), variables, paths)
    remember(_WALKS, key, walk, MAX_WALKS)


def forget() -> None:
    """Forget every remembered walk."""
    _WALKS.clear()
