"""Statements and stores the tests build, defined once (identity keys set as the dedup stage would)."""

from __future__ import annotations

from datetime import UTC, datetime

from pipelines.db import Store, open_db
from pipelines.dedup import fingerprint
from spiders.items import Statement
from spiders.urls import canonical_url


def statement(url: str, text: str, *, title: str = "A title", source: str = "src", language: str = "en",
              kind: str = "statement", published_at: datetime | None = None, fetched_at: datetime | None = None,
              tags=()) -> Statement:
    """A statement ready for Store.save: canonical address and fingerprint set, tags given."""
    st = Statement(source=source, url=url, title=title, text=text, language=language, kind=kind,
                   published_at=published_at, fetched_at=fetched_at or datetime.now(UTC))
    st.canonical_url = canonical_url(url)
    st.fingerprint = fingerprint(title, text)
    st.tags = list(tags)
    return st


def opened_store(path, *sources) -> Store:
    """A real database file with these sources registered (a context manager: closes on exit)."""
    store = open_db(path)
    store.upsert_sources(sources)
    return store
