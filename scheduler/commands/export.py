"""`communique export`: the statements a search finds, whole, as csv, json, ndjson or Atom."""

from __future__ import annotations

import hashlib

import click

from pipelines.db import open_db
from scheduler.commands.query import SEARCH_COLUMNS, filter_options, search_filters
from scheduler.options import db_option
from scheduler.output import format_option, marked, render_atom, render_rows

EXPORT_FIELDS = ("id", "source", "url", "title", "published_at", "published_local", "language", "kind", "speaker",
                 "tags", "text")


@click.command()
@click.argument("query", required=False)
@filter_options
@click.option("--sort", type=click.Choice(["relevance", "date"]),
              help="Order (default: newest first; an Atom feed is always newest first).")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@format_option(("csv", "json", "ndjson", "atom"))
@click.option("--title", help="The Atom feed's title (default: the search, in words).")
@db_option
def export(query, tag, source, country, publisher, language, since, until, min_score, about, sort, limit, fmt,
           title, db_path):
    """Export the statements a search finds, with their full text, as csv, json, ndjson or an Atom feed.

    Takes the same QUERY and filters as `search`. An Atom feed lets a feed reader follow a
    search: serve the file, or regenerate it after each crawl.

    Example:

    \b
        communique export --tag coe --lang ru --format atom > coe-ru.atom
        communique export torture --since 2024-01-01 --format csv > torture.csv
    """
    if fmt == "atom" or not sort:
        sort = "date"
    with open_db(db_path, readonly=True) as store:
        filters = search_filters(store, tag=tag, source=source, country=country, publisher=publisher,
                                 language=language, since=since, until=until, min_score=min_score, about=about)
        rows = store.search(query, **filters, sort=sort, limit=limit)
        texts = store.texts([r["id"] for r in rows])
    for r in rows:
        r["text"] = texts.get(r["id"])
        r.pop("excerpt", None)
        r["snippet"] = marked(r.get("snippet"))
    if fmt == "atom":
        described = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in filters.items() if v is not None)
        words = " ".join(p for p in (query or "", described) if p) or "all statements"
        feed_id = "urn:communique:search:" + hashlib.sha256(words.encode()).hexdigest()[:16]
        click.echo(render_atom(rows, title=title or f"communique: {words}", feed_id=feed_id))
        return
    click.echo(render_rows(rows, fmt, columns=SEARCH_COLUMNS, fields=EXPORT_FIELDS))
