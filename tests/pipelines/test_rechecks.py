"""The decaying re-check schedule, the rechecks table, and the backfill of signatures and story terms."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from pipelines import rechecks
from pipelines.relink import count_to_relink, relink_batches
from spiders.config import DEFAULT_RECHECK_AFTER, parse_recheck_after
from spiders.errors import ConfigError
from spiders.items import Statement
from spiders.sources import Source
from tests.builders import opened_store
from tests.builders import statement as build

AFTER = parse_recheck_after(DEFAULT_RECHECK_AFTER)  # 1 h, 6 h, 1 d, 3 d, 7 d
H = 3600
SEEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SOURCE = Source(id="src", name="Src", publisher="ministry", country="UA", language="en", spider="feed",
                feed_urls=("https://example.org/rss",))
TEXT = ("The Ministry of Foreign Affairs welcomes the decision of the Committee of Ministers of the Council of "
        "Europe to establish the Register of Damage caused by the aggression against Ukraine, and calls on all "
        "member states to join it without delay. ")

OTHER = ("The Minister held talks with the Secretary General on the Istanbul Convention, the protection of "
         "journalists and the execution of judgments of the European Court of Human Rights by member states. ")


@pytest.mark.parametrize(("raw", "seconds"), [
    ("1h,6h,1d,3d,7d", (H, 6 * H, 24 * H, 72 * H, 168 * H)),
    ("30m, 2h ,1w", (1800, 2 * H, 168 * H)),
    ("90m", (5400,)),
])
def test_schedule_setting_reads(raw, seconds):
    assert parse_recheck_after(raw) == seconds


@pytest.mark.parametrize("raw", ["", "1h,,6h", "6h,1h", "1h,1h", "0h", "1y", "soon", "-1h"])
def test_a_bad_schedule_setting_is_one_clear_error(raw):
    with pytest.raises(ConfigError, match="COMMUNIQUE_RECHECK_AFTER"):
        parse_recheck_after(raw)


# (hours since first seen, checks done) -> due now?, and the next due time after those checks
@pytest.mark.parametrize(("age_h", "done", "due"), [
    (0, 0, False),        # just stored
    (0.99, 0, False),
    (1, 0, True),         # the first check, at 1 h
    (5, 1, False),        # checked at 1 h: the next at 6 h
    (6, 1, True),
    (23, 2, False),
    (24, 2, True),        # 1 d
    (72, 3, True),        # 3 d
    (167, 4, False),
    (168, 4, True),       # 7 d, the last
    (200, 5, False),      # every check done
    (190, 3, True),       # late (the scheduler was down): still due inside the grace day
    (168 + 25, 4, False),  # beyond the last delay and the grace day: never again
])
def test_decaying_schedule(age_h, done, due):
    assert rechecks.is_due(SEEN, done, SEEN + timedelta(hours=age_h), AFTER) is due


@pytest.mark.parametrize(("at_h", "covered", "next_h"), [
    (1, 1, 6), (3, 1, 6), (6, 2, 24), (80, 4, 168),  # one late check covers every step already due
    (168, 5, None),
])
def test_one_check_covers_every_step_already_due(at_h, covered, next_h):
    n = rechecks.checks_covered(SEEN, SEEN + timedelta(hours=at_h), AFTER)
    assert n == covered
    expected = SEEN + timedelta(hours=next_h) if next_h is not None else None
    assert rechecks.next_check(SEEN, n, AFTER) == expected


def statement(url: str, text: str = TEXT, title: str = "Register of Damage") -> Statement:
    return build(url, text, title=title, published_at=SEEN, fetched_at=SEEN)


@pytest.fixture
def store(tmp_path):
    with opened_store(tmp_path / "c.db", SOURCE) as s:
        yield s


def test_due_statements_through_the_days_with_frozen_time(store):
    with time_machine.travel(SEEN, tick=False):
        _, first = store.save(statement("https://example.org/news/1"))
    with time_machine.travel(SEEN + timedelta(hours=3), tick=False):
        outcome, second = store.save(statement("https://example.org/news/2", OTHER, "Talks"))
    assert outcome == "new"

    def due_at(hours: float) -> list[int]:
        with time_machine.travel(SEEN + timedelta(hours=hours), tick=False):
            now = datetime.now(UTC)
            return [d.statement_id for d in rechecks.due_rechecks(store.db, "src", now, AFTER)]

    def check(statement_id: int, hours: float, status: int = 200, etag: str | None = '"v1"') -> None:
        with time_machine.travel(SEEN + timedelta(hours=hours), tick=False), store.write() as db:
            rechecks.record_check(db, statement_id, "https://example.org/x", status, etag, None,
                                  datetime.now(UTC), AFTER)

    assert due_at(0.5) == []
    assert due_at(2) == [first]
    check(first, 2)
    assert due_at(2) == []
    assert due_at(4) == [second]  # first seen at 3 h: due at 4 h
    check(second, 4)
    assert due_at(9.5) == [first, second]  # 6 h after each
    assert store.db.execute("SELECT source FROM statements WHERE id = ?", [first]).fetchone()[0] == "src"
    assert rechecks.due_rechecks(store.db, "other-source", SEEN + timedelta(hours=9.5), AFTER) == []
    assert due_at(24 * 30) == []  # a month later: out of the window


def test_a_304_keeps_the_validators_and_a_200_replaces_them(store):
    with time_machine.travel(SEEN, tick=False):
        _, sid = store.save(statement("https://example.org/news/1"))
    at = SEEN + timedelta(hours=1, minutes=5)
    with store.write() as db:
        rechecks.record_check(db, sid, "https://example.org/news/1", 200, '"abc"', "Mon, 02 Mar 2026 09:00:00 GMT",
                              at, AFTER)
    (due,) = rechecks.due_rechecks(store.db, "src", SEEN + timedelta(hours=6), AFTER)
    assert (due.etag, due.last_modified) == ('"abc"', "Mon, 02 Mar 2026 09:00:00 GMT")
    with store.write() as db:
        rechecks.record_check(db, sid, "https://example.org/news/1", 304, None, None, SEEN + timedelta(hours=6), AFTER)
    row = store.db.execute("SELECT etag, last_modified, checks, last_status, next_check_at FROM rechecks").fetchone()
    assert row == ('"abc"', "Mon, 02 Mar 2026 09:00:00 GMT", 2, 304, "2026-03-03T09:00:00+00:00")
    with store.write() as db:  # a page that stopped sending validators is asked without them
        rechecks.record_check(db, sid, "https://example.org/news/1", 200, None, "bad\r\nX-Injected: 1",
                              SEEN + timedelta(days=1), AFTER)
    assert store.db.execute("SELECT etag, last_modified, checks FROM rechecks").fetchone() == (None, None, 3)


def test_recheck_runs_do_not_move_the_crawl_cadence(store):
    store.start_run("crawl-1", "src")
    store.start_run("recheck-1", "src")
    store.db.execute("UPDATE crawl_runs SET started_at = '2026-03-02T09:00:00+00:00' WHERE id = 'crawl-1'")
    store.db.execute("UPDATE crawl_runs SET started_at = '2026-03-02T10:00:00+00:00' WHERE id = 'recheck-1'")
    with store.write() as db:
        rechecks.mark_recheck_run(db, "recheck-1")
    assert store.last_run_starts() == {"src": datetime(2026, 3, 2, 9, 0, tzinfo=UTC)}
    assert store.source_overview()[0]["last_run"] == "2026-03-02T09:00:00+00:00"  # `sources`: the last crawl
    assert [r["id"] for r in store.source_history("src")[0]] == ["crawl-1"]  # health: crawls only


# --- backfill ------------------------------------------------------------------------------
def test_relink_backfills_signatures_and_story_terms_idempotently(store):
    ids = [store.save(statement(f"https://example.org/news/{n}", f"Statement number {n}. " + TEXT * 2))[1]
           for n in range(7)]

    def indexed() -> tuple[list, list, list]:
        q = store.db.execute
        return (q("SELECT statement_id, shingles, signature FROM nearcopy_signatures ORDER BY 1").fetchall(),
                q("SELECT band, hash, statement_id FROM nearcopy_bands ORDER BY 1, 2, 3").fetchall(),
                q("SELECT statement_id, terms FROM story_terms ORDER BY 1").fetchall())

    as_stored = indexed()
    assert len(as_stored[0]) == len(as_stored[2]) == 7
    # as a database from before 0005_stories: no signatures, no story terms
    for table in ("nearcopy_signatures", "nearcopy_bands", "story_terms"):
        store.db.execute(f"DELETE FROM {table}")
    assert count_to_relink(store.db) == 7
    assert list(relink_batches(store, batch=3)) == [3, 3, 1]
    assert indexed() == as_stored  # the same as when they were stored
    assert count_to_relink(store.db) == 0
    assert list(relink_batches(store, batch=3)) == []  # a second run: nothing to do
    assert list(relink_batches(store, batch=5, everything=True)) == [5, 2]
    assert indexed() == as_stored
    assert sorted(ids) == [row[0] for row in as_stored[2]]


def test_a_new_statement_keeps_its_page_validators_for_its_first_recheck(store):
    with_etag = statement("https://example.org/news/1")
    with_etag.validators = {"etag": 'W/"5f-1"', "last_modified": "Mon, 02 Mar 2026 08:59:00 GMT"}
    without = statement("https://example.org/news/2", OTHER, "Talks")
    hostile = statement("https://example.org/news/3", "Consular notice: the embassy in Lisbon is closed on Monday "
                        "for a public holiday; urgent requests go to the hotline listed on the consular page.", "Notice")
    hostile.validators = {"etag": '"x"\r\nSet-Cookie: a=b'}
    with time_machine.travel(SEEN, tick=False):
        saved = [store.save(s) for s in (with_etag, without, hostile)]
    assert [outcome for outcome, _ in saved] == ["new", "new", "new"]
    ids = [sid for _, sid in saved]
    assert store.db.execute("SELECT statement_id, etag, last_modified, checks, next_check_at FROM rechecks").fetchall() == [
        (ids[0], 'W/"5f-1"', "Mon, 02 Mar 2026 08:59:00 GMT", 0, "2026-03-02T10:00:00+00:00")]
    (due,) = [d for d in rechecks.due_rechecks(store.db, "src", SEEN + timedelta(hours=1), AFTER) if d.statement_id == ids[0]]
    assert due.etag == 'W/"5f-1"'
