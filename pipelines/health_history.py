"""Per-source health, read from its history: failing runs in a row, and silence longer than usual.

A source that suddenly yields nothing is a failure the user must hear about, not a quiet
success. Two signals, both computed from what the database already holds (`crawl_runs` and
the statements' dates), so nothing extra has to be kept in step:

- **failing**: the latest N crawls (default 3) all failed (failed, blocked, parse-failed,
  timeout, crashed). A crawl stopped by the scheduler's own shutdown (`interrupted`) says
  nothing about the site and is skipped.
- **quiet**: the crawls succeed, but no new statement for k times (default 3) the source's usual
  gap between statements, learned from its recent history (the median, so one busy week or one
  holiday does not move it).

`notification()` says when a health email is due: once when a source reaches N failures,
once when it recovers, nothing in between — decided from the runs alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from statistics import median

FAILED = frozenset({"failed", "blocked", "parse-failed", "timeout", "crashed"})
# Says nothing about the site: the scheduler stopped the crawl, or it has not finished.
NO_VERDICT = frozenset({"interrupted", "running"})
FAILURES_THRESHOLD = 3
QUIET_FACTOR = 3.0
# The usual gap is learned from at most this many recent statements, and needs at least MIN_GAPS gaps.
HISTORY = 50
MIN_GAPS = 5


@dataclass(frozen=True)
class SourceHealth:
    source: str
    state: str  # ok, failing, quiet, unknown (never crawled)
    consecutive_failures: int
    last_status: str | None
    last_new: datetime | None
    usual_gap: timedelta | None
    silent_for: timedelta | None


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def verdicts(runs: Iterable[dict]) -> list[str]:
    """The statuses of runs that say something about the site, oldest first (runs: dicts with
    `started_at` and `status`, as crawl_runs rows)."""
    ordered = sorted(runs, key=lambda r: r["started_at"])
    return [r["status"] for r in ordered if r["status"] not in NO_VERDICT]


def consecutive_failures(statuses: Sequence[str]) -> int:
    """Failed runs at the end of `statuses` (oldest first)."""
    count = 0
    for status in reversed(statuses):
        if status not in FAILED:
            break
        count += 1
    return count


def usual_gap(published: Iterable[datetime], history: int = HISTORY, min_gaps: int = MIN_GAPS) -> timedelta | None:
    """The median gap between a source's recent statements; None while too few are known.

    Statements published at the same instant (a backfill, date-only sites) are one event.
    """
    times = sorted({_aware(t) for t in published})[-history:]
    gaps = [b - a for a, b in pairwise(times)]
    return median(gaps) if len(gaps) >= min_gaps else None


def assess(
    source: str,
    runs: Iterable[dict],
    published: Iterable[datetime],
    now: datetime,
    *,
    threshold: int = FAILURES_THRESHOLD,
    quiet_factor: float = QUIET_FACTOR,
) -> SourceHealth:
    """A source's health from its crawl runs and its statements' dates (published, else first seen)."""
    statuses = verdicts(runs)
    published = [_aware(t) for t in published]
    failures = consecutive_failures(statuses)
    last_new = max(published, default=None)
    gap = usual_gap(published)
    silent = now - last_new if last_new else None
    if not statuses:
        state = "unknown"
    elif failures >= threshold:
        state = "failing"
    elif gap and silent and gap > timedelta(0) and silent > gap * quiet_factor:
        state = "quiet"
    else:
        state = "ok"
    return SourceHealth(source, state, failures, statuses[-1] if statuses else None, last_new, gap, silent)


def notification(runs: Iterable[dict], threshold: int = FAILURES_THRESHOLD) -> str | None:
    """'failing' when the latest run made the failures in a row reach `threshold`, 'recovered' when
    it ended such a streak; else None. Called after each crawl: one email each way, none between."""
    runs = sorted(runs, key=lambda r: r["started_at"])
    if not runs or runs[-1]["status"] in NO_VERDICT:
        return None  # the latest run says nothing new, so nothing new is sent
    statuses = verdicts(runs)
    failures = consecutive_failures(statuses)
    if failures == threshold:
        return "failing"
    if failures == 0 and consecutive_failures(statuses[:-1]) >= threshold:
        return "recovered"
    return None
