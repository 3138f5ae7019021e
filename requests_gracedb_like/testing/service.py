"""A small token-protected HTTP service on 127.0.0.1, for the demo and tests.

:class:`FakeService` answers like a GraceDB-style JSON API that wants a
bearer token, and records every request it sees. It uses only the standard
library (:mod:`http.server`), so ``python -m requests_gracedb_like demo``
works on a machine with nothing but the package installed, and the
``service`` pytest fixture of :mod:`requests_gracedb_like.testing` is the
same code.

Routes, after the token check:

* a response registered with :meth:`FakeService.respond` for the method and
  path;
* ``/status/<code>``: that status, with a JSON ``detail`` message;
* ``/bytes/<n>``: ``n`` bytes of ``application/octet-stream``;
* anything else: ``200`` with a JSON description of the request (method,
  path, query, the token's ``sub`` and ``jti`` claims, JSON body, form
  fields and the name, MIME type and size of each uploaded file).
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

from requests.structures import CaseInsensitiveDict

from .._http.redact import SENSITIVE_HEADERS
from ..credentials.jwt import decode_claims, encode_unsigned, expiry_of

__all__ = ["FakeService", "RecordedRequest"]

#: The largest ``/bytes/<n>`` download served, in bytes.
MAX_BYTES = 64 << 20


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the service received it.

    Attributes
    ----------
    method : str
        The HTTP method, upper case.
    path : str
        The path with its query string.
    headers : requests.structures.CaseInsensitiveDict
        The request headers (``Authorization`` included, for tests to check;
        ``repr`` hides it).
    body : bytes
        The request body, de-chunked.
    """

    method: str
    path: str
    headers: CaseInsensitiveDict[str] = field(repr=False)
    body: bytes = field(repr=False)

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)

    def __repr__(self) -> str:
        shown = {
            k: ("REDACTED" if k.lower() in SENSITIVE_HEADERS else v)
            for k, v in self.headers.items()
        }
        return (
            f"RecordedRequest({self.method} {self.path}, headers={shown}, "
            f"body={len(self.body)} bytes)"
        )


@dataclass(frozen=True)
class _Canned:
    status: int
    body: bytes
    headers: dict[str, str]


class FakeService:
    """A token-protected JSON service on 127.0.0.1, on an ephemeral port.

    Parameters
    ----------
    require_auth : bool, default=True
        Answer ``401 Unauthorized`` to any request without a token issued by
        :meth:`issue_token` or accepted with :meth:`accept_token`, or whose
        JWT ``exp`` claim has passed.

    Examples
    --------
    >>> import requests
    >>> with FakeService() as service:
    ...     token = service.issue_token({"sub": "albert"})
    ...     r = requests.get(service.url + "events/",
    ...                      headers={"Authorization": f"Bearer {token}"})
    >>> r.json()["user"], service.requests[0].method
    ('albert', 'GET')
    """

    def __init__(self, *, require_auth: bool = True) -> None:
        self.require_auth = require_auth
        self._tokens: set[str] = set()
        self._issuers: set[str] = set()
        self._revoked: set[str] = set()
        self._canned: dict[tuple[str, str], _Canned] = {}
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # --- lifecycle -------------------------------------------------------

    def start(self) -> FakeService:
        """Start serving in a background thread; return self."""
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="FakeService",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> FakeService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The service's base URL, ``http://127.0.0.1:<port>/``."""
        if self._server is None:
            raise RuntimeError("the service is not running: call start() first")
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def url_for(self, path: str) -> str:
        """The URL of `path` on the service."""
        return self.url + path.lstrip("/")

    # --- tokens ----------------------------------------------------------

    def issue_token(
        self, claims: Optional[dict[str, Any]] = None, *, lifetime: float = 3600
    ) -> str:
        """Return a new unsigned JWT that the service accepts until it expires.

        Parameters
        ----------
        claims : dict, optional
            Extra claims; ``sub`` defaults to ``"demo-user"``.
        lifetime : float, default=3600
            Seconds until the ``exp`` claim.
        """
        now = time.time()
        payload = {"sub": "demo-user", "iat": int(now), "exp": int(now + lifetime)}
        payload["jti"] = f"{time.monotonic_ns():x}"  # each token differs
        payload.update(claims or {})
        token = encode_unsigned(payload)
        self.accept_token(token)
        return token

    def write_token(
        self,
        path: str | os.PathLike[str],
        claims: Optional[dict[str, Any]] = None,
        *,
        lifetime: float = 3600,
    ) -> Path:
        """Issue a token (see :meth:`issue_token`) and write it to `path`.

        The file (mode 0600) is replaced atomically, as token agents do, so
        a session reading it never sees it half-written.
        """
        target = Path(path)
        tmp = target.with_name(f".{target.name}.new")
        tmp.write_text(self.issue_token(claims, lifetime=lifetime) + "\n")
        tmp.chmod(0o600)
        os.replace(tmp, target)
        return target

    def accept_token(self, token: str) -> None:
        """Accept `token` (an opaque one, say) from now on."""
        with self._lock:
            self._tokens.add(token)

    def accept_issuer(self, issuer: str) -> None:
        """Accept from now on every JWT whose ``iss`` is `issuer` (the
        tokens of :class:`~requests_gracedb_like.testing.oidc_provider.OIDCProvider`)
        until it expires or is revoked."""
        with self._lock:
            self._issuers.add(issuer)

    def revoke_token(self, token: str) -> None:
        """Stop accepting `token`."""
        with self._lock:
            self._tokens.discard(token)
            self._revoked.add(token)

    # --- responses and records -----------------------------------------

    def respond(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        json: Any = None,
        body: bytes | str = b"",
        headers: Optional[dict[str, str]] = None,
    ) -> None:
        """Answer `method` `path` (query ignored) with a fixed response.

        `json`, when given, is the body, sent as ``application/json``.
        """
        extra = dict(headers or {})
        if json is not None:
            body = _dumps(json)
            extra.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        with self._lock:
            self._canned[(method.upper(), path)] = _Canned(status, body, extra)

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def clear(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._requests.clear()

    # --- request handling ----------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _check_token(self, headers: CaseInsensitiveDict[str]) -> Optional[str]:
        """Return why the request is refused, or None."""
        if not self.require_auth:
            return None
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return "Authentication credentials were not provided."
        claims = decode_claims(token)
        with self._lock:
            known = token in self._tokens or (
                claims is not None
                and claims.get("iss") in self._issuers
                and token not in self._revoked
            )
        if not known:
            return "Invalid token."
        expiry = expiry_of(claims)
        if expiry is not None and time.time() >= expiry:
            return "Token has expired."
        return None

    def _answer(self, request: RecordedRequest) -> _Canned:
        refused = self._check_token(request.headers)
        if refused is not None:
            return _json(401, {"detail": refused}, {"WWW-Authenticate": "Bearer"})
        path = urlsplit(request.path).path
        with self._lock:
            canned = self._canned.get((request.method, path))
        if canned is not None:
            return canned
        head, _, tail = path.strip("/").partition("/")
        if head == "status" and tail.isdigit():
            return _status(int(tail))
        if head == "bytes" and tail.isdigit() and int(tail) <= MAX_BYTES:
            n = int(tail)
            data = (bytes(range(256)) * (n // 256 + 1))[:n]
            return _Canned(200, data, {"Content-Type": "application/octet-stream"})
        return _json(200, _describe(request), {})


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


def _json(status: int, value: Any, headers: dict[str, str]) -> _Canned:
    return _Canned(
        status, _dumps(value), {"Content-Type": "application/json", **headers}
    )


def _status(code: int) -> _Canned:
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = "Unknown status"
    if code < 400:
        return _json(code, {"status": code, "message": phrase}, {})
    return _json(code, {"detail": f"{phrase} (asked for by /status/{code})"}, {})


def _describe(request: RecordedRequest) -> dict[str, Any]:
    """What the echo route answers: the request, without its credential."""
    parts = urlsplit(request.path)
    content_type = request.headers.get("Content-Type", "")
    token = request.headers.get("Authorization", "").partition(" ")[2]
    claims = decode_claims(token) or {}
    described: dict[str, Any] = {
        "method": request.method,
        "path": parts.path,
        "query": parse_qs(parts.query, keep_blank_values=True),
        "user": claims.get("sub"),
        "token_id": claims.get("jti"),
        "content_type": content_type or None,
        "size": len(request.body),
    }
    if content_type.startswith("application/json") and request.body:
        try:
            described["json"] = request.json()
        except ValueError:
            described["json_error"] = "the body is not valid JSON"
    elif content_type.startswith("application/x-www-form-urlencoded"):
        described["form"] = parse_qs(request.body.decode("latin-1"))
    elif content_type.startswith("multipart/form-data"):
        described["form"], described["files"] = _multipart(content_type, request.body)
    return described


def _multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, list[str]], list[dict[str, Any]]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    form: dict[str, list[str]] = {}
    files = []
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = str(part.get_param("name", header="content-disposition"))
        raw = part.get_payload(decode=True)
        payload = raw if isinstance(raw, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            form.setdefault(name, []).append(payload.decode("utf-8", "replace"))
        else:
            files.append(
                {
                    "field": name,
                    "filename": filename,
                    "content_type": part.get_content_type(),
                    "size": len(payload),
                }
            )
    return form, files


def _handler_for(service: FakeService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeService"

        def _read_body(self) -> bytes:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                chunks: list[bytes] = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _handle(self) -> None:
            body = self._read_body()
            request = RecordedRequest(
                self.command,
                self.path,
                CaseInsensitiveDict(self.headers.items()),
                body,
            )
            service._record(request)
            answer = service._answer(request)
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)

        # http.server dispatches on these names.
        do_GET = do_POST = do_PUT = do_PATCH = _handle  # noqa: N815
        do_DELETE = do_HEAD = do_OPTIONS = _handle  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the service is quiet; tests read service.requests

    return Handler
