"""Reading commands never write: search, show and sources open the database read-only and
refuse a file that is not communique's, in one line, leaving it byte-identical."""


import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from spiders.sources import Source
from tests.builders import digest, foreign_sqlite, one_statement_db

SOURCE = Source(id="src", name="Src", publisher="ministry", country="UA", language="en", spider="feed",
                feed_urls=("https://example.org/rss",))
REGISTRY = """
[[source]]
id = "src"
name = "Src"
publisher = "ministry"
country = "UA"
language = "en"
spider = "feed"
feed_urls = ["https://example.org/rss"]
"""


def files(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def foreign(tmp_path):
    return foreign_sqlite(tmp_path / "browser-history.sqlite")


@pytest.mark.parametrize("args", [["search", "torture"], ["show", "1"], ["sources"]])
def test_reading_commands_refuse_a_foreign_file_untouched(tmp_path, foreign, args):
    (tmp_path / "sources.toml").write_text(REGISTRY, encoding="utf-8")
    extra = ["--sources", str(tmp_path / "sources.toml")] if args[0] == "sources" else []
    before, listing = digest(foreign), files(tmp_path)
    result = CliRunner().invoke(cli, [*args, "--db", str(foreign), *extra])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {foreign} is not a communique database (left untouched)"
    assert digest(foreign) == before
    assert files(tmp_path) == listing  # no -wal, -shm or -journal beside it


def test_crawl_refuses_a_foreign_file_untouched(tmp_path, foreign):
    (tmp_path / "sources.toml").write_text(REGISTRY, encoding="utf-8")
    before = digest(foreign)
    result = CliRunner().invoke(cli, ["crawl", "--db", str(foreign), "--sources", str(tmp_path / "sources.toml")])
    assert result.exit_code == 1 and "is not a communique database" in result.output
    assert digest(foreign) == before


def test_search_and_show_leave_the_database_byte_identical(tmp_path):
    path = one_statement_db(tmp_path / "c.db", SOURCE)
    before = digest(path)
    found = CliRunner().invoke(cli, ["search", "torture", "--db", str(path), "--format", "json"])
    assert found.exit_code == 0 and "Torture report" in found.output
    shown = CliRunner().invoke(cli, ["show", "1", "--db", str(path)])
    assert shown.exit_code == 0 and "Torture report" in shown.output
    assert digest(path) == before
