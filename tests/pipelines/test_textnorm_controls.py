"""Text integrity: control characters from scraped pages never reach a stored title or text
(terminal escapes would run in a user's terminal, bidi overrides make a title read as
something it is not), while tabs and line breaks keep their meaning."""

from __future__ import annotations

import pytest

from pipelines.textnorm import normalize_line, normalize_text

CASES = [
    # (what a page held, normalize_text, normalize_line)
    ("Statement\x1b[31m in red\x1b[0m", "Statement[31m in red[0m", "Statement[31m in red[0m"),
    ("title\x07\x00\x08 bell", "title bell", "title bell"),
    ("DEL\x7f and C1\x9b2J CSI", "DEL and C12J CSI", "DEL and C12J CSI"),
    ("C1 \x80\x8d\x9f range", "C1 range", "C1 range"),
    ("tab\tkept as space", "tab kept as space", "tab kept as space"),
    ("line\nbreak kept", "line\nbreak kept", "line break kept"),
    ("old Mac\rline", "old Mac\nline", "old Mac line"),
    ("windows\r\n\r\nparagraph", "windows\n\nparagraph", "windows paragraph"),
    ("vertical\x0btab\x0cform feed", "vertical tab form feed", "vertical tab form feed"),
    ("next\x85line", "next\nline", "next line"),
    ("separators\x1c\x1d\x1e\x1f gone", "separators gone", "separators gone"),
    ("bidi \u202eevil.exe\u202c", "bidi evil.exe", "bidi evil.exe"),
    ("embed \u202a\u202b\u202d x", "embed x", "embed x"),
    ("isolates \u2066a\u2067b\u2068c\u2069", "isolates abc", "isolates abc"),
    # not controls: marks that scripts need stay (ZWNJ is removed as typography, LRM/RLM stay)
    ("Рада Європи\u200e", "Рада Європи\u200e", "Рада Європи\u200e"),
    ("Conseil de l’Europe — 24 %", "Conseil de l’Europe — 24 %", "Conseil de l’Europe — 24 %"),
    ("\x1b\u202e\x00", "", ""),
]


@pytest.mark.parametrize("raw, text, line", CASES, ids=[repr(c[0])[:30] for c in CASES])
def test_controls_are_stripped(raw, text, line):
    assert normalize_text(raw) == text
    assert normalize_line(raw) == line


def test_no_control_survives_any_position():
    controls = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r\x0b\x0c"]
    controls += [chr(c) for c in range(0x7F, 0xA0) if c != 0x85]
    controls += [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]
    raw = "a".join(controls) + "\n" + "b".join(reversed(controls))
    out = normalize_text(raw)
    assert not set(out) & set(controls)
    assert out == "a" * (len(controls) - 1) + "\n" + "b" * (len(controls) - 1)
