"""Normalise stage: one typography and whitespace for every statement before it is compared.

Two copies of a statement differ in non-breaking spaces, soft hyphens and line breaks
long before they differ in words; folding those first is what makes deduplication
and tagging reliable.
"""

from __future__ import annotations

from pipelines.textnorm import normalize_line, normalize_text
from spiders.errors import EmptyStatement


def locate_sections(text: str, sections: list[dict]) -> list[dict]:
    """Give each section (from a spider: title + opening words) its span in the normalised text.

    Spans let a tag's evidence be quoted with the section it falls in (a briefing topic).
    Sections are placed from the last to the first, each at the last occurrence of its
    opening before the next section: a table of contents that repeats the headings at the
    top is thereby skipped. A section whose opening cannot be found is dropped.
    """
    located, bound = [], len(text)
    for section in reversed(sections):
        opening = normalize_line(section.get("starts_with", ""))
        start = -1
        for size in (80, 40, 20):
            if opening[:size]:
                start = text.rfind(opening[:size], 0, bound)
                if start >= 0:
                    break
        if start < 0:
            continue
        entry = {k: v for k, v in section.items() if k not in ("starts_with", "chars")}
        entry["title"] = normalize_line(entry.get("title", ""))
        entry["start"], entry["end"] = start, bound
        located.append(entry)
        bound = start
    return located[::-1]


def normalize(item):
    """The item with title, text, speaker and language cleaned; EmptyStatement when nothing is left."""
    item.title = normalize_line(item.title)
    item.text = normalize_text(item.text)
    item.speaker = normalize_line(item.speaker)
    item.language = (item.language or "").strip().lower().split("-")[0]
    if not item.title:
        raise EmptyStatement(f"no title at {item.url}")
    if not item.text:
        raise EmptyStatement(f"no text at {item.url}")
    if item.extra.get("sections"):
        item.extra["sections"] = locate_sections(item.text, item.extra["sections"])
    return item
