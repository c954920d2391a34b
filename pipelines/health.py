"""The one vocabulary of run states, and the one ladder that decides a run's state.

A crawl (`communique crawl`), a live check (`sources --check`) and the scheduler all say
how a source went in these words, each with a one-line reason a user can act on:

- ``ok`` — statements were read (new or already stored), or the entry points were
  unchanged since the last crawl.
- ``degraded`` — statements were read, but a real share of the article pages were
  blocked or unparsable (at least ``degraded_share`` of them).
- ``blocked`` — the site answered with challenge pages or 401/403/429/451.
- ``parse-failed`` — pages loaded but held nothing readable: the source needs repair.
- ``failed`` — nothing could be fetched (dead site, DNS, 404/5xx), or the database
  could not be written (disk full, locked).
- ``timeout`` — the crawl was killed at its time limit.
- ``interrupted`` — the crawl was stopped by Ctrl-C or SIGTERM.
- ``crashed`` — the crawl process died without recording its end.

Pure: no Scrapy, no database. Callers turn their counters into a `Tally` and ask `judge()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

OK = "ok"
DEGRADED = "degraded"
BLOCKED = "blocked"
PARSE_FAILED = "parse-failed"
FAILED = "failed"
TIMEOUT = "timeout"
INTERRUPTED = "interrupted"
CRASHED = "crashed"
# Not a final state: the run row of a crawl still going (or of one that died unnoticed).
RUNNING = "running"

STATES = (OK, DEGRADED, BLOCKED, PARSE_FAILED, FAILED, TIMEOUT, INTERRUPTED, CRASHED)

# A run with at least this share of its article pages blocked or unparsable is degraded.
DEFAULT_DEGRADED_SHARE = 0.2

# How a run stopped, besides finishing: Scrapy's close reasons and the caller's own.
FINISHED = "finished"
STOP_STATES = {
    "shutdown": INTERRUPTED,  # Scrapy's close reason after SIGTERM / SIGINT
    INTERRUPTED: INTERRUPTED,
    TIMEOUT: TIMEOUT,
    CRASHED: CRASHED,
}
STOP_REASONS = {
    INTERRUPTED: "stopped by Ctrl-C or SIGTERM; what was read before is stored",
    TIMEOUT: "killed at its time limit",
    CRASHED: "the crawl process died without recording its end",
}


@dataclass(frozen=True)
class Tally:
    """What a run counted: pages fetched, entries listed, statements read, problems met."""

    pages: int = 0
    entries: int = 0  # article links listed by feeds, listings, sitemaps, APIs
    statements: int = 0  # statements read from pages or feed entries
    new: int = 0
    sightings: int = 0
    known: int = 0
    unchanged: int = 0  # entry points answered 304, or with the same content as last time
    listings: int = 0  # linked pages that were indexes of other articles (a newsroom, a tag page), not statements
    blocked: int = 0
    parse_failed: int = 0
    errors: int = 0
    last_blocked: str = ""
    last_parse_failed: str = ""
    last_errors: str = ""

    @classmethod
    def from_stats(cls, stats: Mapping, prefix: str = "communique/") -> Tally:
        """A tally from a crawl's stats (keys `communique/new` …) or a check report (no prefix)."""
        values = {}
        for f in fields(cls):
            raw = stats.get(prefix + f.name)
            if f.type == "str" or f.name.startswith("last_"):
                values[f.name] = " ".join(str(raw or "").split())
            else:
                values[f.name] = int(raw or 0)
        return cls(**values)

    @property
    def read(self) -> int:
        """Statements and entry points that were read successfully."""
        return self.new + self.sightings + self.known + self.statements + self.unchanged

    @property
    def problems(self) -> int:
        return self.blocked + self.parse_failed + self.errors

    @property
    def last_problem(self) -> str:
        return self.last_blocked or self.last_parse_failed or self.last_errors


@dataclass(frozen=True)
class Verdict:
    state: str
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.state == OK


def judge(
    tally: Tally,
    *,
    stop: str = FINISHED,
    detail: str = "",
    degraded_share: float = DEFAULT_DEGRADED_SHARE,
    listing_suffices: bool = False,
) -> Verdict:
    """The state of a run and its one-line reason.

    `stop` is how the run ended: "finished", Scrapy's "shutdown" (interrupted), "timeout",
    "crashed", or another close reason ("storage-error" …, then failed). `detail` replaces
    the stock reason of a stopped run ("killed after 1800 s"). `listing_suffices` is for a
    live check, which reads one entry point and one article: entries listed without an
    article read still mean the source works.
    """
    if stop in STOP_STATES:
        state = STOP_STATES[stop]
        return Verdict(state, detail or STOP_REASONS[state])
    if stop != FINISHED:
        why = tally.last_errors or tally.last_problem or detail
        return Verdict(FAILED, why or f"crawl stopped: {stop}")
    if tally.read:
        return _judge_read(tally, degraded_share)
    if tally.blocked:
        return Verdict(BLOCKED, tally.last_blocked)
    if tally.parse_failed:
        return Verdict(PARSE_FAILED, tally.last_parse_failed)
    if tally.errors:
        return Verdict(FAILED, tally.last_errors)
    if listing_suffices and tally.entries:
        return Verdict(OK, f"{tally.entries} entries listed, no article read")
    if tally.listings:  # the links led to index pages only: nothing to store, nothing broken
        return Verdict(OK, f"{tally.listings} linked page(s) were listings of other articles, no statement")
    if not tally.pages:
        return Verdict(FAILED, detail or "no page was fetched")
    return Verdict(PARSE_FAILED, "the pages held no statements")


def _judge_read(tally: Tally, degraded_share: float) -> Verdict:
    # Article pages tried: those read into a statement and those that failed. Entries
    # skipped as already stored were never fetched, so they do not dilute the share.
    failed_pages = tally.blocked + tally.parse_failed
    tried = tally.statements + tally.problems
    if failed_pages and tried and failed_pages / tried >= degraded_share:
        return Verdict(
            DEGRADED,
            f"{failed_pages} of {tried} pages blocked or unparsable; last: {tally.last_blocked or tally.last_parse_failed}",
        )
    if tally.problems:
        return Verdict(OK, f"{tally.problems} problem(s); last: {tally.last_problem}")
    if not (tally.new + tally.sightings + tally.known + tally.statements):
        return Verdict(OK, f"unchanged since the last crawl ({tally.unchanged} entry point(s) revalidated)")
    if tally.statements and not (tally.new + tally.sightings + tally.known):
        return Verdict(OK, "every statement read was already stored or empty")
    return Verdict(OK, "")


def exit_code(states: list[str]) -> int:
    """`communique crawl`'s exit code: 0 only when every source is ok."""
    if any(s == INTERRUPTED for s in states):
        return 130
    return 0 if states and all(s == OK for s in states) else 1
