"""Tagging commands: tag a text, re-tag the database, measure the tagger.

Registered in scheduler/cli.py as `communique tag`, `communique retag`, `communique tag-eval`.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import click

from pipelines.tagging import ABOUT_THRESHOLD, LexiconError, guess_language, load_lexicon, tag
from pipelines.textnorm import normalize_text
from scheduler.options import db_option, lexicon_option


def _load(lexicon_path: str | None):
    try:
        return load_lexicon(lexicon_path)
    except LexiconError as exc:
        raise click.ClickException(f"lexicon: {exc}") from None


# ------------------------------------------------------------------------------- tag


def _read_text(source: str) -> str:
    if source == "-":
        data = sys.stdin.buffer.read()
        where = "standard input"
    else:
        where = source
        try:
            data = Path(source).read_bytes()
        except FileNotFoundError:
            raise click.ClickException(f"cannot read {source}: no such file") from None
        except IsADirectoryError:
            raise click.ClickException(f"cannot read {source}: it is a directory") from None
        except OSError as exc:
            raise click.ClickException(f"cannot read {source}: {exc.strerror}") from None
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


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, expected: bool, got: bool) -> None:
        if expected and got:
            self.tp += 1
        elif got:
            self.fp += 1
        elif expected:
            self.fn += 1
        else:
            self.tn += 1


@dataclass
class EvalReport:
    by_language: dict[str, Counts] = field(default_factory=dict)  # the root tag, per language
    by_tag: dict[str, Counts] = field(default_factory=dict)  # every non-event tag, all languages
    errors: list[dict] = field(default_factory=list)  # misclassified records (root tag or body tags)
    total: int = 0


def load_eval_file(path: str | Path) -> list[dict]:
    """Read an evaluation set: JSON Lines (one record a line) or TOML with [[case]] tables.

    Each record has text, language, expected (list of tags; [] for a negative), source.
    """
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise click.ClickException(f"cannot read {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from None
    records: list[dict] = []
    if path.suffix == ".toml":
        import tomllib

        try:
            records = list(tomllib.loads(raw).get("case", []))
        except tomllib.TOMLDecodeError as exc:
            raise click.ClickException(f"{path}: not valid TOML: {exc}") from None
    else:
        for n, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise click.ClickException(f"{path}:{n}: not valid JSON: {exc.msg}") from None
    for n, rec in enumerate(records, 1):
        if (
            not isinstance(rec, dict)
            or not isinstance(rec.get("text"), str)
            or not isinstance(rec.get("expected"), list)
        ):
            raise click.ClickException(
                f"{path}: record {n} needs a text (string) and expected (list of tags)"
            )
    return records


def evaluate(records: list[dict], lexicon=None) -> EvalReport:
    """Tag every record and count agreement with its expected tags.

    Event tags are not scored: the set labels organisations, bodies and instruments.
    """
    lexicon = lexicon or load_lexicon()
    root = lexicon.root_tag
    scored = {n for n, t in lexicon.tags.items() if t.kind != "event"}
    report = EvalReport()
    for rec in records:
        lang = rec.get("language") or "??"
        text = normalize_text(rec["text"])
        title = normalize_text(rec.get("title", ""))
        got = {r.tag for r in tag(text, rec.get("language"), title=title, lexicon=lexicon)} & scored
        expected = set(rec["expected"]) & scored
        report.total += 1
        report.by_language.setdefault(lang, Counts()).add(root in expected, root in got)
        for t in sorted(expected | got):
            report.by_tag.setdefault(t, Counts()).add(t in expected, t in got)
        if expected != got:
            report.errors.append(
                {
                    "source": rec.get("source", ""),
                    "language": lang,
                    "missing": sorted(expected - got),
                    "extra": sorted(got - expected),
                    "text": rec["text"],
                }
            )
    for c in report.by_tag.values():  # passages where the tag was neither expected nor given
        c.tn = report.total - c.tp - c.fp - c.fn
    return report


def _table(title: str, rows: dict[str, Counts], first: str) -> list[str]:
    out = [title, f"  {first:<26} {'n':>4} {'tp':>4} {'fp':>4} {'fn':>4}  {'P':>6} {'R':>6} {'F1':>6}"]
    total = Counts()
    for key in sorted(rows):
        c = rows[key]
        total.tp += c.tp
        total.fp += c.fp
        total.fn += c.fn
        total.tn += c.tn
        out.append(
            f"  {key:<26} {c.n:>4} {c.tp:>4} {c.fp:>4} {c.fn:>4}  {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}"
        )
    out.append(
        f"  {'all':<26} {total.n:>4} {total.tp:>4} {total.fp:>4} {total.fn:>4}  "
        f"{total.precision:6.3f} {total.recall:6.3f} {total.f1:6.3f}"
    )
    return out


@click.command("tag-eval")
@click.argument("file", type=click.Path(dir_okay=False))
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
def tag_eval_cmd(file, errors, fmt, lexicon_path):
    """Measure the tagger on an evaluation set: precision, recall and F1 per language and per tag.

    FILE is JSON Lines (tests/data/coe_eval.jsonl) or TOML with [[case]] tables; each
    record has text, language, expected tags and source. Event tags are not scored.

    Example:

    \b
        communique tag-eval tests/data/coe_eval.jsonl --errors
    """
    lexicon = _load(lexicon_path)
    report = evaluate(load_eval_file(file), lexicon)
    if fmt == "json":

        def dump(rows):
            return {
                k: {
                    "n": c.n,
                    "tp": c.tp,
                    "fp": c.fp,
                    "fn": c.fn,
                    "precision": c.precision,
                    "recall": c.recall,
                    "f1": c.f1,
                }
                for k, c in sorted(rows.items())
            }

        payload = {
            "total": report.total,
            "root_tag": lexicon.root_tag,
            "by_language": dump(report.by_language),
            "by_tag": dump(report.by_tag),
        }
        if errors:
            payload["errors"] = report.errors
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    lines = [f"{report.total} passages from {file}", ""]
    lines += _table(f'tag "{lexicon.root_tag}" by language', report.by_language, "language")
    lines.append("")
    lines += _table("by tag (all languages; event tags not scored)", report.by_tag, "tag")
    if errors and report.errors:
        lines += ["", f"{len(report.errors)} passages tagged differently from expected:"]
        for e in report.errors:
            lines.append(
                f"  [{e['language']}] missing {','.join(e['missing']) or '-'}; extra {','.join(e['extra']) or '-'}"
                f"  {e['source']}"
            )
            lines.append(f"      {e['text'][:200]}")
    click.echo("\n".join(lines))
