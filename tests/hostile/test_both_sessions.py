"""Promise: the drop-in (:mod:`requests_gracedb_like.igwn`) keeps every
guarantee of the main Session, and the one-shot functions given
``session=`` keep those of the session they are given.

Each case runs through both sessions and through three ways of calling
them: the session's own method, :func:`requests_gracedb_like.api.get` and
:func:`requests_gracedb_like.igwn.get` with ``session=``.

The requests sessions' only: the drop-in and the one-shot functions are
built on requests. The httpx clients' client certificate stays on the
service's origin (``tests/httpx/test_httpx_client.py``), and their error
bodies are attacked in ``test_error_bodies.py``.
"""

from __future__ import annotations

import pytest
from hostile import bounded_thread, endless, isolated, trickled

import requests_gracedb_like
from requests_gracedb_like import api, igwn
from requests_gracedb_like.exceptions import HTTPError

SESSIONS = {
    "Session": lambda url, **kw: requests_gracedb_like.Session(url, **kw),
    "igwn.Session": lambda url, **kw: igwn.Session(url, **kw),
}

CALLS = {
    "method": lambda s, url, **kw: s.get(url, **kw),
    "api.get": lambda s, url, **kw: api.get(url, session=s, **kw),
    "igwn.get": lambda s, url, **kw: igwn.get(url, session=s, **kw),
}


@pytest.fixture(params=sorted(SESSIONS))
def make_session(request):
    return SESSIONS[request.param]


@pytest.fixture(params=sorted(CALLS))
def call(request):
    return CALLS[request.param]


#: Where the client certificate comes from: the session, made without a
#: service URL (so every origin would get it), or the request itself.
CERT_GIVEN = ["to the session", "to the request"]


# The drop-in warns, as igwn-auth-utils does, when a certificate is used.
@pytest.mark.filterwarnings("ignore:Support for identity-based X.509")
@pytest.mark.parametrize("given", CERT_GIVEN)
def test_no_client_certificate_after_a_redirect_leaves_the_origin(
    tls_server, pki, make_session, call, given
):
    # One server, two origins: 127.0.0.1 and localhost.
    def handler(seen):
        if seen.path == "/start":
            return 302, {"Location": tls_server.url("/end", host="localhost")}, b""
        return 200, {}, b"ok"

    tls_server.handler = handler
    cert = str(pki.client("albert"))
    if given == "to the session":
        session, kwargs = make_session(None, cert=cert), {}
    else:
        session, kwargs = make_session(tls_server.url()), {"cert": cert}
    with session as s:
        s.verify = tls_server.ca_file
        assert call(s, tls_server.url("/start"), timeout=5, **kwargs).text == "ok"
    assert [(r.path, r.client) for r in tls_server.log] == [
        ("/start", "albert"),
        ("/end", None),
    ]


def test_a_redirect_within_the_origin_keeps_the_client_certificate(
    tls_server, pki, make_session
):
    def handler(seen):
        if seen.path == "/start":
            return 302, {"Location": tls_server.url("/end")}, b""
        return 200, {}, b"ok"

    tls_server.handler = handler
    with make_session(tls_server.url(), cert=str(pki.client("albert"))) as s:
        s.verify = tls_server.ca_file
        s.get(tls_server.url("/start"), timeout=5)
        # a new connection for the same origin presents it too
        s.close()
        s.get(tls_server.url("/start"), timeout=5)
    assert [r.client for r in tls_server.log] == ["albert"] * 4


@pytest.mark.parametrize("stream", [False, True])
def test_a_trickled_error_body_raises_the_http_error_in_bounded_time(
    recorder, short_error_reads, make_session, call, stream
):
    server = recorder(trickled(500))
    with make_session(server.url(), force_noauth=True) as s:

        def run():
            with pytest.raises(HTTPError) as info:
                call(s, server.url("/x"), stream=stream, timeout=5)
            info.value.response.close()
            return info.value

        err = bounded_thread(run, seconds=10)
    assert err.response.status_code == 500
    assert "500" in str(err)


#: Run in a subprocess with 1 GiB of address space: a session of the kind
#: given gets an endless chunked 500 body.
_ENDLESS = """
from requests_gracedb_like import Session, igwn
from requests_gracedb_like.exceptions import HTTPError
cls = {{"Session": Session, "igwn.Session": igwn.Session}}[{name!r}]
with cls({url!r}, force_noauth=True) as s:
    try:
        s.get({url!r}, stream={stream!r}, timeout=5)
    except HTTPError as exc:
        result = exc.response.status_code
        exc.response.close()
"""


@pytest.mark.parametrize("name", sorted(SESSIONS))
@pytest.mark.parametrize("stream", [False, True])
def test_an_endless_error_body_raises_the_http_error_in_bounded_memory(
    recorder, name, stream
):
    server = recorder(endless(500))
    code = _ENDLESS.format(name=name, url=server.url("/x"), stream=stream)
    assert isolated(code, seconds=20) == 500
