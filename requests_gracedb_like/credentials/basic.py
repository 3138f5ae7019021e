"""HTTP basic authentication that never shows its password."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any, Optional

from requests.auth import HTTPBasicAuth

from .header import HeaderCredential

__all__ = ["BasicAuth"]


def _bytes(text: str | bytes) -> bytes:
    if isinstance(text, bytes):
        return text
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


class BasicAuth(HeaderCredential, HTTPBasicAuth):
    """:class:`requests.auth.HTTPBasicAuth` that keeps its password out of
    ``repr`` and compares equal to a ``(username, password)`` tuple.

    Parameters
    ----------
    username : str
        The user name.
    password : str
        The password.

    Examples
    --------
    >>> auth = BasicAuth("albert", "s3cret")
    >>> auth == ("albert", "s3cret")
    True
    >>> auth
    <BasicAuth username='albert'>
    >>> user, password = auth
    """

    def headers(self, url: Optional[str] = None) -> dict[str, str]:
        """``{"Authorization": "Basic ..."}``, as requests writes it (user
        name and password in Latin-1, else UTF-8), for any `url`."""
        raw = _bytes(self.username) + b":" + _bytes(self.password)
        return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}

    def __eq__(self, other: object) -> bool:
        if isinstance(other, tuple):
            return other == (self.username, self.password)
        return super().__eq__(other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    # Old code treats session.auth as the tuple requests-gracedb stored there.
    def __iter__(self) -> Iterator[Any]:
        return iter((self.username, self.password))

    def __len__(self) -> int:
        return 2

    def __getitem__(self, index: int) -> Any:
        return (self.username, self.password)[index]

    def __repr__(self) -> str:
        return f"<BasicAuth username={self.username!r}>"

    __str__ = __repr__
