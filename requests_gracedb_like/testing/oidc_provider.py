"""A small OpenID Connect provider on 127.0.0.1, for tests and the demo.

Assembled from authlib's authorization-server classes (the grants and
endpoints of RFC 6749, RFC 7636, RFC 7009 and RFC 8628) on
:mod:`http.server`, it runs in its own process::

    python -m requests_gracedb_like.testing.oidc_provider --port 0

and prints ``ready <issuer URL>`` on standard output once it listens.
:class:`OIDCProvider` starts and stops it from Python.

One module, longer than most here, because it is one thing: a provider
process whose parts (grants, endpoints, request handler) make sense only
together. It offers:

* ``/.well-known/openid-configuration`` (OpenID Connect Discovery);
* the device authorization grant (RFC 8628): ``/device_authorization``
  and the ``urn:ietf:params:oauth:grant-type:device_code`` grant, with
  ``slow_down`` answers on request;
* the authorization-code grant with PKCE (RFC 7636), approved at once
  for the user ``demo-user`` (or denied, on request), for loopback
  redirect URIs only;
* the refresh-token grant with rotation: every refresh returns a new
  refresh token, and using an old one again revokes the whole family, as
  providers that rotate refresh tokens do;
* token revocation (RFC 7009) at ``/revoke``.

Access tokens are unsigned JWTs (``iss``, ``sub``, ``aud``, ``scope``,
``exp``, ``jti``): no real service accepts them.

Test hooks, under ``/_admin/`` (POST, except ``stats``):

* ``approve`` / ``deny`` with ``user_code``: the user's answer to a device
  request;
* ``revoke-refresh-tokens``, ``expire-refresh-tokens``: every refresh
  token issued so far stops working, as revoked or as expired;
* ``settings``: change ``access_lifetime``, ``refresh_delay`` (seconds the
  token endpoint waits before acting on a refresh and answering: a client
  that gives up meanwhile has still spent its refresh token),
  ``drop_refresh_answers`` (how many refreshes to carry out and then close
  the connection without answering), ``slow_down`` (how
  many device polls to answer with ``slow_down``), ``auto_approve``
  (approve a device request at its n-th poll), ``deny_authorization``;
* ``stats`` (GET): how many token requests of each grant type, device
  polls, revocations and refresh-token reuses the provider has seen.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any, Optional
from urllib.parse import parse_qsl, urlsplit

__all__ = ["CLIENT_ID", "OIDCProvider", "main"]

#: The public client the provider knows (it has no secret, as a command-line client).
CLIENT_ID = "requests-gracedb-like"
USER = "demo-user"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def _build_server(issuer: str, settings: dict[str, Any]) -> Any:
    # authlib imported here: the module is importable (for OIDCProvider)
    # without it.
    from authlib.oauth2 import AuthorizationServer
    from authlib.oauth2.rfc6749 import (
        ClientMixin,
        OAuth2Payload,
        OAuth2Request,
        TokenMixin,
        grants,
    )
    from authlib.oauth2.rfc6749.errors import InvalidGrantError
    from authlib.oauth2.rfc6750 import BearerTokenGenerator
    from authlib.oauth2.rfc7009 import RevocationEndpoint
    from authlib.oauth2.rfc7636 import CodeChallenge
    from authlib.oauth2.rfc8628 import (
        DeviceAuthorizationEndpoint,
        DeviceCodeGrant,
        DeviceCredentialDict,
    )

    from ..credentials.jwt import encode_unsigned

    lock = threading.RLock()
    stats: Counter[str] = Counter()
    devices: dict[str, DeviceCredentialDict] = {}
    user_grants: dict[str, tuple[str, bool]] = {}
    codes: dict[str, dict[str, Any]] = {}
    refresh_tokens: dict[str, dict[str, Any]] = {}
    revoked_families: set[str] = set()

    class Client(ClientMixin):
        client_id = CLIENT_ID

        def get_client_id(self) -> str:
            return self.client_id

        def get_default_redirect_uri(self) -> Optional[str]:
            return None

        def get_allowed_scope(self, scope: str) -> str:
            return scope

        def check_redirect_uri(self, redirect_uri: str) -> bool:
            # RFC 8252, 7.3: any port of the loopback address
            parts = urlsplit(redirect_uri)
            return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1")

        def check_client_secret(self, client_secret: str) -> bool:
            return False

        def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
            return method == "none"

        def check_response_type(self, response_type: str) -> bool:
            return response_type == "code"

        def check_grant_type(self, grant_type: str) -> bool:
            return grant_type in (
                "authorization_code",
                "refresh_token",
                DEVICE_GRANT,
            )

    client = Client()

    class RefreshToken(TokenMixin):
        def __init__(self, record: dict[str, Any]) -> None:
            self.record = record

        def check_client(self, c: Any) -> bool:
            return c.get_client_id() == self.record["client_id"]

        def get_scope(self) -> str:
            return str(self.record["scope"])

        def get_expires_in(self) -> int:
            return 0

        def is_expired(self) -> bool:
            return bool(self.record["expired"])

        def is_revoked(self) -> bool:
            return bool(self.record["revoked"])

        def get_user(self) -> str:
            return str(self.record["user"])

        def get_client(self) -> Any:
            return client

    class Payload(OAuth2Payload):
        def __init__(self, data: dict[str, str], datalist: dict[str, list[str]]):
            self._data = data
            self._datalist = datalist

        @property
        def data(self) -> dict[str, str]:
            return self._data

        @property
        def datalist(self) -> dict[str, list[str]]:  # type: ignore[override]
            return self._datalist

    class Request(OAuth2Request):
        def __init__(self, method: str, uri: str, headers: Any, body: bytes):
            super().__init__(method, uri, headers=headers)
            pairs = parse_qsl(urlsplit(uri).query) + parse_qsl(body.decode())
            datalist: dict[str, list[str]] = {}
            for k, v in pairs:
                datalist.setdefault(k, []).append(v)
            self._args = dict(parse_qsl(urlsplit(uri).query))
            self._form = dict(parse_qsl(body.decode()))
            self.payload = Payload(dict(pairs), datalist)

        @property
        def args(self) -> dict[str, str]:
            return self._args

        @property
        def form(self) -> dict[str, str]:
            return self._form

    def access_token(
        *, client: Any, grant_type: str, user: Any, scope: str, **kw: Any
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": issuer,
            "sub": str(user),
            "scope": scope or "",
            "iat": now,
            "exp": now + int(settings["access_lifetime"]),
            "jti": secrets.token_hex(8),
            "client_id": CLIENT_ID,
        }
        if settings["audience"]:
            claims["aud"] = settings["audience"]
        return encode_unsigned(claims)

    class Server(AuthorizationServer):
        def query_client(self, client_id: str) -> Any:
            return client if client_id == CLIENT_ID else None

        def save_token(self, token: dict[str, Any], request: Any) -> None:
            rt = token.get("refresh_token")
            if rt is None:
                return
            old = getattr(request, "refresh_token", None)
            family = old.record["family"] if old is not None else rt
            with lock:
                refresh_tokens[rt] = {
                    "client_id": CLIENT_ID,
                    "user": request.user,
                    "scope": token.get("scope", ""),
                    "family": family,
                    "revoked": False,
                    "expired": False,
                }

        def create_oauth2_request(self, request: Any) -> Any:
            return request

        def create_json_request(self, request: Any) -> Any:
            return request

        def handle_response(self, status: int, body: Any, headers: Any) -> Any:
            return status, body, dict(headers or [])

        def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
            pass

    server = Server()
    server.register_token_generator(
        "default",
        BearerTokenGenerator(
            access_token,
            lambda *a, **k: secrets.token_urlsafe(32),
            lambda client, grant_type: int(settings["access_lifetime"]),
        ),
    )

    class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["none"]  # noqa: RUF012

        def save_authorization_code(self, code: str, request: Any) -> None:
            data = request.payload.data
            with lock:
                codes[code] = {
                    "redirect_uri": data.get("redirect_uri"),
                    "scope": data.get("scope", ""),
                    "code_challenge": data.get("code_challenge"),
                    "code_challenge_method": data.get("code_challenge_method"),
                }

        def query_authorization_code(self, code: str, c: Any) -> Any:
            record = codes.get(code)
            if record is None:
                return None

            found = SimpleNamespace(
                code=code,
                code_challenge=record["code_challenge"],
                code_challenge_method=record["code_challenge_method"],
                get_redirect_uri=lambda: str(record["redirect_uri"]),
                get_scope=lambda: str(record["scope"]),
            )
            return found

        def delete_authorization_code(self, authorization_code: Any) -> None:
            with lock:
                codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code: Any) -> str:
            return USER

    class RefreshTokenGrant(grants.RefreshTokenGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["none"]  # noqa: RUF012
        INCLUDE_NEW_REFRESH_TOKEN = True

        def authenticate_refresh_token(self, refresh_token: str) -> Any:
            delay = float(settings["refresh_delay"])
            if delay:
                time.sleep(delay)  # a slow provider, so refreshes overlap
            with lock:
                record = refresh_tokens.get(refresh_token)
                if record is None:
                    return None
                if record["family"] in revoked_families:
                    raise InvalidGrantError("refresh token revoked")
                if record["expired"]:
                    raise InvalidGrantError("refresh token expired")
                if record["revoked"]:
                    # Used twice: revoke every token of its family.
                    stats["refresh_token_reuse"] += 1
                    revoked_families.add(record["family"])
                    raise InvalidGrantError("refresh token reused; family revoked")
                return RefreshToken(record)

        def authenticate_user(self, refresh_token: Any) -> str:
            return refresh_token.get_user()

        def revoke_old_credential(self, refresh_token: Any) -> None:
            with lock:
                refresh_token.record["revoked"] = True

    class DeviceGrant(DeviceCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["none"]  # noqa: RUF012

        def query_device_credential(self, device_code: str) -> Any:
            credential = devices.get(device_code)
            if credential is not None:
                with lock:
                    stats["device_polls"] += 1
                    credential["polls"] = credential.get("polls", 0) + 1
                    auto = int(settings["auto_approve"])
                    if auto and credential["polls"] >= auto:
                        user_grants.setdefault(credential["user_code"], (USER, True))
            return credential

        def query_user_grant(self, user_code: str) -> Any:
            return user_grants.get(user_code)

        def should_slow_down(self, credential: Any) -> bool:
            with lock:
                if int(settings["slow_down"]) > 0:
                    settings["slow_down"] = int(settings["slow_down"]) - 1
                    return True
            return False

    class DeviceEndpoint(DeviceAuthorizationEndpoint):
        CLIENT_AUTH_METHODS = ["none"]  # noqa: RUF012

        @property
        def EXPIRES_IN(self) -> int:  # type: ignore[override]  # noqa: N802
            return int(settings["device_expires_in"])

        @property
        def INTERVAL(self) -> int:  # type: ignore[override]  # noqa: N802
            return int(settings["interval"])

        def get_verification_uri(self) -> str:
            return f"{issuer}/device"

        def save_device_credential(
            self, client_id: str, scope: str, data: dict[str, Any]
        ) -> None:
            credential = DeviceCredentialDict(
                client_id=client_id,
                scope=scope,
                expires_at=time.time() + data["expires_in"],
                **{k: v for k, v in data.items() if k != "expires_in"},
            )
            with lock:
                devices[data["device_code"]] = credential

    class Revocation(RevocationEndpoint):
        CLIENT_AUTH_METHODS = ["none"]  # noqa: RUF012

        def query_token(self, token_string: str, token_type_hint: str) -> Any:
            record = refresh_tokens.get(token_string)
            return RefreshToken(record) if record is not None else None

        def revoke_token(self, token: Any, request: Any) -> None:
            with lock:
                stats["revocations"] += 1
                revoked_families.add(token.record["family"])

    server.register_grant(AuthorizationCodeGrant, [CodeChallenge(required=True)])
    server.register_grant(RefreshTokenGrant)
    server.register_grant(DeviceGrant)
    server.register_endpoint(DeviceEndpoint)
    server.register_endpoint(Revocation)

    def metadata() -> dict[str, Any]:
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "device_authorization_endpoint": f"{issuer}/device_authorization",
            "revocation_endpoint": f"{issuer}/revoke",
            "jwks_uri": f"{issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["none"],
            "grant_types_supported": [
                "authorization_code",
                "refresh_token",
                DEVICE_GRANT,
            ],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "scopes_supported": ["openid", "offline_access"],
        }

    def admin(name: str, form: dict[str, str]) -> tuple[int, Any]:
        with lock:
            if name == "stats":
                return 200, dict(stats)
            if name in ("approve", "deny"):
                user_grants[form["user_code"]] = (USER, name == "approve")
                return 200, {}
            if name in ("revoke-refresh-tokens", "expire-refresh-tokens"):
                key = "revoked" if name.startswith("revoke") else "expired"
                for record in refresh_tokens.values():
                    if key == "revoked":
                        revoked_families.add(record["family"])
                    record[key] = True
                return 200, {}
            if name == "settings":
                for key, value in form.items():
                    if key not in settings:
                        return 400, {"error": f"unknown setting {key}"}
                    settings[key] = value
                return 200, dict(settings)
        return 404, {"error": "not found"}

    def handle(method: str, uri: str, headers: Any, body: bytes) -> Any:
        path = urlsplit(uri).path
        request = Request(method, uri, headers, body)
        if path == "/.well-known/openid-configuration":
            return 200, metadata(), {}
        if path.startswith("/_admin/"):
            status, answer = admin(path[len("/_admin/") :], request.form)
            return status, answer, {}
        if path == "/token":
            grant = request.payload.data.get("grant_type", "")
            with lock:
                stats[f"token:{grant}"] += 1
            answer = server.create_token_response(request)
            if grant == "refresh_token":
                with lock:
                    drop = int(settings["drop_refresh_answers"])
                    settings["drop_refresh_answers"] = max(drop - 1, 0)
                if drop > 0:
                    return None  # carried out, but the answer is lost
            return answer
        if path == "/device_authorization":
            return server.create_endpoint_response("device_authorization", request)
        if path == "/revoke":
            return server.create_endpoint_response("revocation", request)
        if path == "/authorize":
            with lock:
                stats["authorize"] += 1
            deny = str(settings["deny_authorization"]).lower() in ("1", "true")
            try:
                grant = server.get_authorization_grant(request)
            except Exception as exc:  # an OAuth error: answered as such
                return server.handle_error_response(request, exc)
            return server.create_authorization_response(
                request, grant_user=None if deny else USER, grant=grant
            )
        return 404, {"error": "not found"}, {}

    return handle


def _handler(handle: Any) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            url = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}{self.path}"  # type: ignore[index]
            result = handle(self.command, url, self.headers, body)
            if result is None:
                self.close_connection = True  # no answer at all
                return
            status, payload, headers = result
            data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
            raw = data.encode() if isinstance(data, str) else data
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            if "Content-Type" not in headers and raw:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _serve  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


#: The provider's settings and their defaults (see the module docstring).
DEFAULTS: dict[str, Any] = {
    "access_lifetime": 600,
    "refresh_delay": 0.0,
    "drop_refresh_answers": 0,
    "slow_down": 0,
    "auto_approve": 0,
    "deny_authorization": False,
    "interval": 5,
    "device_expires_in": 600,
    "audience": "",
}


def main(argv: Optional[list[str]] = None) -> None:
    """Run the provider until standard input closes or it is killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    for key, value in DEFAULTS.items():
        parser.add_argument(f"--{key.replace('_', '-')}", default=value)
    args = parser.parse_args(argv)
    # The provider listens on http://127.0.0.1 only; authlib's server
    # classes insist on https otherwise.
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    httpd = ThreadingHTTPServer(("127.0.0.1", args.port), BaseHTTPRequestHandler)
    issuer = f"http://127.0.0.1:{httpd.server_address[1]}"
    settings = {key: getattr(args, key) for key in DEFAULTS}
    httpd.RequestHandlerClass = _handler(_build_server(issuer, settings))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    print(f"ready {issuer}", flush=True)
    # Stop when the parent goes away (it closes our standard input).
    sys.stdin.read()
    httpd.shutdown()


class OIDCProvider:
    """Run the provider in a child process; a context manager.

    Parameters
    ----------
    **settings
        Initial settings (see ``DEFAULTS``), for example
        ``access_lifetime=60``.

    Attributes
    ----------
    issuer : str
        The issuer URL, ``http://127.0.0.1:<port>``.
    """

    def __init__(self, **settings: Any) -> None:
        unknown = set(settings) - set(DEFAULTS)
        if unknown:
            raise TypeError(f"unknown provider settings: {sorted(unknown)}")
        self.settings = settings
        self.issuer = ""
        self._process: Optional[subprocess.Popen[str]] = None

    def start(self) -> OIDCProvider:
        """Start the process and wait until it listens."""
        argv = [sys.executable, "-m", __name__]
        for key, value in self.settings.items():
            argv += [f"--{key.replace('_', '-')}", str(value)]
        self._process = subprocess.Popen(  # noqa: S603
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.startswith("ready "):
            self.stop()
            raise RuntimeError(f"the OIDC provider did not start: {line!r}")
        self.issuer = line.split()[1]
        return self

    def stop(self) -> None:
        """Stop the process (at once, as a crashed provider would)."""
        process, self._process = self._process, None
        if process is None:
            return
        process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()

    def __enter__(self) -> OIDCProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _admin(self, name: str, **form: Any) -> Any:
        import requests

        response = requests.post(f"{self.issuer}/_admin/{name}", data=form, timeout=10)
        response.raise_for_status()
        return response.json()

    def stats(self) -> Counter[str]:
        """Counts of what the provider has seen: ``token:<grant type>``,
        ``device_polls``, ``revocations``, ``refresh_token_reuse``,
        ``authorize``."""
        import requests

        response = requests.get(f"{self.issuer}/_admin/stats", timeout=10)
        response.raise_for_status()
        return Counter(response.json())

    @property
    def refreshes(self) -> int:
        """How many refresh-token requests reached the provider."""
        return self.stats()["token:refresh_token"]

    def approve(self, user_code: str) -> None:
        """Approve a device request, as its user would."""
        self._admin("approve", user_code=user_code)

    def deny(self, user_code: str) -> None:
        """Deny a device request, as its user would."""
        self._admin("deny", user_code=user_code)

    def revoke_refresh_tokens(self) -> None:
        """Revoke every refresh token issued so far."""
        self._admin("revoke-refresh-tokens")

    def expire_refresh_tokens(self) -> None:
        """Make every refresh token issued so far expired."""
        self._admin("expire-refresh-tokens")

    def configure(self, **settings: Any) -> None:
        """Change settings of the running provider."""
        self._admin("settings", **settings)


if __name__ == "__main__":
    main()
