"""OpenID Connect: log in once, then every session refreshes its own tokens.

One module per part, named after the specification it follows:

* :mod:`.settings`: which issuer, client id, scopes and audience a service
  URL needs (arguments, environment, configuration file);
* :mod:`.discovery`: the provider's endpoints (OpenID Connect Discovery);
* :mod:`.rfc8628`: login with the device authorization grant;
* :mod:`.rfc8252`: login with the authorization-code grant and PKCE
  through a loopback redirect;
* :mod:`.refresh`: the refresh-token grant;
* :mod:`.rfc7009`: token revocation, at logout;
* :mod:`.cache`: the credential cache, one file per issuer and client;
* :mod:`.auth`: :class:`~requests_gracedb_like.credentials.oidc.auth.OIDCTokenAuth`,
  the access token a session sends
  and refreshes;
* :mod:`.source`: the ``OIDC login`` source of credential discovery;
* :mod:`.api`: :func:`~requests_gracedb_like.credentials.oidc.api.login` and
  :func:`~requests_gracedb_like.credentials.oidc.api.logout` for Python code.

The OAuth library, authlib, is imported only by the modules that talk to
a provider, when they do: ``import requests_gracedb_like`` does not load it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._lazy import lazy_exports

if TYPE_CHECKING:
    from .api import BROWSER, DEVICE, login, logout
    from .auth import OIDCTokenAuth
    from .cache import TokenCache, Tokens
    from .settings import OIDCSettings, settings_for

__all__ = [
    "BROWSER",
    "DEVICE",
    "OIDCSettings",
    "OIDCTokenAuth",
    "TokenCache",
    "Tokens",
    "login",
    "logout",
    "settings_for",
]

_HOMES = {
    "BROWSER": "api",
    "DEVICE": "api",
    "OIDCSettings": "settings",
    "OIDCTokenAuth": "auth",
    "TokenCache": "cache",
    "Tokens": "cache",
    "login": "api",
    "logout": "api",
    "settings_for": "settings",
}


# Lazy: discovery imports this package for every session, and most
# sessions have no OIDC login to look at.
__getattr__, __dir__ = lazy_exports(__name__, _HOMES, __all__)
