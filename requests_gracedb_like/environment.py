"""Proxy and CA-bundle variables read once per session:
:class:`SessionEnvironmentMixin`.

Plain requests reads ``os.environ`` for every request (the ``*_proxy``
variables, ``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``). As httpx does for a
client, a session here reads them once, when it is made, so that a
long-running pipeline's requests do not change with a variable set
halfway, and applies them per request as requests would.
"""

from __future__ import annotations

import os
import urllib.request
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import urlsplit

from requests.sessions import merge_setting
from requests.utils import address_in_network, is_ipv4_address, is_valid_cidr

from ._http.redact import redact_url

if TYPE_CHECKING:
    from ._typing import Settings as _Settings

__all__ = ["EnvironmentSettings", "SessionEnvironmentMixin"]


class EnvironmentSettings:
    """What requests would read from the environment, read once.

    Attributes
    ----------
    proxies : dict
        Scheme to proxy URL from the ``*_proxy`` variables, as
        :func:`urllib.request.getproxies_environment` returns it (``"no"``
        holds ``no_proxy``).
    ca_bundle : str or None
        ``REQUESTS_CA_BUNDLE``, else ``CURL_CA_BUNDLE``.
    """

    __slots__ = ("ca_bundle", "proxies")

    def __init__(
        self, proxies: Optional[dict[str, str]] = None, ca_bundle: Optional[str] = None
    ) -> None:
        self.proxies = dict(proxies or {})
        self.ca_bundle = ca_bundle

    @classmethod
    def from_environ(cls) -> EnvironmentSettings:
        """Read the settings from :data:`os.environ` now."""
        env = os.environ
        return cls(
            proxies=urllib.request.getproxies_environment(),
            ca_bundle=env.get("REQUESTS_CA_BUNDLE") or env.get("CURL_CA_BUNDLE"),
        )

    def __repr__(self) -> str:
        # A proxy URL may hold a user name and password: never show them.
        proxies = {k: redact_url(v) for k, v in self.proxies.items()}
        return (
            f"{type(self).__name__}(proxies={proxies!r}, ca_bundle={self.ca_bundle!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EnvironmentSettings):
            return NotImplemented
        return (self.proxies, self.ca_bundle) == (other.proxies, other.ca_bundle)

    __hash__ = None  # type: ignore[assignment]

    def proxies_for(self, url: str, no_proxy: Optional[str] = None) -> dict[str, str]:
        """The proxies for `url` (what :func:`requests.utils.get_environ_proxies`
        returns, from these settings): none when its host is in ``no_proxy``
        (`no_proxy` if given, else the variable)."""
        if not self.proxies:
            return {}
        if no_proxy is None:
            no_proxy = self.proxies.get("no")
        parts = urlsplit(url)
        host = parts.hostname
        if host is None or _bypassed(host, parts.port, no_proxy or ""):
            return {}
        return dict(self.proxies)


def _bypassed(host: str, port: Optional[int], no_proxy: str) -> bool:
    """Whether `no_proxy` names `host`: the standard library's rule
    (names, domain suffixes, ``host:port``, ``*``) and, as requests adds,
    IPv4 networks in CIDR notation."""
    if is_ipv4_address(host):
        for entry in no_proxy.replace(" ", "").split(","):
            if entry and is_valid_cidr(entry) and address_in_network(host, entry):
                return True
    # documented in the module's source, not in typeshed; requests calls it too
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    return bool(bypass(host if port is None else f"{host}:{port}", {"no": no_proxy}))


class SessionEnvironmentMixin:
    """A mixin for :class:`requests.Session` that reads proxy and CA-bundle
    variables once, when the session is made.

    Notes
    -----
    The variables are those plain requests reads: ``http_proxy``,
    ``https_proxy``, ``all_proxy``, ``no_proxy`` (any ``*_proxy``, lower case
    first), ``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE``, kept in
    ``session.environment`` (an
    :class:`~requests_gracedb_like.environment.EnvironmentSettings`); call
    :meth:`refresh_environment` after changing :data:`os.environ` to take
    the change into a live session. Everything else is as in plain
    requests, per request:

    * ``session.trust_env = False`` stops the environment from being used;
    * ``session.verify`` set to a CA bundle path (or False) wins over
      ``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE``, which replace only the
      default verification (in plain requests the variables win,
      psf/requests#3829);
    * ``session.proxies`` and the per-request ``proxies=`` (a
      ``"no_proxy"`` entry included), ``verify``, ``cert`` and ``stream``
      apply as before.

    It overrides :meth:`requests.Session.merge_environment_settings`, the
    one place where requests reads these variables for a request.
    """

    environment: EnvironmentSettings

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.refresh_environment()

    def refresh_environment(self) -> None:
        """Read the proxy and CA-bundle variables from :data:`os.environ`
        again, now."""
        self.environment = EnvironmentSettings.from_environ()

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> _Settings:
        """Merge per-request settings with the session's and the
        environment's, as :meth:`requests.Session.merge_environment_settings`
        does, from the environment read when the session was made."""
        session: Any = self
        if session.trust_env:
            if proxies is not None:
                no_proxy = proxies.get("no_proxy")
                for k, v in self.environment.proxies_for(url, no_proxy).items():
                    proxies.setdefault(k, v)
            if verify is True or (verify is None and session.verify is True):
                verify = self.environment.ca_bundle or verify
        return {
            "proxies": merge_setting(proxies, session.proxies),
            "stream": merge_setting(stream, session.stream),
            "verify": merge_setting(verify, session.verify),
            "cert": merge_setting(cert, session.cert),
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)  # type: ignore[misc]
        # A session unpickled elsewhere reads that process's environment,
        # as a new session would.
        self.refresh_environment()
