"""Plumbing shared by the mixins: positional request arguments and the
``url`` argument that several mixins read."""

from __future__ import annotations

import functools
from collections import OrderedDict
from typing import Any

from requests.sessions import merge_setting
from requests.structures import CaseInsensitiveDict

__all__ = ["REQUEST_ARGS", "forward_url", "merge_mapping", "request_kwargs"]

_PLAIN_MAPPINGS = (dict, OrderedDict, CaseInsensitiveDict)

#: :meth:`requests.Session.request`'s parameters after ``method`` and ``url``,
#: in order, so a mixin can see an argument its caller passed by position.
REQUEST_ARGS = (
    "params",
    "data",
    "headers",
    "cookies",
    "files",
    "auth",
    "timeout",
    "allow_redirects",
    "proxies",
    "hooks",
    "stream",
    "verify",
    "cert",
    "json",
)


def request_kwargs(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Fold positional request arguments into a new keyword dictionary.

    Raises
    ------
    TypeError
        If there are too many positional arguments, or one is also given by
        keyword, as Python itself would for a plain call.
    """
    if len(args) > len(REQUEST_ARGS):
        raise TypeError(
            f"request() takes at most {len(REQUEST_ARGS) + 2} positional "
            f"arguments ({len(args) + 2} given)"
        )
    merged = dict(kwargs)
    for name, value in zip(REQUEST_ARGS, args, strict=False):
        if name in merged:
            raise TypeError(f"request() got multiple values for argument {name!r}")
        merged[name] = value
    return merged


def forward_url(
    mixin: type, instance: object, url: Any, kwargs: dict[str, Any]
) -> None:
    """Pass ``url`` on to the next class in the MRO that also takes it.

    Several mixins read the service URL (credentials are matched against its
    host, relative URLs resolve against it). Each declares
    ``_takes_url = True``; each passes ``url`` down only when a later class
    in the MRO declares it too, so any single mixin still composes with plain
    :class:`requests.Session`, which does not take ``url``.
    """
    cls: type = type(instance)  # typed plainly: mypy finds type[object] unhashable
    if _later_takes_url(mixin, cls):
        kwargs["url"] = url


@functools.lru_cache(maxsize=256)
def _later_takes_url(mixin: type, cls: type) -> bool:
    # The MRO of a class does not change: walk it once per pair.
    mro = cls.__mro__
    return any(vars(c).get("_takes_url") for c in mro[mro.index(mixin) + 1 :])


def merge_mapping(request: Any, session: Any, dict_class: type = OrderedDict) -> Any:
    """:func:`requests.sessions.merge_setting` with the same result, faster
    for the plain mappings sessions hold.

    requests checks each setting against generic protocols on every request,
    which costs tens of microseconds on some Python versions; for dicts,
    ordered dicts and :class:`~requests.structures.CaseInsensitiveDict` the
    merge is done directly. Anything else goes to requests' own function.
    """
    if session is None:
        return request
    if request is None:
        return session
    if type(request) not in _PLAIN_MAPPINGS or type(session) not in _PLAIN_MAPPINGS:
        return merge_setting(request, session, dict_class=dict_class)
    merged = dict_class(session.items())
    merged.update(request.items())
    for key in [k for k, v in merged.items() if v is None]:
        del merged[key]
    return merged
