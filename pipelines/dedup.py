"""Dedup stage: one statement, however many addresses and copies it appears under.

A statement is identified by its canonical address and by a fingerprint of its text:
the same address seen again is known; the same text at another address is a new
sighting of the stored statement, not a new statement. The address is the URL identity of
pipelines/identity.py (tracking parameters and AMP/print views folded away); the source's
identity rule adds a key shared by a document's addresses and language versions. A known
address whose text changed passes on: the store records it as a revision. (Near-copies,
translations and coverage are decided in the store: pipelines/linking.py.)
"""

from __future__ import annotations

import hashlib
import re

from scrapy.exceptions import DropItem

from pipelines.db import open_db
from pipelines.identity import canonical_url, compile_rule, identity_key
from pipelines.textnorm import fold_for_matching

__all__ = ["DedupPipeline", "canonical_url", "fingerprint"]

# Text shorter than this is too generic to identify a statement alone (e.g. a one-line lead).
MIN_TEXT_FOR_FINGERPRINT = 200


def fingerprint(title: str, text: str, published=None) -> str:
    """A digest of the words, blind to case, typography and spacing.

    A short text is too generic to identify a statement alone ("Video of the briefing"),
    so it is fingerprinted with its title and publication day.
    """
    body = fold_for_matching(text)
    if len(body) < MIN_TEXT_FOR_FINGERPRINT:
        day = published.date().isoformat() if published else ""
        body = fold_for_matching(title) + "\n" + day + "\n" + body
    words = re.findall(r"\w+", body)
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


class DedupPipeline:
    """Adds canonical_url and fingerprint; drops a statement whose address is already stored."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.store = None
        self.identity_rule = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.store = open_db(self.crawler.settings.get("COMMUNIQUE_DB"))
        spider = self.crawler.spider
        rule = getattr(getattr(spider, "source", None), "identity", "")
        self.identity_rule = compile_rule(rule) if rule else None
        # Spiders ask this before requesting an article, to stop at what is stored.
        spider.known_url_checker = lambda url: self.store.is_known_url(canonical_url(url))

    def close_spider(self):
        if self.store:
            self.store.close()

    def process_item(self, item):
        item.canonical_url = canonical_url(item.url)
        item.fingerprint = fingerprint(item.title, item.text, item.published_at)
        item.aliases = [canonical_url(u) for u in item.aliases]
        item.identity_key = identity_key(item.url, self.identity_rule) or ""
        if self.store.fingerprint_at(item.canonical_url) == item.fingerprint:
            self.crawler.stats.inc_value("communique/known")
            raise DropItem(f"already stored: {item.canonical_url}")
        return item
