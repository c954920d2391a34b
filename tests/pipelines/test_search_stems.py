"""The stemmed index (migration 0010): Ukrainian and Russian queries find every case form
through it, it follows every save, edit and delete, and an older database gets it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipelines import stem_index
from pipelines.db import SNIPPET_MARKS, open_db
from pipelines.fts import stemmed_text
from pipelines.search_plan import SearchPlan
from spiders.sources import Source
from tests.builders import statement

ROOT = Path(__file__).resolve().parents[2]

SOURCE = Source(id="mfa-ua-uk", name="MFA of Ukraine", publisher="ministry", country="UA", language="uk",
                spider="feed", feed_urls=("https://mfa.example/rss",))
OPEN, CLOSE = SNIPPET_MARKS
TEXTS = {  # id: (title, text, language)
    1: ("Заява", "Україна при Раді Європи висловила позицію.", "uk"),
    2: ("Заява", "Зустріч з Радою Європи відбулася у Страсбурзі.", "uk"),
    3: ("Рада Європи", "Комітет міністрів ухвалив рішення.", "uk"),
    4: ("Заявление", "Россия вышла из Совета Европы в марте.", "ru"),
    5: ("Заявление", "Министр выступил в Совете Европы и говорил о Советом Европы принятых мерах.", "ru"),
    6: ("Заявление", "Европейский совет собрался в Брюсселе.", "ru"),  # the European Council: not «Совет Европы»
    7: ("Statement", "The Council of Europe and the European Court of Human Rights.", "en"),
    8: ("Заявление", "Делегация России заявила о позиции России.", "ru"),
}


def _save(store, n: int, title: str, text: str, language: str = "uk"):
    item = statement(f"https://mfa.example/{n}", text, title=title, source=SOURCE.id, language=language,
                     published_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=n))
    return store.save(item)


@pytest.fixture()
def store(tmp_path):
    store = open_db(tmp_path / "s.db")
    store.upsert_sources([SOURCE])
    for n, (title, text, language) in TEXTS.items():
        _save(store, n, title, text, language)
    yield store
    store.close()


def _ids(store, query, **kw):
    return sorted(r["id"] for r in store.search(query, limit=100, **kw))


def _stemmed_rows(store, word: str) -> list[int]:
    """The statements the stemmed index itself holds the word's stem for (bare FTS5, no search plan)."""
    return [r[0] for r in store.db.execute(
        "SELECT rowid FROM statements_stems WHERE statements_stems MATCH ? ORDER BY rowid", [f'"{stemmed_text(word)}"'])]


@pytest.mark.parametrize("query, expected", [
    ("Рада Європи", [1, 2, 3]),
    ("Радою Європи", [1, 2, 3]),
    ("Ради Європи", [1, 2, 3]),
    ("Совет Европы", [4, 5]),
    ("Советом Европы", [4, 5]),
    ("Совета Европы", [4, 5]),
    ("Россия", [4, 8]),  # «России» too: Snowball cuts -ия and -ии alike
])
def test_inflected_queries_find_every_form_through_the_stemmed_index(store, query, expected):
    assert SearchPlan(store, query).index == "statements_stems"
    for sort in ("relevance", "date"):
        assert _ids(store, query, sort=sort) == expected
    assert store.count_matches(query) == len(expected)


def test_europe_is_not_european(store):
    """«Европы» is not «Европейский»: statement 6 (the European Council) has «совет» but no «Европы»."""
    assert 6 not in _ids(store, "Совет Европы")
    assert _ids(store, "Европейский") == [6]


def test_snippets_mark_the_forms_found(store):
    rows = {r["id"]: r["snippet"] for r in store.search("Рада Європи", sort="relevance")}
    assert f"{OPEN}Раді{CLOSE} {OPEN}Європи{CLOSE}" in rows[1]
    assert f"{OPEN}Радою{CLOSE} {OPEN}Європи{CLOSE}" in rows[2]
    rows = {r["id"]: r["snippet"] for r in store.search("Совет Европы", sort="relevance")}
    assert f"{OPEN}Совете{CLOSE} {OPEN}Европы{CLOSE}" in rows[5] and f"{OPEN}Советом{CLOSE}" in rows[5]


def test_a_title_outweighs_the_text(store):
    """bm25 in the stemmed index weighs a title word ten text words, as the main index does."""
    assert store.search("Рада Європи", sort="relevance")[0]["id"] == 3


@pytest.mark.parametrize("query", ['"Рада Європи"', "Рад*", "ПАРЄ Ради", "Рада Europe"])
def test_what_the_stemmed_index_cannot_say_is_asked_of_the_main_index(store, query):
    """A quoted phrase, a prefix, an abbreviation or a word in another script: the main index,
    in case forms as before."""
    assert SearchPlan(store, query).index == "statements_fts"
    store.search(query)  # no error


def test_saved_edited_and_deleted_statements_keep_the_stemmed_index_right(store):
    assert _stemmed_rows(store, "Страсбурзі") == [2]
    # an edit (a revision of the same page): the old words leave the index, the new ones enter
    outcome, sid = _save(store, 2, "Заява", "Зустріч з Радою Європи відбулася у Києві.")
    assert (outcome, sid) == ("revision", 2)
    assert _stemmed_rows(store, "Страсбурзі") == []
    assert _stemmed_rows(store, "Києві") == [2]
    assert _ids(store, "Києва") == [2]
    assert _ids(store, "Страсбурзі") == []
    # a statement edited twice before its stems are caught up: the first note says what the index holds
    with store.write() as db:
        db.execute("UPDATE statements SET text = 'Засідання у Відні' WHERE id = 1")
        db.execute("UPDATE statements SET text = 'Засідання у Женеві' WHERE id = 1")
    assert _stemmed_rows(store, "Відні") == [] and _stemmed_rows(store, "Женеві") == [1]
    assert _ids(store, "Рада Європи") == [2, 3]
    # deleted (by hand: communique itself never deletes a statement)
    other = sqlite3.connect(store.path)
    other.execute("DELETE FROM statements WHERE id = 3")
    other.commit()
    other.close()
    assert _ids(store, "Рада Європи") == [2]  # the main index meanwhile
    with store.write():
        pass
    assert store.stems_current()
    assert _ids(store, "Рада Європи") == [2]
    assert _stemmed_rows(store, "Комітет") == []
    # a statement without Cyrillic words has no row; editing it into Cyrillic gives it one
    with store.write() as db:
        db.execute("UPDATE statements SET text = 'Рада Європи засудила.' WHERE id = 7")
    assert _ids(store, "Ради Європи") == [2, 7]
    assert store.db.execute("SELECT count(*) FROM stems_pending").fetchone()[0] == 0
    store.db.execute("INSERT INTO statements_stems (statements_stems, rank) VALUES ('integrity-check', 0)")  # raises if corrupt


def test_a_statement_written_by_another_program_is_found_before_it_is_stemmed(store, tmp_path):
    """sqlite3 or Datasette write no stems: the triggers note the statement, searches read the
    main index meanwhile, and the storage API's next write transaction stems it."""
    other = sqlite3.connect(store.path)
    other.execute(
        "INSERT INTO statements (id, source, url, canonical_url, title, text, fingerprint, first_seen_at) "
        "VALUES (20, ?, 'https://mfa.example/20', 'https://mfa.example/20', 'Заява', 'Делегація Ради Європи.', "
        "'f20', '2024-05-01T00:00:00+00:00')", [SOURCE.id])
    other.commit()
    other.close()
    assert not store.stems_current()
    assert SearchPlan(store, "Рада Європи").index == "statements_fts"
    assert _ids(store, "Рада Європи") == [1, 2, 3, 20]
    with store.write():
        pass  # any write of the storage API
    assert store.stems_current()
    assert SearchPlan(store, "Рада Європи").index == "statements_stems"
    assert _ids(store, "Рада Європи") == [1, 2, 3, 20]


def _as_before_0010(path):
    """The database as communique wrote it before migration 0010 (0001-0009 only)."""
    conn = sqlite3.connect(path)
    for trigger in ("statements_stems_ai", "statements_stems_au", "statements_stems_ad"):
        conn.execute(f"DROP TRIGGER {trigger}")
    for table in ("statements_stems", "stems_pending", "stems_state"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0010_stemmed_search'")
    conn.commit()
    conn.close()


def test_an_older_database_gets_its_stems_when_opened_for_writing(tmp_path):
    path = tmp_path / "old.db"
    store = open_db(path)
    store.upsert_sources([SOURCE])
    for n, (title, text, language) in TEXTS.items():
        _save(store, n, title, text, language)
    store.close()
    _as_before_0010(path)
    with pytest.raises(Exception, match="older communique"):
        open_db(path, readonly=True)
    store = open_db(path)  # a writing command migrates it
    try:
        assert store.stems_current()
        assert SearchPlan(store, "Совет Европы").index == "statements_stems"
        assert _ids(store, "Совета Европы") == [4, 5]
        assert _ids(store, "Радою Європи") == [1, 2, 3]
    finally:
        store.close()
    reader = open_db(path, readonly=True)
    try:
        assert _ids(reader, "Раді Європи") == [1, 2, 3]
    finally:
        reader.close()


def test_another_stemmer_rebuilds_the_stemmed_index(store, monkeypatch):
    """A PyStemmer release that cuts words otherwise: readers use the main index until a writer
    opens the database and cuts every statement again."""
    with store.write() as db:
        db.execute("UPDATE stems_state SET stemmer = 'an older stemmer'")
    assert not store.stems_current()
    assert _ids(store, "Рада Європи") == [1, 2, 3]  # from the main index meanwhile
    again = open_db(store.path)
    try:
        assert again.stems_current()
        assert _ids(again, "Рада Європи") == [1, 2, 3]
        assert _stemmed_rows(again, "Страсбурзі") == [2]
    finally:
        again.close()
    assert stem_index.needs_check(store.db.conn) is False


def test_every_process_names_the_stemmer_alike():
    """The stemmer's fingerprint must not depend on Python's per-process string hashing, or each
    process would find the index cut by "another" stemmer and rebuild it."""
    code = "from pipelines import stem_index; print(stem_index.stemmer_id())"
    ids = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                          env={"PYTHONHASHSEED": seed}).stdout.strip() for seed in ("1", "2", "3")}
    assert ids == {stem_index.stemmer_id()}


def test_tools_that_count_every_table_can_count_the_stemmed_index(store):
    """`sqlite-utils tables --counts` and `datasette inspect` count every table: a contentless
    index without its per-statement lengths (columnsize=0) could not be counted at all."""
    cyrillic = sum(1 for title, text, _ in TEXTS.values() if stemmed_text(title + " " + text))
    assert store.db.execute("SELECT count(*) FROM statements_stems").fetchone()[0] == cyrillic == 7
