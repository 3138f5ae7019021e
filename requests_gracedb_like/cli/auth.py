"""The ``auth`` command: which credential a Session would use for a URL,
and why, without any secret."""

from __future__ import annotations

import argparse
import datetime
import json
import shlex
import time
import warnings
from typing import Any, Optional
from urllib.parse import urlsplit

from .._http.redact import printable, redact_url
from ..credentials.discovery import why_not_looked_at
from ..credentials.explain import MARKS, duration, format_sources
from ..credentials.records import HEADER, Arguments, Attempt, Source
from ..credentials.sources import SOURCES
from ..exceptions import CredentialError, CredentialWarning
from ..transport import in_clear_to_remote
from .arguments import check_url, claim_options
from .status import ExitStatus

__all__ = ["auth_report", "format_auth_report", "next_steps", "run"]


def auth_report(
    url: str,
    *,
    token: Optional[str] = None,
    allow_insecure_auth: bool = False,
    **requirements: Any,
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
    allow_insecure_auth : bool, default=False
        As the Session's argument: whether a header credential may go over
        plain http to another machine.
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
        ``scope`` when present, and the certificate's ``subject``;
        ``refused``: why a request would not carry the credential after all
        (plain http), or None; ``warnings``: what a Session would warn about
        (a credential file others may read, with the ``chmod`` that fixes
        it), as sentences.
    """
    request = Arguments(url=url, token=token, **requirements)
    sources = []
    winners: list[Source] = []
    used: list[Attempt] = []
    failed = False
    found: list[str] = []
    for source in SOURCES:
        error: Optional[Exception] = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                attempt = source(request)
            except (OSError, CredentialError) as exc:
                error = exc
        # What get and a Session warn about (a file others may read, and the
        # chmod that fixes it), said here too.
        for item in caught:
            text = " ".join(str(item.message).split())
            if issubclass(item.category, CredentialWarning) and text not in found:
                found.append(text)
        if error is not None:
            sources.append(
                {
                    "source": source.name,
                    "location": getattr(error, "filename", None),
                    "status": "error" if not winners and not failed else "ignored",
                    "why": "unreadable" if isinstance(error, OSError) else "malformed",
                    "reason": _problem(error),
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
        "refused": None,
        "warnings": found,
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
    if (
        not allow_insecure_auth
        and in_clear_to_remote(url)
        and any(a.kind == HEADER for a in used)
    ):
        # what SessionTransportMixin does on every request
        report["refused"] = (
            "the URL is plain http, where anyone on the network path could read "
            "the credential: requests refuse to send it. Use https, or add "
            "--allow-insecure-auth to send it anyway."
        )
        report["usable"] = False
    return report


def _problem(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot be read: {exc.strerror}"
    return f"cannot be used: {exc}"


def iso(timestamp: float) -> str:
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


_NOTES = {
    "shadowed": " (found, not used: an earlier source supplies it)",
    "error": "  <- a Session stops here",
}


def format_auth_report(report: dict[str, Any]) -> str:
    """The text form of :func:`auth_report`, in the format of
    :meth:`~requests_gracedb_like.credentials.explain.AuthReport.text`."""
    rows = []
    for item in report["sources"]:
        where = f" ({item['location']})" if item["location"] else ""
        detail = item["reason"] + _NOTES.get(item["status"], "")
        mark = MARKS.get("error" if item["status"] == "ignored" else item["status"], "")
        rows.append((mark, f"{item['source']}{where}", detail))
    lines = format_sources(report["url"], rows)
    lines += [f"Warning: {printable(text)}" for text in report.get("warnings", ())]
    if report["used"] is None:
        failed = [s for s in report["sources"] if s["status"] == "error"]
        if failed:
            where = f" ({failed[0]['location']})" if failed[0]["location"] else ""
            lines.append(
                f"Using: nothing: a Session stops at {failed[0]['source']}{where}, "
                f"which {failed[0]['reason']}"
            )
        else:
            lines.append("Using: no credential (requests are sent without one)")
        return "\n".join([*lines, *next_steps(report["url"], _logs_in(report))])
    lines.append(f"Using: {report['used']}")
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
    if report.get("refused"):
        lines.append(f"Not sent: {report['refused']}")
    elif not report["usable"]:
        lines += next_steps(report["url"], _logs_in(report))
    return "\n".join(lines)


#: Hosts under these domains are IGWN services: their tokens come from the
#: IGWN vault (``htgettoken``), which writes ``$BEARER_TOKEN_FILE`` or
#: ``bt_u<uid>``, where discovery looks.
IGWN_DOMAINS = ("ligo.org", "igwn.org")


def _logs_in(report: dict[str, Any]) -> bool:
    # an OIDC source with a cache location has an issuer and a client id
    return any(s["source"] == "OIDC login" and s["location"] for s in report["sources"])


def next_steps(url: str, logs_in: bool = False) -> list[str]:
    """What to do when ``auth`` finds no usable credential for `url`: the one
    command that gets a credential for that kind of service, and where the
    docs say more ("Getting a credential", ``docs/credentials_howto.rst``).
    `logs_in`: an OpenID Connect issuer and client id are configured for
    `url`, so ``login URL`` needs nothing else.

    >>> print("\\n".join(next_steps("https://gracedb.ligo.org/api/")))
    Next: get a token for https://gracedb.ligo.org from the IGWN vault:
      htgettoken -a vault.ligo.org -i igwn --audience https://gracedb.ligo.org
    then run this command again. Other ways (X.509, netrc, jobs): see
    "Getting a credential" in the docs (docs/credentials_howto.rst).
    """
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    host = (parts.hostname or "").lower()
    if logs_in:
        how = ["Next: log in:", f"  requests-gracedb-like login {shlex.quote(url)}"]
    elif any(host == d or host.endswith("." + d) for d in IGWN_DOMAINS):
        how = [
            f"Next: get a token for {origin} from the IGWN vault:",
            f"  htgettoken -a vault.ligo.org -i igwn --audience {shlex.quote(origin)}",
        ]
    else:
        how = [
            "Next: log in with the OpenID Connect issuer and client id the "
            "service publishes:",
            f"  requests-gracedb-like login {shlex.quote(url)} "
            "--issuer ISSUER --client-id CLIENT_ID",
            "or save a token the service gave you in a file and "
            "export BEARER_TOKEN_FILE=/path/to/it;",
        ]
    return [
        *how,
        "then run this command again. Other ways (X.509, netrc, jobs): see",
        '"Getting a credential" in the docs (docs/credentials_howto.rst).',
    ]


def run(args: argparse.Namespace) -> int:
    """Run ``auth``: print the report; exit 3 when no credential is usable."""
    check_url(args.url)
    report = auth_report(
        args.url,
        token=args.token,
        allow_insecure_auth=args.allow_insecure_auth,
        **claim_options(args),
    )
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_auth_report(report))
    return ExitStatus.OK if report["usable"] else ExitStatus.CREDENTIAL
