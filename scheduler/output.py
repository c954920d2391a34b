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
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import click

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


def clip(text: str, width: int) -> str:
    """`text` cut to `width` characters, an ellipsis marking the cut."""
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


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
                 detail: Callable[[dict], str | None] | None = None) -> str:
    """A table with a header that fits the terminal; `detail` adds an indented second line per row."""
    width = width or terminal_width()
    cells = [[c.cell(r) for c in columns] for r in rows]
    widths = [max([len(c.header)] + [len(line[i]) for line in cells]) for i, c in enumerate(columns)]
    fixed = sum(w + 2 for w, c in zip(widths, columns, strict=True) if not c.flex)
    for i, c in enumerate(columns):
        if c.flex:
            widths[i] = max(len(c.header), min(widths[i], width - fixed))

    def line(values: Sequence[str]) -> str:
        parts = [f"{clip(v, w):{c.align}{w}}" for v, w, c in zip(values, widths, columns, strict=True)]
        return "  ".join(parts).rstrip()

    out = [line([c.header for c in columns])]
    for row, values in zip(rows, cells, strict=True):
        out.append(line(values))
        extra = detail(row) if detail else None
        if extra:
            out.append(clip("    ↳ " + one_line(extra), width))
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
                detail: Callable[[dict], str | None] | None = None, empty: str = "nothing found") -> str:
    """Rows in one of ROW_FORMATS. `fields` are the csv columns (default: the table's keys)."""
    if fmt == "json":
        return render_json(list(rows))
    if fmt == "ndjson":
        return render_ndjson(rows)
    if fmt == "csv":
        return render_csv(rows, fields or [c.key for c in columns])
    if not rows:
        return empty
    return render_table(rows, columns, detail=detail)


def echo(text: str = "", **kwargs) -> None:
    """Print text a command composed from stored (untrusted) values, terminal-safe."""
    click.echo(terminal_safe(text), **kwargs)


def format_option(formats: Sequence[str] = ROW_FORMATS, default: str | None = None):
    """The --format option, defined once (as sqlite-utils' output_options)."""
    return click.option(
        "--format", "fmt", type=click.Choice(list(formats)), default=default or formats[0], show_default=True,
        help="Output format.",
    )
