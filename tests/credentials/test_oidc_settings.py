"""Which provider a service URL needs: arguments, environment, file."""

from __future__ import annotations

import pytest

from requests_gracedb_like.credentials.oidc.settings import config_path, settings_for

URL = "https://gracedb.example.org/api/"


def write_config(env, text):
    path = env.home / ".config" / "requests_gracedb_like" / "oidc.ini"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_nothing_configured():
    assert settings_for(URL) is None


def test_longest_matching_section_of_the_file(env):
    path = write_config(
        env,
        "[https://gracedb.example.org/]\nissuer = https://a.example\n"
        "client_id = all\n"
        "[https://gracedb.example.org/api/]\nissuer = https://b.example/\n"
        "client_id = api\nscopes = openid, offline_access gracedb.read\n"
        "audience = https://gracedb.example.org\n"
        "[https://other.example/]\nissuer = https://c.example\nclient_id = c\n",
    )
    found = settings_for(URL + "superevents/")
    assert found.issuer == "https://b.example"
    assert found.client_id == "api"
    assert found.scopes == ("openid", "offline_access", "gracedb.read")
    assert found.audience == "https://gracedb.example.org"
    where = f"{path} [https://gracedb.example.org/api/]"
    assert found.origins == {
        "issuer": where,
        "client_id": where,
        "scopes": where,
        "audience": where,
        "timeout": "default",
    }
    assert settings_for("https://gracedb.example.org/other").client_id == "all"


def test_environment_wins_over_file_and_arguments_over_both(env, monkeypatch):
    write_config(env, f"[{URL}]\nissuer = https://file.example\nclient_id = f\n")
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_ISSUER", "https://env.example")
    found = settings_for(URL)
    assert (found.issuer, found.client_id) == ("https://env.example", "f")
    assert found.origins["issuer"] == "REQUESTS_GRACEDB_LIKE_OIDC_ISSUER"
    assert found.origins["scopes"] == "default"
    assert "issuer https://env.example (from REQUESTS_GRACEDB_LIKE_OIDC_ISSUER)" in (
        found.describe()
    )
    given = settings_for(URL, issuer="https://arg.example", scopes=["a", "b"])
    assert given.issuer == "https://arg.example"
    assert given.scopes == ("a", "b")
    assert given.origins["issuer"] == "argument"


def test_config_path_follows_xdg_and_variable(env, monkeypatch, tmp_path):
    assert config_path() == str(env.home / ".config/requests_gracedb_like/oidc.ini")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_path() == str(tmp_path / "requests_gracedb_like/oidc.ini")
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_CONFIG", str(tmp_path / "x.ini"))
    assert config_path() == str(tmp_path / "x.ini")


@pytest.mark.parametrize(
    "issuer",
    ["http://login.example.org", "ftp://x.example", "https://x.example/?q=1", "nohost"],
)
def test_insecure_or_malformed_issuer_is_refused(monkeypatch, issuer):
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_ISSUER", issuer)
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_ID", "c")
    with pytest.raises(ValueError, match="REQUESTS_GRACEDB_LIKE_OIDC_ISSUER"):
        settings_for(URL)


def test_loopback_http_issuer_is_accepted():
    found = settings_for(URL, issuer="http://127.0.0.1:8080/", client_id="c")
    assert found.issuer == "http://127.0.0.1:8080"


def test_malformed_file_is_named_without_its_content(env):
    path = write_config(env, "issuer = https://secret-looking.example\n")
    with pytest.raises(ValueError, match="OIDC configuration file") as raised:
        settings_for(URL)
    assert str(path) in str(raised.value)
    assert "secret-looking" not in str(raised.value)


def test_provider_timeout_from_argument_environment_or_file(env, monkeypatch):
    path = write_config(
        env, f"[{URL}]\nissuer = https://idp.example\nclient_id = c\ntimeout = 7\n"
    )
    found = settings_for(URL)
    assert found.timeout == 7.0
    assert f"timeout 7 s (from {path} [{URL}])" in found.describe()
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_TIMEOUT", "2.5")
    assert settings_for(URL).timeout == 2.5
    assert settings_for(URL, timeout=1).timeout == 1.0
    monkeypatch.delenv("REQUESTS_GRACEDB_LIKE_OIDC_TIMEOUT")
    write_config(env, f"[{URL}]\nissuer = https://idp.example\nclient_id = c\n")
    found = settings_for(URL)
    assert found.timeout == 30.0
    assert found.origins["timeout"] == "default"
    assert "timeout" not in found.describe()  # not set: not shown


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan", "1e9"])
def test_bad_provider_timeout_names_where_it_came_from(env, monkeypatch, value):
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_ISSUER", "https://idp.example")
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_CLIENT_ID", "c")
    monkeypatch.setenv("REQUESTS_GRACEDB_LIKE_OIDC_TIMEOUT", value)
    with pytest.raises(ValueError, match="number of seconds above 0") as raised:
        settings_for(URL)
    assert "(from REQUESTS_GRACEDB_LIKE_OIDC_TIMEOUT)" in str(raised.value)
