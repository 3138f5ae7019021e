"""What an httpx client tells of its credential: :func:`describe_auth`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..auth import credential_expiry
from ..credentials.records import HEADER
from ..transport import SessionTransportMixin

if TYPE_CHECKING:
    from ..credentials.explain import AuthReport

__all__ = ["describe_auth"]


def describe_auth(client: Any) -> AuthReport:
    """The :class:`~requests_gracedb_like.credentials.explain.AuthReport`
    of `client`, as
    :meth:`~requests_gracedb_like.auth.SessionAuthMixin.describe_auth`
    gives the session's: every source in discovery order, used or skipped
    and why, the expiry of what is used, and why a header credential would
    be refused for the service URL (plain http to another machine). It
    never holds a secret."""
    # Imported here, as the session does: reports are asked for rarely.
    from ..credentials.explain import AuthReport

    discovery = client.auth_discovery
    url = client.auth_url
    refused = None
    if url and any(a.kind == HEADER for a in discovery.winners):
        # The session's rule, which reads only allow_insecure_auth.
        refused = SessionTransportMixin.cleartext_refusal(client, url)
    return AuthReport.from_discovery(discovery, url, credential_expiry(client), refused)
