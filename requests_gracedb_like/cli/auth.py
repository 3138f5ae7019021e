"""The ``auth`` command: which credential a Session would use for a URL,
and why, without any secret."""

from __future__ import annotations

import argparse
import datetime
import json
import time
import warnings
from typing import Any, Optional

from .._http.redact import printable, redact_url
from ..credentials.discovery import why_not_looked_at
from ..credentials.records import Attempt, Request, Source
from ..credentials.sources import SOURCES
from ..exceptions import CredentialError
from .arguments import check_url, claim_options
from .status import ExitStatus

__all__ = ["auth_report", "format_auth_report", "run"]


def auth_report(
    url: str, *, token: Optional[str] = None, **requirements: Any
) -> dict[str, Any]:
    """Explain which credentials a Session for `url` would use, without any
    secret.

    Every source of :data:`~requests_gracedb_like.credentials.sources.SOURCES` is
    looked at, even those discovery skips once a credential of their kind
    is found, so that a credential shadowed by an earlier one shows up as
    such. Which sources are used follows the rules of
    :mod:`~requests_gracedb_like.credentials.discovery`, as
    :meth:`~requests_gracedb_like.auth.SessionAuthMixin.describe_auth` reports.

    Parameters
    ----------
    url : str
        The service URL.
    token : str, optional
        A bearer-token file, as the ``token=`` argument of the Session.
    **requirements
        ``token_audience``, ``token_scope``, ``token_issuer`` and
        ``token_expiry_margin``, as the Session takes them.

    Returns
    -------
    dict
        ``url``; ``sources``: for each source in order, ``source``,
        ``location``, ``status`` (``used``; ``shadowed``: found, but an
        earlier source supplies that kind of credential; ``absent``;
        ``error``: a Session would raise here; ``ignored``: unusable but
        after the winner), ``why`` (the discovery status: ``absent``,
        ``expired``, ``wrong audience``...) and ``reason``; ``used``: the
        sources used, or None; ``usable``; ``expiry`` (ISO 8601, UTC) and
        ``expires_in`` (seconds), the earliest of the credentials used,
        when known; ``claims``: the token's ``sub``, ``iss``, ``aud`` and
        ``scope`` when present, and the certificate's ``subject``.
    """
    request = Request(url=url, token=token, **requirements)
    sources = []
    winners: list[Source] = []
    used: list[Attempt] = []
    failed = False
    for source in SOURCES:
        try:
            with warnings.catch_warnings():
                # the reason recorded says the same
                warnings.simplefilter("ignore")
                attempt = source(request)
        except (OSError, CredentialError) as exc:
            sources.append(
                {
                    "source": source.name,
                    "location": getattr(exc, "filename", None),
                    "status": "error" if not winners and not failed else "ignored",
                    "why": "unreadable" if isinstance(exc, OSError) else "malformed",
                    "reason": _problem(exc),
                }
            )
            failed = failed or not winners
            continue
        if attempt.found and not failed and why_not_looked_at(source, winners) is None:
            status = "used"
            winners.append(source)
            used.append(attempt)
        elif attempt.found:
            status = "shadowed"
        else:
            status = "absent"
        sources.append(
            {
                "source": attempt.source,
                "location": attempt.location,
                "status": status,
                "why": attempt.status,
                "reason": attempt.reason,
            }
        )
    report: dict[str, Any] = {
        "url": redact_url(url),
        "sources": sources,
        "used": None,
        "usable": False,
        "expiry": None,
        "expires_in": None,
        "claims": {},
    }
    used = [a for a in used if a.source != "force_noauth"]
    if not used:
        return report
    report["used"] = " + ".join(
        f"{a.source} ({a.location})" if a.location else a.source for a in used
    )
    report["usable"] = True
    expiries = [a.expiry for a in used if a.expiry is not None]
    if expiries:
        left = min(expiries) - time.time()
        report["expiry"] = iso(min(expiries))
        report["expires_in"] = round(left)
        report["usable"] = left > 0
    claims: dict[str, Any] = {}
    for attempt in used:
        claims.update(getattr(attempt.auth, "claims", None) or {})
        if attempt.cert is not None and attempt.cert.subject:
            claims["subject"] = attempt.cert.subject
    report["claims"] = {
        k: claims[k] for k in ("sub", "iss", "aud", "scope", "subject") if k in claims
    }
    return report


def _problem(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot be read: {exc.strerror}"
    return f"cannot be used: {exc}"


def iso(timestamp: float) -> str:
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def duration(seconds: float) -> str:
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes and not days else []
    parts += [f"{secs} s"] if not (days or hours) else []
    return " ".join(parts) or "0 s"


_MARKS = {"used": "*", "shadowed": "+", "absent": "-", "error": "!", "ignored": "!"}


def format_auth_report(report: dict[str, Any]) -> str:
    """The text form of :func:`auth_report`."""
    lines = [f"Credential sources for {report['url']}, in discovery order:"]
    for number, item in enumerate(report["sources"], 1):
        where = f" ({item['location']})" if item["location"] else ""
        note = {
            "used": "  <- used",
            "shadowed": "  (found, not used: an earlier source supplies it)",
            "error": "  <- a Session stops here with this error",
        }.get(item["status"], "")
        lines.append(
            f"  {_MARKS[item['status']]} {number}. {item['source']}{where}: "
            f"{item['reason']}{note}"
        )
    if report["used"] is None:
        failed = [s for s in report["sources"] if s["status"] == "error"]
        if failed:
            where = f" ({failed[0]['location']})" if failed[0]["location"] else ""
            lines.append(
                f"No usable credential: {failed[0]['source']}{where} "
                f"{failed[0]['reason']}"
            )
        else:
            lines.append("No credential found: requests are sent without one.")
        return "\n".join(lines)
    lines.append(f"Used: {report['used']}")
    for key, value in report["claims"].items():
        # claims come from the token file: no escape sequence may reach the
        # terminal
        lines.append(f"  {key}: {printable(str(value))}")
    if report["expiry"] is None:
        lines.append("Expires: no expiry known")
    elif report["expires_in"] > 0:
        left = duration(report["expires_in"])
        lines.append(f"Expires: {report['expiry']} (in {left})")
    else:
        ago = duration(report["expires_in"])
        lines.append(f"Expired: {report['expiry']} ({ago} ago): not usable")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``auth``: print the report; exit 3 when no credential is usable."""
    check_url(args.url)
    report = auth_report(args.url, token=args.token, **claim_options(args))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_auth_report(report))
    return ExitStatus.OK if report["usable"] else ExitStatus.CREDENTIAL
