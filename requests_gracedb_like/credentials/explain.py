"""Explain credential discovery: :class:`AuthReport`, returned by
:meth:`SessionAuthMixin.describe_auth()
<requests_gracedb_like.auth.SessionAuthMixin.describe_auth>`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any, Optional

from .._http.redact import redact_url
from ._frozen import Frozen
from .records import ABSENT, NOT_LOOKED_AT, USED, Attempt, Discovery

__all__ = ["AuthReport"]


def _when(expiry: float, now: float) -> str:
    stamp = datetime.fromtimestamp(expiry, timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S UTC"
    )
    left = expiry - now
    if left <= 0:
        return f"expired {stamp}"
    hours, rest = divmod(int(left), 3600)
    return f"expires {stamp}, in {hours} h {rest // 60:02d} min"


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
    """

    _fields = ("url", "records", "source", "expiry")

    url: Optional[str]
    records: tuple[Attempt, ...]
    source: Optional[str]
    expiry: Optional[float]

    def __init__(
        self,
        url: Optional[str],
        records: tuple[Attempt, ...],
        source: Optional[str],
        expiry: Optional[float],
    ) -> None:
        self._set(url=url, records=records, source=source, expiry=expiry)

    @classmethod
    def from_discovery(
        cls, discovery: Discovery, url: Optional[str], expiry: Optional[float]
    ) -> AuthReport:
        """Build from a
        :class:`~requests_gracedb_like.credentials.records.Discovery`."""
        records = tuple(a._replace(auth=None, cert=None) for a in discovery.attempts)
        # The URL may carry a user name and password or a ?token=: shown
        # without them, in str(), repr() and to_dict() alike.
        shown = redact_url(url) if url else url
        return cls(shown, records, discovery.source, expiry)

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
            "sources": [r.to_dict() for r in self.records],
        }

    def text(self, *, now: Optional[float] = None) -> str:
        """A readable table, one source per line, then the verdict."""
        now = time.time() if now is None else now
        where = f" for {self.url}" if self.url else ""
        lines = [f"Credential sources{where}, in discovery order:"]
        for number, record in enumerate(self.records, 1):
            name = record.source + (f" ({record.location})" if record.location else "")
            mark = "*" if record.status == USED else " "
            detail = record.reason
            if (
                record.status not in (USED, ABSENT, NOT_LOOKED_AT)
                and record.status not in detail
            ):
                detail = f"{record.status}: {detail}"
            if record.status == NOT_LOOKED_AT:
                detail = f"not looked at: {detail}"
            if record.expiry is not None:
                detail += f" ({_when(record.expiry, now)})"
            lines.append(f"{mark}{number:>3}. {name}: {detail}")
        lines.append(f"Using: {self.source or 'no credential'}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()
