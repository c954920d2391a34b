"""Health notices: the admin's health emails, queued from crawl runs and marked sent after delivery.

`pipelines/health_history.notification()` decides from the runs alone whether a source's latest
run made a health email due (it reached N failures in a row, or ended such a streak). Deciding is
not sending: the mail server may be down. So the decision is written down here first, keyed by
the run that made it (`UNIQUE (run_id, kind)`), and marked sent only once the server accepted the
mail — queued twice never, lost never, retried after the next crawl until it goes out.
"""

from __future__ import annotations

from pipelines import health_history
from pipelines.db import utcnow
from pipelines.outbox import rows


def queue_due(store, source: str, threshold: int = health_history.FAILURES_THRESHOLD) -> dict | None:
    """Queue the health notice `source`'s latest run makes due, if any; the queued row, or None.

    Safe to call again for the same run: the notice exists once.
    """
    runs, _ = store.source_history(source)
    kind = health_history.notification(runs, threshold)
    if kind is None:
        return None
    latest = runs[-1]
    failures = health_history.consecutive_failures(health_history.verdicts(runs[:-1] if kind == "recovered" else runs))
    with store.write() as db:
        db.execute(
            """INSERT INTO health_notices (source, kind, run_id, failures, message, created_at)
               VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, kind) DO NOTHING""",
            [source, kind, latest["id"], failures, latest.get("message") or "", utcnow()],
        )
        found = rows(db.execute("SELECT * FROM health_notices WHERE run_id = ? AND kind = ?", [latest["id"], kind]))
    return found[0]


def pending(store) -> list[dict]:
    """Notices not yet accepted by a mail server, oldest first (a failing notice before its recovery)."""
    return rows(store.db.execute("SELECT * FROM health_notices WHERE status = 'pending' ORDER BY id"))


def mark_sent(store, notice_id: int) -> None:
    with store.write() as db:
        db.execute("UPDATE health_notices SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL "
                   "WHERE id = ?", [utcnow(), notice_id])


def mark_failed(store, notice_ids: list[int], error: str) -> None:
    """A delivery attempt failed: the notices stay pending for the next round, the reason is kept."""
    with store.write() as db:
        for notice_id in notice_ids:
            db.execute("UPDATE health_notices SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                       [error[:300], notice_id])


def sent(store, source: str | None = None) -> list[dict]:
    """Notices already delivered (for `communique sources` and tests), oldest first."""
    where, params = "status = 'sent'", []
    if source:
        where += " AND source = ?"
        params.append(source)
    return rows(store.db.execute(f"SELECT * FROM health_notices WHERE {where} ORDER BY id", params))
