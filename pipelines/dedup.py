"""Dedup stage: one statement, however many addresses and copies it appears under.

A statement is identified by its canonical address and by a fingerprint of its text:
the same address seen again is known; the same text at another address is a new
sighting of the stored statement, not a new statement. (Near-duplicates and revisions
build on these two keys.)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from pipelines.textnorm import fold_for_matching
from spiders.urls import canonical_url

__all__ = ["canonical_url", "dedup", "fingerprint"]

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


def dedup(item, is_known_url: Callable[[str], bool]):
    """The item with its identity keys (canonical address, fingerprint, aliases), or None when
    its address is already stored: then it needs no further stage.

    `is_known_url` answers for a canonical address (stored, or waiting in the store stage's
    batch). The same text at a new address is not decided here: the store stage records it as
    a sighting of the stored statement, inside the transaction that would otherwise add it.
    """
    item.canonical_url = canonical_url(item.url)
    if is_known_url(item.canonical_url):
        return None
    item.fingerprint = fingerprint(item.title, item.text, item.published_at)
    item.aliases = [canonical_url(u) for u in item.aliases]
    return item
