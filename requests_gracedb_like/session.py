"""The composed :class:`Session`: every mixin of the package, stacked on
:class:`requests.Session` in the order their features apply."""

from __future__ import annotations

from typing import Any, Optional

from .adapters import SessionAdapterMixin, _SessionBase
from .auth import SessionAuthMixin
from .base_url import SessionBaseURLMixin
from .clone import SessionCloneMixin
from .closing import SessionCloseMixin
from .environment import SessionEnvironmentMixin
from .errors import SessionErrorMixin
from .file import SessionFileMixin
from .prepare import SessionPrepareMixin
from .send import SessionSendMixin
from .timeout import SessionTimeoutMixin
from .transport import SessionTransportMixin
from .user_agent import SessionUserAgentMixin

__all__ = ["Session"]


class Session(
    SessionTransportMixin,
    SessionAuthMixin,
    SessionBaseURLMixin,
    SessionTimeoutMixin,
    SessionAdapterMixin,
    SessionCloneMixin,
    SessionErrorMixin,
    SessionFileMixin,
    SessionUserAgentMixin,
    SessionCloseMixin,
    SessionEnvironmentMixin,
    SessionSendMixin,
    SessionPrepareMixin,
    # requests.Session without the default adapters that
    # SessionAdapterMixin replaces at once.
    _SessionBase,
):
    """A :class:`requests.Session` for GraceDB-like REST APIs.

    Parameters
    ----------
    url : str, optional
        The service URL (see :class:`~.auth.SessionAuthMixin`); relative
        request URLs resolve against it
        (:class:`~.base_url.SessionBaseURLMixin`).
    **kwargs
        Keyword-only options of the mixins: ``token``, ``cert``,
        ``api_key``, ``auth_header_name``, ``api_key_prefix``,
        ``token_audience``, ``token_scope``, ``token_issuer``, ``username``,
        ``password``, ``force_noauth``, ``fail_if_noauth``, ``auth_reload``,
        ``auth_reload_timeout`` (:class:`~.auth.SessionAuthMixin`),
        ``allow_insecure_auth``, ``allow_cross_origin_auth``
        (:class:`~.transport.SessionTransportMixin`),
        ``timeout`` (:class:`~.timeout.SessionTimeoutMixin`), ``retries``,
        ``pool_maxsize`` (:class:`~.adapters.SessionAdapterMixin`) and
        ``raise_for_status`` (:class:`~.errors.SessionErrorMixin`).

    Notes
    -----
    It adds, in this order:

    * credentials only over https and only to the origin of `url`
      (:class:`~.transport.SessionTransportMixin`);
    * credential discovery (:class:`~.auth.SessionAuthMixin`);
    * relative URLs resolved against `url`
      (:class:`~.base_url.SessionBaseURLMixin`);
    * a finite default timeout (:class:`~.timeout.SessionTimeoutMixin`);
    * retries with backoff and a connection pool sized for threads
      (:class:`~.adapters.SessionAdapterMixin`);
    * modified copies: ``with_headers``, ``with_cookies``, ``with_timeout``,
      ``with_retries`` (:class:`~.clone.SessionCloneMixin`);
    * exceptions for HTTP error statuses (:class:`~.errors.SessionErrorMixin`);
    * file uploads from paths with guessed MIME types
      (:class:`~.file.SessionFileMixin`);
    * a ``User-Agent`` naming the package (:class:`~.user_agent.SessionUserAgentMixin`);
    * ``close()`` that releases every socket at once
      (:class:`~.closing.SessionCloseMixin`);
    * proxy and CA-bundle variables read once, not on every request
      (:class:`~.environment.SessionEnvironmentMixin`);
    * request preparation that does not repeat work between requests
      (:class:`~.prepare.SessionPrepareMixin`).

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
