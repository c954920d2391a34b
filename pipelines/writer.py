"""Store stage: statements written in batches, one transaction per batch.

One transaction per statement was half of the store stage's cost. A batch is held in
memory until it is full, old enough, or the crawl pauses, ends or meets an error, then
written in one transaction (all or none, pipelines/db.py `save_many`). The guarantees:

* A statement waiting in the batch is known: the dedup stage and the spiders' "is this
  article stored?" question see it (`is_known`), so it is never read or stored twice.
* Nothing written is lost, nothing is stored twice: a batch that cannot be written is rolled
  back whole and reported (StorageError); its statements are not in the database, so they
  are not known, and the next crawl reads them again.
* A crash (SIGKILL) loses only the statements of the unwritten batch, which are then not
  known either and are read again by the next crawl.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from pipelines.db import Store
from spiders.errors import StorageError

# Outcome of storing one statement -> the crawl counter it is counted under.
OUTCOME_COUNTER = {"new": "new", "sighting": "sightings", "known": "known", "revision": "revisions"}


class StatementWriter:
    def __init__(self, store: Store, run_id: str | None, *, batch_size: int = 25, max_age_s: float = 5.0,
                 on_saved: Callable[[str], None] | None = None):
        self.store = store
        self.run_id = run_id
        self.batch_size = max(1, batch_size)
        self.max_age_s = max_age_s
        self.on_saved = on_saved or (lambda outcome: None)
        self.pending: list = []
        self.pending_urls: dict[str, str | None] = {}  # canonical address -> fingerprint
        self.oldest = 0.0

    def is_known(self, canonical_url: str) -> bool:
        """Whether a statement was stored, or is waiting in the batch, at this canonical address."""
        return canonical_url in self.pending_urls or self.store.is_known_url(canonical_url)

    def fingerprint_at(self, canonical_url: str) -> str | None:
        """The fingerprint of the statement waiting in the batch, or stored, at this address."""
        if canonical_url in self.pending_urls:
            return self.pending_urls[canonical_url]
        return self.store.fingerprint_at(canonical_url)

    def add(self, item):
        """The store stage: queue the statement; write the batch when it is full or old enough."""
        if not self.pending:
            self.oldest = time.monotonic()
        self.pending.append(item)
        self.pending_urls[item.canonical_url] = item.fingerprint
        self.pending_urls.update({alias: item.fingerprint for alias in item.aliases})
        if len(self.pending) >= self.batch_size or time.monotonic() - self.oldest >= self.max_age_s:
            self.flush()
        return item

    def flush(self) -> int:
        """Write the waiting statements in one transaction; how many were written.

        Raises StorageError when the batch could not be written (then none of it was).
        """
        if not self.pending:
            return 0
        batch = self.pending
        self.pending, self.pending_urls = [], {}
        try:
            outcomes = self.store.save_many(batch, self.run_id)
        except (StorageError, sqlite3.Error) as exc:
            raise StorageError(f"{len(batch)} statement(s) not stored (read again next crawl): {exc}") from None
        for outcome, _ in outcomes:
            self.on_saved(outcome)
        return len(outcomes)
