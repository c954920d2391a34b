"""The Statement item: the one contract between spiders and pipelines.

Spiders fill what the page says; pipelines add what follows from it (canonical URL,
fingerprint, tags). Kept as a dataclass so every field is named and typed in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# The prefix of communique's own crawl counters (communique/pages, communique/new …): spiders
# count what they fetch and read, the pipeline what it stores; the run status is read from them.
STAT = "communique/"

KINDS = (
    "statement",
    "comment",
    "briefing",
    "speech",
    "interview",
    "press_release",
    "answer",
    "readout",
    "article",
    "news",
    "joint_statement",
    "message",
    "judgment",
    "other",
)


@dataclass
class Statement:
    source: str  # source id from data/sources.toml
    url: str  # where it was read
    title: str = ""
    text: str = ""
    published_at: datetime | None = None  # timezone-aware, in the source's zone
    language: str = ""  # ISO 639-1
    kind: str = "news"
    speaker: str = ""
    fetched_at: datetime | None = None
    canonical_url: str = ""
    # Other addresses that led to this page (redirects), recorded as sightings too.
    aliases: list[str] = field(default_factory=list)
    # What the site says about itself that a user may filter on: issuing body (coe.int),
    # document number (mid.ru), the site's own id shared by language versions, topic sections.
    extra: dict[str, Any] = field(default_factory=dict)
    # The article page's ETag / Last-Modified ("etag", "last_modified"), so the first re-check
    # for edits is already a conditional request (pipelines/rechecks.py).
    validators: dict[str, str] = field(default_factory=dict)
    # Filled by the pipelines.
    fingerprint: str = ""
    # The document's key by its source's identity rule (e.g. "mid.ru:1975535"), shared by
    # its language versions (spiders/urls.py); "" when the source has no rule.
    identity_key: str = ""
    tags: list = field(default_factory=list)
