"""Claim matching compared with igwn-auth-utils and scitokens, as an oracle.

Each hand-picked case (and each token hypothesis makes up) is signed, read
back by ``scitokens.SciToken.deserialize`` and judged by
``igwn_auth_utils.scitokens.is_valid_token``, exactly as igwn-auth-utils
judges a discovered token; this project judges the same claims with
:mod:`requests_gracedb_like.credentials.claims`. Where the two differ, the
case names the reason from :data:`DIFFERENCES`: every intended difference,
each following the WLCG Common JWT Profile or an RFC. Skipped when
scitokens or igwn-auth-utils is not installed (the ``test`` extra has them).
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple, Optional

import pytest
import requests
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from requests_gracedb_like.credentials.claims import (
    CLOCK_SKEW,
    ClaimRequirements,
    time_mismatch,
)
from requests_gracedb_like.credentials.scopes import PATH_REQUIRED, parse_grant

# igwn-auth-utils assigns requests.Session.__attrs__ when imported, which
# breaks the pickling of every other session in the process: put it back.
_SESSION_ATTRS = requests.Session.__attrs__
igwn = pytest.importorskip("igwn_auth_utils.scitokens")
requests.Session.__attrs__ = _SESSION_ATTRS
jwt = pytest.importorskip("jwt")
ec = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ec")
serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")

T = 1_800_000_000
URL = "https://gracedb.example.org/api/"
AUD = "https://gracedb.example.org"
ISS = "https://issuer.example"
WLCG_ANY = "https://wlcg.cern.ch/jwt/v1/any"
USE, SKIP = "use", "skip"
DROP = object()  # a claim left out of the token

#: Every intended difference from igwn-auth-utils 1.4 / scitokens, and why.
DIFFERENCES = {
    "igwn raises": (
        "igwn-auth-utils raises KeyError, TypeError, AttributeError, "
        "EnforcementError or InvalidPathError out of token discovery on odd "
        "claims or arguments; here a token is used or skipped, never a crash"
    ),
    "clock skew": (
        "nbf and iat up to CLOCK_SKEW (60 s) ahead are accepted (WLCG 4.3.1, "
        "RFC 7519 4.1.5); scitokens wants both strictly in the past"
    ),
    "numeric date": (
        "exp, nbf and iat must be JSON numbers (RFC 7519 2, NumericDate); "
        "PyJWT also takes numeric strings"
    ),
    "WLCG any": (
        "aud https://wlcg.cern.ch/jwt/v1/any matches every audience "
        "(WLCG 2.1.1); scitokens knows only ANY"
    ),
    "requested ANY": (
        "token_audience='ANY' is met by a token for ANY (SciTokens aud table); "
        "scitokens' Enforcer refuses every token when its audience is 'ANY'"
    ),
    "port": (
        "on a non-default port, scheme://host:port is an accepted audience "
        "too (RFC 3986 6.2.3) and IPv6 hosts keep their brackets; "
        "igwn-auth-utils drops the port and the brackets"
    ),
    "no url": (
        "with no URL and no token_audience nothing is asked of aud; "
        "scitokens refuses every token with an aud when given no audience"
    ),
    "unknown claims": (
        "unknown claims (wlcg.ver, wlcg.groups...) are ignored (WLCG 4.3.3); "
        "scitokens refuses them unless ver is scitoken:2.0"
    ),
    "WLCG version": (
        "a token whose wlcg.ver has another major version than 1 is refused "
        "(WLCG 4.3.3); scitokens ignores wlcg.ver in a scitoken:2.0 token"
    ),
    "issuer absent": (
        "token_issuer is asked and the token has no iss: it cannot be the "
        "issuer asked for; scitokens checks only the claims present"
    ),
    "malformed grant": (
        "a malformed grant anywhere makes the token unusable (WLCG 2.2.1: "
        "the token MUST be rejected); scitokens stops at the first grant "
        "that matches, so its verdict depends on their order"
    ),
    "bare read": (
        "a bare read or write grant is for / (SciTokens Claims and Scopes "
        "Language: the path 'may be assumed to be /'); scitokens' Enforcer "
        "refuses the token when it reaches such a grant before one that fits"
    ),
    "storage path": (
        "storage.* grants must carry a path (WLCG 2.2.1); scitokens requires "
        "one for read and write only"
    ),
    "superset": (
        "storage.modify includes storage.create and storage.stage includes "
        "storage.read (WLCG 2.2.1)"
    ),
    "UTF-8": (
        "percent-escapes decode as UTF-8 (RFC 3986 2.5); scitokens decodes "
        "each escaped byte as Latin-1"
    ),
    "scope over scp": (
        "with both claims, scope is read (RFC 8693 4.2) and the older scp "
        "ignored; scitokens requires both to grant"
    ),
}


class Case(NamedTuple):
    id: str
    patch: dict[str, Any]
    arguments: dict[str, Any]
    ours: str
    difference: Optional[str] = None


BASE = {
    "iss": ISS,
    "aud": AUD,
    "ver": "scitoken:2.0",
    "scope": "gracedb.read read:/frames",
    "exp": T + 3600,
    "iat": T - 10,
    "nbf": T - 10,
    "jti": "j",
    "sub": "albert",
}

CASES = [
    Case("base", {}, {}, USE),
    Case("exp+61", {"exp": T + 61}, {}, USE),
    Case("exp+60", {"exp": T + 60}, {}, USE),
    Case("exp+59", {"exp": T + 59}, {}, SKIP),
    Case("exp+1", {"exp": T + 1}, {}, SKIP),
    Case("exp=now", {"exp": T}, {}, SKIP),
    Case("exp-1", {"exp": T - 1}, {}, SKIP),
    Case("no exp", {"exp": DROP}, {}, USE),
    Case("exp numeric string", {"exp": "1800003600"}, {}, SKIP, "numeric date"),
    Case("exp 'soon'", {"exp": "soon"}, {}, SKIP),
    Case("exp true", {"exp": True}, {}, SKIP),
    Case("exp null", {"exp": None}, {}, SKIP),
    Case("exp float", {"exp": T + 3600.5}, {}, USE),
    Case("exp 1e20", {"exp": 100000000000000000000}, {}, USE),
    Case("exp list", {"exp": [T + 3600]}, {}, SKIP),
    Case("nbf-10", {}, {}, USE),
    Case("nbf=now", {"nbf": T}, {}, USE, "clock skew"),
    Case("nbf+30", {"nbf": T + 30}, {}, USE, "clock skew"),
    Case("nbf+120", {"nbf": T + 120}, {}, SKIP),
    Case("nbf 'x'", {"nbf": "x"}, {}, SKIP),
    Case("iat=now", {"iat": T}, {}, USE, "clock skew"),
    Case("iat+30", {"iat": T + 30}, {}, USE, "clock skew"),
    Case("iat+120", {"iat": T + 120}, {}, SKIP),
    Case("iat 'x'", {"iat": "x"}, {}, SKIP),
    Case("no iat no nbf", {"iat": DROP, "nbf": DROP}, {}, USE),
    Case("aud exact list", {"aud": ["https://other.example", AUD]}, {}, USE),
    Case("aud other host", {"aud": "https://other.example"}, {}, SKIP),
    Case("aud trailing /", {"aud": AUD + "/"}, {}, SKIP),
    Case("aud upper-case host", {"aud": "https://GraceDB.example.org"}, {}, SKIP),
    Case("aud http scheme", {"aud": "http://gracedb.example.org"}, {}, SKIP),
    Case("aud :443, url no port", {"aud": AUD + ":443"}, {}, SKIP),
    Case(
        "aud :443, url :443",
        {"aud": AUD + ":443"},
        {"url": "https://gracedb.example.org:443/api/"},
        SKIP,
    ),
    Case(
        "aud plain, url :443", {}, {"url": "https://gracedb.example.org:443/api/"}, USE
    ),
    Case(
        "aud :8443, url :8443",
        {"aud": AUD + ":8443"},
        {"url": "https://gracedb.example.org:8443/api/"},
        USE,
        "port",
    ),
    Case(
        "aud plain, url :8443",
        {},
        {"url": "https://gracedb.example.org:8443/api/"},
        USE,
    ),
    Case("aud :8443, url no port", {"aud": AUD + ":8443"}, {}, SKIP),
    Case(
        "aud http :80",
        {"aud": "http://h.example"},
        {"url": "http://h.example:80/x"},
        USE,
    ),
    Case(
        "aud IPv6 :8443",
        {"aud": "https://[::1]:8443"},
        {"url": "https://[::1]:8443/x"},
        USE,
        "port",
    ),
    Case("aud ANY", {"aud": "ANY"}, {}, USE),
    Case(
        "aud WLCG any", {"aud": "https://wlcg.cern.ch/jwt/v1/any"}, {}, USE, "WLCG any"
    ),
    Case("aud list with ANY", {"aud": ["https://other.example", "ANY"]}, {}, USE),
    Case("aud lower 'any'", {"aud": "any"}, {}, SKIP),
    Case("no aud, no ver", {"aud": DROP, "ver": DROP}, {}, USE),
    Case("no aud, scitoken:2.0", {"aud": DROP}, {}, SKIP),
    Case("aud []", {"aud": []}, {}, SKIP),
    Case("aud ''", {"aud": ""}, {}, SKIP),
    Case("aud 5", {"aud": 5}, {}, SKIP),
    Case("aud object", {"aud": {"a": 1}}, {}, SKIP, "igwn raises"),
    Case("aud [[..]]", {"aud": [[AUD]]}, {}, SKIP, "igwn raises"),
    Case("aud [AUD, 5]", {"aud": [AUD, 5]}, {}, USE),
    Case(
        "asked 'ANY', aud ANY",
        {"aud": "ANY"},
        {"token_audience": "ANY"},
        USE,
        "requested ANY",
    ),
    Case("asked 'ANY', aud host", {}, {"token_audience": "ANY"}, SKIP),
    Case(
        "asked two, aud second",
        {"aud": "https://b.example"},
        {"token_audience": ["https://a.example", "https://b.example"]},
        USE,
    ),
    Case("asked with /, aud without", {}, {"token_audience": AUD + "/"}, SKIP),
    Case("no url, aud set", {}, {"url": None}, USE, "no url"),
    Case("iss asked, equal", {}, {"token_issuer": ISS}, USE),
    Case("iss asked with /", {}, {"token_issuer": ISS + "/"}, SKIP),
    Case("iss has /, asked without", {"iss": ISS + "/"}, {"token_issuer": ISS}, SKIP),
    Case("iss asked list", {}, {"token_issuer": ["https://x.example", ISS]}, USE),
    Case(
        "iss asked, other", {"iss": "https://evil.example"}, {"token_issuer": ISS}, SKIP
    ),
    Case(
        "iss asked, upper case",
        {"iss": "https://Issuer.example"},
        {"token_issuer": ISS},
        SKIP,
    ),
    Case(
        "iss asked, absent", {"iss": DROP}, {"token_issuer": ISS}, SKIP, "issuer absent"
    ),
    Case("iss ''", {"iss": ""}, {}, SKIP, "igwn raises"),
    Case("iss absent", {"iss": DROP}, {}, USE, "igwn raises"),
    Case("iss 5", {"iss": 5}, {}, SKIP, "igwn raises"),
    Case("gracedb.read / bare", {}, {"token_scope": "gracedb.read"}, USE),
    Case(
        "gracedb.read / grant :/",
        {"scope": "gracedb.read:/"},
        {"token_scope": "gracedb.read"},
        USE,
    ),
    Case(
        "storage.read / storage.read:/",
        {"scope": "storage.read:/"},
        {"token_scope": "storage.read"},
        USE,
    ),
    Case(
        "storage.read / storage.read:/frames",
        {"scope": "storage.read:/frames"},
        {"token_scope": "storage.read"},
        SKIP,
    ),
    Case("read:/frames/O3 / read:/frames", {}, {"token_scope": "read:/frames/O3"}, USE),
    Case("read:/framesX / read:/frames", {}, {"token_scope": "read:/framesX"}, SKIP),
    Case(
        "read:/frames / read:/frames/",
        {"scope": "read:/frames/"},
        {"token_scope": "read:/frames"},
        SKIP,
    ),
    Case(
        "read:/frames/ / read:/frames/",
        {"scope": "read:/frames/"},
        {"token_scope": "read:/frames/"},
        USE,
    ),
    Case(
        "read:/frames/O3 / read:/frames/",
        {"scope": "read:/frames/"},
        {"token_scope": "read:/frames/O3"},
        USE,
    ),
    Case("read:/frames/ / read:/frames", {}, {"token_scope": "read:/frames/"}, USE),
    Case(
        "read:/frames//O3 / read:/frames/O3",
        {"scope": "read:/frames/O3"},
        {"token_scope": "read:/frames//O3"},
        USE,
    ),
    Case("read://frames / read:/frames", {}, {"token_scope": "read://frames"}, USE),
    Case(
        "read:/frames/../secret / read:/frames",
        {},
        {"token_scope": "read:/frames/../secret"},
        SKIP,
    ),
    Case(
        "read:/frames/./O3 / read:/frames/O3",
        {"scope": "read:/frames/O3"},
        {"token_scope": "read:/frames/./O3"},
        USE,
    ),
    Case("read:/x / read:/", {"scope": "read:/"}, {"token_scope": "read:/x"}, USE),
    Case(
        "compute.create:/jobs / compute.create",
        {"scope": "compute.create"},
        {"token_scope": "compute.create:/jobs"},
        USE,
    ),
    Case(
        "compute.create / compute.create",
        {"scope": "compute.create"},
        {"token_scope": "compute.create"},
        USE,
    ),
    Case(
        "grant 'read' first",
        {"scope": "read read:/frames"},
        {"token_scope": "read:/frames"},
        USE,
        "bare read",
    ),
    Case(
        "grant 'read' after",
        {"scope": "read:/frames read"},
        {"token_scope": "read:/frames"},
        USE,
    ),
    Case(
        "gracedb.read, then 'read'",
        {"scope": "gracedb.read read"},
        {"token_scope": "gracedb.read"},
        USE,
    ),
    Case(
        "grant 'storage.read' after",
        {"scope": "read:/frames storage.read"},
        {"token_scope": "read:/frames"},
        SKIP,
        "malformed grant",
    ),
    Case(
        "grant 'read:' empty path",
        {"scope": "read:"},
        {"token_scope": "read:/frames"},
        SKIP,
    ),
    Case(
        "grant 'read:frames' relative",
        {"scope": "read:frames"},
        {"token_scope": "read:/frames"},
        SKIP,
    ),
    Case(
        "grant with ..",
        {"scope": "read:/frames/../frames"},
        {"token_scope": "read:/frames/x"},
        SKIP,
    ),
    Case(
        "grant %2e%2e",
        {"scope": "read:/frames/%2e%2e/x"},
        {"token_scope": "read:/x"},
        SKIP,
    ),
    Case(
        "grant storage.read bare",
        {"scope": "storage.read"},
        {"token_scope": "storage.read:/x"},
        SKIP,
        "storage path",
    ),
    Case(
        "scope list claim",
        {"scope": ["read:/frames"]},
        {"token_scope": "read:/frames"},
        SKIP,
    ),
    Case(
        "scp list",
        {"scope": DROP, "scp": ["read:/frames"]},
        {"token_scope": "read:/frames"},
        USE,
    ),
    Case(
        "scp string",
        {"scope": DROP, "scp": "read:/frames"},
        {"token_scope": "read:/frames"},
        USE,
    ),
    Case(
        "no scope claim, asked", {"scope": DROP}, {"token_scope": "read:/frames"}, SKIP
    ),
    Case("scope '' asked", {"scope": ""}, {"token_scope": "read:/frames"}, SKIP),
    Case(
        "scope case", {"scope": "Read:/frames"}, {"token_scope": "read:/frames"}, SKIP
    ),
    Case(
        "percent-encoded letter",
        {"scope": "read:/data%41"},
        {"token_scope": "read:/dataA"},
        USE,
    ),
    Case(
        "percent-encoded in asked",
        {"scope": "read:/dataA"},
        {"token_scope": "read:/data%41"},
        USE,
    ),
    Case(
        "percent %2F stays",
        {"scope": "read:/a%2Fb"},
        {"token_scope": "read:/a/b"},
        SKIP,
    ),
    Case(
        "percent UTF-8",
        {"scope": "read:/caf%C3%A9"},
        {"token_scope": "read:/café"},
        USE,
        "UTF-8",
    ),
    Case(
        "two asked, both granted",
        {},
        {"token_scope": "gracedb.read read:/frames/O3"},
        USE,
    ),
    Case(
        "two asked, one granted",
        {"scope": "gracedb.read"},
        {"token_scope": "gracedb.read read:/frames"},
        SKIP,
    ),
    Case("asked as list", {}, {"token_scope": ["gracedb.read", "read:/frames"]}, USE),
    Case(
        "double space",
        {"scope": "gracedb.read  read:/frames"},
        {"token_scope": "read:/frames"},
        USE,
    ),
    Case(
        "tab separated",
        {"scope": "gracedb.read\tread:/frames"},
        {"token_scope": "read:/frames"},
        SKIP,
    ),
    Case(
        "modify covers create",
        {"scope": "storage.modify:/up"},
        {"token_scope": "storage.create:/up/x"},
        USE,
        "superset",
    ),
    Case(
        "stage covers read",
        {"scope": "storage.stage:/tape"},
        {"token_scope": "storage.read:/tape/f"},
        USE,
        "superset",
    ),
    Case(
        "create not modify",
        {"scope": "storage.create:/up"},
        {"token_scope": "storage.modify:/up"},
        SKIP,
    ),
    Case(
        "asked 'read' bare",
        {"scope": "read:/"},
        {"token_scope": "read"},
        USE,
        "igwn raises",
    ),
    Case("not asked, no scope claim", {"scope": DROP}, {}, USE, "igwn raises"),
    Case(
        "not asked, grant 'read' first",
        {"scope": "read read:/frames"},
        {},
        USE,
        "igwn raises",
    ),
    Case("not asked, scope list", {"scope": ["read:/frames"]}, {}, SKIP, "igwn raises"),
    Case("ver 1", {"ver": 1}, {}, USE),
    Case("ver scitoken:3.0", {"ver": "scitoken:3.0"}, {}, SKIP),
    Case("ver 'scitoken:1.0'", {"ver": "scitoken:1.0"}, {}, SKIP),
    Case("wlcg.ver 1.0", {"ver": DROP, "wlcg.ver": "1.0"}, {}, USE, "unknown claims"),
    Case("wlcg.ver 1.1", {"ver": DROP, "wlcg.ver": "1.1"}, {}, USE, "unknown claims"),
    Case("wlcg.ver 2.0", {"ver": DROP, "wlcg.ver": "2.0"}, {}, SKIP),
    Case("wlcg.ver 'x'", {"ver": DROP, "wlcg.ver": "x"}, {}, SKIP),
    Case("wlcg.ver, no aud", {"aud": DROP, "ver": DROP, "wlcg.ver": "1.0"}, {}, SKIP),
    Case(
        "unknown claim, no ver",
        {"group": "cbc", "ver": DROP},
        {},
        USE,
        "unknown claims",
    ),
    Case("unknown claim, scitoken:2.0", {"group": "cbc"}, {}, USE),
    Case(
        "wlcg.groups, no ver",
        {"ver": DROP, "wlcg.groups": ["/igwn"]},
        {},
        USE,
        "unknown claims",
    ),
    Case("wlcg.ver 2.0 in a scitoken", {"wlcg.ver": "2.0"}, {}, SKIP, "WLCG version"),
    Case(
        "scope over scp",
        {"scope": "read:/frames", "scp": ["write:/"]},
        {"token_scope": "read:/frames"},
        USE,
        "scope over scp",
    ),
]


def claims_of(patch: dict[str, Any]) -> dict[str, Any]:
    claims = {**BASE, **patch}
    return {k: v for k, v in claims.items() if v is not DROP}


_KEY = ec.generate_private_key(ec.SECP256R1())
_PUBLIC = _KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


def igwn_verdict(claims: dict[str, Any], url: Optional[str] = URL, **kw: Any) -> str:
    """What igwn-auth-utils' find_token does with a token holding `claims`."""
    # PyJWS rather than jwt.encode: PyJWT refuses to sign some odd claims
    signed = jwt.api_jws.encode(json.dumps(claims).encode(), _KEY, algorithm="ES256")
    try:
        token = igwn.deserialize_token(signed, public_key=_PUBLIC)
    except igwn.TOKEN_ERROR:
        return SKIP  # find_token skips a token that does not deserialise
    audience = kw.get("token_audience")
    if audience is None and url is not None:
        audience = igwn.target_audience(url, include_any=False)
    try:
        ok = igwn.is_valid_token(
            token,
            audience,
            kw.get("token_scope"),
            issuer=kw.get("token_issuer"),
            timeleft=60,
        )
    except Exception as exc:  # any crash is the finding
        return f"raises {type(exc).__name__}"
    return USE if ok else SKIP


def our_verdict(claims: dict[str, Any], url: Optional[str] = URL, **kw: Any) -> str:
    need = ClaimRequirements.from_arguments(
        url, kw.get("token_audience"), kw.get("token_scope"), kw.get("token_issuer")
    )
    wrong = time_mismatch(claims, now=T) or need.mismatch(claims)
    return USE if wrong is None else SKIP


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hand_picked_case(case):
    claims = claims_of(case.patch)
    with time_machine.travel(T, tick=False):
        theirs = igwn_verdict(claims, **case.arguments)
        ours = our_verdict(claims, **case.arguments)
    assert ours == case.ours
    if case.difference is None:
        assert theirs == ours
    else:
        assert case.difference in DIFFERENCES
        assert theirs != ours
        assert theirs.startswith("raises") == (case.difference == "igwn raises")


def test_every_difference_is_exercised():
    assert {c.difference for c in CASES} - {None} == set(DIFFERENCES)
    assert len(CASES) >= 90


# -- generated tokens ---------------------------------------------------------

_NAMES = st.sampled_from(
    [
        "read",
        "write",
        "storage.read",
        "storage.create",
        "storage.modify",
        "storage.stage",
        "compute.create",
        "gracedb.read",
    ]
)
_GRANTED = st.sampled_from(
    [None, "/", "/frames", "/frames/", "/frames/O3", "//frames", "/frames/../x", "x"]
)
_ASKED = st.sampled_from(
    [None, "/", "/frames", "/frames/", "/frames/O3", "/frames//O3", "/frames/../x"]
)


def _scope(name: str, path: Optional[str]) -> str:
    return name if path is None else f"{name}:{path}"


_AUDIENCES = st.sampled_from(
    [AUD, AUD + "/", AUD + ":443", AUD + ":8443", "ANY", WLCG_ANY, "https://x", ""]
)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, st.just(DROP))


_CLAIMS = st.fixed_dictionaries(
    {
        "iss": st.sampled_from([ISS, ISS, ISS + "/", "", DROP]),
        "aud": _maybe(st.one_of(_AUDIENCES, st.lists(_AUDIENCES, max_size=3))),
        "ver": st.sampled_from(["scitoken:2.0", "scitoken:2.0", 1, "x", DROP]),
        "wlcg.ver": st.sampled_from(["1.0", "2.0", DROP, DROP]),
        "scope": _maybe(st.lists(st.builds(_scope, _NAMES, _GRANTED), max_size=3)),
        "scp": st.one_of(
            st.just(DROP), st.lists(st.builds(_scope, _NAMES, _GRANTED), max_size=2)
        ),
        "exp": _maybe(st.integers(-100, 7200).map(lambda d: T + d)),
        "nbf": _maybe(st.integers(-100, 200).map(lambda d: T + d)),
        "iat": _maybe(st.integers(-100, 200).map(lambda d: T + d)),
        "group": st.sampled_from(["cbc", DROP]),
    }
).map(
    lambda c: {
        k: (" ".join(v) if k == "scope" else v) for k, v in c.items() if v is not DROP
    }
)
_ARGUMENTS = st.fixed_dictionaries(
    {"url": st.sampled_from([URL, "https://gracedb.example.org:8443/api/", None])},
    optional={
        "token_audience": st.one_of(
            st.sampled_from([AUD, "ANY", AUD + "/"]),
            st.lists(st.sampled_from([AUD, "https://x"]), min_size=1, max_size=2),
        ),
        "token_scope": st.lists(
            st.builds(_scope, _NAMES, _ASKED), min_size=1, max_size=2
        ).map(" ".join),
        "token_issuer": st.sampled_from([ISS, ISS + "/"]),
    },
)


def explanations(claims: dict[str, Any], kw: dict[str, Any], theirs: str) -> set[str]:
    """The reasons of :data:`DIFFERENCES` that apply to a generated case."""
    why = set()
    if theirs.startswith("raises"):
        why.add("igwn raises")
    aud = claims.get("aud")
    if WLCG_ANY in (aud if isinstance(aud, list) else [aud]):
        why.add("WLCG any")
    if kw.get("token_audience") == "ANY":
        why.add("requested ANY")
    if "token_audience" not in kw and kw["url"] is None:
        why.add("no url")
    if "token_audience" not in kw and ":8443" in (kw["url"] or ""):
        why.add("port")
    if claims.get("ver") != "scitoken:2.0" and {"wlcg.ver", "group"} & set(claims):
        why.add("unknown claims")
    if claims.get("wlcg.ver", "1.0").split(".")[0] != "1":
        why.add("WLCG version")
    if any(T <= claims.get(k, 0) <= T + CLOCK_SKEW for k in ("nbf", "iat")):
        why.add("clock skew")
    if "token_issuer" in kw and "iss" not in claims:
        why.add("issuer absent")
    if "scope" in claims and "scp" in claims:
        why.add("scope over scp")
    raw = claims.get("scope", claims.get("scp", ""))
    grants = raw.split(" ") if isinstance(raw, str) else raw
    for text in filter(None, grants):
        if parse_grant(text) is None:
            why.add("malformed grant")
            if text in PATH_REQUIRED:
                why.add("storage path")
        elif text in ("read", "write"):
            why.add("bare read")
        elif text.startswith(("storage.modify", "storage.stage")):
            why.add("superset")
    return why


@given(_CLAIMS, _ARGUMENTS)
def test_generated_tokens(claims, arguments):
    with time_machine.travel(T, tick=False):
        theirs = igwn_verdict(claims, **arguments)
        ours = our_verdict(claims, **arguments)
    if theirs != ours:
        assert explanations(claims, arguments, theirs), (claims, arguments, theirs)
