"""Retries of idempotent requests on the transport: :class:`RetryTransport`
and :class:`AsyncRetryTransport`.

``httpx.HTTPTransport(retries=n)`` retries only failed connection
attempts. These wrap a transport and also retry, as the requests
:class:`~requests_gracedb_like.session.Session` does: answers 429, 502,
503 and 504 to idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE,
TRACE) whose body is held in memory, after a jittered backoff or the
server's ``Retry-After`` (capped). A connection refused or timed out
before anything was sent is retried for any method.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from typing import Optional

import httpx

from .._http.redact import redact_url
from ..retry import DEFAULT_RETRIES, Retry

__all__ = ["AsyncRetryTransport", "RetryTransport"]

log = logging.getLogger(__name__)

#: Methods retried after a retryable status.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
#: Statuses retried (those of the requests session's policy).
RETRY_STATUSES = frozenset(Retry.RETRY_STATUSES)
#: Errors raised before a request was sent.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)

# Looked up at call time, so that tests can stand in for the clock.
_sleep = time.sleep
_async_sleep = asyncio.sleep


def _in_memory(request: httpx.Request) -> bool:
    try:
        request.content  # noqa: B018 - raises for a streamed body
    except httpx.RequestNotRead:
        return False
    return True


class _Policy:
    """What to retry and how long to wait: shared by both transports."""

    def __init__(self, retries: int, backoff_factor: float, retry_after_max: float):
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError(f"retries must be an int >= 0, got {retries!r}")
        self.retries = retries
        self.backoff_factor = backoff_factor
        self.retry_after_max = retry_after_max

    def retry_status(self, request: httpx.Request, response: httpx.Response) -> bool:
        return (
            response.status_code in RETRY_STATUSES
            and request.method in IDEMPOTENT
            and _in_memory(request)
        )

    def wait(self, attempt: int, response: Optional[httpx.Response]) -> float:
        """Seconds before retry `attempt` (1 for the first)."""
        after = None if response is None else self._retry_after(response)
        if after is not None:
            return min(after, self.retry_after_max)
        if attempt <= 1:
            return 0.0
        base = self.backoff_factor * 2 ** (attempt - 1)
        return base * (0.5 + random.random())  # noqa: S311 - jitter, not a secret

    @staticmethod
    def _retry_after(response: httpx.Response) -> Optional[float]:
        value = response.headers.get("Retry-After")
        if not value:
            return None
        try:
            return max(float(value), 0.0)
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(when.timestamp() - time.time(), 0.0)


def _log(request: httpx.Request, attempt: int, cause: str, wait: float) -> None:
    log.info(
        "retry %d of %s %s in %.1f s: %s",
        attempt,
        request.method,
        redact_url(str(request.url)),
        wait,
        cause,
    )


class RetryTransport(httpx.BaseTransport):
    """Retry idempotent requests sent through `transport`.

    Parameters
    ----------
    transport : httpx.BaseTransport
        The transport that sends (an :class:`httpx.HTTPTransport`).
    retries : int, default=DEFAULT_RETRIES
        Retries after the first attempt.
    backoff_factor : float, default=0.5
        Wait about ``backoff_factor * 2 ** (n - 1)`` seconds before retry
        ``n`` (the first at once), jittered.
    retry_after_max : float, default=60
        The longest ``Retry-After`` honoured.
    """

    def __init__(
        self,
        transport: httpx.BaseTransport,
        *,
        retries: int = DEFAULT_RETRIES,
        backoff_factor: float = Retry.DEFAULT_BACKOFF_FACTOR,
        retry_after_max: float = Retry.DEFAULT_RETRY_AFTER_MAX,
    ) -> None:
        self.transport = transport
        self.policy = _Policy(retries, backoff_factor, retry_after_max)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = self.transport.handle_request(request)
            except _NOT_SENT as exc:
                attempt += 1
                if attempt > self.policy.retries:
                    raise
                wait = self.policy.wait(attempt, None)
                _log(request, attempt, type(exc).__name__, wait)
                _sleep(wait)
                continue
            if attempt >= self.policy.retries or not self.policy.retry_status(
                request, response
            ):
                return response
            attempt += 1
            wait = self.policy.wait(attempt, response)
            response.close()
            _log(request, attempt, f"status {response.status_code}", wait)
            _sleep(wait)

    def close(self) -> None:
        self.transport.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """:class:`RetryTransport` for an :class:`httpx.AsyncClient`: waits
    with :func:`asyncio.sleep`, never blocking the event loop."""

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport,
        *,
        retries: int = DEFAULT_RETRIES,
        backoff_factor: float = Retry.DEFAULT_BACKOFF_FACTOR,
        retry_after_max: float = Retry.DEFAULT_RETRY_AFTER_MAX,
    ) -> None:
        self.transport = transport
        self.policy = _Policy(retries, backoff_factor, retry_after_max)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = await self.transport.handle_async_request(request)
            except _NOT_SENT as exc:
                attempt += 1
                if attempt > self.policy.retries:
                    raise
                wait = self.policy.wait(attempt, None)
                _log(request, attempt, type(exc).__name__, wait)
                await _async_sleep(wait)
                continue
            if attempt >= self.policy.retries or not self.policy.retry_status(
                request, response
            ):
                return response
            attempt += 1
            wait = self.policy.wait(attempt, response)
            await response.aclose()
            _log(request, attempt, f"status {response.status_code}", wait)
            await _async_sleep(wait)

    async def aclose(self) -> None:
        await self.transport.aclose()
