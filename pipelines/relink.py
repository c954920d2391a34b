"""Backfill: near-copy signatures and story terms for statements stored before they existed.

Statements stored before migration 0005_stories have neither a MinHash signature
(nearcopy_signatures/nearcopy_bands) nor story terms (story_terms), so a later republication
or report cannot be linked to them. `relink_batches` computes both, `batch` statements per
write transaction (a crawl writing meanwhile waits at most one batch), and is idempotent: a
statement with story terms is done (every statement stored since 0005 has them), so a second
run, or one resumed after Ctrl-C, does only what is left. `everything=True` recomputes all
(after changing the near-copy settings, or to give statements indexed before cross-language
features existed their names, numbers and days: pipelines/crosslingual.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

from pipelines.linking import index_text

_MISSING = "NOT EXISTS (SELECT 1 FROM story_terms t WHERE t.statement_id = s.id)"


def count_to_relink(db, *, everything: bool = False) -> int:
    where = "" if everything else f" WHERE {_MISSING}"
    return db.execute(f"SELECT count(*) FROM statements s{where}").fetchone()[0]


def relink_batches(store, *, batch: int = 500, everything: bool = False) -> Iterator[int]:
    """Index the statements that need it, in id order; yields how many each batch did."""
    last = 0
    condition = "s.id > ?" + ("" if everything else f" AND {_MISSING}")
    while True:
        rows = store.db.execute(
            f"SELECT s.id, s.title, s.text FROM statements s WHERE {condition} ORDER BY s.id LIMIT ?",
            [last, int(batch)],
        ).fetchall()
        if not rows:
            return
        with store.write() as db:
            for statement_id, title, text in rows:
                index_text(db, statement_id, SimpleNamespace(title=title, text=text))
        last = rows[-1][0]
        yield len(rows)
