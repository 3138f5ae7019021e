"""Which OpenID Connect provider a service URL needs: :class:`OIDCSettings`
and :func:`settings_for`.

A setting comes from the first of these that gives it:

1. an argument (``login --issuer ...``, ``login(url, issuer=...)``);
2. an environment variable: ``REQUESTS_GRACEDB_LIKE_OIDC_ISSUER``,
   ``..._CLIENT_ID``, ``..._SCOPES``, ``..._AUDIENCE``, ``..._TIMEOUT``;
3. the configuration file, ``$XDG_CONFIG_HOME/requests_gracedb_like/oidc.ini``
   (``~/.config/...`` by default; ``REQUESTS_GRACEDB_LIKE_OIDC_CONFIG`` names
   another), in the section whose name is the longest prefix of the service
   URL::

       [https://gracedb.example.org/api/]
       issuer = https://login.example.org/realms/igwn
       client_id = gracedb-cli
       scopes = openid offline_access gracedb.read
       audience = https://gracedb.example.org
       timeout = 30

A client registered as confidential also needs ``client_secret``
(``..._CLIENT_SECRET``); it is sent to the token endpoint with HTTP basic
authentication and never shown.

A URL is set up for OpenID Connect when both ``issuer`` and ``client_id``
are known; ``scopes`` default to ``openid offline_access`` and
``audience`` to none (not sent), ``timeout`` (seconds to wait for each
answer of the provider, and at most 10 s to connect) to
:data:`DEFAULT_TIMEOUT`. Each setting remembers where it came
from, for :meth:`~requests_gracedb_like.auth.SessionAuthMixin.describe_auth`.
"""

from __future__ import annotations

import os
from typing import Any, Optional
from urllib.parse import urlsplit

from .._frozen import Frozen
from ..files import read_credential_file

__all__ = [
    "DEFAULT_SCOPES",
    "DEFAULT_TIMEOUT",
    "ENV_PREFIX",
    "OIDCSettings",
    "config_path",
    "settings_for",
]

#: The prefix of the environment variables read.
ENV_PREFIX = "REQUESTS_GRACEDB_LIKE_OIDC_"
#: Scopes asked for when none is configured (an identity and a refresh token).
DEFAULT_SCOPES: tuple[str, ...] = ("openid", "offline_access")
#: Seconds to wait for an answer of the provider when none is configured.
DEFAULT_TIMEOUT = 30.0
_NAMES = ("issuer", "client_id", "client_secret", "scopes", "audience", "timeout")
#: Without these there is no provider to log in to.
_REQUIRED = ("issuer", "client_id")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def config_path() -> str:
    """The configuration file read (it need not exist)."""
    explicit = os.environ.get(f"{ENV_PREFIX}CONFIG")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(
        os.path.expanduser("~"), ".config"
    )
    return os.path.join(base, "requests_gracedb_like", "oidc.ini")


class OIDCSettings(Frozen):
    """The provider settings for one service URL.

    Attributes
    ----------
    url : str or None
        The service URL they were looked up for.
    issuer : str
        The provider's issuer URL (no trailing ``/``).
    client_id : str
        The client registered with the provider.
    scopes : tuple of str
        The scopes asked for.
    audience : str or None
        The ``audience`` asked for, if any.
    client_secret : str or None
        The client's secret, for a confidential client; not in ``repr``.
    timeout : float
        Seconds to wait for each answer of the provider (connecting waits
        at most 10 s).
    origins : dict
        For each setting, where it came from (``"argument"``, the
        variable's name, or ``"<file> [<section>]"``, or ``"default"``).
    """

    _fields = (
        "url",
        "issuer",
        "client_id",
        "scopes",
        "audience",
        "client_secret",
        "timeout",
        "origins",
    )
    _uncompared = frozenset({"origins"})
    _hidden = frozenset({"client_secret"})

    url: Optional[str]
    issuer: str
    client_id: str
    scopes: tuple[str, ...]
    audience: Optional[str]
    client_secret: Optional[str]
    timeout: float
    origins: dict[str, str]

    def __init__(
        self,
        url: Optional[str],
        issuer: str,
        client_id: str,
        scopes: tuple[str, ...] = DEFAULT_SCOPES,
        audience: Optional[str] = None,
        origins: Optional[dict[str, str]] = None,
        client_secret: Optional[str] = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._set(
            url=url,
            issuer=check_issuer(issuer),
            client_id=client_id,
            scopes=tuple(scopes),
            audience=audience or None,
            client_secret=client_secret or None,
            timeout=check_timeout(timeout),
            origins=dict(origins or {}),
        )

    @property
    def scope(self) -> str:
        """The scopes as one space-separated string, as OAuth sends them."""
        return " ".join(self.scopes)

    def describe(self) -> str:
        """One line: each setting (the timeout only when set) and where it
        came from."""
        parts = []
        for name in _NAMES:
            value = getattr(self, name)
            if name == "scopes":
                value = self.scope
            elif name == "timeout":
                if self.origins.get(name) == "default":
                    continue  # shown when set, as the others
                value = f"{value:g} s"
            if value is None:
                continue
            origin = self.origins.get(name, "argument")
            shown = "set" if name == "client_secret" else value
            parts.append(f"{name} {shown} (from {origin})")
        return "; ".join(parts)


def check_issuer(issuer: str) -> str:
    """Return `issuer` without a trailing ``/``; raise ValueError unless it
    is an ``https`` URL, or ``http`` to this machine."""
    if not isinstance(issuer, str):
        raise TypeError(f"issuer must be a str, not {type(issuer).__name__}")
    parts = urlsplit(issuer)
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and parts.hostname in _LOOPBACK
    )
    if not secure or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(
            f"issuer {issuer!r} must be an https:// URL without query "
            "(http:// only to 127.0.0.1, localhost or ::1)"
        )
    return issuer.rstrip("/")


def check_timeout(timeout: Any) -> float:
    """Return `timeout` as a float; raise ValueError unless it is a number
    of seconds above 0 (a string is read as one)."""
    try:
        if isinstance(timeout, bool):
            raise TypeError
        value = float(timeout)
    except (TypeError, ValueError):
        value = float("nan")
    if not 0 < value < 86400:
        raise ValueError(
            f"timeout {timeout!r} must be a number of seconds above 0 and below one day"
        )
    return value


def _split_scopes(value: str) -> tuple[str, ...]:
    return tuple(value.replace(",", " ").split())


def _from_file(url: Optional[str], path: str) -> tuple[dict[str, str], str]:
    """The settings of the longest section of `path` that is a prefix of
    `url`, and that section's description."""
    if url is None or not os.path.exists(path):
        return {}, ""
    # Imported here: most sessions have no OIDC configuration file.
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        text = read_credential_file(path, what="OIDC configuration file")
        parser.read_string(text.decode("utf-8"), path)
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        problem = getattr(exc, "strerror", None) or type(exc).__name__
        raise ValueError(f"OIDC configuration file {path!r}: {problem}") from None
    best = max(
        (s for s in parser.sections() if url.startswith(s)), key=len, default=None
    )
    if best is None:
        return {}, ""
    values = {k: v for k, v in parser.items(best) if k in _NAMES and v.strip()}
    return values, f"{path} [{best}]"


def settings_for(
    url: Optional[str],
    *,
    issuer: Optional[str] = None,
    client_id: Optional[str] = None,
    scopes: Any = None,
    audience: Optional[str] = None,
    client_secret: Optional[str] = None,
    timeout: Optional[float] = None,
) -> Optional[OIDCSettings]:
    """The provider settings for `url`, or None when it has no issuer or
    no client id configured.

    Parameters
    ----------
    url : str or None
        The service URL.
    issuer, client_id, scopes, audience, client_secret, timeout : optional
        Arguments that win over the environment and the file; `scopes` is
        a string (space or comma separated) or a sequence.

    Raises
    ------
    ValueError
        If the configuration file cannot be read, the issuer is not a
        usable URL or the timeout not a positive number; the message names
        the file or the setting and where it came from.
    """
    given: dict[str, Any] = {
        "issuer": issuer,
        "client_id": client_id,
        "scopes": scopes,
        "audience": audience,
        "client_secret": client_secret,
        "timeout": timeout,
    }
    path = config_path()
    in_file, section = _from_file(url, path)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name in _NAMES:
        variable = f"{ENV_PREFIX}{name.upper()}"
        if given[name] is not None:
            values[name], origins[name] = given[name], "argument"
        elif (os.environ.get(variable) or "").strip():
            values[name], origins[name] = os.environ[variable].strip(), variable
        elif name in in_file:
            values[name], origins[name] = in_file[name].strip(), section
        elif name in _REQUIRED:
            return None
    if "timeout" not in values:
        origins["timeout"] = "default"
    raw_scopes = values.get("scopes")
    parsed: tuple[str, ...]
    if raw_scopes is None:
        parsed, origins["scopes"] = DEFAULT_SCOPES, "default"
    elif isinstance(raw_scopes, str):
        parsed = _split_scopes(raw_scopes)
    else:
        parsed = tuple(raw_scopes)
    if "timeout" in values:
        try:
            values["timeout"] = check_timeout(values["timeout"])
        except ValueError as exc:
            raise ValueError(f"{exc} (from {origins['timeout']})") from None
    try:
        return OIDCSettings(
            url,
            values["issuer"],
            values["client_id"],
            parsed,
            values.get("audience"),
            origins,
            values.get("client_secret"),
            values.get("timeout", DEFAULT_TIMEOUT),
        )
    except ValueError as exc:
        raise ValueError(f"{exc} (from {origins['issuer']})") from None
