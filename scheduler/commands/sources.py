"""`communique sources` and `communique extract`: the registry, its health, repairing a source."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import click

from pipelines.db import open_db
from scheduler import source_status
from scheduler.commands.common import UserError, select_sources
from scheduler.options import db_option, sources_option
from scheduler.output import echo, format_option, one_line, render_json, render_rows
from spiders import config
from spiders.sources import load_sources


@click.command()
@click.argument("source_ids", nargs=-1)
@click.option("--check", is_flag=True, help="Live check: fetch one feed/listing page and one article per source.")
@format_option()
@db_option
@sources_option
def sources(source_ids, check, fmt, db_path, sources_path):
    """Every source with its schedule, last run and its state, next run, last new statement and health.

    Health counts failing crawls in a row (the admin is mailed at 3, see
    COMMUNIQUE_ADMIN_EMAIL) and says when a source has been quiet for longer than usual
    (no new statement for 3 times its usual gap). Sources the database holds but the
    registry does not name (e.g. the demo's) are listed too.

    With --check (needs internet), fetch one feed or listing page and one article of each
    given source (default: all enabled), store nothing, and say what was found or whether
    the site blocked us. Exits 1 if any check did not succeed.

    Example:

    \b
        communique sources
        communique sources mid-ru-en --format json
        communique sources --check mid-ru-en
    """
    registry = load_sources(sources_path)
    if check:
        from scheduler.source_tools import check_source, check_verdict

        bad = 0
        for s in select_sources(registry, source_ids):
            verdict, detail = check_verdict(check_source(s, Path(sources_path)))
            bad += verdict != "ok"
            echo(f"{s.id:<24} {verdict:<13} {detail}")
        if bad:
            raise SystemExit(1)
        return
    now = datetime.now(UTC)
    threshold = config.health_failures()
    if Path(db_path).exists():
        with open_db(db_path, readonly=True) as store:
            if source_ids:
                known = set(registry) | {r["id"] for r in store.source_overview()}
                select_sources(dict.fromkeys(known), source_ids)  # one-line error for an unknown id
            rows = source_status.collect(store, registry, list(source_ids), now, threshold)
    else:
        select_sources(registry, source_ids) if source_ids else None
        rows = source_status.collect(None, registry, list(source_ids), now, threshold)
    click.echo(render_rows(rows, fmt, columns=source_status.columns(now), fields=source_status.FIELDS,
                           detail=source_status.detail, empty="no sources"))


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", required=True, help="The address the page was saved from.")
@click.option("--source", "source_id", help="Read with this source's rules (default: guessed from the URL).")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@sources_option
def extract(file, url, source_id, fmt, sources_path):
    """Read a saved page (article or feed) offline with a source's rules; print its statements.

    For repairing a broken source, adding a new one, and tests. A challenge page is
    reported as blocked (exit 3), a listing of other articles as a listing (exit 1), a
    page without a statement as parse-failed (exit 1).

    Example:

    \b
        communique extract saved.html --url https://mid.ru/ru/foreign_policy/news/1975354/
    """
    from scheduler.source_tools import (
        Blocked,
        ListingPageError,
        NoStatementError,
        extract_file,
        find_source,
        statement_json,
    )

    registry = load_sources(sources_path)
    if source_id and source_id not in registry:
        raise UserError(f"unknown source {source_id!r} (see `communique sources`)")
    source = registry[source_id] if source_id else find_source(registry, url)
    if source is None:
        raise UserError(f"no source in the registry reads {urlsplit(url).hostname or url!r}: name one with --source")
    try:
        statements = extract_file(file, url, source)
    except Blocked as exc:
        click.echo(f"blocked: {exc}", err=True)
        raise SystemExit(3) from None
    except ListingPageError as exc:
        click.echo(f"listing: {exc}, not a statement", err=True)
        raise SystemExit(1) from None
    except NoStatementError as exc:
        click.echo(f"parse-failed: {exc}", err=True)
        raise SystemExit(1) from None
    if fmt == "json":
        click.echo(render_json([statement_json(s) for s in statements]))
        return
    for s in statements:
        click.secho(one_line(s.title), bold=True)
        echo(f"{s.published_at.isoformat() if s.published_at else 'date unknown'} · {s.language} · {s.kind}")
        echo(s.text + "\n")

