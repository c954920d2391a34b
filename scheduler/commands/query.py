"""`communique search` and `communique show`: reading the archive."""

from __future__ import annotations

import itertools

import click

from pipelines.db import open_db
from scheduler.commands.common import UserError, utc_bound
from scheduler.options import db_option, offset_type, score_type, statement_id_type
from scheduler.output import (
    ROW_FORMATS,
    Column,
    echo,
    format_option,
    marked,
    one_line,
    page_footer,
    render_json,
    render_rows,
)

# `show` prints at most this much of a statement's text unless --full: a 50 MB page
# turned statement must not flood the terminal.
SHOW_TEXT_CHARS = 20_000


def _date(row: dict) -> str:
    return (row.get("published_local") or row.get("published_at") or "")[:16].replace("T", " ")


def _tags(row: dict) -> str:
    tags = row.get("tags") or []
    return ",".join(tags[:2]) + (f"+{len(tags) - 2}" if len(tags) > 2 else "") or "-"


SEARCH_COLUMNS = (
    Column("id", "ID", align=">"),
    Column("published_at", "DATE", show=_date),
    Column("source", "SOURCE"),
    Column("language", "LANG", show=lambda r: r.get("language") or "--"),
    Column("tags", "TAGS", show=_tags),
    Column("title", "TITLE", flex=True),
)
SEARCH_CSV_FIELDS = ("id", "source", "url", "title", "published_at", "language", "kind", "tags", "snippet")
COUNT_CAP = 10_000  # the footer counts at most this many matches ("20 of 10,000+")


def _evidence(row: dict) -> str | None:
    """Under a result: the text around the query's words, else the words that make it a Council
    of Europe statement (from the text if it has some)."""
    if row.get("snippet"):
        return row["snippet"]
    proof = (row.get("evidence") or {}).get("coe", {}).get("evidence", [])
    if not proof:
        return None
    first = next((e for e in proof if e.get("field") == "text"), proof[0])
    return first["snippet"]


def search_table(rows: list[dict], footer: str | None = None) -> str:
    """The search results as a table (also used by the demo's summary)."""
    return render_rows(rows, "table", columns=SEARCH_COLUMNS, detail=_evidence, empty="no statements found",
                       footer=footer)


def filter_options(command):
    """The search filters, defined once for search, export and stats."""
    for option in reversed((
        click.option("--tag", help="Only statements with this tag (e.g. coe, pace, echr_court)."),
        click.option("--source", "source", help="Only statements seen at this source id."),
        click.option("--country", help="Only statements from sources of this country (ISO code: RU, UA …)."),
        click.option("--publisher", help="Only statements from this kind of publisher: ministry, "
                                         "intergovernmental, news."),
        click.option("--lang", "language", help="Only this language (ISO code: en, uk, ru, fr …)."),
        click.option("--since", help="Published on or after this date (YYYY-MM-DD, UTC)."),
        click.option("--until", help="Published before this date (YYYY-MM-DD, UTC)."),
        click.option("--min-score", type=score_type,
                     help="Only statements tagged with at least this relevance (0–1; with --tag: that tag's)."),
        click.option("--about", is_flag=True, help="With --tag: only statements about it, not passing mentions."),
    )):
        command = option(command)
    return command


def search_filters(store, *, tag, source, country, publisher, language, since, until, min_score, about) -> dict:
    """The filters as Store.search arguments, each checked against what the database knows."""
    if about:
        from pipelines.tagging import ABOUT_THRESHOLD

        min_score = max(min_score or 0, ABOUT_THRESHOLD)
    store.check_filters(tag=tag, source=source, country=country, publisher=publisher, language=language)
    since_utc, until_utc = utc_bound(since, "since"), utc_bound(until, "until")
    if since_utc and until_utc and since_utc >= until_utc:  # an empty range is a mistake, not "nothing found"
        raise UserError(f"--since {since} is not before --until {until} (--until is exclusive): no date is in both")
    return {"tag": tag, "source": source, "country": country, "publisher": publisher, "language": language,
                "since": since_utc, "until": until_utc, "min_score": min_score}


@click.command()
@click.argument("query", required=False)
@filter_options
@click.option("--sort", type=click.Choice(["relevance", "date"]),
              help="Order of results (default: relevance with a QUERY, else newest first).")
@click.option("--collapse-stories", is_flag=True,
              help="One row per story: a statement's translations, copies and news coverage are not listed again.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10000))
@click.option("--offset", default=0, show_default=True, type=offset_type, help="Skip this many results.")
@format_option(ROW_FORMATS)
@db_option
def search(query, tag, source, country, publisher, language, since, until, min_score, about, sort, collapse_stories,
           limit, offset, fmt, db_path):
    """Full-text search over stored statements, best match first (newest first without a QUERY).

    QUERY words must all appear; Ukrainian and Russian words match in every case form
    (Рада Європи finds Ради Європи). "a phrase" matches exactly, word* is a prefix, and
    OR, NOT and parentheses work as in SQLite FTS5. Filters combine and ignore case.
    A query with more than 10,000 matches and no filter ranks the newest 10,000 of them
    (add a filter, or --sort date, to reach the older ones).

    Example:

    \b
        communique search torture --tag coe --lang en --format json
        communique search "Совет Европы" --since 2024-08-01 --sort date
    """
    if sort == "relevance" and not query:
        raise UserError("--sort relevance needs a QUERY")
    sort = sort or ("relevance" if query else "date")
    with open_db(db_path, readonly=True) as store:
        filters = search_filters(store, tag=tag, source=source, country=country, publisher=publisher,
                                 language=language, since=since, until=until, min_score=min_score, about=about)
        rows = store.search(query, **filters, sort=sort, limit=limit, offset=offset, collapse_stories=collapse_stories)
        footer, empty = None, "no statements found"
        if fmt == "table" and (len(rows) == limit or offset):
            total = store.count_matches(query, **filters, cap=offset + COUNT_CAP, collapse_stories=collapse_stories)
            footer = page_footer(len(rows), offset, total, capped=total >= offset + COUNT_CAP)
            if not rows and total:  # matches exist, all before the offset: "nothing found" would be false
                empty = f"no statements after the first {total:,} (--offset {offset:,})"
    if fmt != "table":
        for r in rows:
            r["snippet"] = marked(r.get("snippet"))
    click.echo(render_rows(rows, fmt, columns=SEARCH_COLUMNS, fields=SEARCH_CSV_FIELDS, detail=_evidence,
                           empty=empty, footer=footer))


@click.command()
@click.argument("statement_id", type=statement_id_type)
@format_option(("text", "json"))
@click.option("--full", is_flag=True, help=f"Print the whole text (default: its first {SHOW_TEXT_CHARS:,} characters).")
@click.option("--revisions", "show_revisions", is_flag=True,
              help="Print each edit of the statement as a unified diff against the version before.")
@db_option
def show(statement_id, fmt, full, show_revisions, db_path):
    """One statement in full: text, every address it was seen at, tags with their evidence,
    and its story (translations, news coverage, edits).

    Example:

    \b
        communique show 42 --revisions
    """
    with open_db(db_path, readonly=True) as store:
        row = store.get_statement(statement_id)
        if row is None:
            raise UserError(f"no statement with id {statement_id}")
        row["story"] = store.get_story(statement_id)
        row["revisions"] = store.get_revisions(statement_id)
    if fmt == "json":
        if not show_revisions:  # the versions' texts only when asked for
            row["revisions"] = [{k: v for k, v in r.items() if k != "text"} for r in row["revisions"]]
        click.echo(render_json(row))
        return
    click.secho(one_line(row["title"]), bold=True)
    echo(f"{row['published_local'] or 'date unknown'} · {row['source']} · {row['language']} · {row['kind']}"
         + (f" · {row['speaker']}" if row["speaker"] else ""))
    for s in row["sightings"]:
        how = {"near-copy": f", republished: {s['similarity']:.0%} of the text" if s.get("similarity") else
               ", republished", "text": ", same text", "identity": ", same document id"}.get(s.get("match"), "")
        echo(f"  seen at {one_line(s['url'])} ({s['source']}, first {s['first_seen_at']}{how})")
    _show_story(row)
    if row["tags"]:
        echo("tags:")
        sections = row["extra"].get("sections", [])
        for name in row["tags"]:
            ev = row["evidence"][name]
            terms = ", ".join(sorted({e["term"] for e in ev["evidence"]}))
            echo(f"  {name:<24} score {ev['score']:.2f}  {one_line(terms)}")
        coe = row["evidence"].get("coe", {}).get("evidence", [])
        if coe:
            echo("evidence:")
        for e in coe[:5]:
            where = "title" if e.get("field") == "title" else _section_of(sections, e["start"])
            echo(f"  [{one_line(where)}] {one_line(e['snippet'])}")
    if row["revisions"]:
        echo(f"revisions: {len(row['revisions'])} versions" + ("" if show_revisions else " (--revisions: the diffs)"))
        for version in row["revisions"]:
            echo(f"  revision {version['number']:<3} {_when(version['fetched_at'])}  {_edit_size(version)}")
    echo("")
    if show_revisions:
        _show_revisions(row["revisions"])
    text = row["text"]
    if not full and len(text) > SHOW_TEXT_CHARS:
        text = text[:SHOW_TEXT_CHARS] + f"\n… ({len(row['text']) - SHOW_TEXT_CHARS:,} more characters: --full)"
    echo(text)


def _show_story(row: dict) -> None:
    """The statement's story: what it is a translation or coverage of, and what covers it."""
    story = row["story"]
    if story["size"] <= 1:
        return
    echo(f"story #{story['story_id']} ({story['size']} statements"
         + (f"; about statement {story['statement_id']}" if story["statement_id"] != row["id"] else "") + "):")
    lead = story.get("lead")
    if lead and lead["id"] != row["id"]:  # what a report or translation is about, by name
        echo(f"  {'statement':<11} #{lead['id']} [{lead['language'] or '--'}] {one_line(lead['title'])} "
             f"({lead['source']})")
    for label, members in (("translation", story["translations"]), ("coverage", story["coverage"]),
                           ("also", story["others"])):
        for m in members:
            if m["id"] == row["id"]:
                continue
            how = m["relation"] if m["relation"] and m["relation"] != label else ""
            echo(f"  {label:<11} #{m['id']} [{m['language'] or '--'}] {one_line(m['title'])} "
                 f"({m['source']}{', ' + how if how else ''})")


def _when(stamp: str | None) -> str:
    return (stamp or "")[:16].replace("T", " ") or "date unknown"


def _edit_size(version: dict) -> str:
    """How much a version changed the one before: the first is the text as first read."""
    if version["number"] == 1 or version["words_changed"] is None:
        return "as first read"
    return (f"{'substantive' if version['substantive'] else 'minor'}: {version['words_changed']} words changed"
            + (f" ({version['share_changed']:.0%} of the text)" if version.get("share_changed") is not None else ""))


def _show_revisions(versions: list[dict]) -> None:
    """Each edit as a unified diff against the version before (title and text)."""
    from pipelines.revisions import unified_diff

    for before, after in itertools.pairwise(versions):
        label = "substantive" if after["substantive"] else "minor"
        echo(f"revision {after['number']} ({after['fetched_at']}, {label}: {after['words_changed']} words changed)")
        for line in unified_diff(f"{before['title']}\n\n{before['text']}", f"{after['title']}\n\n{after['text']}",
                                 f"revision {before['number']}", f"revision {after['number']}"):
            echo(line)
        echo("")


def _section_of(sections: list[dict], offset: int) -> str:
    """The briefing topic an offset falls in, so a passage can be quoted with its context."""
    for s in sections:
        if s["start"] <= offset < s["end"]:
            return f"{'Q&A' if s.get('qa') else 'topic'} #{s['anchor']}: {s['title']}"
    return "text"
