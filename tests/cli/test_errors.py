"""The CLI's error contract: communique's own errors are one line; anything else is a bug, said as one."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from spiders.errors import CommuniqueError, ConfigError, LexiconError, SourcesError, StorageError


def test_every_error_class_says_when_it_is_raised():
    for cls in (CommuniqueError, ConfigError, SourcesError, LexiconError, StorageError):
        assert cls.__doc__.startswith("Raised when") or cls.__doc__.startswith("Base class: raised")


def test_own_error_is_one_line(tmp_path):
    bad = tmp_path / "sources.toml"
    bad.write_text("[[source]]\nid = 'x'\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["sources", "--sources", str(bad), "--db", str(tmp_path / "db.sqlite")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_a_bug_is_one_line_with_its_traceback_in_a_log(tmp_path, monkeypatch):
    monkeypatch.setenv("COMMUNIQUE_HOME", str(tmp_path))

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("scheduler.commands.query.open_db", broken)
    result = CliRunner().invoke(cli, ["search", "x", "--db", str(tmp_path / "db.sqlite")])
    assert result.exit_code == 1
    line = result.output.strip()
    assert len(line.splitlines()) == 1
    assert "internal error (a bug in communique" in line and "ZeroDivisionError" in line
    log = tmp_path / "logs" / "communique-errors.log"
    assert str(log) in line
    assert "Traceback" in log.read_text(encoding="utf-8") and "ZeroDivisionError" in log.read_text(encoding="utf-8")


def test_debug_shows_the_traceback(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("scheduler.commands.query.open_db", broken)
    result = CliRunner().invoke(cli, ["--debug", "search", "x", "--db", str(tmp_path / "db.sqlite")])
    assert isinstance(result.exception, ZeroDivisionError)


@pytest.mark.parametrize("value", ["many", "0"])
def test_a_bad_environment_value_is_one_line(tmp_path, monkeypatch, value):
    monkeypatch.setenv("COMMUNIQUE_MAX_PAGES", value)
    from spiders import config

    with pytest.raises(ConfigError, match=r"^\$COMMUNIQUE_MAX_PAGES: "):
        config.max_pages()
