"""The database at its edges: read-only opens, foreign files, dead runs, a full disk, a held lock."""

import os
import sqlite3
import subprocess
import sys

import pytest

from pipelines.db import StorageError, open_db, open_readonly, pid_alive
from spiders.sources import Source
from tests.builders import digest, foreign_sqlite, one_statement_db

SOURCE = Source(id="src", name="Src", publisher="ministry", country="UA", language="en", spider="feed",
                feed_urls=("https://example.org/rss",))


def side_files(path):
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name) and p != path)


def communique_db(path):
    one_statement_db(path, SOURCE)
    assert side_files(path) == []  # the last connection checkpointed and removed -wal/-shm
    return path


@pytest.mark.parametrize("readonly", [True, False])
def test_foreign_sqlite_file_is_refused_and_left_byte_identical(tmp_path, readonly):
    path = foreign_sqlite(tmp_path / "notes.sqlite")
    before = digest(path)
    with pytest.raises(StorageError) as err:
        open_db(path, readonly=readonly)
    assert str(err.value) == f"{path} is not a communique database (left untouched)"
    assert digest(path) == before
    assert side_files(path) == []  # no -wal, -shm or -journal


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"plain text, not a database\n" * 50)
    before = digest(path)
    for readonly in (True, False):
        with pytest.raises(StorageError, match="not a communique database"):
            open_db(path, readonly=readonly)
    assert digest(path) == before and side_files(path) == []


def test_read_only_open_reads_and_writes_nothing(tmp_path):
    path = communique_db(tmp_path / "c.db")
    before = digest(path)
    with open_readonly(path) as store:
        assert [r["title"] for r in store.search("torture")] == ["Torture report"]
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        with pytest.raises(StorageError, match="read-only"):
            store.upsert_sources([SOURCE])
    assert digest(path) == before


def test_read_only_media_opens_immutable(tmp_path):
    """On read-only media (simulated: root ignores permission bits) nothing at all is created."""
    path = communique_db(tmp_path / "c.db")
    before = digest(path)
    with open_readonly(path, writable=lambda p: False) as store:
        assert store.stats()["statements"] == 1
        assert side_files(path) == []  # immutable=1: not even the WAL index
    assert digest(path) == before


def test_read_only_open_never_migrates_and_says_to_upgrade(tmp_path):
    path = communique_db(tmp_path / "c.db")
    conn = sqlite3.connect(path)  # as if made by an older communique, before 0002
    conn.execute("DELETE FROM _sqlite_migrations WHERE name LIKE '0002%'")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(StorageError, match="written by an older communique: upgrade it first"):
        open_readonly(path)
    assert digest(path) == before
    assert side_files(path) == []


def test_missing_database_for_reading(tmp_path):
    with pytest.raises(StorageError, match="no database at"):
        open_readonly(tmp_path / "nope.db")
    assert not (tmp_path / "nope.db").exists()


def dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_run_left_running_by_a_dead_process_is_closed_as_crashed(tmp_path):
    with open_db(tmp_path / "c.db") as store:
        store.upsert_sources([SOURCE])
        store.start_run("dead", "src", pid=dead_pid())
        store.start_run("alive", "src")  # this process: still running
        store.start_run("elsewhere", "src", pid=dead_pid(), host="another-machine")
        with store.write() as db:  # what the dead run had stored
            for i in (1, 2):
                db.execute(
                    "INSERT INTO statements (source, url, canonical_url, title, text, fingerprint, first_seen_at,"
                    " crawl_run_id) VALUES ('src', ?, ?, 't', 'x', ?, 'now', 'dead')", [f"u{i}", f"u{i}", f"f{i}"])
        assert store.close_dead_runs() == ["dead"]
        row = store.get_run("dead")
        assert (row["status"], row["new"]) == ("crashed", 2)
        assert "died" in row["message"] and row["finished_at"]
        assert store.get_run("alive")["status"] == "running"
        assert store.get_run("elsewhere")["status"] == "running"  # a pid on another host cannot be checked
        assert store.get_run("alive")["pid"] == os.getpid()


def test_pid_alive():
    assert pid_alive(os.getpid())
    assert not pid_alive(dead_pid())


def test_disk_full_is_said_as_such(tmp_path):
    with open_db(tmp_path / "c.db") as store:
        store.upsert_sources([SOURCE])
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from now on
        with pytest.raises(StorageError) as err, store.write() as db:
            db.execute(
                "INSERT INTO statements (source, url, canonical_url, title, text, fingerprint, first_seen_at)"
                " VALUES ('src', 'u', 'u', 't', ?, 'f', 'now')", ["x" * 200_000])
        assert str(err.value) == f"disk full: cannot write {tmp_path / 'c.db'}"
        assert "rollback" not in str(err.value)
        assert not store.db.conn.in_transaction
        assert store.stats()["statements"] == 0


def test_held_write_lock_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("COMMUNIQUE_DB_BUSY_TIMEOUT", "1")
    path = tmp_path / "c.db"
    open_db(path).close()
    holder = sqlite3.connect(path)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with open_db(path) as store, pytest.raises(StorageError) as err:
            store.upsert_sources([SOURCE])
        assert str(err.value) == f"database {path} locked by another process for 1 s"
    finally:
        holder.rollback()
        holder.close()
