"""`communique subscribe`, `unsubscribe`, `subscriptions` and `alerts send|status|test`: alert email."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import click

from pipelines import outbox
from pipelines.db import open_db, unknown_value, utcnow
from pipelines.subscriptions import Subscription, check, normalize_address
from scheduler.commands.common import UserError
from scheduler.options import db_option, score_type, statement_id_type
from scheduler.output import Column, echo, format_option, render_rows


@click.command()
@click.argument("address")
@click.option("--tag", "tags", multiple=True, help="Only statements with this tag (repeat for any of several).")
@click.option("--source", "sources", multiple=True, help="Only statements seen at this source (repeatable).")
@click.option("--query", help="Only statements matching this full-text query.")
@click.option("--lang", "language", help="Only statements in this language.")
@click.option("--min-score", type=score_type, help="With --tag: the tag's relevance at least this.")
@click.option("--digest", type=click.Choice(["immediate", "daily", "weekly"]), default="immediate",
              show_default=True, help="One mail per story at once, or one digest a day/week (08:00 in --tz).")
@click.option("--updates", is_flag=True, help="Also one mail when an alerted statement is substantively edited.")
@click.option("--tz", default="UTC", show_default=True, help="Your time zone, for dates and digest hours.")
@click.option("--since", help="Also alert on stored statements published since this date (default: only new ones).")
@db_option
def subscribe(address, tags, sources, query, language, min_score, digest, updates, tz, since, db_path):
    """Subscribe ADDRESS to alert emails for new statements that match.

    By default only statements first seen after subscribing alert (no flood from a backfill).

    Example:

    \b
        communique subscribe analyst@example.org --tag coe --tz Europe/Kyiv
    """
    sub = check(Subscription(recipient=address, tags=list(tags), sources=list(sources), query=query,
                             language=language, min_score=min_score, digest=digest, updates=updates, tz=tz,
                             since=since))
    with open_db(db_path) as store:
        _check_known(store, sub)
        sub_id, queued = outbox.add_subscription(store, sub, utcnow())
    echo(f"subscription #{sub_id} for {sub.recipient}: {sub.describe()}"
         + (f"; {queued} alert(s) queued for statements since {since}" if sub.since else ""))


def _check_known(store, sub: Subscription) -> None:
    """Refuse what would silently never match: a tag or source communique does not know, or a
    query full-text search cannot parse (the outbox would skip it at every crawl)."""
    if sub.tags:
        from pipelines.lexicon import load_lexicon
        from spiders import config

        lexicon = load_lexicon(config.env("COMMUNIQUE_LEXICON"))
        known = set(lexicon.tags) | set(store.known_values("tag"))
        _refuse_unknown("tag", sub.tags, known)
    if sub.sources:
        from spiders import config
        from spiders.sources import load_sources

        known = set(load_sources(config.sources_path())) | set(store.known_values("source"))
        by_folded = {k.lower(): k for k in known}  # ids are lower-case; search takes any case, so does this
        sub.sources = sorted({by_folded.get(s.lower(), s) for s in sub.sources})
        _refuse_unknown("source", sub.sources, known)
    if sub.query:
        import sqlite3

        try:
            store.db.execute("SELECT rowid FROM statements_fts WHERE statements_fts MATCH ? LIMIT 1",
                             [outbox.subscription_match(sub.query)]).fetchall()
        except sqlite3.OperationalError as exc:
            from pipelines.db import quoted_short

            raise UserError(f"--query {quoted_short(sub.query)}: not a full-text query ({exc}); "
                            "quote words with \"…\"") from None


def _refuse_unknown(field: str, values: list[str], known: set[str]) -> None:
    unknown = [v for v in values if v not in known]
    if unknown:
        raise UserError(unknown_value(field, unknown[0], known))


@click.command()
@click.argument("address")
@click.option("--id", "sub_id", type=statement_id_type, help="Only this subscription (see `communique subscriptions`).")
@db_option
def unsubscribe(address, sub_id, db_path):
    """Stop the subscriptions of ADDRESS (all, or one with --id); its pending alerts are dropped.

    Example:

    \b
        communique unsubscribe analyst@example.org --id 3
    """
    with open_db(db_path, create=False) as store:
        stopped = outbox.deactivate_subscriptions(store, normalize_address(address), sub_id)
    if not stopped:
        raise UserError(f"no active subscription for {address}" + (f" with id {sub_id}" if sub_id else ""))
    echo(f"stopped {stopped} subscription(s) of {address}")


SUBSCRIPTION_COLUMNS = (
    Column("id", "ID", align=">"),
    Column("recipient", "RECIPIENT"),
    Column("digest", "DIGEST"),
    Column("tz", "TZ"),
    Column("description", "MATCHES", flex=True),
)


@click.command()
@format_option()
@db_option
def subscriptions(fmt, db_path):
    """The active subscriptions: who gets alerts for what.

    Example:

    \b
        communique subscriptions --format json
    """
    with open_db(db_path, readonly=True) as store:
        rows = outbox.list_subscriptions(store)
    shown = [{**r, "description": Subscription.from_row(r).describe()} for r in rows]
    click.echo(render_rows(shown, fmt, columns=SUBSCRIPTION_COLUMNS, empty="no subscriptions"))


@click.group()
def alerts():
    """Alert email: send what is due, see what is pending or failed, test the mail server.

    SMTP settings come from the environment: COMMUNIQUE_SMTP_HOST, COMMUNIQUE_SMTP_PORT,
    COMMUNIQUE_SMTP_USER, COMMUNIQUE_SMTP_PASSWORD, COMMUNIQUE_SMTP_STARTTLS, COMMUNIQUE_SMTP_SSL,
    COMMUNIQUE_MAIL_FROM, COMMUNIQUE_SMTP_TIMEOUT.

    Example:

    \b
        COMMUNIQUE_SMTP_HOST=mail.example.org communique alerts send
    """


@alerts.command("send")
@click.option("--dry-run", "dry_run", type=click.Path(file_okay=False, path_type=Path),
              help="Write the mails as .eml files into this folder instead of sending (marks nothing).")
@db_option
def alerts_send(dry_run, db_path):
    """Send every due alert (one mail per story; digests at their hour). Exits 1 if any is left unsent."""
    from scheduler.alerts.sender import send_pending  # Jinja templates: only the commands that send mail

    with open_db(db_path, create=False) as store:
        try:
            report = send_pending(store, dry_run=dry_run)
        except OSError as exc:
            if not dry_run:
                raise
            raise UserError(f"--dry-run {dry_run}: cannot write the mails there: {exc.strerror or exc}") from None
    echo(report.line())
    if report.retrying or report.failed:
        raise SystemExit(1)


FAILED_COLUMNS = (
    Column("id", "ID", align=">"),
    Column("recipient", "RECIPIENT"),
    Column("attempts", "TRIES", align=">"),
    Column("last_error", "LAST ERROR"),
    Column("title", "STATEMENT", flex=True),
)


@alerts.command("status")
@db_option
def alerts_status(db_path):
    """How many alerts are pending, sent, failed; the failed ones with their last error."""
    with open_db(db_path, readonly=True) as store:
        counts = outbox.alert_counts(store)
        failed = outbox.failed_alerts(store)
    echo(", ".join(f"{status} {counts.get(status, 0)}" for status in ("pending", "sent", "failed", "cancelled")))
    if failed:
        echo("")
        click.echo(render_rows(failed, "table", columns=FAILED_COLUMNS))


@alerts.command("test")
@click.argument("address")
def alerts_test(address):
    """Send one test mail to ADDRESS and report the mail server's answer."""
    from scheduler.alerts.mailer import Mailer, SmtpSettings

    settings = SmtpSettings.from_env()
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = normalize_address(address)
    message["Subject"] = "[communique] test mail"
    message.set_content(f"communique can send mail through {settings.where} "
                        f"({datetime.now(UTC):%Y-%m-%d %H:%M} UTC).")
    with Mailer(settings) as mailer:
        answer = mailer.send(message)
    echo(f"{settings.where}: {answer} ({address})")
