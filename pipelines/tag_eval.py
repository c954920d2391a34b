"""Measure the tagger against a labelled evaluation set: precision, recall and F1.

The evaluation set lives in the checkout under tests/data/coe_eval/, in two parts:

- `dev/<lang>.jsonl` — the development part: passages the lexicon was written and tuned
  against. Its figures are in-sample and say only that nothing regressed.
- `test/<lang>.jsonl` — the test part: passages collected afterwards and never used to tune
  anything. Only its figures say how well the tagger does on text it has not seen.

Each record (a JSON line, or a [[case]] table in TOML) has `text`, `language`, `expected`
(the tags a careful analyst assigns; [] for a negative) and `source` (the page it was copied
from). Scoring:

- the root tag (`coe`) per language: is this passage about the Council of Europe at all?
- every tag (the organisation, its bodies and instruments, and the event tags) across
  languages, and all tags pooled per language.

Event tags (withdrawal, expulsion, accession, judgment, resolution) are scored only on a set
that labels them — one where some record expects an event tag — so a set written before event
labels does not count every event the tagger finds as an error. Both shipped parts label them
(tests/data/coe_eval/dev/README.md says how).

Pure functions, no click: the `tag-eval` command reads files with `load_eval_set()`, scores
them with `evaluate()` and prints `format_report()` or `report.to_dict()`.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.tagging import load_lexicon, tag
from pipelines.textnorm import normalize_text
from spiders.config import CODE_ROOT
from spiders.errors import EvalSetError

# The evaluation set ships with a checkout (tests/), not with an installed package.
EVAL_DIR = CODE_ROOT / "tests" / "data" / "coe_eval"
PARTS = ("dev", "test")
SUFFIXES = (".jsonl", ".toml")


@dataclass
class Counts:
    """Agreement counts for one tag (or one language) over a set of passages."""

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

    def merge(self, other: Counts) -> None:
        """Add another tag's (or language's) counts to these: pooled (micro-averaged) figures."""
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.tn += other.tn

    def to_dict(self) -> dict:
        return {
            "n": self.n,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass
class EvalReport:
    """What `evaluate()` found: counts per language and per tag, and the passages it got wrong."""

    root_tag: str = "coe"
    total: int = 0
    events_scored: bool = False
    by_language: dict[str, Counts] = field(default_factory=dict)  # the root tag, per language
    by_tag: dict[str, Counts] = field(default_factory=dict)  # every scored tag, all languages
    by_language_all_tags: dict[str, Counts] = field(default_factory=dict)  # every scored tag, pooled
    errors: list[dict] = field(default_factory=list)  # records whose scored tags differ

    def to_dict(self, errors: bool = False) -> dict:
        def dump(rows: dict[str, Counts]) -> dict:
            return {key: counts.to_dict() for key, counts in sorted(rows.items())}

        payload = {
            "total": self.total,
            "root_tag": self.root_tag,
            "events_scored": self.events_scored,
            "by_language": dump(self.by_language),
            "by_tag": dump(self.by_tag),
            "by_language_all_tags": dump(self.by_language_all_tags),
        }
        if errors:
            payload["errors"] = self.errors
        return payload


# ------------------------------------------------------------------------------- reading


def _check(records: list, path: Path) -> list[dict]:
    for n, rec in enumerate(records, 1):
        if (
            not isinstance(rec, dict)
            or not isinstance(rec.get("text"), str)
            or not isinstance(rec.get("expected"), list)
            or not all(isinstance(t, str) for t in rec["expected"])
        ):
            raise EvalSetError(f"{path}: record {n} needs a text (string) and expected (list of tags)")
    return records


def load_eval_file(path: str | Path) -> list[dict]:
    """Read one evaluation file: JSON Lines (one record a line) or TOML with [[case]] tables."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvalSetError(f"cannot read {path}: no such file") from None
    except IsADirectoryError:
        raise EvalSetError(f"cannot read {path}: it is a directory") from None
    except UnicodeDecodeError as exc:
        raise EvalSetError(f"cannot read {path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise EvalSetError(f"cannot read {path}: {exc.strerror}") from None
    if path.suffix == ".toml":
        try:
            cases = tomllib.loads(raw).get("case", [])
        except tomllib.TOMLDecodeError as exc:
            raise EvalSetError(f"{path}: not valid TOML: {exc}") from None
        if not isinstance(cases, list):
            raise EvalSetError(f"{path}: 'case' must be an array of tables ([[case]])")
        return _check(cases, path)
    records = []
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise EvalSetError(f"{path}:{n}: not valid JSON: {exc.msg}") from None
    return _check(records, path)


def eval_files(path: str | Path) -> list[Path]:
    """The evaluation files at `path`: the file itself, or a folder's *.jsonl and *.toml files."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in SUFFIXES)
        if not files:
            raise EvalSetError(f"{path}: no evaluation files (*.jsonl, *.toml) in this folder")
        return files
    return [path]


def load_eval_set(path: str | Path) -> list[dict]:
    """Every record of a file, or of every evaluation file in a folder (in name order)."""
    records: list[dict] = []
    for file in eval_files(path):
        records.extend(load_eval_file(file))
    return records


def part_dir(part: str) -> Path:
    """The folder of one part of the shipped evaluation set (`dev` or `test`)."""
    if part not in PARTS:
        raise EvalSetError(f"unknown part {part!r}: expected one of {', '.join(PARTS)}")
    folder = EVAL_DIR / part
    if not folder.is_dir():
        raise EvalSetError(
            f"no evaluation set at {folder}: it ships with a checkout of communique, not with an "
            "installed package; pass a FILE or folder instead"
        )
    return folder


# ------------------------------------------------------------------------------- scoring


def labels_events(records: list[dict], lexicon) -> bool:
    """Whether the set labels event tags (some record expects one)."""
    events = {name for name, t in lexicon.tags.items() if t.kind == "event"}
    return any(events & set(rec["expected"]) for rec in records)


def evaluate(records: list[dict], lexicon=None, *, score_events: bool | None = None) -> EvalReport:
    """Tag every record and count agreement with its expected tags.

    `score_events`: whether event tags count; by default only if the set labels them.
    """
    lexicon = lexicon or load_lexicon()
    root = lexicon.root_tag
    if score_events is None:
        score_events = labels_events(records, lexicon)
    scored = {n for n, t in lexicon.tags.items() if score_events or t.kind != "event"}
    report = EvalReport(root_tag=root, events_scored=score_events)
    for rec in records:
        lang = rec.get("language") or "??"
        text = normalize_text(rec["text"])
        title = normalize_text(rec.get("title", ""))
        got = {r.tag for r in tag(text, rec.get("language"), title=title, lexicon=lexicon)} & scored
        expected = set(rec["expected"]) & scored
        report.total += 1
        report.by_language.setdefault(lang, Counts()).add(root in expected, root in got)
        pooled = report.by_language_all_tags.setdefault(lang, Counts())
        for t in sorted(expected | got):
            report.by_tag.setdefault(t, Counts()).add(t in expected, t in got)
            pooled.add(t in expected, t in got)
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


# ------------------------------------------------------------------------------- text report


def _table(title: str, rows: dict[str, Counts], first: str, total: bool = True) -> list[str]:
    out = [title, f"  {first:<26} {'n':>4} {'tp':>4} {'fp':>4} {'fn':>4}  {'P':>6} {'R':>6} {'F1':>6}"]
    pooled = Counts()
    for key in sorted(rows):
        c = rows[key]
        pooled.merge(c)
        out.append(
            f"  {key:<26} {c.n:>4} {c.tp:>4} {c.fp:>4} {c.fn:>4}  {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}"
        )
    if total:
        out.append(
            f"  {'all':<26} {pooled.n:>4} {pooled.tp:>4} {pooled.fp:>4} {pooled.fn:>4}  "
            f"{pooled.precision:6.3f} {pooled.recall:6.3f} {pooled.f1:6.3f}"
        )
    return out


def format_report(report: EvalReport, source: str, errors: bool = False) -> str:
    """The report as plain-text tables (and the passages tagged differently, if asked)."""
    events = (
        "event tags scored" if report.events_scored else "event tags not scored: the set does not label them"
    )
    lines = [f"{report.total} passages from {source}", ""]
    lines += _table(f'tag "{report.root_tag}" by language', report.by_language, "language")
    lines.append("")
    lines += _table(f"all tags by language ({events})", report.by_language_all_tags, "language")
    lines.append("")
    lines += _table("by tag (all languages)", report.by_tag, "tag", total=False)
    if errors and report.errors:
        lines += ["", f"{len(report.errors)} passages tagged differently from expected:"]
        for e in report.errors:
            lines.append(
                f"  [{e['language']}] missing {','.join(e['missing']) or '-'}; "
                f"extra {','.join(e['extra']) or '-'}  {e['source']}"
            )
            lines.append(f"      {' '.join(e['text'].split())[:200]}")
    return "\n".join(lines)
