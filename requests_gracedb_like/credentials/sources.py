"""The credential sources, and :data:`SOURCES`: the discovery order.

Each source is a small function that looks at one place (an argument, an
environment variable, a file) and returns an
:class:`~requests_gracedb_like.credentials.records.Attempt` saying whether
it found a credential and, if not, why. :data:`SOURCES`, at the end of this
module, lists them in the order
:func:`~requests_gracedb_like.credentials.discovery.discover` walks them;
the rules that make a later source irrelevant are in
:mod:`~requests_gracedb_like.credentials.discovery`.
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from typing import Optional
from urllib.parse import urlsplit

from requests.auth import AuthBase

from .._typing import PathLike
from ..exceptions import (
    CredentialError,
    CredentialWarning,
    EncryptedKeyError,
    HalfWrittenTokenError,
)
from .apikey import APIKeyAuth
from .basic import BasicAuth
from .bearer import BearerTokenAuth, ReloadingTokenFileAuth, TokenFileAuth
from .claims import time_mismatch
from .files import read_credential_file
from .records import (
    ABSENT,
    CERTIFICATE,
    DISABLED,
    EXPIRED,
    HALF_WRITTEN,
    HEADER,
    INSECURE_PERMISSIONS,
    MALFORMED,
    NOT_YET_VALID,
    NOTHING,
    UNREADABLE,
    UNSUPPORTED,
    WRONG_AUDIENCE,
    WRONG_ISSUER,
    WRONG_SCOPE,
    Arguments,
    Attempt,
    Source,
    _absent,
)
from .x509 import X509Credential, insecure_key_mode, read_certificate

__all__ = ["SOURCES", "TMP_DIR"]

log = logging.getLogger(__name__)

# Mismatch.what -> the status recorded for the skipped token
_STATUS = {
    "audience": WRONG_AUDIENCE,
    "scope": WRONG_SCOPE,
    "issuer": WRONG_ISSUER,
    "expired": EXPIRED,
    "not yet valid": NOT_YET_VALID,
    "unsupported": UNSUPPORTED,
    "malformed": MALFORMED,
}

#: Where ``bt_u<euid>`` and ``x509up_u<euid>`` are looked for last. Tests
#: point it elsewhere, in-process and, through
#: ``REQUESTS_GRACEDB_LIKE_TMP_DIR``, in the subprocesses they start.
TMP_DIR = os.environ.get("REQUESTS_GRACEDB_LIKE_TMP_DIR") or "/tmp"  # noqa: S108

# -- header sources ---------------------------------------------------------


def _token_file_auth(path: PathLike, request: Arguments) -> AuthBase:
    if request.auth_reload:
        return ReloadingTokenFileAuth(path, request.auth_reload_timeout)
    return TokenFileAuth(path)


def _checked_token(
    source: str, location: Optional[str], auth: BearerTokenAuth, request: Arguments
) -> Attempt:
    """A discovered token is used only if it has at least
    ``token_expiry_margin`` seconds left, is already valid, and its claims
    match ``token_audience``, ``token_scope`` and ``token_issuer`` (see
    :mod:`~requests_gracedb_like.credentials.claims`)."""
    claims = auth.claims
    wrong = time_mismatch(
        claims, now=time.time(), expiry_margin=request.token_expiry_margin
    ) or request.claims.mismatch(claims)
    if wrong is not None:
        log.debug("skipping bearer token from %s: %s", auth.source, wrong.reason)
        return _absent(source, location, wrong.reason, _STATUS[wrong.what])
    kind = "bearer token file" if location else "bearer token in the environment"
    return Attempt(source, location, True, kind, auth)


def _discovered_token_file(source: str, path: str, request: Arguments) -> Attempt:
    """A token file counts only if it exists and can be read: a file that
    cannot be opened, or is not a regular file (a directory, a FIFO, a
    device) or is too large, is skipped with the reason."""
    if request.token is False:
        return _absent(source, path, "token=False", DISABLED)
    if not os.path.exists(path):
        return _absent(source, path, "no such file")
    if not os.access(path, os.R_OK):
        return _absent(source, path, "file is not readable", UNREADABLE)
    try:
        auth = _token_file_auth(path, request)
    except HalfWrittenTokenError as exc:
        log.debug("skipping token file %s: %s", path, exc)
        return _absent(source, path, exc.strerror or "half-written", HALF_WRITTEN)
    except OSError as exc:
        log.debug("skipping token file %s: %s", path, exc)
        return _absent(source, path, exc.strerror or "cannot be read", UNREADABLE)
    assert isinstance(auth, BearerTokenAuth)
    return _checked_token(source, path, auth, request)


def force_noauth(request: Arguments) -> Attempt:
    """``force_noauth=True``: send nothing at all."""
    if request.force_noauth:
        return Attempt(
            "force_noauth",
            None,
            True,
            "no credential by request",
            kind=NOTHING,
        )
    return _absent("force_noauth", None, "not set", kind=NOTHING)


def token_argument(request: Arguments) -> Attempt:
    """``token=``: a bearer-token file named by the caller.

    Errors reading it are raised, not skipped: the caller asked for it. So
    is a token whose claims do not match an explicit ``token_audience``,
    ``token_scope`` or ``token_issuer``.
    """
    if request.token is None or request.token is False:
        return _absent("token argument", None, "not given")
    if request.token is True:
        return _absent("token argument", None, "token=True: looked for below")
    path = os.fspath(request.token)  # type: ignore[arg-type]
    auth = _token_file_auth(path, request)
    claims = request.claims
    if claims.explicit:
        wrong = claims.mismatch(getattr(auth, "claims", None))
        if wrong is not None:
            raise CredentialError(f"bearer token file {path!r}: {wrong.reason}")
    return Attempt("token argument", path, True, "bearer token file", auth)


def api_key_argument(request: Arguments) -> Attempt:
    """``api_key=``: a key sent in ``auth_header_name``."""
    if request.api_key is None:
        return _absent("api_key argument", None, "not given")
    auth = APIKeyAuth(
        request.api_key,
        header_name=request.auth_header_name,
        prefix=request.api_key_prefix,
        source="the api_key argument",
    )
    return Attempt(
        "api_key argument", None, True, f"API key in {auth.header_name}", auth
    )


def basic_arguments(request: Arguments) -> Attempt:
    """``username=`` and ``password=``: HTTP basic auth."""
    if request.username is None:
        return _absent("username/password arguments", None, "not given")
    auth = BasicAuth(request.username, request.password or "")
    return Attempt("username/password arguments", None, True, "HTTP basic auth", auth)


def _token_variable(name: str, request: Arguments) -> Attempt:
    """A variable holding the token itself."""
    if request.token is False:
        return _absent(name, None, "token=False", DISABLED)
    value = os.environ.get(name)
    if value is None or not value.strip():
        return _absent(name, None, "not set")
    # Whether the token is used depends on the time too.
    auth = BearerTokenAuth(value, source=f"the {name} environment variable")
    return _checked_token(name, None, auth, request)


def _token_file_variable(name: str, request: Arguments) -> Attempt:
    """A variable holding the path of a token file."""
    path = os.environ.get(name)
    if not path:
        return _absent(name, None, "not set")
    return _discovered_token_file(name, path, request)


def bearer_token_env(request: Arguments) -> Attempt:
    """``BEARER_TOKEN``: the token itself, in the environment."""
    return _token_variable("BEARER_TOKEN", request)


def bearer_token_file_env(request: Arguments) -> Attempt:
    """``BEARER_TOKEN_FILE``: the path of a token file."""
    return _token_file_variable("BEARER_TOKEN_FILE", request)


def scitoken_env(request: Arguments) -> Attempt:
    """``SCITOKEN``: the token itself, as igwn-auth-utils reads it."""
    return _token_variable("SCITOKEN", request)


def scitoken_file_env(request: Arguments) -> Attempt:
    """``SCITOKEN_FILE``: a token file's path, as igwn-auth-utils reads it."""
    return _token_file_variable("SCITOKEN_FILE", request)


def condor_creds(request: Arguments) -> Attempt:
    """``$_CONDOR_CREDS/*.use``: the token files HTCondor gives a job, in
    name order; the first that passes the checks is used."""
    name = "_CONDOR_CREDS"
    directory = os.environ.get(name)
    if not directory:
        return _absent(name, None, "not set")
    if request.token is False:
        return _absent(name, directory, "token=False", DISABLED)
    try:
        files = sorted(f for f in os.listdir(directory) if f.endswith(".use"))
    except OSError as exc:
        status = ABSENT if isinstance(exc, FileNotFoundError) else UNREADABLE
        return _absent(name, directory, exc.strerror or "cannot be listed", status)
    skipped = []
    for filename in files:
        attempt = _discovered_token_file(
            name, os.path.join(directory, filename), request
        )
        if attempt.found:
            return attempt
        skipped.append(attempt)
    if not skipped:
        return _absent(name, directory, "no *.use token file")
    reason = "; ".join(
        f"{os.path.basename(a.location or '')}: {a.reason}" for a in skipped
    )
    return _absent(name, directory, reason, skipped[0].status)


def _user_file(directory: str, prefix: str, euid: int) -> str:
    """``<directory>/<prefix><euid>``, the user's file in `directory`."""
    return os.path.join(directory, f"{prefix}{euid}")


def xdg_runtime_dir(request: Arguments) -> Attempt:
    """``$XDG_RUNTIME_DIR/bt_u<euid>``."""
    directory = os.environ.get("XDG_RUNTIME_DIR")
    if not directory:
        return _absent("XDG_RUNTIME_DIR", None, "not set")
    path = _user_file(directory, "bt_u", os.geteuid())
    return _discovered_token_file("XDG_RUNTIME_DIR", path, request)


def tmp_dir(request: Arguments) -> Attempt:
    """``/tmp/bt_u<euid>``."""
    path = _user_file(TMP_DIR, "bt_u", os.geteuid())
    return _discovered_token_file("/tmp", path, request)  # noqa: S108


def oidc_login(request: Arguments) -> Attempt:
    """The tokens cached by ``requests-gracedb-like login`` for the OpenID
    Connect provider configured for the URL (see
    :mod:`~requests_gracedb_like.credentials.oidc.source`)."""
    # Imported on first use: ``import requests_gracedb_like`` stays as fast.
    from .oidc.source import oidc_login as find

    return find(request)


# -- certificate sources ----------------------------------------------------


def _cert_reload_timeout(request: Arguments) -> Optional[float]:
    return request.auth_reload_timeout if request.auth_reload else None


def cert_argument(request: Arguments) -> Attempt:
    """``cert=``: a PEM file holding certificate and key, or a
    ``(cert, key)`` pair.

    Errors are raised, not skipped: an unreadable, malformed, key-less,
    mismatched or expired certificate.
    """
    name = "cert argument"
    if request.cert is None or request.cert is False:
        return _absent(name, None, "not given", kind=CERTIFICATE)
    if request.cert is True:
        return _absent(name, None, "cert=True: looked for below", kind=CERTIFICATE)
    if isinstance(request.cert, tuple):
        cert_file, key_file = (os.fspath(p) for p in request.cert)
    else:
        cert_file, key_file = os.fspath(request.cert), None  # type: ignore[arg-type]
    cred = X509Credential(
        cert_file,
        key_file,
        reload_timeout=_cert_reload_timeout(request),
        source="the cert argument",
    )
    return Attempt(
        name, cert_file, True, "X.509 client certificate", kind=CERTIFICATE, cert=cred
    )


def _discovered_cert(
    source: str, cert_file: str, key_file: Optional[str], request: Arguments
) -> Attempt:
    """A discovered certificate counts if its files are readable, the key is
    private to the user, it parses, and it has not expired."""

    def skip(reason: str, status: str) -> Attempt:
        return _absent(source, cert_file, reason, status, kind=CERTIFICATE)

    if request.cert is False:
        return skip("cert=False", DISABLED)
    for path in (cert_file, key_file):
        if path is None:
            continue
        which = "" if path == cert_file else f": {path}"
        if not os.path.exists(path):
            return skip(f"no such file{which}", ABSENT)
        if not os.access(path, os.R_OK):
            return skip(f"file is not readable{which}", UNREADABLE)
    key_path = key_file or cert_file
    mode = insecure_key_mode(key_path)
    if mode is not None:
        reason = f"private key {key_path} has mode {mode:o}; use chmod 600"
        warnings.warn(f"X.509 {reason}: skipped", CredentialWarning, stacklevel=2)
        return skip(reason, INSECURE_PERMISSIONS)
    try:
        info = read_certificate(cert_file, key_file)
    except OSError as exc:
        return skip(exc.strerror or "cannot be read", UNREADABLE)
    except EncryptedKeyError:
        log.debug("skipping X.509 key %s: encrypted with a passphrase", key_path)
        return skip("private key is encrypted with a passphrase", UNREADABLE)
    except CredentialError as exc:
        warnings.warn(f"{exc}: skipped", CredentialWarning, stacklevel=2)
        return skip(str(exc), MALFORMED)
    if info.expiry is not None and time.time() >= info.expiry:
        log.debug("skipping expired X.509 certificate %s", cert_file)
        return skip("certificate has expired", EXPIRED)
    cred = X509Credential(
        cert_file,
        key_file,
        reload_timeout=_cert_reload_timeout(request),
        source=source,
        info=info,
    )
    return Attempt(
        source, cert_file, True, "X.509 client certificate", kind=CERTIFICATE, cert=cred
    )


def x509_user_cert_env(request: Arguments) -> Attempt:
    """``X509_USER_CERT`` and ``X509_USER_KEY`` (both must be set)."""
    cert, key = os.environ.get("X509_USER_CERT"), os.environ.get("X509_USER_KEY")
    if not cert or not key:
        # The source is named after X509_USER_CERT: say "not set" of it,
        # and name X509_USER_KEY only when it is the one missing.
        reason = "not set" if not cert else "X509_USER_KEY not set"
        return _absent("X509_USER_CERT", cert, reason, kind=CERTIFICATE)
    return _discovered_cert("X509_USER_CERT", cert, key, request)


def x509_user_proxy_env(request: Arguments) -> Attempt:
    """``X509_USER_PROXY``: a proxy file (certificate, key and chain)."""
    path = os.environ.get("X509_USER_PROXY")
    if not path:
        return _absent("X509_USER_PROXY", None, "not set", kind=CERTIFICATE)
    return _discovered_cert("X509_USER_PROXY", path, None, request)


def x509_tmp_proxy(request: Arguments) -> Attempt:
    """``/tmp/x509up_u<euid>``: where grid tools write a proxy."""
    path = _user_file(TMP_DIR, "x509up_u", os.geteuid())
    return _discovered_cert("/tmp/x509up", path, None, request)  # noqa: S108


def globus_dir(request: Arguments) -> Attempt:
    """``~/.globus/usercert.pem`` and ``~/.globus/userkey.pem``."""
    directory = os.path.join(os.path.expanduser("~"), ".globus")
    cert = os.path.join(directory, "usercert.pem")
    key = os.path.join(directory, "userkey.pem")
    return _discovered_cert("~/.globus", cert, key, request)


# -- last resort ------------------------------------------------------------


def netrc(request: Arguments) -> Attempt:
    """netrc (``$NETRC``, else ``~/.netrc``) through safe-netrc.

    Only a ``machine`` entry for the URL's host name is used; a ``default``
    entry would hand the password to any host and is ignored.
    """
    path = os.environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if request.url is None:
        return _absent("netrc", path, "no url given to match a host")
    host = urlsplit(request.url).hostname
    if not host:
        return _absent("netrc", path, "url has no host name")
    if not os.path.exists(path):
        return _absent("netrc", path, "no such file")
    try:
        # safe-netrc opens the file by name: check first that it is a small
        # regular file, without blocking on a FIFO.
        read_credential_file(path, what="netrc file")
    except OSError as exc:
        problem = exc.strerror or type(exc).__name__
        warnings.warn(
            f"netrc file {path!r} skipped: {problem}", CredentialWarning, stacklevel=2
        )
        return _absent("netrc", path, f"skipped: {problem}", UNREADABLE)

    from safe_netrc import NetrcParseError  # type: ignore[import-untyped]
    from safe_netrc import netrc as safe_netrc  # type: ignore[import-untyped]

    try:
        parsed = safe_netrc(path)
    except (NetrcParseError, OSError, UnicodeDecodeError) as exc:
        problem = _netrc_problem(exc)
        warnings.warn(
            f"netrc file {path!r} skipped: {problem}", CredentialWarning, stacklevel=2
        )
        return _absent("netrc", path, f"skipped: {problem}", _netrc_status(exc))
    entry = parsed.hosts.get(host)
    if entry is None:
        return _absent("netrc", path, f"no machine entry for {host}")
    login, _, password = entry
    auth = BasicAuth(login or "", password or "")
    return Attempt("netrc", path, True, f"HTTP basic auth for {host}", auth)


def _netrc_status(exc: Exception) -> str:
    msg = getattr(exc, "msg", "") or ""
    if "permissive" in msg or "owner" in msg:
        return INSECURE_PERMISSIONS
    return UNREADABLE if isinstance(exc, OSError) else MALFORMED


def _netrc_problem(exc: Exception) -> str:
    """Say what is wrong with a netrc file without quoting it: the standard
    parser puts the offending token, which may be a password, in its
    message."""
    msg = getattr(exc, "msg", "") or ""
    if "permissive" in msg or "owner" in msg:
        return msg.replace("~/.netrc ", "")
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    if isinstance(exc, UnicodeDecodeError):
        return "not valid text"
    lineno = getattr(exc, "lineno", None)
    return f"malformed at line {lineno}" if lineno else "malformed"


#: The discovery order (see the module docstring for the rules).
SOURCES: tuple[Source, ...] = (
    Source("force_noauth", NOTHING, force_noauth, argument=True),
    Source("token argument", HEADER, token_argument, argument=True),
    Source("api_key argument", HEADER, api_key_argument, argument=True),
    Source(
        "username/password arguments",
        HEADER,
        basic_arguments,
        argument=True,
    ),
    Source("cert argument", CERTIFICATE, cert_argument, argument=True),
    Source("BEARER_TOKEN", HEADER, bearer_token_env),
    Source("BEARER_TOKEN_FILE", HEADER, bearer_token_file_env),
    Source("SCITOKEN", HEADER, scitoken_env),
    Source("SCITOKEN_FILE", HEADER, scitoken_file_env),
    Source("_CONDOR_CREDS", HEADER, condor_creds),
    # A login configured for this URL, refreshed by the session, wins over
    # the per-user token files that any tool may have written for any
    # service (and that `login --bearer-token-file` itself writes).
    Source("OIDC login", HEADER, oidc_login),
    Source("XDG_RUNTIME_DIR", HEADER, xdg_runtime_dir),
    Source("/tmp", HEADER, tmp_dir),  # noqa: S108
    Source("X509_USER_CERT", CERTIFICATE, x509_user_cert_env),
    Source("X509_USER_PROXY", CERTIFICATE, x509_user_proxy_env),
    Source("/tmp/x509up", CERTIFICATE, x509_tmp_proxy),  # noqa: S108
    Source("~/.globus", CERTIFICATE, globus_dir),
    Source("netrc", HEADER, netrc, last_resort=True),
)
