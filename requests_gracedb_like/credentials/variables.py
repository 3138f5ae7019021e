"""The environment variables that name a credential file or directory, and
what is wrong with the path one names: :func:`variable_problems`.

Discovery skips such a variable with its reason (``auth`` lists it); a
variable set by the user is a clear intent, so the command line also warns
about it on every command.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from typing import Optional

from .._http.redact import printable

__all__ = ["DIRECTORY_VARIABLES", "FILE_VARIABLES", "variable_problems"]

#: Variables that name a credential file.
FILE_VARIABLES = (
    "BEARER_TOKEN_FILE",
    "SCITOKEN_FILE",
    "X509_USER_PROXY",
    "X509_USER_CERT",
    "X509_USER_KEY",
    "NETRC",
)

#: Variables that name a directory of credential files.
DIRECTORY_VARIABLES = ("_CONDOR_CREDS",)


def _problem(path: str, directory: bool) -> Optional[str]:
    """What is wrong with `path` for a variable naming a file (or a
    directory), or None."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "does not exist"
    except OSError as exc:
        return f"cannot be looked at ({exc.strerror or type(exc).__name__})"
    if directory:
        return None if stat.S_ISDIR(mode) else "is not a directory"
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    if not os.access(path, os.R_OK):
        return "cannot be read by you"
    return None


def variable_problems(environ: Optional[Mapping[str, str]] = None) -> list[str]:
    """One sentence per credential variable naming a missing or unusable
    path: the variable, the path, what is wrong and what to do.

    Parameters
    ----------
    environ : mapping, optional
        The environment (default :data:`os.environ`).

    Examples
    --------
    >>> variable_problems({"BEARER_TOKEN_FILE": "/nonexistent/token"})
    ["BEARER_TOKEN_FILE names '/nonexistent/token', which does not exist: \
correct the path, or unset BEARER_TOKEN_FILE"]
    """
    environ = os.environ if environ is None else environ
    found = []
    for names, directory in ((FILE_VARIABLES, False), (DIRECTORY_VARIABLES, True)):
        for name in names:
            path = environ.get(name)
            if not path:
                continue
            problem = _problem(path, directory)
            if problem is not None:
                found.append(
                    f"{name} names {printable(repr(path))}, which {problem}: "
                    f"correct the path, or unset {name}"
                )
    return found
