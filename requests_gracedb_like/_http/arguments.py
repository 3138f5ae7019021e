"""Plumbing shared by the mixins: positional request arguments and the
``url`` argument that several mixins read."""

from __future__ import annotations

from typing import Any

__all__ = ["REQUEST_ARGS", "forward_url", "request_kwargs"]

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
    mro = type(instance).__mro__
    if any(vars(c).get("_takes_url") for c in mro[mro.index(mixin) + 1 :]):
        kwargs["url"] = url
