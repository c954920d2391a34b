"""Keeping the stemmed index (statements_stems, migration 0010) current, whoever writes.

Plain SQL triggers note every statement inserted, edited (title or text) or deleted in
`stems_pending`, with the title and text the stemmed index holds for it: any program may
write statements (sqlite3, Datasette) without loading a stemmer. The storage API stems the
noted statements at the end of each of its write transactions (Store.write), inside the
same transaction, so its own writes are never visible without their stems. While anything
is noted (another program wrote), searches read the main index instead (`current`), so a
statement is never missed, only found more slowly.

The stemmed index is contentless (it stores no text, a third of the main index's size):
FTS5 removes a row from it only when given the stems it was indexed with, which is why the
old title and text are noted, and why a change of stemmer (a PyStemmer release that cuts
words differently) rebuilds the index (`check_stemmer`).
"""

from __future__ import annotations

import hashlib
import sqlite3
from functools import lru_cache

from pipelines.fts import ENDINGS, SEARCH_ENDINGS, stem, stemmed_text

TABLE = "statements_stems"
BATCH = 2_000  # statements stemmed per round (about 6 MB of text)
# Words whose stems identify the stemmer: a release that cuts any of them differently rebuilds the index.
_PROBES = ("совета", "советом", "европы", "россии", "россией", "правительства", "европейского", "заявлений",
           "министров", "рада", "ради", "радою", "європи", "європейського", "міністрів", "росії", "україною",
           "людини", "комітету", "засіданнях", "ассамблеей", "конвенции", "конвенції", "судом", "правами")


@lru_cache(maxsize=1)
def stemmer_id() -> str:
    """A fingerprint of how words are cut to stems (the endings lists and Snowball's answers)."""
    sample = " ".join(stem(w) for w in _PROBES) + "|" + ",".join(sorted(ENDINGS)) + "|" + ",".join(sorted(SEARCH_ENDINGS))
    return hashlib.sha1(sample.encode()).hexdigest()[:16]


def current(conn: sqlite3.Connection) -> bool:
    """Whether the stemmed index answers for every statement, as this process's stemmer cuts words."""
    row = conn.execute(
        "SELECT (SELECT stemmer FROM stems_state) = ? AND NOT EXISTS (SELECT 1 FROM stems_pending)", [stemmer_id()]
    ).fetchone()
    return bool(row and row[0])


def catch_up(conn: sqlite3.Connection, batch: int = BATCH) -> int:
    """Stem the statements noted in stems_pending (inside the caller's write transaction);
    returns how many were noted."""
    done = 0
    while True:
        rows = conn.execute(
            "SELECT p.statement_id, p.indexed, p.title, p.text, s.id, s.title, s.text FROM stems_pending p "
            "LEFT JOIN statements s ON s.id = p.statement_id ORDER BY p.statement_id LIMIT ?", [batch]
        ).fetchall()
        if not rows:
            return done
        removed, added = [], []
        for statement_id, indexed, old_title, old_text, found, title, text in rows:
            if indexed:  # a statement without Cyrillic words has no row to remove
                stems = (stemmed_text(old_title), stemmed_text(old_text))
                if any(stems):
                    removed.append((statement_id, *stems))
            if found is not None:
                stems = (stemmed_text(title), stemmed_text(text))
                if any(stems):
                    added.append((statement_id, *stems))
        conn.executemany(f"INSERT INTO {TABLE} ({TABLE}, rowid, title, text) VALUES ('delete', ?, ?, ?)", removed)
        conn.executemany(f"INSERT INTO {TABLE} (rowid, title, text) VALUES (?, ?, ?)", added)
        conn.execute("DELETE FROM stems_pending WHERE statement_id <= ?", [rows[-1][0]])
        done += len(rows)


def check_stemmer(conn: sqlite3.Connection) -> bool:
    """Inside a write transaction: rebuild the stemmed index when it was cut by another stemmer
    (or never filled); returns whether it did."""
    if not needs_check(conn):
        return False
    conn.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('delete-all')")
    conn.execute("DELETE FROM stems_pending")
    conn.execute("INSERT INTO stems_pending (statement_id, indexed) SELECT id, 0 FROM statements")
    catch_up(conn)
    conn.execute("DELETE FROM stems_state")
    conn.execute("INSERT INTO stems_state (stemmer) VALUES (?)", [stemmer_id()])
    return True


def needs_check(conn: sqlite3.Connection) -> bool:
    """Whether check_stemmer has work to do (one read, for opening without taking the write lock)."""
    row = conn.execute("SELECT stemmer FROM stems_state").fetchone()
    return not row or row[0] != stemmer_id()
