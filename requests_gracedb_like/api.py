"""One-shot calls, as in :mod:`requests`: :func:`get`, :func:`post`...

Each function opens a :class:`~requests_gracedb_like.Session` for the URL
(so credentials are discovered for its host), sends one request and closes
the session; given ``session=``, it sends through that session instead.
"""

from __future__ import annotations

from typing import Any

import requests

from ._http.arguments import REQUEST_ARGS
from .session import Session

__all__ = ["delete", "get", "head", "options", "patch", "post", "put", "request"]

_REQUEST_ARGS = frozenset(REQUEST_ARGS)


def request(
    method: str, url: str, *, session: Any = None, **kwargs: Any
) -> requests.Response:
    """Send one request through a new session and close it, or through
    `session`.

    Parameters
    ----------
    method : str
        The HTTP method.
    url : str
        The absolute URL; credentials are discovered for its host.
    session : requests.Session, optional
        Send through this session (which is left open) instead: every
        other argument goes to its ``request()``.
    **kwargs
        Arguments of :meth:`requests.Session.request` (``params``, ``json``,
        ``timeout``...) go to the request; the others (``token``,
        ``force_noauth``, ``retries``...) to the
        :class:`~requests_gracedb_like.Session`, where an unknown one raises
        :class:`TypeError`.

    Returns
    -------
    requests.Response
        The response; with ``stream=True`` its body can still be read after
        the session is closed, as with :func:`requests.request`.

    Examples
    --------
    .. code-block:: python

        import requests_gracedb_like as rgl

        rgl.get("https://gracedb.example.org/api/superevents/S190425z/").json()
        rgl.post(url, json={"comment": "ok"}, token="/run/user/1000/token")
    """
    if session is not None:
        return session.request(method, url, **kwargs)  # type: ignore[no-any-return]
    options = {k: v for k, v in kwargs.items() if k not in _REQUEST_ARGS}
    arguments = {k: v for k, v in kwargs.items() if k in _REQUEST_ARGS}
    with Session(url, **options) as session:
        return session.request(method, url, **arguments)


def get(url: str, params: Any = None, **kwargs: Any) -> requests.Response:
    """Send a GET request (see :func:`request`)."""
    return request("GET", url, params=params, **kwargs)


def head(url: str, **kwargs: Any) -> requests.Response:
    """Send a HEAD request (see :func:`request`); redirects are not
    followed unless ``allow_redirects=True``, as in requests."""
    kwargs.setdefault("allow_redirects", False)
    return request("HEAD", url, **kwargs)


def options(url: str, **kwargs: Any) -> requests.Response:
    """Send an OPTIONS request (see :func:`request`)."""
    return request("OPTIONS", url, **kwargs)


def post(
    url: str, data: Any = None, json: Any = None, **kwargs: Any
) -> requests.Response:
    """Send a POST request (see :func:`request`)."""
    return request("POST", url, data=data, json=json, **kwargs)


def put(url: str, data: Any = None, **kwargs: Any) -> requests.Response:
    """Send a PUT request (see :func:`request`)."""
    return request("PUT", url, data=data, **kwargs)


def patch(url: str, data: Any = None, **kwargs: Any) -> requests.Response:
    """Send a PATCH request (see :func:`request`)."""
    return request("PATCH", url, data=data, **kwargs)


def delete(url: str, **kwargs: Any) -> requests.Response:
    """Send a DELETE request (see :func:`request`)."""
    return request("DELETE", url, **kwargs)
