"""Credential discovery for a session: :class:`SessionAuthMixin`."""

from __future__ import annotations

import logging
import os
from typing import Any, Optional, Union

import requests
from requests.models import PreparedRequest

from ._mixin import forward_url
from .discovery import Discovery, Request, discover

__all__ = ["SessionAuthMixin"]

log = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]


def _check_reload_timeout(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            "auth_reload_timeout must be a number of seconds, "
            f"not {type(value).__name__}"
        )
    if not value >= 0:
        raise ValueError(f"auth_reload_timeout must be >= 0 seconds, got {value!r}")
    return float(value)


class SessionAuthMixin:
    """A mixin for :class:`requests.Session` that finds the user's credential.

    Parameters
    ----------
    url : str, optional
        The service URL. Its host name selects the netrc entry.
    token : str or os.PathLike, optional
        Path of a bearer-token file.
    username : str, optional
        User name for HTTP basic auth; requires `password`.
    password : str, optional
        Password for HTTP basic auth; requires `username`.
    force_noauth : bool, default=False
        Send no credential at all, not even the ``~/.netrc`` entry that plain
        requests would add by itself.
    fail_if_noauth : bool, default=False
        Raise :class:`~requests_gracedb_like.exceptions.NoCredentialsError`
        (a :class:`ValueError`) when no credential is found.
    auth_reload : bool, default=False
        Re-read a bearer-token file before the token expires.
    auth_reload_timeout : float, default=300
        How many seconds before expiry to re-read it.

    Notes
    -----
    Sources are tried in this order; the first that yields a credential wins
    (see :data:`requests_gracedb_like.discovery.SOURCES`):

    1. ``force_noauth=True``: nothing is sent.
    2. ``token=``: the bearer-token file given.
    3. ``username=`` and ``password=``: HTTP basic auth.
    4. WLCG bearer-token discovery: the ``BEARER_TOKEN`` environment variable
       (the token itself), the file named by ``BEARER_TOKEN_FILE``,
       ``$XDG_RUNTIME_DIR/bt_u<euid>``, then ``/tmp/bt_u<euid>``; a file
       counts only if it exists and is readable.
    5. The netrc file (``$NETRC``, else ``~/.netrc``, read by safe-netrc), for
       a ``machine`` entry matching the host name of `url`.
    6. Nothing found: with ``fail_if_noauth=True`` raise, else send nothing.

    ``session.auth_source`` names the winner (a variable or a file path,
    never the secret) and ``session.auth_discovery`` holds every attempt.
    Requests never adds netrc credentials behind discovery's back, neither
    on the first request nor on a redirect.
    """

    _takes_url = True

    auth_source: Optional[str]
    auth_discovery: Discovery

    def __init__(
        self,
        url: Optional[str] = None,
        *,
        token: Optional[PathLike] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        force_noauth: bool = False,
        fail_if_noauth: bool = False,
        auth_reload: bool = False,
        auth_reload_timeout: float = 300,
        **kwargs: Any,
    ) -> None:
        forward_url(SessionAuthMixin, self, url, kwargs)
        super().__init__(**kwargs)

        if force_noauth and fail_if_noauth:
            raise ValueError("Must not set both force_noauth and fail_if_noauth.")
        if (username is None) ^ (password is None):
            raise ValueError("Must provide username and password, or neither.")
        if url is not None and not isinstance(url, str):
            raise TypeError(f"url must be a str, not {type(url).__name__}")
        if token is not None and not isinstance(token, (str, os.PathLike)):
            raise TypeError(
                f"token must be the path of a token file, not {type(token).__name__}"
            )
        for name, value in (("username", username), ("password", password)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be a str, not {type(value).__name__}")

        discovery = discover(
            Request(
                url=url,
                token=token,
                username=username,
                password=password,
                force_noauth=force_noauth,
                auth_reload=auth_reload,
                auth_reload_timeout=_check_reload_timeout(auth_reload_timeout),
            ),
            fail_if_noauth=fail_if_noauth,
        )
        self.auth = discovery.auth
        self.auth_discovery = discovery
        self.auth_source = discovery.source
        log.debug("using credential from %s", self.auth_source or "no source")

    @property
    def expiry(self) -> Optional[float]:
        """The POSIX time at which the credential expires, or None.

        Asked of the credential (its ``expiry`` attribute): a bearer token's
        ``exp`` claim, kept current as a reloading token is re-read. None
        when it is not known: basic auth, an opaque token, no credential.
        """
        expiry = getattr(self.auth, "expiry", None)  # type: ignore[attr-defined]
        return None if expiry is None else float(expiry)

    def rebuild_auth(
        self, prepared_request: PreparedRequest, response: requests.Response
    ) -> None:
        """Drop the ``Authorization`` header when a redirect leaves the origin.

        Overridden because :meth:`requests.Session.rebuild_auth` also reads
        ``~/.netrc`` on every redirect and attaches what it finds, which
        would bypass discovery (and ``force_noauth``).
        """
        headers = prepared_request.headers
        if "Authorization" in headers and self.should_strip_auth(  # type: ignore[attr-defined]
            response.request.url, prepared_request.url
        ):
            del headers["Authorization"]

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()  # type: ignore[misc]
        state["auth_source"] = self.auth_source
        state["auth_discovery"] = self.auth_discovery
        return state
