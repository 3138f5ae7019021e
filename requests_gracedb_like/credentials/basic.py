"""HTTP basic authentication that never shows its password."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from requests.auth import HTTPBasicAuth

__all__ = ["BasicAuth"]


class BasicAuth(HTTPBasicAuth):
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
