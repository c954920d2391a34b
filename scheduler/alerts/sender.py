"""Delivering the outbox: build each due mail from stored stories, send it, then mark it.

The order is the guarantee: an alert is marked sent only after the server accepted its
mail. A crash between the two re-sends that one mail next time, with the same Message-ID
(derived from the alert ids), so a mail client shows it once. A recipient never gets the
same story twice, even when two of their subscriptions match it.
"""

from __future__ import annotations

import fcntl
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipelines import outbox
from pipelines.revisions import unified_diff
from pipelines.subscriptions import Subscription
from scheduler.alerts.mailer import Mailer, SmtpSettings
from scheduler.alerts.render import render_alert
from spiders.errors import MailError


@dataclass
class SendReport:
    sent: int = 0  # mails the server accepted
    alerts: int = 0  # alerts those mails carried
    retrying: int = 0  # alerts left pending after a temporary failure
    failed: int = 0  # alerts given up on
    skipped: int = 0  # alerts for a story the recipient already got
    written: list[str] = field(default_factory=list)  # .eml files of a dry run
    error: str = ""  # the last error, one line

    def line(self) -> str:
        parts = [f"{self.sent} mail(s) sent ({self.alerts} alert(s))"]
        if self.written:
            parts = [f"{len(self.written)} mail(s) written"]
        for n, what in ((self.skipped, "already sent to that recipient"), (self.retrying, "will be retried"),
                        (self.failed, "failed for good")):
            if n:
                parts.append(f"{n} {what}")
        return "; ".join(parts) + (f" - {self.error}" if self.error else "")


# An `updated` mail shows at most this many changed paragraphs, each cut to this many characters.
MAX_CHANGED_LINES = 8
MAX_CHANGED_CHARS = 400


def changes_since(store, statement_id: int, revision: int) -> list[dict]:
    """The paragraphs removed (-) and added (+) between the version before `revision` and the
    text as it is now: what an `updated` mail says changed, edits made since it was queued included."""
    revisions = store.get_revisions(statement_id)
    before = next((r for r in reversed(revisions) if r["number"] < revision), None)
    if before is None:
        return []
    now = revisions[-1]
    lines = unified_diff(f"{before['title']}\n{before['text']}", f"{now['title']}\n{now['text']}", "", "")
    changed = [{"sign": line[0], "text": line[1:].strip()[:MAX_CHANGED_CHARS]} for line in lines
               if line[:1] in "+-" and not line.startswith(("+++", "---")) and line[1:].strip()]
    return changed[:MAX_CHANGED_LINES]


def story(store, statement_id: int, revision: int = 0) -> dict | None:
    """A story as alert mail shows it: the statement it is about (a news report that alerted
    first gives way to the ministry's statement once linked), its translations, its coverage,
    and for an edit (`revision`) what changed."""
    if store.get_statement(statement_id) is None:
        return None
    linked = store.get_story(statement_id)
    lead = linked["statement_id"]
    row = store.get_statement(lead)
    names = dict(store.db.execute("SELECT id, name FROM sources").fetchall())
    evidence = []
    for tag in row["tags"]:
        for e in row["evidence"][tag]["evidence"]:
            if e.get("snippet") and len(evidence) < 3 and all(x["snippet"] != e["snippet"] for x in evidence):
                evidence.append({"term": e.get("term", ""), "snippet": e["snippet"]})
    statement = {**row, "source_name": names.get(row["source"]), "evidence": evidence}
    def brief(members: list[dict]) -> list[dict]:
        return [{k: m[k] for k in ("id", "source", "source_name", "url", "title", "language", "relation")}
                for m in members if m["id"] != lead]

    return {"statement": statement, "translations": brief(linked["translations"]),
            "coverage": brief(linked["coverage"]),
            "changes": changes_since(store, statement_id, revision) if revision else []}


def _mails(store, due: list[dict]) -> list[tuple[dict, list[dict]]]:
    """Due alerts grouped into mails: one per story (immediate), one per subscription (digest)."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for alert in due:
        if alert["digest"] == "immediate":
            key = (alert["recipient"], "story", alert["story_id"], alert["kind"])
        else:
            key = (alert["recipient"], "digest", alert["subscription"], alert["kind"])
        groups[key].append(alert)
    return [(outbox.get_subscription(store, int(alerts[0]["subscription"])), alerts) for alerts in groups.values()]


@contextmanager
def one_sender(store, wait_s: float = 60):
    """One sender per database at a time (an flock next to it), across threads and processes:
    two senders reading the same due alerts would mail them twice."""
    path = Path(str(store.path) + ".alerts.lock")
    with path.open("a") as handle:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise MailError(f"another alert sender has been running on {store.path} for {wait_s:.0f} s",
                                    temporary=True) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def send_pending(store, settings: SmtpSettings | None = None, *, now: datetime | None = None,
                 dry_run: Path | None = None) -> SendReport:
    """Send every due alert; with `dry_run`, write .eml files there instead and mark nothing."""
    if dry_run:
        return _send_pending(store, settings, now=now, dry_run=dry_run)
    with one_sender(store):
        return _send_pending(store, settings, now=now, dry_run=None)


def _send_pending(store, settings: SmtpSettings | None, *, now: datetime | None, dry_run: Path | None) -> SendReport:
    moment = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    report = SendReport()
    due = outbox.due_alerts(store, moment)
    if not due:
        return report
    settings = settings or SmtpSettings.from_env()
    plan = []
    for sub_row, alerts in _mails(store, due):
        fresh = [a for a in alerts if not outbox.already_alerted(store, a["recipient"], a["story_id"], a["kind"],
                                                                a["revision"])]
        if len(fresh) < len(alerts):
            stale = [a["id"] for a in alerts if a not in fresh]
            report.skipped += len(stale)
            if not dry_run:
                outbox.mark_sent(store, stale, "", moment)  # delivered before, by another subscription
        stories, seen = [], set()
        for a in fresh:
            if a["story_id"] not in seen and (s := story(store, a["statement_id"], a["revision"])):
                seen.add(a["story_id"])
                stories.append(s)
        if stories:
            sub = Subscription.from_row(sub_row)
            subscription = {"id": sub.id, "recipient": sub.recipient, "tz": sub.tz, "description": sub.describe(),
                            "topic": "the Council of Europe" if not sub.tags or "coe" in sub.tags
                            else ", ".join(sub.tags)}
            ids = [a["id"] for a in fresh]
            message = render_alert(stories, recipient=sub.recipient, sender=settings.sender,
                                   subscription=subscription, alert_ids=ids, updated=fresh[0]["kind"] == "updated")
            plan.append((ids, message))
    if dry_run:
        dry_run.mkdir(parents=True, exist_ok=True)
        for ids, message in plan:
            path = dry_run / f"alert-{'-'.join(map(str, ids))}.eml"
            path.write_bytes(bytes(message))
            report.written.append(str(path))
        return report
    if not plan:
        return report
    try:
        with Mailer(settings) as mailer:
            for ids, message in plan:
                try:
                    mailer.send(message)
                except MailError as exc:
                    outbox.mark_failed(store, ids, str(exc), moment, temporary=exc.temporary)
                    report.error = str(exc)
                    if exc.temporary:
                        report.retrying += len(ids)
                    else:
                        report.failed += len(ids)
                    continue
                outbox.mark_sent(store, ids, message["Message-ID"], moment)
                report.sent += 1
                report.alerts += len(ids)
    except MailError as exc:  # the server could not be reached: everything left waits for the next round
        unsent = [i for ids, _ in plan for i in ids if not _is_sent(store, i)]
        outbox.mark_failed(store, unsent, str(exc), moment, temporary=exc.temporary)
        report.retrying += len(unsent) if exc.temporary else 0
        report.failed += 0 if exc.temporary else len(unsent)
        report.error = str(exc)
    return report


def _is_sent(store, alert_id: int) -> bool:
    row = store.db.execute("SELECT status FROM alerts WHERE id = ?", [alert_id]).fetchone()
    return bool(row) and row[0] in ("sent", "failed")
