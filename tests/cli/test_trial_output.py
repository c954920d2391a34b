"""Tables fit the terminal in display cells, not code points: a Chinese or Japanese title takes two
cells a character, a combining accent none, so clipping by characters overflowed narrow terminals."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from spiders.sources import Source
from tests.builders import opened_store, statement

SOURCE = Source(id="src", name="Src", publisher="ministry", country="UA", language="en", spider="feed",
                feed_urls=("https://example.org/rss",))
TITLES = (
    "欧洲委员会关于酷刑问题的声明全文欧洲委员会关于酷刑问题的声明全文",
    "Combining e\u0301\u0301 accents in a long title about torture and the Council",
    "Plain title about torture and the Council of Europe that is long enough",
)


def cells(line: str) -> int:
    """Display width as a terminal draws it (East Asian wide: 2 cells; combining and format marks: 0)."""
    width = 0
    for ch in line:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


@pytest.fixture
def wide_db(tmp_path):
    path = tmp_path / "wide.db"
    with opened_store(path, SOURCE) as store:
        for i, title in enumerate(TITLES):
            store.save(statement(f"https://example.org/{i}", f"{title} 酷刑 torture text {i}", title=title,
                                 published_at=datetime(2024, 1, i + 1, tzinfo=UTC)))
    return path


@pytest.mark.parametrize("columns", [50, 60, 80])
def test_search_table_lines_fit_the_terminal_in_display_cells(wide_db, columns):
    result = CliRunner().invoke(cli, ["search", "--db", str(wide_db)], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any("欧洲" in line for line in lines)
    assert [line for line in lines if cells(line) > columns] == []


def test_titles_start_in_the_same_cell_whatever_their_script(wide_db):
    result = CliRunner().invoke(cli, ["search", "--db", str(wide_db)], env={"COLUMNS": "70"})
    rows = [line for line in result.output.splitlines()[1:] if line[:3].strip().isdigit()]
    assert len(rows) == 3
    starts = {cells(line[: line.index("-  ") + 3]) for line in rows}  # the TAGS column is "-" here
    assert len(starts) == 1
    assert all(cells(line) <= 70 for line in rows)
