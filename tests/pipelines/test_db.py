import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pipelines.db import StorageError, fts_query, migrations, open_db
from pipelines.dedup import canonical_url, fingerprint
from spiders.errors import QueryError
from spiders.sources import Source
from tests.builders import opened_store, statement

SOURCE = Source(id="src", name="Src", publisher="ministry", country="UA", language="en", spider="feed",
                feed_urls=("https://example.org/rss",))


class Tag:
    def __init__(self, tag, score, evidence):
        self.tag, self.score, self.evidence = tag, score, evidence

    def to_dict(self):
        return {"tag": self.tag, "score": self.score, "evidence": self.evidence}


def item(url, text, title="A title", tags=()):
    return statement(url, text, title=title, tags=tags,
                     published_at=datetime(2024, 10, 10, 11, 4, tzinfo=ZoneInfo("Europe/Moscow")))


@pytest.fixture
def store(tmp_path):
    with opened_store(tmp_path / "c.db", SOURCE) as s:
        yield s


def test_migrations_are_idempotent(tmp_path):
    path = tmp_path / "m.db"
    open_db(path).close()
    store = open_db(path)  # second apply: nothing pending, nothing fails
    assert migrations.pending(store.db) == []
    names = set(store.db.table_names())
    assert {"sources", "statements", "sightings", "statement_tags", "crawl_runs", "alerts", "statements_fts"} <= names
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


def test_save_new_known_and_sighting(store):
    text = "The Committee of Ministers of the Council of Europe decided today. " * 5
    evidence = [{"term": "Council of Europe", "start": 33, "end": 50, "snippet": "...", "field": "text"}]
    outcome, sid = store.save(item("https://example.org/a?utm_source=x", text, tags=[Tag("coe", 0.9, evidence)]), "run1")
    assert outcome == "new"
    assert store.save(item("https://example.org/a", text), "run2")[0] == "known"
    outcome2, sid2 = store.save(item("https://news.example.com/copy", text, title="Republished"), "run2")
    assert (outcome2, sid2) == ("sighting", sid)
    row = store.get_statement(sid)
    assert [s["url"] for s in row["sightings"]] == ["https://example.org/a?utm_source=x", "https://news.example.com/copy"]
    assert row["tags"] == ["coe"] and row["evidence"]["coe"]["evidence"][0]["term"] == "Council of Europe"
    assert row["published_at"] == "2024-10-10T08:04:00+00:00"
    assert row["published_local"] == "2024-10-10T11:04:00+03:00"
    assert store.run_counts("run1") == (1, 0) and store.run_counts("run2") == (0, 1)


def test_search_filters_and_fts(store):
    store.save(item("https://example.org/1", "The CPT visited places of detention to prevent torture. " * 4,
                    title="CPT visit", tags=[Tag("coe", 0.8, []), Tag("cpt", 0.8, [])]))
    store.save(item("https://example.org/2", "Grain exports through the Black Sea corridor continued. " * 4,
                    title="Grain"))
    assert [r["title"] for r in store.search("torture")] == ["CPT visit"]
    assert [r["title"] for r in store.search("tortu*")] == ["CPT visit"]
    assert [r["title"] for r in store.search(tag="coe")] == ["CPT visit"]
    assert store.search(tag="coe", min_score=0.95) == []
    assert {r["title"] for r in store.search(language="en")} == {"CPT visit", "Grain"}
    assert store.search(source="other") == []
    assert len(store.search(since="2024-10-10T00:00:00+00:00", until="2024-10-11T00:00:00+00:00")) == 2
    assert store.search(since="2024-10-11T00:00:00+00:00") == []
    hit = store.search("torture")[0]
    assert hit["tags"] == ["coe", "cpt"]
    # FTS syntax a user clearly wrote is kept; malformed, it is one QueryError line.
    assert {r["title"] for r in store.search('torture OR grain')} == {"CPT visit", "Grain"}
    with pytest.raises(QueryError) as err:
        store.search('torture" OR (')
    assert "\n" not in str(err.value)
    assert [r["title"] for r in store.search("torture, (CPT)!")] == ["CPT visit"]  # punctuation stays words


def test_fts_query_quotes_words():
    assert fts_query('Council "of" Europe*') == '"Council" AND "of" AND "Europe"*'


def test_unwritable_path_is_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError) as err:
        open_db(blocker / "sub" / "c.db")
    assert "cannot open database" in str(err.value) and "\n" not in str(err.value)


def test_not_a_database(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError):
        open_db(path)


def test_a_failed_write_loses_nothing_stored(store):
    store.save(item("https://example.org/1", "First statement text that is stored. " * 6))
    with pytest.raises(sqlite3.IntegrityError), store.write() as db:
        db.execute("INSERT INTO statements (source, url, canonical_url, title, text, fingerprint, first_seen_at)"
                   " VALUES ('src', 'u', 'u', 't', 'x', 'f', 'now')")
        db.execute("INSERT INTO sightings (statement_id, source, url, canonical_url, first_seen_at, last_seen_at)"
                   " VALUES (999999, 'src', 'u', 'u', 'n', 'n')")  # foreign key violation
    assert store.stats()["statements"] == 1


def test_runs(store):
    store.start_run("r1", "src")
    assert store.get_run("r1")["status"] == "running"
    store.finish_run("r1", "blocked", "HTTP 403 at x", pages=1, errors=1)
    row = store.get_run("r1")
    assert (row["status"], row["pages"], row["errors"], row["message"]) == ("blocked", 1, 1, "HTTP 403 at x")
    assert store.source_overview()[0]["last_status"] == "blocked"


def _open_and_close(path):
    open_db(path).close()
    return "ok"


def test_several_processes_open_a_new_database_at_once(tmp_path):
    """Two crawls starting on a fresh machine must not both try to create the tables."""
    from concurrent.futures import ProcessPoolExecutor

    for trial in range(5):
        path = tmp_path / f"race{trial}.db"
        with ProcessPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(_open_and_close, [path] * 4))
        assert results == ["ok"] * 4
        store = open_db(path)
        assert migrations.pending(store.db) == []
        store.close()


def test_redirect_aliases_are_known(store):
    st = item("https://example.org/news/1/", "A statement that was reached through a redirect. " * 5)
    st.aliases = [canonical_url("https://example.org/news/1")]
    assert store.save(st)[0] == "new"
    assert store.is_known_url(canonical_url("https://example.org/news/1"))
    assert store.save(st)[0] == "known"


def test_search_by_source_includes_republications(store):
    store.upsert_sources([Source(id="news", name="News", publisher="news", country="UA", language="en",
                                 spider="feed", feed_urls=("https://news.example/rss",))])
    text = "The ministry's statement, republished word for word by a news agency. " * 4
    first = item("https://news.example/a", text)
    first.source = "news"
    store.save(first)
    ministry = item("https://example.org/statement", text)
    assert store.save(ministry)[0] == "sighting"
    assert [r["url"] for r in store.search(source="src")] == ["https://news.example/a"]


def test_short_texts_on_different_days_are_different_statements(store):
    a = item("https://example.org/v1", "Video of the briefing.", title="Briefing video")
    b = item("https://example.org/v2", "Video of the briefing.", title="Briefing video")
    b.published_at = datetime(2024, 10, 17, 11, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    b.fingerprint = fingerprint(b.title, b.text, b.published_at)
    a.fingerprint = fingerprint(a.title, a.text, a.published_at)
    assert store.save(a)[0] == "new" and store.save(b)[0] == "new"
