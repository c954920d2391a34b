"""The outbox: alerts queued in the transaction that stores their statement, sent later.

Storing a new statement and queuing its alerts is one transaction, so a crash can lose
neither; the sender marks an alert sent only after the mail server accepted it, so a mail
server that is down delays alerts and never loses them. One alert per story, subscription
and kind (a unique index): a translation, sighting or news report of a story that already
alerted adds nothing (stories: pipelines/linking.py). Each substantive edit queues an
`updated` alert (keyed by its revision), for subscriptions made with --updates only; an
edit while the previous edit's mail is still pending adds nothing, that mail shows the
text as it is when sent.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# Digests go out at this hour in the recipient's zone; weekly ones on Mondays.
DIGEST_HOUR = 8
# After this many failed attempts an alert is `failed` and shown by `communique alerts status`.
MAX_ATTEMPTS = 8


def due_at(digest: str, tz: str, now: datetime) -> datetime:
    """When an alert queued `now` goes out: at once, or at the next digest hour in the zone."""
    if digest == "immediate":
        return now
    local = now.astimezone(ZoneInfo(tz))
    slot = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if slot <= local:
        slot += timedelta(days=1)
    if digest == "weekly":
        slot += timedelta(days=(7 - slot.weekday()) % 7)  # Monday
    return slot.astimezone(UTC)


def retry_delay(attempts: int) -> timedelta:
    """Backoff after a temporary failure: 1, 2, 4 … minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(0, attempts - 1), 360))


def rows(cursor) -> list[dict]:
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def subscription_match(query: str) -> str:
    """The FTS5 expression a subscription's query matches with: the one `communique search` runs
    (pipelines/fts.py), every case form kept, since one statement is checked at a time."""
    from pipelines.fts import fts_query

    return fts_query(query)


def _matches(db, subscription: dict, statement_id: int) -> bool:
    """Whether the stored statement matches the subscription (read in the same transaction)."""
    where, params = ["s.id = ?"], [statement_id]
    tags = json.loads(subscription["tags"] or "[]")
    if tags:
        clause = f"EXISTS (SELECT 1 FROM statement_tags t WHERE t.statement_id = s.id AND t.tag IN ({','.join('?' * len(tags))})"
        params += tags
        if subscription["min_score"] is not None:
            clause += " AND t.score >= ?"
            params.append(subscription["min_score"])
        where.append(clause + ")")
    sources = json.loads(subscription["sources"] or "[]")
    if sources:
        where.append(f"EXISTS (SELECT 1 FROM sightings g WHERE g.statement_id = s.id AND g.source IN "
                     f"({','.join('?' * len(sources))}))")
        params += sources
    if subscription["language"]:
        where.append("lower(s.language) = ?")
        params.append(subscription["language"])
    if subscription["since"]:
        where.append("coalesce(s.published_at, s.first_seen_at) >= ?")
        params.append(subscription["since"])
    else:  # by default only what is first seen after subscribing: no flood from a backfill
        where.append("s.first_seen_at >= ?")
        params.append(subscription["created_at"])
    if subscription["query"]:  # read as `search` reads it: Ukrainian and Russian words in every case form
        where.append("EXISTS (SELECT 1 FROM statements_fts WHERE statements_fts MATCH ? AND rowid = s.id)")
        params.append(subscription_match(subscription["query"]))
    sql = "SELECT 1 FROM statements s WHERE " + " AND ".join(where)
    return db.execute(sql, params).fetchone() is not None


def queue_alerts(db, statement_id: int, now: str, *, story_id: int | None = None, kind: str = "new",
                 revision: int = 0, subscriptions: list[dict] | None = None) -> int:
    """Queue one alert per active subscription the statement matches; how many were queued.

    Called inside the transaction that stores the statement. Never raises for a bad
    subscription query (a malformed FTS query queues nothing for that subscription).
    """
    if subscriptions is None:
        subscriptions = rows(db.execute("SELECT * FROM subscriptions WHERE active = 1"))
    queued = 0
    moment = datetime.fromisoformat(now)
    for sub in subscriptions:
        if kind == "updated" and not sub.get("updates"):
            continue  # an edit is mailed only to those who asked for updates (--updates)
        if kind == "updated" and _update_pending(db, story_id or statement_id, sub["id"]):
            continue  # the pending mail of an earlier edit will show this text too
        try:
            if not _matches(db, sub, statement_id):
                continue
        except sqlite3.OperationalError:  # a query FTS5 cannot parse: matches nothing
            continue
        when = due_at(sub["digest"], sub["tz"], moment).isoformat(timespec="seconds")
        cur = db.execute(
            """INSERT INTO alerts (statement_id, story_id, subscription, recipient, kind, revision, status,
                                   attempts, created_at, due_at, next_attempt_at)
               VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT DO NOTHING""",
            [statement_id, story_id or statement_id, str(sub["id"]), sub["recipient"], kind, revision, now, when,
             when],
        )
        queued += cur.rowcount
    return queued


def _update_pending(db, story_id: int, subscription_id: int) -> bool:
    return db.execute(
        "SELECT 1 FROM alerts WHERE story_id = ? AND subscription = ? AND kind = 'updated' AND status = 'pending'",
        [story_id, str(subscription_id)],
    ).fetchone() is not None


# --- subscriptions and the outbox, through the storage API ------------------------------
def add_subscription(store, sub, now: str) -> tuple[int, int]:
    """Store a checked subscription; (its id, alerts queued for statements since --since)."""
    sub.created_at = now
    with store.write() as db:
        cur = db.execute(
            """INSERT INTO subscriptions (recipient, tags, sources, query, language, min_score, digest, updates, tz,
                                          since, created_at, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            list(sub.row().values()),
        )
        sub_id = cur.lastrowid
        queued = 0
        if sub.since:  # statements published since DATE that are already stored
            row = rows(db.execute("SELECT * FROM subscriptions WHERE id = ?", [sub_id]))
            ids = [r[0] for r in db.execute(
                "SELECT id FROM statements WHERE coalesce(published_at, first_seen_at) >= ? ORDER BY id", [sub.since])]
            for statement_id in ids:
                queued += queue_alerts(db, statement_id, now, subscriptions=row)
    return sub_id, queued


def deactivate_subscriptions(store, recipient: str, sub_id: int | None = None) -> int:
    """Stop a recipient's subscriptions (one, with its id); how many were stopped. Their
    pending alerts are dropped: an unsubscribed address gets nothing more."""
    where, params = "recipient = ? AND active = 1", [recipient]
    if sub_id is not None:
        where += " AND id = ?"
        params.append(sub_id)
    with store.write() as db:
        ids = [str(r[0]) for r in db.execute(f"SELECT id FROM subscriptions WHERE {where}", params)]
        db.execute(f"UPDATE subscriptions SET active = 0 WHERE {where}", params)
        if ids:
            db.execute(f"UPDATE alerts SET status = 'cancelled' WHERE status = 'pending' AND subscription IN "
                       f"({','.join('?' * len(ids))})", ids)
    return len(ids)


def list_subscriptions(store, *, active_only: bool = True) -> list[dict]:
    sql = "SELECT * FROM subscriptions" + (" WHERE active = 1" if active_only else "") + " ORDER BY recipient, id"
    return rows(store.db.execute(sql))


def due_alerts(store, now: str) -> list[dict]:
    """Pending alerts whose time has come (digest hour reached, retry backoff over), oldest first."""
    return rows(store.db.execute(
        """SELECT a.*, s.digest, s.tz FROM alerts a JOIN subscriptions s ON s.id = CAST(a.subscription AS INTEGER)
           WHERE a.status = 'pending' AND a.due_at <= ? AND coalesce(a.next_attempt_at, a.due_at) <= ?
           ORDER BY a.id""",
        [now, now],
    ))


def get_subscription(store, sub_id: int) -> dict | None:
    found = rows(store.db.execute("SELECT * FROM subscriptions WHERE id = ?", [sub_id]))
    return found[0] if found else None


def already_alerted(store, recipient: str, story_id: int, kind: str, revision: int = 0) -> bool:
    """Whether this recipient was already sent this story, or this edit of it (through another subscription)."""
    return store.db.execute(
        """SELECT 1 FROM alerts WHERE recipient = ? AND story_id = ? AND kind = ? AND revision = ?
           AND status = 'sent' LIMIT 1""",
        [recipient, story_id, kind, revision],
    ).fetchone() is not None


def mark_sent(store, alert_ids: list[int], message_id: str, now: str) -> None:
    with store.write() as db:
        db.execute(
            f"UPDATE alerts SET status = 'sent', sent_at = ?, message_id = ?, attempts = attempts + 1, "
            f"last_error = NULL WHERE id IN ({','.join('?' * len(alert_ids))})",
            [now, message_id, *alert_ids],
        )


def mark_failed(store, alert_ids: list[int], error: str, now: str, *, temporary: bool) -> None:
    """One more failed attempt: retried later with backoff, or `failed` for good (a permanent
    refusal, or MAX_ATTEMPTS reached)."""
    moment = datetime.fromisoformat(now)
    with store.write() as db:
        for alert_id in alert_ids:
            attempts = db.execute("SELECT attempts FROM alerts WHERE id = ?", [alert_id]).fetchone()[0] + 1
            final = not temporary or attempts >= MAX_ATTEMPTS
            db.execute(
                "UPDATE alerts SET attempts = ?, last_error = ?, status = ?, next_attempt_at = ? WHERE id = ?",
                [attempts, error[:300], "failed" if final else "pending",
                 (moment + retry_delay(attempts)).isoformat(timespec="seconds"), alert_id],
            )


def alert_counts(store) -> dict[str, int]:
    return {status: n for status, n in store.db.execute("SELECT status, count(*) FROM alerts GROUP BY status")}


def failed_alerts(store, limit: int = 50) -> list[dict]:
    return rows(store.db.execute(
        """SELECT a.id, a.recipient, a.subscription, a.attempts, a.last_error, a.created_at, t.title
           FROM alerts a JOIN statements t ON t.id = a.statement_id WHERE a.status = 'failed'
           ORDER BY a.id DESC LIMIT ?""", [limit]))
