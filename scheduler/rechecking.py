"""Re-check runs from the scheduler's side: is anything due, run it, what came of it.

A recheck run is a crawl subprocess of the source's own spider in recheck mode
(spiders/recheck.py, COMMUNIQUE_RECHECK=1); which statements are due is decided by
pipelines/rechecks.py from the database. Nothing is started for a source with nothing due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipelines import rechecks
from pipelines.db import open_db
from scheduler.crawl import CrawlResult, run_crawl
from spiders import config
from spiders.sources import Source


@dataclass
class RecheckResult:
    source: str
    due: int
    crawl: CrawlResult | None = None  # None: nothing was due, nothing was run
    unchanged: int = 0  # answered 304
    revisions: int = 0  # edits found (new revisions stored)

    @property
    def ok(self) -> bool:
        return self.crawl is None or self.crawl.ok

    def line(self) -> str:
        if self.crawl is None:
            return f"{self.source:<24} nothing due"
        r = self.crawl
        text = (f"{self.source:<24} {r.status:<13} due {self.due:>3}  fetched {r.pages:>3}  "
                f"unchanged {self.unchanged:>3}  edited {self.revisions:>3}  errors {r.errors:>2}")
        return text + (f"  - {r.message}" if r.message else "")


def due_count(db_path: Path, source: Source, now: datetime | None = None) -> int:
    """How many of the source's statements are due for a re-check now."""
    with open_db(db_path) as store:
        return len(rechecks.due_rechecks(store.db, source.id, now or datetime.now(UTC), config.recheck_after()))


def run_recheck(source: Source, db_path: Path, sources_path: Path, *, settings: dict | None = None,
                **kwargs) -> RecheckResult:
    """Re-check the source's due statements in one crawl subprocess (none started when nothing is due)."""
    due = due_count(db_path, source)
    if not due:
        return RecheckResult(source.id, 0)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    revisions_before = _revisions(db_path, source)
    result = run_crawl(source, db_path, sources_path, settings={**(settings or {}), "COMMUNIQUE_RECHECK": "1"},
                       **kwargs)
    with open_db(db_path) as store:
        unchanged = store.db.execute(
            "SELECT count(*) FROM rechecks r JOIN statements s ON s.id = r.statement_id "
            "WHERE s.source = ? AND r.last_checked_at >= ? AND r.last_status = 304", [source.id, started]).fetchone()[0]
    return RecheckResult(source.id, due, result, unchanged, _revisions(db_path, source) - revisions_before)


def _revisions(db_path: Path, source: Source) -> int:
    """Edits stored so far for the source's statements (their second and later versions)."""
    with open_db(db_path) as store:
        return store.db.execute(
            "SELECT count(*) FROM revisions v JOIN statements s ON s.id = v.statement_id "
            "WHERE s.source = ? AND v.number > 1", [source.id]).fetchone()[0]
