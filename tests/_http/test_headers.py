"""Header dictionaries built at once: what CaseInsensitiveDict(pairs) builds."""

from __future__ import annotations

import pytest
from requests.structures import CaseInsensitiveDict

from requests_gracedb_like._http import headers as headers_module
from requests_gracedb_like._http.headers import case_insensitive, header_store

PAIRS = [
    [],
    [("Accept", "*/*")],
    [("X-One", "1"), ("x-ONE", "2"), ("Other", None), ("X-Two", b"bytes")],
    [(f"X-Header-{i}", str(i)) for i in range(100)],
]


def _view(d):
    return type(d), list(d.items()), list(d.lower_items()), vars(d)


@pytest.mark.parametrize("pairs", PAIRS)
@pytest.mark.parametrize("fast", [True, False])
def test_same_dictionary_as_requests(monkeypatch, pairs, fast):
    monkeypatch.setattr(headers_module, "_FAST", fast)
    want = CaseInsensitiveDict(pairs)
    store = header_store(pairs)
    got = case_insensitive(store.copy())
    assert _view(got) == _view(want)
    # The dictionary owns its copy: changing one changes nothing else.
    got["X-New"] = "n"
    again = case_insensitive(store.copy())
    assert _view(again) == _view(want)
    assert got.copy() == {**dict(want.items()), "X-New": "n"}


def test_requests_layout_is_recognised():
    # A requests release that stored its headers otherwise would fall back
    # to CaseInsensitiveDict's own constructor; this one is known.
    assert headers_module._FAST
