"""Statements and stores the tests build, defined once (identity keys set as the dedup stage would)."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime

from pipelines.db import Store, open_db
from pipelines.dedup import fingerprint
from spiders.items import Statement
from spiders.urls import canonical_url


def statement(url: str, text: str, *, title: str = "A title", source: str = "src", language: str = "en",
              kind: str = "statement", published_at: datetime | None = None, fetched_at: datetime | None = None,
              tags=()) -> Statement:
    """A statement ready for Store.save: canonical address and fingerprint set, tags given."""
    st = Statement(source=source, url=url, title=title, text=text, language=language, kind=kind,
                   published_at=published_at, fetched_at=fetched_at or datetime.now(UTC))
    st.canonical_url = canonical_url(url)
    st.fingerprint = fingerprint(title, text)
    st.tags = list(tags)
    return st


def opened_store(path, *sources) -> Store:
    """A real database file with these sources registered (a context manager: closes on exit)."""
    store = open_db(path)
    store.upsert_sources(sources)
    return store


def digest(path) -> str:
    """A file's sha256: "left byte-identical" in one comparison."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def foreign_sqlite(path):
    """A SQLite file that is someone else's (communique must refuse it and leave it untouched)."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('someone else''s data')")
    conn.commit()
    conn.close()
    return path


def one_statement_db(path, source):
    """A communique database holding one statement ('Torture report', id 1) of `source`."""
    with opened_store(path, source) as store, store.write() as db:
        db.execute(
            "INSERT INTO statements (source, url, canonical_url, title, text, fingerprint, first_seen_at)"
            " VALUES (?, 'https://example.org/1', 'https://example.org/1', 'Torture report',"
            " 'The CPT published a report on torture.', 'f1', '2024-10-10T00:00:00+00:00')", [source.id])
    return path


def popen_with_ctrl_c(args: list, **kwargs):
    """subprocess.Popen with SIGINT handled as on a terminal.

    A test run started in the background by a shell inherits SIGINT ignored, an exec keeps it
    ignored, and Python then installs no Ctrl-C handler. A signal with a handler is reset to
    its default on exec, so a handler is set around the start of the child.
    """
    import signal
    import subprocess

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(args, **kwargs)
    finally:
        signal.signal(signal.SIGINT, previous)
