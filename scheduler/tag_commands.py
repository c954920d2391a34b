"""Tagging commands: tag a text, re-tag the database, measure the tagger.

Registered in scheduler/cli.py as `communique tag`, `communique retag`, `communique tag-eval`;
the evaluator itself is pipelines/tag_eval.py.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import click

from pipelines.tag_eval import PARTS, evaluate, format_report, load_eval_set, part_dir
from pipelines.tagging import ABOUT_THRESHOLD, LexiconError, guess_language, load_lexicon, tag
from pipelines.textnorm import normalize_text
from scheduler.options import db_option, lexicon_option
from spiders.errors import EvalSetError


def _load(lexicon_path: str | None):
    try:
        return load_lexicon(lexicon_path)
    except LexiconError as exc:
        raise click.ClickException(f"lexicon: {exc}") from None


# ------------------------------------------------------------------------------- tag


def _read_text(source: str) -> str:
    """The text to tag, read up to the bound a crawl puts on a page (`tag /dev/zero` must not read forever)."""
    from spiders import config

    limit_mb = config.max_download_mb()
    limit = limit_mb * 1024 * 1024
    if source == "-":
        data = sys.stdin.buffer.read(limit + 1)
        where = "standard input"
    else:
        where = source
        try:
            with Path(source).open("rb") as handle:
                data = handle.read(limit + 1)
        except FileNotFoundError:
            raise click.ClickException(f"cannot read {source}: no such file") from None
        except IsADirectoryError:
            raise click.ClickException(f"cannot read {source}: it is a directory") from None
        except OSError as exc:
            raise click.ClickException(f"cannot read {source}: {exc.strerror}") from None
    if len(data) > limit:
        raise click.ClickException(f"cannot read {where}: larger than {limit_mb} MB (COMMUNIQUE_MAX_DOWNLOAD_MB)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"cannot read {where}: not UTF-8 text (byte {exc.start})") from None


@click.command("tag")
@click.argument("source", default="-", metavar="[FILE|-]")
@click.option("--lang", "language", help="ISO language code of the text (default: guessed from the text).")
@click.option("--title", default="", help="The statement's title, tagged along with the text.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "text"]),
    default="json",
    show_default=True,
    help="Output format.",
)
@lexicon_option
def tag_cmd(source, language, title, fmt, lexicon_path):
    """Tag a text (a FILE, or standard input with -) and show each tag with its evidence.

    A Council of Europe text carries the tag "coe" alongside its body, instrument and
    event tags; the score (0..1) says how central the topic is, and "about" means the
    score reaches the threshold that separates a statement about it from a passing mention.

    Example:

    \b
        echo "PACE adopted a resolution on Ukraine" | communique tag --format text
    """
    lexicon = _load(lexicon_path)
    text = normalize_text(_read_text(source))
    title = normalize_text(title)
    language = language or guess_language(title + "\n" + text)
    results = tag(text, language, title=title, lexicon=lexicon)
    if fmt == "json":
        payload = {"language": language, "tags": [r.to_dict() for r in results]}
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    click.echo(f"language: {language or 'unknown'}")
    if not results:
        click.echo("no tags: nothing about the Council of Europe found")
        return
    for r in results:
        label = lexicon.tags[r.tag].label if r.tag in lexicon.tags else r.tag
        about = "about" if r.score >= ABOUT_THRESHOLD else "in passing"
        click.echo(f"{r.tag}  {r.score:.2f} ({about})  {label}")
        for e in r.evidence:
            where = "title" if e.field == "title" else f"{e.start}-{e.end}"
            click.echo(f"    {e.term!r} [{where}]  {e.snippet}")


# ------------------------------------------------------------------------------- retag


@click.command("retag")
@click.option("--since", help="Only statements published (or first seen) on or after this date (YYYY-MM-DD).")
@click.option(
    "--batch", default=500, show_default=True, type=click.IntRange(1, 100_000), help="Rows read per batch."
)
@db_option
@lexicon_option
def retag_cmd(since, batch, db_path, lexicon_path):
    """Re-apply the current lexicon to stored statements.

    Each statement's tags are replaced (one transaction per statement), so running it
    twice gives the same result, and an interrupted run can simply be started again.

    Example:

    \b
        communique retag --since 2024-01-01
    """
    from pipelines.db import StorageError, open_db

    if since:
        from datetime import date

        try:
            date.fromisoformat(since[:10])
        except ValueError:
            raise click.ClickException(f"--since {since!r}: expected a date like 2024-05-17") from None
    lexicon = _load(lexicon_path)
    try:
        store = open_db(db_path, create=False)
    except StorageError as exc:
        raise click.ClickException(str(exc)) from None
    with store as db:
        total = db.count_statements(since)
        counts: dict[str, int] = defaultdict(int)
        done = 0
        with click.progressbar(length=total, label="re-tagging", file=sys.stderr) as bar:
            for row in db.iter_statements_for_tagging(since, batch=batch):
                results = tag(
                    row.get("text") or "",
                    row.get("language") or None,
                    title=row.get("title") or "",
                    lexicon=lexicon,
                )
                db.replace_tags(row["id"], results)
                for r in results:
                    counts[r.tag] += 1
                done += 1
                bar.update(1)
    summary = ", ".join(f"{t} {n}" for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    click.echo(
        f"re-tagged {done} statements; {counts.get('coe', 0)} tagged coe"
        + (f" ({summary})" if summary else "")
    )


# ------------------------------------------------------------------------------- tag-eval


@click.command("tag-eval")
@click.argument("path", required=False, metavar="[FILE|FOLDER]", type=click.Path())
@click.option(
    "--part",
    type=click.Choice(PARTS),
    help="A part of the shipped evaluation set (tests/data/coe_eval/<part>/): "
    "dev (the lexicon was tuned on it) or test (held out).",
)
@click.option(
    "--errors/--no-errors", default=False, help="Also list the passages tagged differently from expected."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@lexicon_option
def tag_eval_cmd(path, part, errors, fmt, lexicon_path):
    """Measure the tagger on an evaluation set: precision, recall and F1 per language and per tag.

    FILE is JSON Lines or TOML with [[case]] tables (each record: text, language, expected
    tags, source); a FOLDER means every such file in it. Report figures from the test part:
    the lexicon was written against the dev part. Event tags are scored on sets that label them.

    Example:

    \b
        communique tag-eval --part test --errors
        communique tag-eval tests/data/coe_eval/test/fr.jsonl --format json
    """
    if bool(path) == bool(part):
        raise click.UsageError("give either a FILE or FOLDER, or --part dev|test")
    lexicon = _load(lexicon_path)
    try:
        where = part_dir(part) if part else Path(path)
        report = evaluate(load_eval_set(where), lexicon)
    except EvalSetError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(errors=errors), ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(report, str(where), errors=errors))
