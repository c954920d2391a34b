"""`communique sources` and `communique extract`: the registry, its health, repairing a source."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import click

from pipelines.db import open_db
from scheduler.commands.common import UserError, select_sources
from scheduler.options import db_option, sources_option
from scheduler.output import echo, one_line, render_json
from spiders.sources import load_sources


@click.command()
@click.argument("source_ids", nargs=-1)
@click.option("--check", is_flag=True, help="Live check: fetch one feed/listing page and one article per source.")
@db_option
@sources_option
def sources(source_ids, check, db_path, sources_path):
    """The source registry with each source's last crawl and its state.

    With --check (needs internet), fetch one feed or listing page and one article of each
    given source (default: all enabled), store nothing, and say what was found or whether
    the site blocked us. Exits 1 if any check did not succeed.

    Example:

    \b
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
    status = {}
    if Path(db_path).exists():
        with open_db(db_path, readonly=True) as store:
            status = {r["id"]: r for r in store.source_overview()}
    for s in select_sources(registry, source_ids) if source_ids else registry.values():
        r = status.get(s.id, {})
        flags = ("" if s.enabled else " disabled") + ("" if s.verified else " unverified")
        last = r.get("last_status") or "never crawled"
        when = (r.get("last_run") or "")[:16].replace("T", " ")
        line = f"{s.id:<24} {s.spider:<8} {s.language:<3} {r.get('statements', 0):>5} stmts {r.get('coe', 0):>4} coe  "
        line += f"{last}{' ' + when if when else ''}{flags}"
        if r.get("last_message") and last != "ok":
            line += f"  - {r['last_message']}"
        echo(line)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", required=True, help="The address the page was saved from.")
@click.option("--source", "source_id", help="Read with this source's rules (default: guessed from the URL).")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@sources_option
def extract(file, url, source_id, fmt, sources_path):
    """Read a saved page (article or feed) offline with a source's rules; print its statements.

    For repairing a broken source, adding a new one, and tests. A challenge page is
    reported as blocked (exit 3), a page without a statement as parse-failed (exit 1).

    Example:

    \b
        communique extract saved.html --url https://mid.ru/ru/foreign_policy/news/1975354/
    """
    from scheduler.source_tools import Blocked, NoStatementError, extract_file, find_source, statement_json

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

