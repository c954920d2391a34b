"""`communique schedule`: crawl every enabled source on its own schedule, or `--once` what is due."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import click

from pipelines.db import open_db
from scheduler import cadence
from scheduler.crawl import DEFAULT_TIMEOUT_S, CrawlResult
from scheduler.options import MAX_TIMEOUT_S, db_option, sources_option
from scheduler.output import echo
from scheduler.progress import CrawlProgress
from scheduler.schedule import (
    DEFAULT_GRACE_S,
    CrawlRunner,
    build_scheduler,
    job_id,
    run_once,
    scheduler_lock,
    serve,
)
from spiders import config
from spiders.errors import SourcesError
from spiders.sources import load_sources


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _result_line(r: CrawlResult) -> str:
    line = (f"{_stamp()} {r.source:<24} {r.status:<13} pages {r.pages:>3}  found {r.found:>3}  new {r.new:>3}  "
            f"known {r.known:>3}  errors {r.errors:>2}")
    return line + (f"  - {r.message}" if r.message else "")


def _print_result(r: CrawlResult) -> None:
    echo(_result_line(r))


@click.command("schedule")
@click.option("--once", is_flag=True, help="Crawl every source that is due now, once, and exit (for cron or systemd timers).")
@click.option("--jobs", type=click.IntRange(1), default=lambda: config.crawl_jobs(), show_default="2, or $COMMUNIQUE_JOBS",
              help="Crawls at once at most (never two of one site).")
@click.option("--timeout", "timeout_s", type=click.IntRange(1, MAX_TIMEOUT_S), default=DEFAULT_TIMEOUT_S, show_default=True,
              help="Seconds before a crawl is killed and recorded as timed out.")
@click.option("--grace", "grace_s", type=click.IntRange(0, 15), default=DEFAULT_GRACE_S, show_default=True,
              help="On SIGTERM/Ctrl-C, seconds running crawls may go on before they are terminated.")
@db_option
@sources_option
def schedule_cmd(once, jobs, timeout_s, grace_s, db_path, sources_path):
    """Crawl every enabled source on its schedule from the registry, until stopped.

    Each source's `schedule` ("30m", "2h", "cron: */30 * * * *", optionally `jitter` and
    `active_hours`) decides when it runs; its next run follows from its last crawl in the
    database, so a restart runs an overdue source once and keeps the others' cadence.
    At most --jobs crawls run at once, never two of one site. One scheduler per database:
    a second one refuses to start. SIGTERM or Ctrl-C: no new crawl starts, running crawls
    get --grace seconds, then are terminated; the process exits.

    With --once, crawl the sources that are due now and exit (1 if any crawl failed);
    on a terminal with a live progress bar (sources done, pages, new statements), else
    with one `progress` line on stderr per finished crawl.

    Example:

    \b
        communique schedule --jobs 3
        communique schedule --once
    """
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s: %(message)s")
    config.check_crawl_settings()  # a malformed setting: one line, before any crawl
    enabled = [s for s in load_sources(sources_path).values() if s.enabled]
    if not enabled:
        raise SourcesError(f"{sources_path}: no enabled sources to schedule")
    db_path, sources_path = Path(db_path), Path(sources_path)
    open_db(db_path).close()  # a foreign or unwritable file: one line, before a lock file is made beside it
    with scheduler_lock(db_path):
        runner = CrawlRunner(enabled, db_path, sources_path, jobs=jobs, timeout_s=timeout_s,
                             on_result=_print_result)
        if once:
            due_count = []
            with CrawlProgress(what="due sources") as progress:
                runner.on_result = lambda r: progress.finished(r, _result_line(r))
                results = run_once(runner, enabled, grace_s=grace_s,
                                   on_due=lambda due: (due_count.append(len(due)), progress.set_total(len(due))))
            if not results and not any(due_count):  # not when due crawls were stopped before they began
                click.echo("no source is due")
            if any(not r.ok for r in results):
                raise SystemExit(1)
            return
        scheduler = build_scheduler(enabled, db_path, sources_path, runner=runner)
        click.echo(f"{_stamp()} scheduling {len(enabled)} source{'s' * (len(enabled) != 1)} on {db_path}, {jobs} crawls at once "
                   "(SIGTERM or Ctrl-C stops)")
        for source in enabled:
            when = scheduler.get_job(job_id(source)).next_run_time
            click.echo(f"  {source.id:<24} {cadence.describe(source):<28} next {when:%Y-%m-%d %H:%M:%S} UTC")

        def stopping(running: int) -> None:
            click.echo(f"{_stamp()} stopping: no new crawls; {running} running, "
                       f"terminated after {grace_s} s if still running")

        serve(scheduler, runner, grace_s=grace_s, on_stop=stopping)
        click.echo(f"{_stamp()} stopped")
