"""Scopes and paths: what a granted scope covers (WLCG 2.2.1, SciTokens)."""

from __future__ import annotations

import pytest

from requests_gracedb_like.credentials.scopes import (
    Scope,
    covers,
    parse_grant,
    parse_requested,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("read:/frames", Scope("read", "/frames")),
        ("read:/frames/", Scope("read", "/frames/")),
        ("read://frames//O4", Scope("read", "/frames/O4")),
        ("read:/frames/./O4", Scope("read", "/frames/O4")),
        ("read:/", Scope("read", "/")),
        ("read:/data%41", Scope("read", "/dataA")),
        ("read:/caf%C3%A9", Scope("read", "/caf\u00e9")),
        ("read:/a%2fb", Scope("read", "/a%2Fb")),  # an escaped "/" stays one
        ("compute.create", Scope("compute.create", "/")),
        ("gracedb.read", Scope("gracedb.read", "/")),
        # SciTokens: a bare read or write may be assumed to be for "/"
        ("read", Scope("read", "/")),
        ("write", Scope("write", "/")),
        # malformed: the whole token is refused
        ("storage.read", None),
        ("storage.stage", None),
        ("read:", None),
        ("read:frames", None),
        ("read:/frames/../secret", None),
        ("read:/frames/%2e%2e/secret", None),
    ],
)
def test_grant_is_parsed_and_normalised(text, expected):
    assert parse_grant(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("storage.read", Scope("storage.read", "/")),
        ("read", Scope("read", "/")),
        ("read:/frames//O4", Scope("read", "/frames/O4")),
        ("read:/frames/../secret", Scope("read", "/secret")),
        ("read:/../x", Scope("read", "/x")),
        ("read:/frames/", Scope("read", "/frames/")),
    ],
)
def test_requested_scope_is_normalised_as_the_service_will(text, expected):
    assert parse_requested(text) == expected


@pytest.mark.parametrize("text", ["read:frames", "read:", "storage.read:~/x"])
def test_relative_requested_path_is_refused_naming_the_argument(text):
    with pytest.raises(ValueError, match="token_scope"):
        parse_requested(text)


@pytest.mark.parametrize(
    ("grant", "wanted", "ok"),
    [
        ("read:/", "read:/frames/O4", True),
        ("read:/frames", "read:/frames", True),
        ("read:/frames", "read:/frames/O4", True),
        ("read:/frames", "read:/framesX", False),
        ("read:/frames", "read:/frames/../secret", False),
        ("read:/frames/", "read:/frames", False),  # a directory, not the file
        ("read:/frames/", "read:/frames/", True),
        ("read:/frames/", "read:/frames/O4", True),
        ("read:/frames/O4", "read:/frames//O4", True),
        ("read:/frames", "write:/frames", False),
        ("Read:/frames", "read:/frames", False),  # names are case-sensitive
        ("storage.read:/", "storage.read", True),
        ("storage.read:/frames", "storage.read", False),  # bare asks for /
        ("compute.create", "compute.create:/jobs", True),
        ("storage.modify:/up", "storage.create:/up/x", True),
        ("storage.stage:/tape", "storage.read:/tape/f", True),
        ("storage.create:/up", "storage.modify:/up", False),
        ("storage.read:/tape", "storage.stage:/tape", False),
        ("read:/caf%C3%A9", "read:/caf\u00e9", True),
    ],
)
def test_what_a_grant_covers(grant, wanted, ok):
    assert covers([parse_grant(grant)], parse_requested(wanted)) is ok
