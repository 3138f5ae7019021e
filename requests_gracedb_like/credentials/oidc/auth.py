"""The access token of an OpenID Connect login, refreshed by the session
that sends it: :class:`OIDCTokenAuth`."""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Optional

from requests.models import PreparedRequest

from ..._http.replay import body_position, replay_on_401
from ...exceptions import (
    CredentialError,
    CredentialWarning,
    LoginRequiredError,
    ProviderError,
    ProviderUnreachableError,
)
from .._locks import LockPickling, fork_safe_lock
from ..bearer import BearerTokenAuth, authorization
from .cache import TokenCache, Tokens

__all__ = ["RETRY_AFTER", "OIDCTokenAuth"]

log = logging.getLogger(__name__)

#: After the provider could not be reached, seconds before trying again
#: (the cached access token is used meanwhile, while it lasts).
RETRY_AFTER = 30.0


def _later(now: Optional[float]) -> float:
    """The time now, or `now` if it is later (a caller's clock)."""
    return time.time() if now is None else max(now, time.time())


def _stamp(when: Optional[float]) -> str:
    if when is None:
        return "never"
    return datetime.fromtimestamp(when, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


class OIDCTokenAuth(LockPickling, BearerTokenAuth):
    """Send the cached access token; refresh it before it expires.

    Parameters
    ----------
    cache : TokenCache
        The cache of the login, shared with other sessions and processes.
    tokens : Tokens
        What the cache held when the session was made.
    reload_timeout : float, default=300
        Refresh this many seconds before the access token expires (at most
        half its lifetime, so that a short-lived token is not refreshed at
        every request).
    url : str, optional
        The service URL, for the messages (``login`` command to run).
    timeout : float, optional
        Seconds to wait for the provider's answer to a refresh (the
        ``timeout`` setting, see :mod:`.settings`; 30 by default).

    Notes
    -----
    The rules, in order, checked on each request:

    1. Before the refresh time, only a clock comparison is done.
    2. From the refresh time on, under a lock shared by the session's
       threads: if the cache file holds a newer access token (another
       session or process refreshed), it is used. Otherwise, under an
       exclusive lock on the cache shared by every process, after reading
       the cache once more, the refresh token is exchanged for new tokens,
       written back to the cache atomically: one refresh per rotation,
       however many threads and processes share the login. The cache
       records that the refresh token was sent until the answer is read.
    3. If the provider cannot be reached (nothing was sent: connection
       refused, connect timeout, an HTTP 503 answer), the cached access
       token is used until it expires (a new attempt is made at most every
       :data:`RETRY_AFTER` seconds); then requests fail with
       :class:`~requests_gracedb_like.exceptions.ProviderUnreachableError`.
    4. If the refresh may have reached the provider but its answer was lost
       (no answer within `timeout`, the connection closed mid-answer, a
       5xx answer other than 503, or the process killed meanwhile), the
       refresh token may have been spent: no thread, 401 replay or process
       sharing the cache sends it again, since providers take a second use
       for a stolen token and end the login. A warning says so once, with
       the access token's expiry; then requests fail with
       :class:`~requests_gracedb_like.exceptions.LoginRequiredError`.
    5. If the provider says the refresh token expired or was revoked, the
       access token is used until it expires; then requests fail with
       :class:`~requests_gracedb_like.exceptions.LoginRequiredError`, whose
       message gives the ``login`` command. A new login (in any process)
       is picked up from the cache.

    When the service answers 401 to a request signed with this token, the
    token is refreshed at once (rule 2, whatever the time, except in the
    cases of rules 3 to 5) and the request is sent again, once, when its
    body can be replayed. Every time is compared with the clock read after
    the wait (for a lock, for the provider), never before.
    """

    def __init__(
        self,
        cache: TokenCache,
        tokens: Tokens,
        *,
        reload_timeout: float = 300,
        url: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> None:
        self.cache = cache
        self.reload_timeout = float(reload_timeout)
        self.url = url
        self.timeout = timeout
        self.source = f"OIDC login for {tokens.client_id} at {tokens.issuer}"
        self._lock = fork_safe_lock(self)
        self._retry_at = 0.0
        self._login_required: Optional[str] = None
        self._adopt(tokens)

    def _adopt(self, tokens: Tokens) -> None:
        # Whether a refresh of these tokens was started and not finished
        # (see _update): known from the cache, never carried by the session.
        self._sent_in_cache = tokens.refresh_sent_at
        self._spent_at: Optional[float] = None
        tokens = tokens._replace(refresh_sent_at=None)
        self.tokens = tokens
        self._set_token(tokens.access_token)
        if tokens.expires_at is not None:
            self.expiry = tokens.expires_at
        self._cache_key = self.cache.key()
        if self.expiry is None:
            self._refresh_at: Optional[float] = None
            return
        margin = self.reload_timeout
        lifetime = self.expiry - tokens.obtained_at
        if lifetime > 0:
            margin = min(margin, lifetime / 2)
        self._refresh_at = self.expiry - margin

    @property
    def refresh_at(self) -> Optional[float]:
        """When the next refresh is due (POSIX time), or None if never."""
        return self._refresh_at

    def refresh_due(self, now: Optional[float] = None) -> bool:
        """Whether the refresh time has passed (a clock comparison)."""
        refresh_at = self._refresh_at
        now = time.time() if now is None else now
        return refresh_at is not None and now >= refresh_at

    def update(self, now: Optional[float] = None) -> None:
        """Refresh by rule 2 of the class notes, if still due once the
        session's lock is held; blocking (file lock, provider round trip)."""
        with self._lock:
            self._update(forced=False, now=now)

    def rejected(self, sent: Mapping[str, str]) -> Optional[dict[str, str]]:
        """Refresh now, the service having refused the headers `sent`; the
        new headers, or None when no newer token could be had."""
        header = authorization(sent)
        new = None if header is None else self._rejected(header)
        return None if new is None else {"Authorization": new}

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        if self.refresh_due():
            self.update()
        headers = self.headers(r.url)
        header = headers["Authorization"]
        r.headers.update(headers)
        r.register_hook(
            "response", replay_on_401(header, self._rejected, body_position(r))
        )
        return r

    def _rejected(self, sent: str) -> Optional[str]:
        """The service refused `sent`: refresh now; the new header, or None."""
        with self._lock:
            if self._header != sent:
                return self._header  # another thread already refreshed
            try:
                self._update(forced=True)
            except CredentialError as exc:
                log.warning("token rejected and not refreshed: %s", exc)
                return None
            return self._header if self._header != sent else None

    def _newer_in_cache(self) -> bool:
        """Adopt the cache's tokens if they differ from ours (another
        session or process refreshed, or the user logged in again)."""
        key = self.cache.key()
        if key == self._cache_key:
            return False
        tokens = self.cache.read()
        if tokens is None:
            raise LoginRequiredError(
                f"logged out of {self.tokens.issuer} (the token cache "
                f"{self.cache.path} is gone); log in again: "
                f"requests-gracedb-like login {self.url or 'URL'}"
            )
        self._cache_key = key
        if tokens.access_token == self.tokens.access_token:
            # Same tokens; remember whether a refresh of them was started.
            self._sent_in_cache = tokens.refresh_sent_at
            return False
        self._login_required = None
        self._adopt(tokens)
        log.debug("using the access token refreshed by another session")
        return True

    def _update(self, *, forced: bool, now: Optional[float] = None) -> None:
        """Refresh, under the session's lock.

        Every time is read after the call that may have blocked (waiting
        for a lock, for the provider), never before; `now`, the time at
        which a caller on another thread (an event loop) found the refresh
        due, only keeps the clock from going back.
        """
        now = _later(now)
        if not forced and (self._refresh_at is None or now < self._refresh_at):
            return  # another thread refreshed while we waited
        if self._newer_in_cache():
            return
        if self._spent() or self._login_required is not None or now < self._retry_at:
            self._fail_if_expired(now)
            return
        from ._client import OutcomeUnknownError
        from .refresh import refresh

        with self.cache.lock():
            if self._newer_in_cache():
                return
            if self._sent_in_cache is not None:
                # A refresh of these tokens was started by a process whose
                # answer never came (lost, or the process was killed).
                self._spent_at = self._sent_in_cache
                self._enter_spent(
                    f"refresh at {self.tokens.issuer}: another session sent "
                    "the refresh token at "
                    f"{_stamp(self._sent_in_cache)} and its answer never "
                    "arrived",
                    time.time(),
                )
                return
            sent = self.tokens._replace(refresh_sent_at=time.time())
            self._write_quietly(sent)
            try:
                new = refresh(self.tokens, url=self.url, timeout=self.timeout)
            except OutcomeUnknownError as exc:
                self._spent_at = sent.refresh_sent_at
                self._enter_spent(str(exc), time.time())
                return
            except (ProviderUnreachableError, LoginRequiredError) as exc:
                now = time.time()
                self._write_quietly(self.tokens)  # the token was not spent
                if isinstance(exc, LoginRequiredError):
                    self._login_required = str(exc)
                else:
                    self._retry_at = now + RETRY_AFTER
                self._keep_or_raise(exc, now)
                return
            except ProviderError:
                self._write_quietly(self.tokens)  # refused: not spent
                raise
            except BaseException:
                # Interrupted mid-request (KeyboardInterrupt...): the
                # provider may have it; the mark stays in the cache.
                self._spent_at = sent.refresh_sent_at
                raise
            self._save(new)
        self._retry_at = 0.0
        self._adopt(new)
        log.debug("refreshed the access token from %s", self.tokens.issuer)

    def _spent(self) -> bool:
        """Whether the refresh token may have been used by a refresh whose
        answer never arrived: it is then never sent again."""
        return self._spent_at is not None

    def _enter_spent(self, what: str, now: float) -> None:
        """Say once what happened and what to do; raise if the access
        token has expired already. `now` is read after the refresh."""
        from ._client import login_command

        advice = (
            "it may have used the refresh token, which is not sent again "
            "(the provider would take a second use for a stolen token and "
            "end the login)"
        )
        # Raised once the access token has expired (_fail_if_expired).
        self._login_required = (
            f"{what}; {advice}; the access token expired at "
            f"{_stamp(self.expiry)}: log in again: {login_command(self.url)}"
        )
        if self.tokens.expired(now):
            raise LoginRequiredError(self._login_required)
        until = (
            "without expiry"
            if self.expiry is None
            else f"until it expires at {_stamp(self.expiry)}"
        )
        log.warning(
            "%s; %s. The access token stays usable %s; log in again before then: %s",
            what,
            advice,
            until,
            login_command(self.url),
        )

    def _write_quietly(self, tokens: Tokens) -> None:
        """Write `tokens` to the cache, remembering its new version; a
        failure is left to :meth:`_save` to report."""
        try:
            self.cache.write(tokens)
        except OSError:
            return
        self._cache_key = self.cache.key()
        self._sent_in_cache = tokens.refresh_sent_at

    def _save(self, new: Tokens) -> None:
        """Write refreshed tokens to the cache. When that fails (a full or
        read-only disk), the session keeps them: the provider may have
        replaced the refresh token, and the old one in the cache no longer
        works. The next refresh writes again."""
        try:
            self.cache.write(new)
        except OSError as exc:
            from ._client import login_command

            problem = exc.strerror or type(exc).__name__
            warnings.warn(
                f"could not save the refreshed tokens of {new.issuer} to "
                f"{self.cache.path!r} ({problem}): this session keeps using "
                "them; other sessions and processes may need to log in again "
                f"({login_command(self.url)}) unless a later refresh is saved",
                CredentialWarning,
                stacklevel=2,
            )

    def _keep_or_raise(self, exc: CredentialError, now: float) -> None:
        if self.tokens.expired(now):
            raise type(exc)(
                f"{exc}; the access token expired at {_stamp(self.expiry)}"
            ) from None
        log.warning(
            "%s; using the cached access token until it expires at %s",
            exc,
            _stamp(self.expiry),
        )

    def _fail_if_expired(self, now: float) -> None:
        if not self.tokens.expired(now):
            return
        if self._login_required is not None:
            raise LoginRequiredError(self._login_required)
        raise ProviderUnreachableError(
            f"the access token from {self.tokens.issuer} expired at "
            f"{_stamp(self.expiry)} and the provider could not be reached "
            "to refresh it; trying again shortly"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OIDCTokenAuth):
            return NotImplemented
        return self.cache.path == other.cache.path and super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]
