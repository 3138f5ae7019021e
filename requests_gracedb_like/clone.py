"""Cheap variations of a configured session: :class:`SessionCloneMixin`."""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Mapping
from http.cookiejar import CookieJar
from typing import Any, Optional, TypeVar, Union
from urllib.parse import urlsplit

from requests.cookies import merge_cookies

from ._http.origin import is_loopback, origin_of
from .adapters import SessionAdapterMixin
from .retry import check_retries
from .timeout import SessionTimeoutMixin, check_timeout

__all__ = ["SessionCloneMixin", "clone_session"]

_S = TypeVar("_S")


def clone_session(session: _S) -> _S:
    """Return a copy of `session` that can be changed without touching it.

    The copy is of the same class and has the same attributes, those of a
    subclass included (``__init__`` is not run again: no credential
    discovery). Every attribute is its own copy (headers, cookies, hooks,
    the credential objects and their claims...) but the adapters, shared
    with their open connections (a connection holds no credential).
    """
    cls = type(session)
    new = cls.__new__(cls)
    new.__dict__.update(
        {
            name: value if name in _COPIED_BELOW else _unshared(value)
            for name, value in session.__dict__.items()
        }
    )
    new.headers = session.headers.copy()  # type: ignore[attr-defined]
    new.cookies = session.cookies.copy()  # type: ignore[attr-defined]
    new.hooks = {  # type: ignore[attr-defined]
        event: list(hooks)
        for event, hooks in session.hooks.items()  # type: ignore[attr-defined]
    }
    new.params = copy.copy(session.params)  # type: ignore[attr-defined]
    new.proxies = dict(session.proxies)  # type: ignore[attr-defined]
    new.adapters = OrderedDict(session.adapters)  # type: ignore[attr-defined]
    new._borrowed_adapters = list(session.adapters.values())  # type: ignore[attr-defined]
    return new


#: What :func:`clone_session` copies by hand: requests' own settings.
_COPIED_BELOW = frozenset(
    {"headers", "cookies", "hooks", "params", "proxies", "adapters"}
)


def _unshared(value: Any) -> Any:
    """A copy of `value` that shares nothing mutable with it where that can
    be had: a deep copy, else (an object holding a lock, say) a shallow
    copy whose attributes are deep copies where they can be."""
    if isinstance(value, (str, bytes, int, float, bool, type(None))):
        return value
    copied = _deep_copy(value)
    if copied is not _CANNOT:
        return copied
    try:
        new = copy.copy(value)
        attributes = vars(new)
    except TypeError:
        return value
    for name, attribute in list(attributes.items()):
        copied = _deep_copy(attribute)
        if copied is not _CANNOT:
            attributes[name] = copied
    return new


_CANNOT = object()


def _deep_copy(value: Any) -> Any:
    """``copy.deepcopy(value)``, or :data:`_CANNOT` (a lock, a socket...)."""
    try:
        return copy.deepcopy(value)
    except Exception:  # anything a __deepcopy__ may raise
        return _CANNOT


def _cookie_domain(base_url: Optional[str]) -> str:
    """The cookie domain that matches only the host of `base_url` ("" for
    any host). A host name without a dot is matched as ``<host>.local``,
    as :mod:`http.cookiejar` does (RFC 2965, "effective host name")."""
    host = urlsplit(base_url).hostname if base_url else None
    if not host:
        return ""
    return host if "." in host else f"{host}.local"


def _cookie_secure(base_url: Optional[str], allow_insecure_auth: bool) -> bool:
    """Whether a login cookie for `base_url` is sent over https only: yes,
    but for a service on plain http on this machine, with
    ``allow_insecure_auth``, or without a service URL (no origin to keep
    the cookie to, as with ``session.cookies.update``)."""
    if allow_insecure_auth or not base_url:
        return False
    scheme, host, _ = origin_of(base_url or "")
    return not (scheme == "http" and is_loopback(host))


class SessionCloneMixin:
    """A mixin for :class:`requests.Session` that makes modified copies.

    Notes
    -----
    Each ``with_*`` method returns a new session of the same class, with the
    same credential and settings but for the one change, and leaves the
    original untouched: its headers, cookies, timeout and adapters.

    A copy shares the original's connection pool, so making one costs a few
    dictionary copies and no new connection. Closing a copy leaves that
    pool open for the original; closing the original closes it (a copy still
    in use then opens new connections as needed). :meth:`with_retries` gives
    the copy adapters of its own, which closing the copy closes.
    """

    def with_headers(self: _S, headers: Mapping[str, Optional[str]]) -> _S:
        """A copy of the session with `headers` added to its headers.

        Parameters
        ----------
        headers : mapping
            Header names and values; a value of None removes that header.

        Notes
        -----
        A header that carries a credential (``Authorization``, an API-key
        header, any header named like a key, token, secret or session) is
        sent only to the service's origin, as the session's own credential
        is (see :class:`~requests_gracedb_like.transport.SessionTransportMixin`).

        Raises
        ------
        TypeError
            If `headers` is not a mapping or a value is not a str, bytes or
            None (the message names the header, not the value).
        """
        if not isinstance(headers, Mapping):
            raise TypeError(
                f"headers must be a mapping of names to values, "
                f"not {type(headers).__name__}"
            )
        for name, value in headers.items():
            if not isinstance(name, (str, bytes)):
                raise TypeError(f"header names must be str, not {type(name).__name__}")
            if value is not None and not isinstance(value, (str, bytes)):
                raise TypeError(
                    f"header {name!r} must be a str, bytes or None, "
                    f"not {type(value).__name__}"
                )
        new = clone_session(self)
        for name, value in headers.items():
            if value is None:
                new.headers.pop(name, None)  # type: ignore[attr-defined]
            else:
                new.headers[name] = value  # type: ignore[attr-defined]
        return new

    def with_cookies(self: _S, cookies: Union[Mapping[str, str], CookieJar]) -> _S:
        """A copy of the session with `cookies` added to its cookie jar.

        Parameters
        ----------
        cookies : mapping or http.cookiejar.CookieJar
            Cookie names and values, or a jar whose cookies are added as
            they are.

        Notes
        -----
        Cookies given by name and value are sent only to the host of the
        service URL (``session.base_url``) when the session has one, so a
        session cookie does not follow a request or a redirect to another
        host. Without a service URL they are sent to every host, as with
        ``session.cookies.update``. With a service URL they are sent only
        over https (they are marked ``Secure``), unless that URL is plain
        http on this machine (``localhost`` or a loopback address) or the
        session has ``allow_insecure_auth=True``.

        Raises
        ------
        TypeError
            If `cookies` is neither, or a value is not a str (the message
            names the cookie, not the value).
        """
        if isinstance(cookies, CookieJar):
            new = clone_session(self)
            new.cookies = merge_cookies(new.cookies, cookies)  # type: ignore[attr-defined]
            return new
        if not isinstance(cookies, Mapping):
            raise TypeError(
                f"cookies must be a mapping or a CookieJar, "
                f"not {type(cookies).__name__}"
            )
        for name, value in cookies.items():
            if not isinstance(value, str):
                raise TypeError(
                    f"cookie {name!r} must be a str, not {type(value).__name__}"
                )
        base_url = getattr(self, "base_url", None)
        domain = _cookie_domain(base_url)
        secure = _cookie_secure(base_url, getattr(self, "allow_insecure_auth", False))
        new = clone_session(self)
        for name, value in cookies.items():
            new.cookies.set(  # type: ignore[attr-defined]
                name, value, domain=domain, path="/", secure=secure
            )
        return new

    def with_timeout(self: _S, timeout: Any) -> _S:
        """A copy of the session with another default timeout.

        Parameters
        ----------
        timeout : float, tuple, urllib3.util.Timeout or None
            As for :class:`~requests_gracedb_like.timeout.SessionTimeoutMixin`;
            None waits forever.

        Raises
        ------
        TypeError
            If the session has no
            :class:`~requests_gracedb_like.timeout.SessionTimeoutMixin`, or
            `timeout` is not a valid timeout.
        ValueError
            If `timeout` is a number that is not finite and positive.
        """
        if not isinstance(self, SessionTimeoutMixin):
            raise TypeError(
                f"{type(self).__name__} has no default timeout "
                "(it does not include SessionTimeoutMixin)"
            )
        checked = check_timeout(timeout)
        new = clone_session(self)
        new.timeout = checked
        return new

    def with_retries(self: _S, retries: Any) -> _S:
        """A copy of the session with another retry policy.

        Parameters
        ----------
        retries : int or urllib3.util.Retry
            As for :class:`~requests_gracedb_like.adapters.SessionAdapterMixin`;
            0 disables retrying.

        Notes
        -----
        The copy mounts a new adapter for ``https://`` and ``http://``, with
        the session's ``pool_maxsize``; adapters mounted for other prefixes
        are shared.

        Raises
        ------
        TypeError
            If the session has no
            :class:`~requests_gracedb_like.adapters.SessionAdapterMixin`, or
            `retries` is not a valid policy.
        ValueError
            If `retries` is negative.
        """
        if not isinstance(self, SessionAdapterMixin):
            raise TypeError(
                f"{type(self).__name__} has no retry policy "
                "(it does not include SessionAdapterMixin)"
            )
        checked = check_retries(retries)
        new = clone_session(self)
        new.retries = checked
        new._mount_adapters()
        return new

    def close(self) -> None:
        """Close the adapters this session opened, not those it shares
        with the session it was copied from."""
        borrowed = self.__dict__.get("_borrowed_adapters")
        if not borrowed:
            return super().close()  # type: ignore[misc, no-any-return]
        adapters = self.adapters  # type: ignore[attr-defined, has-type]
        own: Any = OrderedDict(
            (prefix, adapter)
            for prefix, adapter in adapters.items()
            if not any(adapter is b for b in borrowed)
        )
        self.adapters = own
        try:
            super().close()  # type: ignore[misc]
        finally:
            self.adapters = adapters
