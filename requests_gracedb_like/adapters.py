"""Retries with backoff and a connection pool sized for threads:
:class:`SessionAdapterMixin` and its :class:`Retry` policy.

Both are transport policy, so both live in the :class:`requests.adapters.HTTPAdapter`
that the session mounts for ``http://`` and ``https://``.
"""

from __future__ import annotations

import logging
import os
import random
import ssl
import time
import weakref
from collections import OrderedDict
from collections.abc import Collection
from http import HTTPStatus
from types import TracebackType
from typing import Any, Optional

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import cookiejar_from_dict
from requests.hooks import default_hooks
from requests.models import DEFAULT_REDIRECT_LIMIT
from requests.utils import default_headers
from urllib3.exceptions import InvalidHeader, MaxRetryError, ReadTimeoutError
from urllib3.util import Retry as _Urllib3Retry

from ._http.adapter import LeanHTTPAdapter
from ._http.redact import redact_url

__all__ = [
    "DEFAULT_POOL_MAXSIZE",
    "DEFAULT_RETRIES",
    "ReplaySafeAdapter",
    "Retry",
    "SessionAdapterMixin",
    "check_pool_maxsize",
    "check_retries",
]

log = logging.getLogger(__name__)

try:  # urllib3 2: its own class for a host name that does not match
    from urllib3.util.ssl_match_hostname import CertificateError
except ImportError:  # pragma: no cover - urllib3 1.26
    CertificateError = ssl.CertificateError  # type: ignore[misc, assignment]

#: Retries after the first attempt, when a session is given no ``retries``.
DEFAULT_RETRIES = 3

#: Connections kept open per host, when a session is given no
#: ``pool_maxsize``: enough for 16 threads sharing one session, with room.
DEFAULT_POOL_MAXSIZE = 32

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
    ``requests_gracedb_like.adapters`` logger with its attempt number, the
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
        return type(error).__name__
    status = getattr(response, "status", 0)
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"status {status}"


def _replayable(body: Any) -> bool:
    """Whether urllib3 can send `body` again on a retry: bytes, text, or a
    file it can seek back in. A generator can be read only once."""
    if body is None or isinstance(body, (bytes, str, bytearray)):
        return True
    seekable = getattr(body, "seekable", None)
    if seekable is not None:
        try:
            return bool(seekable())
        except (OSError, ValueError):
            return False
    return hasattr(body, "seek") and hasattr(body, "tell")


#: Every adapter alive in the process, so that a forked child can drop their
#: pools (see :func:`_forget_connections`).
_ADAPTERS: weakref.WeakSet[HTTPAdapter] = weakref.WeakSet()


def _forget_connections() -> None:
    """In a forked child: give every adapter new, empty pools.

    A child shares its parent's open sockets. Were it to send on a pooled
    keep-alive connection, parent and child would write to one connection
    and could read each other's responses. The child's copies of the old
    pools are dropped without being closed (closing them would do nothing
    to the parent's connections, but sending a TLS close would), and it
    opens connections of its own as needed.
    """
    for adapter in list(_ADAPTERS):
        adapter.init_poolmanager(
            adapter._pool_connections,  # type: ignore[attr-defined]
            adapter._pool_maxsize,  # type: ignore[attr-defined]
            block=adapter._pool_block,  # type: ignore[attr-defined]
        )
        adapter.proxy_manager = {}


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_connections)


class ReplaySafeAdapter(LeanHTTPAdapter):
    """A :class:`requests.adapters.HTTPAdapter` that never sends a body
    twice when it cannot be read twice.

    urllib3 retries by sending the request again. A body from a generator or
    a pipe has been consumed by then, and the retry would send an empty or
    partial body as if it were the whole. For such a request only a
    connection that could not be opened is retried (nothing was sent); a
    retryable status returns the response and a dropped connection raises,
    as with no retries.

    It is a :class:`~requests_gracedb_like._http.adapter.LeanHTTPAdapter`:
    connection pools, paths and timeouts are worked out once, not for every
    request.

    In a child process made by :func:`os.fork`, the adapter starts with
    empty pools: the child never sends on a connection its parent opened.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _ADAPTERS.add(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)  # type: ignore[misc]  # not in the stubs
        _ADAPTERS.add(self)

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        """Send `request` as :class:`requests.adapters.HTTPAdapter` does,
        with retries limited as above when its body can be read only once."""
        if _replayable(request.body) or not isinstance(self.max_retries, _Urllib3Retry):
            return super().send(request, *args, **kwargs)
        once = object.__new__(type(self))
        once.__dict__.update(self.__dict__)  # same pools, other policy
        once.max_retries = self.max_retries.new(
            read=False,
            other=0,
            status_forcelist=(),
            respect_retry_after_header=False,
        )
        return HTTPAdapter.send(once, request, *args, **kwargs)


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


def check_pool_maxsize(pool_maxsize: Any) -> int:
    """Validate a ``pool_maxsize`` argument: a whole number >= 1.

    Raises
    ------
    TypeError
        If `pool_maxsize` is not an integer.
    ValueError
        If it is less than 1.
    """
    if isinstance(pool_maxsize, bool) or not isinstance(pool_maxsize, int):
        raise TypeError(
            "pool_maxsize must be a number of connections, "
            f"not {type(pool_maxsize).__name__}"
        )
    if pool_maxsize < 1:
        raise ValueError(f"pool_maxsize must be >= 1, got {pool_maxsize!r}")
    return pool_maxsize


class SessionAdapterMixin:
    """A mixin for :class:`requests.Session` that retries failed requests
    and keeps enough connections open for many threads.

    Parameters
    ----------
    retries : int or urllib3.util.Retry, default=DEFAULT_RETRIES
        How many times to retry (0 disables retrying), or a retry policy:
        a :class:`~requests_gracedb_like.adapters.Retry` or any
        :class:`urllib3.util.Retry`, used as given.
    pool_maxsize : int, default=DEFAULT_POOL_MAXSIZE
        How many connections to keep open to each host.

    Notes
    -----
    The session mounts one
    :class:`~requests_gracedb_like.adapters.ReplaySafeAdapter` with these
    settings for both ``https://`` and ``http://``. By default (a
    :class:`~requests_gracedb_like.adapters.Retry` of 3):

    1. a connection that cannot be opened is retried, whatever the method;
    2. a 429, 502, 503 or 504 status, or a connection dropped while waiting
       for the response, is retried for GET, HEAD, PUT, DELETE, OPTIONS and
       TRACE only, never for POST or PATCH;
    3. a read timeout is not retried, nor a TLS certificate that fails
       verification (it would fail again);
    4. between attempts the session waits as long as a ``Retry-After``
       header asks (at most 60 s), else 0 s, then about 1 s, 2 s, 4 s...;
    5. a request whose body can be read only once (a generator, a pipe)
       is retried only when its connection could not be opened;
    6. when retries run out, the last response is returned and raises the
       session's usual HTTP error (with
       :class:`~requests_gracedb_like.errors.SessionErrorMixin`), and a
       connection that still cannot be opened raises
       :class:`requests.ConnectionError`.

    Plain requests keeps 10 connections per host: with more threads, some
    connections are closed after each response ("Connection pool is full,
    discarding connection") and reopened for the next.
    """

    retries: _Urllib3Retry
    pool_maxsize: int

    def __init__(
        self,
        *,
        retries: Any = DEFAULT_RETRIES,
        pool_maxsize: int = DEFAULT_POOL_MAXSIZE,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._init_adapters(retries, pool_maxsize)

    def _init_adapters(self, retries: Any, pool_maxsize: int) -> None:
        """This mixin's part of ``__init__``, once the classes after it are
        set up (see :class:`~requests_gracedb_like.session.Session`)."""
        self.retries = check_retries(retries)
        self.pool_maxsize = check_pool_maxsize(pool_maxsize)
        self._mount_adapters()

    def _mount_adapters(self) -> None:
        # One adapter serves both schemes (its pools are keyed by scheme,
        # host and port): half the set-up cost of a session.
        adapter = ReplaySafeAdapter(
            max_retries=self.retries, pool_maxsize=self.pool_maxsize
        )
        for prefix in ("https://", "http://"):
            self.mount(prefix, adapter)  # type: ignore[attr-defined]

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()  # type: ignore[misc, assignment]
        state["retries"] = self.retries
        state["pool_maxsize"] = self.pool_maxsize
        return state


#: The names ``requests.Session.__init__`` uses in the requests version this
#: was written against; :class:`_SessionBase` copies its body only while they
#: are unchanged.
_KNOWN_SESSION_INIT = (
    "default_headers",
    "headers",
    "auth",
    "proxies",
    "default_hooks",
    "hooks",
    "params",
    "stream",
    "verify",
    "cert",
    "DEFAULT_REDIRECT_LIMIT",
    "max_redirects",
    "trust_env",
    "cookiejar_from_dict",
    "cookies",
    "OrderedDict",
    "adapters",
    "mount",
    "HTTPAdapter",
)
_SAME_SESSION_INIT = requests.Session.__init__.__code__.co_names == _KNOWN_SESSION_INIT


class _SessionBase(requests.Session):
    """:class:`requests.Session` that does not mount its two default
    :class:`~requests.adapters.HTTPAdapter` instances, for a session whose
    :class:`SessionAdapterMixin` mounts its own at once.

    Each default adapter builds a pool manager and a retry policy that would
    be thrown away (about a tenth of the composed session's set-up). The
    settings are those of ``requests.Session.__init__``; should a requests
    release change that method, it is called as it is and only its
    adapters are dropped.
    """

    def __init__(self) -> None:
        if not _SAME_SESSION_INIT:
            super().__init__()
            self.adapters = OrderedDict()
            return
        # requests' stubs declare headers wider than the value requests
        # itself assigns.
        self.headers = default_headers()  # type: ignore[assignment]
        self.auth = None
        self.proxies = {}
        self.hooks = default_hooks()
        self.params = {}
        self.stream = False
        self.verify = True
        self.cert = None
        self.max_redirects = DEFAULT_REDIRECT_LIMIT
        self.trust_env = True
        self.cookies = cookiejar_from_dict({})
        self.adapters = OrderedDict()
