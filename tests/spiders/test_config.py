"""The one configuration resolver: where files are, what the environment says."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from scheduler.cli import cli
from spiders import config


def test_shipped_configuration_is_found():
    assert (config.DATA_DIR / "sources.toml").is_file()
    assert (config.DATA_DIR / "lexicon.toml").is_file()
    assert (config.DEMO_DIR / "content.toml").is_file()


def test_state_goes_under_data_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("COMMUNIQUE_HOME", raising=False)
    monkeypatch.delenv("COMMUNIQUE_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert config.db_path() == tmp_path / "data" / "communique.db"
    assert config.demo_db_path() == tmp_path / "data" / "demo.db"


def test_communique_home_and_db_override(tmp_path, monkeypatch):
    monkeypatch.setenv("COMMUNIQUE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COMMUNIQUE_DB", raising=False)
    assert config.db_path() == tmp_path / "home" / "communique.db"
    monkeypatch.setenv("COMMUNIQUE_DB", str(tmp_path / "x.db"))
    assert config.db_path() == tmp_path / "x.db"


def test_empty_variables_count_as_unset(monkeypatch):
    monkeypatch.setenv("COMMUNIQUE_SOURCES", "  ")
    assert config.sources_path() == config.DATA_DIR / "sources.toml"


def test_cli_defaults_are_resolved_when_the_command_runs(tmp_path, monkeypatch):
    """--db's default follows $COMMUNIQUE_DB set after import (one resolver, read late)."""
    db = tmp_path / "late.db"
    monkeypatch.setenv("COMMUNIQUE_DB", str(db))
    result = CliRunner().invoke(cli, ["search", "x"])
    assert result.exit_code == 1
    assert str(db) in result.output  # "no database at …/late.db"


def test_allowed_networks_parse(monkeypatch):
    monkeypatch.setenv("COMMUNIQUE_ALLOWED_NETWORKS", "127.0.0.0/8, ::1/128,")
    assert config.allowed_networks() == ["127.0.0.0/8", "::1/128"]


def test_scrapy_settings_read_the_same_resolver(tmp_path, monkeypatch):
    import importlib

    monkeypatch.setenv("COMMUNIQUE_DB", str(tmp_path / "crawl.db"))
    from spiders import settings

    settings = importlib.reload(settings)
    try:
        assert Path(settings.COMMUNIQUE_DB) == tmp_path / "crawl.db"
        assert settings.COMMUNIQUE_SOURCES == str(config.sources_path())
    finally:
        monkeypatch.undo()
        importlib.reload(settings)
