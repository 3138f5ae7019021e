"""Relative request URLs resolved against the service URL:
:class:`SessionBaseURLMixin`."""

from __future__ import annotations

import re
from typing import Any, Optional
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests

from ._http.arguments import forward_url
from ._http.redact import redact_url

__all__ = ["SessionBaseURLMixin", "join_url", "normalize_base_url"]

# RFC 3986 section 3.1: a URL that starts with a scheme is absolute.
_HAS_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")

# Characters that urlsplit drops without a word (C0 controls and space at
# either end; tab, CR and LF anywhere). They are percent-encoded before
# joining, as urllib3 encodes them in an absolute URL, so that nothing the
# caller wrote is lost.
_DROPPED = re.compile(r"[\x00-\x20\x7f]")


def normalize_base_url(url: str) -> str:
    """Check that `url` is absolute and make its path end with ``/``.

    Raises
    ------
    ValueError
        If `url` has no scheme or no host. The message does not quote it: a
        mistyped URL may hold a password where a host was expected.

    Examples
    --------
    >>> normalize_base_url("https://gracedb.example.org/api")
    'https://gracedb.example.org/api/'
    >>> normalize_base_url("https://gracedb.example.org")
    'https://gracedb.example.org/'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or not parts.scheme or not parts.netloc:
        raise ValueError(
            "url must be an absolute URL with a scheme and a host, "
            "such as 'https://gracedb.example.org/api/'"
        )
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def join_url(base: Optional[str], url: Any) -> Any:
    """Resolve `url` against `base` as a browser would (RFC 3986).

    An absolute `url` (one with a scheme), a URL that is not a string, and
    any URL when `base` is None are returned unchanged. Control characters
    and spaces in a relative `url` are percent-encoded, never dropped.

    Raises
    ------
    requests.exceptions.InvalidURL
        If `url` cannot be parsed (``//[host`` for instance); also a
        :class:`ValueError`. The message has credentials removed.

    Examples
    --------
    >>> base = "https://gracedb.example.org/api/"
    >>> join_url(base, "superevents/S190425z/")
    'https://gracedb.example.org/api/superevents/S190425z/'
    >>> join_url(base, "/other/")
    'https://gracedb.example.org/other/'
    >>> join_url(base, "https://elsewhere.example.org/x")
    'https://elsewhere.example.org/x'
    """
    if base is None or not isinstance(url, str) or _HAS_SCHEME.match(url):
        return url
    url = _DROPPED.sub(lambda m: f"%{ord(m.group()):02X}", url)
    try:
        return _resolve(base, url)
    except ValueError as exc:
        raise requests.exceptions.InvalidURL(
            f"cannot resolve {redact_url(url)!r} against the service URL: {exc}"
        ) from None


def _resolve(base: str, url: str) -> str:
    path = re.split(r"[?#]", url, maxsplit=1)[0]
    if not path.endswith(";"):
        return urljoin(base, url)
    # urljoin drops a ";" that ends the path (it takes it for an empty list
    # of parameters): join with a character after it, then remove that.
    parts = urlsplit(urljoin(base, path + "_" + url[len(path) :]))
    return urlunsplit(parts._replace(path=parts.path[:-1]))


class SessionBaseURLMixin:
    """A mixin for :class:`requests.Session` that resolves relative request
    URLs against the service URL.

    Parameters
    ----------
    url : str, optional
        The service URL, for example ``https://gracedb.example.org/api/``.
        It must be absolute. Without it, URLs are used as given.

    Notes
    -----
    The rule, in order:

    1. A URL with a scheme (``https://...``) is used unchanged.
    2. The service URL is taken as a directory: a missing trailing ``/`` is
       added, so ``https://host/api`` and ``https://host/api/`` behave alike
       (``session.base_url`` shows the result, and may be reassigned).
    3. Any other URL is resolved against it as a link in a web page would be
       (RFC 3986): ``events/`` becomes ``https://host/api/events/``, while
       ``/events/`` (a leading slash) starts again from the host's root,
       ``https://host/events/``, and ``../`` goes up one level.

    Only ``request()`` and the methods built on it (``get``, ``post``...)
    resolve URLs; :meth:`requests.Session.prepare_request` and
    :meth:`requests.Session.send` take absolute URLs, as in requests.
    """

    _takes_url = True

    _base_url: Optional[str]

    def __init__(self, url: Optional[str] = None, **kwargs: Any) -> None:
        forward_url(SessionBaseURLMixin, self, url, kwargs)
        super().__init__(**kwargs)
        self.base_url = url

    @property
    def base_url(self) -> Optional[str]:
        """The URL that relative request URLs resolve against, ending in
        ``/``; None to use URLs as given. Assigning a new one checks it and
        adds the trailing ``/``."""
        return self._base_url

    @base_url.setter
    def base_url(self, url: Optional[str]) -> None:
        if url is not None and not isinstance(url, str):
            raise TypeError(f"url must be a str, not {type(url).__name__}")
        self._base_url = None if url is None else normalize_base_url(url)

    def request(
        self, method: str, url: Any, *args: Any, **kwargs: Any
    ) -> requests.Response:
        url = join_url(self._base_url, url)
        return super().request(method, url, *args, **kwargs)  # type: ignore[misc]

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()  # type: ignore[misc, assignment]
        state["base_url"] = self.base_url
        return state
