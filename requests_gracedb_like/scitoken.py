"""Names kept from requests-gracedb's ``scitoken`` module.

``SciTokenAuth`` and ``SciTokenReloadingAuth`` are the token-file classes of
:mod:`requests_gracedb_like.credentials.bearer` under their old names.
"""

from __future__ import annotations

from .credentials.bearer import ReloadingTokenFileAuth, TokenFileAuth

__all__ = ["SciTokenAuth", "SciTokenReloadingAuth"]


class SciTokenAuth(TokenFileAuth):
    """A bearer token read once from a file (see
    :class:`~requests_gracedb_like.credentials.bearer.TokenFileAuth`)."""


class SciTokenReloadingAuth(ReloadingTokenFileAuth):
    """A bearer token re-read from its file before it expires (see
    :class:`~requests_gracedb_like.credentials.bearer.ReloadingTokenFileAuth`);
    `reload_timeout` defaults to 0 as in requests-gracedb."""

    def __init__(self, path: str, reload_timeout: float = 0) -> None:
        super().__init__(path, reload_timeout)
