"""Bearer-token authentication: a token given as text, read from a file, or
re-read from a file before it expires.

Every class here is a :class:`requests.auth.AuthBase`: assign one to
``session.auth`` or pass it as ``auth=`` to a single request. Each is also
a :class:`~requests_gracedb_like.credentials.header.HeaderCredential`, the
face that other clients (:mod:`requests_gracedb_like.httpx`) use. None of
them shows the token in its ``repr`` or ``str``.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Mapping
from typing import Any, Optional

from requests.auth import AuthBase
from requests.models import PreparedRequest

from .._http.replay import body_position, replay_on_401
from .._typing import PathLike
from ..exceptions import CredentialError, HalfWrittenTokenError
from ._locks import fork_safe_lock
from .files import read_credential_file
from .header import HeaderCredential
from .jwt import decode_claims, expiry_of, payload_incomplete, signature_complete

__all__ = [
    "BearerTokenAuth",
    "ReloadingTokenFileAuth",
    "TokenFileAuth",
    "authorization",
    "read_token_file",
    "validate_token",
]

log = logging.getLogger(__name__)


def validate_token(text: str, source: str, *, what: str = "bearer token") -> str:
    """Strip a token and check that it can be sent in a header.

    Parameters
    ----------
    text : str
        The raw token text.
    source : str
        Where it came from (a file path or a variable name), for the message.
    what : str, default="bearer token"
        What the text is, for the message.

    Returns
    -------
    str
        The token with surrounding white space removed.

    Raises
    ------
    CredentialError
        If the token is empty or holds control or non-ASCII characters. The
        message names `source`, never the token.
    """
    if not isinstance(text, str):
        raise TypeError(
            f"{what} from {source} must be a str, not {type(text).__name__}"
        )
    token = text.strip()
    if not token:
        raise CredentialError(f"{what} from {source} is empty")
    if not token.isascii() or not token.isprintable() or " " in token:
        raise CredentialError(
            f"{what} from {source} contains white space, control or "
            "non-ASCII characters and cannot be sent in a header"
        )
    return token


def read_token_file(path: PathLike) -> str:
    """Read and validate a bearer-token file.

    Parameters
    ----------
    path : str or os.PathLike
        The token file.

    Returns
    -------
    str
        The stripped token.

    Raises
    ------
    OSError
        If the file cannot be read (``FileNotFoundError``,
        ``PermissionError``...), naming the file.
    CredentialError
        If the file is not a regular file or is too large
        (:class:`~requests_gracedb_like.exceptions.CredentialFileError`,
        also an :class:`OSError`), is not UTF-8 text, is empty, holds
        characters that cannot be sent in a header; the message names the
        file, never its content.
    HalfWrittenTokenError
        If the file holds a signed token that looks caught mid-write: its
        payload is not complete JSON, or its signature is cut short and the
        file changed in the last few seconds.

    Notes
    -----
    The file is read by
    :func:`~requests_gracedb_like.credentials.files.read_credential_file`
    (non-blocking, regular files only, at most 1 MiB), with a
    :class:`~requests_gracedb_like.exceptions.CredentialWarning` when
    others may read it. A JWT is read twice and must be the same both
    times (a file being rewritten is read again, a few times at most).
    """
    return _read_token_file(os.fspath(path))


def _read_token_file(name: str) -> str:
    source = f"file {name!r}"
    raw = read_credential_file(name, what="bearer token file", private=True)
    for _ in range(_STABLE_READS):
        token = _decode_token(raw, name, source)
        if decode_claims(token) is None and not payload_incomplete(token):
            return token  # opaque: nothing to check it against
        again = read_credential_file(name, what="bearer token file")
        if again == raw:
            break
        raw = again
    else:
        raise CredentialError(
            f"bearer token file {name!r} kept changing while it was read"
        )
    problem = _half_written(name, token)
    if problem is not None:
        raise HalfWrittenTokenError(
            name, f"looks half-written: {problem}", "bearer token file"
        )
    return token


def _half_written(name: str, token: str) -> str | None:
    """Why the signed `token` read from `name` looks caught mid-write, or
    None. A signature too short for its algorithm alone is not enough: a
    made-up or truncated token that has sat in its file for a while is
    taken as it is (its claims then say whether it is used)."""
    if payload_incomplete(token):
        return "its payload is not complete JSON (the file is being written?)"
    if signature_complete(token):
        return None
    try:
        changed = os.stat(name).st_mtime_ns
    except OSError:
        changed = time.time_ns()
    if changed >= time.time_ns() - _SETTLED_NS:
        return (
            "its signature is cut short and the file changed in the last "
            f"{_SETTLED_NS // 1_000_000_000} s (the file is being written?)"
        )
    return None


#: How many times a token file that changes between two reads is read again.
_STABLE_READS = 4

#: A token file changed this recently (in nanoseconds) may still be being
#: written: a short signature then means half-written (FAT keeps file times
#: to 2 s).
_SETTLED_NS = 3_000_000_000


def _decode_token(raw: bytes, name: str, source: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CredentialError(f"bearer token file {name!r} is not UTF-8 text") from None
    return validate_token(text, source)


#: What a token file's object learns from the file, left out of its pickle.
_READ_FROM_FILE = ("token", "_header", "claims", "expiry")


def _now(now: Optional[float]) -> float:
    """The time now, or `now` if it is later: a caller on another thread
    (an event loop deciding for its worker thread) keeps the clock from
    going back."""
    return time.time() if now is None else max(now, time.time())


def _same_secret(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    return hmac.compare_digest(a.encode(), b.encode())


def authorization(sent: Mapping[str, str]) -> Optional[str]:
    """The ``Authorization`` value among the headers `sent`, whatever the
    case of its name; None when there is none."""
    for name, value in sent.items():
        if name.lower() == "authorization":
            return value
    return None


class BearerTokenAuth(HeaderCredential, AuthBase):
    """Send ``Authorization: Bearer <token>`` with every request.

    Parameters
    ----------
    token : str
        The token text; surrounding white space is removed.
    source : str, optional
        A description of where the token came from, shown in ``repr`` and
        error messages instead of the token.

    Examples
    --------
    >>> auth = BearerTokenAuth("abc.def.ghi", source="example")
    >>> auth
    <BearerTokenAuth from example>
    """

    def __init__(self, token: str, *, source: str = "a string") -> None:
        self.source = source
        self._set_token(validate_token(token, source))

    def _set_token(self, token: str) -> None:
        self.claims = decode_claims(token)
        self.expiry = expiry_of(self.claims)
        # One attribute holds the whole header value, so a thread reading it
        # while another reloads sees either the old token or the new one.
        self._header = f"Bearer {token}"
        self.token = token

    def headers(self, url: Optional[str] = None) -> dict[str, str]:
        """``{"Authorization": "Bearer <token>"}``, for any `url`."""
        return {"Authorization": self._header}

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        r.headers.update(self.headers(r.url))
        return r

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BearerTokenAuth):
            return NotImplemented
        return _same_secret(self.token, other.token)

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} from {self.source}>"

    __str__ = __repr__


class TokenFileAuth(BearerTokenAuth):
    """Send a bearer token read once from a file.

    Parameters
    ----------
    path : str or os.PathLike
        The token file. It is read when the object is created and again only
        when :meth:`refresh` is called.

    Raises
    ------
    OSError
        If the file cannot be read.
    CredentialError
        If its content is not a usable token.

    Notes
    -----
    The token is not pickled with the object: an unpickled copy (in a
    worker process, say) reads it from `path` again, and fails there,
    naming the file, when the file is gone. A token given as text
    (:class:`BearerTokenAuth`), an API key and basic auth are pickled
    with their secret, since there is nowhere else to read them from.
    """

    def __init__(self, path: PathLike) -> None:
        self.path = os.fspath(path)
        self.source = f"file {self.path!r}"
        self._first_read()

    def _first_read(self) -> None:
        self._set_token(_read_token_file(self.path))

    def refresh(self) -> None:
        """Read the token file again."""
        self._set_token(read_token_file(self.path))

    def __getstate__(self) -> dict[str, Any]:
        # The token is not pickled: whoever unpickles the object reads it
        # from the file again, as the process that read it first did.
        state = self.__dict__.copy()
        for name in _READ_FROM_FILE:
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.refresh()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BearerTokenAuth):
            return NotImplemented
        same_path = getattr(other, "path", None) == self.path
        return same_path and _same_secret(self.token, other.token)

    __hash__ = None  # type: ignore[assignment]


class ReloadingTokenFileAuth(TokenFileAuth):
    """Send a bearer token from a file, re-reading it before it expires.

    Parameters
    ----------
    path : str or os.PathLike
        The token file.
    reload_timeout : float, default=300
        Re-read the file once ``now >= exp - reload_timeout``, where ``exp``
        is the token's expiry claim.

    Notes
    -----
    The rules, in order, checked on each request:

    1. Before the reload time, nothing but a clock comparison is done: no
       file access.
    2. From the reload time on, the file is re-read whenever it has changed
       on disk (its inode, size or modification time), under a lock, so that
       many threads sharing the session cause one read per rotation.
    3. A re-read that finds an empty file, unreadable text, or (when the
       current token is a JWT) something that is not a JWT is taken as a file
       caught mid-write: the last good token is kept until it truly expires.
    4. Once the token has truly expired and the file still holds no usable
       replacement, the request fails with
       :class:`~requests_gracedb_like.exceptions.CredentialError` naming the
       file.

    An opaque (non-JWT) token has no expiry, so its file is re-read whenever
    it changes.

    When the server answers 401 to a request signed with this token, the
    file is re-read at once; if it holds a different token the request is
    sent again, once, with it (only if its body can be replayed: bytes,
    text or a seekable file). The resend never triggers another.

    Pooled connections are never closed by a reload.
    """

    def __init__(self, path: PathLike, reload_timeout: float = 300) -> None:
        if isinstance(reload_timeout, bool) or not isinstance(
            reload_timeout, (int, float)
        ):
            raise TypeError(
                "auth_reload_timeout must be a number of seconds, "
                f"not {type(reload_timeout).__name__}"
            )
        if not reload_timeout >= 0:
            raise ValueError(
                f"auth_reload_timeout must be >= 0 seconds, got {reload_timeout!r}"
            )
        self.reload_timeout = float(reload_timeout)
        self._lock = fork_safe_lock(self)
        self._stat_key: tuple[int, int, int] | None = None
        super().__init__(path)

    def _first_read(self) -> None:
        self.refresh()  # a reloading token watches the file itself

    def _set_token(self, token: str) -> None:
        super()._set_token(token)
        self._reload_at = (
            None if self.expiry is None else self.expiry - self.reload_timeout
        )
        # A file rewritten in place within the file system's timestamp
        # resolution keeps its stat key: read it once per reload window anyway.
        self._window_read = False

    def refresh(self) -> None:
        """Read the token file now, whatever the expiry."""
        key = self._file_key()
        super().refresh()
        self._stat_key = key

    def expired(self) -> bool:
        """Whether the reload time (expiry minus `reload_timeout`) has passed.

        An opaque token never expires by time; its file is watched instead.
        """
        return self._reload_at is not None and time.time() >= self._reload_at

    def refresh_due(self, now: Optional[float] = None) -> bool:
        """Whether the file should be looked at before the next request:
        from the reload time on (always, for an opaque token)."""
        reload_at = self._reload_at
        return reload_at is None or _now(now) >= reload_at

    def update(self, now: Optional[float] = None) -> None:
        """Re-read the file if it changed since the reload time (rules 2 to
        4 of the class notes); blocking."""
        self._check(now)

    def rejected(self, sent: Mapping[str, str]) -> Optional[dict[str, str]]:
        """Re-read the file after the server refused the headers `sent`;
        the new headers, or None when the file holds nothing newer."""
        header = authorization(sent)
        new = None if header is None else self._reload_rejected(header)
        return None if new is None else {"Authorization": new}

    def _file_key(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def _check(self, now: Optional[float] = None) -> None:
        with self._lock:
            now = _now(now)
            if self._reload_at is not None and now < self._reload_at:
                return  # another thread reloaded while we waited
            key = self._file_key()
            if key is not None and key == self._stat_key and self._window_read:
                self._fail_if_truly_expired(None, now)
                return
            self._window_read = True
            try:
                token = read_token_file(self.path)
            except (OSError, CredentialError) as exc:
                log.debug("keeping the last good token: re-read failed: %s", exc)
                self._fail_if_truly_expired(exc, now)
                return
            if self.claims is not None and decode_claims(token) is None:
                log.debug(
                    "keeping the last good token: %s does not hold a JWT yet",
                    self.path,
                )
                self._fail_if_truly_expired(None, now)
                return
            self._stat_key = key
            if _same_secret(token, self.token):
                self._fail_if_truly_expired(None, now)
                return
            self._set_token(token)
            self._window_read = True
            log.debug("reloaded bearer token from %s", self.source)

    def _fail_if_truly_expired(
        self, cause: Exception | None, now: Optional[float] = None
    ) -> None:
        if self.expiry is not None and _now(now) >= self.expiry:
            problem = f": {cause}" if cause is not None else ""
            raise CredentialError(
                f"bearer token from {self.source} expired and the file holds "
                f"no newer token{problem}"
            )

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        if self.refresh_due():
            self.update()
        headers = self.headers(r.url)
        header = headers["Authorization"]
        r.headers.update(headers)
        r.register_hook(
            "response", replay_on_401(header, self._reload_rejected, body_position(r))
        )
        return r

    def _reload_rejected(self, sent: str) -> str | None:
        """Re-read the file after the server rejected `sent`; return the new
        header, or None when the file holds nothing newer."""
        with self._lock:
            if self._header != sent:
                return self._header  # another thread already reloaded
            key = self._file_key()
            try:
                token = read_token_file(self.path)
            except (OSError, CredentialError) as exc:
                log.debug("token rejected; re-reading %s failed: %s", self.path, exc)
                return None
            if _same_secret(token, self.token):
                log.debug("token rejected; %s holds no newer one", self.path)
                return None
            self._set_token(token)
            self._stat_key = key
            self._window_read = True
            log.debug("token rejected; reloaded it from %s", self.source)
            return self._header

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._lock = fork_safe_lock(self)
        super().__setstate__(state)
