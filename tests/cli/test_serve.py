"""`communique serve`: the Datasette app serves its pages, its search and its canned queries
(Datasette's own test client, no network)."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.commands.serve import datasette_app
from tests.cli.archive import build_archive, title_of

pytest.importorskip("datasette")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("archive") / "c.db")


def fetch(archive, *paths):
    async def go():
        ds = datasette_app(archive)
        await ds.invoke_startup()
        return [await ds.client.get(p) for p in paths]

    return asyncio.run(go())


def test_pages_search_and_canned_queries(archive):
    home, table, search, latest, timeline, about, view = fetch(
        archive,
        "/",
        "/c/statements",
        "/c/statements.json?_search=torture&_shape=array",
        "/c/latest_coe.json?_shape=array",
        "/c/source_timeline.json?source=mfa-ua-uk&_shape=array",
        "/c/about_body.json?tag=CPT&_shape=array",
        "/c/latest_by_source.json?_shape=array",
    )
    assert home.status_code == 200 and "communique" in home.text
    assert table.status_code == 200 and "Statements" in table.text and 'name="_search"' in table.text
    assert "source" in table.text and "language" in table.text  # the facets
    assert {r["title"] for r in search.json()} == {title_of(7), title_of(8), title_of(9)}
    assert [r["title"] for r in latest.json()][:2] == [title_of(8), title_of(3)]
    assert [r["title"] for r in timeline.json()] == [title_of(3), title_of(2), title_of(1)]
    assert [r["title"] for r in about.json()] == [title_of(8), title_of(7)]
    assert {r["source"]: r["statements"] for r in view.json()}["mid-ru-ru"] == 3


def test_search_in_ukrainian(archive):
    (rows,) = fetch(archive, "/c/statements.json?_search=%D0%84%D0%B2%D1%80%D0%BE%D0%BF%D0%B8&_shape=array")
    assert len(rows.json()) == 3  # «Європи», as written: Datasette searches the index directly


def test_serve_without_a_database_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "none.db")])
    assert result.exit_code != 0 and "no database at" in result.output
    assert len(result.output.strip().splitlines()) == 1
