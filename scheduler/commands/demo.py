"""`communique demo`: the offline demo, a local site crawled through the real spiders and pipelines,
with alert mail delivered to a local SMTP server."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from pipelines import outbox
from pipelines.db import open_db, utcnow
from pipelines.subscriptions import Subscription, check
from scheduler.alerts.mailer import SmtpSettings
from scheduler.alerts.sender import send_pending
from scheduler.commands.crawl import do_crawl
from scheduler.commands.query import search_table
from scheduler.output import echo, one_line
from spiders import config
from spiders.sources import load_sources

# Settings for crawling our own loopback demo site: no reason to wait between requests.
LOCAL_SITE_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "HTTPCACHE_ENABLED": "False",
    # The guard refuses private addresses; the local demo site is on 127.0.0.1.
    "COMMUNIQUE_ALLOWED_NETWORKS": "127.0.0.0/8",
}
DEMO_ADDRESS = "analyst@example.org"


def _show_mail(message, lines: int = 4) -> None:
    echo(f"  Subject: {one_line(message['Subject'])}")
    body = message.get_body(("plain",)).get_content().strip().splitlines()
    for line in [b for b in body if b.strip()][:lines]:
        echo(f"    {one_line(line)}")


@click.command()
@click.option("--db", "db_path", default=lambda: str(config.demo_db_path()), show_default="data/demo.db",
              type=click.Path(dir_okay=False), help="The SQLite database file for the demo.")
@click.option("--fresh/--keep", default=True, show_default=True, help="Start from an empty demo database.")
def demo(db_path, fresh):
    """Crawl a local demo site (no internet needed) and show what communique finds and mails.

    The demo site imitates the shapes of real sources (mid.ru, coe.int, Ukrinform, …) with
    short texts written for the demo; it is served from 127.0.0.1 on a free port. A demo
    address subscribes to Council of Europe statements and its alert mail goes to a local
    SMTP server; then the site publishes one more statement and a second round mails it.

    Example:

    \b
        communique demo --db /tmp/demo.db
    """
    from scheduler.alerts.sink import MailSink
    from scheduler.demo_site import DemoSite

    db = Path(db_path)
    if fresh:
        if db.is_file() and db.stat().st_size:  # only ever delete a communique database (a mistyped --db)
            open_db(db, readonly=True).close()  # StorageError: "… is not a communique database (left untouched)"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    with DemoSite() as site, MailSink() as inbox, tempfile.TemporaryDirectory() as tmp:
        sources_path = site.write_sources(Path(tmp) / "demo-sources.toml")
        registry = load_sources(sources_path)
        mail = SmtpSettings(host=inbox.host, port=inbox.port, sender="communique-demo@example.org", timeout=10)
        echo(f"demo site at {site.base_url} (pages written for the demo, not the real sites)")
        with open_db(db) as store:
            sub_id, _ = outbox.add_subscription(store, check(Subscription(recipient=DEMO_ADDRESS, tags=["coe"])),
                                                utcnow())
        echo(f"subscribed {DEMO_ADDRESS} to Council of Europe statements (#{sub_id}); its mail goes to "
             f"a local SMTP server at {inbox.host}:{inbox.port}\n")
        results = do_crawl(list(registry.values()), db, sources_path, jobs=2, settings=LOCAL_SITE_SETTINGS)
        with open_db(db) as store:
            totals = store.stats()
            latest = store.search(tag="coe", limit=5)
            first = send_pending(store, mail)
        echo(
            f"\n{totals['statements']} statements ({totals['sightings']} sightings) from {totals['sources']} sources; "
            f"{totals['coe']} about the Council of Europe. Database: {db}"
        )
        echo("\nLatest Council of Europe statements:")
        click.echo(search_table(latest))
        echo(f"\nAlert mail: {first.line()}; the inbox holds {len(inbox.messages)}. The newest:")
        if inbox.messages:
            _show_mail(inbox.messages[-1])

        published = site.publish_next()
        if published is not None:
            echo(f"\nThe demo site publishes one more statement: {one_line(published.title)}")
            again = [s for s in registry.values() if s.id == f"demo-{published.site}"] or list(registry.values())
            results += do_crawl(again, db, sources_path, jobs=2, settings=LOCAL_SITE_SETTINGS)
            before = len(inbox.messages)
            with open_db(db) as store:
                second = send_pending(store, mail)
            echo(f"Second round: {second.line()}; {len(inbox.messages) - before} new mail in the inbox:")
            for message in inbox.messages[before:]:
                _show_mail(message)
    echo(f"\nTry: COMMUNIQUE_DB={db} communique search torture --format json")
    if any(not r.ok for r in results):
        raise SystemExit(1)
