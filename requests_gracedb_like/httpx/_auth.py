"""Discovered credentials for httpx, sync and async: :class:`Auth`."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncGenerator, Awaitable, Generator, Sequence
from typing import Any, Optional

import httpx

from .._http.origin import (
    Origin,
    credential_headers,
    remote_in_clear,
    session_credential_headers,
)
from .._http.redact import redact_url
from ..auth import credential_arguments, discovers_per_request
from ..credentials.discovery import discover
from ..credentials.header import HeaderCredential
from ..credentials.records import Arguments, Discovery
from ..credentials.sources import SOURCES
from ..exceptions import InsecureAuthError
from ._claims import claims_of

__all__ = [
    "RESENT_BY_CLIENT",
    "SIGNED_WITH",
    "Auth",
    "BasicAuth",
    "check_request",
    "origin",
]

log = logging.getLogger(__name__)

#: The request extension naming the origin a request was signed for (or,
#: from a :class:`~requests_gracedb_like.httpx.Client`, first sent to);
#: httpx carries extensions over to the requests of a redirect.
SIGNED_FOR = "requests_gracedb_like.origin"

#: The request extension a :class:`~requests_gracedb_like.httpx.Client`
#: sets to send a request once more after a 401 itself: it closes the 401
#: unread, where httpx's auth loop would read its whole body first.
RESENT_BY_CLIENT = "requests_gracedb_like.resent_by_client"

#: The request extension naming what signed a request: ``(auth,
#: credential, names of the headers it added)``.
SIGNED_WITH = "requests_gracedb_like.signed_with"

_PORTS = {"http": 80, "https": 443}


def origin(url: Any) -> Origin:
    """``(scheme, host, port)`` of `url` as httpx connects to it: read from
    the :class:`httpx.URL` httpx sends (any other URL is parsed by httpx
    first), the host in its ASCII form, the port filled in for http and
    https, as :func:`~requests_gracedb_like._http.origin.origin_of` gives
    them for requests."""
    if not isinstance(url, httpx.URL):
        url = httpx.URL(str(url))
    scheme = url.scheme
    return scheme, url.raw_host.decode("ascii").lower(), url.port or _PORTS.get(scheme)


def _arguments_for(
    arguments: Arguments, url: str, claims: Optional[dict[str, Any]] = None
) -> Arguments:
    fields = {name: getattr(arguments, name) for name in Arguments._fields}
    fields["url"] = url
    fields.update(claims or {})
    return Arguments(**fields)


def _refuse_cleartext(request: httpx.Request, names: Sequence[str] = ()) -> None:
    url = str(request.url)
    what = f"a credential ({', '.join(names)} header)" if names else "a credential"
    raise InsecureAuthError(
        f"refusing to send {what} over plain {request.url.scheme or 'text'} "
        f"to {redact_url(url)}: anyone on the network path could read it. Use "
        "https, or pass allow_insecure_auth=True to accept the risk."
    )


def check_request(
    request: httpx.Request,
    credential: Optional[HeaderCredential],
    *,
    allow_insecure_auth: bool = False,
) -> None:
    """The last look at a request before httpx sends it (a request event
    hook runs for every hop of a redirect).

    1. A request that a redirect took to another origin than the one it was
       signed for (or, from a :class:`~requests_gracedb_like.httpx.Client`,
       first sent to) loses every credential header: ``Authorization``,
       ``X-API-Key``, the credential's own header and any header named like
       a key, token, secret or session. httpx drops only ``Authorization``,
       and keeps it on a redirect from http to https.
    2. A request that still carries a credential header over plain http to
       another machine raises
       :class:`~requests_gracedb_like.exceptions.InsecureAuthError`, unless
       `allow_insecure_auth`.
    """
    signed_for = request.extensions.get(SIGNED_FOR)
    here = origin(request.url)
    names = [
        name
        for name in session_credential_headers(request.headers, credential)
        if name.lower() != "cookie"
    ]
    if signed_for is not None and here != signed_for:
        for name in {*names, *credential_headers(credential)}:
            request.headers.pop(name, None)
        return
    if names and not allow_insecure_auth and remote_in_clear(here):
        _refuse_cleartext(request, names)


class _Done:
    """An awaitable that is already done: awaiting it gives None at once."""

    __slots__ = ()

    def __await__(self) -> Generator[None, None, None]:
        return
        yield  # a generator: nothing to wait for


_DONE = _Done()


class Auth(httpx.Auth):
    """An :class:`httpx.Auth` that finds the user's credential as
    :class:`~requests_gracedb_like.session.Session` does, and sends it only
    where it belongs.

    Parameters
    ----------
    url : str, optional
        The service URL: its origin (scheme, host, port) is the only one
        that receives the credential, and it chooses the token audience and
        the netrc entry. Without it, the credential goes to any origin
        (given as an argument) or is looked for again for each request's
        own origin (found in the environment).
    allow_insecure_auth : bool, default=False
        Send the credential over plain ``http://`` to a host that is not
        this machine. Without it, such a request raises
        :class:`~requests_gracedb_like.exceptions.InsecureAuthError`.
    allow_cross_origin_auth : bool, default=False
        Send the credential to every origin, not only `url`'s.
    **kwargs
        The credential arguments of
        :class:`~requests_gracedb_like.auth.SessionAuthMixin`: ``token``,
        ``api_key``, ``auth_header_name``, ``api_key_prefix``,
        ``token_audience``, ``token_scope``, ``token_issuer``,
        ``token_expiry_margin``, ``username``, ``password``,
        ``force_noauth``, ``fail_if_noauth``, ``auth_reload``,
        ``auth_reload_timeout``. (A client certificate is the client's
        business: see :class:`~requests_gracedb_like.httpx.Client`.)

    Notes
    -----
    Discovery (the sources of :mod:`requests_gracedb_like.credentials.discovery`,
    in order) runs when the object is made, unless ``defer=True``: then on
    first use, in a worker thread when the client is asynchronous.

    For each request, in order:

    1. A request for another origin than `url`'s is sent as it is.
    2. A request over plain http to a host that is not this machine raises
       :class:`~requests_gracedb_like.exceptions.InsecureAuthError` before
       anything is sent (``allow_insecure_auth=True`` allows it).
    3. A credential whose refresh time has passed is brought up to date
       (a token file re-read, an OIDC token refreshed) under a lock, so
       that concurrent requests cause one refresh: a :class:`threading.Lock`
       for threads, an :class:`asyncio.Lock` for the tasks of an event loop,
       and the cache file's lock for processes; the asynchronous flow does
       the blocking part in a worker thread.
    4. The credential's headers are added (with ``token_audience``,
       ``token_scope`` or ``token_issuer`` given to the request, those of
       the token discovery finds for them, or none when none matches), and
       the request is marked with the origin it was signed for (see
       :meth:`check_request`).
    5. When the answer is 401 and the credential, re-read, differs, the
       request is sent once more with it (when its body is held in memory).
       httpx reads the whole 401 body before it sends the request again;
       a :class:`~requests_gracedb_like.httpx.Client` does the resend
       itself (see :meth:`after_401`) and closes the 401 unread.
    """

    def __init__(
        self,
        url: Optional[str] = None,
        *,
        allow_insecure_auth: bool = False,
        allow_cross_origin_auth: bool = False,
        defer: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("cert", False)
        fail_if_noauth = bool(kwargs.get("fail_if_noauth", False))
        self._arguments = credential_arguments(url, **kwargs)
        self._fail_if_noauth = fail_if_noauth
        self.url = url
        self.allow_insecure_auth = bool(allow_insecure_auth)
        self.allow_cross_origin_auth = bool(allow_cross_origin_auth)
        self.auth_origin = None if url is None else origin(url)
        self._discovery: Optional[Discovery] = None
        self._lock = threading.Lock()
        self._async_locks: dict[int, tuple[Any, asyncio.Lock]] = {}
        if not defer:
            self.discover()

    @classmethod
    def _from_discovery(
        cls,
        arguments: Arguments,
        discovery: Discovery,
        *,
        allow_insecure_auth: bool,
        allow_cross_origin_auth: bool,
    ) -> Auth:
        """The object for a client that ran discovery itself."""
        self = cls.__new__(cls)
        self._arguments = arguments
        self._fail_if_noauth = False
        self.url = arguments.url
        self.allow_insecure_auth = allow_insecure_auth
        self.allow_cross_origin_auth = allow_cross_origin_auth
        self.auth_origin = None if arguments.url is None else origin(arguments.url)
        self._discovery = discovery
        self._lock = threading.Lock()
        self._async_locks = {}
        return self

    # -- discovery ---------------------------------------------------------

    def discover(self) -> Discovery:
        """Run discovery now if it has not run (blocking); return its record."""
        with self._lock:
            if self._discovery is None:
                self._discovery = discover(
                    self._arguments, SOURCES, fail_if_noauth=self._fail_if_noauth
                )
                log.debug(
                    "httpx auth using credential from %s",
                    self._discovery.source or "no source",
                )
            return self._discovery

    async def adiscover(self) -> Discovery:
        """:meth:`discover` in a worker thread, for an event loop."""
        if self._discovery is not None:
            return self._discovery
        return await asyncio.to_thread(self.discover)

    @property
    def credential(self) -> Optional[HeaderCredential]:
        """The header credential found (None before discovery or when none).

        Without `url` and without a header credential among the arguments,
        this is what was found for no URL in particular; each request gets
        the one found for its own origin.
        """
        discovery = self._discovery
        return None if discovery is None else discovery.auth  # type: ignore[return-value]

    @property
    def auth_source(self) -> Optional[str]:
        """Where the credential came from (a variable or a path, never the
        secret), once discovery has run."""
        discovery = self._discovery
        return None if discovery is None else discovery.source

    @property
    def expiry(self) -> Optional[float]:
        """When the credential expires (POSIX time), or None."""
        credential = self.credential
        return None if credential is None else credential.expiry

    def __repr__(self) -> str:
        where = "any origin" if self.url is None else redact_url(self.url)
        return f"<{type(self).__name__} for {where} from {self.auth_source}>"

    __str__ = __repr__

    # -- the rules ---------------------------------------------------------

    def _for_origin(self, request: httpx.Request, here: Origin) -> bool:
        """Rule 1: whether `request` (for origin `here`) goes to the origin
        of the credential."""
        if (
            self.auth_origin is not None
            and not self.allow_cross_origin_auth
            and here != self.auth_origin
        ):
            log.debug("not sending the credential to %s", redact_url(str(request.url)))
            return False
        return True

    def _refuse_cleartext(self, request: httpx.Request, here: Origin) -> None:
        """Rule 2: raise when `request` (for origin `here`) would carry a
        credential in clear to another machine."""
        if not self.allow_insecure_auth and remote_in_clear(here):
            _refuse_cleartext(request)

    def _needs_discovery(self, claims: Optional[dict[str, Any]] = None) -> bool:
        return (
            self._discovery is None
            or bool(claims)
            or discovers_per_request(self._arguments)
        )

    def _found(
        self, url: str, claims: Optional[dict[str, Any]] = None
    ) -> Optional[HeaderCredential]:
        """The credential for a request to `url` (blocking: discovery);
        with `claims` (given to that request alone), the one discovery
        finds for them, or None."""
        discovery = self.discover()
        if not claims and not discovers_per_request(self._arguments):
            return discovery.auth  # type: ignore[return-value]
        found = discover(_arguments_for(self._arguments, url, claims), SOURCES).auth
        return found  # type: ignore[return-value]

    def _sign(
        self, request: httpx.Request, credential: HeaderCredential, here: Origin
    ) -> dict[str, str]:
        headers = credential.headers(str(request.url))
        request.headers.update(headers)
        request.extensions = {
            **request.extensions,
            SIGNED_FOR: here,
            SIGNED_WITH: (self, credential, tuple(headers)),
        }
        return headers

    def check_request(self, request: httpx.Request) -> Awaitable[None]:
        """A request event hook: see :func:`check_request`. With a plain
        :class:`httpx.Client` or :class:`httpx.AsyncClient`, pass
        ``event_hooks={"request": [auth.check_request]}``.

        The check is done when it is called; what it returns is nothing to
        wait for, for an asynchronous client to await (httpx awaits the
        hooks of an :class:`httpx.AsyncClient`, and calls those of an
        :class:`httpx.Client`): one hook serves both, as in the
        ``httpx_args`` an OpenAPI-generated client passes to each.
        """
        check_request(
            request, self.credential, allow_insecure_auth=self.allow_insecure_auth
        )
        return _DONE

    @staticmethod
    def _replayable(request: httpx.Request) -> bool:
        """Whether `request` can be sent again: its body is in memory."""
        try:
            request.content  # noqa: B018 - raises for a streamed body
        except Exception:  # httpx's RequestNotRead, or httpx2's
            return False
        return True

    def _rejected(
        self, request: httpx.Request, response: httpx.Response
    ) -> Optional[tuple[HeaderCredential, dict[str, str]]]:
        """The credential `request` was signed with and the headers it
        sent, when `response` is a 401 from the origin it was signed for
        and `request` can be sent again; else None."""
        signed = request.extensions.get(SIGNED_WITH)
        if (
            response.status_code != 401
            or signed is None
            or signed[0] is not self
            or origin(response.request.url) != request.extensions.get(SIGNED_FOR)
            or not self._replayable(request)
        ):
            return None
        credential, names = signed[1], signed[2]
        headers = request.headers
        sent = {name: headers[name] for name in names if name in headers}
        return credential, sent

    @staticmethod
    def _changed(
        again: Optional[dict[str, str]], sent: dict[str, str], request: httpx.Request
    ) -> Optional[dict[str, str]]:
        if again is None or again == sent:
            return None
        log.debug("401 from %s: sent once more", redact_url(str(request.url)))
        return again

    def after_401(
        self, request: httpx.Request, response: httpx.Response
    ) -> Optional[dict[str, str]]:
        """The headers to send `request` once more with after the 401
        `response`: the credential re-read (a token file rotated, say)
        when it differs from what was sent; else None.

        Only for a request this object signed, answered by the origin it
        was signed for, whose body is held in memory.
        """
        rejected = self._rejected(request, response)
        if rejected is None:
            return None
        credential, sent = rejected
        return self._changed(credential.rejected(sent), sent, request)

    async def aafter_401(
        self, request: httpx.Request, response: httpx.Response
    ) -> Optional[dict[str, str]]:
        """:meth:`after_401` for an event loop: the credential re-read in a
        worker thread, one task at a time."""
        rejected = self._rejected(request, response)
        if rejected is None:
            return None
        credential, sent = rejected
        async with self._async_lock():
            again = await asyncio.to_thread(credential.rejected, sent)
        return self._changed(again, sent, request)

    # -- the flows ---------------------------------------------------------

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        credential = None
        here = origin(request.url)
        if self._for_origin(request, here):
            credential = self._found(str(request.url), claims_of(request))
        if credential is None:
            yield request
            return
        self._refuse_cleartext(request, here)
        if credential.refresh_due():
            credential.update()
        self._sign(request, credential, here)
        response = yield request
        if request.extensions.get(RESENT_BY_CLIENT):
            return
        again = self.after_401(request, response)
        if again is not None:
            request.headers.update(again)
            yield request

    def _async_lock(self) -> asyncio.Lock:
        """One lock per event loop: an :class:`asyncio.Lock` belongs to the
        loop it is first used in."""
        loop = asyncio.get_running_loop()
        entry = self._async_locks.get(id(loop))
        if entry is None or entry[0] is not loop:
            entry = (loop, asyncio.Lock())
            self._async_locks = {id(loop): entry}
        return entry[1]

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        credential = None
        here = origin(request.url)
        if self._for_origin(request, here):
            claims = claims_of(request)
            if self._needs_discovery(claims):
                credential = await asyncio.to_thread(
                    self._found, str(request.url), claims
                )
            else:
                credential = self.credential
        if credential is None:
            yield request
            return
        self._refuse_cleartext(request, here)
        if credential.refresh_due():
            async with self._async_lock():
                now = time.time()
                if credential.refresh_due(now):
                    # In a thread: a file lock, a file read, a round trip to
                    # the provider. A cancelled task leaves the thread to
                    # finish, so a rotated refresh token is always saved.
                    # The time is the loop's: the clock decided here.
                    await asyncio.to_thread(credential.update, now)
        self._sign(request, credential, here)
        response = yield request
        if request.extensions.get(RESENT_BY_CLIENT):
            return
        again = await self.aafter_401(request, response)
        if again is not None:
            request.headers.update(again)
            yield request


class BasicAuth(Auth, httpx.BasicAuth):
    """The :class:`Auth` of a client whose credential is a user name and
    password: also an :class:`httpx.BasicAuth`, as httpx-gracedb's was."""
