"""The retry policy of a session: :class:`Retry`, urllib3's with this
package's defaults (429, 502, 503 and 504 and refused connections retried
with jittered backoff, ``Retry-After`` capped, each retry logged), and
:func:`check_retries`, which turns a ``retries`` argument into one.

:class:`~requests_gracedb_like.adapters.SessionAdapterMixin` gives the
policy to the adapter it mounts.
"""

from __future__ import annotations

import logging
import random
import ssl
import time
from collections.abc import Collection
from http import HTTPStatus
from types import TracebackType
from typing import Any, Optional

from urllib3.exceptions import InvalidHeader, MaxRetryError, ReadTimeoutError
from urllib3.util import Retry as _Urllib3Retry

from ._http.messages import read_bounded
from ._http.redact import redact_url

__all__ = ["DEFAULT_RETRIES", "Retry", "check_retries"]

log = logging.getLogger(__name__)

try:  # urllib3 2: its own class for a host name that does not match
    from urllib3.util.ssl_match_hostname import CertificateError
except ImportError:  # pragma: no cover - urllib3 1.26
    CertificateError = ssl.CertificateError  # type: ignore[misc, assignment]

#: Retries after the first attempt, when a session is given no ``retries``.
DEFAULT_RETRIES = 3

# Looked up at call time so that tests can stand in for the clock.
_sleep = time.sleep


class Retry(_Urllib3Retry):
    """A :class:`urllib3.util.Retry` with this package's defaults.

    It takes every argument of :class:`urllib3.util.Retry`; the defaults
    differ as listed here, and three are added.

    Parameters
    ----------
    total : int, default=DEFAULT_RETRIES
        Retries after the first attempt, of any kind.
    status_forcelist : collection of int, default=RETRY_STATUSES
        Statuses to retry: 429, 502, 503 and 504.
    backoff_factor : float, default=0.5
        Wait ``backoff_factor * 2 ** (n - 1)`` seconds before retry ``n + 1``
        (urllib3 retries once at once, then 1 s, 2 s... at the default),
        at most ``backoff_max``.
    raise_on_status : bool, default=False
        False returns the last response when retries are used up, so it
        raises the session's usual HTTP error rather than
        :class:`requests.exceptions.RetryError`.
    retry_after_max : float, default=60
        Longest wait, in seconds, that a ``Retry-After`` header may ask for.
    jitter : float, default=0.5
        Fraction of each backoff wait that is random, so that many clients
        told to wait do not all come back at once: a wait of ``w`` seconds
        becomes a uniform draw between ``w * (1 - jitter)`` and ``w``.
    retry_read_timeout : bool, default=False
        Whether a read timeout is retried. It is not by default, so that a
        server that never answers costs one ``timeout``, not one per retry.
    **kwargs
        Other :class:`urllib3.util.Retry` arguments, unchanged; for example
        ``allowed_methods=Retry.DEFAULT_ALLOWED_METHODS | {"POST"}`` to also
        retry POST, which is not retried by default.

    Notes
    -----
    Only idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS, TRACE) are
    retried after the request may have reached the server; a connection that
    could not be opened is retried whatever the method, since nothing was
    sent. Each retry is logged at INFO level on the
    ``requests_gracedb_like.retry`` logger with its attempt number, the
    reason and the wait.
    """

    #: Statuses retried by default.
    RETRY_STATUSES = frozenset({429, 502, 503, 504})

    #: Default ``backoff_factor``, in seconds.
    DEFAULT_BACKOFF_FACTOR = 0.5

    #: Default ``retry_after_max``, in seconds (urllib3's is 6 hours).
    DEFAULT_RETRY_AFTER_MAX = 60.0  # type: ignore[misc, assignment]

    #: Default ``jitter``.
    DEFAULT_JITTER = 0.5

    def __init__(
        self,
        total: Any = DEFAULT_RETRIES,
        *,
        status_forcelist: Optional[Collection[int]] = RETRY_STATUSES,
        backoff_factor: float = DEFAULT_BACKOFF_FACTOR,
        raise_on_status: bool = False,
        retry_after_max: float = DEFAULT_RETRY_AFTER_MAX,
        jitter: float = DEFAULT_JITTER,
        retry_read_timeout: bool = False,
        **kwargs: Any,
    ) -> None:
        if not 0 <= jitter <= 1:
            raise ValueError(f"jitter must be between 0 and 1, got {jitter!r}")
        if not retry_after_max >= 0:
            raise ValueError(
                f"retry_after_max must be >= 0 seconds, got {retry_after_max!r}"
            )
        super().__init__(
            total,
            status_forcelist=status_forcelist,
            backoff_factor=backoff_factor,
            raise_on_status=raise_on_status,
            **kwargs,
        )
        # Set after urllib3's own __init__, which has a retry_after_max of
        # its own since 2.x (6 hours by default): this one wins.
        self.retry_after_max = retry_after_max  # type: ignore[assignment]
        self.jitter = jitter
        self.retry_read_timeout = retry_read_timeout
        self._wait: Optional[float] = None

    def new(self, **kw: Any) -> Retry:
        kw.setdefault("retry_after_max", self.retry_after_max)
        kw.setdefault("jitter", self.jitter)
        kw.setdefault("retry_read_timeout", self.retry_read_timeout)
        return super().new(**kw)

    def get_backoff_time(self) -> float:
        """Backoff before the next attempt, with jitter, in seconds."""
        backoff = super().get_backoff_time()
        if backoff > 0 and self.jitter:
            backoff *= 1 - self.jitter * random.random()  # noqa: S311
        return backoff

    def get_retry_after(self, response: Any) -> Optional[float]:
        """The wait a ``Retry-After`` header asks for, at most
        ``retry_after_max`` seconds; None if absent or unreadable."""
        try:
            seconds = super().get_retry_after(response)
        except InvalidHeader:
            return None
        if seconds is None:
            return None
        return min(seconds, self.retry_after_max)

    def _next_wait(self, response: Any) -> float:
        if self.respect_retry_after_header and response is not None:
            retry_after = self.get_retry_after(response)
            if retry_after:
                return retry_after
        return self.get_backoff_time()

    def sleep(self, response: Any = None) -> None:
        """Wait before the next attempt: as long as ``Retry-After`` asks, up
        to ``retry_after_max``, else the backoff."""
        wait = self._wait if self._wait is not None else self._next_wait(response)
        if wait > 0:
            _sleep(wait)

    def increment(
        self,
        method: Optional[str] = None,
        url: Optional[str] = None,
        response: Any = None,
        error: Optional[Exception] = None,
        _pool: Any = None,
        _stacktrace: Optional[TracebackType] = None,
    ) -> Retry:
        if isinstance(error, ReadTimeoutError) and not self.retry_read_timeout:
            raise error.with_traceback(_stacktrace)
        if _certificate_rejected(error):
            # The same certificate will be rejected again: fail now, as
            # when retries run out.
            log.info(
                "%s: TLS certificate verification failed; not retried",
                _describe(method, url, _pool),
            )
            raise MaxRetryError(_pool, url or "", error) from error
        where = _describe(method, url, _pool)
        cause = _cause(response, error)
        attempts = len(self.history) + 1
        try:
            new = super().increment(method, url, response, error, _pool, _stacktrace)
        except MaxRetryError:
            log.info("%s: %s; giving up after %d attempts", where, cause, attempts)
            raise
        if response is not None:
            _discard_body(response)
        new._wait = new._next_wait(response)
        total = new.total
        of = f" of {attempts + 1 + total}" if type(total) is int else ""
        log.info(
            "%s: %s; retrying in %.1f s (attempt %d%s)",
            where,
            cause,
            new._wait,
            attempts + 1,
            of,
        )
        return new


def _discard_body(response: Any) -> None:
    """Read the start of a response about to be retried, within the
    error-body bounds, and close its connection if more remains.

    urllib3 reads the whole body of a retried response (to reuse the
    connection) after :meth:`Retry.increment` returns: a server that
    trickles the body, or never ends it, would hold the retry forever.
    """
    _, ended = read_bounded(response)
    if not ended:
        response.close()
        response.release_conn()


def _certificate_rejected(error: Optional[BaseException]) -> bool:
    """Whether `error` is (or wraps) a failed TLS certificate verification."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, (ssl.SSLCertVerificationError, CertificateError)):
            return True
        error = (
            next((a for a in error.args if isinstance(a, BaseException)), None)
            or error.__cause__
            or error.__context__
        )
        seen += 1
    return False


def _describe(method: Optional[str], url: Optional[str], pool: Any) -> str:
    target = url or ""
    if pool is not None and target.startswith("/"):
        target = f"{pool.scheme}://{pool.host}:{pool.port}{target}"
    return f"{method or '?'} {redact_url(target)}"


def _cause(response: Any, error: Optional[Exception]) -> str:
    if error is not None:
        # Imported here: errors.py imports this package's exceptions, and
        # the words are needed only once something failed.
        from .errors import cause_in_words

        return cause_in_words(error)
    status = getattr(response, "status", 0)
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"status {status}"


def check_retries(retries: Any) -> _Urllib3Retry:
    """Turn a ``retries`` argument into a retry policy.

    Parameters
    ----------
    retries : int or urllib3.util.Retry
        A number of retries (0 disables them) for :class:`Retry`, or a
        policy used as given.

    Raises
    ------
    TypeError
        If `retries` is neither.
    ValueError
        If it is a negative number.

    Examples
    --------
    >>> check_retries(5)
    Retry(total=5, connect=None, read=None, redirect=None, status=None)
    """
    if isinstance(retries, _Urllib3Retry):
        return retries
    if isinstance(retries, bool) or not isinstance(retries, int):
        raise TypeError(
            "retries must be a number of retries or a urllib3 Retry, "
            f"not {type(retries).__name__}"
        )
    if retries < 0:
        raise ValueError(f"retries must be >= 0, got {retries!r}")
    return Retry(retries)
