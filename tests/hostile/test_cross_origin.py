"""Promise: a credential never reaches another origin.

Two local servers: A is the service the session is for, B the attacker.
Each case sends a request that some parser could take for A while the
transport goes to B (or is redirected there) and checks that B saw no
secret, and, where the request is meant for A, that A did get it.

Every case runs through the three front ends (``front_end``, see
``front_ends.py``) except two that attack what only the requests
``Session`` has: requests' implicit netrc lookup after
``session.auth = None`` (httpx reads no netrc file unless given
``httpx.NetRCAuth``), and a session shared by threads (an
``AsyncClient`` is shared by the tasks of one event loop, tested in
``tests/httpx/test_httpx_async.py``; ``httpx.Client`` runs the thread case).
"""

from __future__ import annotations

import contextlib

import pytest

from requests_gracedb_like import Session

SECRET = "s3cret-token-value"

#: URLs that name A somewhere but, read as urllib3 reads them to connect
#: (or as any reading), may go to B. "{A}" and "{B}" are the ports.
ODD_URLS = [
    "http://127.0.0.1:{B}\\@127.0.0.1:{A}/x",  # authority ends at "\"
    "http://127.0.0.1:{B}\\\\@127.0.0.1:{A}/x",
    "HTTP://127.0.0.1:{B}\\@127.0.0.1:{A}/x",
    "  http://127.0.0.1:{B}\\@127.0.0.1:{A}/x  ",
    "http://127.0.0.1:{B}#@127.0.0.1:{A}/",
    "http://127.0.0.1:{B}?@127.0.0.1:{A}/",
    "http://127.0.0.1:{B}/\\@127.0.0.1:{A}/",
    "http://127.0.0.1:{A}@127.0.0.1:{B}/",
    "http://user:127.0.0.1:{A}@127.0.0.1:{B}/",
    "http://localhost:{B}/",
    "http://127.0.0.1:{B}/?next=http://127.0.0.1:{A}/",
    "http://127.0.0.1.:{B}/",
]


@pytest.fixture
def servers(recorder):
    return recorder(), recorder()


def _session(front_end, a, **kwargs):
    return front_end.make(a.url(), api_key=SECRET, **kwargs)


@pytest.mark.parametrize("template", ODD_URLS)
def test_odd_url_sends_no_credential_to_the_other_origin(servers, front_end, template):
    a, b = servers
    url = template.format(A=a.port, B=b.port)
    # a refusal is fine, a leak is not
    with _session(front_end, a) as s, contextlib.suppress(Exception):
        s.get(url, timeout=5)
    assert not b.saw(SECRET)


@pytest.mark.parametrize(
    "relative",
    ["//127.0.0.1:{B}\\@127.0.0.1:{A}/x", "\\\\127.0.0.1:{B}/x", "//127.0.0.1:{B}/x"],
)
def test_base_url_trick_sends_no_credential_elsewhere(servers, front_end, relative):
    a, b = servers
    with _session(front_end, a) as s, contextlib.suppress(Exception):
        s.get(relative.format(A=a.port, B=b.port), timeout=5)
    assert not b.saw(SECRET)


def test_the_service_itself_still_gets_the_credential(servers, front_end):
    a, _b = servers
    with _session(front_end, a) as s:
        s.get(a.url("/ok"), timeout=5)
    assert a.saw(SECRET)


@pytest.mark.parametrize(
    ("status", "method"), [(301, "GET"), (302, "GET"), (307, "POST"), (308, "PUT")]
)
def test_redirect_to_another_origin_drops_every_credential_header(
    recorder, front_end, status, method
):
    b = recorder()
    location = f"http://127.0.0.1:{b.port}/next"
    a = recorder(
        lambda head: (
            f"HTTP/1.1 {status} Moved\r\nLocation: {location}\r\n"
            "Content-Length: 0\r\n\r\n"
        ).encode()
    )
    with front_end.make(a.url(), api_key=SECRET, auth_header_name="X-Auth-Token") as s:
        s.headers["X-Session-Key"] = SECRET + "-header"
        s.request(method, a.url("/start"), data=b"x", timeout=5)
    assert a.saw(SECRET)
    assert b.heads, "the redirect was followed"
    assert not b.saw(SECRET)


SESSION_HEADERS = [
    ("Authorization", f"Bearer {SECRET}"),
    ("X-API-Key", SECRET),
    ("X-Auth-Token", SECRET),
    ("Api-Key", SECRET),
    ("Cookie", f"sessionid={SECRET}"),
]


@pytest.mark.parametrize(("name", "value"), SESSION_HEADERS)
def test_session_credential_header_stays_on_the_origin(servers, front_end, name, value):
    a, b = servers
    with front_end.make(a.url(), force_noauth=True) as s:
        s.headers[name] = value
        s.get(b.url("/elsewhere"), timeout=5)
        s.get(a.url("/home"), timeout=5)
    assert not b.saw(SECRET)
    assert a.saw(SECRET)


@pytest.mark.parametrize(("name", "value"), SESSION_HEADERS[:3])
def test_with_headers_credential_stays_on_the_origin(servers, front_end, name, value):
    a, b = servers
    with front_end.make(a.url(), force_noauth=True) as s:
        copy = s.with_headers({name: value})
        copy.get(b.url("/elsewhere"), timeout=5)
        copy.get(a.url("/home"), timeout=5)
    assert not b.saw(SECRET)
    assert a.saw(SECRET)


def test_a_with_cookies_login_cookie_stays_on_the_service_host(servers, front_end):
    # Cookies know hosts, not ports: the other origin is another host name
    # of this machine.
    a, b = servers
    with front_end.make(a.url(), force_noauth=True) as s:
        copy = s.with_cookies({"sessionid": SECRET})
        copy.get(b.url("/elsewhere", host="localhost"), timeout=5)
        copy.get(a.url("/home"), timeout=5)
    assert b.heads
    assert not b.saw(SECRET)
    assert a.saw(SECRET)


def test_a_header_given_to_one_request_is_the_callers_choice(servers, front_end):
    a, b = servers
    with front_end.make(a.url(), force_noauth=True) as s:
        s.get(b.url(), headers={"X-Auth-Token": SECRET}, timeout=5)
    assert b.saw(SECRET)


@pytest.mark.parametrize(
    "netrc",
    [
        "default login user password {secret}\n",
        "machine 127.0.0.1 login user password {secret}\n",
    ],
)
def test_no_netrc_password_after_session_auth_is_set_to_none(env, servers, netrc):
    a, b = servers
    env.write_netrc(netrc.format(secret=SECRET))
    with Session(a.url(), force_noauth=True) as s:
        s.auth = None
        s.get(b.url(), timeout=5)
        s.get(a.url(), timeout=5)
    assert not b.saw("Authorization")
    assert not a.saw("Authorization")


@pytest.mark.parametrize("front_end", ["Session", "httpx.Client"], indirect=True)
def test_threads_sharing_a_session_never_leak_across_origins(servers, front_end):
    import threading

    a, b = servers
    with _session(front_end, a) as s:

        def work(n):
            for i in range(10):
                target = a if (n + i) % 2 else b
                s.get(target.url(f"/{n}/{i}"), timeout=5)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert len(b.heads) == 40
    assert not b.saw(SECRET)
    assert sum(SECRET.encode() in h for h in a.heads) == 40


@pytest.mark.parametrize(
    "template",
    [
        "https://localhost:{B}\\@localhost:{A}/x",
        "https://localhost:{B}\\@127.0.0.1:{A}/x",
        "//localhost:{B}\\@localhost:{A}/x",
    ],
)
def test_odd_https_url_sends_no_credential_to_the_other_origin(
    recorder, pki, front_end, template
):
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    pki.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    a, b = recorder(context=context), recorder(context=context)
    with front_end.make(
        a.url(host="localhost"), api_key=SECRET, verify=pki.ca_file
    ) as s:
        with contextlib.suppress(Exception):
            s.get(template.format(A=a.port, B=b.port), timeout=5)
        s.get(a.url("/home", host="localhost"), timeout=5)
    # httpx reads "B\@A" as A with user information: then B sees nothing
    assert b.heads or front_end.is_httpx, "the request went to B"
    assert not b.saw(SECRET)
    assert a.saw(SECRET)


# -- a session without a URL looks for a credential per request ------------------


def test_a_session_without_url_sends_a_discovered_token_only_to_its_audience(
    credential_env, monkeypatch, tmp_path, front_end
):
    """Session() (no service URL, the igwn way) with a token for one server
    in BEARER_TOKEN_FILE: sent to that server, never to another one, also
    when the request asks for other claims (the audience stays the
    request's origin)."""
    from pytest_httpserver import HTTPServer

    from requests_gracedb_like.testing import make_jwt

    with HTTPServer(host="127.0.0.1") as ours, HTTPServer(host="127.0.0.1") as evil:
        audience = f"http://127.0.0.1:{ours.port}"
        token = tmp_path / "token"
        token.write_text(
            make_jwt({"aud": audience, "sub": "albert", "scope": "read:/"}) + "\n"
        )
        monkeypatch.setenv("BEARER_TOKEN_FILE", str(token))
        for server in (ours, evil):
            server.expect_request("/x").respond_with_data("ok")
        with front_end.make() as s:
            s.get(ours.url_for("/x"))
            s.get(evil.url_for("/x"))
            if not front_end.is_httpx:  # no per-request claims in httpx
                s.get(evil.url_for("/x"), token_scope="read:/")
        assert ours.log[0][0].headers.get("Authorization", "").startswith("Bearer ")
        assert evil.log
        assert [r.headers.get("Authorization") for r, _ in evil.log] == [None] * len(
            evil.log
        )
