"""`communique recheck`: fetch recent statements again to find silent edits."""

from __future__ import annotations

from pathlib import Path

import click

from pipelines.db import open_db
from scheduler.commands.common import select_sources
from scheduler.options import MAX_TIMEOUT_S, db_option, sources_option
from scheduler.output import echo
from scheduler.rechecking import run_recheck
from spiders import config
from spiders.sources import load_sources


@click.command("recheck")
@click.argument("source_ids", nargs=-1)
@db_option
@sources_option
@click.option("--timeout", "timeout_s", type=click.IntRange(10, MAX_TIMEOUT_S), help="Seconds before a recheck is killed.")
def recheck_cmd(source_ids, db_path, sources_path, timeout_s):
    """Re-check the given sources' recent statements for edits (default: every enabled source).

    A statement's page is fetched again 1 h, 6 h, 1 d, 3 d and 7 d after it was first seen
    ($COMMUNIQUE_RECHECK_AFTER), as a conditional request: an unchanged page answers 304 and
    costs nothing; an edited one is stored as a revision of the same statement (and queues an
    `updated` alert for subscriptions with --updates). The scheduler does this after each
    crawl by itself. Prints per source what was due, fetched, unchanged and edited. Exits 0
    when every recheck that ran is ok, 1 otherwise.

    Example:

    \b
        communique recheck mfa-ua-en mid-ru-en
        COMMUNIQUE_RECHECK_AFTER=30m,2h,1d communique recheck
    """
    registry = load_sources(sources_path)
    config.check_crawl_settings()  # a malformed setting: one line, before any crawl
    chosen = select_sources(registry, source_ids)
    open_db(db_path, create=False).close()  # nothing stored yet is nothing to re-check; fail fast, once
    kwargs = {"timeout_s": timeout_s} if timeout_s else {}
    failed = False
    for source in chosen:
        result = run_recheck(source, Path(db_path), Path(sources_path), **kwargs)
        echo(result.line())
        failed |= not result.ok
    if failed:
        raise SystemExit(1)
