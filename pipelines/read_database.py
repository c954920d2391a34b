"""What reading the archive needs of a sqlite-utils Database, without importing sqlite-utils.

Importing sqlite-utils (with dateutil, pluggy and its plugin scan) is most of a reading
command's start-up, and reading uses none of it: the storage API reads with plain,
parameterised SQL. A read-only connection is wrapped in this instead; writers keep
sqlite-utils (migrations, FTS set-up).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator


class ReadDatabase:
    """`execute`, `query`, `conn` and `close`, as sqlite-utils' Database offers them."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, parameters=None) -> sqlite3.Cursor:
        return self.conn.execute(sql, parameters) if parameters is not None else self.conn.execute(sql)

    def query(self, sql: str, params=None) -> Iterator[dict]:
        """Rows as dicts, like sqlite-utils' `Database.query`."""
        cursor = self.execute(sql, params)
        keys = [d[0] for d in cursor.description or ()]
        for row in cursor:
            yield dict(zip(keys, row, strict=True))

    def close(self) -> None:
        self.conn.close()
