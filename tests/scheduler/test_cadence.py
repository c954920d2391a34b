"""When each source is next due: tables of (schedule, last crawl, now) -> next run."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.cadence import ActiveHoursTrigger, describe, due_sources, is_due, next_run, period, trigger_for
from spiders.sources import Source

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday; Paris is UTC+1 then
PARIS = ZoneInfo("Europe/Paris")


def source(schedule="30m", **extra) -> Source:
    return Source(id="s", name="S", publisher="news", country="EX", language="en", spider="feed",
                  feed_urls=("https://example.org/rss",), schedule=schedule, **extra)


def ago(**delta) -> datetime:
    return NOW - timedelta(**delta)


@pytest.mark.parametrize("schedule, last, expected", [
    ("30m", None, NOW),                                       # never crawled: now
    ("30m", ago(minutes=10), NOW + timedelta(minutes=20)),    # keeps its cadence
    ("30m", ago(minutes=30), NOW),                            # due exactly now
    ("2h", ago(hours=5), NOW),                                # overdue: once, now (not 2 missed runs)
    ("1d", ago(hours=1), NOW + timedelta(hours=23)),
    ("90s", ago(seconds=30), NOW + timedelta(seconds=60)),
    ("cron: */30 * * * *", None, NOW),
    ("cron: 15,45 * * * *", ago(minutes=14), datetime(2026, 3, 10, 12, 15, tzinfo=UTC)),  # the 11:45 run
    ("cron: */30 * * * *", ago(minutes=10), NOW),             # the 12:00 run has not happened yet
    ("cron: */30 * * * *", ago(hours=3), NOW),                # missed several: once, now
    ("cron: */30 * * * *", NOW, datetime(2026, 3, 10, 12, 30, tzinfo=UTC)),  # the 12:00 run just started
])
def test_next_run_from_last_start(schedule, last, expected):
    assert next_run(source(schedule), last, NOW) == expected


def test_cron_is_read_in_the_sources_zone():
    # 09:00 in Paris is 08:00 UTC in March: after today's run, tomorrow's.
    s = source("cron: 0 9 * * *", timezone="Europe/Paris")
    assert next_run(s, datetime(2026, 3, 10, 8, 0, 3, tzinfo=UTC), NOW) == datetime(2026, 3, 11, 8, 0, tzinfo=UTC)


def test_naive_stored_times_are_utc():
    assert next_run(source("30m"), datetime(2026, 3, 10, 11, 50), NOW) == NOW + timedelta(minutes=20)


@pytest.mark.parametrize("hours, last, expected_local", [
    ("07:00-22:00", ago(minutes=40), datetime(2026, 3, 10, 13, 0)),   # inside: as usual (13:00 Paris = 12:00 UTC)
    ("14:00-22:00", ago(minutes=40), datetime(2026, 3, 10, 14, 0)),   # before the window: its opening
    ("07:00-12:30", ago(minutes=5), datetime(2026, 3, 11, 7, 0)),     # after it: tomorrow's opening
    ("22:00-06:00", None, datetime(2026, 3, 10, 22, 0)),             # a window across midnight
    ("12:00-14:00", None, datetime(2026, 3, 10, 13, 0)),
])
def test_active_hours_in_the_sources_zone(hours, last, expected_local):
    s = source("30m", active_hours=hours, timezone="Europe/Paris")
    assert next_run(s, last, NOW) == expected_local.replace(tzinfo=PARIS)


def test_interval_with_active_hours_skips_the_night_once():
    s = source("30m", active_hours="07:00-22:00", timezone="Europe/Paris")
    trigger = trigger_for(s)
    assert isinstance(trigger, ActiveHoursTrigger)
    evening = datetime(2026, 3, 10, 21, 30, tzinfo=PARIS)
    morning = trigger.get_next_fire_time(evening, evening)
    assert morning == datetime(2026, 3, 11, 7, 0, tzinfo=PARIS)
    assert trigger.get_next_fire_time(morning, morning) == datetime(2026, 3, 11, 7, 30, tzinfo=PARIS)


def test_triggers_carry_schedule_and_jitter():
    interval = trigger_for(source("2h", jitter="5m"))
    assert isinstance(interval, IntervalTrigger)
    assert interval.interval == timedelta(hours=2) and interval.jitter == 300
    cron = trigger_for(source("cron: */15 * * * *"))
    assert isinstance(cron, CronTrigger) and cron.jitter is None
    assert trigger_for(source("2h", jitter="5m"), jitter=False).jitter is None


@pytest.mark.parametrize("schedule, expected", [
    ("45m", timedelta(minutes=45)),
    ("cron: */20 * * * *", timedelta(minutes=20)),
    ("cron: 0 */6 * * *", timedelta(hours=6)),
])
def test_period_is_the_usual_gap(schedule, expected):
    assert period(source(schedule), NOW) == expected


def test_due_sources_for_once():
    sources = [source("1h"), Source(**{**source("1h").__dict__, "id": "recent"}),
               Source(**{**source("1h").__dict__, "id": "night", "active_hours": "00:00-06:00"})]
    due = due_sources(sources, {"s": ago(hours=2), "recent": ago(minutes=5)}, NOW)
    assert [s.id for s in due] == ["s"]
    assert not is_due(sources[2], None, NOW)


def test_describe():
    assert describe(source("30m", jitter="2m", active_hours="07:00-22:00")) == "every 30m +2m 07:00-22:00"
    assert describe(source("cron: */5 * * * *")) == "cron */5 * * * *"


@pytest.mark.parametrize("weekdays, runs_on", [
    ("1-5", {"Mon", "Tue", "Wed", "Thu", "Fri"}),   # crontab: 0 is Sunday (APScheduler 3 alone says Monday)
    ("0", {"Sun"}),
    ("7", {"Sun"}),
    ("0,6", {"Sat", "Sun"}),
    ("5-7", {"Fri", "Sat", "Sun"}),
    ("*/2", {"Sun", "Tue", "Thu", "Sat"}),
    ("mon-fri", {"Mon", "Tue", "Wed", "Thu", "Fri"}),
    ("*", {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}),
])
def test_cron_weekdays_as_crontab_means_them(weekdays, runs_on):
    trigger = trigger_for(source(f"cron: 0 9 * * {weekdays}"))
    days, fire = set(), NOW
    for _ in range(14):
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
        days.add(fire.strftime("%a"))
    assert days == runs_on
