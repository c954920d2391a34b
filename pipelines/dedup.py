"""Dedup stage: one statement, however many addresses and copies it appears under.

A statement is identified by its canonical address and by a fingerprint of its text:
the same address seen again is known; the same text at another address is a new
sighting of the stored statement, not a new statement. The address is the URL identity of
spiders/urls.py (tracking parameters and AMP/print views folded away); the source's
identity rule adds a key shared by a document's addresses and language versions. A known
address whose text changed passes on: the store records it as a revision. (Near-copies,
translations and coverage are decided in the store: pipelines/linking.py.)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from pipelines.textnorm import fold_for_matching
from spiders.urls import canonical_url, identity_key

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


def dedup(item, stored_fingerprint: Callable[[str], str | None], identity_rule=None):
    """The item with its identity keys (canonical address, fingerprint, aliases, the source's
    identity key), or None when the same text is already stored at its address.

    `stored_fingerprint` answers for a canonical address: the fingerprint of the statement
    stored there (or waiting in the store stage's batch), None for an unknown address. The same
    text there: nothing to do. Another text there: it goes on, and the store stage keeps it as
    a revision of that statement. The same text at a new address is not decided here either: the
    store stage records it as a sighting (or near-copy) inside the transaction that would add it.
    """
    item.canonical_url = canonical_url(item.url)
    item.fingerprint = fingerprint(item.title, item.text, item.published_at)
    if stored_fingerprint(item.canonical_url) == item.fingerprint:
        return None
    item.aliases = [canonical_url(u) for u in item.aliases]
    item.identity_key = identity_key(item.url, identity_rule) or ""
    return item
