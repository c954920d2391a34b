"""Re-checking recent statements for edits, on a decaying schedule (#9).

Ministries edit statements silently, mostly in the first hours. Each statement's own page is
fetched again at fixed delays after it was first seen (default 1 h, 6 h, 1 d, 3 d, 7 d:
COMMUNIQUE_RECHECK_AFTER), with the validators its page last answered with (ETag,
Last-Modified), so an unchanged page costs one 304 and no parsing. A changed page goes
through the normal stages, where the store keeps it as a revision (pipelines/linking.py).

One check covers every step whose time has come: a statement re-checked three days late is
checked once, not three times. A statement first seen longer ago than the last delay plus
LATE_GRACE is never re-checked (a scheduler down for weeks does not refetch the archive).

The schedule is pure (`checks_covered`, `next_check`); the rest reads and writes the
`rechecks` table (migration 0007_rechecks) inside the caller's connection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from spiders.config import recheck_after

LATE_GRACE = timedelta(days=1)
# A validator is sent back in a request header: only printable ASCII, of a sane length.
_VALIDATOR = re.compile(r"[\x20-\x7e]{1,200}")


@dataclass(frozen=True)
class Due:
    """One statement whose page is due for a re-check."""

    statement_id: int
    url: str
    etag: str | None
    last_modified: str | None

    def to_dict(self) -> dict:
        return {"statement_id": self.statement_id, "url": self.url, "etag": self.etag,
                "last_modified": self.last_modified}


def _parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def checks_covered(first_seen: datetime, at: datetime, after: tuple[int, ...]) -> int:
    """How many steps of the schedule a check made at `at` covers (every step already due)."""
    age = (at - first_seen).total_seconds()
    return sum(1 for step in after if step <= age)


def next_check(first_seen: datetime, checks_done: int, after: tuple[int, ...]) -> datetime | None:
    """When the next check is due after `checks_done` checks; None when none is left."""
    if checks_done >= len(after):
        return None
    return first_seen + timedelta(seconds=after[checks_done])


def is_due(first_seen: datetime, checks_done: int, now: datetime, after: tuple[int, ...]) -> bool:
    """Whether a statement first seen then, with that many checks done, is to be fetched now."""
    when = next_check(first_seen, checks_done, after)
    return when is not None and when <= now and first_seen >= now - timedelta(seconds=after[-1]) - LATE_GRACE


def due_rechecks(db, source: str, now: datetime, after: tuple[int, ...], limit: int = 500) -> list[Due]:
    """The statements of `source` whose re-check is due, oldest first (at most `limit`).

    Reads only the statements first seen inside the schedule's window (an index on
    (source, first_seen_at)), so the cost is that of the source's recent statements.
    """
    horizon = (now - timedelta(seconds=after[-1]) - LATE_GRACE).astimezone(UTC).isoformat(timespec="seconds")
    rows = db.execute(
        """SELECT s.id, s.url, s.first_seen_at, coalesce(r.checks, 0), r.etag, r.last_modified
           FROM statements s LEFT JOIN rechecks r ON r.statement_id = s.id
           WHERE s.source = ? AND s.first_seen_at >= ? ORDER BY s.first_seen_at, s.id""",
        [source, horizon],
    ).fetchall()
    due = [Due(sid, url, etag, modified) for sid, url, seen, checks, etag, modified in rows
           if is_due(_parse(seen), checks, now, after)]
    return due[:limit]


def clean_validator(value: str | None) -> str | None:
    """A header value a page sent, fit to be sent back (else None): scraped text is untrusted."""
    value = (value or "").strip()
    return value if _VALIDATOR.fullmatch(value) else None


def record_check(db, statement_id: int, url: str, status: int, etag: str | None, last_modified: str | None,
                 now: datetime, after: tuple[int, ...]) -> None:
    """Remember one re-check: its status, the page's validators, the steps done, the next due time.

    A 304 usually repeats no validators: the ones kept stay. Any other answer replaces them
    (a page that stopped sending an ETag is asked without one).
    """
    row = db.execute("SELECT first_seen_at FROM statements WHERE id = ?", [statement_id]).fetchone()
    if row is None:
        return
    first_seen = _parse(row[0])
    covered = checks_covered(first_seen, now, after)
    nxt = next_check(first_seen, covered, after)
    etag, last_modified = clean_validator(etag), clean_validator(last_modified)
    keep = status == 304
    db.execute(
        f"""INSERT INTO rechecks (statement_id, url, etag, last_modified, checks, last_checked_at, last_status,
                                  next_check_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(statement_id) DO UPDATE SET url = excluded.url,
              etag = {"coalesce(excluded.etag, etag)" if keep else "excluded.etag"},
              last_modified = {"coalesce(excluded.last_modified, last_modified)" if keep else "excluded.last_modified"},
              checks = max(checks, excluded.checks), last_checked_at = excluded.last_checked_at,
              last_status = excluded.last_status, next_check_at = excluded.next_check_at""",
        [statement_id, url, etag, last_modified, covered, now.astimezone(UTC).isoformat(timespec="seconds"),
         int(status), nxt.astimezone(UTC).isoformat(timespec="seconds") if nxt else None],
    )


def remember_validators(db, statement_id: int, item, now: str, after: tuple[int, ...] | None = None) -> None:
    """A new statement's page validators (item.validators, from the crawl that read it), so
    its first re-check is already a conditional request; nothing when the page sent none."""
    validators = getattr(item, "validators", None) or {}
    etag, last_modified = clean_validator(validators.get("etag")), clean_validator(validators.get("last_modified"))
    if not (etag or last_modified):
        return
    if after is None:
        after = recheck_after()
    first = next_check(_parse(now), 0, after)
    db.execute(
        """INSERT INTO rechecks (statement_id, url, etag, last_modified, checks, next_check_at)
           VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT(statement_id) DO NOTHING""",
        [statement_id, item.url, etag, last_modified, first.astimezone(UTC).isoformat(timespec="seconds")],
    )


def mark_recheck_run(db, run_id: str) -> None:
    """A recheck run is a crawl_runs row of its own kind: it does not move the crawl cadence."""
    db.execute("UPDATE crawl_runs SET kind = 'recheck' WHERE id = ?", [run_id])


def attach(spider, store, run_id: str, after: tuple[int, ...], now: datetime | None = None) -> int:
    """Prepare a recheck run (spiders/recheck.py): mark its crawl_runs row, hand the spider the
    due statements of its source and a recorder for each answer; how many are due."""
    now = now or datetime.now(UTC)
    with store.write() as db:
        mark_recheck_run(db, run_id)
    spider.recheck_due = [d.to_dict() for d in due_rechecks(store.db, spider.source.id, now, after)]

    def recorder(statement_id: int, url: str, status: int, etag: str | None, last_modified: str | None) -> None:
        with store.write() as db:
            record_check(db, statement_id, url, status, etag, last_modified, datetime.now(UTC), after)

    spider.recheck_recorder = recorder
    return len(spider.recheck_due)
