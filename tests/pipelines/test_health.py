"""The one ladder of run states (pipelines/health.py): a table of cases."""

import pytest

from pipelines.health import STATES, Tally, exit_code, judge


def tally(**kw):
    return Tally(**kw)


CASES = [
    # (tally, how it stopped, expected state, words in the reason)
    (tally(pages=3, entries=2, statements=2, new=2), "finished", "ok", ""),
    (tally(pages=1, entries=2, known=2), "finished", "ok", ""),
    (tally(unchanged=1), "finished", "ok", "unchanged since the last crawl"),
    (tally(pages=2, statements=1), "finished", "ok", "already stored or empty"),
    # 1 read, 19 blocked: not ok, whatever was read
    (tally(pages=21, entries=20, statements=1, new=1, blocked=19, last_blocked="HTTP 403 at /a/20"),
     "finished", "degraded", "19 of 20 pages blocked or unparsable; last: HTTP 403 at /a/20"),
    (tally(pages=6, statements=4, new=4, parse_failed=1, last_parse_failed="no text found at /a/5"),
     "finished", "degraded", "1 of 5"),
    # one failure in twenty is below the 0.2 threshold: ok, with the problem named
    (tally(pages=21, statements=19, new=19, blocked=1, last_blocked="HTTP 429 at /a/3"),
     "finished", "ok", "1 problem(s); last: HTTP 429 at /a/3"),
    (tally(pages=1, blocked=1, last_blocked="HTTP 401 at /rss.php"), "finished", "blocked", "HTTP 401"),
    (tally(pages=1, parse_failed=1, last_parse_failed="/rss.php is an HTML page, not a feed"),
     "finished", "parse-failed", "not a feed"),
    (tally(pages=1, errors=1, last_errors="HTTP 404 at /rss.php"), "finished", "failed", "HTTP 404"),
    (tally(), "finished", "failed", "no page was fetched"),
    (tally(pages=2), "finished", "parse-failed", "held no statements"),
    # the feed linked index pages only (a newsroom, a tag page): nothing to store, nothing broken
    (tally(pages=2, entries=1, listings=1), "finished", "ok", "1 linked page(s) were listings"),
    (tally(pages=3, listings=1, parse_failed=1, last_parse_failed="no text found at /a/5"),
     "finished", "parse-failed", "no text found"),
    (tally(pages=3, new=2, statements=2), "shutdown", "interrupted", "Ctrl-C or SIGTERM"),
    (tally(pages=3, new=2, statements=2), "interrupted", "interrupted", "Ctrl-C or SIGTERM"),
    (tally(pages=3), "timeout", "timeout", "time limit"),
    (tally(), "crashed", "crashed", "died"),
    (tally(pages=2, new=1, errors=1, last_errors="database error: disk full: cannot write /x.db"),
     "storage-error", "failed", "disk full"),
    (tally(pages=1), "closespider_timeout", "failed", "crawl stopped: closespider_timeout"),
]


@pytest.mark.parametrize("t, stop, state, words", CASES)
def test_ladder(t, stop, state, words):
    verdict = judge(t, stop=stop)
    assert verdict.state == state
    assert words in verdict.reason
    assert "\n" not in verdict.reason
    assert verdict.state in STATES


def test_degraded_threshold_is_a_setting():
    t = tally(pages=11, statements=9, new=9, blocked=1, last_blocked="x")
    assert judge(t, degraded_share=0.2).state == "ok"
    assert judge(t, degraded_share=0.1).state == "degraded"


def test_a_check_that_only_listed_entries_is_ok_only_when_asked():
    t = tally(pages=1, entries=12)
    assert judge(t, listing_suffices=True) == judge(t, listing_suffices=True)
    assert judge(t, listing_suffices=True).state == "ok"
    assert "12 entries listed" in judge(t, listing_suffices=True).reason
    assert judge(t).state == "parse-failed"


def test_stop_detail_replaces_the_stock_reason():
    assert judge(tally(), stop="timeout", detail="killed after 30 s").reason == "killed after 30 s"


def test_tally_from_crawl_stats_and_check_reports():
    stats = {"communique/new": 2, "communique/blocked": 1, "communique/last_blocked": "HTTP 403\nat x",
             "other/new": 9}
    t = Tally.from_stats(stats)
    assert (t.new, t.blocked, t.last_blocked) == (2, 1, "HTTP 403 at x")
    assert Tally.from_stats({"new": 3}, prefix="").new == 3


@pytest.mark.parametrize("states, code", [
    (["ok", "ok"], 0),
    (["ok", "degraded"], 1),
    (["ok", "blocked"], 1),
    (["timeout"], 1),
    (["crashed", "ok"], 1),
    (["ok", "interrupted"], 130),
    ([], 1),
])
def test_crawl_exit_codes(states, code):
    assert exit_code(states) == code
