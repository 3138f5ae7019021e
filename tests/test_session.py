"""The composed Session against a real local server."""

from __future__ import annotations

import inspect
import os
import pickle
import subprocess
import sys
import threading

import pytest
import requests
import time_machine

import requests_gracedb_like
from requests_gracedb_like import Session
from requests_gracedb_like.testing import make_jwt

T0 = 1_900_000_000


def test_exports():
    assert set(requests_gracedb_like.__all__) >= {
        "Session",
        "SessionAuthMixin",
        "SessionErrorMixin",
        "SessionFileMixin",
        "SessionUserAgentMixin",
        "__version__",
    }
    assert isinstance(requests_gracedb_like.__version__, str)


def test_bearer_token_is_sent(httpserver, make_token):
    path = make_token()
    httpserver.expect_request("/").respond_with_data("ok")
    with Session(httpserver.url_for("/"), token=path) as s:
        s.get(httpserver.url_for("/"))
    sent = httpserver.log[0][0].headers["Authorization"]
    assert sent == f"Bearer {path.read_text().strip()}"


def test_basic_auth_is_sent(httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    with Session(username="albert", password="pw") as s:
        s.get(httpserver.url_for("/"))
    assert httpserver.log[0][0].authorization.username == "albert"


def test_force_noauth_sends_no_netrc_credentials(httpserver, env):
    env.write_netrc(
        "machine localhost login albert password pw\n"
        "machine 127.0.0.1 login albert password pw\n"
    )
    httpserver.expect_request("/").respond_with_data("ok")
    with Session(httpserver.url_for("/"), force_noauth=True) as s:
        s.get(httpserver.url_for("/"))
    assert "Authorization" not in httpserver.log[0][0].headers
    # Plain requests would have sent them: the test above is meaningful.
    with requests.Session() as plain:
        plain.get(httpserver.url_for("/"))
    assert "Authorization" in httpserver.log[1][0].headers


def test_no_netrc_behind_discovery_back(httpserver, env):
    """Without a url, discovery finds nothing; requests must not add
    ~/.netrc credentials per request either."""
    env.write_netrc("machine localhost login albert password pw\n")
    httpserver.expect_request("/").respond_with_data("ok")
    with Session() as s:
        s.get(httpserver.url_for("/"))
    assert "Authorization" not in httpserver.log[0][0].headers


def test_redirect_does_not_pick_up_netrc(httpserver, env):
    env.write_netrc("machine localhost login albert password pw\n")
    httpserver.expect_request("/a").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/b")}
    )
    httpserver.expect_request("/b").respond_with_data("ok")
    with Session(force_noauth=True) as s:
        s.get(httpserver.url_for("/a").replace("localhost", "127.0.0.1"))
    assert all("Authorization" not in r.headers for r, _ in httpserver.log)


def test_token_stripped_on_redirect_to_other_host(httpserver, make_token):
    httpserver.expect_request("/a").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/b")}
    )
    httpserver.expect_request("/b").respond_with_data("ok")
    other_host = httpserver.url_for("/a").replace("localhost", "127.0.0.1")
    with Session(token=make_token()) as s:
        s.get(other_host)
    first, second = (r for r, _ in httpserver.log)
    assert "Authorization" in first.headers
    assert "Authorization" not in second.headers


def test_pickle_round_trip_keeps_settings(make_token):
    with Session(
        "https://h.example/",
        token=make_token(),
        auth_reload=True,
        raise_for_status=False,
    ) as s:
        s.headers["X-Custom"] = "1"
        s.hooks["response"].append(print)
        clone = pickle.loads(pickle.dumps(s))
    assert type(clone) is Session
    assert clone.auth == s.auth
    assert clone.auth_source == s.auth_source
    assert clone.headers == s.headers
    assert clone.hooks == s.hooks


def test_context_manager_closes_adapters():
    with Session(force_noauth=True) as s:
        adapter = s.get_adapter("https://h.example/")
        adapter.poolmanager.connection_from_url("https://h.example/")
        assert len(adapter.poolmanager.pools) == 1
    assert len(adapter.poolmanager.pools) == 0


def test_import_changes_nothing_in_requests():
    code = (
        "import requests, requests.sessions as rs, requests.auth as ra;"
        "before = (rs.Session.__attrs__[:], dict(vars(rs.Session)), "
        "dict(vars(ra)), requests.utils.get_netrc_auth);"
        "import requests_gracedb_like;"
        "after = (rs.Session.__attrs__[:], dict(vars(rs.Session)), "
        "dict(vars(ra)), requests.utils.get_netrc_auth);"
        "assert before == after, 'requests was modified';"
        "import sys; heavy = {'cryptography', 'jwt', 'scitokens'} & set(sys.modules);"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_threads_share_session_across_rotation(httpserver, tmp_path):
    path = tmp_path / "tok"
    tokens = [make_jwt({"n": i}, now=T0 + 400 * i, lifetime=600) for i in range(3)]
    path.write_text(tokens[0])
    httpserver.expect_request("/").respond_with_data("ok")
    with time_machine.travel(T0, tick=False) as clock:
        s = Session(httpserver.url_for("/"), token=path, auth_reload=True)
        errors = []

        def worker():
            try:
                for _ in range(10):
                    s.get(httpserver.url_for("/"))
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        for step in range(3):
            if step:
                tmp = tmp_path / "tok.new"
                tmp.write_text(tokens[step])
                os.replace(tmp, path)
                clock.move_to(T0 + 400 * step)
            threads = [threading.Thread(target=worker) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        s.close()
    assert errors == []
    sent = [r.headers["Authorization"] for r, _ in httpserver.log]
    assert len(sent) == 240
    for step in range(3):
        batch = sent[80 * step : 80 * (step + 1)]
        assert set(batch) == {f"Bearer {tokens[step]}"}


def _mixin_options() -> dict[str, inspect.Parameter]:
    """Every keyword option of the mixins composed in Session."""
    options: dict[str, inspect.Parameter] = {}
    for cls in Session.__mro__[1:]:
        init = vars(cls).get("__init__")
        if init is None or not cls.__module__.startswith("requests_gracedb_like"):
            continue
        for name, param in inspect.signature(init).parameters.items():
            if name != "self" and param.kind is not param.VAR_KEYWORD:
                options.setdefault(name, param)
    return options


def test_session_lists_every_mixin_option_with_its_default():
    # A mixin option missing here could not be passed to Session at all.
    listed = dict(inspect.signature(Session.__init__).parameters)
    del listed["self"]
    options = _mixin_options()
    missing = sorted(set(options) - set(listed))
    assert not missing, f"add {missing} to Session.__init__ in session.py"
    assert sorted(set(listed) - set(options)) == []
    for name, param in listed.items():
        assert param.default == options[name].default, name
        expected = param.POSITIONAL_OR_KEYWORD if name == "url" else param.KEYWORD_ONLY
        assert param.kind is expected, name
        assert param.annotation is not param.empty, name
        assert f"{name} :" in Session.__doc__ or f"{name}," in Session.__doc__, name


def test_misspelt_option_names_session():
    with pytest.raises(TypeError, match="unexpected keyword argument 'tokn'") as info:
        Session("https://gracedb.example.org/api/", tokn="/tmp/token")
    assert str(info.value).startswith("Session.__init__()")


# -- Session.__init__ runs the mixins' chain ------------------------------------


class _Recorder:
    """A user's mixin with options of its own."""

    def __init__(self, *, note: str = "", **kwargs):
        super().__init__(**kwargs)
        self.note = note


class _AfterSession(Session, _Recorder):
    pass


class _BeforeSession(_Recorder, Session):
    pass


@pytest.mark.parametrize("cls", [_AfterSession, _BeforeSession])
def test_a_users_mixin_anywhere_in_the_mro_is_initialised(env, cls):
    with cls(url="https://gracedb.example.org/api/", force_noauth=True, timeout=5) as s:
        assert s.note == ""
        assert s.timeout == 5.0
        assert s.base_url == "https://gracedb.example.org/api/"
    if cls is _BeforeSession:  # after Session, Session's signature is the one
        with cls(force_noauth=True, note="x") as s:
            assert s.note == "x"
