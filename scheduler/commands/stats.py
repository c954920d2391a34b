"""`communique stats`: how many statements, per source, day, week, tag or language."""

from __future__ import annotations

import click

from pipelines.db import open_db
from scheduler.commands.query import filter_options, search_filters
from scheduler.options import db_option
from scheduler.output import Column, format_option, render_bars, render_rows

STATS_COLUMNS = (Column("key", "KEY"), Column("count", "STATEMENTS", align=">"))


@click.command()
@click.argument("query", required=False)
@click.option("--by", type=click.Choice(["source", "day", "week", "tag", "language"]), default="source",
              show_default=True, help="What to count statements by (a week is named by its Monday).")
@filter_options
@click.option("--limit", type=click.IntRange(1, 10_000), help="At most this many rows (days and weeks: the latest; "
                                                       "default 30 of them, every source, tag or language).")
@format_option(("chart", "table", "json", "ndjson", "csv"))
@db_option
def stats(query, by, tag, source, country, publisher, language, since, until, min_score, about, limit, fmt,
          db_path):
    """Count stored statements by source, day, week, tag or language, with a small bar chart.

    Takes the same QUERY and filters as `search`, so it counts what a search finds.

    Example:

    \b
        communique stats --by week --tag coe --since 2024-08-01
    """
    if limit is None and by in ("day", "week"):
        limit = 30
    with open_db(db_path, readonly=True) as store:
        filters = search_filters(store, tag=tag, source=source, country=country, publisher=publisher,
                                 language=language, since=since, until=until, min_score=min_score, about=about)
        rows = store.counts(by, query, limit=limit, **filters)
    if fmt == "chart":
        click.echo(render_bars(rows))
        return
    columns = (Column("key", by.upper()), STATS_COLUMNS[1])
    click.echo(render_rows(rows, fmt, columns=columns, empty="no statements found"))
