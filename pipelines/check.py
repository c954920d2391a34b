"""Check stage: instead of storing, report what the articles of a source looked like.

Used by `communique sources --check` for a first contact with a live site: a user sees
which fields the source's selectors found and which came from generic fallbacks,
without writing anything to the database. It takes the store stage's place at the end
of the same stage list (pipelines/stages.py).
"""

from __future__ import annotations

import json
from pathlib import Path


class CheckReport:
    """Collects one summary per statement; written as JSON when the crawl ends."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.items: list[dict] = []

    def add(self, item):
        """The check stage: remember what the statement looked like, pass it on unchanged."""
        self.items.append(
            {
                "url": item.url,
                "title": item.title,
                "published_at": item.published_at.isoformat() if item.published_at else None,
                "language": item.language,
                "kind": item.kind,
                "text_chars": len(item.text),
                "text_start": item.text[:160],
                "fallbacks": item.extra.get("fallbacks", []),
                "tags": [t.tag for t in item.tags],
            }
        )
        return item

    def write(self, reason: str, stats: dict) -> None:
        """The report: why the crawl ended, communique's counters (without prefix), the statements."""
        report = {"reason": reason, "stats": stats, "items": self.items}
        self.path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
