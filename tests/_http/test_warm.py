"""The warm pool managers' rules for what may be kept (the behaviour over
real connections is in tests/hostile/test_warm_pool.py)."""

from __future__ import annotations

import ssl

from urllib3 import PoolManager

from requests_gracedb_like._http import warm


def test_a_proxy_with_credentials_or_headers_is_never_kept():
    assert warm.shareable_proxy("http://proxy.example:3128", {}) == (
        "http",
        "proxy.example",
        3128,
    )
    assert warm.shareable_proxy("http://u:p@proxy.example:3128", {}) is None
    assert warm.shareable_proxy("http://u@proxy.example:3128", {}) is None
    headers = {"Proxy-Authorization": "Basic x"}
    assert warm.shareable_proxy("http://proxy.example:3128", headers) is None


def test_settings_that_cannot_be_compared_are_never_kept():
    context = ssl.create_default_context()
    assert warm.manager_key("direct", 10, 32, False, ("blocksize", 1)) is not None
    assert warm.manager_key("direct", 10, 32, False, ("x", [context])) is None


def test_the_least_recently_given_back_is_cleared_past_the_bound():
    kept = [
        warm.WarmManager(("test", n), PoolManager())
        for n in range(warm.MAX_IDLE_MANAGERS + 1)
    ]
    for w in kept:
        w.manager.connection_from_url("http://h.example/")
        warm.give_back(w)
    assert len(kept[0].manager.pools) == 0  # cleared
    assert warm.take(("test", 0)) is None
    assert warm.take(("test", 1)) is kept[1]
    assert len(kept[1].manager.pools) == 1
