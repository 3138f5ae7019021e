"""Pickling the httpx clients: :func:`reduce_client`.

An :class:`httpx.Client` holds connections and SSL contexts, which do not
pickle. A client of this package pickles as what made it: its arguments,
headers and timeout; the process that unpickles it makes a new client
with them, which runs discovery again there (a token file is read again,
as an unpickled session reads it). A secret that only the pickle could
carry (``password=``, ``api_key=``, ``auth=``, a credential header or a
cookie) is never written into it: pickling such a client raises.
"""

from __future__ import annotations

import pickle
from typing import Any

import httpx

from .._http.origin import session_credential_headers
from .._http.redact import redact_url

__all__ = ["reduce_client"]

#: Arguments whose value is a secret, or an object that may hold one.
_SECRET_ARGUMENTS = ("password", "api_key", "auth")

_WHAT_TO_DO = (
    "Make the client in the process that uses it, or let it find a "
    "credential that process can read again (a token file, "
    "BEARER_TOKEN_FILE, an X.509 proxy)."
)


def _rebuild(cls: type, arguments: dict[str, Any]) -> Any:
    return cls(**arguments)


def reduce_client(client: Any) -> tuple[Any, ...]:
    """What :func:`pickle` stores for `client`: its class and arguments,
    with its current headers and timeout.

    Raises
    ------
    TypeError
        When the client holds a secret the pickle would carry, or an
        argument that does not pickle (a transport, an SSL context, an
        event hook defined in a function): the message names it.
    """
    arguments = dict(client._init_arguments)
    arguments.pop("cookies", None)  # in client.cookies, checked below
    headers = httpx.Headers(client.headers)
    auth = getattr(client, "auth", None)
    held = [f"{name}=" for name in _SECRET_ARGUMENTS if arguments.get(name) is not None]
    names = session_credential_headers(headers, getattr(auth, "credential", None))
    if names:
        held.append(f"the credential header {', '.join(sorted(set(names)))}")
    if len(client.cookies.jar):
        held.append("cookies")
    url = arguments.get("url")
    where = f" for {redact_url(url)}" if isinstance(url, str) else ""
    name = type(client).__name__
    if held:
        raise TypeError(
            f"cannot pickle this {name}{where}: it holds {', '.join(held)}, "
            f"and a pickle must not carry a secret. {_WHAT_TO_DO}"
        )
    arguments["headers"] = list(headers.multi_items())
    arguments["timeout"] = client.timeout
    for key, value in arguments.items():
        try:
            pickle.dumps(value)
        except Exception:
            raise TypeError(
                f"cannot pickle this {name}{where}: its {key}= argument "
                f"(a {type(value).__name__}) does not pickle. Make the client "
                "in the process that uses it."
            ) from None
    return (_rebuild, (type(client), arguments))
