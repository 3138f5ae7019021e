"""The composed :class:`Session`: every mixin of the package, stacked on
:class:`requests.Session` in the order their features apply."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Optional, Union

import requests
from urllib3.util import Retry

from ._typing import PathLike
from .adapters import DEFAULT_POOL_MAXSIZE, SessionAdapterMixin
from .auth import SessionAuthMixin
from .base_url import SessionBaseURLMixin
from .clone import SessionCloneMixin
from .closing import SessionCloseMixin
from .credentials.claims import DEFAULT_EXPIRY_MARGIN
from .environment import SessionEnvironmentMixin
from .errors import SessionErrorMixin
from .fanout import SessionMapMixin
from .file import SessionFileMixin
from .retry import DEFAULT_RETRIES
from .timeout import DEFAULT_TIMEOUT, SessionTimeoutMixin, TimeoutValue
from .transport import SessionTransportMixin
from .user_agent import SessionUserAgentMixin

__all__ = ["Session"]

if TYPE_CHECKING:
    from requests import Response
    from requests.cookies import RequestsCookieJar

    # This package's aliases: requests' own type information and
    # types-requests name theirs differently, and privately.
    from ._typing import JSON as _JSON
    from ._typing import Auth as _Auth
    from ._typing import Cert as _Cert
    from ._typing import Cookies as _Cookies
    from ._typing import Data as _Data
    from ._typing import Files
    from ._typing import Headers as _HeadersUpdateMapping
    from ._typing import Hooks as _HooksInput
    from ._typing import Params as _Params
    from ._typing import TextMapping as _TextMapping
    from ._typing import Verify as _Verify


class _RequestsSession(requests.Session):
    """:class:`requests.Session`, whose ``__init__`` ends the chain of
    ``super().__init__()`` calls; here the chain goes on, so that a class
    after it in a subclass's MRO (a user's mixin placed after
    :class:`Session`) is initialised too."""

    def __init__(self, **kwargs: Any) -> None:
        requests.Session.__init__(self)
        super(requests.Session, self).__init__(**kwargs)


#: A token claim requirement: one name, or several.
_Names = Union[str, Iterable[str], None]


class Session(
    SessionTransportMixin,
    SessionAuthMixin,
    SessionBaseURLMixin,
    SessionTimeoutMixin,
    SessionAdapterMixin,
    SessionMapMixin,
    SessionCloneMixin,
    SessionErrorMixin,
    SessionFileMixin,
    SessionUserAgentMixin,
    SessionCloseMixin,
    SessionEnvironmentMixin,
    _RequestsSession,
):
    """A :class:`requests.Session` for GraceDB-like REST APIs.

    Parameters
    ----------
    url : str, optional
        The service URL, for example ``https://gracedb.example.org/api/``:
        relative request URLs resolve against it, credentials are looked up
        for its host and sent only to its origin.
    token : str or os.PathLike or bool, optional
        A bearer-token file to use instead of discovery; False skips
        bearer-token discovery.
    cert : str or os.PathLike or tuple or bool, optional
        An X.509 client certificate (a PEM file with certificate and key, or
        a ``(cert, key)`` pair); False skips certificate discovery.
    api_key : str, optional
        An API key, sent in the `auth_header_name` header.
    auth_header_name : str, default="Authorization"
        The header that carries `api_key`.
    api_key_prefix : str, optional
        Text before the key (``Bearer`` in ``Authorization`` by default).
    token_audience, token_scope, token_issuer : str or list of str, optional
        What a discovered token must carry to be used (audience: default the
        scheme and host of `url`).
    token_expiry_margin : float, default=60
        Seconds a discovered token must have left to be used.
    username, password : str, optional
        HTTP basic auth; give both or neither.
    force_noauth : bool, default=False
        Send no credential at all, not even a ``~/.netrc`` entry.
    fail_if_noauth : bool, default=False
        Raise :class:`~requests_gracedb_like.exceptions.NoCredentialsError`
        when no credential is found.
    auth_reload : bool, default=False
        Re-read a token file before the token expires (and a certificate when
        it changes).
    auth_reload_timeout : float, default=300
        How many seconds before expiry to re-read.
    allow_insecure_auth : bool, default=False
        Send credentials over plain ``http://`` to a remote host.
    allow_cross_origin_auth : bool, default=False
        Send credentials to every origin, not only `url`'s.
    timeout : float, tuple, urllib3.util.Timeout or None, default=DEFAULT_TIMEOUT
        The timeout of requests that set none, ``(10, 300)`` by default;
        None waits forever.
    retries : int or urllib3.util.Retry, default=3
        Retries of refused connections and 429/502/503/504 answers.
    pool_maxsize : int, default=32
        Connections kept open per host.
    warm_connections : bool, default=True
        Keep open connections, when the session closes, for the next session
        with the same transport settings (:ref:`warm-connections`).
    raise_for_status : bool, default=True
        Raise an :class:`~requests_gracedb_like.exceptions.HTTPError` for
        every status of 400 or above.

    Notes
    -----
    Each option is described in full by the mixin that takes it:
    :class:`~.auth.SessionAuthMixin` (`url` to `auth_reload_timeout`),
    :class:`~.transport.SessionTransportMixin` (``allow_*``),
    :class:`~.timeout.SessionTimeoutMixin`,
    :class:`~.adapters.SessionAdapterMixin` (`retries`, `pool_maxsize`,
    `warm_connections`) and
    :class:`~.errors.SessionErrorMixin`.

    It adds, in this order:

    * credentials only over https and only to the origin of `url`
      (:class:`~.transport.SessionTransportMixin`);
    * credential discovery (:class:`~.auth.SessionAuthMixin`);
    * relative URLs resolved against `url`
      (:class:`~.base_url.SessionBaseURLMixin`);
    * a finite default timeout (:class:`~.timeout.SessionTimeoutMixin`);
    * retries with backoff and a connection pool sized for threads
      (:class:`~.adapters.SessionAdapterMixin`);
    * ``map()``: many requests at once in threads, with a pool as large
      as the threads (:class:`~.fanout.SessionMapMixin`);
    * modified copies: ``with_headers``, ``with_cookies``, ``with_timeout``,
      ``with_retries`` (:class:`~.clone.SessionCloneMixin`);
    * exceptions for HTTP error statuses (:class:`~.errors.SessionErrorMixin`);
    * file uploads from paths with guessed MIME types
      (:class:`~.file.SessionFileMixin`);
    * a ``User-Agent`` naming the package (:class:`~.user_agent.SessionUserAgentMixin`);
    * ``close()`` that releases every socket at once
      (:class:`~.closing.SessionCloseMixin`);
    * proxy and CA-bundle variables read once, when the session is made
      (:class:`~.environment.SessionEnvironmentMixin`).

    Examples
    --------
    >>> with Session("https://gracedb.example.org/api/", force_noauth=True) as s:
    ...     s.auth_source
    'force_noauth'
    """

    # Every option is listed (rather than taken as **kwargs) so that help(),
    # editors and type checkers see them, and a misspelt one is reported
    # against Session. tests/test_session.py checks that this list matches
    # the mixins' options and defaults: declared there, passed on here.
    def __init__(
        self,
        url: Optional[str] = None,
        *,
        token: Union[PathLike, bool, None] = None,
        cert: Union[PathLike, tuple[PathLike, PathLike], bool, None] = None,
        api_key: Optional[str] = None,
        auth_header_name: str = "Authorization",
        api_key_prefix: Optional[str] = None,
        token_audience: _Names = None,
        token_scope: _Names = None,
        token_issuer: _Names = None,
        token_expiry_margin: float = DEFAULT_EXPIRY_MARGIN,
        username: Optional[str] = None,
        password: Optional[str] = None,
        force_noauth: bool = False,
        fail_if_noauth: bool = False,
        auth_reload: bool = False,
        auth_reload_timeout: float = 300,
        allow_insecure_auth: bool = False,
        allow_cross_origin_auth: bool = False,
        timeout: TimeoutValue = DEFAULT_TIMEOUT,
        retries: Union[int, Retry] = DEFAULT_RETRIES,
        pool_maxsize: int = DEFAULT_POOL_MAXSIZE,
        warm_connections: bool = True,
        raise_for_status: bool = True,
    ) -> None:
        # Each mixin takes its own options from these and passes the rest
        # on (super().__init__(**kwargs)), so that a class placed anywhere
        # in a subclass's MRO is initialised too.
        options = {
            name: value
            for name, value in locals().items()
            if name not in ("self", "__class__")
        }
        super().__init__(**options)

    if TYPE_CHECKING:
        # For type checkers only: requests' signatures, with the upload
        # forms that SessionFileMixin accepts in ``files=`` (paths,
        # ``(filename, None)``...) and the timeouts SessionTimeoutMixin
        # accepts. At run time the mixins' request() forwards every
        # argument, as requests' own get(), post()... do. ("override": see
        # _typing.Files for the one form of requests' stubs left out.)
        def request(  # type: ignore[override]
            self,
            method: Union[str, bytes],
            url: Union[str, bytes],
            params: Optional[_Params] = None,
            data: Optional[_Data] = None,
            headers: Optional[_HeadersUpdateMapping] = None,
            cookies: Union[RequestsCookieJar, _Cookies, None] = None,
            files: Optional[Files] = None,
            auth: Optional[_Auth] = None,
            timeout: TimeoutValue = None,
            allow_redirects: bool = True,
            proxies: Optional[_TextMapping] = None,
            hooks: Optional[_HooksInput] = None,
            stream: Optional[bool] = None,
            verify: Optional[_Verify] = None,
            cert: Optional[_Cert] = None,
            json: Optional[_JSON] = None,
        ) -> Response: ...

        def post(  # type: ignore[override]
            self,
            url: Union[str, bytes],
            data: Optional[_Data] = None,
            json: Optional[_JSON] = None,
            *,
            params: Optional[_Params] = None,
            headers: Optional[_HeadersUpdateMapping] = None,
            cookies: Union[RequestsCookieJar, _Cookies, None] = None,
            files: Optional[Files] = None,
            auth: Optional[_Auth] = None,
            timeout: TimeoutValue = None,
            allow_redirects: bool = True,
            proxies: Optional[_TextMapping] = None,
            hooks: Optional[_HooksInput] = None,
            stream: Optional[bool] = None,
            verify: Optional[_Verify] = None,
            cert: Optional[_Cert] = None,
        ) -> Response: ...

        def put(  # type: ignore[override]
            self,
            url: Union[str, bytes],
            data: Optional[_Data] = None,
            *,
            params: Optional[_Params] = None,
            headers: Optional[_HeadersUpdateMapping] = None,
            cookies: Union[RequestsCookieJar, _Cookies, None] = None,
            files: Optional[Files] = None,
            auth: Optional[_Auth] = None,
            timeout: TimeoutValue = None,
            allow_redirects: bool = True,
            proxies: Optional[_TextMapping] = None,
            hooks: Optional[_HooksInput] = None,
            stream: Optional[bool] = None,
            verify: Optional[_Verify] = None,
            cert: Optional[_Cert] = None,
            json: Optional[_JSON] = None,
        ) -> Response: ...

        patch = put  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} auth from {self.auth_source or 'nowhere'}>"
