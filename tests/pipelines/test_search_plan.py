"""The search plan against FTS5 itself: relevance order, snippets and case forms must be what
a bare FTS5 query gives for the same rows, whichever way the plan reads them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

import pipelines.search_plan
from pipelines.db import SNIPPET_MARKS, open_db
from pipelines.dedup import canonical_url, fingerprint
from spiders.items import Statement
from spiders.sources import Source

SOURCE = Source(id="mfa-ua-uk", name="MFA of Ukraine", publisher="ministry", country="UA", language="uk",
                spider="feed", feed_urls=("https://mfa.example/rss",))
WORDS = ["torture", "detention", "court", "rights", "europe", "prison", "monitoring", "visit", "report", "delegation"]


def _save(store, n: int, title: str, text: str, language: str = "en") -> None:
    st = Statement(source=SOURCE.id, url=f"https://mfa.example/{n}", title=title, text=text, language=language,
                   kind="statement", published_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=(n * 37) % 400),
                   fetched_at=datetime.now(UTC))
    st.canonical_url, st.fingerprint = canonical_url(st.url), fingerprint(title, text)
    assert store.save(st)[0] == "new"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """80 statements of random words; some are the same words reordered, so bm25 ties."""
    path = tmp_path_factory.mktemp("plan") / "c.db"
    store = open_db(path)
    store.upsert_sources([SOURCE])
    rnd = random.Random(7)
    previous: list[str] = []
    for n in range(1, 81):
        if n % 10 == 0:  # the words of statement n-1, in another order: the same score for any query
            words = list(reversed(previous))
        else:
            words = [rnd.choice(WORDS) for _ in range(rnd.randrange(4, 30))]
        previous = words
        _save(store, n, f"Statement {n}", " ".join(words) + f". Number {n}.")
    store.close()
    return path


def _bare(store, match: str, floor: int = 0) -> list[tuple[int, str]]:
    return store.db.execute(
        "SELECT rowid, snippet(statements_fts, 1, ?, ?, '…', 24) FROM statements_fts "
        "WHERE statements_fts MATCH ? AND rowid >= ? ORDER BY rank",
        [*SNIPPET_MARKS, match, floor],
    ).fetchall()


@pytest.mark.parametrize("query", ["torture", "court rights", "prison OR visit", "detention NOT europe", "deleg*"])
def test_relevance_order_and_snippets_are_fts5s_own(corpus, query):
    store = open_db(corpus, create=False)
    try:
        match = pipelines.search_plan.SearchPlan(store, query).match
        expected = _bare(store, match)
        assert len(expected) >= 14  # enough to page through
        found = [(r["id"], r["snippet"]) for r in store.search(query, sort="relevance", limit=1000)]
        assert found == expected
        paged = [(r["id"], r["snippet"]) for r in store.search(query, sort="relevance", limit=7, offset=7)]
        assert paged == expected[7:14]
    finally:
        store.close()


def test_ties_in_score_keep_fts5s_order(corpus):
    store = open_db(corpus, create=False)
    try:
        scores = store.db.execute("SELECT rowid, rank FROM statements_fts WHERE statements_fts MATCH 'court' "
                                  "ORDER BY rank").fetchall()
        tied = [s for _, s in scores]
        assert len(tied) != len(set(tied))  # the reordered statements score alike
        assert [r["id"] for r in store.search("court", sort="relevance", limit=1000)] == [i for i, _ in scores]
    finally:
        store.close()


def test_the_rank_window_ranks_the_newest_matches_as_fts5_would(corpus, monkeypatch):
    monkeypatch.setattr(pipelines.search_plan, "RANK_WINDOW", 10)
    store = open_db(corpus, create=False)
    try:
        match = pipelines.search_plan.SearchPlan(store, "torture").match
        newest = store.db.execute("SELECT rowid FROM statements_fts WHERE statements_fts MATCH ? "
                                  "ORDER BY rowid DESC LIMIT 10", [match]).fetchall()
        expected = _bare(store, match, floor=newest[-1][0])
        assert [(r["id"], r["snippet"]) for r in store.search("torture", sort="relevance", limit=50)] == expected
    finally:
        store.close()


@pytest.mark.parametrize("dense_share", [10**9, 1])  # snippets by scanning a stretch of matches, or by seeking ids
def test_filtered_and_dated_snippets_are_fts5s_own(corpus, monkeypatch, dense_share):
    monkeypatch.setattr(pipelines.search_plan, "DENSE_MATCHES", 1 if dense_share == 1 else 10**9)
    monkeypatch.setattr(pipelines.search_plan, "DENSE_SHARE", dense_share)
    store = open_db(corpus, create=False)
    try:
        for kw in ({"sort": "date"}, {"sort": "relevance", "language": "en"}, {"sort": "date", "since": "2024-06-01"}):
            rows = store.search("prison", limit=15, **kw)
            assert len(rows) == 15, kw
            match = pipelines.search_plan.SearchPlan(store, "prison").match
            every = dict(_bare(store, match))
            assert [r["snippet"] for r in rows] == [every[r["id"]] for r in rows], kw
            assert all(SNIPPET_MARKS[0] + "prison" + SNIPPET_MARKS[1] in r["snippet"] for r in rows)
    finally:
        store.close()


def test_collapsed_stories_have_snippets(corpus):
    store = open_db(corpus, create=False)
    try:
        rows = store.search("torture", sort="relevance", limit=5, collapse_stories=True)
        assert len(rows) == 5 and all(SNIPPET_MARKS[0] in r["snippet"] for r in rows)
    finally:
        store.close()


def test_case_forms_written_later_are_found(tmp_path):
    """The case forms a store found in the index are remembered, but never past a write:
    a form first stored by another process, or by this one, is searched from then on."""
    path = tmp_path / "c.db"
    reader = open_db(path)
    reader.upsert_sources([SOURCE])
    _save(reader, 1, "Заява", "Україна при Раді Європи.", "uk")
    assert [r["id"] for r in reader.search("Рада Європи")] == [1]
    writer = open_db(path)  # another connection, as a crawl would be
    _save(writer, 2, "Заява", "Про Радах Європи.", "uk")  # a form the index did not hold before
    writer.close()
    assert sorted(r["id"] for r in reader.search("Рада Європи")) == [1, 2]
    _save(reader, 3, "Заява", "Рада Європи вирішила.", "uk")  # this connection's own write
    assert sorted(r["id"] for r in reader.search("Радою Європи")) == [1, 2, 3]
    reader.close()



def test_the_index_follows_title_and_text_only(tmp_path):
    """Setting a statement's story must not rewrite its full-text entry (0005 once doubled the
    index that way); editing its text must."""
    store = open_db(tmp_path / "c.db")
    try:
        store.upsert_sources([SOURCE])
        for n in range(1, 6):
            _save(store, n, f"Statement {n}", f"torture report number {n}")

        def index_blocks():
            return store.db.execute("SELECT count(*), sum(length(block)) FROM statements_fts_data").fetchone()

        before = index_blocks()
        with store.write() as db:
            db.execute("UPDATE statements SET story_id = 1, story_role = 'translation', identity_key = 'k' || id")
        assert index_blocks() == before
        with store.write() as db:
            db.execute("UPDATE statements SET text = 'detention visit' WHERE id = 3")
        assert [r["id"] for r in store.search("detention")] == [3]
        assert sorted(r["id"] for r in store.search("torture")) == [1, 2, 4, 5]
    finally:
        store.close()
