"""What discovery records: the caller's :class:`Arguments`, one
:class:`Attempt` per source, the :class:`Discovery` result, the
:class:`Source` entries of the order, and the status words they use.

Immutable value objects, none of which shows a secret in its ``repr``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional, Union

from requests.auth import AuthBase

from .._typing import PathLike
from ._frozen import Frozen
from .claims import DEFAULT_EXPIRY_MARGIN, ClaimRequirements, check_expiry_margin
from .x509 import X509Credential

__all__ = [
    "ABSENT",
    "CERTIFICATE",
    "DISABLED",
    "EXPIRED",
    "HALF_WRITTEN",
    "HEADER",
    "INSECURE_PERMISSIONS",
    "MALFORMED",
    "NOTHING",
    "NOT_LOOKED_AT",
    "NOT_YET_VALID",
    "UNREADABLE",
    "UNSUPPORTED",
    "USED",
    "WRONG_AUDIENCE",
    "WRONG_ISSUER",
    "WRONG_SCOPE",
    "Arguments",
    "Attempt",
    "CertArgument",
    "Discovery",
    "Source",
]

CertArgument = Union[PathLike, tuple[PathLike, PathLike], bool, None]

#: A source that supplies a header credential (``Authorization`` or API key).
HEADER = "header"
#: A source that supplies an X.509 client certificate.
CERTIFICATE = "certificate"
#: What ``force_noauth`` supplies (no credential at all).
NOTHING = "nothing"

#: Status meaning the credential found is used.
USED = "used"
#: Status meaning nothing found (no argument, variable or file).
ABSENT = "absent"
#: Status meaning switched off by ``token=False`` or ``cert=False``.
DISABLED = "disabled"
#: Status meaning the file exists but cannot be read.
UNREADABLE = "unreadable"
#: Status meaning the file cannot be parsed.
MALFORMED = "malformed"
#: Status meaning the token file looks caught while being written.
HALF_WRITTEN = "half-written"
#: Status meaning the token or certificate has expired, or the token has
#: less than ``token_expiry_margin`` seconds left.
EXPIRED = "expired"
#: Status meaning the token's ``nbf`` or ``iat`` is still to come.
NOT_YET_VALID = "not yet valid"
#: Status meaning the token declares a profile version not understood.
UNSUPPORTED = "unsupported"
#: Status meaning the token's ``aud`` does not match ``token_audience``.
WRONG_AUDIENCE = "wrong audience"
#: Status meaning the token lacks a scope of ``token_scope``.
WRONG_SCOPE = "wrong scope"
#: Status meaning the token's ``iss`` does not match ``token_issuer``.
WRONG_ISSUER = "wrong issuer"
#: Status meaning others may read the file (netrc, private key).
INSECURE_PERMISSIONS = "insecure permissions"
#: Status meaning an earlier source made this one irrelevant.
NOT_LOOKED_AT = "not looked at"


class Arguments(Frozen):
    """What the caller asked for: the arguments discovery reads.

    Immutable; ``password`` and ``api_key`` are left out of its ``repr``.
    """

    _fields = (
        "url",
        "token",
        "username",
        "password",
        "force_noauth",
        "auth_reload",
        "auth_reload_timeout",
        "cert",
        "api_key",
        "auth_header_name",
        "api_key_prefix",
        "token_audience",
        "token_scope",
        "token_issuer",
        "token_expiry_margin",
    )
    _hidden = frozenset({"password", "api_key"})

    url: Optional[str]
    token: Union[PathLike, bool, None]
    username: Optional[str]
    password: Optional[str]
    force_noauth: bool
    auth_reload: bool
    auth_reload_timeout: float
    cert: CertArgument
    api_key: Optional[str]
    auth_header_name: str
    api_key_prefix: Optional[str]
    token_audience: Any
    token_scope: Any
    token_issuer: Any
    token_expiry_margin: float
    _claims: ClaimRequirements

    def __init__(
        self,
        url: Optional[str] = None,
        token: Union[PathLike, bool, None] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        force_noauth: bool = False,
        auth_reload: bool = False,
        auth_reload_timeout: float = 300,
        cert: CertArgument = None,
        api_key: Optional[str] = None,
        auth_header_name: str = "Authorization",
        api_key_prefix: Optional[str] = None,
        token_audience: Any = None,
        token_scope: Any = None,
        token_issuer: Any = None,
        token_expiry_margin: float = DEFAULT_EXPIRY_MARGIN,
    ) -> None:
        self._set(
            url=url,
            token=token,
            username=username,
            password=password,
            force_noauth=force_noauth,
            auth_reload=auth_reload,
            auth_reload_timeout=auth_reload_timeout,
            cert=cert,
            api_key=api_key,
            auth_header_name=auth_header_name,
            api_key_prefix=api_key_prefix,
            token_audience=token_audience,
            token_scope=token_scope,
            token_issuer=token_issuer,
            token_expiry_margin=check_expiry_margin(token_expiry_margin),
        )
        # A bad token_* argument fails here, named.
        self._set(
            _claims=ClaimRequirements.from_arguments(
                url, token_audience, token_scope, token_issuer
            )
        )

    @property
    def claims(self) -> ClaimRequirements:
        """The claims a token must carry (see
        :mod:`~requests_gracedb_like.credentials.claims`)."""
        return self._claims


class Attempt(Frozen):
    """One credential source, as discovery found it.

    Attributes
    ----------
    source : str
        The source's name, for example ``"BEARER_TOKEN_FILE"``.
    location : str or None
        The file or variable looked at, when there is one.
    found : bool
        Whether this source yielded a credential in use.
    reason : str
        Why it was used or skipped, in a few words; never a secret.
    status : str
        :data:`USED`, or why not: :data:`ABSENT`, :data:`DISABLED`,
        :data:`UNREADABLE`, :data:`MALFORMED`, :data:`HALF_WRITTEN`,
        :data:`EXPIRED`,
        :data:`NOT_YET_VALID`, :data:`UNSUPPORTED`,
        :data:`WRONG_AUDIENCE`, :data:`WRONG_SCOPE`, :data:`WRONG_ISSUER`,
        :data:`INSECURE_PERMISSIONS` or :data:`NOT_LOOKED_AT`.
    kind : str
        What the source supplies: :data:`HEADER`, :data:`CERTIFICATE` or
        :data:`NOTHING` (``force_noauth``).
    expiry : float or None
        When the credential found expires (POSIX time), if known.
    """

    # The credential objects are neither shown nor compared.
    _fields = (
        "source",
        "location",
        "found",
        "reason",
        "auth",
        "status",
        "kind",
        "cert",
        "expiry",
    )
    _hidden = _uncompared = frozenset({"auth", "cert"})

    source: str
    location: Optional[str]
    found: bool
    reason: str
    auth: Optional[AuthBase]
    status: str
    kind: str
    cert: Optional[X509Credential]
    expiry: Optional[float]

    def __init__(
        self,
        source: str,
        location: Optional[str],
        found: bool,
        reason: str,
        auth: Optional[AuthBase] = None,
        status: str = "",
        kind: str = HEADER,
        cert: Optional[X509Credential] = None,
        expiry: Optional[float] = None,
    ) -> None:
        if not status:
            status = USED if found else ABSENT
        if expiry is None:
            credential = cert if cert is not None else auth
            expiry = getattr(credential, "expiry", None)
        self._set(
            source=source,
            location=location,
            found=found,
            reason=reason,
            auth=auth,
            status=status,
            kind=kind,
            cert=cert,
            expiry=expiry,
        )

    def detail(self) -> str:
        """What happened, as the discovery report says it: the reason,
        after the status when the reason does not say it (``not looked at:
        BEARER_TOKEN_FILE was found first``)."""
        status, reason = self.status, self.reason
        if status in (USED, ABSENT) or status in reason:
            return reason
        return f"{status}: {reason}"

    def describe(self) -> str:
        """One line: the source, its location and what happened."""
        where = f" ({self.location})" if self.location else ""
        return f"{self.source}{where}: {self.detail()}"

    def to_dict(self) -> dict[str, Any]:
        """The attempt as plain data (no credential object, no secret)."""
        return {
            "source": self.source,
            "location": self.location,
            "kind": self.kind,
            "status": self.status,
            "used": self.found,
            "reason": self.reason,
            "expiry": self.expiry,
        }


class Discovery(Frozen):
    """The outcome of
    :func:`~requests_gracedb_like.credentials.discovery.discover`.

    Attributes
    ----------
    auth : requests.auth.AuthBase or None
        The header credential to use; None when none was found or
        ``force_noauth`` was given.
    attempts : tuple of Attempt
        Every source in order, including those not looked at.
    cert : requests_gracedb_like.credentials.x509.X509Credential or None
        The client certificate found, if any.
    """

    _fields = ("auth", "attempts", "cert")
    _uncompared = frozenset({"cert"})

    auth: Optional[AuthBase]
    attempts: tuple[Attempt, ...]
    cert: Optional[X509Credential]

    def __init__(
        self,
        auth: Optional[AuthBase],
        attempts: tuple[Attempt, ...],
        cert: Optional[X509Credential] = None,
    ) -> None:
        self._set(auth=auth, attempts=attempts, cert=cert)

    @property
    def winners(self) -> tuple[Attempt, ...]:
        """The attempts whose credentials are used, in order."""
        return tuple(a for a in self.attempts if a.found)

    @property
    def winner(self) -> Optional[Attempt]:
        """The first attempt that yielded a credential, or None."""
        winners = self.winners
        return winners[0] if winners else None

    @property
    def source(self) -> Optional[str]:
        """Which sources won, with their locations, joined by ``" + "``;
        None if none did."""
        names = [
            f"{w.source} ({w.location})" if w.location else w.source
            for w in self.winners
        ]
        return " + ".join(names) or None


class Source(Frozen):
    """One entry of
    :data:`~requests_gracedb_like.credentials.sources.SOURCES`.

    Attributes
    ----------
    name : str
        The name attempts report.
    kind : str
        What it supplies: :data:`HEADER`, :data:`CERTIFICATE` or
        :data:`NOTHING`.
    find : callable
        ``find(request) -> Attempt``.
    argument : bool
        Whether it reads a caller's argument rather than the environment.
    last_resort : bool
        Whether it is looked at only when nothing else was found.
    """

    _fields = ("name", "kind", "find", "argument", "last_resort")

    name: str
    kind: str
    find: Callable[[Arguments], Attempt]
    argument: bool
    last_resort: bool

    def __init__(
        self,
        name: str,
        kind: str,
        find: Callable[[Arguments], Attempt],
        argument: bool = False,
        last_resort: bool = False,
    ) -> None:
        self._set(
            name=name,
            kind=kind,
            find=find,
            argument=argument,
            last_resort=last_resort,
        )

    def __call__(self, request: Arguments) -> Attempt:
        return self.find(request)


def _absent(
    source: str,
    location: Optional[str],
    reason: str,
    status: str = ABSENT,
    kind: str = HEADER,
) -> Attempt:
    return Attempt(source, location, False, reason, status=status, kind=kind)


def _not_looked_at(source: str, why: str, kind: str) -> Attempt:
    return _absent(source, None, why, NOT_LOOKED_AT, kind)
