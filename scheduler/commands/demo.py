"""`communique demo`: the offline demo, a local site crawled through the real spiders and pipelines."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from pipelines.db import open_db
from scheduler.commands.crawl import do_crawl
from scheduler.commands.query import search_table
from scheduler.output import echo
from spiders import config
from spiders.sources import load_sources

# Settings for crawling our own loopback demo site: no reason to wait between requests.
LOCAL_SITE_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "HTTPCACHE_ENABLED": "False",
}


@click.command()
@click.option("--db", "db_path", default=lambda: str(config.demo_db_path()), show_default="data/demo.db",
              type=click.Path(dir_okay=False), help="The SQLite database file for the demo.")
@click.option("--fresh/--keep", default=True, show_default=True, help="Start from an empty demo database.")
def demo(db_path, fresh):
    """Crawl a local demo site (no internet needed) and show what communique finds.

    The demo site imitates the shapes of real sources (mid.ru, coe.int, Ukrinform, …) with
    short texts written for the demo; it is served from 127.0.0.1 on a free port.

    Example:

    \b
        communique demo --db /tmp/demo.db
    """
    from scheduler.demo_site import DemoSite

    db = Path(db_path)
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    with DemoSite() as site, tempfile.TemporaryDirectory() as tmp:
        sources_path = site.write_sources(Path(tmp) / "demo-sources.toml")
        registry = load_sources(sources_path)
        echo(f"demo site at {site.base_url} (pages written for the demo, not the real sites)")
        results = do_crawl(list(registry.values()), db, sources_path, jobs=2, settings=LOCAL_SITE_SETTINGS)
    with open_db(db) as store:
        totals = store.stats()
        latest = store.search(tag="coe", limit=5)
    echo(
        f"\n{totals['statements']} statements ({totals['sightings']} sightings) from {totals['sources']} sources; "
        f"{totals['coe']} about the Council of Europe. Database: {db}"
    )
    echo("\nLatest Council of Europe statements:")
    click.echo(search_table(latest))
    echo(f"\nTry: COMMUNIQUE_DB={db} communique search torture --format json")
    if any(not r.ok for r in results):
        raise SystemExit(1)
