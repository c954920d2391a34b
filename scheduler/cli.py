"""communique's command line: crawl, search, show, sources, demo.

Every command takes --db (or $COMMUNIQUE_DB). Errors a user can cause or meet (a bad
registry, an unwritable database, a dead site) are printed as one line; the exit code
says whether everything worked.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import click

from pipelines.db import open_db
from scheduler.crawl import CrawlResult, run_crawls
from scheduler.options import db_option, sources_option
from scheduler.tag_commands import retag_cmd, tag_cmd, tag_eval_cmd
from spiders import config
from spiders.errors import CommuniqueError
from spiders.sources import load_sources

# Settings for crawling our own loopback demo site: no reason to wait between requests.
LOCAL_SITE_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "HTTPCACHE_ENABLED": "False",
    # The guard refuses private addresses; the local demo site is on 127.0.0.1.
    "COMMUNIQUE_ALLOWED_NETWORKS": "127.0.0.0/8",
}


class UserError(click.ClickException):
    """A problem the user can fix, shown as one line."""

    def format_message(self) -> str:
        return self.message


class Cli(click.Group):
    """Turns communique's own errors into one line; anything else is a bug, said as one.

    A CommuniqueError is a problem the user can act on (a bad registry, a locked database).
    Any other exception is a bug in communique: one line saying so and where its traceback
    was written (shown on screen with --debug), and a non-zero exit.
    """

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CommuniqueError as exc:
            raise UserError(str(exc)) from None
        except sqlite3.Error as exc:
            raise UserError(f"database error: {exc}") from None
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort, SystemExit,
                KeyboardInterrupt):
            raise
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise UserError(_report_bug(exc)) from None


def _report_bug(exc: Exception) -> str:
    """Write the traceback of an unexpected error to a log file; the one line that names it."""
    detail = " ".join(str(exc).split())[:200]
    where = "run again with --debug to see the traceback"
    for folder in (config.state_dir() / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "communique-errors.log"
            with path.open("a", encoding="utf-8") as log:
                log.write(f"--- {datetime.now(UTC).isoformat(timespec='seconds')} {' '.join(sys.argv)}\n")
                log.write(traceback.format_exc())
            where = f"traceback in {path}"
            break
        except OSError:
            continue
    return f"internal error (a bug in communique, please report it): {type(exc).__name__}: {detail} ({where})"


@click.group(cls=Cli)
@click.version_option(package_name="communique")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error instead of one line.")
@click.pass_context
def cli(ctx, debug):
    """Watch what foreign ministries and news sites say about the Council of Europe."""
    ctx.obj = {"debug": debug}


def main():
    cli(prog_name="communique")


# --- crawl ---------------------------------------------------------------------------
def _print_result(r: CrawlResult) -> None:
    line = (
        f"{r.source:<24} {r.status:<13} pages {r.pages:>3}  found {r.found:>3}  new {r.new:>3}  "
        f"known {r.known:>3}  errors {r.errors:>2}"
    )
    if r.message:
        line += f"  - {r.message}"
    click.echo(line)


def _select_sources(registry: dict, ids: tuple[str, ...]):
    if ids:
        unknown = [i for i in ids if i not in registry]
        if unknown:
            raise UserError(f"unknown source {unknown[0]!r} (see `communique sources`)")
        return [registry[i] for i in ids]
    chosen = [s for s in registry.values() if s.enabled]
    if not chosen:
        raise UserError("no enabled sources in the registry")
    return chosen


def do_crawl(sources, db_path, sources_path, *, jobs=2, settings=None, timeout_s=None) -> list[CrawlResult]:
    """Crawl and print one line per source as each finishes."""
    open_db(db_path).close()  # fail fast, once, on an unwritable path
    kwargs = {"settings": settings}
    if timeout_s:
        kwargs["timeout_s"] = timeout_s
    return run_crawls(sources, Path(db_path), Path(sources_path), jobs=jobs, on_result=_print_result, **kwargs)


@cli.command()
@click.argument("source_ids", nargs=-1)
@db_option
@sources_option
@click.option("--jobs", default=2, show_default=True, help="Sources crawled at once (each a subprocess).")
@click.option("--max-pages", type=click.IntRange(1), help="Listing pages to follow at most (backfill depth).")
@click.option("--timeout", "timeout_s", type=click.IntRange(10), help="Seconds before a crawl is killed.")
def crawl(source_ids, db_path, sources_path, jobs, max_pages, timeout_s):
    """Crawl the given sources (default: every enabled one) into the database.

    Prints per source: pages fetched, statements found, new and already known, errors.
    Exits 1 if any source failed or was blocked.
    """
    registry = load_sources(sources_path)
    chosen = _select_sources(registry, source_ids)
    settings = {"COMMUNIQUE_MAX_PAGES": str(max_pages)} if max_pages else None
    results = do_crawl(chosen, db_path, sources_path, jobs=jobs, settings=settings, timeout_s=timeout_s)
    failed = [r for r in results if not r.ok]
    if failed:
        raise SystemExit(1)


# --- search and show ----------------------------------------------------------------------
def _utc_bound(value: str | None, name: str) -> str | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(f"--{name}: expected a date like 2024-10-09 or 2024-10-09T18:00, got {value!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def _table(rows: list[dict]) -> None:
    width = shutil.get_terminal_size((120, 20)).columns
    if not rows:
        click.echo("no statements found")
        return
    for r in rows:
        date = (r.get("published_local") or r.get("published_at") or "")[:16].replace("T", " ")
        tags = ",".join(r["tags"][:2]) + (f"+{len(r['tags']) - 2}" if len(r["tags"]) > 2 else "") or "-"
        head = f"{r['id']:>6}  {date:<16}  {r['source']:<20} {r['language'] or '--':<3} {tags:<18} "
        title = r["title"]
        room = max(20, width - len(head))
        click.echo(head + (title if len(title) <= room else title[: room - 1] + "…"))
        proof = (r.get("evidence") or {}).get("coe", {}).get("evidence", [])
        if proof:  # the words that make it a Council of Europe statement, from the text if it has some
            first = next((e for e in proof if e.get("field") == "text"), proof[0])
            snippet = " ".join(first["snippet"].split())
            click.echo(" " * 8 + "↳ " + (snippet if len(snippet) <= width - 10 else snippet[: width - 11] + "…"))


@cli.command()
@click.argument("query", required=False)
@click.option("--tag", help="Only statements with this tag (e.g. coe, pace, echr_court).")
@click.option("--source", "source", help="Only this source id.")
@click.option("--lang", "language", help="Only this language (ISO code: en, uk, ru, fr …).")
@click.option("--since", help="Published on or after this date (YYYY-MM-DD, UTC).")
@click.option("--until", help="Published before this date (YYYY-MM-DD, UTC).")
@click.option("--about", is_flag=True, help="With --tag: only statements about it, not passing mentions.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10000))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@db_option
def search(query, tag, source, language, since, until, about, limit, fmt, db_path):
    """Full-text search over stored statements, newest first.

    QUERY words must all appear (prefix search with word*); filters combine.
    """
    min_score = None
    if about:
        from pipelines.tagging import ABOUT_THRESHOLD

        min_score = ABOUT_THRESHOLD
    with open_db(db_path, create=False) as store:
        rows = store.search(
            query, tag=tag, source=source, language=language, since=_utc_bound(since, "since"),
            until=_utc_bound(until, "until"), min_score=min_score, limit=limit,
        )
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        fields = ["id", "source", "url", "title", "published_at", "language", "kind", "tags"]
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({**r, "tags": " ".join(r["tags"])})
    else:
        _table(rows)


@cli.command()
@click.argument("statement_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@db_option
def show(statement_id, fmt, db_path):
    """One statement in full: text, every address it was seen at, tags with their evidence."""
    with open_db(db_path, create=False) as store:
        row = store.get_statement(statement_id)
    if row is None:
        raise UserError(f"no statement with id {statement_id}")
    if fmt == "json":
        click.echo(json.dumps(row, ensure_ascii=False, indent=2))
        return
    click.secho(row["title"], bold=True)
    click.echo(f"{row['published_local'] or 'date unknown'} · {row['source']} · {row['language']} · {row['kind']}"
               + (f" · {row['speaker']}" if row["speaker"] else ""))
    for s in row["sightings"]:
        click.echo(f"  seen at {s['url']} ({s['source']}, first {s['first_seen_at']})")
    if row["tags"]:
        click.echo("tags:")
        sections = row["extra"].get("sections", [])
        for name in row["tags"]:
            ev = row["evidence"][name]
            terms = ", ".join(sorted({e["term"] for e in ev["evidence"]}))
            click.echo(f"  {name:<24} score {ev['score']:.2f}  {terms}")
        coe = row["evidence"].get("coe", {}).get("evidence", [])
        if coe:
            click.echo("evidence:")
        for e in coe[:5]:
            where = "title" if e.get("field") == "title" else _section_of(sections, e["start"])
            click.echo(f"  [{where}] {e['snippet']}")
    click.echo("")
    click.echo(row["text"])


def _section_of(sections: list[dict], offset: int) -> str:
    """The briefing topic an offset falls in, so a passage can be quoted with its context."""
    for s in sections:
        if s["start"] <= offset < s["end"]:
            return f"{'Q&A' if s.get('qa') else 'topic'} #{s['anchor']}: {s['title']}"
    return "text"


# --- sources -------------------------------------------------------------------------
@cli.command()
@click.argument("source_ids", nargs=-1)
@click.option("--check", is_flag=True, help="Live check: fetch one feed/listing page and one article per source.")
@db_option
@sources_option
def sources(source_ids, check, db_path, sources_path):
    """The source registry with each source's last crawl: ok, blocked, parse-failed, failed.

    With --check (needs internet), fetch one feed or listing page and one article of each
    given source (default: all enabled), store nothing, and say what was found or whether
    the site blocked us. Exits 1 if any check did not succeed.
    """
    registry = load_sources(sources_path)
    if check:
        from scheduler.source_tools import check_source, check_verdict

        bad = 0
        for s in _select_sources(registry, source_ids):
            verdict, detail = check_verdict(check_source(s, Path(sources_path)))
            bad += verdict != "ok"
            click.echo(f"{s.id:<24} {verdict:<13} {detail}")
        if bad:
            raise SystemExit(1)
        return
    status = {}
    if Path(db_path).exists():
        with open_db(db_path) as store:
            status = {r["id"]: r for r in store.source_overview()}
    for s in _select_sources(registry, source_ids) if source_ids else registry.values():
        r = status.get(s.id, {})
        flags = ("" if s.enabled else " disabled") + ("" if s.verified else " unverified")
        last = r.get("last_status") or "never crawled"
        when = (r.get("last_run") or "")[:16].replace("T", " ")
        line = f"{s.id:<24} {s.spider:<8} {s.language:<3} {r.get('statements', 0):>5} stmts {r.get('coe', 0):>4} coe  "
        line += f"{last}{' ' + when if when else ''}{flags}"
        if r.get("last_message") and last != "ok":
            line += f"  - {r['last_message']}"
        click.echo(line)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", required=True, help="The address the page was saved from.")
@click.option("--source", "source_id", help="Read with this source's rules (default: guessed from the URL).")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@sources_option
def extract(file, url, source_id, fmt, sources_path):
    """Read a saved page (article or feed) offline with a source's rules; print its statements.

    For repairing a broken source, adding a new one, and tests. A challenge page is
    reported as blocked (exit 3), a page without a statement as parse-failed (exit 1).
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
        click.echo(json.dumps([statement_json(s) for s in statements], ensure_ascii=False, indent=2))
        return
    for s in statements:
        click.secho(s.title, bold=True)
        click.echo(f"{s.published_at.isoformat() if s.published_at else 'date unknown'} · {s.language} · {s.kind}")
        click.echo(s.text + "\n")


# --- demo ---------------------------------------------------------------------------
@cli.command()
@click.option("--db", "db_path", default=lambda: str(config.demo_db_path()), show_default="data/demo.db",
              type=click.Path(dir_okay=False), help="The SQLite database file for the demo.")
@click.option("--fresh/--keep", default=True, show_default=True, help="Start from an empty demo database.")
def demo(db_path, fresh):
    """Crawl a local demo site (no internet needed) and show what communique finds.

    The demo site imitates the shapes of real sources (mid.ru, coe.int, Ukrinform, …) with
    short texts written for the demo; it is served from 127.0.0.1 on a free port.
    """
    from scheduler.demo_site import DemoSite

    db = Path(db_path)
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    with DemoSite() as site, tempfile.TemporaryDirectory() as tmp:
        sources_path = site.write_sources(Path(tmp) / "demo-sources.toml")
        registry = load_sources(sources_path)
        click.echo(f"demo site at {site.base_url} (pages written for the demo, not the real sites)")
        results = do_crawl(list(registry.values()), db, sources_path, jobs=2, settings=LOCAL_SITE_SETTINGS)
    with open_db(db) as store:
        totals = store.stats()
        latest = store.search(tag="coe", limit=5)
    click.echo(
        f"\n{totals['statements']} statements ({totals['sightings']} sightings) from {totals['sources']} sources; "
        f"{totals['coe']} about the Council of Europe. Database: {db}"
    )
    click.echo("\nLatest Council of Europe statements:")
    _table(latest)
    click.echo(f"\nTry: COMMUNIQUE_DB={db} communique search torture --format json")
    if any(not r.ok for r in results):
        raise SystemExit(1)


for _command in (tag_cmd, retag_cmd, tag_eval_cmd):
    cli.add_command(_command)
