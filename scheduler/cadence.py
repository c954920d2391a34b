"""When each source is next due: pure functions of its schedule and its last crawl's start.

The database is the truth. A restarted scheduler asks "when did this source's last crawl
start?" (`crawl_runs.started_at`), not "when was I started?", so a source polled every
30 minutes that last ran 10 minutes ago runs in 20 minutes, and one that is overdue runs
once, now — never a burst of the runs missed while the scheduler was down.

Nothing here reads a clock or a file: every function takes `now`, so the cases are tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from spiders.sources import Source, cron_fields, parse_active_hours


@dataclass(frozen=True)
class ActiveHours:
    """A daily window in a source's own time zone; it may wrap midnight (22:00-06:00)."""

    start: time
    end: time
    zone: ZoneInfo

    @classmethod
    def of(cls, source: Source) -> ActiveHours | None:
        window = parse_active_hours(source.active_hours) if source.active_hours else None
        return cls(window[0], window[1], source.zone) if window else None

    def contains(self, when: datetime) -> bool:
        t = when.astimezone(self.zone).time()
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def next_open(self, when: datetime) -> datetime:
        """`when` if it falls inside the window, else the window's next opening."""
        if self.contains(when):
            return when
        local = when.astimezone(self.zone)
        opening = datetime.combine(local.date(), self.start, tzinfo=self.zone)
        if opening <= local:
            opening += timedelta(days=1)
        return opening


class ActiveHoursTrigger(BaseTrigger):
    """Another trigger's fire times, moved to the window's next opening when they fall outside it.

    A source polled every 30 minutes from 07:00 to 22:00 runs at 21:30, then at 07:00 the next
    morning (once, not the night's missed runs), then every 30 minutes again.
    """

    def __init__(self, inner: BaseTrigger, window: ActiveHours):
        self.inner = inner
        self.window = window

    def get_next_fire_time(self, previous_fire_time, now):
        fire_time = self.inner.get_next_fire_time(previous_fire_time, now)
        return None if fire_time is None else self.window.next_open(fire_time)

    def __str__(self) -> str:
        return f"{self.inner} between {self.window.start:%H:%M} and {self.window.end:%H:%M} ({self.window.zone})"

    def __repr__(self) -> str:
        return f"<ActiveHoursTrigger ({self.inner!r}, {self.window.start:%H:%M}-{self.window.end:%H:%M})>"


def _cron(source: Source, jitter: int | None) -> CronTrigger:
    return CronTrigger(**cron_fields(source.schedule[len("cron:"):]), timezone=source.zone, jitter=jitter)


def trigger_for(source: Source, *, jitter: bool = True) -> BaseTrigger:
    """The APScheduler trigger for a source's `schedule`, `jitter` and `active_hours`.

    A cron expression is read in the source's time zone (the zone the site publishes in).
    """
    seconds = (source.jitter_seconds() or None) if jitter else None
    interval = source.schedule_interval()
    if interval is not None:
        trigger: BaseTrigger = IntervalTrigger(seconds=int(interval.total_seconds()), timezone=UTC, jitter=seconds)
    else:
        trigger = _cron(source, seconds)
    window = ActiveHours.of(source)
    return ActiveHoursTrigger(trigger, window) if window else trigger


def _aware(when: datetime) -> datetime:
    """Times stored without a zone are UTC (communique writes UTC)."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def period(source: Source, now: datetime) -> timedelta:
    """The usual time between two runs: the interval, or the gap between a cron's next two times."""
    interval = source.schedule_interval()
    if interval is not None:
        return interval
    cron = _cron(source, None)
    first = cron.get_next_fire_time(None, now)
    second = cron.get_next_fire_time(first, first + timedelta(microseconds=1))
    return second - first


def next_run(source: Source, last_started: datetime | None, now: datetime) -> datetime:
    """When a source should next run, given when its last crawl started (None: never).

    Never crawled, or overdue: now (once). Otherwise the time its schedule says after the last
    start. Either way moved into its active hours.
    """
    if last_started is None:
        due = now
    else:
        last = _aware(last_started)
        interval = source.schedule_interval()
        if interval is not None:
            due = last + interval
        else:
            due = _cron(source, None).get_next_fire_time(None, last + timedelta(seconds=1))
        due = max(due, now)
    window = ActiveHours.of(source)
    return window.next_open(due) if window else due


def is_due(source: Source, last_started: datetime | None, now: datetime) -> bool:
    """Whether a source should run now (for `communique schedule --once`)."""
    return next_run(source, last_started, now) <= now


def due_sources(sources: list[Source], last_starts: dict[str, datetime], now: datetime) -> list[Source]:
    """The sources that should run now, in the order given."""
    return [s for s in sources if is_due(s, last_starts.get(s.id), now)]


def describe(source: Source) -> str:
    """A schedule as a person reads it: 'every 30m', 'cron */30 * * * *', with jitter and hours."""
    text = f"every {source.schedule}" if source.schedule_interval() else source.schedule.replace(":", "", 1)
    if source.jitter:
        text += f" +{source.jitter}"
    if source.active_hours:
        text += f" {source.active_hours}"
    return text
