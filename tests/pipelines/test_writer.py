"""The store stage's batches, on a real SQLite file: a waiting statement is known, a batch is
all or none, nothing is stored twice, and what a crash loses is not known (so it is read again)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipelines.db import open_db
from pipelines.dedup import dedup
from pipelines.writer import StatementWriter
from spiders.errors import StorageError
from spiders.items import Statement
from spiders.sources import Source

SOURCE = Source(id="src", name="Src", publisher="ministry", country="UA", language="en", spider="feed",
                feed_urls=("https://example.org/rss",))
TEXT = "The Committee of Ministers of the Council of Europe adopted a declaration on the matter today. " * 4


def statement(n: int, text: str | None = None, source: str = "src", aliases=()) -> Statement:
    item = Statement(source=source, url=f"https://example.org/news/{n}/?utm_source=x", title=f"Title {n}",
                     text=text or f"Statement number {n}. " + TEXT, language="en",
                     fetched_at=datetime(2024, 10, 10, tzinfo=UTC), aliases=list(aliases))
    return dedup(item, stored_fingerprint=lambda url: None)


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "c.db"
    with open_db(path) as store:
        store.upsert_sources([SOURCE])
    return path


def stored_urls(path) -> list[str]:
    with open_db(path) as store:
        return [r["canonical_url"] for r in store.db.query("SELECT canonical_url FROM sightings ORDER BY id")]


def test_a_waiting_statement_is_known_before_it_is_written(db_path):
    outcomes = []
    with open_db(db_path) as store:
        writer = StatementWriter(store, "run-1", batch_size=3, max_age_s=3600, on_saved=outcomes.append)
        writer.add(statement(1, aliases=["https://example.org/old/1"]))
        writer.add(statement(2))
        assert stored_urls(db_path) == []  # nothing written yet ...
        assert writer.is_known("https://example.org/news/1")  # ... yet known, address and alias,
        assert writer.is_known("https://example.org/old/1")
        assert not writer.is_known("https://example.org/news/3")
        # so the dedup stage stops a second copy of it
        assert dedup(statement(1), stored_fingerprint=writer.fingerprint_at) is None
        writer.add(statement(3))  # the batch is full: written in one transaction
    assert outcomes == ["new", "new", "new"]
    assert stored_urls(db_path) == ["https://example.org/news/1", "https://example.org/old/1",
                                    "https://example.org/news/2", "https://example.org/news/3"]


def test_flush_writes_what_waits_and_counts_each_outcome(db_path):
    outcomes = []
    with open_db(db_path) as store:
        writer = StatementWriter(store, "run-1", batch_size=50, max_age_s=3600, on_saved=outcomes.append)
        writer.add(statement(1))
        # the same text at another address, in the same batch: one statement, two sightings
        writer.add(statement(2, text=statement(1).text))
        assert writer.flush() == 2
        assert writer.flush() == 0
        assert store.count_statements() == 1
    assert outcomes == ["new", "sighting"]
    assert stored_urls(db_path) == ["https://example.org/news/1", "https://example.org/news/2"]


def test_a_batch_older_than_its_age_is_written_with_the_next_statement(db_path):
    with open_db(db_path) as store:
        writer = StatementWriter(store, "run-1", batch_size=50, max_age_s=0)
        writer.add(statement(1))
        assert stored_urls(db_path) == ["https://example.org/news/1"]


def test_a_batch_that_cannot_be_written_is_rolled_back_whole_and_is_not_known(db_path):
    with open_db(db_path) as store:
        writer = StatementWriter(store, "run-1", batch_size=50, max_age_s=3600)
        writer.add(statement(1))
        writer.add(statement(2, source="no-such-source"))  # violates the sources foreign key
        with pytest.raises(StorageError, match=r"2 statement\(s\) not stored \(read again next crawl\)"):
            writer.flush()
        assert stored_urls(db_path) == []  # statement 1 was not kept without statement 2's batch
        assert not writer.is_known("https://example.org/news/1")  # so the next crawl reads it again
        writer.add(statement(1))  # and the writer goes on working
        assert writer.flush() == 1
    assert stored_urls(db_path) == ["https://example.org/news/1"]


def test_a_crash_loses_only_the_unwritten_batch_which_is_then_not_known(db_path):
    with open_db(db_path) as store:
        writer = StatementWriter(store, "run-1", batch_size=2, max_age_s=3600)
        for n in (1, 2, 3):
            writer.add(statement(n))
        # the process dies here: statement 3 never reaches the database
    with open_db(db_path) as store:
        next_crawl = StatementWriter(store, "run-2")
        assert next_crawl.is_known("https://example.org/news/2")
        assert not next_crawl.is_known("https://example.org/news/3")
        assert dedup(statement(3), stored_fingerprint=next_crawl.fingerprint_at) is not None
