"""Environment-derived settings read once per session:
:class:`SessionEnvironmentMixin`.

Plain requests looks at ``os.environ`` on every request: it scans every
variable twice for ``*_proxy`` names and reads ``REQUESTS_CA_BUNDLE`` and
``CURL_CA_BUNDLE``, so each request costs more the larger the environment
is. This mixin reads those variables once per session (as httpx does, which reads
them when a client is made), and applies them per request exactly as
requests would.
"""

from __future__ import annotations

import os
import socket
import urllib.request
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import urlparse

from requests.sessions import merge_setting
from requests.utils import address_in_network, is_ipv4_address, is_valid_cidr

from ._http.arguments import merge_mapping
from ._http.memo import remember
from ._http.redact import redact_url

if TYPE_CHECKING:
    from requests.sessions import _Settings

__all__ = ["EnvironmentSettings", "SessionEnvironmentMixin"]

#: The most origins whose proxy choice a session remembers; past that the
#: memory is cleared and rebuilt, so a crawler cannot grow it without bound.
MAX_ORIGINS = 256


class EnvironmentSettings:
    """What requests would read from the environment, read once.

    Attributes
    ----------
    proxies : dict
        Scheme to proxy URL from the ``*_proxy`` variables, as
        ``urllib.request.getproxies_environment()`` returns it (``"no"``
        holds ``no_proxy``).
    no_proxy : str or None
        ``no_proxy``, else ``NO_PROXY``.
    ca_bundle : str or None
        ``REQUESTS_CA_BUNDLE``, else ``CURL_CA_BUNDLE``.
    """

    # A plain class, not a dataclass: importing dataclasses would add
    # several milliseconds to ``import requests_gracedb_like``.
    __slots__ = ("ca_bundle", "no_proxy", "proxies")

    def __init__(
        self,
        proxies: Optional[dict[str, str]] = None,
        no_proxy: Optional[str] = None,
        ca_bundle: Optional[str] = None,
    ) -> None:
        self.proxies = dict(proxies or {})
        self.no_proxy = no_proxy
        self.ca_bundle = ca_bundle

    def __repr__(self) -> str:
        # A proxy URL may hold a user name and password: never show them.
        proxies = {k: redact_url(v) for k, v in self.proxies.items()}
        return (
            f"{type(self).__name__}(proxies={proxies!r}, "
            f"no_proxy={self.no_proxy!r}, ca_bundle={self.ca_bundle!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EnvironmentSettings):
            return NotImplemented
        return (self.proxies, self.no_proxy, self.ca_bundle) == (
            other.proxies,
            other.no_proxy,
            other.ca_bundle,
        )

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_environ(cls) -> EnvironmentSettings:
        """Read the settings from :data:`os.environ` now."""
        env = os.environ
        return cls(
            proxies=urllib.request.getproxies_environment(),
            no_proxy=env.get("no_proxy") or env.get("NO_PROXY"),
            ca_bundle=env.get("REQUESTS_CA_BUNDLE") or env.get("CURL_CA_BUNDLE"),
        )

    def proxies_for(self, url: str, no_proxy: Optional[str]) -> dict[str, str]:
        """The environment's proxies for `url`: what
        :func:`requests.utils.get_environ_proxies` returns, from these
        settings instead of the live environment."""
        if not self.proxies:
            return {}
        if self._bypass(url, no_proxy):
            return {}
        return self.proxies

    def _bypass(self, url: str, no_proxy_arg: Optional[str]) -> bool:
        # requests.utils.should_bypass_proxies, reading these settings.
        no_proxy = self.no_proxy if no_proxy_arg is None else no_proxy_arg
        parsed = urlparse(url)
        hostname = parsed.hostname
        if hostname is None:
            return True
        if no_proxy:
            hosts = [h for h in no_proxy.replace(" ", "").split(",") if h]
            if is_ipv4_address(hostname):
                for proxy_ip in hosts:
                    if is_valid_cidr(proxy_ip):
                        if address_in_network(hostname, proxy_ip):
                            return True
                    elif hostname == proxy_ip:
                        return True
            else:
                host_with_port = hostname
                if parsed.port:
                    host_with_port += f":{parsed.port}"
                for host in hosts:
                    host = host.lstrip(".")
                    if host in (hostname, host_with_port):
                        return True
                    host = "." + host
                    if hostname.endswith(host) or host_with_port.endswith(host):
                        return True
        proxies = dict(self.proxies)
        if no_proxy_arg is not None:
            # requests puts the argument in os.environ["no_proxy"] around
            # the standard library's check; the same, without the global.
            if no_proxy_arg:
                proxies["no"] = no_proxy_arg
            else:
                proxies.pop("no", None)
        try:
            # undocumented, hence not in typeshed; requests calls it too
            bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
            return bool(bypass(hostname, proxies))
        except (TypeError, socket.gaierror):
            return False


def _origin(url: str) -> str:
    """``scheme://host:port`` of a prepared URL (without user info)."""
    start = url.find("//") + 2
    end = url.find("/", start)
    netloc = url[start:] if end < 0 else url[start:end]
    return url[:start] + netloc.rpartition("@")[2]


#: Setting types that are never mappings: ``isinstance(x, Mapping)`` (an ABC
#: check, slow) is not needed to know requests' answer for them.
_PLAIN_VALUES = (bool, str, tuple)


def _pick(request: Any, session: Any) -> Any:
    """:func:`requests.sessions.merge_setting` for a scalar setting."""
    if request is None:
        return session
    if session is None or type(request) in _PLAIN_VALUES:
        return request  # what merge_setting returns for a value not a mapping
    if not (isinstance(request, Mapping) and isinstance(session, Mapping)):
        return request
    return merge_setting(request, session)


class SessionEnvironmentMixin:
    """A mixin for :class:`requests.Session` that reads proxy and CA-bundle
    variables once per session, instead of on every request.

    Notes
    -----
    The variables are those plain requests reads: ``http_proxy``,
    ``https_proxy``, ``all_proxy``, ``no_proxy`` (any ``*_proxy``, lower case
    first, then upper case), ``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE``.
    They are read when first needed (the session's first request) and kept
    in ``session.environment`` (an
    :class:`~requests_gracedb_like.environment.EnvironmentSettings`); call
    :meth:`refresh_environment` after changing :data:`os.environ` to take
    the change into a live session.

    Everything else is as in plain requests, per request:

    * ``session.trust_env = False`` stops the environment from being used;
    * ``session.verify`` set to a CA bundle path (or False) wins over
      ``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE``, which replace only the
      default verification (in plain requests the variables win);
    * ``session.proxies``, ``session.verify``, ``session.cert`` and
      ``session.stream``, and the matching per-request arguments (a
      ``proxies={"no_proxy": ...}`` entry included), apply as before;
    * a URL's proxy choice depends only on its scheme, host and port, so it
      is remembered per origin.

    The check is the override of
    :meth:`requests.Session.merge_environment_settings`, the one place where
    requests reads these variables for a request.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._init_environment()

    def _init_environment(self) -> None:
        """This mixin's part of ``__init__``, once the classes after it are
        set up (see :class:`~requests_gracedb_like.session.Session`)."""
        self._environment: Optional[EnvironmentSettings] = None
        self._origin_proxies: dict[tuple[str, Optional[str]], dict[str, str]] = {}

    @property
    def environment(self) -> EnvironmentSettings:
        """The settings in use, read from the environment on first use."""
        settings = self._environment
        if settings is None:
            settings = self._environment = EnvironmentSettings.from_environ()
        return settings

    def refresh_environment(self) -> None:
        """Read the proxy and CA-bundle variables from :data:`os.environ`
        again, now."""
        self._origin_proxies = {}
        self._environment = EnvironmentSettings.from_environ()

    def _environ_proxies(self, url: str, no_proxy: Optional[str]) -> dict[str, str]:
        if not self.environment.proxies:
            return {}
        key = (_origin(url), no_proxy)
        found = self._origin_proxies.get(key)
        if found is None:
            found = remember(
                self._origin_proxies,
                key,
                self.environment.proxies_for(url, no_proxy),
                MAX_ORIGINS,
            )
        return found

    def merge_environment_settings(
        self,
        url: Any,
        proxies: Any,
        stream: Any,
        verify: Any,
        cert: Any,
    ) -> _Settings:
        """Merge per-request settings with the session's and the
        environment's, as :meth:`requests.Session.merge_environment_settings`
        does, from the environment read when the session was created."""
        if self.trust_env:  # type: ignore[attr-defined]
            if proxies is not None:
                no_proxy = proxies.get("no_proxy")
                for k, v in self._environ_proxies(url, no_proxy).items():
                    proxies.setdefault(k, v)
            # The environment's CA bundle replaces default verification
            # only: a bundle or False set on the session by the user wins
            # (plain requests lets the variable win, psf/requests#3829).
            if verify is True or (verify is None and self.verify is True):  # type: ignore[attr-defined]
                verify = self.environment.ca_bundle or verify
        return {
            "proxies": merge_mapping(proxies, self.proxies),  # type: ignore[attr-defined]
            "stream": _pick(stream, self.stream),  # type: ignore[attr-defined]
            "verify": _pick(verify, self.verify),  # type: ignore[attr-defined]
            "cert": _pick(cert, self.cert),  # type: ignore[attr-defined]
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)  # type: ignore[misc]
        # A session unpickled elsewhere takes that process's environment,
        # as a new session would.
        self._environment = None
        self._origin_proxies = {}
