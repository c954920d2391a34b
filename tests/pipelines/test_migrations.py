"""The migration set: numbered, applied through sqlite-utils, checked without it."""

import re
import sqlite3

from pipelines.db import open_db
from pipelines.migrations import migrations


def test_migrations_are_numbered_in_order_and_unique():
    names = [name for name, _ in migrations.steps]
    assert all(re.fullmatch(r"\d{4}_[a-z0-9_]+", n) for n in names), names
    assert names == sorted(names) and len({n[:4] for n in names}) == len(names)


def test_a_new_database_records_every_migration_where_sqlite_utils_keeps_them(tmp_path):
    open_db(tmp_path / "c.db").close()
    conn = sqlite3.connect(tmp_path / "c.db")
    recorded = [r[0] for r in conn.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = 'communique' ORDER BY rowid")]
    assert recorded == [name for name, _ in migrations.steps]
    assert migrations.applied(conn) == recorded and migrations.pending(conn) == []
    conn.close()


def test_a_database_missing_the_last_migration_is_pending_it_and_a_writer_applies_it(tmp_path):
    open_db(tmp_path / "c.db").close()
    last = migrations.steps[-1][0]
    with sqlite3.connect(tmp_path / "c.db") as conn:
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = ?", [last])
        assert migrations.pending(conn) == [last]
    conn.close()
    # the last migration rebuilds the outbox: applying it again over the same schema must work
    open_db(tmp_path / "c.db").close()
    conn = sqlite3.connect(tmp_path / "c.db")
    assert migrations.pending(conn) == []
    conn.close()
