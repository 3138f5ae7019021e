"""X.509 client certificates: check a PEM certificate and its private key
when read, and re-read them when they change on disk.

A certificate is presented in the TLS handshake (``session.cert``), not in a
header. ``cryptography`` is imported only when a certificate is actually
read; without it a certificate is used unchecked (no expiry is known), and
the TLS library reports any problem at the first connection.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import time
import warnings
from datetime import datetime, timezone
from typing import Any, Optional, Union

from .._typing import PathLike
from ..exceptions import CredentialError, CredentialWarning, EncryptedKeyError
from ._locks import LockPickling, fork_safe_lock
from .files import read_credential_file

__all__ = [
    "CertificateInfo",
    "X509Credential",
    "insecure_key_mode",
    "read_certificate",
]

log = logging.getLogger(__name__)


_KEY_BLOCK = re.compile(
    rb"-----BEGIN ((?:[A-Z]+ )*)PRIVATE KEY-----.*?-----END \1PRIVATE KEY-----",
    re.DOTALL,
)


class CertificateInfo:
    """What was learnt from a certificate file: never the key.

    Attributes
    ----------
    subject : str or None
        The subject of the first certificate (RFC 4514), None when unchecked.
    expiry : float or None
        The earliest ``notAfter`` of the certificates in the file, as POSIX
        time; None when unchecked.
    """

    __slots__ = ("_digest", "expiry", "subject")

    def __init__(
        self, subject: Optional[str], expiry: Optional[float], digest: str = ""
    ) -> None:
        self.subject = subject
        self.expiry = expiry
        # Tells a rotated file from a rewritten one; never shown.
        self._digest = digest

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CertificateInfo):
            return NotImplemented
        return self._digest == other._digest

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<CertificateInfo subject={self.subject!r} expiry={self.expiry!r}>"


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S UTC"
    )


def _problem(path: str, what: str) -> CredentialError:
    return CredentialError(f"X.509 file {path!r} {what}")


def read_certificate(
    cert_file: PathLike, key_file: Optional[PathLike] = None
) -> CertificateInfo:
    """Read a PEM certificate and private key and check that they belong together.

    Parameters
    ----------
    cert_file : str or os.PathLike
        PEM file holding the certificate (and its chain; a proxy file also
        holds the key).
    key_file : str or os.PathLike, optional
        PEM file holding the private key; by default `cert_file`.

    Returns
    -------
    CertificateInfo
        The subject and expiry; both None when ``cryptography`` is not
        installed.

    Raises
    ------
    OSError
        If a file cannot be read, or
        (:class:`~requests_gracedb_like.exceptions.CredentialFileError`) is
        not a regular file or is too large.
    CredentialError
        If a file holds no certificate or no private key, is malformed, the
        key is encrypted with a passphrase, or the key does not match the
        certificate. The message names the file and the problem, never the
        file's content.
    """
    cert_path = os.fspath(cert_file)
    key_path = cert_path if key_file is None else os.fspath(key_file)
    cert_data = read_credential_file(cert_path, what="X.509 file")
    if key_path == cert_path:
        key_data = cert_data
    else:
        key_data = read_credential_file(key_path, what="X.509 file")
    match = _KEY_BLOCK.search(key_data)
    if match is None:
        raise _problem(key_path, "holds no PEM private key")
    if b"ENCRYPTED" in match.group(0):
        raise EncryptedKeyError(
            f"X.509 file {key_path!r} holds a private key encrypted with a "
            "passphrase, which cannot be used unattended: use a decrypted key "
            "or a proxy certificate"
        )
    digest = hashlib.sha256(cert_data + b"\0" + match.group(0)).hexdigest()
    try:
        from cryptography import x509
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        log.debug("cryptography is not installed: %s is used unchecked", cert_path)
        return CertificateInfo(None, None, digest)

    try:
        certs = x509.load_pem_x509_certificates(cert_data)
    except ValueError:
        raise _problem(cert_path, "holds no valid PEM certificate") from None
    try:
        key = serialization.load_pem_private_key(match.group(0), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise _problem(key_path, "holds a malformed private key") from None

    der = serialization.Encoding.DER
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    try:
        # the PEM parser is lazy: a damaged field shows up only when read
        cert_key = certs[0].public_key().public_bytes(der, spki)
        expiry = min(_not_after(c) for c in certs)
        subject = certs[0].subject.rfc4514_string()
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise _problem(cert_path, "holds a malformed certificate") from None
    if key.public_key().public_bytes(der, spki) != cert_key:
        raise _problem(
            key_path, f"holds a private key that does not match {cert_path!r}"
        )
    return CertificateInfo(subject, expiry, digest)


def _not_after(cert: Any) -> float:
    value = getattr(cert, "not_valid_after_utc", None)
    if value is None:  # cryptography < 42: a naive datetime in UTC
        value = cert.not_valid_after.replace(tzinfo=timezone.utc)
    return float(value.timestamp())


def insecure_key_mode(key_file: PathLike) -> Optional[int]:
    """Return the permission bits of `key_file` if group or others may read
    or write it, else None."""
    mode = stat.S_IMODE(os.stat(key_file).st_mode)
    return mode if mode & 0o077 else None


class X509Credential(LockPickling):
    """A client certificate and key, as ``session.cert`` takes them.

    Parameters
    ----------
    cert_file : str or os.PathLike
        The PEM certificate (or proxy) file.
    key_file : str or os.PathLike, optional
        The PEM private key; by default the key is in `cert_file`.
    reload_timeout : float, optional
        With a number, :meth:`check` re-reads the files when they change on
        disk and, once, when ``now >= expiry - reload_timeout``. None
        (the default) reads them once.
    source : str, optional
        Where the certificate came from, for messages.
    info : CertificateInfo, optional
        What :func:`read_certificate` already returned for these files; they
        are not read again.

    Raises
    ------
    OSError
        As :func:`read_certificate`.
    requests_gracedb_like.exceptions.CredentialError
        As :func:`read_certificate`, and when the certificate has expired.

    Notes
    -----
    A private key that group or others may read draws a
    :class:`~requests_gracedb_like.exceptions.CredentialWarning`: grid tools
    refuse such keys, as anyone who can read it can act as you.
    """

    def __init__(
        self,
        cert_file: PathLike,
        key_file: Optional[PathLike] = None,
        *,
        reload_timeout: Optional[float] = None,
        source: str = "the cert argument",
        info: Optional[CertificateInfo] = None,
    ) -> None:
        self.cert_file = os.fspath(cert_file)
        self.key_file = None if key_file is None else os.fspath(key_file)
        self.reload_timeout = reload_timeout
        self.source = source
        self._lock = fork_safe_lock(self)
        self._window_read = False
        self._stat_key = self._file_key()
        if info is None:
            info = read_certificate(self.cert_file, self.key_file)
            key_path = self.key_file or self.cert_file
            mode = insecure_key_mode(key_path)
            if mode is not None:
                warnings.warn(
                    f"X.509 private key {key_path!r} has mode {mode:o}: "
                    "others can read it; use chmod 600",
                    CredentialWarning,
                    stacklevel=3,
                )
        self.info = info
        if self.expiry is not None and time.time() >= self.expiry:
            raise CredentialError(
                f"X.509 certificate {self.cert_file!r} from {source} expired at "
                f"{_utc(self.expiry)}"
            )

    @property
    def cert(self) -> Union[str, tuple[str, str]]:
        """The value for ``session.cert``: a path, or ``(cert, key)``."""
        if self.key_file is None or self.key_file == self.cert_file:
            return self.cert_file
        return (self.cert_file, self.key_file)

    @property
    def expiry(self) -> Optional[float]:
        """POSIX time of the earliest ``notAfter`` in the file, or None."""
        return self.info.expiry

    @property
    def subject(self) -> Optional[str]:
        """The certificate's subject name (not a secret), or None."""
        return self.info.subject

    @property
    def reloading(self) -> bool:
        """Whether :meth:`check` watches the files."""
        return self.reload_timeout is not None

    def _file_key(self) -> tuple[Any, ...]:
        keys: list[Any] = []
        for path in (self.cert_file, self.key_file):
            if path is None:
                continue
            try:
                st = os.stat(path)
            except OSError:
                keys.append(None)
            else:
                keys.append((st.st_ino, st.st_size, st.st_mtime_ns))
        return tuple(keys)

    def check(self) -> bool:
        """Re-read the files if they changed on disk or expiry is near.

        Returns
        -------
        bool
            True when a different certificate was read: connections opened
            with the old one should be closed.

        Raises
        ------
        CredentialError
            When the certificate in use has expired and the files hold no
            valid replacement.
        """
        if self.reload_timeout is None:
            return False
        now = time.time()
        key = self._file_key()
        near = self.expiry is not None and now >= self.expiry - self.reload_timeout
        if not self._needs_read(key, near):
            if near:
                self._fail_if_expired(now, None)
            return False
        with self._lock:
            if not self._needs_read(key, near):
                return False  # another thread did the read while we waited
            self._window_read = near
            try:
                info = read_certificate(self.cert_file, self.key_file)
            except (OSError, CredentialError) as exc:
                # Probably caught mid-write: keep the certificate in use.
                log.debug("keeping the X.509 certificate in use: %s", exc)
                self._fail_if_expired(now, exc)
                return False
            self._stat_key = key
            if info.expiry is not None and now >= info.expiry:
                log.debug(
                    "keeping the X.509 certificate in use: %s holds an expired one",
                    self.cert_file,
                )
                self._fail_if_expired(now, None)
                return False
            if info == self.info:
                return False
            self.info = info
            self._window_read = False
            log.debug("reloaded X.509 certificate %s", self.cert_file)
            return True

    def _needs_read(self, key: tuple[Any, ...], near: bool) -> bool:
        # A change on disk, or the first look once expiry is near (a file
        # rewritten within the timestamp resolution keeps its stat key).
        return key != self._stat_key or (near and not self._window_read)

    def _fail_if_expired(self, now: float, cause: Optional[Exception]) -> None:
        if self.expiry is not None and now >= self.expiry:
            problem = f": {cause}" if cause is not None else ""
            raise CredentialError(
                f"X.509 certificate {self.cert_file!r} expired at "
                f"{_utc(self.expiry)} and the file holds no newer one{problem}"
            )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, X509Credential):
            return NotImplemented
        return (self.cert, self.info) == (other.cert, other.info)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.cert_file!r} subject={self.subject!r}>"
