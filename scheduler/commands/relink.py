"""`communique relink`: backfill near-copy signatures and story terms of older statements."""

from __future__ import annotations

import click

from pipelines.db import open_db
from pipelines.relink import count_to_relink, relink_batches
from scheduler.options import SQLITE_MAX_INT, db_option


@click.command("relink")
@db_option
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1, SQLITE_MAX_INT),
              help="Statements per write transaction.")
@click.option("--all", "everything", is_flag=True,
              help="Recompute every statement, not only those without signatures and story terms.")
def relink_cmd(db_path, batch, everything):
    """Compute near-copy signatures and story terms for statements stored before stories existed.

    Without them, a republication or a news report of an older statement cannot be linked to
    it. Idempotent: a second run finds nothing left to do, and an interrupted run resumes
    where it stopped. Prints a progress line per batch (on stderr) and a summary.

    Example:

    \b
        communique relink --batch 1000
    """
    with open_db(db_path, create=False) as store:
        total = count_to_relink(store.db, everything=everything)
        done = 0
        for n in relink_batches(store, batch=batch, everything=everything):
            done += n
            click.echo(f"relinked {done}/{total}", err=True)
    click.echo(f"relinked {done} statement(s)" if done else "nothing to relink: every statement is indexed")
