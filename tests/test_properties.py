"""Property tests for everything that reads outside input: each parser gives
its documented result or its documented error, never another exception, and
no secret reaches a message."""

from __future__ import annotations

import base64
import functools
import json
import math
import os
import re
import warnings
from contextlib import ExitStack
from pathlib import Path

import requests
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from requests_gracedb_like import Session
from requests_gracedb_like._http.redact import redact_url
from requests_gracedb_like.base_url import join_url, normalize_base_url
from requests_gracedb_like.credentials.bearer import BearerTokenAuth, read_token_file
from requests_gracedb_like.credentials.jwt import decode_claims, expiry_of
from requests_gracedb_like.credentials.records import Arguments, Attempt
from requests_gracedb_like.credentials.sources import netrc
from requests_gracedb_like.credentials.x509 import CertificateInfo, read_certificate
from requests_gracedb_like.exceptions import CredentialError, CredentialWarning
from requests_gracedb_like.file import guess_content_type, prepare_files
from requests_gracedb_like.testing import make_jwt

#: A marker put inside generated secrets: it must never reach a message.
SECRET = "Zq7SECRETx9"

# Each example overwrites the file (or reuses the server) of the last one, so
# one tmp_path or fault_server per test, not per example, is what is meant.
per_test = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

netrc_word = st.text(
    st.characters(codec="ascii", exclude_characters="\x00"), min_size=0, max_size=12
)
netrc_token = st.one_of(
    st.sampled_from(
        ["machine", "login", "password", "account", "default", "macdef", "\n", '"']
    ),
    netrc_word,
    st.just(SECRET),
    st.just("example.org"),
)


def outcome(fn, *args, **kwargs):
    """What ``fn(*args, **kwargs)`` gave: its result or the exception it
    raised, for the test to check either against the documentation."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        return exc


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# -- netrc ---------------------------------------------------------------------


@per_test
@given(tokens=st.lists(netrc_token, max_size=25), sep=st.sampled_from([" ", "\n"]))
@example(tokens=["machine", "example.org", "login", "u", "password", SECRET], sep=" ")
@example(tokens=["machine", "example.org", "password", f'"{SECRET}'], sep=" ")
@example(tokens=["default", "login", "u", "password", SECRET], sep="\n")
def test_netrc_content_gives_attempt_or_warning_never_secret(tmp_path, tokens, sep):
    path = tmp_path / "netrc"
    path.write_text(sep.join(tokens) + "\n")
    path.chmod(0o600)
    os.environ["NETRC"] = str(path)  # credential_env restores it afterwards
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        attempt = netrc(Arguments(url="https://example.org/api/"))
    assert isinstance(attempt, Attempt)
    for w in caught:
        assert issubclass(w.category, CredentialWarning)
        assert SECRET not in str(w.message)
    assert SECRET not in attempt.describe()
    assert SECRET not in repr(attempt)
    if attempt.found:
        assert attempt.auth is not None
        assert SECRET not in repr(attempt.auth)
    else:
        assert attempt.auth is None


@per_test
@given(data=st.binary(max_size=200))
def test_netrc_bytes_never_crash(tmp_path, data):
    path = tmp_path / "netrc"
    path.write_bytes(data)
    path.chmod(0o600)
    os.environ["NETRC"] = str(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        attempt = netrc(Arguments(url="https://example.org/"))
    assert isinstance(attempt, Attempt)
    assert all(issubclass(w.category, CredentialWarning) for w in caught)


# -- token files ---------------------------------------------------------------


@per_test
@given(before=st.binary(max_size=40), after=st.binary(max_size=40))
@example(before=b"", after=b"")
@example(before=b"\xff", after=b"")
@example(before=b"a b ", after=b"\n")
def test_token_file_bytes_give_token_or_credential_error(tmp_path, before, after):
    path = tmp_path / "token"
    content = before + SECRET.encode() + after
    path.write_bytes(content)
    token = outcome(read_token_file, path)
    if isinstance(token, Exception):
        assert isinstance(token, CredentialError)
        assert str(path) in str(token)
        assert SECRET not in str(token)
    else:
        assert token == content.decode("utf-8").strip()
        assert token.isascii()
        assert token.isprintable()
        assert " " not in token
        auth = BearerTokenAuth(token)
        prepared = auth(requests.Request("GET", "https://h.example/").prepare())
        assert prepared.headers["Authorization"] == f"Bearer {token}"
        assert SECRET not in repr(auth)


@given(text=st.text(max_size=60))
def test_token_text_gives_auth_or_credential_error(text):
    auth = outcome(BearerTokenAuth, text + SECRET, source="BEARER_TOKEN")
    if isinstance(auth, Exception):
        assert isinstance(auth, CredentialError)
        assert "BEARER_TOKEN" in str(auth)
        assert SECRET not in str(auth)
    else:
        assert auth.token == (text + SECRET).strip()
        assert SECRET not in str(auth)


# -- JWT payloads --------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(
    payload=st.one_of(
        st.binary(max_size=80),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.dictionaries(
            st.sampled_from(["exp", "iat", "sub", "aud"]),
            json_values | st.integers(min_value=-(10**400), max_value=10**400),
        ).map(lambda d: json.dumps(d).encode()),
    ),
    header=st.text(max_size=10),
    signature=st.text(max_size=10),
)
@example(payload=b"[" * 10_000 + b"]" * 10_000, header="h", signature="")
@example(payload=b'{"exp": 1e400}', header="h", signature="")
@example(payload=b'{"exp": NaN}', header="h", signature="")
@example(payload=b'{"exp": ' + b"9" * 400 + b"}", header="h", signature="")
def test_jwt_payload_gives_claims_or_none(payload, header, signature):
    token = f"{header}.{_b64(payload)}.{signature}"
    claims = decode_claims(token)
    assert claims is None or isinstance(claims, dict)
    expiry = expiry_of(claims)
    assert expiry is None or (isinstance(expiry, float) and math.isfinite(expiry))


@given(text=st.text(max_size=80))
def test_any_text_decodes_to_claims_or_none(text):
    claims = decode_claims(text)
    assert claims is None or isinstance(claims, dict)


@given(
    claims=st.dictionaries(
        st.text(min_size=1, max_size=8).filter(lambda k: k not in ("exp", "iat")),
        json_values.filter(lambda v: v == v and "NaN" not in json.dumps(v)),
        max_size=5,
    ),
    exp=st.integers(min_value=0, max_value=2**40),
)
def test_jwt_claims_round_trip(claims, exp):
    token = make_jwt({**claims, "exp": exp}, now=0)
    decoded = decode_claims(token)
    assert decoded == json.loads(json.dumps({"iat": 0, **claims, "exp": exp}))
    assert expiry_of(decoded) == float(exp)


# -- uploads -------------------------------------------------------------------


@given(name=st.text(max_size=60))
@example(name="data:text/html,x")
@example(name="skymap.fits.gz")
def test_guess_content_type_always_gives_a_type(name):
    content_type = guess_content_type(name)
    assert isinstance(content_type, str)
    assert "/" in content_type


@given(
    filename=st.text(max_size=40),
    content=st.binary(max_size=200),
    field=st.text(min_size=1, max_size=10),
)
def test_prepared_upload_carries_content_unaltered(filename, content, field):
    with ExitStack() as stack:
        files = prepare_files({field: (filename, content)}, stack)
        try:
            prepared = requests.Request(
                "POST", "https://h.example/", files=files
            ).prepare()
        except UnicodeEncodeError:
            # a lone surrogate cannot be written in UTF-8 by anyone
            assume(False)
    body = prepared.body
    boundary = prepared.headers["Content-Type"].split("boundary=")[1].encode()
    assert body.count(b"--" + boundary) == 2  # one part, one closing line
    head, _, rest = body.partition(b"\r\n\r\n")
    assert rest.startswith(content + b"\r\n--" + boundary + b"--")
    # CR and LF in a file or field name never start a new header
    assert head.count(b"\r\n") == 2


@per_test
@given(name=st.text(max_size=30))
@example(name="\x00")
@example(name="")
@example(name="\udcff")
def test_upload_path_opens_or_raises_naming_the_field(tmp_path, name):
    with ExitStack() as stack:
        files = outcome(prepare_files, {"skymap": (str(tmp_path / name), None)}, stack)
        if isinstance(files, Exception):
            # OSError names the file, ValueError the field
            assert isinstance(files, (OSError, ValueError))
            assert getattr(files, "filename", None) or "skymap" in str(files)
        else:
            assert files[0][0] == "skymap"
            assert Path(tmp_path / name).is_file()


# -- header values and URLs ----------------------------------------------------


@per_test
@given(value=st.text(max_size=30))
@example(value=" leading")
@example(value="a\r\nX-Evil: 1")
@example(value="snow\u2603")
def test_header_value_is_sent_exactly_or_refused_by_name(fault_server, value):
    secret_value = value + SECRET
    before = len(fault_server.seen)
    with Session(force_noauth=True) as s:
        headers = {"X-Api-Key": secret_value}
        result = outcome(s.get, fault_server.url("ok"), headers=headers, timeout=5)
    if isinstance(result, Exception):
        assert isinstance(result, requests.exceptions.InvalidHeader)
        assert "'X-Api-Key'" in str(result)
        assert SECRET not in str(result)
        assert len(fault_server.seen) == before  # nothing was sent
    else:
        assert result.status_code == 200
        # HTTP drops white space around a value; nothing else may change
        assert fault_server.seen[-1].headers["x-api-key"] == secret_value.rstrip(" \t")


@given(
    user=st.text(min_size=1, max_size=8),
    query=st.lists(
        st.tuples(
            st.sampled_from(["token", "access_token", "page", "q", "Signature"]),
            st.text(max_size=8),
        ),
        max_size=4,
    ),
    path=st.text(max_size=20),
)
def test_redact_url_hides_password_and_secret_query(user, query, path):
    from urllib.parse import quote, urlencode

    url = (
        f"https://{quote(user, safe='')}:{SECRET}@h.example/{quote(path)}"
        f"?{urlencode([*query, ('token', SECRET)])}"
    )
    redacted = redact_url(url)
    assert SECRET not in redacted
    assert "h.example" in redacted


@given(url=st.text(max_size=60))
def test_redact_url_never_raises(url):
    assert isinstance(redact_url(url), str)


# -- base URL ------------------------------------------------------------------

BASE = "https://gracedb.example.org/api/"
segment = st.text(
    # not ":" (a first segment "a:" is a scheme) nor "/?#%\\" (URL syntax)
    st.characters(blacklist_characters=":/?#%\\", blacklist_categories=["Cs"]),
    min_size=1,
    max_size=8,
).filter(lambda seg: seg not in (".", ".."))


@given(url=st.text(max_size=40))
@example(url=f"http://albert:{SECRET}@[oops")
@example(url=f"https://[{SECRET}")
@example(url="https://")
def test_normalize_base_url_gives_a_directory_or_value_error(url):
    result = outcome(normalize_base_url, url)
    if isinstance(result, Exception):
        assert type(result) is ValueError
        assert SECRET not in str(result)
    else:
        assert result.endswith("/")
        assert "://" in result


@given(url=st.text(max_size=40))
@example(url=f"//albert:{SECRET}@[oops")
@example(url="\x00")
@example(url=" events/\n")
def test_join_url_gives_an_absolute_url_or_invalid_url(url):
    result = outcome(join_url, BASE, url)
    if isinstance(result, Exception):
        assert isinstance(result, requests.exceptions.InvalidURL)
        assert isinstance(result, ValueError)
        assert SECRET not in str(result)
    elif re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", url):
        assert result == url  # absolute: used as given
    else:
        assert result.startswith("https://gracedb.example.org")


@given(segments=st.lists(segment, min_size=1, max_size=4), slash=st.booleans())
@example(segments=["\x00"], slash=False)
@example(segments=["a;"], slash=False)
@example(segments=[" a b ", "\t\r\n"], slash=True)
def test_relative_path_joins_under_the_base_with_nothing_dropped(segments, slash):
    from urllib.parse import unquote

    url = "/".join(segments) + ("/" if slash else "")
    joined = join_url(BASE, url)
    assert unquote(joined) == BASE + url
    rooted = join_url(BASE, "/" + url)
    assert unquote(rooted) == "https://gracedb.example.org/" + url


# -- PEM files -----------------------------------------------------------------

B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


@functools.cache
def _proxy_pem() -> bytes:
    """A client certificate and its key in one PEM file, as a proxy is."""
    import trustme

    cert = trustme.CA().issue_cert("albert.einstein@example.org")
    return cert.private_key_and_cert_chain_pem.bytes()


def _key_line(pem: bytes) -> bytes:
    """A line of the private key's base64 body: it must never be shown."""
    lines = pem.split(b"PRIVATE KEY-----\n", 1)[1].splitlines()
    return lines[1]


mutation = st.tuples(
    st.sampled_from(["replace", "insert", "delete", "truncate"]),
    st.floats(min_value=0, max_value=1, exclude_max=True),
    st.binary(min_size=1, max_size=4) | st.sampled_from([bytes([c]) for c in B64]),
)


@per_test
@given(mutations=st.lists(mutation, min_size=1, max_size=3))
@example(mutations=[("truncate", 0.5, b"x")])
@example(mutations=[("replace", 0.9, b"A")])
def test_pem_file_gives_certificate_info_or_credential_error(tmp_path, mutations):
    pem = bytearray(_proxy_pem())
    secret_line = _key_line(bytes(pem))
    for op, where, data in mutations:
        i = int(where * len(pem))
        if op == "replace":
            pem[i : i + len(data)] = data
        elif op == "insert":
            pem[i:i] = data
        elif op == "delete":
            del pem[i : i + len(data)]
        else:
            del pem[i:]
    path = tmp_path / "x509up"
    path.write_bytes(bytes(pem))
    result = outcome(read_certificate, path)
    if isinstance(result, Exception):
        assert isinstance(result, CredentialError), repr(result)
        assert str(path) in str(result)
        assert secret_line.decode() not in str(result)
    else:
        assert isinstance(result, CertificateInfo)
        assert secret_line.decode() not in repr(result)


@per_test
@given(data=st.binary(max_size=300))
def test_pem_bytes_give_credential_error(tmp_path, data):
    path = tmp_path / "cert.pem"
    path.write_bytes(data)
    result = outcome(read_certificate, path)
    assert isinstance(result, (CredentialError, CertificateInfo)), repr(result)
