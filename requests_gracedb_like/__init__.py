"""A composable, credential-safe :class:`requests.Session` for GraceDB and
other token-protected science REST APIs.

:class:`Session` is :class:`requests.Session` with independent mixins
stacked on top; each mixin also works alone on a plain session.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

import requests

from ._version import __version__
from .auth import SessionAuthMixin
from .closing import SessionCloseMixin
from .errors import SessionErrorMixin
from .file import SessionFileMixin
from .user_agent import SessionUserAgentMixin

__all__ = [
    "Session",
    "SessionAuthMixin",
    "SessionCloseMixin",
    "SessionErrorMixin",
    "SessionFileMixin",
    "SessionUserAgentMixin",
    "__version__",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())


class Session(
    SessionAuthMixin,
    SessionErrorMixin,
    SessionFileMixin,
    SessionUserAgentMixin,
    SessionCloseMixin,
    requests.Session,
):
    """A :class:`requests.Session` for GraceDB-like REST APIs.

    Parameters
    ----------
    url : str, optional
        The service URL (see :class:`~.auth.SessionAuthMixin`).
    **kwargs
        Keyword-only options of the mixins: ``token``, ``username``,
        ``password``, ``force_noauth``, ``fail_if_noauth``, ``auth_reload``,
        ``auth_reload_timeout`` (:class:`~.auth.SessionAuthMixin`) and
        ``raise_for_status`` (:class:`~.errors.SessionErrorMixin`).

    Notes
    -----
    It adds, in this order:

    * credential discovery (:class:`~.auth.SessionAuthMixin`);
    * exceptions for HTTP error statuses (:class:`~.errors.SessionErrorMixin`);
    * file uploads from paths with guessed MIME types
      (:class:`~.file.SessionFileMixin`);
    * a ``User-Agent`` naming the package (:class:`~.user_agent.SessionUserAgentMixin`);
    * ``close()`` that releases every socket at once
      (:class:`~.closing.SessionCloseMixin`).

    Examples
    --------
    >>> with Session("https://gracedb.example.org/api/", force_noauth=True) as s:
    ...     s.auth_source
    'force_noauth'
    """

    def __init__(self, url: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(url=url, **kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} auth from {self.auth_source or 'nowhere'}>"
