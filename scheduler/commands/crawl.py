"""`communique crawl`: crawl sources now, one subprocess per source."""

from __future__ import annotations

from pathlib import Path

import click

from pipelines.db import open_db
from pipelines.health import exit_code
from scheduler.commands.common import select_sources
from scheduler.crawl import CrawlResult, run_crawls
from scheduler.options import MAX_TIMEOUT_S, db_option, sources_option
from scheduler.output import echo
from scheduler.progress import CrawlProgress
from spiders import config
from spiders.sources import load_sources


def result_line(r: CrawlResult) -> str:
    """One line per finished source: status, counts, and the reason when it is not ok."""
    line = (
        f"{r.source:<24} {r.status:<13} pages {r.pages:>3}  found {r.found:>3}  new {r.new:>3}  "
        f"known {r.known:>3}  errors {r.errors:>2}"
    )
    if r.message:
        line += f"  - {r.message}"
    return line


def print_result(r: CrawlResult) -> None:
    echo(result_line(r))


def do_crawl(sources, db_path, sources_path, *, jobs=2, settings=None, timeout_s=None) -> list[CrawlResult]:
    """Crawl, printing one line per source as each finishes, and the progress (scheduler/progress.py)."""
    open_db(db_path).close()  # fail fast, once, on an unwritable path
    kwargs = {"settings": settings}
    if timeout_s:
        kwargs["timeout_s"] = timeout_s
    with CrawlProgress(len(sources)) as progress:
        return run_crawls(sources, Path(db_path), Path(sources_path), jobs=jobs,
                          on_result=lambda r: progress.finished(r, result_line(r)), **kwargs)


@click.command()
@click.argument("source_ids", nargs=-1)
@db_option
@sources_option
@click.option("--jobs", default=2, show_default=True, type=click.IntRange(1), help="Sources crawled at once (each a subprocess).")
@click.option("--max-pages", type=click.IntRange(1), help="Listing pages to follow at most (backfill depth).")
@click.option("--timeout", "timeout_s", type=click.IntRange(10, MAX_TIMEOUT_S), help="Seconds before a crawl is killed.")
def crawl(source_ids, db_path, sources_path, jobs, max_pages, timeout_s):
    """Crawl the given sources (default: every enabled one) into the database.

    Prints per source: state, pages fetched, statements found, new and already known,
    errors; on a terminal a live progress bar (sources done, pages, new statements), else
    one `progress` line on stderr per finished source. Exits 0 only when every source is
    ok; 1 when any is degraded, blocked, parse-failed, failed, timed out or crashed; 130
    when stopped by Ctrl-C or SIGTERM (running crawls are stopped and recorded as interrupted).

    Example:

    \b
        communique crawl mid-ru-en ukrinform-en --max-pages 2
    """
    registry = load_sources(sources_path)
    config.check_crawl_settings()  # a malformed setting: one line, before any crawl
    chosen = select_sources(registry, source_ids)
    settings = {"COMMUNIQUE_MAX_PAGES": str(max_pages)} if max_pages else None
    try:
        results = do_crawl(chosen, db_path, sources_path, jobs=jobs, settings=settings, timeout_s=timeout_s)
    except KeyboardInterrupt:
        click.echo("interrupted: running crawls were stopped and recorded as interrupted", err=True)
        raise SystemExit(130) from None
    code = exit_code([r.status for r in results])
    if code:
        raise SystemExit(code)
