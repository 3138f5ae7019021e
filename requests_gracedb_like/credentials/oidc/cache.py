"""The credential cache: one file per issuer and client, holding the
access token, the refresh token, their expiry and scopes.

:class:`TokenCache` reads and writes it; :class:`Tokens` is what it holds.
The file lives in ``$XDG_CACHE_HOME/requests_gracedb_like/oidc/``
(``~/.cache/...`` by default), in a directory only its owner may enter; it
is created with mode 0600 and replaced atomically (written to a temporary
file, then renamed), so a reader sees the old tokens or the new ones,
never half of each. A file others may read is refused.

Processes sharing a cache take an exclusive lock (:meth:`TokenCache.lock`,
``flock`` on ``<file>.lock``) around a refresh, so that exactly one of
them spends the refresh token: providers that rotate refresh tokens revoke
the whole family when one is used twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
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
            fields["scope"] = fields["scope"] or ""
            return cls(**fields)
        except (AttributeError, TypeError, ValueError):
            raise CredentialError(
                f"OIDC token cache {where!r} is malformed; log in again"
            ) from None


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
            If others may read the file, or it is not a cache; the
            message names the file, never its content.
        """
        try:
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
        fd = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
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
