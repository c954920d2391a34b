"""The output layer: every format parses back, and scraped text cannot attack a terminal or a spreadsheet."""

from __future__ import annotations

import csv
import io
import json

import pytest

from scheduler.output import Column, csv_safe, one_line, render_rows, render_table, terminal_safe

HOSTILE = "Statement\x1b[2J\x1b]0;pwned\x07 on \u202eevil\u202c PACE\x9b31m\x00"
ROWS = [
    {"id": 7, "title": HOSTILE, "tags": ["coe", "pace"], "source": "mid-ru-en"},
    {"id": 12345, "title": "=HYPERLINK(\"http://x\")", "tags": [], "source": "tass-en"},
]
COLUMNS = (Column("id", "ID", align=">"), Column("source", "SOURCE"), Column("title", "TITLE", flex=True))


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("plain", "plain"),
        ("a\x1b[31mred", "a[31mred"),  # ESC removed: the rest is inert text
        ("line\nnext\ttab", "line\nnext\ttab"),  # newline and tab kept
        ("\u202eflipped\u202c", "flipped"),
        ("\u2066isolate\u2069", "isolate"),
        ("c1\x9bcsi", "c1csi"),
        ("del\x7f", "del"),
        ("Рада Європи", "Рада Європи"),
    ],
)
def test_terminal_safe(raw, safe):
    assert terminal_safe(raw) == safe


@pytest.mark.parametrize(
    ("raw", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+7 495", "'+7 495"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("Council of Europe", "Council of Europe"),
        (["coe", "pace"], "coe pace"),
        (None, ""),
    ],
)
def test_csv_safe(raw, cell):
    assert csv_safe(raw) == cell


def test_table_has_header_and_no_control_characters():
    out = render_table(ROWS, COLUMNS, width=80)
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "SOURCE", "TITLE"]
    assert "\x1b" not in out and "\u202e" not in out and "\x9b" not in out and "\x00" not in out
    assert all(len(line) <= 80 for line in lines)


def test_table_aligns_long_ids():
    out = render_table(ROWS, COLUMNS, width=80).splitlines()
    # ids right-aligned in one column: the source column starts at the same offset on every row
    starts = {line.index(src) for line, src in zip(out[1:], ("mid-ru-en", "tass-en"), strict=True)}
    assert len(starts) == 1


def test_table_clips_long_titles_to_the_width():
    rows = [{"id": 1, "source": "s", "title": "word " * 100}]
    out = render_table(rows, COLUMNS, width=60).splitlines()
    assert out[1].endswith("…") and len(out[1]) <= 60


def test_csv_parses_back_and_is_formula_safe():
    out = render_rows(ROWS, "csv", columns=COLUMNS, fields=["id", "title", "tags"])
    parsed = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in parsed] == ["7", "12345"]
    assert parsed[1]["title"].startswith("'=")
    assert parsed[0]["tags"] == "coe pace"
    assert "\x1b" not in out


def test_json_and_ndjson_parse_back_with_the_original_text():
    as_json = json.loads(render_rows(ROWS, "json", columns=COLUMNS))
    assert as_json == ROWS  # JSON keeps the text exactly; its encoder escapes control characters
    assert "\x1b" not in render_rows(ROWS, "json", columns=COLUMNS)
    lines = render_rows(ROWS, "ndjson", columns=COLUMNS).splitlines()
    assert [json.loads(line)["id"] for line in lines] == [7, 12345]


def test_empty_table_says_so():
    assert render_rows([], "table", columns=COLUMNS, empty="no statements found") == "no statements found"
    assert json.loads(render_rows([], "json", columns=COLUMNS)) == []


def test_one_line_joins_whitespace():
    assert one_line("a\n\n b\t c\x1b") == "a b c"
