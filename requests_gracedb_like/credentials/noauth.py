"""An authentication object that sends nothing, and stops requests from
adding ``~/.netrc`` credentials on its own."""

from __future__ import annotations

import copy
from typing import Any

from requests import Request
from requests.auth import AuthBase
from requests.models import PreparedRequest

__all__ = ["NoAuth", "without_netrc"]


class NoAuth(AuthBase):
    """Send no credential at all.

    :class:`requests.Session` looks up ``~/.netrc`` for every request whose
    ``auth`` is unset. A session holding ``NoAuth`` has ``auth`` set, so that
    lookup never happens; pass ``auth=NoAuth()`` to one request for the same
    effect there. Any ``Authorization`` header put in place by hand is kept.

    Examples
    --------
    >>> bool(NoAuth())
    True
    >>> NoAuth() == NoAuth()
    True
    """

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        return r

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoAuth)

    def __hash__(self) -> int:
        return hash(NoAuth)

    def __repr__(self) -> str:
        return "<NoAuth>"


def without_netrc(session: Any, request: Request) -> Request:
    """`request`, or a copy of it that requests will not add ``~/.netrc``
    credentials to.

    :meth:`requests.Session.prepare_request` reads ``~/.netrc`` for a
    request when neither it nor the session has ``auth``. Discovery has
    already looked there, and ``force_noauth=True`` means nothing at all;
    so such a request is given a
    :class:`~requests_gracedb_like.credentials.noauth.NoAuth`, and
    ``session.auth`` stays None.
    """
    if request.auth or getattr(session, "auth", None):
        return request
    request = copy.copy(request)
    request.auth = NoAuth()
    return request
