"""The numbered migrations of communique's database: never edited once released.

Registered without importing sqlite-utils: a reading command only checks that none is
pending (`MigrationSet.pending` reads sqlite-utils' `_sqlite_migrations` table itself),
and importing sqlite-utils is most of a reading command's start-up. Writers apply them
through sqlite-utils' `Migrations` (`MigrationSet.apply`), which records them in that
table exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database


class MigrationSet:
    """sqlite-utils' migration set "communique", registered by name and function alone."""

    name = "communique"
    table = "_sqlite_migrations"  # sqlite-utils' own table: databases migrated before keep their record

    def __init__(self) -> None:
        self.steps: list[tuple[str, Callable]] = []

    def __call__(self, *, name: str) -> Callable[[Callable], Callable]:
        def register(fn: Callable) -> Callable:
            self.steps.append((name, fn))
            return fn
        return register

    def applied(self, db) -> list[str]:
        """Names applied to the database, in order (a sqlite-utils Database or a connection)."""
        conn = getattr(db, "conn", db)
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [self.table]).fetchone():
            return []
        return [row[0] for row in conn.execute(
            f"SELECT name FROM {self.table} WHERE migration_set = ? ORDER BY rowid", [self.name])]

    def pending(self, db) -> list[str]:
        done = set(self.applied(db))
        return [name for name, _ in self.steps if name not in done]

    def apply(self, db: Database) -> None:
        """Apply what is pending, each migration in a transaction with its record (sqlite-utils)."""
        from pipelines.sqlite_utils_lean import Migrations

        migrations = Migrations(self.name)
        for name, fn in self.steps:
            migrations(name=name)(fn)
        migrations.apply(db)


migrations = MigrationSet()


# --- migrations: numbered, never edited once released ------------------------------------
@migrations(name="0001_initial")
def _m0001(db: Database) -> None:
    db.execute(
        """CREATE TABLE sources (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, publisher TEXT, country TEXT,
            language TEXT, spider TEXT, enabled INTEGER, verified INTEGER, updated_at TEXT)"""
    )
    db.execute(
        """CREATE TABLE statements (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL REFERENCES sources(id),
            url TEXT NOT NULL,
            canonical_url TEXT NOT NULL,
            title TEXT NOT NULL,
            text TEXT NOT NULL,
            published_at TEXT,          -- UTC, ISO 8601
            published_local TEXT,       -- the same instant in the source's zone
            language TEXT,
            kind TEXT,
            speaker TEXT,
            fingerprint TEXT NOT NULL,
            extra TEXT,                 -- JSON
            fetched_at TEXT,
            first_seen_at TEXT NOT NULL,
            crawl_run_id TEXT)"""
    )
    db.execute("CREATE INDEX idx_statements_published ON statements(published_at)")
    db.execute("CREATE INDEX idx_statements_fingerprint ON statements(fingerprint)")
    db.execute("CREATE INDEX idx_statements_source ON statements(source, published_at)")
    db.execute(
        """CREATE TABLE sightings (
            id INTEGER PRIMARY KEY,
            statement_id INTEGER NOT NULL REFERENCES statements(id),
            source TEXT NOT NULL,
            url TEXT NOT NULL,
            canonical_url TEXT NOT NULL UNIQUE,
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            crawl_run_id TEXT)"""
    )
    db.execute("CREATE INDEX idx_sightings_statement ON sightings(statement_id)")
    db.execute(
        """CREATE TABLE statement_tags (
            statement_id INTEGER NOT NULL REFERENCES statements(id),
            tag TEXT NOT NULL,
            score REAL NOT NULL,
            evidence TEXT,              -- JSON list of {term, start, end, snippet, field}
            tagged_at TEXT NOT NULL,
            PRIMARY KEY (statement_id, tag))"""
    )
    db.execute("CREATE INDEX idx_statement_tags_tag ON statement_tags(tag, score)")
    db.execute(
        """CREATE TABLE crawl_runs (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL,       -- running, ok, blocked, parse-failed, failed
            pages INTEGER DEFAULT 0,
            found INTEGER DEFAULT 0,
            new INTEGER DEFAULT 0,
            known INTEGER DEFAULT 0,
            errors INTEGER DEFAULT 0,
            message TEXT,
            log_path TEXT)"""
    )
    db.execute("CREATE INDEX idx_crawl_runs_source ON crawl_runs(source, started_at)")
    # The outbox: a row is queued in the same transaction that stores its statement and
    # marked sent only after the mail server accepted it.
    db.execute(
        """CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            statement_id INTEGER NOT NULL REFERENCES statements(id),
            subscription TEXT NOT NULL,
            recipient TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',   -- pending, sent, failed
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            last_error TEXT,
            UNIQUE (statement_id, subscription, recipient))"""
    )
    db["statements"].enable_fts(
        ["title", "text"], fts_version="FTS5", create_triggers=True, tokenize="unicode61 remove_diacritics 2"
    )


@migrations(name="0002_run_owner_and_entry_validators")
def _m0002(db: Database) -> None:
    # Which process on which machine runs a crawl, so a row left "running" by a process
    # that died can be closed as crashed by the next crawl.
    db.execute("ALTER TABLE crawl_runs ADD COLUMN pid INTEGER")
    db.execute("ALTER TABLE crawl_runs ADD COLUMN host TEXT")
    # What communique itself knows of each entry point (feed, listing, sitemap, API) as of
    # the last crawl that read it completely: the validators for a conditional request and
    # a hash of the content, so an unchanged entry point costs no parsing whatever the
    # site's Cache-Control says.
    db.execute(
        """CREATE TABLE entry_validators (
            source TEXT NOT NULL,
            url TEXT NOT NULL,
            etag TEXT,
            last_modified TEXT,
            content_hash TEXT,
            checked_at TEXT NOT NULL,
            PRIMARY KEY (source, url))"""
    )


# The ordering key of every listing: when a statement was published, else when it was first seen.
SORT_KEY = "coalesce(published_at, first_seen_at)"


@migrations(name="0003_search")
def _m0003(db: Database) -> None:
    """Indexes that let "newest N" read N index entries instead of sorting the whole table.

    - the ordering key as an expression index, alone and after the language;
    - statement_tags.sort_at and sightings.sort_at: the statement's ordering key copied onto each
      tag and sighting row (kept by triggers, whoever writes), so the newest N with a tag, or
      seen at a source, are read from one index in order, before any join, instead of joining
      every tagged statement and sorting them;
    - bm25 weighs a word in the title ten times a word in the text;
    - views `coe_statements` (newest first, with score and evidence) and `latest_by_source`.
    """
    db.execute(f"CREATE INDEX idx_statements_when ON statements({SORT_KEY}, id)")
    db.execute(f"CREATE INDEX idx_statements_language_when ON statements(language, {SORT_KEY}, id)")
    db.execute("ALTER TABLE statement_tags ADD COLUMN sort_at TEXT")
    db.execute(
        f"UPDATE statement_tags SET sort_at = (SELECT {SORT_KEY} FROM statements WHERE id = statement_id)"
    )
    db.execute(
        f"""CREATE TRIGGER statement_tags_sort_at AFTER INSERT ON statement_tags BEGIN
              UPDATE statement_tags SET sort_at = (SELECT {SORT_KEY} FROM statements WHERE id = NEW.statement_id)
              WHERE rowid = NEW.rowid;
            END"""
    )
    db.execute("ALTER TABLE sightings ADD COLUMN sort_at TEXT")
    db.execute(f"UPDATE sightings SET sort_at = (SELECT {SORT_KEY} FROM statements WHERE id = statement_id)")
    db.execute(
        f"""CREATE TRIGGER sightings_sort_at AFTER INSERT ON sightings BEGIN
              UPDATE sightings SET sort_at = (SELECT {SORT_KEY} FROM statements WHERE id = NEW.statement_id)
              WHERE id = NEW.id;
            END"""
    )
    db.execute(
        """CREATE TRIGGER statements_sort_at AFTER UPDATE OF published_at, first_seen_at ON statements BEGIN
              UPDATE statement_tags SET sort_at = coalesce(NEW.published_at, NEW.first_seen_at)
              WHERE statement_id = NEW.id;
              UPDATE sightings SET sort_at = coalesce(NEW.published_at, NEW.first_seen_at)
              WHERE statement_id = NEW.id;
            END"""
    )
    db.execute("CREATE INDEX idx_statement_tags_when ON statement_tags(tag, sort_at, statement_id)")
    # Every statement has a sighting at its own source, and one at each source that republished it.
    db.execute("CREATE INDEX idx_sightings_source_when ON sightings(source, sort_at, statement_id)")
    db.execute("INSERT INTO statements_fts(statements_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0)')")
    db.execute(f"CREATE INDEX idx_statements_source_when ON statements(source, {SORT_KEY}, id)")
    # The ordering key by id: sorting a few thousand full-text matches by date reads this small
    # index instead of each 3 KB row (whose date sits after its text, in overflow pages).
    db.execute(f"CREATE INDEX idx_statements_id_when ON statements(id, {SORT_KEY})")
    # Views for the questions people ask the database directly (sqlite3, Datasette).
    db.execute(
        """CREATE VIEW coe_statements AS
           SELECT s.id, tg.sort_at AS published, s.source, s.language, s.kind, s.title, s.url,
                  tg.score, tg.evidence
           FROM statement_tags tg JOIN statements s ON s.id = tg.statement_id
           WHERE tg.tag = 'coe'
           ORDER BY tg.sort_at DESC, tg.statement_id DESC"""
    )
    db.execute(
        f"""CREATE VIEW latest_by_source AS
           SELECT so.id AS source, so.name, so.publisher, so.country, s.id AS statement_id,
                  coalesce(s.published_at, s.first_seen_at) AS published,
                  s.title, s.url,
                  (SELECT count(*) FROM statements c WHERE c.source = so.id) AS statements
           FROM sources so JOIN statements s ON s.id = (
               SELECT id FROM statements WHERE source = so.id ORDER BY {SORT_KEY} DESC, id DESC LIMIT 1)
           ORDER BY published DESC"""
    )


@migrations(name="0004_alerts")
def _m0004(db: Database) -> None:
    """Subscriptions, and the outbox columns alert delivery needs (pipelines/outbox.py)."""
    db.execute(
        """CREATE TABLE subscriptions (
            id INTEGER PRIMARY KEY,
            recipient TEXT NOT NULL,
            tags TEXT NOT NULL DEFAULT '[]',      -- JSON list: any of them (empty: any statement)
            sources TEXT NOT NULL DEFAULT '[]',   -- JSON list of source ids: any of them
            query TEXT,                           -- an FTS5 query the statement must match
            language TEXT,
            min_score REAL,                       -- with tags: the tag's relevance at least this
            digest TEXT NOT NULL DEFAULT 'immediate',   -- immediate, daily, weekly
            updates INTEGER NOT NULL DEFAULT 0,   -- also one mail for a substantive edit
            tz TEXT NOT NULL DEFAULT 'UTC',       -- the recipient's zone: dates and digest hours
            since TEXT,                           -- alert on statements published since (UTC)
            created_at TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1)"""
    )
    db.execute("CREATE INDEX idx_subscriptions_recipient ON subscriptions(recipient, active)")
    # One alert per story, subscription and kind: a sighting, a translation or coverage of a
    # story that already alerted adds nothing. Until stories exist a statement is its own story.
    for column in ("story_id INTEGER", "kind TEXT NOT NULL DEFAULT 'new'", "due_at TEXT", "next_attempt_at TEXT",
                   "message_id TEXT"):
        db.execute(f"ALTER TABLE alerts ADD COLUMN {column}")
    db.execute("CREATE UNIQUE INDEX idx_alerts_story ON alerts(story_id, subscription, kind)")
    db.execute("CREATE INDEX idx_alerts_due ON alerts(status, due_at)")


@migrations(name="0005_stories")
def _m0005(db: Database) -> None:
    """Stories (#9): identity keys, revisions, the near-copy index, story membership.

    A statement is the root of its own story unless linked (story_id = its own id).
    """
    for column in ("identity_key TEXT", "story_id INTEGER", "story_role TEXT NOT NULL DEFAULT 'root'"):
        db.execute(f"ALTER TABLE statements ADD COLUMN {column}")
    db.execute("UPDATE statements SET story_id = id")
    db.execute("CREATE INDEX idx_statements_identity ON statements(identity_key) WHERE identity_key IS NOT NULL")
    db.execute("CREATE INDEX idx_statements_story ON statements(story_id)")
    # How a sighting was recognised: url, identity (the site's id), text (same words), near-copy.
    db.execute("ALTER TABLE sightings ADD COLUMN match TEXT NOT NULL DEFAULT 'url'")
    db.execute("ALTER TABLE sightings ADD COLUMN similarity REAL")
    db.execute("ALTER TABLE sightings ADD COLUMN title TEXT")
    db.execute(
        """CREATE TABLE revisions (
            id INTEGER PRIMARY KEY,
            statement_id INTEGER NOT NULL REFERENCES statements(id),
            number INTEGER NOT NULL,        -- 1: the text as first stored
            title TEXT NOT NULL,
            text TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            words_changed INTEGER,          -- against the previous revision
            chars_changed INTEGER,
            share_changed REAL,
            substantive INTEGER,
            UNIQUE (statement_id, number))"""
    )
    # MinHash signatures and their LSH bands (pipelines/nearcopy.py): (band, hash) -> statement.
    db.execute(
        """CREATE TABLE nearcopy_signatures (
            statement_id INTEGER PRIMARY KEY REFERENCES statements(id),
            shingles INTEGER NOT NULL,
            signature BLOB NOT NULL)"""
    )
    db.execute(
        """CREATE TABLE nearcopy_bands (
            band INTEGER NOT NULL, hash INTEGER NOT NULL, statement_id INTEGER NOT NULL,
            PRIMARY KEY (band, hash, statement_id)) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX idx_nearcopy_bands_statement ON nearcopy_bands(statement_id)")
    # Top terms per statement (pipelines/stories.py): TF-IDF over a window without re-reading texts.
    db.execute("CREATE TABLE story_terms (statement_id INTEGER PRIMARY KEY REFERENCES statements(id), terms TEXT)")
    # Translation links a page gave (hreflang, the site's language switch): address -> statement.
    db.execute(
        """CREATE TABLE translation_links (
            canonical_url TEXT NOT NULL, statement_id INTEGER NOT NULL REFERENCES statements(id),
            language TEXT, PRIMARY KEY (canonical_url, statement_id))"""
    )
    # 0001 made an alert unique per (statement, subscription, recipient), which leaves no room
    # for the `updated` alert of an edited statement: rebuild the outbox without it (one alert
    # per story, subscription and kind stays, as idx_alerts_story).
    db.execute(
        """CREATE TABLE alerts_0005 (
            id INTEGER PRIMARY KEY,
            statement_id INTEGER NOT NULL REFERENCES statements(id),
            subscription TEXT NOT NULL,
            recipient TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            last_error TEXT,
            story_id INTEGER,
            kind TEXT NOT NULL DEFAULT 'new',
            due_at TEXT,
            next_attempt_at TEXT,
            message_id TEXT,
            UNIQUE (statement_id, subscription, recipient, kind))"""
    )
    columns = ("id, statement_id, subscription, recipient, status, attempts, created_at, sent_at, last_error, "
               "story_id, kind, due_at, next_attempt_at, message_id")
    db.execute(f"INSERT INTO alerts_0005 ({columns}) SELECT {columns} FROM alerts")
    db.execute("DROP TABLE alerts")
    db.execute("ALTER TABLE alerts_0005 RENAME TO alerts")
    db.execute("CREATE UNIQUE INDEX idx_alerts_story ON alerts(story_id, subscription, kind)")
    db.execute("CREATE INDEX idx_alerts_due ON alerts(status, due_at)")
    # Where a statement joined its story and why (relation, score), for `show`.
    db.execute(
        """CREATE TABLE story_links (
            statement_id INTEGER PRIMARY KEY REFERENCES statements(id),
            story_id INTEGER NOT NULL,
            linked_to INTEGER NOT NULL REFERENCES statements(id),
            relation TEXT NOT NULL,         -- translation, quote, report, statement
            score REAL,
            linked_at TEXT NOT NULL)"""
    )


@migrations(name="0006_health")
def _m0006(db: Database) -> None:
    """Health notices (#10): one row per health email due to the admin, sent like the outbox.

    The run that made a source reach N failures (or recover) owns its notice, and a run owns
    at most one of each kind, so a notice is never queued twice; it is marked sent only after
    the mail server accepted it, so a server that is down delays it, never loses it.
    """
    db.execute(
        """CREATE TABLE health_notices (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            kind TEXT NOT NULL,             -- failing, recovered
            run_id TEXT NOT NULL,           -- the crawl run that made it due
            failures INTEGER NOT NULL,      -- failing runs in a row when it was queued
            message TEXT,                   -- that run's own message
            status TEXT NOT NULL DEFAULT 'pending',   -- pending, sent
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            last_error TEXT,
            UNIQUE (run_id, kind))"""
    )
    db.execute("CREATE INDEX idx_health_notices_status ON health_notices(status, id)")


@migrations(name="0007_rechecks")
def _m0007(db: Database) -> None:
    """Re-checking recent statements for edits (pipelines/rechecks.py).

    Per statement: the validators its page last answered with (ETag, Last-Modified), so a
    re-check is a conditional request that an unchanged page answers 304; how many of the
    decaying schedule's checks are done and when the next is due. Recheck runs are marked in
    crawl_runs, so they do not move a source's crawl cadence.
    """
    db.execute(
        """CREATE TABLE rechecks (
            statement_id INTEGER PRIMARY KEY REFERENCES statements(id),
            url TEXT NOT NULL,              -- the address fetched
            etag TEXT,
            last_modified TEXT,
            checks INTEGER NOT NULL DEFAULT 0,   -- steps of the schedule done
            last_checked_at TEXT,
            last_status INTEGER,            -- HTTP status of the last check (304: unchanged)
            next_check_at TEXT)             -- NULL: no check left"""
    )
    db.execute("CREATE INDEX idx_statements_source_seen ON statements(source, first_seen_at)")
    db.execute("ALTER TABLE crawl_runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'crawl'")  # crawl, recheck


@migrations(name="0008_run_counts")
def _m0008(db: Database) -> None:
    """The rest of a run's counts (issue #10): statements revised, duplicates (the same or nearly the same
    text seen at another address: sightings), and bytes downloaded."""
    for column in ("revised", "duplicates", "bytes"):
        db.execute(f"ALTER TABLE crawl_runs ADD COLUMN {column} INTEGER DEFAULT 0")


@migrations(name="0009_fts_reindex_on_text_change")
def _m0009(db: Database) -> None:
    """The full-text index follows edits of the title and text only.

    sqlite-utils' update trigger fires on any UPDATE of a statement, so setting its story,
    identity key or role (0005 sets every story_id; linking sets them again) deleted and
    re-inserted the row in the index: 0005 left every statement indexed twice over (the
    old entries plus tombstones plus new ones), and a relevance search at a million
    statements took twice the CPU. The trigger now names the indexed columns, and the
    index is rebuilt compactly once ('optimize': minutes at a million statements).
    """
    db.execute("DROP TRIGGER IF EXISTS statements_au")
    db.execute(
        """CREATE TRIGGER statements_au AFTER UPDATE OF title, text ON statements BEGIN
              INSERT INTO statements_fts (statements_fts, rowid, title, text)
                VALUES ('delete', old.rowid, old.title, old.text);
              INSERT INTO statements_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);
            END"""
    )
    db.execute("INSERT INTO statements_fts (statements_fts) VALUES ('optimize')")


@migrations(name="0010_stemmed_search")
def _m0010(db: Database) -> None:
    """A second, stemmed full-text index for Ukrainian and Russian queries (pipelines/stem_index.py).

    `statements_stems` holds the stem of each Cyrillic word of a statement's title and text
    (contentless: no text is stored twice); a Cyrillic query searches it in two phrases
    («совет», «европ») instead of every case form in the main index, so bm25 ranks faster.
    Triggers in plain SQL note each change in `stems_pending` (with the old title and text,
    which a contentless index needs to remove a row); the storage API stems what is noted.
    Every existing statement is stemmed now (4–6 minutes of CPU at a million statements).
    """
    # Not columnsize=0, though bm25 would rank 10,000 matches in half the time without its
    # per-statement lengths (measured: 22 instead of 29 ms at a million statements): a
    # contentless table without them cannot be scanned, and `sqlite-utils tables --counts` or
    # `datasette inspect`, which count every table, would fail on the database.
    db.execute(
        "CREATE VIRTUAL TABLE statements_stems USING fts5(title, text, content='', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    db.execute("INSERT INTO statements_stems (statements_stems, rank) VALUES ('rank', 'bm25(10.0, 1.0)')")
    db.execute(
        """CREATE TABLE stems_pending (
            statement_id INTEGER PRIMARY KEY,
            indexed INTEGER NOT NULL,  -- 1: statements_stems holds the stems of this title and text for it
            title TEXT,
            text TEXT)"""
    )
    db.execute("CREATE TABLE stems_state (stemmer TEXT NOT NULL)  -- how the index's words were cut")
    db.execute(
        """CREATE TRIGGER statements_stems_ai AFTER INSERT ON statements BEGIN
              INSERT OR IGNORE INTO stems_pending (statement_id, indexed) VALUES (new.id, 0);
            END"""
    )
    # OR IGNORE: a statement already noted keeps its first note, which says what the index holds.
    for event, name in (("UPDATE OF title, text", "au"), ("DELETE", "ad")):
        db.execute(
            f"""CREATE TRIGGER statements_stems_{name} AFTER {event} ON statements BEGIN
                  INSERT OR IGNORE INTO stems_pending (statement_id, indexed, title, text)
                  VALUES (old.id, 1, old.title, old.text);
                END"""
        )
    from pipelines import stem_index

    stem_index.check_stemmer(db.conn)  # stems every statement


@migrations(name="0011_alert_per_edit")
def _m0011(db: Database) -> None:
    """One `updated` alert per substantive edit, not one per story for ever (issue #9/#11).

    0005 made an alert unique per story, subscription and kind, so the second substantive
    edit of a statement queued nothing. An alert now also carries the revision it reports
    (0 for a new story): each substantive edit may mail `--updates` subscribers once, and
    a new one while an earlier edit's mail is still pending adds nothing (that mail shows
    the text as it is when sent). The table is rebuilt because its UNIQUE constraint
    (statement, subscription, recipient, kind) is part of its definition.
    """
    db.execute(
        """CREATE TABLE alerts_0011 (
            id INTEGER PRIMARY KEY,
            statement_id INTEGER NOT NULL REFERENCES statements(id),
            subscription TEXT NOT NULL,
            recipient TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            last_error TEXT,
            story_id INTEGER,
            kind TEXT NOT NULL DEFAULT 'new',
            due_at TEXT,
            next_attempt_at TEXT,
            message_id TEXT,
            revision INTEGER NOT NULL DEFAULT 0,  -- the revision an `updated` alert reports; 0 for `new`
            UNIQUE (statement_id, subscription, recipient, kind, revision))"""
    )
    columns = ("id, statement_id, subscription, recipient, status, attempts, created_at, sent_at, last_error, "
               "story_id, kind, due_at, next_attempt_at, message_id")
    db.execute(f"INSERT INTO alerts_0011 ({columns}) SELECT {columns} FROM alerts")
    db.execute("DROP TABLE alerts")
    db.execute("ALTER TABLE alerts_0011 RENAME TO alerts")
    db.execute("CREATE UNIQUE INDEX idx_alerts_story ON alerts(story_id, subscription, kind, revision)")
    db.execute("CREATE INDEX idx_alerts_due ON alerts(status, due_at)")
