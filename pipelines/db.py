"""The one storage API: schema, migrations, and every read and write communique makes.

Imports nothing from Scrapy, so the CLI, the alert sender and the crawl pipelines all
share it. Several crawl processes may write at once: WAL, a busy timeout and
`BEGIN IMMEDIATE` write transactions make them queue instead of failing. Every query
is parameterised; scraped text never becomes SQL.

Reading commands open the file read-only (`open_db(path, readonly=True)`): they never
create, migrate or switch a file to WAL, and refuse a file that is not communique's.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Self
from urllib.parse import quote

from pipelines.fts import fts_query  # noqa: F401 (the storage API has always offered it)
from pipelines.migrations import SORT_KEY, migrations
from pipelines.outbox import queue_alerts
from pipelines.read_database import ReadDatabase
from pipelines.search_plan import SNIPPET_MARKS, SearchPlan, normal  # noqa: F401 (SNIPPET_MARKS: part of the storage API)
from spiders import config
from spiders.errors import QueryError, StorageError

if TYPE_CHECKING:
    from sqlite_utils import Database
# Run rows left "running" with no pid (written before 0002) are closed after this long.
ORPHAN_RUN_AGE_S = 24 * 3600


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def iso_utc(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).isoformat(timespec="seconds") if dt else None


# PLUGINS_OFF: sqlite-utils looks for plugins by reading the entry points of every installed
# distribution when its first Database is made (~30 ms of each command's start-up). communique's
# SQL calls no plugin function, so no plugin is loaded (sqlite-utils' own `execute_plugins=False`).


# --- connection ----------------------------------------------------------------------
# SQLite's page cache per connection, at most (KiB; taken only as pages are read). The default
# 2 MB holds less than one common word's doclist, so a process searching again (Datasette-like
# use, the scheduler's alerts) read the same pages through the OS each time: measured at a
# million statements, 64 MB took a Cyrillic search from 33 to 30 ms of CPU. mmap saved nothing.
PAGE_CACHE_KIB = 65_536
def busy_timeout_s() -> int:
    return config.db_busy_timeout()


def connect(path: str | Path) -> Database:
    """A sqlite-utils Database with a busy timeout and foreign keys (WAL: see open_db)."""
    path = Path(path)
    timeout = busy_timeout_s()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=timeout)
        conn.execute(f"PRAGMA busy_timeout = {timeout * 1000}")
        conn.execute("PRAGMA foreign_keys = ON")
        # In WAL mode NORMAL never corrupts the file; a power cut may drop the last commits,
        # whose pages are then simply not known and are read again by the next crawl.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
        from pipelines.sqlite_utils_lean import Database  # writers only: see pipelines/read_database.py

        return Database(conn, execute_plugins=False)  # see PLUGINS_OFF
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(f"cannot open database {path}: {storage_reason(exc, path)}") from None


def storage_reason(exc: BaseException, path: str | Path) -> str:
    """What a database error means for the user, in one line."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF  # the primary code of an extended one
    text = str(exc)
    if code == sqlite3.SQLITE_FULL or "disk is full" in text or getattr(exc, "errno", None) == 28:
        return f"disk full: cannot write {path}"
    if code == sqlite3.SQLITE_BUSY or "database is locked" in text:
        return f"database {path} locked by another process for {busy_timeout_s()} s"
    if code == sqlite3.SQLITE_READONLY or "readonly database" in text:
        return f"database {path} is read-only"
    if code == sqlite3.SQLITE_NOTADB or "not a database" in text:
        return f"{path} is not a communique database"
    return text


def _is_communique(db: Database) -> bool:
    """True for a database communique made (its first migration applied)."""
    return "0001_initial" in migrations.applied(db)


def _has_tables(db: Database) -> bool:
    return db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] > 0


def _refuse_foreign(path: Path) -> StorageError:
    return StorageError(f"{path} is not a communique database (left untouched)")


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


def open_readonly(path: str | Path, *, writable=_writable) -> Store:
    """Open an existing communique database for reading only.

    `mode=ro`: nothing is created, migrated or switched to WAL. When neither the file nor
    its folder is writable (read-only media), `immutable=1`, since SQLite could not create
    the WAL index there, and no process can be writing the file. A file that is not a
    communique database is refused, and left byte-identical. `writable` is injectable
    because permission bits do not stop root.
    """
    path = Path(path)
    if not path.exists():
        raise StorageError(f"no database at {path} (crawl first, or pass --db / set COMMUNIQUE_DB)")
    # Never open() the file itself: closing it would drop the POSIX locks SQLite holds on it
    # through other connections of this process (the classic way to corrupt a database).
    # A file that is not SQLite at all is told by SQLite (SQLITE_NOTADB).
    if not path.is_file() or not path.stat().st_size:
        raise _refuse_foreign(path)
    # Look first without creating anything beside a file that may be someone else's: with
    # no -wal file, everything is in the main file and immutable=1 reads it as it is (and,
    # unlike mode=ro on a WAL file, writes no -wal/-shm). With a -wal file, the database is
    # in use in WAL mode and only mode=ro sees its latest commits.
    wal = path.with_name(path.name + "-wal")
    db = _connect_uri(path, "mode=ro" if wal.exists() else "immutable=1")
    try:
        if not _is_communique(db):
            raise _refuse_foreign(path)
        if migrations.pending(db):  # reading must not migrate; the new code would misread it
            raise StorageError(f"database {path} was written by an older communique: upgrade it first with a "
                               f"writing command (e.g. `communique relink --db {path}`)")
    except sqlite3.Error as exc:
        if (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF == sqlite3.SQLITE_NOTADB:
            raise _refuse_foreign(path) from None
        raise StorageError(f"cannot read database {path}: {storage_reason(exc, path)}") from None
    finally:
        db.close()
    read_only_media = not writable(path) and not writable(path.parent)
    db = _connect_uri(path, "immutable=1" if read_only_media else "mode=ro")
    return Store(db, path, readonly=True)


def _connect_uri(path: Path, flags: str) -> ReadDatabase:
    uri = f"file:{quote(str(path.resolve()))}?{flags}"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout_s())
        conn.execute(f"PRAGMA busy_timeout = {busy_timeout_s() * 1000}")
        conn.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
        return ReadDatabase(conn)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open database {path}: {storage_reason(exc, path)}") from None


def _enable_wal(db: Database, attempts: int = 50) -> None:
    """Switch to WAL; on a brand-new file another process may be switching it at the same
    moment, and SQLite answers "locked" without waiting, so try again for a few seconds."""
    for attempt in range(attempts):
        try:
            db.enable_wal()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.1)


def open_db(path: str | Path, *, create: bool = True, readonly: bool = False) -> Store:
    """Open and migrate the database at `path`; create it only when `create` (reading
    commands must not leave an empty database behind a mistyped path). With `readonly`,
    see open_readonly: nothing is written."""
    if readonly:
        return open_readonly(path)
    path = Path(path)
    if not create and not path.exists():
        raise StorageError(f"no database at {path} (crawl first, or pass --db / set COMMUNIQUE_DB)")
    db = connect(path)
    store = Store(db, path)
    try:
        # Someone else's SQLite file is never given communique's schema, nor switched to WAL.
        if _has_tables(db) and not _is_communique(db):
            raise _refuse_foreign(path)
        _enable_wal(db)
        if migrations.pending(db):
            # Under the write lock, so two processes opening a new file do not both migrate.
            with store.write():
                if migrations.pending(db):
                    migrations.apply(db)
        if _stem_index_exists(db.conn):
            from pipelines import stem_index

            if stem_index.needs_check(db.conn):  # a new stemmer: the index is cut again (rare, minutes)
                with store.write():
                    stem_index.check_stemmer(db.conn)
    except StorageError as exc:
        db.close()
        if "not a communique database" in str(exc):
            raise
        raise StorageError(f"cannot prepare database {path}: {exc}") from None
    except sqlite3.Error as exc:
        db.close()
        if (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF == sqlite3.SQLITE_NOTADB:
            raise _refuse_foreign(path) from None
        raise StorageError(f"cannot prepare database {path}: {storage_reason(exc, path)}") from None
    return store


def _stem_index_exists(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'stems_pending'").fetchone() is not None


# Case forms whose presence in the full-text index a Store remembers (Store.indexed), at most.
INDEXED_WORDS_KEPT = 20_000


class Store:
    """Reads and writes of communique's tables; one per process and connection."""

    def __init__(self, db: Database, path: Path, *, readonly: bool = False):
        self.db = db
        self.path = path
        self.readonly = readonly
        self._indexed_words: dict[str, bool] = {}  # see indexed()
        self._indexed_version: tuple[int, int] | None = None
        self._stem_index = False  # whether the database has the stemmed index (0010), once seen

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[Database]:
        """A write transaction that takes the write lock up front (no upgrade deadlocks).

        A full disk or a lock held past the busy timeout becomes a one-line StorageError
        ("disk full: …", "database … locked by another process for 30 s"). SQLite rolls
        back by itself on a full disk, so ROLLBACK is sent only while a transaction is
        still open (else its "no transaction is active" would hide the real cause).
        """
        if self.readonly:
            raise StorageError(f"database {self.path} was opened read-only")
        conn = self.db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StorageError(storage_reason(exc, self.path)) from None
        try:
            yield self.db
        except BaseException as exc:
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            if isinstance(exc, sqlite3.OperationalError) and _is_storage_condition(exc):
                raise StorageError(storage_reason(exc, self.path)) from None
            raise
        else:
            try:
                self._stem_noted(conn)
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                raise StorageError(storage_reason(exc, self.path)) from None

    def _has_stem_index(self, conn: sqlite3.Connection) -> bool:
        """Whether the database has the stemmed index (0010): asked until it has, then known."""
        if not self._stem_index:
            self._stem_index = _stem_index_exists(conn)
        return self._stem_index

    def _stem_noted(self, conn: sqlite3.Connection) -> None:
        """The stems of the statements this transaction wrote, in the same transaction (see
        pipelines/stem_index.py); nothing to do, and no stemmer loaded, when nothing was noted."""
        if self._has_stem_index(conn) and conn.execute("SELECT 1 FROM stems_pending LIMIT 1").fetchone():
            from pipelines import stem_index

            stem_index.catch_up(conn)

    def stems_current(self) -> bool:
        """Whether Cyrillic queries may read the stemmed index: it holds every statement (nothing
        written by another program waits to be stemmed) and was cut by this stemmer."""
        if not self._has_stem_index(self.db.conn):
            return False
        from pipelines import stem_index

        return stem_index.current(self.db.conn)

    # --- sources and runs -------------------------------------------------------------
    def upsert_sources(self, sources) -> None:
        now = utcnow()
        with self.write() as db:
            for s in sources:
                db.execute(
                    """INSERT INTO sources (id, name, publisher, country, language, spider, enabled, verified,
                                            updated_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT(id) DO UPDATE SET name=excluded.name, publisher=excluded.publisher,
                         country=excluded.country, language=excluded.language, spider=excluded.spider,
                         enabled=excluded.enabled, verified=excluded.verified, updated_at=excluded.updated_at""",
                    [s.id, s.name, s.publisher, s.country, s.language, s.spider, int(s.enabled),
                     int(s.verified), now],
                )

    def start_run(self, run_id: str, source: str, log_path: str | None = None, *, pid: int | None = None,
                  host: str | None = None) -> None:
        """A "running" row owned by process `pid` (default: this one) on `host` (this machine)."""
        with self.write() as db:
            db.execute(
                """INSERT INTO crawl_runs (id, source, started_at, status, log_path, pid, host)
                   VALUES (?, ?, ?, 'running', ?, ?, ?)
                   ON CONFLICT(id) DO NOTHING""",
                [run_id, source, utcnow(), log_path, os.getpid() if pid is None else pid,
                 host or socket.gethostname()],
            )

    def finish_run(self, run_id: str, status: str, message: str = "", **counts: int) -> None:
        cols = [c for c in ("pages", "found", "new", "known", "errors", "revised", "duplicates", "bytes") if c in counts]
        sets = "".join(f", {c} = ?" for c in cols)
        with self.write() as db:
            db.execute(
                f"UPDATE crawl_runs SET status = ?, finished_at = ?, message = ?{sets} WHERE id = ?",
                [status, utcnow(), message, *[int(counts[c]) for c in cols], run_id],
            )

    def close_run(self, run_id: str, status: str, message: str) -> None:
        """End a run its process could not end (killed, died): its counts are what the
        database holds for it, never a dead process's stats."""
        with self.write() as db:
            self._close_run(db, run_id, status, message)

    def _close_run(self, db: Database, run_id: str, status: str, message: str) -> None:
        new, seen = self.run_counts(run_id)
        db.execute(
            """UPDATE crawl_runs SET status = ?, finished_at = ?, message = ?, new = ?,
                   known = max(coalesce(known, 0), ?) WHERE id = ?""",
            [status, utcnow(), message, new, seen, run_id],
        )

    def close_dead_runs(self) -> list[str]:
        """Close as crashed the runs left "running" by processes of this machine that no
        longer exist (and, from before pids were recorded, runs older than a day)."""
        host = socket.gethostname()
        cutoff = datetime.fromtimestamp(time.time() - ORPHAN_RUN_AGE_S, UTC).isoformat(timespec="seconds")
        rows = list(self.db.query("SELECT id, pid, host, started_at FROM crawl_runs WHERE status = 'running'"))
        dead = [r["id"] for r in rows
                if (r["pid"] is not None and r["host"] == host and not pid_alive(r["pid"]))
                or (r["pid"] is None and r["started_at"] < cutoff)]
        if dead:
            with self.write() as db:
                for run_id in dead:
                    # Checked again under the lock: the owner may have finished meanwhile.
                    still = db.execute("SELECT status FROM crawl_runs WHERE id = ?", [run_id]).fetchone()
                    if still and still[0] == "running":
                        self._close_run(db, run_id, "crashed", "the crawl process died without recording its end")
        return dead

    def get_run(self, run_id: str) -> dict | None:
        rows = list(self.db.query("SELECT * FROM crawl_runs WHERE id = ?", [run_id]))
        return rows[0] if rows else None

    def run_counts(self, run_id: str) -> tuple[int, int]:
        """(new statements, new sightings of known statements) written by this run."""
        new = self.db.execute("SELECT count(*) FROM statements WHERE crawl_run_id = ?", [run_id]).fetchone()[0]
        seen = self.db.execute(
            "SELECT count(*) FROM sightings s JOIN statements t ON t.id = s.statement_id "
            "WHERE s.crawl_run_id = ? AND t.crawl_run_id IS NOT ?",
            [run_id, run_id],
        ).fetchone()[0]
        return new, seen

    # --- entry-point validators ---------------------------------------------------------
    def entry_validators(self, source: str) -> dict[str, dict]:
        """url -> {etag, last_modified, content_hash} of a source's entry points."""
        return {
            r["url"]: {k: r[k] for k in ("etag", "last_modified", "content_hash")}
            for r in self.db.query(
                "SELECT url, etag, last_modified, content_hash FROM entry_validators WHERE source = ?", [source]
            )
        }

    def save_entry_validators(self, source: str, validators: dict[str, dict]) -> None:
        """Remember entry points as read completely by this crawl (see pipelines/storage.py)."""
        if not validators:
            return
        now = utcnow()
        with self.write() as db:
            for url, v in validators.items():
                db.execute(
                    """INSERT INTO entry_validators (source, url, etag, last_modified, content_hash, checked_at)
                       VALUES (?, ?, ?, ?, ?, ?)
                       ON CONFLICT(source, url) DO UPDATE SET etag = excluded.etag,
                         last_modified = excluded.last_modified, content_hash = excluded.content_hash,
                         checked_at = excluded.checked_at""",
                    [source, url, v.get("etag"), v.get("last_modified"), v.get("content_hash"), now],
                )

    # --- statements ----------------------------------------------------------------
    def is_known_url(self, canonical_url: str) -> bool:
        row = self.db.execute("SELECT 1 FROM sightings WHERE canonical_url = ?", [canonical_url]).fetchone()
        return row is not None

    def statement_for(self, canonical_url: str, fingerprint: str) -> int | None:
        """The stored statement this one is: same address, or same text elsewhere."""
        row = self.db.execute(
            "SELECT statement_id FROM sightings WHERE canonical_url = ?", [canonical_url]
        ).fetchone()
        if row:
            return row[0]
        row = self.db.execute(
            "SELECT id FROM statements WHERE fingerprint = ? ORDER BY id LIMIT 1", [fingerprint]
        ).fetchone()
        return row[0] if row else None

    def save(self, item, run_id: str | None = None) -> tuple[str, int]:
        """Store one statement with its tags and sighting; (outcome, statement id).

        Outcomes: 'new'; 'known' (its address again, same text); 'revision' (its address or
        identity again, changed text: the statement keeps its id, the versions go to
        `revisions`); 'sighting' (the same or nearly the same text elsewhere). One
        transaction: a statement is never stored without its tags, sighting, story and alerts.
        """
        return self.save_many([item], run_id)[0]

    def save_many(self, items, run_id: str | None = None) -> list[tuple[str, int]]:
        """Store statements in order in one transaction (all or none); their outcomes as `save`'s.

        A crawl writes its statements in batches: one commit per statement was half the cost
        of storing. Later items see earlier ones (the same text twice is one statement).
        """
        now = utcnow()
        with self.write() as db:
            return [self._save(db, item, now, run_id) for item in items]

    def _save(self, db: Database, item, now: str, run_id: str | None) -> tuple[str, int]:
        """`save` inside the caller's write transaction (pipelines/linking.py decides where it belongs)."""
        # Imported by the first write: reading commands never need MinHash, numpy or URL rules.
        from pipelines import linking, nearcopy, rechecks

        same = linking.same_statement(db, item)
        if same is not None:
            existing, how = same
            self._insert_aliases(db, existing, item, now, run_id)
            outcome = "known"
            if self._own_text(db, existing, item) and linking.record_revision(db, existing, item, now):
                self._write_tags(db, existing, item.tags, now)
                outcome = "revision"
            cur = db.execute(
                "UPDATE sightings SET last_seen_at = ? WHERE canonical_url = ?", [now, item.canonical_url]
            )
            if not cur.rowcount:
                self._insert_sighting(db, existing, item, now, run_id, match=how)
                outcome = "sighting" if outcome == "known" else outcome
            return outcome, existing
        existing = linking.same_text(db, item)
        sig = nearcopy.signature(item.text)
        similarity = None
        how = "text"
        if existing is None and (found := linking.near_copy(db, item, sig)) is not None:
            existing, similarity, how = found.statement_id, round(found.containment, 4), "near-copy"
        if existing is not None:
            self._insert_aliases(db, existing, item, now, run_id)
            self._insert_sighting(db, existing, item, now, run_id, match=how, similarity=similarity)
            return "sighting", existing
        published = item.published_at
        cur = db.execute(
            """INSERT INTO statements (source, url, canonical_url, title, text, published_at, published_local,
                    language, kind, speaker, fingerprint, extra, fetched_at, first_seen_at, crawl_run_id,
                    identity_key)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                item.source, item.url, item.canonical_url, item.title, item.text, iso_utc(published),
                published.isoformat(timespec="seconds") if published else None, item.language, item.kind,
                item.speaker or None, item.fingerprint, json.dumps(item.extra, ensure_ascii=False),
                iso_utc(item.fetched_at) or now, now, run_id, getattr(item, "identity_key", "") or None,
            ],
        )
        statement_id = cur.lastrowid
        db.execute("UPDATE statements SET story_id = ? WHERE id = ?", [statement_id, statement_id])
        self._insert_sighting(db, statement_id, item, now, run_id)
        self._insert_aliases(db, statement_id, item, now, run_id)
        self._write_tags(db, statement_id, item.tags, now)
        linking.index_text(db, statement_id, item, sig)
        linking.remember_translations(db, statement_id, item)
        rechecks.remember_validators(db, statement_id, item, now)  # its first re-check is conditional
        story_id, _ = linking.join_story(db, statement_id, item, self._is_news(db, item.source), now)
        queue_alerts(db, statement_id, now, story_id=story_id)  # the outbox: in the same transaction
        return "new", statement_id

    @staticmethod
    def _own_text(db: Database, statement_id: int, item) -> bool:
        """Whether the item is the statement's own page (its source), whose edits are revisions;
        a republication seen again with other words does not rewrite the statement."""
        row = db.execute("SELECT source FROM statements WHERE id = ?", [statement_id]).fetchone()
        return bool(row) and row[0] == item.source

    @staticmethod
    def _is_news(db: Database, source: str) -> bool:
        row = db.execute("SELECT publisher FROM sources WHERE id = ?", [source]).fetchone()
        return bool(row) and row[0] == "news"

    def fingerprint_at(self, canonical_url: str) -> str | None:
        """The current fingerprint of the statement stored at this address (None: unknown address)."""
        row = self.db.execute(
            "SELECT t.fingerprint FROM sightings s JOIN statements t ON t.id = s.statement_id "
            "WHERE s.canonical_url = ?", [canonical_url]).fetchone()
        return row[0] if row else None

    @staticmethod
    def _insert_sighting(db: Database, statement_id: int, item, now: str, run_id: str | None,
                         url: str | None = None, match: str = "url", similarity: float | None = None) -> None:
        """The statement seen at the item's address, or at `url` (an alias, kept if already known).

        `match` says how it was recognised (url, identity, text, near-copy); a near-copy keeps
        its own title, so `show` can say who republished it under which headline."""
        db.execute(
            """INSERT INTO sightings (statement_id, source, url, canonical_url, first_seen_at, last_seen_at,
                                      crawl_run_id, match, similarity, title) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
            + (" ON CONFLICT(canonical_url) DO NOTHING" if url else ""),
            [statement_id, item.source, url or item.url, url or item.canonical_url, now, now, run_id,
             "url" if url else match, similarity, None if url else item.title],
        )

    def _insert_aliases(self, db: Database, statement_id: int, item, now: str, run_id: str | None) -> None:
        """Addresses that redirected to this statement: known, so never fetched again."""
        for alias in getattr(item, "aliases", ()):
            if alias != item.canonical_url:
                self._insert_sighting(db, statement_id, item, now, run_id, url=alias)

    @staticmethod
    def _write_tags(db: Database, statement_id: int, tags, now: str) -> None:
        db.execute("DELETE FROM statement_tags WHERE statement_id = ?", [statement_id])
        for t in tags:
            d = t.to_dict() if hasattr(t, "to_dict") else dict(t)
            db.execute(
                "INSERT INTO statement_tags (statement_id, tag, score, evidence, tagged_at) VALUES (?, ?, ?, ?, ?)",
                [statement_id, d["tag"], float(d["score"]), json.dumps(d.get("evidence", []), ensure_ascii=False),
                 now],
            )

    def replace_tags(self, statement_id: int, tags) -> None:
        """Re-tagging: the statement's tags become exactly `tags` (idempotent)."""
        with self.write() as db:
            self._write_tags(db, statement_id, tags, utcnow())

    def count_statements(self, since: str | None = None) -> int:
        if since:
            return self.db.execute(
                "SELECT count(*) FROM statements WHERE coalesce(published_at, first_seen_at) >= ?", [since]
            ).fetchone()[0]
        return self.db.execute("SELECT count(*) FROM statements").fetchone()[0]

    def iter_statements_for_tagging(self, since: str | None = None, batch: int = 500) -> Iterator[dict]:
        """Statements in id order, read in batches so a large database never sits in memory."""
        last = 0
        where = "id > ?" + (" AND coalesce(published_at, first_seen_at) >= ?" if since else "")
        while True:
            params = [last, since] if since else [last]
            rows = list(
                self.db.query(
                    f"SELECT id, title, text, language FROM statements WHERE {where} ORDER BY id LIMIT {int(batch)}",
                    params,
                )
            )
            if not rows:
                return
            yield from rows
            last = rows[-1]["id"]

    # --- reading ------------------------------------------------------------------------
    def search(
        self,
        query: str | None = None,
        *,
        tag: str | None = None,
        source: str | None = None,
        country: str | None = None,
        publisher: str | None = None,
        language: str | None = None,
        since: str | None = None,
        until: str | None = None,
        min_score: float | None = None,
        sort: str | None = None,
        limit: int = 20,
        offset: int = 0,
        collapse_stories: bool = False,
    ) -> list[dict]:
        """Statements matching the query and every filter, `limit` of them after `offset`.

        Newest first, or with sort="relevance" and a query by bm25 (a title word weighs
        ten text words). With a query each row has a `snippet` of its text around the
        matched words, marked with SNIPPET_MARKS.
        Filters are case-insensitive. Raises QueryError for malformed full-text syntax.
        With `collapse_stories`, one row per story (its first matching statement, with
        `story_matches`: how many of the story's statements matched).
        """
        search = SearchPlan(self, query, tag, source, country, publisher, language, since, until, min_score, sort)
        sql, params = search.ids_sql(self)
        # Collapsing reads more rows than it shows: a story's other statements fill the gaps. Its
        # offset counts stories, so it reads from the first row (else a page repeats earlier stories).
        wanted = min((int(offset) + int(limit)) * 10, 2**63 - 1) if collapse_stories else int(limit)
        start = 0 if collapse_stories else int(offset)
        found = self.run_query_sql(sql + " LIMIT ? OFFSET ?", [*params, wanted, start], query)
        ids = [r[0] for r in found]
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        by_id = {
            r["id"]: r
            for r in self.db.query(
                "SELECT s.id, s.source, s.url, s.title, s.published_at, s.published_local, s.first_seen_at, "
                f"s.language, s.kind, s.speaker, s.story_id, substr(s.text, 1, 300) AS excerpt FROM statements s "
                f"WHERE s.id IN ({marks})",
                ids,
            )
        }
        rows = [by_id[i] for i in ids]
        if collapse_stories:
            rows = collapse_by_story(rows)[int(offset): int(offset) + int(limit)]
        if search.match:  # only for the rows shown
            snippets = search.snippets(self, [r["id"] for r in rows])
            for r in rows:
                r["snippet"] = snippets.get(r["id"])
        self._attach_tags(rows)
        return rows

    def count_matches(self, query: str | None = None, *, cap: int = 10_000, collapse_stories: bool = False,
                      **filters) -> int:
        """How many statements (with `collapse_stories`: stories) `search` would find with these
        arguments, counting at most `cap` statements (so a footer costs a bounded time even at
        millions of rows)."""
        filters.pop("limit", None), filters.pop("offset", None)
        search = SearchPlan(self, query, **filters)
        sql, params = search.ids_sql(self, ordered=False)
        if collapse_stories:
            sql = f"SELECT DISTINCT coalesce(s.story_id, s.id) FROM statements s WHERE s.id IN ({sql} LIMIT ?)"
            return self.run_query_sql(f"SELECT count(*) FROM ({sql})", [*params, int(cap)], query)[0][0]
        return self.run_query_sql(f"SELECT count(*) FROM ({sql} LIMIT ?)", [*params, int(cap)], query)[0][0]

    def texts(self, ids: list[int]) -> dict[int, str]:
        """The full text of each of these statements (for exports)."""
        out: dict[int, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            out.update(self.db.execute(f"SELECT id, text FROM statements WHERE id IN ({marks})", chunk).fetchall())
        return out

    def counts(self, by: str, query: str | None = None, *, limit: int | None = None, **filters) -> list[dict]:
        """Statements per source, day, week (named by its Monday), tag or language among those
        `search` would find: [{"key", "count"}], most first. Days and weeks are the `limit`
        calendar days or weeks up to the newest matching statement, oldest first, empty ones
        included; only their statements are read, through the date index."""
        key = "coalesce(s.published_at, s.first_seen_at)"
        column = {
            "source": "s.source",
            "language": "coalesce(s.language, '--')",
            "day": f"substr({key}, 1, 10)",
            "week": f"date(substr({key}, 1, 10), '-6 days', 'weekday 1')",  # the week's Monday
            "tag": "tg.tag",
        }[by]
        timeline = by in ("day", "week")
        buckets: list[str] = []
        if timeline:
            newest = self.search(query, **filters, sort="date", limit=1)
            if not newest:
                return []
            last = date.fromisoformat((newest[0]["published_at"] or newest[0]["first_seen_at"])[:10])
            step = 7 if by == "week" else 1
            if by == "week":
                last -= timedelta(days=last.weekday())
            buckets = [(last - timedelta(days=step * n)).isoformat() for n in range((limit or 30) - 1, -1, -1)]
            if filters.get("since"):  # no empty buckets before what was asked for
                first = date.fromisoformat(filters["since"][:10])
                first -= timedelta(days=first.weekday() if by == "week" else 0)
                buckets = [b for b in buckets if b >= first.isoformat()] or buckets[-1:]
            if not filters.get("since") or filters["since"] < buckets[0]:
                filters["since"] = buckets[0] + "T00:00:00+00:00"
        where, params = "", []
        if query or any(v is not None for v in filters.values()):
            sql, params = SearchPlan(self, query, **filters).ids_sql(self, ordered=False)
            where = f" WHERE s.id IN ({sql})"
        if by == "tag":
            source = "statement_tags tg" + (" JOIN statements s ON s.id = tg.statement_id" if where else "")
        else:  # a day or week is read from the (id, ordering key) index, not from each row
            source = "statements s" + (" INDEXED BY idx_statements_id_when" if timeline and where else "")
        rows = self.run_query_sql(  # a query FTS5 cannot read is a QueryError, as in search
            f"SELECT {column} AS key, count(*) AS count FROM {source}{where} GROUP BY key ORDER BY count DESC, key"
            + (" LIMIT ?" if limit and not timeline else ""),
            [*params, *([int(limit)] if limit and not timeline else [])],
            query,
        )
        if timeline:
            found = dict(rows)
            return [{"key": b, "count": found.get(b, 0)} for b in buckets]
        return [{"key": k, "count": c} for k, c in rows]

    def indexed(self, word: str) -> bool:
        """Whether the full-text index holds this word (one index seek, remembered).

        A Cyrillic query word is checked in some forty case forms, a millisecond or more
        per word; a process that searches again (Datasette-like use, the benchmark, a
        scheduler) asks the same questions. The answers hold while the database is
        unchanged: `PRAGMA data_version` moves when another connection commits, and
        this connection's own writes move `total_changes`.
        """
        version = (self.db.execute("PRAGMA data_version").fetchone()[0], self.db.conn.total_changes)
        if version != self._indexed_version:
            self._indexed_version = version
            self._indexed_words.clear()
        known = self._indexed_words.get(word)
        if known is None:
            phrase = '"' + word.replace('"', '""') + '"'
            known = self.db.execute(
                "SELECT 1 FROM statements_fts WHERE statements_fts MATCH ? LIMIT 1", [phrase]
            ).fetchone() is not None
            if len(self._indexed_words) >= INDEXED_WORDS_KEPT:
                self._indexed_words.clear()
            self._indexed_words[word] = known
        return known

    def run_query_sql(self, sql: str, params: list, query: str | None) -> list[tuple]:
        """Rows of SQL that carries a user's full-text query; SQLite refusing it is a QueryError."""
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if query and "MATCH" in sql:  # SQLite's only complaint about our SQL here is the query
                raise QueryError(f"cannot search for {quoted_short(query)}: {exc} (quote words with \"…\")") from None
            raise

    def known_values(self, field: str) -> list[str]:
        """The values a search filter can take in this database (for naming them in an error)."""
        sql = {
            "tag": "SELECT DISTINCT tag FROM statement_tags",
            "source": "SELECT id FROM sources",
            "language": "SELECT DISTINCT language FROM statements WHERE language IS NOT NULL",
            "country": "SELECT DISTINCT upper(country) FROM sources WHERE country IS NOT NULL AND country != ''",
            "publisher": "SELECT DISTINCT lower(publisher) FROM sources WHERE publisher IS NOT NULL",
        }[field]
        return sorted(r[0] for r in self.db.execute(sql).fetchall())

    def check_filters(self, **filters: str | None) -> None:
        """Raise QueryError naming the known values when a filter names a tag, source, language,
        country or publisher kind this database has never seen (instead of finding nothing)."""
        probes = {
            "tag": "SELECT 1 FROM statement_tags WHERE tag = ? LIMIT 1",
            "source": "SELECT 1 FROM sources WHERE id = ?",
            "language": "SELECT 1 FROM statements WHERE language = ? LIMIT 1",
            "country": "SELECT 1 FROM sources WHERE upper(country) = ? LIMIT 1",
            "publisher": "SELECT 1 FROM sources WHERE lower(publisher) = ? LIMIT 1",
        }
        for field, value in filters.items():
            if value is None:
                continue
            if self.db.execute(probes[field], [normal(field, value)]).fetchone() is None:
                raise QueryError(unknown_value(field, value, self.known_values(field)))

    def _attach_tags(self, rows: list[dict]) -> None:
        by_id = {r["id"]: r for r in rows}
        for r in rows:
            r["tags"] = []
            r["evidence"] = {}
        if not by_id:
            return
        marks = ",".join("?" * len(by_id))
        for t in self.db.query(
            f"SELECT statement_id, tag, score, evidence FROM statement_tags WHERE statement_id IN ({marks}) "
            "ORDER BY statement_id, (tag = 'coe') DESC, score DESC, tag",
            list(by_id),
        ):
            row = by_id[t["statement_id"]]
            row["tags"].append(t["tag"])
            row["evidence"][t["tag"]] = {"score": t["score"], "evidence": json.loads(t["evidence"] or "[]")}

    def get_statement(self, statement_id: int) -> dict | None:
        rows = list(self.db.query("SELECT * FROM statements WHERE id = ?", [statement_id]))
        if not rows:
            return None
        row = rows[0]
        row["extra"] = json.loads(row["extra"] or "{}")
        row["sightings"] = list(
            self.db.query(
                "SELECT source, url, first_seen_at, last_seen_at, match, similarity, title FROM sightings "
                "WHERE statement_id = ? ORDER BY id",
                [statement_id],
            )
        )
        self._attach_tags([row])
        return row

    def get_revisions(self, statement_id: int) -> list[dict]:
        """Every kept version of a statement, oldest first (empty: never edited)."""
        return list(self.db.query(
            "SELECT number, title, text, fingerprint, fetched_at, words_changed, chars_changed, share_changed, "
            "substantive FROM revisions WHERE statement_id = ? ORDER BY number", [statement_id]))

    def get_story(self, statement_id: int) -> dict:
        """The story a statement belongs to: its id, the statement it is about (the first
        non-news member, else the first), translations and coverage, with how each was linked."""
        story_id = self.db.execute("SELECT story_id FROM statements WHERE id = ?", [statement_id]).fetchone()[0]
        members = list(self.db.query(
            """SELECT s.id, s.source, s.url, s.title, s.language, s.published_at, s.story_role,
                      so.name AS source_name, so.publisher, l.relation, l.score, l.linked_to
               FROM statements s LEFT JOIN sources so ON so.id = s.source
               LEFT JOIN story_links l ON l.statement_id = s.id
               WHERE s.story_id = ? ORDER BY s.id""", [story_id]))
        lead = next((m for m in members if m["publisher"] != "news"), members[0] if members else None)
        lead_id = lead["id"] if lead else statement_id
        translations = [m for m in members if m["relation"] == "translation"]
        coverage = [m for m in members if m["story_role"] == "coverage"]
        others = [m for m in members if m["id"] != lead_id and m not in translations and m not in coverage]
        return {"story_id": story_id, "statement_id": lead_id, "lead": lead, "translations": translations,
                "coverage": coverage, "others": others, "size": len(members)}

    def source_overview(self) -> list[dict]:
        """Per source: statements stored, CoE statements, and the last crawl's outcome (not a re-check's)."""
        return list(
            self.db.query(
                """SELECT so.id, so.name, so.publisher, so.language, so.enabled, so.verified,
                     (SELECT count(*) FROM statements s WHERE s.source = so.id) AS statements,
                     (SELECT count(*) FROM statements s JOIN statement_tags t ON t.statement_id = s.id
                        AND t.tag = 'coe' WHERE s.source = so.id) AS coe,
                     r.status AS last_status, r.started_at AS last_run, r.message AS last_message
                   FROM sources so
                   LEFT JOIN crawl_runs r ON r.id = (SELECT id FROM crawl_runs WHERE source = so.id
                                                      AND kind = 'crawl' ORDER BY started_at DESC, rowid DESC LIMIT 1)
                   ORDER BY so.id"""
            )
        )

    def stats(self) -> dict:
        q = self.db.execute
        return {
            "statements": q("SELECT count(*) FROM statements").fetchone()[0],
            "sightings": q("SELECT count(*) FROM sightings").fetchone()[0],
            "coe": q("SELECT count(*) FROM statement_tags WHERE tag = 'coe'").fetchone()[0],
            "sources": q("SELECT count(*) FROM sources").fetchone()[0],
            "runs": q("SELECT count(*) FROM crawl_runs").fetchone()[0],
        }

    def last_run_starts(self) -> dict[str, datetime]:
        """When each source's latest crawl started (any outcome), so a restarted scheduler keeps its cadence."""
        rows = self.db.execute(
            "SELECT source, max(started_at) FROM crawl_runs WHERE kind = 'crawl' GROUP BY source").fetchall()
        return {source: datetime.fromisoformat(started) for source, started in rows if started}


    def source_history(self, source: str, *, runs: int = 50, statements: int = 50) -> tuple[list[dict], list[datetime]]:
        """A source's latest crawl runs, re-checks aside (id, started_at, status, message; oldest first) and the
        dates of its latest statements (published, else first seen): what its health is read from."""
        run_rows = list(self.db.query(
            "SELECT id, started_at, status, message FROM crawl_runs WHERE source = ? AND kind = 'crawl' "
            "ORDER BY started_at DESC, rowid DESC LIMIT ?", [source, runs]))
        dates = self.db.execute(
            f"SELECT {SORT_KEY} FROM statements WHERE source = ? ORDER BY {SORT_KEY} DESC LIMIT ?",
            [source, statements]).fetchall()
        return run_rows[::-1], [datetime.fromisoformat(d) for (d,) in dates if d]


def unknown_value(field: str, value: str, known) -> str:
    """The error line for a filter value nothing carries: the value and the known ones (30 at most)."""
    known = sorted(known)
    shown = ", ".join(known[:30]) + (f" … ({len(known)} in all)" if len(known) > 30 else "")
    return f"unknown {field} {value!r} (known: {shown or 'none yet'})"


def quoted_short(text: str, limit: int = 80) -> str:
    """A user's query quoted for an error line: a 5,000-character query must not make a 5 KB line."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def collapse_by_story(rows: list[dict]) -> list[dict]:
    """The first row of each story, in order, with `story_matches` counting the story's rows."""
    first: dict[int, dict] = {}
    for row in rows:
        key = row.get("story_id") or row["id"]
        if key in first:
            first[key]["story_matches"] += 1
        else:
            row["story_matches"] = 1
            first[key] = row
    return list(first.values())


def _is_storage_condition(exc: sqlite3.Error) -> bool:
    """Errors about the disk or the lock, not about the SQL (those stay bugs)."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    return code in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR) or any(
        words in str(exc) for words in ("disk is full", "database is locked", "readonly database", "disk I/O error"))


def pid_alive(pid: int) -> bool:
    """Whether a process exists (a zombie, dead but not yet reaped, counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
