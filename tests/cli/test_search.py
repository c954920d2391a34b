"""`communique search` on an archive stored through the storage API: results, order, every
filter, paging, formats that parse back, errors as one line, Ukrainian and Russian case forms."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

import pipelines.db
import pipelines.search_plan
from pipelines.db import open_db
from scheduler.cli import cli
from tests.cli.archive import build_archive, title_of


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("archive") / "c.db")


def run(archive, *args):
    result = CliRunner().invoke(cli, ["search", *args, "--db", str(archive)])
    return result


def titles(archive, *args) -> list[str]:
    result = run(archive, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return [r["title"] for r in json.loads(result.output)]


def test_without_a_query_newest_first(archive):
    assert titles(archive) == [title_of(n) for n in (9, 8, 6, 3, 5, 7, 4, 2, 1)]


def test_query_by_relevance_then_by_date(archive):
    # The title match and the text that says "torture" twice come before a passing mention.
    by_relevance = titles(archive, "torture")
    assert by_relevance[-1] == title_of(9) and set(by_relevance) == {title_of(7), title_of(8), title_of(9)}
    assert titles(archive, "torture", "--sort", "date") == [title_of(9), title_of(8), title_of(7)]


def test_snippets_mark_the_query_words(archive):
    rows = json.loads(run(archive, "detention", "--format", "json").output)
    assert rows[0]["snippet"].count("**detention**") == 1
    assert "**" not in run(archive, "detention").output  # a table on a non-terminal: plain words


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--tag", "cpt"], [8, 7]),
        (["--tag", "COE", "--lang", "RU"], [5, 4]),
        (["--source", "mid-ru-ru"], [6, 5, 4]),
        (["--source", "News-UA-EN"], [9, 7]),  # 7 was republished there
        (["--country", "ua"], [9, 3, 2, 1]),
        (["--country", "FR"], [8, 7]),
        (["--publisher", "intergovernmental"], [8, 7]),
        (["--lang", "fr"], [8]),
        (["--since", "2025-02-03", "--until", "2025-04-01"], [6, 3]),
        (["--tag", "coe", "--since", "2025-01-01"], [8, 3, 5]),
        (["--tag", "coe", "--min-score", "0.9"], [8, 7, 4, 1]),
        (["--tag", "coe", "--about"], [8, 3, 7, 4, 2, 1]),
        (["--min-score", "0.85"], [8, 7, 4, 1]),
        (["torture", "--tag", "cpt", "--sort", "date"], [8, 7]),
        (["Europe", "--lang", "en"], []),
    ],
)
def test_filters(archive, args, expected):
    assert titles(archive, *args) == [title_of(n) for n in expected]


def test_ukrainian_case_forms(archive):
    for query in ("Рада Європи", "Ради Європи", "Раді Європи", "Радою Європи", "рада європи"):
        assert set(titles(archive, query)) == {title_of(1), title_of(2), title_of(3)}, query


def test_russian_case_forms_and_not_the_european_council(archive):
    for query in ("Совет Европы", "Совета Европы", "Совете Европы", "Советом Европы"):
        assert set(titles(archive, query)) == {title_of(4), title_of(5)}, query
    assert titles(archive, '"Совета Европы"') == [title_of(4)]  # a quoted phrase is exact
    assert titles(archive, "Европейский совет") == [title_of(6)]


def test_fts_operators(archive):
    # Diacritics are folded: détention finds detention too.
    assert set(titles(archive, "grain OR détention")) == {title_of(7), title_of(8), title_of(9)}
    assert set(titles(archive, "torture NOT grain")) == {title_of(7), title_of(8)}
    assert set(titles(archive, "torture*", "--lang", "fr")) == {title_of(8)}


def test_paging_and_footer(archive):
    first = run(archive, "--limit", "2")
    assert first.output.splitlines()[0].split() == ["ID", "DATE", "SOURCE", "LANG", "TAGS", "TITLE"]
    assert first.output.strip().endswith("2 of 9 — --limit/--offset for more")
    second = run(archive, "--limit", "2", "--offset", "2")
    assert "3–4 of 9 — --limit/--offset for more" in second.output
    assert title_of(3) in second.output and title_of(9) not in second.output
    last = run(archive, "--limit", "5", "--offset", "5")
    assert last.output.strip().endswith("6–9 of 9")
    assert "of 9" not in run(archive).output  # everything shown: no footer
    assert titles(archive, "--limit", "2", "--offset", "2") == [title_of(6), title_of(3)]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--tag", "nato"], ["unknown tag 'nato'", "coe", "cpt", "echr_court"]),
        (["--source", "mfa-xx"], ["unknown source 'mfa-xx'", "mid-ru-ru", "news-ua-en"]),
        (["--lang", "pl"], ["unknown language 'pl'", "en, fr, ru, uk"]),
        (["--country", "ZZ"], ["unknown country 'ZZ'", "FR, RU, UA"]),
        (["--publisher", "blog"], ["unknown publisher 'blog'", "intergovernmental, ministry, news"]),
        (['torture" OR ('], ["cannot search for"]),
        (["(torture"], ["cannot search for"]),
        (["--sort", "relevance"], ["--sort relevance needs a QUERY"]),
        (["--since", "last week"], ["--since"]),
    ],
)
def test_bad_input_is_one_line(archive, args, words):
    result = run(archive, *args)
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    for word in words:
        assert word in lines[0]


def test_every_format_parses_back(archive):
    table = run(archive, "torture", "--format", "json")
    rows = json.loads(table.output)
    ndjson = [json.loads(line) for line in run(archive, "torture", "--format", "ndjson").output.splitlines()]
    assert [r["id"] for r in ndjson] == [r["id"] for r in rows]
    parsed = list(csv.DictReader(io.StringIO(run(archive, "torture", "--format", "csv").output)))
    assert [int(r["id"]) for r in parsed] == [r["id"] for r in rows]
    assert parsed[0]["snippet"] == rows[0]["snippet"] and "**torture**" in parsed[0]["snippet"].lower()
    assert parsed[0]["tags"] == " ".join(rows[0]["tags"])


def test_both_date_plans_agree(archive, monkeypatch):
    """A rare query reads its matches' dates; a common one lists its matches and walks the date
    index; one found everywhere walks the date index asking about each statement. Same answer."""
    store = open_db(archive, create=False)
    try:
        for query, kw in (("Європи", {}), ("torture", {"tag": "coe"}), ("Совет Европы", {}),
                          ("torture", {"language": "en"}), ("the", {"since": "2024-12-01T00:00:00+00:00"})):
            answers = []
            for dense_matches, dense_share in ((10**9, 20), (1, 1), (1, 10**9)):  # few, common, everywhere
                monkeypatch.setattr(pipelines.search_plan, "DENSE_MATCHES", dense_matches)
                monkeypatch.setattr(pipelines.search_plan, "DENSE_SHARE", dense_share)
                answers.append([(r["id"], r["snippet"]) for r in store.search(query, sort="date", **kw)])
            sparse, medium, dense = answers
            assert sparse == medium == dense and sparse, (query, kw)
            assert all(pipelines.db.SNIPPET_MARKS[0] in snippet for _, snippet in dense if "torture" in query)
    finally:
        store.close()


def test_relevance_ranks_the_newest_matches_when_there_are_very_many(archive, monkeypatch):
    store = open_db(archive, create=False)
    try:
        everything = {r["id"] for r in store.search("Європи", sort="relevance")}
        assert len(everything) == 3
        monkeypatch.setattr(pipelines.search_plan, "RANK_WINDOW", 2)
        assert {r["id"] for r in store.search("Європи", sort="relevance")} == set(sorted(everything)[-2:])
        assert {r["id"] for r in store.search("Європи", sort="relevance", language="uk")} == everything  # filters: all ranked
        assert store.count_matches("Європи") == 3
    finally:
        store.close()


def test_tag_and_source_dates_follow_a_changed_publication_date(archive, tmp_path):
    """statement_tags.sort_at and sightings.sort_at are kept by triggers: a corrected date
    reorders tag and source listings."""
    path = build_archive(tmp_path / "copy.db")
    store = open_db(path)
    try:
        oldest = store.search(tag="coe")[-1]
        with store.write() as db:
            db.execute("UPDATE statements SET published_at = '2026-01-01T00:00:00+00:00' WHERE id = ?",
                       [oldest["id"]])
        assert store.search(tag="coe")[0]["id"] == oldest["id"]
        assert store.search(source="mfa-ua-uk")[0]["id"] == oldest["id"]  # sightings.sort_at too
        assert [r["id"] for r in store.search(source="news-ua-en", since="2024-11-15")] == [9, 7]
        assert store.count_matches(tag="coe") == 7 and store.count_matches(tag="coe", cap=3) == 3
    finally:
        store.close()
