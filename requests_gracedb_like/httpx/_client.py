"""The httpx clients: :class:`Client` and :class:`AsyncClient`."""

from __future__ import annotations

import asyncio
import os
import ssl
import time
import zlib
from collections.abc import AsyncGenerator, Callable, Coroutine
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    ExitStack,
    aclosing,
)
from http.cookiejar import CookieJar
from typing import Any, Optional, TypeVar, cast

import httpx
from requests.cookies import create_cookie

from .._http import messages
from .._http.decoding import BoundedDecoder
from .._http.messages import MAX_ERROR_BODY
from .._http.origin import session_credential_headers
from ..auth import credential_arguments, discovers_per_request
from ..clone import _cookie_domain, _cookie_secure
from ..credentials.basic import BasicAuth as _BasicCredential
from ..credentials.discovery import discover
from ..credentials.sources import SOURCES
from ..credentials.x509 import X509Credential
from ..file import STREAM_THRESHOLD, prepare_files, read_opened
from ..retry import DEFAULT_RETRIES
from ..user_agent import user_agent_for
from ._auth import (
    RESENT_BY_CLIENT,
    SIGNED_FOR,
    SIGNED_WITH,
    Auth,
    BasicAuth,
    check_request,
    origin,
)
from ._certs import AsyncCertTransport, CertTransport
from ._claims import ClaimArguments, claims_of
from ._describe import describe_auth
from ._errors import error_for
from ._pickle import reduce_client
from ._proxies import AsyncProxyGuard, ProxyGuard, proxy_for, proxy_routes
from ._retry import AsyncRetryTransport, RetryTransport

__all__ = ["DEFAULT_TIMEOUT", "AsyncClient", "Client"]

#: Connect within 10 s, then wait at most 300 s for each read, write or
#: pooled connection: the session's ``(10, 300)``.
DEFAULT_TIMEOUT = httpx.Timeout(300.0, connect=10.0)

#: The credential arguments, passed on to discovery.
CREDENTIAL_ARGUMENTS = (
    "token",
    "cert",
    "api_key",
    "auth_header_name",
    "api_key_prefix",
    "token_audience",
    "token_scope",
    "token_issuer",
    "token_expiry_margin",
    "username",
    "password",
    "force_noauth",
    "fail_if_noauth",
    "auth_reload",
    "auth_reload_timeout",
)

#: The request extension holding the files a request opened, closed once
#: it has been sent.
_OPENED = "requests_gracedb_like.opened"

_C = TypeVar("_C", bound="_ClientBase")


def _ssl_context(verify: Any, trust_env: bool, cert: X509Credential) -> ssl.SSLContext:
    """A context that verifies as `verify` says and presents `cert`."""
    if isinstance(verify, ssl.SSLContext):
        raise ValueError(
            "a client certificate was found, and verify= is an SSLContext this "
            "client must not change: load the certificate into it yourself "
            "and pass cert=False"
        )
    if isinstance(verify, (str, os.PathLike)):
        context = ssl.create_default_context(cafile=os.fspath(verify))
    else:
        context = httpx.create_ssl_context(verify=verify, trust_env=trust_env)
    context.load_cert_chain(cert.cert_file, cert.key_file)
    return context


def _mount_key(url: str) -> str:
    parsed = httpx.URL(url)
    port = f":{parsed.port}" if parsed.port is not None else ""
    return f"https://{parsed.host}{port}"


def _prepared_files(files: Any, threshold: int) -> tuple[Any, Optional[ExitStack]]:
    """`files` with paths opened and MIME types guessed: small uploads read
    into memory, large ones left open to be streamed (their stack
    returned, for the caller to close once the request is sent)."""
    # Imported on first upload, not with the package.
    from .._http.multipart import file_size

    stack = ExitStack()
    opened: list[Any] = []
    try:
        prepared = prepare_files(files, stack, opened)
        on_disk = sum(
            file_size(value[1]) or 0
            for _, value in prepared
            if isinstance(value, tuple) and len(value) > 1
        )
        if on_disk < threshold:
            with stack:
                return read_opened(prepared, opened), None
    except BaseException:
        stack.close()
        raise
    if not opened:
        stack.close()
        return prepared, None
    return prepared, stack


class _BoundedRead:
    """The start of an error body, as the session reads one: at most
    ``MAX_ERROR_BODY`` bytes (decoded), for at most
    ``MAX_ERROR_BODY_SECONDS``, so that a body that never ends or trickles
    in neither exhausts memory nor holds the error back."""

    def __init__(self, response: httpx.Response) -> None:
        self.chunks: list[bytes] = []
        self.size = 0
        self.ended = True
        self.deadline = time.monotonic() + messages.MAX_ERROR_BODY_SECONDS
        # Decoded here, from the raw bytes: httpx would decode each network
        # chunk whole, and 64 KiB of gzip can be 64 MiB of text.
        self.decoder = BoundedDecoder(
            response.headers.get("Content-Encoding", ""), MAX_ERROR_BODY + 1
        )
        if not self.decoder.readable:  # br, zstd: left unread
            self.ended = False

    @property
    def reading(self) -> bool:
        """Whether to read (more of) the body."""
        return self.ended and self.size <= MAX_ERROR_BODY

    def add_raw(self, chunk: bytes) -> bool:
        """Keep the decoded bytes of the raw `chunk`; whether to read on."""
        try:
            return self.add(self.decoder.decode(chunk))
        except zlib.error:  # not what its Content-Encoding says
            return False

    def add(self, chunk: bytes) -> bool:
        """Keep `chunk`; whether to read on."""
        self.chunks.append(chunk)
        self.size += len(chunk)
        if self.size > MAX_ERROR_BODY or time.monotonic() >= self.deadline:
            self.ended = False
        return self.ended

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)[:MAX_ERROR_BODY]

    def response(self, response: httpx.Response, stream: bool) -> httpx.Response:
        """`response`, or, for a request not streamed whose body was read
        whole, a response whose ``content`` is that body (decoded, so
        without its ``Content-Encoding``), as httpx gives one."""
        if stream or not self.ended:
            return response
        headers = httpx.Headers(response.headers)
        for name in ("Content-Encoding", "Content-Length", "Transfer-Encoding"):
            headers.pop(name, None)
        return httpx.Response(
            response.status_code,
            headers=headers,
            content=b"".join(self.chunks),
            request=response.request,
            extensions=response.extensions,
            history=response.history,
        )


def _signer(request: httpx.Request, response: Any) -> Optional[Auth]:
    """The :class:`Auth` that signed `request`, when `response` is a 401
    (from httpx: a test double standing in for the network has no say)."""
    if not isinstance(response, httpx.Response) or response.status_code != 401:
        return None
    signed = request.extensions.get(SIGNED_WITH)
    return None if signed is None else signed[0]  # type: ignore[no-any-return]


def _after(rejected: httpx.Response, response: httpx.Response) -> httpx.Response:
    """`response`, to the request sent once more after the 401 `rejected`,
    with `rejected` and the redirects before it in its history (as httpx's
    auth loop gives it)."""
    response.history = [*rejected.history, rejected, *response.history]
    return response


class _ClientBase:
    """What :class:`Client` and :class:`AsyncClient` share: the arguments,
    discovery, and the hooks on httpx's public extension points."""

    auth_source: Optional[str]
    auth_cert: Optional[X509Credential]
    upload_stream_threshold: int = STREAM_THRESHOLD
    _retry_transport: Any = RetryTransport
    _http_transport: Any = httpx.HTTPTransport
    _cert_transport: Any = CertTransport
    _proxy_guard: Any = ProxyGuard

    def __init__(
        self,
        url: Optional[str] = None,
        *,
        allow_insecure_auth: bool = False,
        allow_cross_origin_auth: bool = False,
        raise_for_status: bool = True,
        retries: int = DEFAULT_RETRIES,
        **kwargs: Any,
    ) -> None:
        self._init_arguments = {
            "url": url,
            "allow_insecure_auth": allow_insecure_auth,
            "allow_cross_origin_auth": allow_cross_origin_auth,
            "raise_for_status": raise_for_status,
            "retries": retries,
            **kwargs,
        }
        credential = {k: kwargs.pop(k) for k in CREDENTIAL_ARGUMENTS if k in kwargs}
        fail_if_noauth = bool(credential.get("fail_if_noauth", False))
        arguments = credential_arguments(url, **credential)
        self._auth_arguments = arguments
        self.allow_insecure_auth = bool(allow_insecure_auth)
        self.allow_cross_origin_auth = bool(allow_cross_origin_auth)
        self.raise_for_status = bool(raise_for_status)
        self.auth_url = url
        self.auth_origin = None if url is None else origin(url)
        auth: Any = kwargs.pop("auth", None)
        discovery = discover(arguments, SOURCES, fail_if_noauth=fail_if_noauth)
        self.auth_discovery = discovery
        self.auth_source = discovery.source
        self.auth_cert = discovery.cert
        if auth is None:
            auth = self._auth_for(arguments, discovery)
        if url is not None:
            kwargs.setdefault("base_url", url)
        kwargs.setdefault("timeout", DEFAULT_TIMEOUT)
        self._install_transports(kwargs, retries)
        hooks = {k: list(v) for k, v in (kwargs.pop("event_hooks", None) or {}).items()}
        hooks.setdefault("request", []).append(self._request_hook())
        given = {str(k).lower() for k in (kwargs.get("headers") or {})}
        super().__init__(auth=auth, event_hooks=hooks, **kwargs)  # type: ignore[call-arg]
        if "user-agent" not in given:
            self.headers["User-Agent"] = user_agent_for(type(self).__module__)  # type: ignore[attr-defined]

    def _auth_for(self, arguments: Any, discovery: Any) -> Optional[Auth]:
        if arguments.force_noauth or (
            discovery.auth is None and not discovers_per_request(arguments)
        ):
            return None
        cls = BasicAuth if isinstance(discovery.auth, _BasicCredential) else Auth
        return cls._from_discovery(
            arguments,
            discovery,
            allow_insecure_auth=self.allow_insecure_auth,
            allow_cross_origin_auth=self.allow_cross_origin_auth,
        )

    def _install_transports(self, kwargs: dict[str, Any], retries: int) -> None:
        """The retrying transport, and the client certificate mounted for
        the service's origin only."""
        verify = kwargs.get("verify")
        if isinstance(verify, (str, os.PathLike)):
            # What httpx asks for instead of a path, which it deprecates.
            kwargs["verify"] = ssl.create_default_context(cafile=os.fspath(verify))
        transport = kwargs.get("transport")
        routes = proxy_routes(
            kwargs.pop("proxy", None),
            transport is None and kwargs.get("trust_env", True),
        )
        if transport is None:
            options = {
                k: kwargs[k]
                for k in ("verify", "trust_env", "http1", "http2", "limits")
                if k in kwargs
            }
            transport = self._http_transport(**options)
        if retries:
            transport = self._retry_transport(transport, retries=retries)
        kwargs["transport"] = transport
        cert = self.auth_cert
        if cert is None:
            self._mount_proxies(kwargs, routes, retries)
            return
        cert_options: dict[str, Any] = {
            k: kwargs[k] for k in ("http1", "http2", "limits") if k in kwargs
        }

        def presenting_cert(proxy: Optional[str]) -> Any:
            """A transport presenting the certificate (re-read when it
            changes, if it reloads), through `proxy` if not None."""

            def make() -> Any:
                context = _ssl_context(
                    self._init_arguments.get("verify", True),
                    kwargs.get("trust_env", True),
                    cert,
                )
                made: Any = self._http_transport(
                    verify=context, proxy=proxy, **cert_options
                )
                if retries:
                    made = self._retry_transport(made, retries=retries)
                return made

            return self._cert_transport(cert, make) if cert.reloading else make()

        if self.auth_url is None or self.allow_cross_origin_auth:
            # As the session: the certificate to every origin, proxied or not.
            self._mount_proxies(kwargs, routes, retries, presenting_cert)
            kwargs["transport"] = presenting_cert(None)
            return
        self._mount_proxies(kwargs, routes, retries)
        proxy = proxy_for(self.auth_url, routes)
        with_cert = presenting_cert(proxy)
        if proxy is not None:
            with_cert = self._guarded(with_cert, proxy)
        mounts = dict(kwargs.get("mounts") or {})
        mounts.setdefault(_mount_key(self.auth_url), with_cert)
        kwargs["mounts"] = mounts

    def _guarded(self, through: Any, proxy: str) -> Any:
        """`through`, a transport sending through `proxy`, wrapped in the
        guard that refuses a credential in clear on the way."""
        return self._proxy_guard(
            through,
            proxy,
            lambda: getattr(getattr(self, "auth", None), "credential", None),
            self.allow_insecure_auth,
        )

    def _mount_proxies(
        self,
        kwargs: dict[str, Any],
        routes: dict[str, Optional[str]],
        retries: int,
        make: Optional[Callable[[str], Any]] = None,
    ) -> None:
        """Mount a guarded transport for each proxy of `routes` (see
        :mod:`~requests_gracedb_like.httpx._proxies`), made by `make` (the
        proxy's URL given) if not None; the user's own ``mounts=`` win."""
        if not routes:
            return
        options = {
            k: kwargs[k]
            for k in ("verify", "trust_env", "http1", "http2", "limits")
            if k in kwargs
        }
        mounts = dict(kwargs.get("mounts") or {})
        for pattern, proxy in routes.items():
            if proxy is None:
                mounts.setdefault(pattern, None)
                continue
            if make is not None:
                through = make(proxy)
            else:
                through = self._http_transport(proxy=proxy, **options)
                if retries:
                    through = self._retry_transport(through, retries=retries)
            mounts.setdefault(pattern, self._guarded(through, proxy))
        kwargs["mounts"] = mounts

    def describe_auth(self) -> Any:
        """Explain which credential this client uses and why, as
        :meth:`~requests_gracedb_like.auth.SessionAuthMixin.describe_auth`
        does for the session: an
        :class:`~requests_gracedb_like.credentials.explain.AuthReport`,
        holding no secret."""
        return describe_auth(self)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as the client's arguments, headers and timeout, never a
        secret (see :mod:`~requests_gracedb_like.httpx._pickle`)."""
        return reduce_client(self)

    def _claims_auth(self, request: httpx.Request, kwargs: dict[str, Any]) -> None:
        """A request with per-request claims, from a client that found no
        credential when it was made: looked for with those claims, as the
        session does."""
        if (
            kwargs.get("auth", httpx.USE_CLIENT_DEFAULT) is httpx.USE_CLIENT_DEFAULT
            and getattr(self, "auth", None) is None
            and not self._auth_arguments.force_noauth
            and claims_of(request)
        ):
            kwargs["auth"] = Auth._from_discovery(
                self._auth_arguments,
                self.auth_discovery,
                allow_insecure_auth=self.allow_insecure_auth,
                allow_cross_origin_auth=self.allow_cross_origin_auth,
            )

    def _request_hook(self) -> Any:
        return self._check_request

    def _check_request(self, request: httpx.Request) -> None:
        auth = getattr(self, "auth", None)
        check_request(
            request,
            getattr(auth, "credential", None),
            allow_insecure_auth=self.allow_insecure_auth,
        )

    def _before_send(self, request: httpx.Request) -> None:
        """Mark `request` with its origin (see
        :func:`~requests_gracedb_like.httpx.check_request`), and keep the
        client's own credential headers (those with the name and value set
        on ``client.headers``) off a request for another origin than the
        service's, as the session does."""
        here = origin(request.url)
        request.extensions = {**request.extensions, SIGNED_FOR: here}
        if (
            self.auth_origin is None
            or self.allow_cross_origin_auth
            or here == self.auth_origin
        ):
            return
        client_headers = self.headers  # type: ignore[attr-defined]
        auth = getattr(self, "auth", None)
        for name in session_credential_headers(
            client_headers, getattr(auth, "credential", None)
        ):
            if request.headers.get(name) == client_headers.get(name):
                request.headers.pop(name, None)

    def build_request(self, method: str, url: Any, **kwargs: Any) -> httpx.Request:
        """Build a request: paths in ``files=`` opened and their MIME types
        guessed (see :class:`~requests_gracedb_like.file.SessionFileMixin`),
        uploads of at least ``upload_stream_threshold`` bytes streamed from
        disk (closed once the request is sent)."""
        files = kwargs.get("files")
        stack = None
        if files is not None:
            kwargs["files"], stack = _prepared_files(
                files, self.upload_stream_threshold
            )
        try:
            request: httpx.Request = super().build_request(method, url, **kwargs)  # type: ignore[misc]
        except BaseException:
            if stack is not None:
                stack.close()
            raise
        if stack is not None:
            request.extensions = {**request.extensions, _OPENED: stack}
        return request

    def _copy(self: _C, **changes: Any) -> _C:
        arguments = dict(self._init_arguments)
        arguments["headers"] = httpx.Headers(self.headers)  # type: ignore[attr-defined]
        arguments["cookies"] = httpx.Cookies(self.cookies)  # type: ignore[attr-defined]
        arguments["timeout"] = self.timeout  # type: ignore[attr-defined]
        arguments.update(changes)
        return type(self)(**arguments)

    def with_headers(self: _C, headers: Any) -> _C:
        """A new client like this one (its own connections and credential
        objects), with `headers` added to its headers."""
        merged = httpx.Headers(self.headers)  # type: ignore[attr-defined]
        merged.update(headers)
        return self._copy(headers=merged)

    def with_cookies(self: _C, cookies: Any) -> _C:
        """A new client like this one, with `cookies` added to its cookies.

        Cookies given by name and value are sent as the session's
        :meth:`~requests_gracedb_like.clone.SessionCloneMixin.with_cookies`
        sends them: only to the service's host when the client has a
        service URL, and then only over https unless that URL is plain http
        on this machine or the client has ``allow_insecure_auth=True``.
        """
        merged = httpx.Cookies(self.cookies)  # type: ignore[attr-defined]
        if isinstance(cookies, (httpx.Cookies, CookieJar)):
            merged.update(cookies)
            return self._copy(cookies=merged)
        domain = _cookie_domain(self.auth_url)
        secure = _cookie_secure(self.auth_url, self.allow_insecure_auth)
        for name, value in dict(cookies).items():
            merged.jar.set_cookie(
                create_cookie(name, value, domain=domain, path="/", secure=secure)
            )
        return self._copy(cookies=merged)

    def with_timeout(self: _C, timeout: Any) -> _C:
        """A new client like this one, with `timeout` (anything
        :class:`httpx.Timeout` takes)."""
        return self._copy(timeout=httpx.Timeout(timeout))


# httpx's stream() is typed as contextmanager()'s own class, which the
# generic ClaimArguments does not name.
class Client(  # type: ignore[misc]
    _ClientBase,
    ClaimArguments[httpx.Response, AbstractContextManager[httpx.Response]],
    httpx.Client,
):
    """An :class:`httpx.Client` for GraceDB-like REST APIs, with the
    features of :class:`~requests_gracedb_like.session.Session`.

    Parameters
    ----------
    url : str, optional
        The service URL: the client's ``base_url`` (relative request URLs
        resolve against it), the host whose credentials are looked for, the
        only origin they are sent to.
    allow_insecure_auth : bool, default=False
        Send credentials over plain ``http://`` to any host.
    allow_cross_origin_auth : bool, default=False
        Send credentials (and the client certificate) to every origin.
    raise_for_status : bool, default=True
        Raise an :class:`~requests_gracedb_like.httpx.HTTPStatusError`
        subclass for every answer of 400 or more, its message naming the
        request and the server's explanation.
    retries : int, default=3
        Retries of refused connections, and of 429, 502, 503 and 504
        answers to idempotent requests (see
        :class:`~requests_gracedb_like.httpx.RetryTransport`); 0 for none.
    **kwargs
        The credential arguments of
        :class:`~requests_gracedb_like.session.Session` (``token``,
        ``cert``, ``api_key``, ``auth_header_name``, ``api_key_prefix``,
        ``token_audience``, ``token_scope``, ``token_issuer``,
        ``token_expiry_margin``, ``username``, ``password``,
        ``force_noauth``, ``fail_if_noauth``, ``auth_reload``,
        ``auth_reload_timeout``), then any argument of
        :class:`httpx.Client`.

    Notes
    -----
    Discovery runs when the client is made, as for the session;
    ``client.auth`` is then an :class:`~requests_gracedb_like.httpx.Auth`
    (a :class:`~requests_gracedb_like.httpx.BasicAuth`, also an
    :class:`httpx.BasicAuth`, for a user name and password), or None when
    nothing is sent. ``client.auth_source`` names where the credential came
    from; ``client.auth_cert`` is the client certificate, presented only to
    the service's origin. The timeout is ``DEFAULT_TIMEOUT`` unless given.
    """

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        """Send `request`; raise for an error status (the server's message
        read, at most ``MAX_ERROR_BODY`` bytes of it, even when streaming);
        close the files the request opened."""
        self._before_send(request)
        stream = bool(kwargs.pop("stream", False))
        request.extensions = {**request.extensions, RESENT_BY_CLIENT: True}
        try:
            # Streamed, so that an error body is read within bounds.
            response = super().send(request, stream=True, **kwargs)
            signer = _signer(request, response)
            again = None if signer is None else signer.after_401(request, response)
            if again is not None:
                response.close()  # unread: its body may never end
                request.headers.update(again)
                again_response = super().send(request, stream=True, **kwargs)
                response = _after(response, again_response)
        finally:
            stack = request.extensions.get(_OPENED)
            if stack is not None:
                stack.close()
        # Only httpx's responses: a test double standing in for the network
        # is returned as it is.
        if not isinstance(response, httpx.Response):
            return response
        if self.raise_for_status and response.is_error:
            reader = _BoundedRead(response)
            try:
                for chunk in response.iter_raw() if reader.reading else ():
                    if not reader.add_raw(chunk):
                        break
            except httpx.HTTPError:
                reader.ended = True  # a body broken half-way still gives a message
            finally:
                response.close()
            raise error_for(reader.response(response, stream), reader.body)
        if not stream:
            try:
                response.read()
            except BaseException:
                response.close()
                raise
        return response


class AsyncClient(  # type: ignore[misc]
    _ClientBase,
    ClaimArguments[
        Coroutine[Any, Any, httpx.Response],
        AbstractAsyncContextManager[httpx.Response],
    ],
    httpx.AsyncClient,
):
    """An :class:`httpx.AsyncClient` with the features of :class:`Client`
    and the same arguments.

    Notes
    -----
    Nothing it does on a request blocks the event loop: looking for a
    credential per request, re-reading a token file, refreshing an OIDC
    token (under the cache file's lock shared with other processes),
    reading the files of an upload, all run in a worker thread; concurrent
    tasks that find the credential due for a refresh wait for one refresh
    (an :class:`asyncio.Lock`). Discovery runs when the client is made
    (as httpx loads its CA certificates then): make it before the event
    loop starts, or with ``await asyncio.to_thread(AsyncClient, url)``.
    """

    _retry_transport = AsyncRetryTransport
    _http_transport = httpx.AsyncHTTPTransport
    _cert_transport = AsyncCertTransport
    _proxy_guard = AsyncProxyGuard

    def _request_hook(self) -> Any:
        async def hook(request: httpx.Request) -> None:
            self._check_request(request)

        return hook

    async def request(self, method: str, url: Any, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        """Send a request; the paths of ``files=`` opened and read in a
        worker thread."""
        files = kwargs.get("files")
        if files is None:
            return await super().request(method, url, **kwargs)
        prepared, stack = await asyncio.to_thread(
            _prepared_files, files, self.upload_stream_threshold
        )
        kwargs["files"] = prepared
        try:
            return await super().request(method, url, **kwargs)
        finally:
            if stack is not None:
                stack.close()

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        """As :meth:`Client.send`."""
        self._before_send(request)
        stream = bool(kwargs.pop("stream", False))
        request.extensions = {**request.extensions, RESENT_BY_CLIENT: True}
        try:
            response = await super().send(request, stream=True, **kwargs)
            signer = _signer(request, response)
            again = (
                None if signer is None else await signer.aafter_401(request, response)
            )
            if again is not None:
                await response.aclose()
                request.headers.update(again)
                again_response = await super().send(request, stream=True, **kwargs)
                response = _after(response, again_response)
        finally:
            stack = request.extensions.get(_OPENED)
            if stack is not None:
                stack.close()
        # Only httpx's responses: a test double standing in for the network
        # is returned as it is.
        if not isinstance(response, httpx.Response):
            return response
        if self.raise_for_status and response.is_error:
            reader = _BoundedRead(response)
            try:
                if reader.reading:
                    # Closed here, while the loop runs: httpcore's generators
                    # under a body read in part would otherwise be closed
                    # whenever the collector finds them.
                    raw = cast("AsyncGenerator[bytes, None]", response.aiter_raw())
                    async with aclosing(raw) as chunks:
                        async for chunk in chunks:
                            if not reader.add_raw(chunk):
                                break
            except httpx.HTTPError:
                reader.ended = True
            finally:
                await response.aclose()
            raise error_for(reader.response(response, stream), reader.body)
        if not stream:
            try:
                await response.aread()
            except BaseException:
                await response.aclose()
                raise
        return response
