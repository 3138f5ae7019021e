"""The transport-neutral face of a header credential: :class:`HeaderCredential`.

Every credential discovery yields for a header (bearer token, API key,
basic auth, OIDC login) answers the same few plain questions, whatever
client sends the request:

=========================  ==================================================
``headers(url)``           the headers to add to a request for `url`
``expiry``                 when it expires (POSIX time), or None
``refresh_due(now)``       whether :meth:`~HeaderCredential.update` must run
                           before the next request (a clock comparison, no
                           file or network access)
``update(now)``            bring it up to date, blocking: re-read a token
                           file, refresh an OIDC access token
``rejected(sent)``         the server answered 401 to the headers `sent`:
                           re-read now, blocking; the headers to send once
                           more, or None when there is nothing newer
=========================  ==================================================

The requests :class:`~requests.auth.AuthBase` classes of
:mod:`requests_gracedb_like.credentials` write these headers from their
``__call__``; :mod:`requests_gracedb_like.httpx` sends them from an
:class:`httpx.Auth` flow, calling the blocking methods in a worker thread
when the client is asynchronous. None of them shows a secret anywhere but
in the headers they return.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

__all__ = ["HeaderCredential"]


class HeaderCredential:
    """Defaults for a credential that never changes: no expiry, nothing to
    refresh, nothing newer after a 401.

    A subclass defines :meth:`headers`, and overrides the rest when its
    secret can change (a file re-read, a token refreshed).
    """

    #: POSIX time at which the credential expires; None when unknown.
    expiry: Optional[float] = None

    def headers(self, url: Optional[str] = None) -> dict[str, str]:
        """The headers that carry this credential on a request for `url`.

        Parameters
        ----------
        url : str, optional
            The request's URL. The credentials of this package send the
            same headers to every URL they are sent to; which URLs that is
            is the client's decision (the origin rules of ``_http/origin.py``).
        """
        raise NotImplementedError

    def refresh_due(self, now: Optional[float] = None) -> bool:
        """Whether :meth:`update` should run before the next request.

        Parameters
        ----------
        now : float, optional
            The time to judge by (POSIX time); by default the time now. A
            caller that decides on one thread and updates on another (an
            event loop and its worker thread) passes the same `now` to both.
        """
        return False

    def update(self, now: Optional[float] = None) -> None:
        """Bring the credential up to date if due at `now` (blocking);
        nothing to do here."""

    def rejected(self, sent: Mapping[str, str]) -> Optional[dict[str, str]]:
        """The server refused the headers `sent` (a 401): the headers to send
        once more, or None (here: always None, nothing can be newer)."""
        return None
