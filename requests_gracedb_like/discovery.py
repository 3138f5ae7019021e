"""Credential discovery: an ordered list of sources, the first to yield wins.

:data:`SOURCES` is the discovery order, in one place. Each source is a small
function that looks at one place (an argument, an environment variable, a
file) and returns a :class:`Attempt` saying whether it found a credential
and, if not, why. :func:`discover` walks the list and records every attempt,
so a session can say which credential it uses and why the others were not
used, without ever showing a secret.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Callable, Optional, Union
from urllib.parse import urlsplit

from requests.auth import AuthBase

from .basic import BasicAuth
from .bearer import BearerTokenAuth, ReloadingTokenFileAuth, TokenFileAuth
from .exceptions import CredentialWarning, NoCredentialsError
from .noauth import NoAuth

__all__ = [
    "SOURCES",
    "Attempt",
    "Discovery",
    "Request",
    "discover",
]

log = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]

#: The last place WLCG bearer-token discovery looks. Tests point it
#: elsewhere, in-process and, through ``REQUESTS_GRACEDB_LIKE_TMP_DIR``, in
#: the subprocesses they start.
TMP_DIR = os.environ.get("REQUESTS_GRACEDB_LIKE_TMP_DIR") or "/tmp"  # noqa: S108


@dataclass(frozen=True)
class Request:
    """What the caller asked for: the arguments discovery reads."""

    url: Optional[str] = None
    token: Optional[PathLike] = None
    username: Optional[str] = None
    password: Optional[str] = field(default=None, repr=False)
    force_noauth: bool = False
    auth_reload: bool = False
    auth_reload_timeout: float = 300


@dataclass(frozen=True)
class Attempt:
    """One credential source, as discovery found it.

    Attributes
    ----------
    source : str
        The source's name, for example ``"BEARER_TOKEN_FILE"``.
    location : str or None
        The file or variable looked at, when there is one.
    found : bool
        Whether this source yielded the credential in use.
    reason : str
        Why it was used or skipped, in a few words; never a secret.
    """

    source: str
    location: Optional[str]
    found: bool
    reason: str
    auth: Optional[AuthBase] = field(default=None, repr=False, compare=False)

    def describe(self) -> str:
        """One line: the source, its location and what happened."""
        where = f" ({self.location})" if self.location else ""
        return f"{self.source}{where}: {self.reason}"


@dataclass(frozen=True)
class Discovery:
    """The outcome of :func:`discover`.

    Attributes
    ----------
    auth : requests.auth.AuthBase
        The credential to use; :class:`~requests_gracedb_like.noauth.NoAuth`
        when none was found or ``force_noauth`` was given.
    attempts : tuple of Attempt
        Every source looked at, in order; the last one is the winner when a
        credential was found.
    """

    auth: AuthBase
    attempts: tuple[Attempt, ...]

    @property
    def winner(self) -> Optional[Attempt]:
        """The attempt that yielded the credential, or None."""
        for attempt in self.attempts:
            if attempt.found:
                return attempt
        return None

    @property
    def source(self) -> Optional[str]:
        """Which source won, with its location, or None if none did."""
        winner = self.winner
        if winner is None:
            return None
        if winner.location:
            return f"{winner.source} ({winner.location})"
        return winner.source


Source = Callable[[Request], Attempt]


def _absent(source: str, location: Optional[str], reason: str) -> Attempt:
    return Attempt(source, location, False, reason)


def _token_file_auth(path: PathLike, request: Request) -> AuthBase:
    if request.auth_reload:
        return ReloadingTokenFileAuth(path, request.auth_reload_timeout)
    return TokenFileAuth(path)


def _readable_token_file(source: str, path: str, request: Request) -> Attempt:
    """A token file counts only if it exists and is readable."""
    if not os.path.exists(path):
        return _absent(source, path, "no such file")
    if not os.access(path, os.R_OK):
        return _absent(source, path, "file is not readable")
    auth = _token_file_auth(path, request)
    return Attempt(source, path, True, "bearer token file", auth)


def force_noauth(request: Request) -> Attempt:
    """1. ``force_noauth=True``: send nothing at all."""
    if request.force_noauth:
        return Attempt("force_noauth", None, True, "no credential by request", NoAuth())
    return _absent("force_noauth", None, "not set")


def token_argument(request: Request) -> Attempt:
    """2. ``token=``: a bearer-token file named by the caller.

    Errors reading it are raised, not skipped: the caller asked for it.
    """
    if request.token is None:
        return _absent("token argument", None, "not given")
    path = os.fspath(request.token)
    auth = _token_file_auth(path, request)
    return Attempt("token argument", path, True, "bearer token file", auth)


def basic_arguments(request: Request) -> Attempt:
    """3. ``username=`` and ``password=``: HTTP basic auth."""
    if request.username is None:
        return _absent("username/password arguments", None, "not given")
    auth = BasicAuth(request.username, request.password)
    return Attempt("username/password arguments", None, True, "HTTP basic auth", auth)


def bearer_token_env(request: Request) -> Attempt:
    """4a. ``BEARER_TOKEN``: the token itself, in the environment."""
    value = os.environ.get("BEARER_TOKEN")
    if value is None or not value.strip():
        return _absent("BEARER_TOKEN", None, "not set")
    auth = BearerTokenAuth(value, source="the BEARER_TOKEN environment variable")
    return Attempt("BEARER_TOKEN", None, True, "bearer token in the environment", auth)


def bearer_token_file_env(request: Request) -> Attempt:
    """4b. ``BEARER_TOKEN_FILE``: the path of a token file."""
    path = os.environ.get("BEARER_TOKEN_FILE")
    if not path:
        return _absent("BEARER_TOKEN_FILE", None, "not set")
    return _readable_token_file("BEARER_TOKEN_FILE", path, request)


def xdg_runtime_dir(request: Request) -> Attempt:
    """4c. ``$XDG_RUNTIME_DIR/bt_u<euid>``."""
    directory = os.environ.get("XDG_RUNTIME_DIR")
    if not directory:
        return _absent("XDG_RUNTIME_DIR", None, "XDG_RUNTIME_DIR not set")
    path = os.path.join(directory, f"bt_u{os.geteuid()}")
    return _readable_token_file("XDG_RUNTIME_DIR", path, request)


def tmp_dir(request: Request) -> Attempt:
    """4d. ``/tmp/bt_u<euid>``."""
    path = os.path.join(TMP_DIR, f"bt_u{os.geteuid()}")
    return _readable_token_file("/tmp", path, request)  # noqa: S108


def netrc(request: Request) -> Attempt:
    """5. netrc (``$NETRC``, else ``~/.netrc``) through safe-netrc.

    Only a ``machine`` entry for the URL's host name is used; a ``default``
    entry would hand the password to any host and is ignored.
    """
    path = os.environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if request.url is None:
        return _absent("netrc", path, "no url given to match a host")
    host = urlsplit(request.url).hostname
    if not host:
        return _absent("netrc", path, "url has no host name")
    if not os.path.exists(path):
        return _absent("netrc", path, "no such file")

    from safe_netrc import NetrcParseError
    from safe_netrc import netrc as safe_netrc

    try:
        parsed = safe_netrc(path)
    except (NetrcParseError, OSError, UnicodeDecodeError) as exc:
        reason = f"skipped: {_netrc_problem(exc)}"
        warnings.warn(f"netrc file {path!r} {reason}", CredentialWarning, stacklevel=2)
        return _absent("netrc", path, reason)
    entry = parsed.hosts.get(host)
    if entry is None:
        return _absent("netrc", path, f"no machine entry for {host}")
    login, _, password = entry
    auth = BasicAuth(login or "", password or "")
    return Attempt("netrc", path, True, f"HTTP basic auth for {host}", auth)


def _netrc_problem(exc: Exception) -> str:
    """Say what is wrong with a netrc file without quoting it: the standard
    parser puts the offending token, which may be a password, in its
    message."""
    msg = getattr(exc, "msg", "") or ""
    if "permissive" in msg or "owner" in msg:
        return msg.replace("~/.netrc ", "")
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    if isinstance(exc, UnicodeDecodeError):
        return "not valid text"
    lineno = getattr(exc, "lineno", None)
    return f"malformed at line {lineno}" if lineno else "malformed"


#: The discovery order. The first source whose attempt is ``found`` wins.
SOURCES: tuple[Source, ...] = (
    force_noauth,
    token_argument,
    basic_arguments,
    bearer_token_env,
    bearer_token_file_env,
    xdg_runtime_dir,
    tmp_dir,
    netrc,
)


def discover(
    request: Request,
    *,
    fail_if_noauth: bool = False,
    sources: Sequence[Source] = SOURCES,
) -> Discovery:
    """Walk `sources` in order and return the first credential found.

    Parameters
    ----------
    request : Request
        The caller's arguments.
    fail_if_noauth : bool, default=False
        Raise :class:`~requests_gracedb_like.exceptions.NoCredentialsError`
        when no source yields a credential.
    sources : sequence of callables
        The discovery order; :data:`SOURCES` by default.

    Returns
    -------
    Discovery
        The credential (``NoAuth`` when none) and every attempt made.
    """
    attempts = []
    for source in sources:
        attempt = source(request)
        attempts.append(attempt)
        log.debug("credential source %s", attempt.describe())
        if attempt.found:
            assert attempt.auth is not None
            return Discovery(attempt.auth, tuple(attempts))
    if fail_if_noauth:
        looked = "; ".join(a.describe() for a in attempts if a.source != "force_noauth")
        raise NoCredentialsError(f"no authentication credentials found: {looked}")
    return Discovery(NoAuth(), tuple(attempts))
