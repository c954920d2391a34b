"""The one output layer: plain row dicts rendered as table, json, ndjson, csv or text.

Every command that prints rows goes through here, and so will alert mail and Atom, so
escaping lives in one place: scraped text is untrusted, and a title may carry terminal
escape codes, bidi overrides or a spreadsheet formula.

- table and text: control characters (C0 except newline and tab, C1, DEL) and bidi
  controls are removed, so a title cannot move the cursor, recolour the terminal or flip
  the reading order of what follows;
- csv: a cell that a spreadsheet would run as a formula (= + - @, tab, CR) is prefixed
  with an apostrophe, as OWASP recommends;
- json and ndjson: the JSON encoder escapes control characters itself.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import click

from pipelines.db import SNIPPET_MARKS
from pipelines.textnorm import strip_controls

ROW_FORMATS = ("table", "json", "ndjson", "csv")

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def terminal_safe(value: object) -> str:
    """Text that is safe to print on a terminal: no escape sequences, no bidi tricks (the same
    control characters normalisation strips from stored text: pipelines/textnorm.py)."""
    return strip_controls("" if value is None else str(value))


def one_line(value: object) -> str:
    """Terminal-safe text on one line (whitespace runs become one space)."""
    return " ".join(terminal_safe(value).split())


def csv_safe(value: object) -> str:
    """A CSV cell that spreadsheets show as text, never run as a formula."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = " ".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    text = strip_controls(str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def marked(text: str | None, start: str = "**", end: str = "**") -> str | None:
    """A search snippet with its matched words between `start` and `end` instead of the storage's marks."""
    if text is None:
        return None
    return text.replace(SNIPPET_MARKS[0], start).replace(SNIPPET_MARKS[1], end)


def _bold_marks(line: str) -> str:
    """Matched words in bold on a terminal (click drops the styling when output is not a terminal)."""
    if SNIPPET_MARKS[0] not in line:
        return line.replace(SNIPPET_MARKS[1], "")
    bold, normal = click.style("x", bold=True).split("x")
    line = marked(line, bold, normal)
    return line + normal if line.rfind(bold) > line.rfind(normal) else line  # a mark cut by clip()


def cell_width(text: str) -> int:
    """Terminal cells `text` takes: a CJK character two, a combining accent or zero-width mark none.
    rich is already a dependency (crawl progress); its cells module imports in about 5 ms."""
    from rich.cells import cell_len

    return cell_len(text)


def clip(text: str, width: int) -> str:
    """`text` cut to `width` terminal cells, an ellipsis marking the cut."""
    if width <= 0:
        return ""
    if cell_width(text) <= width:
        return text
    from rich.cells import set_cell_size

    return set_cell_size(text, width - 1).rstrip(" ") + "…" if width > 1 else "…"


def pad(text: str, width: int, align: str = "<") -> str:
    """`text` padded with spaces to `width` terminal cells (str.format pads by characters)."""
    gap = " " * max(0, width - cell_width(text))
    return gap + text if align == ">" else text + gap


def terminal_width(default: int = 120) -> int:
    return shutil.get_terminal_size((default, 24)).columns


@dataclass(frozen=True)
class Column:
    """One column of a table: the row key, its header, how to show a value, and whether it
    takes the room left over (one flexible column per table, usually the title)."""

    key: str
    header: str
    show: Callable[[dict], str] | None = None
    flex: bool = False
    align: str = "<"

    def cell(self, row: dict) -> str:
        value = self.show(row) if self.show else row.get(self.key)
        return one_line("" if value is None else value)


def render_table(rows: Sequence[dict], columns: Sequence[Column], *, width: int | None = None,
                 detail: Callable[[dict], str | None] | None = None, footer: str | None = None) -> str:
    """A table with a header that fits the terminal; `detail` adds an indented second line per row
    (search snippets' matched words in bold), `footer` a last line (e.g. "20 of 231")."""
    width = width or terminal_width()
    cells = [[c.cell(r) for c in columns] for r in rows]
    widths = [max([cell_width(c.header)] + [cell_width(line[i]) for line in cells]) for i, c in enumerate(columns)]
    fixed = sum(w + 2 for w, c in zip(widths, columns, strict=True) if not c.flex)
    for i, c in enumerate(columns):
        if c.flex:
            widths[i] = max(len(c.header), min(widths[i], width - fixed))

    def line(values: Sequence[str]) -> str:
        parts = [pad(clip(v, w), w, c.align) for v, w, c in zip(values, widths, columns, strict=True)]
        return "  ".join(parts).rstrip()

    out = [line([c.header for c in columns])]
    for row, values in zip(rows, cells, strict=True):
        out.append(line(values))
        extra = detail(row) if detail else None
        if extra:
            out.append(_bold_marks(clip("    ↳ " + one_line(extra), width)))
    if footer:
        out.append(footer)
    return "\n".join(out)


def render_csv(rows: Iterable[dict], fields: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([csv_safe(row.get(f)) for f in fields])
    return buffer.getvalue().rstrip("\n")


def render_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


def render_ndjson(rows: Iterable[dict]) -> str:
    return "\n".join(json.dumps(r, ensure_ascii=False, default=str) for r in rows)


def render_rows(rows: Sequence[dict], fmt: str, *, columns: Sequence[Column], fields: Sequence[str] | None = None,
                detail: Callable[[dict], str | None] | None = None, empty: str = "nothing found",
                footer: str | None = None) -> str:
    """Rows in one of ROW_FORMATS. `fields` are the csv columns (default: the table's keys);
    `footer` is a last line of the table only (the other formats are for programs)."""
    if fmt == "json":
        return render_json(list(rows))
    if fmt == "ndjson":
        return render_ndjson(rows)
    if fmt == "csv":
        return render_csv(rows, fields or [c.key for c in columns])
    if not rows:
        return empty
    return render_table(rows, columns, detail=detail, footer=footer)


def page_footer(shown: int, offset: int, total: int, capped: bool) -> str | None:
    """ "20 of 231 — --limit/--offset for more", when a listing shows only part of what matched."""
    if shown == 0 or (offset == 0 and shown >= total and not capped):
        return None
    span = f"{shown:,}" if offset == 0 else f"{offset + 1:,}–{offset + shown:,}"
    of = f"{total:,}+" if capped else f"{total:,}"
    more = " — --limit/--offset for more" if capped or offset + shown < total else ""
    return f"{span} of {of}{more}"


def echo(text: str = "", **kwargs) -> None:
    """Print text a command composed from stored (untrusted) values, terminal-safe."""
    click.echo(terminal_safe(text), **kwargs)


def format_option(formats: Sequence[str] = ROW_FORMATS, default: str | None = None):
    """The --format option, defined once (as sqlite-utils' output_options)."""
    return click.option(
        "--format", "fmt", type=click.Choice(list(formats)), default=default or formats[0], show_default=True,
        help="Output format.",
    )


def render_bars(rows: Sequence[dict], *, label: str = "key", value: str = "count", width: int | None = None) -> str:
    """Counts as a small terminal bar chart: one line per row, label, number, a bar of █ scaled to the largest."""
    if not rows:
        return "nothing to count"
    width = width or terminal_width()
    labels = [one_line(r[label] if r[label] is not None else "--") for r in rows]
    numbers = [f"{r[value]:,}" for r in rows]
    lw, nw = max(map(cell_width, labels)), max(map(len, numbers))
    room = max(10, min(50, width - lw - nw - 4))
    top = max(r[value] for r in rows) or 1
    lines = []
    for name, number, r in zip(labels, numbers, rows, strict=True):
        eighths = round(r[value] / top * room * 8)
        bar = "█" * (eighths // 8) + ("▏▎▍▌▋▊▉"[eighths % 8 - 1] if eighths % 8 else "")
        lines.append(f"{pad(name, lw)}  {number:>{nw}}  {bar}".rstrip())
    return "\n".join(lines)


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(value: object) -> str:
    """Text an XML document can hold (scraped text may carry control characters XML forbids)."""
    return _XML_INVALID.sub("", "" if value is None else str(value))


def render_atom(rows: Sequence[dict], *, title: str, feed_id: str, self_link: str | None = None) -> str:
    """An Atom feed of statements (id, title, link, dates, source as author, tags as categories,
    text as content), so a feed reader can follow a search."""
    from datetime import UTC, datetime

    from feedgen.feed import FeedGenerator  # only exports pay for it

    def when(row: dict) -> datetime:
        stamp = row.get("published_at") or row.get("first_seen_at")
        dt = datetime.fromisoformat(stamp) if stamp else datetime(1970, 1, 1, tzinfo=UTC)
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)

    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(xml_safe(title))
    feed.author({"name": "communique"})
    feed.link(href=self_link or feed_id, rel="self")
    feed.updated(max((when(r) for r in rows), default=datetime(1970, 1, 1, tzinfo=UTC)))
    for row in reversed(rows):  # feedgen puts the last added first
        entry = feed.add_entry()
        entry.id(xml_safe(row["url"]))
        entry.title(xml_safe(row["title"]) or "(untitled)")
        entry.link(href=xml_safe(row["url"]))
        entry.published(when(row))
        entry.updated(when(row))
        entry.author({"name": xml_safe(row["source"])})
        for tag in row.get("tags") or []:
            entry.category(term=xml_safe(tag))
        if row.get("text") is not None:
            entry.content(xml_safe(row["text"]), type="text")
        if row.get("snippet"):
            entry.summary(xml_safe(marked(row["snippet"], "", "")))
        elif row.get("excerpt"):
            entry.summary(xml_safe(row["excerpt"]))
    return feed.atom_str(pretty=True).decode("utf-8")
