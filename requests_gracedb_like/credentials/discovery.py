"""Credential discovery: an ordered list of sources, the first to yield wins.

:data:`~requests_gracedb_like.credentials.sources.SOURCES` is the discovery
order, in one place. Each source is a small function that looks at one place
(an argument, an environment variable, a file) and returns an
:class:`~requests_gracedb_like.credentials.records.Attempt` saying whether
it found a credential and, if not, why. :func:`discover` walks the list and
records every attempt,
so a session can say which credential it uses and why the others were not
used, without ever showing a secret.

A credential is either a *header* (bearer token, API key, basic auth: the
``Authorization`` header) or a *certificate* (an X.509 client certificate,
presented in the TLS handshake). The rules, in order:

1. ``force_noauth=True`` ends discovery: nothing is sent.
2. Once an argument (``token=``, ``api_key=``, ``username=``/``password=``,
   ``cert=``) has supplied a credential, no environment variable or file is
   looked at: what the caller passed is what is sent.
3. Once a source has supplied a credential of one kind, no later source of
   that kind is looked at. A header and a certificate can both be found
   and both are sent, as igwn-auth-utils does: the service uses the one it
   accepts.
4. netrc, the last resort, is looked at only when nothing else was found.
5. ``token=True`` or ``cert=True`` requires a credential of that kind:
   an argument of the other kind does not stop its search (rule 2), and
   finding none raises
   :class:`~requests_gracedb_like.exceptions.NoCredentialsError`: one line
   per place looked at with why it yielded nothing, then one next step.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Optional

from ..exceptions import NoCredentialsError
from .bearer import BearerTokenAuth
from .explain import looked_at
from .records import (
    CERTIFICATE,
    HEADER,
    NOTHING,
    Arguments,
    Attempt,
    Discovery,
    Source,
    _not_looked_at,
)

__all__ = ["discover", "why_not_looked_at"]

log = logging.getLogger(__name__)


def why_not_looked_at(
    source: Source, winners: Sequence[Source], required: frozenset[str] = frozenset()
) -> Optional[str]:
    """Why `source` is not looked at once `winners` have yielded credentials,
    or None when it is: the rules of the module docstring, in order.
    `required` holds the kinds asked for with ``token=True`` or
    ``cert=True``: an argument of another kind does not stop their search."""
    for winner in winners:
        if winner.kind == NOTHING:
            return f"{winner.name} was given"
    if source.last_resort and winners:
        return f"{winners[0].name} was found first"
    for winner in winners:
        if winner.argument and not source.argument and source.kind not in required:
            return f"{winner.name} was given"
        if winner.kind == source.kind:
            what = "certificate" if source.kind == CERTIFICATE else "header credential"
            return f"{winner.name} supplies the {what}"
    return None


def discover(
    request: Arguments,
    sources: Sequence[Source],
    *,
    fail_if_noauth: bool = False,
) -> Discovery:
    """Walk `sources` in order and collect the credentials found.

    Parameters
    ----------
    request : Arguments
        The caller's arguments.
    sources : sequence of Source
        The discovery order, normally
        :data:`~requests_gracedb_like.credentials.sources.SOURCES`.
    fail_if_noauth : bool, default=False
        Raise :class:`~requests_gracedb_like.exceptions.NoCredentialsError`
        when no source yields a credential.

    Returns
    -------
    Discovery
        The header credential (None when none), the certificate (or
        None) and an attempt for every source.
    """
    attempts = _walk(request, sources)
    winners = [a for a in attempts if a.found]
    auth = next((a.auth for a in winners if a.auth is not None), None)
    cert = next((a.cert for a in winners if a.cert is not None), None)
    if not winners and fail_if_noauth:
        lines = looked_at(attempts)
        raise NoCredentialsError(
            "\n".join(["no authentication credentials found.", *lines])
        )
    if request.force_noauth:
        return Discovery(auth, tuple(attempts), cert)
    if request.token is True and not isinstance(auth, BearerTokenAuth):
        raise _not_found("token=True", "no bearer token found", HEADER, attempts)
    if request.cert is True and cert is None:
        raise _not_found(
            "cert=True", "no X.509 certificate found", CERTIFICATE, attempts
        )
    return Discovery(auth, tuple(attempts), cert)


def _walk(request: Arguments, sources: Sequence[Source]) -> list[Attempt]:
    """Ask each source in turn, by the rules."""
    attempts: list[Attempt] = []
    winners: list[Source] = []
    required = _required(request)
    for source in sources:
        why_not = why_not_looked_at(source, winners, required)
        if why_not is None:
            attempt = source(request)
        else:
            attempt = _not_looked_at(source.name, why_not, source.kind)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("credential source %s", attempt.describe())
        if attempt.found:
            winners.append(source)
        attempts.append(attempt)
    return attempts


def _required(request: Arguments) -> frozenset[str]:
    """The kinds of credential that must be found."""
    kinds = set()
    if request.token is True:
        kinds.add(HEADER)
    if request.cert is True:
        kinds.add(CERTIFICATE)
    return frozenset(kinds)


def _not_found(
    argument: str, problem: str, kind: str, attempts: Sequence[Attempt]
) -> NoCredentialsError:
    lines = looked_at(attempts, kind)
    return NoCredentialsError("\n".join([f"{argument}: {problem}.", *lines]))
