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
from .records import USED, Attempt, Discovery

__all__ = ["AuthReport", "format_sources"]


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
