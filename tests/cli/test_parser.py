"""The argument parser of the command line, in-process."""

from __future__ import annotations

import pytest

from requests_gracedb_like.cli import main


def usage_error(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def test_a_mistyped_option_is_named_alone_with_the_command_help(capsys):
    err = usage_error(capsys, "get", "--outptu", "x.json", "https://example.org/")
    assert err == (
        "requests-gracedb-like get: error: unrecognized option --outptu; did you "
        "mean --output? (see 'requests-gracedb-like get --help')\n"
    )


def test_an_unknown_option_never_shows_its_value(capsys):
    err = usage_error(capsys, "auth", "https://example.org/", "--tokn=s3cr3t")
    assert "unrecognized option --tokn;" in err
    assert "s3cr3t" not in err
    assert "(see 'requests-gracedb-like auth --help')" in err


def test_a_stray_argument_is_still_named(capsys):
    err = usage_error(capsys, "delete", "https://example.org/", "extra")
    assert "requests-gracedb-like delete: error: unrecognized arguments: extra" in err
