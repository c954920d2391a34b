"""Per-source health from crawl_runs and statement dates: tables of histories."""

from datetime import UTC, datetime, timedelta

import pytest

from pipelines.health_history import assess, consecutive_failures, notification, usual_gap, verdicts

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def history(*statuses: str) -> list[dict]:
    """crawl_runs rows an hour apart, oldest first, the last one an hour ago."""
    n = len(statuses)
    return [{"started_at": (NOW - timedelta(hours=n - i)).isoformat(), "status": s} for i, s in enumerate(statuses)]


def daily(count: int, last_days_ago: float) -> list[datetime]:
    """`count` statements a day apart, the newest `last_days_ago` days ago."""
    newest = NOW - timedelta(days=last_days_ago)
    return [newest - timedelta(days=i) for i in range(count)]


@pytest.mark.parametrize("statuses, failures", [
    ((), 0),
    (("ok",), 0),
    (("ok", "failed"), 1),
    (("failed", "blocked", "parse-failed"), 3),
    (("failed", "ok", "timeout", "crashed"), 2),
    (("failed", "failed", "interrupted", "failed"), 3),   # the scheduler's own stop is no verdict
    (("failed", "failed", "degraded"), 0),                # statements were read: not a failure
    (("blocked", "running"), 1),
])
def test_consecutive_failures(statuses, failures):
    assert consecutive_failures(verdicts(history(*statuses))) == failures


def test_runs_are_read_in_start_order():
    rows = history("failed", "failed", "ok")
    assert consecutive_failures(verdicts(reversed(rows))) == 0


@pytest.mark.parametrize("times, expected", [
    (daily(10, 0), timedelta(days=1)),
    (daily(5, 0), None),                                     # 4 gaps: too few to know the rhythm
    (daily(8, 0) + daily(8, 0), timedelta(days=1)),          # the same instants twice count once
    ([NOW - timedelta(hours=h) for h in (0, 1, 2, 3, 4, 100)], timedelta(hours=1)),  # the median
])
def test_usual_gap(times, expected):
    assert usual_gap(times) == expected


@pytest.mark.parametrize("statuses, published, state", [
    ((), [], "unknown"),
    (("ok", "ok"), daily(10, 0.5), "ok"),
    (("ok", "ok"), daily(10, 2.5), "ok"),            # 2.5 usual gaps: not yet
    (("ok", "ok"), daily(10, 3.5), "quiet"),         # 3.5 usual gaps without news
    (("ok",), daily(3, 30), "ok"),                   # too little history to call it quiet
    (("ok", "failed", "blocked", "failed"), daily(10, 0.5), "failing"),
    (("ok", "failed", "failed"), daily(10, 0.5), "ok"),
    (("failed", "failed", "failed"), daily(10, 10), "failing"),  # failing says more than quiet
])
def test_assess(statuses, published, state):
    health = assess("src", history(*statuses), published, NOW)
    assert health.state == state
    assert health.last_status == (statuses[-1] if statuses else None)


def test_assess_reports_what_it_saw():
    health = assess("src", history("ok", "failed"), daily(10, 4), NOW)
    assert (health.consecutive_failures, health.usual_gap, health.silent_for) == (1, timedelta(days=1),
                                                                                 timedelta(days=4))
    assert health.last_new == NOW - timedelta(days=4)


def test_naive_dates_are_utc():
    naive = [t.replace(tzinfo=None) for t in daily(10, 4)]
    assert assess("src", history("ok"), naive, NOW).state == "quiet"


@pytest.mark.parametrize("statuses, expected", [
    (("ok", "failed", "failed"), None),
    (("ok", "failed", "failed", "failed"), "failing"),           # the third failure: one email
    (("ok", "failed", "failed", "failed", "blocked"), None),     # nothing in between
    (("failed",) * 6, None),
    (("failed",) * 6 + ("ok",), "recovered"),                     # one more on recovery
    (("failed",) * 6 + ("ok", "ok"), None),
    (("failed", "failed", "ok"), None),                           # never reached the threshold
    (("ok", "failed", "failed", "interrupted", "failed"), "failing"),
    (("failed",) * 3 + ("interrupted",), None),                   # a stop says nothing new: no second email
    (("failed",) * 3 + ("interrupted", "ok"), "recovered"),
    ((), None),
])
def test_notification_once_each_way(statuses, expected):
    assert notification(history(*statuses)) == expected
