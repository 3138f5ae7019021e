"""Explain credential discovery: :class:`AuthReport`, returned by
:meth:`SessionAuthMixin.describe_auth()
<requests_gracedb_like.auth.SessionAuthMixin.describe_auth>`."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any, Optional

from .._http.redact import redact_url
from ._frozen import Frozen
from .records import (
    ABSENT,
    CERTIFICATE,
    EXPIRED,
    HALF_WRITTEN,
    INSECURE_PERMISSIONS,
    MALFORMED,
    NOT_LOOKED_AT,
    NOT_YET_VALID,
    NOTHING,
    UNREADABLE,
    USED,
    WRONG_AUDIENCE,
    WRONG_ISSUER,
    WRONG_SCOPE,
    Attempt,
    Discovery,
)

__all__ = [
    "GET_A_CREDENTIAL",
    "HOWTO",
    "AuthReport",
    "configured",
    "format_sources",
    "looked_at",
    "next_step",
    "refusal_note",
]

#: Where to learn how to get a credential, pointing to the documentation's
#: page (docs/credentials_howto.rst) by its title.
HOWTO = 'see "Getting a credential" in the documentation'

#: The next step when no credential was found.
GET_A_CREDENTIAL = f"get a credential for the service: {HOWTO}"

#: Sources named after an environment variable: set, they were meant to
#: supply a credential, even when the file they name is missing.
_VARIABLES = frozenset(
    {
        "BEARER_TOKEN",
        "BEARER_TOKEN_FILE",
        "SCITOKEN",
        "SCITOKEN_FILE",
        "_CONDOR_CREDS",
        "X509_USER_CERT",
        "X509_USER_PROXY",
    }
)


def configured(attempt: Attempt) -> bool:
    """Whether a source that yielded nothing was nevertheless set up by
    the user: its variable set (to a missing file, say), or its file there
    but unusable (expired, unreadable, wrong audience...).

    Examples
    --------
    >>> configured(Attempt("BEARER_TOKEN_FILE", "/run/tokn", False, "no such file"))
    True
    >>> configured(Attempt("XDG_RUNTIME_DIR", "/run/bt_u1", False, "no such file"))
    False
    """
    if attempt.found or attempt.status == NOT_LOOKED_AT or attempt.kind == NOTHING:
        return False
    if attempt.status != ABSENT:
        return True
    return attempt.source in _VARIABLES and attempt.location is not None


#: The next step for a credential skipped for each reason.
_NEXT = {
    EXPIRED: f"get a new token: {HOWTO}",
    NOT_YET_VALID: "check this machine's clock (the token is dated in its future)",
    WRONG_AUDIENCE: (
        "get a token whose aud names this service, or accept this one with "
        "token_audience="
    ),
    WRONG_SCOPE: (
        "get a token that grants the scope, or ask for less with token_scope="
    ),
    WRONG_ISSUER: "get a token from an accepted issuer, or accept it: token_issuer=",
    HALF_WRITTEN: "wait for the tool writing the token file to finish, then retry",
    MALFORMED: "write the credential file again with the tool that made it",
    UNREADABLE: "make the file readable by you, or point the variable elsewhere",
}


def next_step(attempt: Attempt) -> str:
    """One thing to do about a skipped source, in a few words.

    Examples
    --------
    >>> next_step(Attempt("BEARER_TOKEN_FILE", "/run/tokn", False, "no such file"))
    'correct the path in BEARER_TOKEN_FILE, or unset it'
    """
    if attempt.status == EXPIRED and attempt.kind == CERTIFICATE:
        return f"renew the certificate: {HOWTO}"
    if attempt.status == INSECURE_PERMISSIONS:
        return f"make the file private: chmod 600 {attempt.location}"
    if attempt.status == ABSENT and attempt.source in _VARIABLES:
        return f"correct the path in {attempt.source}, or unset it"
    return _NEXT.get(attempt.status, GET_A_CREDENTIAL)


def looked_at(attempts: Iterable[Attempt], kind: Optional[str] = None) -> list[str]:
    """The lines of a "no credential" message: each source looked at (of
    `kind`, when given) and why it yielded nothing, then one next step.

    Examples
    --------
    >>> attempts = [Attempt("BEARER_TOKEN", None, False, "not set")]
    >>> print("\\n".join(looked_at(attempts)))
    Looked at, in discovery order:
      BEARER_TOKEN: not set
    Next: get a credential for the service: see "Getting a credential" in the \
documentation
    """
    shown = [
        a
        for a in attempts
        if a.kind != NOTHING
        and (kind is None or a.kind == kind)
        and not a.source.endswith(("argument", "arguments"))
    ]
    lines = ["Looked at, in discovery order:"]
    lines += [f"  {a.describe()}" for a in shown]
    skipped = [a for a in shown if configured(a)]
    step = next_step(skipped[0]) if skipped else GET_A_CREDENTIAL
    lines.append(f"Next: {step}")
    return lines


def refusal_note(
    discovery: Discovery,
    status: int,
    *,
    sent: bool,
    now: Optional[float] = None,
) -> list[str]:
    """What a 401 or 403 error adds to its message: the credential sent,
    or that none was and which sources were skipped and why (in the words
    of :meth:`AuthReport.text`), then one next step. No secret.

    Parameters
    ----------
    discovery : Discovery
        The session's discovery.
    status : int
        401 or 403.
    sent : bool
        Whether the request carried the session's credential.
    now : float, optional
        The current time, for expiry times.
    """
    now = time.time() if now is None else now
    if sent and discovery.source is not None:
        expiries = [w.expiry for w in discovery.winners if w.expiry is not None]
        when = f" ({_when(min(expiries), now)})" if expiries else ""
        lines = [f"Sent: the credential from {discovery.source}{when}."]
        if status == 403:
            step = (
                "the service knows who you are but refuses this request: ask "
                "for access, or use a credential that grants it"
            )
        else:
            step = (
                "the service did not accept it: get a new one, or one meant "
                f"for this service: {HOWTO}"
            )
        return [*lines, f"Next: {step}"]
    if any(a.kind == NOTHING and a.found for a in discovery.attempts):
        return [
            "No credential was sent (force_noauth=True).",
            "Next: leave out force_noauth to send the discovered credential",
        ]
    skipped = [a for a in discovery.attempts if configured(a)]
    if not skipped:
        looked = sum(1 for a in discovery.attempts if a.kind != NOTHING)
        return [
            f"No credential was sent: none was found in the {looked} places "
            "looked at (session.describe_auth() lists them).",
            f"Next: {GET_A_CREDENTIAL}",
        ]
    lines = ["No credential was sent. Skipped:"]
    for attempt in skipped:
        line = f"  {attempt.describe()}"
        if attempt.expiry is not None:
            line += f" ({_when(attempt.expiry, now)})"
        lines.append(line)
    lines.append(f"Next: {next_step(skipped[0])}")
    return lines


def _when(expiry: float, now: float) -> str:
    stamp = datetime.fromtimestamp(expiry, timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S UTC"
    )
    left = expiry - now
    if left <= 0:
        return f"expired {stamp}"
    return f"expires {stamp}, in {duration(left)}"


def duration(seconds: float) -> str:
    """A time span in words, as discovery reports show it.

    Examples
    --------
    >>> duration(7140), duration(59), duration(90061)
    ('1 h 59 min', '59 s', '1 d 1 h')
    """
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes and not days else []
    parts += [f"{secs} s"] if not (days or hours) else []
    return " ".join(parts) or "0 s"


#: The mark before a source's number: used, found but not used (an earlier
#: source supplies that kind of credential), where a Session stops.
MARKS = {"used": "*", "shadowed": "+", "error": "!"}


def format_sources(
    url: Optional[str], rows: Iterable[tuple[str, str, str]]
) -> list[str]:
    """The lines every discovery report starts with: a heading, then one
    numbered line per source.

    This is the one format of :meth:`AuthReport.text`, the command line's
    ``auth`` and the demo.

    Parameters
    ----------
    url : str or None
        The service URL, already made safe to show.
    rows : list of tuple
        For each source in discovery order, three strings: its mark (``*``
        used, ``+`` found but not used, ``!`` where a Session stops, or
        ``""``), its name with its location, and what happened to it.

    Examples
    --------
    >>> rows = [
    ...     ("", "BEARER_TOKEN", "not set"),
    ...     ("*", "BEARER_TOKEN_FILE (/run/token)", "bearer token file"),
    ... ]
    >>> for line in format_sources("https://example.org/", rows):
    ...     print(line)
    Credential sources for https://example.org/, in discovery order:
         1. BEARER_TOKEN: not set
      *  2. BEARER_TOKEN_FILE (/run/token): bearer token file
    """
    where = f" for {url}" if url else ""
    lines = [f"Credential sources{where}, in discovery order:"]
    for number, (mark, name, detail) in enumerate(rows, 1):
        lines.append(f"  {mark or ' '} {number:>2}. {name}: {detail}")
    return lines


class AuthReport(Frozen):
    """Every credential source in discovery order, what happened to it, and
    which credential is used: no secret, no credential object.

    Attributes
    ----------
    url : str or None
        The session's service URL, without user name, password or secret
        query values.
    records : tuple of Attempt
        One per source, in order, without the credential objects. Each has
        ``status`` (``"used"``, ``"absent"``, ``"expired"``, ...) and
        :meth:`~requests_gracedb_like.credentials.records.Attempt.to_dict`.
    source : str or None
        The same text as ``session.auth_source``.
    expiry : float or None
        The earliest expiry of the credentials used (POSIX time), if known.
    refused : str or None
        Why requests would not carry the header credential after all (a
        plain-http URL to another host), or None.
    """

    _fields = ("url", "records", "source", "expiry", "refused")

    url: Optional[str]
    records: tuple[Attempt, ...]
    source: Optional[str]
    expiry: Optional[float]
    refused: Optional[str]

    def __init__(
        self,
        url: Optional[str],
        records: tuple[Attempt, ...],
        source: Optional[str],
        expiry: Optional[float],
        refused: Optional[str] = None,
    ) -> None:
        self._set(
            url=url, records=records, source=source, expiry=expiry, refused=refused
        )

    @classmethod
    def from_discovery(
        cls,
        discovery: Discovery,
        url: Optional[str],
        expiry: Optional[float],
        refused: Optional[str] = None,
    ) -> AuthReport:
        """Build from a
        :class:`~requests_gracedb_like.credentials.records.Discovery`."""
        records = tuple(a._replace(auth=None, cert=None) for a in discovery.attempts)
        # The URL may carry a user name and password or a ?token=: shown
        # without them, in str(), repr() and to_dict() alike.
        shown = redact_url(url) if url else url
        return cls(shown, records, discovery.source, expiry, refused)

    @property
    def used(self) -> tuple[Attempt, ...]:
        """The records of the credentials in use."""
        return tuple(r for r in self.records if r.status == USED)

    def __iter__(self) -> Iterator[Attempt]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, ready for ``json.dumps``."""
        return {
            "url": self.url,
            "source": self.source,
            "expiry": self.expiry,
            "refused": self.refused,
            "sources": [r.to_dict() for r in self.records],
        }

    def text(self, *, now: Optional[float] = None) -> str:
        """A readable table, one source per line, then the verdict."""
        now = time.time() if now is None else now
        rows = []
        for record in self.records:
            name = record.source + (f" ({record.location})" if record.location else "")
            detail = record.detail()
            if record.expiry is not None:
                detail += f" ({_when(record.expiry, now)})"
            rows.append((MARKS["used"] if record.status == USED else "", name, detail))
        lines = format_sources(self.url, rows)
        lines.append(f"Using: {self.source or 'no credential'}")
        if self.refused is not None:
            lines.append(f"Not sent: {self.refused}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()
