"""Health emails to the admin: a source failing N crawls in a row, and its recovery.

Called after every scheduled crawl (scheduler/schedule.py `after_crawl`): queue the notice the
crawl made due (pipelines/health_notices.py), then send every pending one through the same
mailer as alerts, marking each sent only after the server accepted it. A mail server that is
down is one log line; the notices wait for the next crawl, and go out once.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from pipelines import health_notices
from scheduler.alerts.mailer import Mailer, SmtpSettings
from scheduler.alerts.render import TEMPLATES, header_text, local_time
from scheduler.alerts.sender import one_sender
from scheduler.output import one_line
from spiders import config
from spiders.errors import MailError

log = logging.getLogger("communique.health")

_TEXT = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False, undefined=StrictUndefined,
                    trim_blocks=True, lstrip_blocks=True)
_TEXT.filters["local_time"] = local_time
_TEXT.filters["one_line"] = one_line


def subject(notice: dict, source_label: str) -> str:
    if notice["kind"] == "failing":
        return header_text(f"[communique] health: {source_label} failed {notice['failures']} crawls in a row")
    return header_text(f"[communique] health: {source_label} recovered")


def render_health(notice: dict, *, recipient: str, sender: str, source_name: str | None = None) -> EmailMessage:
    """One plain-text mail for one notice (a health_notices row). The Message-ID follows from the
    notice, so a re-send after a crash between sending and marking is recognisably the same mail."""
    label = f"{source_name} ({notice['source']})" if source_name else notice["source"]
    message = EmailMessage()
    message["Subject"] = subject(notice, one_line(label))
    message["From"] = header_text(sender, 300)
    message["To"] = header_text(recipient, 300)
    message["Date"] = formatdate(localtime=False)
    digest = hashlib.sha256(f"{notice['id']}:{notice['run_id']}:{notice['kind']}".encode()).hexdigest()[:32]
    message["Message-ID"] = f"<communique.health.{digest}@{sender.rpartition('@')[2] or 'communique.local'}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_TEXT.get_template("health.txt").render(notice=notice, source_label=one_line(label)))
    return message


@dataclass
class HealthReport:
    queued: dict | None = None  # the notice this crawl made due
    sent: int = 0
    pending: int = 0  # left for the next round
    error: str = ""

    def line(self) -> str:
        text = f"{self.sent} health mail(s) sent"
        if self.pending:
            text += f"; {self.pending} waiting for the next crawl"
        return text + (f" - {self.error}" if self.error else "")


def after_crawl(store, source: str, *, recipient: str | None = None, threshold: int | None = None,
                settings: SmtpSettings | None = None) -> HealthReport:
    """Queue the health notice `source`'s latest crawl made due, then send all pending ones.

    Without an admin address (COMMUNIQUE_ADMIN_EMAIL) nothing is queued or sent.
    """
    recipient = recipient or config.admin_email()
    report = HealthReport()
    if not recipient:
        return report
    report.queued = health_notices.queue_due(store, source, threshold or config.health_failures())
    due = health_notices.pending(store)
    if not due:
        return report
    settings = settings or SmtpSettings.from_env()
    names = dict(store.db.execute("SELECT id, name FROM sources").fetchall())
    try:
        # One sender at a time (two crawls may finish together): a notice read by both would go out twice.
        with one_sender(store), Mailer(settings) as mailer:
            due = health_notices.pending(store)  # again, under the lock
            for notice in due:
                message = render_health(notice, recipient=recipient, sender=settings.sender,
                                        source_name=names.get(notice["source"]))
                mailer.send(message)
                health_notices.mark_sent(store, notice["id"])
                report.sent += 1
    except MailError as exc:
        left = [n["id"] for n in health_notices.pending(store)]
        health_notices.mark_failed(store, left, str(exc))
        report.pending, report.error = len(left), str(exc)
    return report
