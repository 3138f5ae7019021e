"""A finite default timeout for every request: :class:`SessionTimeoutMixin`."""

from __future__ import annotations

import math
from typing import Any, Optional, Union

import requests
from urllib3.util import Timeout

from ._http.arguments import request_kwargs

__all__ = ["DEFAULT_TIMEOUT", "NOT_GIVEN", "SessionTimeoutMixin", "check_timeout"]

#: ``(connect, read)`` seconds used when a session is given no ``timeout``:
#: 10 s to open a connection, then up to 300 s of silence between bytes of
#: the response (a slow query or a large upload being processed).
DEFAULT_TIMEOUT = (10.0, 300.0)

TimeoutValue = Union[None, float, tuple[Optional[float], Optional[float]], Timeout]


class _NotGiven:
    """The type of :data:`NOT_GIVEN`."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


#: Stands for "no ``timeout`` argument", which is not the same as
#: ``timeout=None`` ("wait forever").
NOT_GIVEN: Any = _NotGiven()


def _check_seconds(value: Any, name: str) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"{name} must be a number of seconds or None, not {type(value).__name__}"
        )
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(
            f"{name} must be a finite number of seconds > 0 "
            f"(None waits forever), got {value!r}"
        )
    return float(value)


def check_timeout(timeout: Any, name: str = "timeout") -> TimeoutValue:
    """Validate a timeout the way requests will read it.

    Parameters
    ----------
    timeout : float, tuple, urllib3.util.Timeout or None
        Seconds for both connecting and each read, a ``(connect, read)``
        pair, a :class:`urllib3.util.Timeout`, or None for no limit. Either
        member of the pair may be None.
    name : str, default="timeout"
        The argument's name, for error messages.

    Returns
    -------
    float, tuple, urllib3.util.Timeout or None
        `timeout`, with numbers as floats and a list as a tuple.

    Raises
    ------
    TypeError
        If `timeout` or a member is not a number or None.
    ValueError
        If a number is not finite and greater than zero, or the pair does not
        have two members.

    Examples
    --------
    >>> check_timeout(5)
    5.0
    >>> check_timeout([3, None])
    (3.0, None)
    >>> check_timeout(-1)
    Traceback (most recent call last):
    ...
    ValueError: timeout must be a finite number of seconds > 0 (None waits ...
    """
    if isinstance(timeout, Timeout):
        return timeout
    if isinstance(timeout, (tuple, list)):
        if len(timeout) != 2:
            raise ValueError(
                f"{name} must be one number or a (connect, read) pair, "
                f"got {len(timeout)} values"
            )
        return (
            _check_seconds(timeout[0], f"{name} (connect)"),
            _check_seconds(timeout[1], f"{name} (read)"),
        )
    return _check_seconds(timeout, name)


class SessionTimeoutMixin:
    """A mixin for :class:`requests.Session` that gives every request a
    timeout unless the request sets its own.

    Parameters
    ----------
    timeout : float, tuple, urllib3.util.Timeout or None, default=DEFAULT_TIMEOUT
        The session's timeout: seconds for connecting and for each read, a
        ``(connect, read)`` pair, or None to wait forever. The default is
        :data:`~requests_gracedb_like.timeout.DEFAULT_TIMEOUT`,
        ``(10, 300)``.

    Notes
    -----
    Plain requests waits forever unless told otherwise; a server that
    accepts a connection and never answers would hang a pipeline. Here:

    1. a request without ``timeout=`` uses ``session.timeout``;
    2. a request with ``timeout=`` uses that value, and ``timeout=None``
       means "wait forever" for that request;
    3. the timeout bounds connecting and each wait for data, not the whole
       transfer: a large download that keeps flowing is never cut off.

    When it expires, requests raises :class:`requests.ConnectTimeout` or
    :class:`requests.ReadTimeout` (both :class:`requests.Timeout`).
    ``session.timeout`` may be reassigned; :meth:`with_timeout
    <requests_gracedb_like.clone.SessionCloneMixin.with_timeout>` returns a
    copy of the session with another one.
    """

    _timeout: TimeoutValue

    def __init__(self, *, timeout: Any = DEFAULT_TIMEOUT, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.timeout = timeout

    @property
    def timeout(self) -> TimeoutValue:
        """The timeout of requests that do not set one. Assigning a new one
        checks it as the ``timeout`` argument is checked."""
        return self._timeout

    @timeout.setter
    def timeout(self, timeout: Any) -> None:
        # The default (every session's) is checked already.
        self._timeout = (
            timeout if timeout is DEFAULT_TIMEOUT else check_timeout(timeout)
        )

    def request(
        self, method: str, url: Any, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if args:
            kwargs = request_kwargs(args, kwargs)
            args = ()
        if kwargs.get("timeout", NOT_GIVEN) is NOT_GIVEN:
            kwargs["timeout"] = self._timeout
        return super().request(method, url, *args, **kwargs)  # type: ignore[misc]

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()  # type: ignore[misc, assignment]
        state["timeout"] = self.timeout
        return state
