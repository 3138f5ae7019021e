"""The credential cache: one file per issuer and client, holding the
access token, the refresh token, their expiry and scopes.

:class:`TokenCache` reads and writes it; :class:`Tokens` is what it holds.
The file lives in ``$XDG_CACHE_HOME/requests_gracedb_like/oidc/``
(``~/.cache/...`` by default), in a directory only its owner may enter; it
is created with mode 0600 and replaced atomically (written to a temporary
file, then renamed), so a reader sees the old tokens or the new ones,
never half of each. A file others may read, a cache that is not a regular
file (a symbolic link, a FIFO) or larger than 1 MiB, and a directory that
others may write to or that another user owns are refused, with a message
naming the path and the fix.

Processes sharing a cache take an exclusive lock (:meth:`TokenCache.lock`,
``flock`` on ``<file>.lock``) around a refresh, so that exactly one of
them spends the refresh token: providers that rotate refresh tokens revoke
the whole family when one is used twice. Before sending the refresh token
the process writes down that it did (:attr:`Tokens.refresh_sent_at`), and
clears the mark once the provider's answer is known: a mark left behind (an
answer that never arrived, a process killed mid-refresh) means the refresh
token may have been spent, and no process sends it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import stat
import time
from collections.abc import Iterator
from typing import Any, Optional

from ...exceptions import CredentialError
from .._frozen import Frozen
from ..files import read_credential_file

__all__ = ["TokenCache", "Tokens", "cache_dir", "write_bearer_token_file"]

_FORMAT = 1


def cache_dir() -> str:
    """The directory holding the caches (it need not exist)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    return os.path.join(base, "requests_gracedb_like", "oidc")


class Tokens(Frozen):
    """What a cache holds; ``repr`` shows no token.

    Attributes
    ----------
    issuer, client_id : str
        Whose tokens they are.
    access_token : str
        The access token sent to services.
    refresh_token : str or None
        The refresh token, if the provider gave one.
    expires_at : float or None
        When the access token expires (POSIX time, this machine's clock:
        obtained time plus the provider's ``expires_in``).
    obtained_at : float
        When the access token was obtained.
    scope : str
        The scopes granted, space separated.
    token_endpoint, revocation_endpoint : str or None
        From the provider's metadata, so refreshing needs no discovery.
    bearer_token_file : str or None
        Where the access token is also written at each refresh
        (``login --bearer-token-file``), if anywhere.
    client_secret : str or None
        The secret of a confidential client, needed to refresh.
    refresh_sent_at : float or None
        When the refresh token was sent to the provider by a refresh whose
        answer is not known (in flight, lost, or its process killed), or
        None. Set, the refresh token may have been spent: it is not sent
        again.
    """

    _fields = (
        "issuer",
        "client_id",
        "access_token",
        "refresh_token",
        "expires_at",
        "obtained_at",
        "scope",
        "token_endpoint",
        "revocation_endpoint",
        "bearer_token_file",
        "client_secret",
        "refresh_sent_at",
    )
    _hidden = frozenset({"access_token", "refresh_token", "client_secret"})

    issuer: str
    client_id: str
    access_token: str
    refresh_token: Optional[str]
    expires_at: Optional[float]
    obtained_at: float
    scope: str
    token_endpoint: Optional[str]
    revocation_endpoint: Optional[str]
    bearer_token_file: Optional[str]
    client_secret: Optional[str]
    refresh_sent_at: Optional[float]

    def __init__(
        self,
        issuer: str,
        client_id: str,
        access_token: str,
        refresh_token: Optional[str] = None,
        expires_at: Optional[float] = None,
        obtained_at: Optional[float] = None,
        scope: str = "",
        token_endpoint: Optional[str] = None,
        revocation_endpoint: Optional[str] = None,
        bearer_token_file: Optional[str] = None,
        client_secret: Optional[str] = None,
        refresh_sent_at: Optional[float] = None,
    ) -> None:
        self._set(
            issuer=issuer,
            client_id=client_id,
            access_token=access_token,
            refresh_token=refresh_token,
            expires_at=None if expires_at is None else float(expires_at),
            obtained_at=time.time() if obtained_at is None else float(obtained_at),
            scope=scope,
            token_endpoint=token_endpoint,
            revocation_endpoint=revocation_endpoint,
            bearer_token_file=bearer_token_file,
            client_secret=client_secret,
            refresh_sent_at=(
                None if refresh_sent_at is None else float(refresh_sent_at)
            ),
        )

    def expired(self, now: Optional[float] = None) -> bool:
        """Whether the access token has expired."""
        now = time.time() if now is None else now
        return self.expires_at is not None and now >= self.expires_at

    def to_dict(self) -> dict[str, Any]:
        """Everything, secrets included: what the file holds."""
        data = {name: getattr(self, name) for name in self._fields}
        data["format"] = _FORMAT
        return data

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Tokens:
        """Read back :meth:`to_dict`; CredentialError naming `where` if
        it is not a cache."""
        try:
            if data.get("format") != _FORMAT:
                raise TypeError("unknown format")
            fields = {name: data.get(name) for name in cls._fields}
            for name in ("issuer", "client_id", "access_token"):
                if not isinstance(fields[name], str) or not fields[name]:
                    raise TypeError(name)
            for name in _TEXT:
                if fields[name] is not None and not isinstance(fields[name], str):
                    raise TypeError(name)
            for name in _TIMES:
                value = fields[name]
                if value is None:
                    continue
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise TypeError(name)
                if not math.isfinite(value):
                    raise ValueError(name)
            fields["scope"] = fields["scope"] or ""
            return cls(**fields)
        except (AttributeError, TypeError, ValueError):
            raise CredentialError(
                f"OIDC token cache {where!r} is malformed; log in again"
            ) from None


#: Fields that are text or null, and times (POSIX seconds) or null.
_TEXT = (
    "refresh_token",
    "scope",
    "token_endpoint",
    "revocation_endpoint",
    "bearer_token_file",
    "client_secret",
)
_TIMES = ("expires_at", "obtained_at", "refresh_sent_at")


class TokenCache:
    """The cache file of one issuer and client.

    Parameters
    ----------
    issuer, client_id : str
        Whose tokens. The file name is a digest of both.
    directory : str, optional
        Where the file lives; :func:`cache_dir` by default.
    """

    def __init__(
        self, issuer: str, client_id: str, *, directory: Optional[str] = None
    ) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.directory = directory or cache_dir()
        digest = hashlib.sha256(f"{issuer}\n{client_id}".encode()).hexdigest()[:24]
        self.path = os.path.join(self.directory, f"{digest}.json")

    def __repr__(self) -> str:
        return f"<TokenCache {self.path} for {self.client_id} at {self.issuer}>"

    def key(self) -> Optional[tuple[int, int, int]]:
        """Identity of the file's current version (inode, size, mtime), or
        None when there is no file: cheap to compare before reading."""
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def read(self) -> Optional[Tokens]:
        """The cached tokens, or None when there is no cache.

        Raises
        ------
        CredentialError
            If others may read the file or write to its directory, or it is
            not a cache (a symbolic link, a FIFO, a huge file, not JSON, a
            field of the wrong type); the message names the file, never its
            content.
        """
        self._check_directory()
        try:
            if stat.S_ISLNK(os.lstat(self.path).st_mode):
                raise CredentialError(
                    f"OIDC token cache {self.path!r} is a symbolic link; the "
                    "cache is a regular file written by requests-gracedb-like: "
                    "remove the link and log in again"
                )
            raw = read_credential_file(
                self.path, what="OIDC token cache", refuse_shared=True
            )
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CredentialError(
                f"OIDC token cache {self.path!r}: {exc.strerror}"
            ) from None
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        return Tokens.from_dict(data, self.path)

    def write(self, tokens: Tokens) -> None:
        """Replace the file with `tokens`, atomically, mode 0600."""
        import tempfile

        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        self._check_directory()
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tokens-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(tokens.to_dict(), f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        if tokens.bearer_token_file:
            write_bearer_token_file(tokens.bearer_token_file, tokens.access_token)

    def _check_directory(self) -> None:
        """Refuse a directory that another user owns or may write to: they
        could replace the cache with tokens of their own."""
        try:
            st = os.stat(self.directory)
        except FileNotFoundError:
            return
        fix = f"chmod 700 {self.directory}"
        if st.st_uid != os.geteuid():
            problem = f"is owned by another user (uid {st.st_uid})"
            fix = "remove it, or set XDG_CACHE_HOME to a directory of yours"
        elif st.st_mode & 0o022:
            problem = f"may be written by others (mode {stat.S_IMODE(st.st_mode):o})"
        else:
            return
        raise CredentialError(
            f"OIDC token cache directory {self.directory!r} {problem}: refused; {fix}"
        )

    def remove(self) -> bool:
        """Delete the file; whether there was one.

        The lock file stays: removing it while another process waits on it
        would let a third lock a new file, and both refresh.
        """
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            return False
        return True

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold an exclusive lock shared by every process using this cache."""
        import fcntl

        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        self._check_directory()
        # O_NOFOLLOW: a link planted in place of the lock file creates
        # nothing elsewhere; O_NONBLOCK: a FIFO there does not hang.
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(self.path + ".lock", flags | os.O_NONBLOCK, 0o600)
        except OSError as exc:
            raise CredentialError(
                f"OIDC token cache lock {self.path + '.lock'!r}: "
                f"{exc.strerror}; remove it"
            ) from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise CredentialError(
                f"OIDC token cache lock {self.path + '.lock'!r} is not a "
                "regular file; remove it"
            )
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock


def write_bearer_token_file(path: str, token: str) -> None:
    """Write `token` to `path` (mode 0600, atomically), where WLCG
    bearer-token discovery looks (``$XDG_RUNTIME_DIR/bt_u<uid>``), as
    htgettoken does."""
    import tempfile

    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".bt-")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(token + "\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
