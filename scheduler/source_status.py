"""What `communique sources` shows per source: its schedule, last and next run, last new statement, health.

Rows are plain dicts (the output layer renders them as a table or for programs); times are
UTC ISO 8601 in the rows and relative ("3h ago", "in 20m") in the table, which is what a person
scanning thirty sources wants. Sources come from the registry and from the database: a
database filled by `communique demo` (or by an older registry) holds sources the current
registry does not name, and they are shown too, without a schedule.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipelines import health_history
from scheduler import cadence
from scheduler.output import Column
from spiders.sources import Source


def _iso(when: datetime | None) -> str | None:
    return when.astimezone(UTC).isoformat(timespec="seconds") if when else None


def _parse(iso: str | None) -> datetime | None:
    if not iso:
        return None
    dt = datetime.fromisoformat(iso)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def span(delta: timedelta) -> str:
    """A duration in its largest whole unit: 45s, 20m, 3h, 6d."""
    seconds = max(0, int(delta.total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def health_text(health: health_history.SourceHealth, threshold: int) -> str:
    """A source's health in a few words: ok, '3 failures in a row', 'quiet 6d (usual 1d)'."""
    failures = health.consecutive_failures
    if health.state == "unknown":
        return "-"
    if failures:
        text = f"{failures} failure{'s' * (failures != 1)} in a row"
        return ("failing: " + text) if failures >= threshold else text
    if health.state == "quiet" and health.silent_for and health.usual_gap:
        return f"quiet {span(health.silent_for)} (usual {span(health.usual_gap)})"
    return "ok"


def source_row(source_id: str, source: Source | None, stored: dict, runs: list[dict], published: list[datetime],
               now: datetime, threshold: int = health_history.FAILURES_THRESHOLD) -> dict:
    """One source's row. `source` is its registry entry (None: only in the database), `stored` its
    row of Store.source_overview() ({} if never stored), `runs` and `published` its history
    (Store.source_history())."""
    health = health_history.assess(source_id, runs, published, now, threshold=threshold)
    last = runs[-1] if runs else None
    last_started = _parse(last["started_at"]) if last else None
    enabled = source.enabled if source else bool(stored.get("enabled"))
    next_run = cadence.next_run(source, last_started, now) if source and source.enabled else None
    return {
        "id": source_id,
        "name": source.name if source else stored.get("name"),
        "in_registry": source is not None,
        "enabled": enabled,
        "verified": source.verified if source else bool(stored.get("verified")),
        "schedule": cadence.describe(source) if source else None,
        "last_run": _iso(last_started),
        "last_status": last["status"] if last else None,
        "last_message": (last.get("message") or None) if last else None,
        "next_run": _iso(next_run),
        "last_new": _iso(health.last_new),
        "health": health.state,
        "consecutive_failures": health.consecutive_failures,
        "silent_for_s": int(health.silent_for.total_seconds()) if health.silent_for else None,
        "usual_gap_s": int(health.usual_gap.total_seconds()) if health.usual_gap else None,
        "health_text": health_text(health, threshold),
        "statements": stored.get("statements", 0),
        "coe": stored.get("coe", 0),
    }


def collect(store, registry: dict[str, Source], ids: list[str] | None, now: datetime,
            threshold: int = health_history.FAILURES_THRESHOLD) -> list[dict]:
    """Rows for the sources named in `ids` (default: the registry's, then the database's own), in that order."""
    stored = {r["id"]: r for r in store.source_overview()} if store else {}
    if not ids:
        ids = list(registry) + sorted(i for i in stored if i not in registry)
    rows = []
    for source_id in ids:
        runs, published = store.source_history(source_id) if store else ([], [])
        rows.append(source_row(source_id, registry.get(source_id), stored.get(source_id, {}), runs, published, now,
                               threshold))
    return rows


def _ago(iso: str | None, now: datetime) -> str:
    return f"{span(now - _parse(iso))} ago" if iso else "-"


def _when_next(row: dict, now: datetime) -> str:
    if not row["in_registry"]:
        return "-"
    if not row["enabled"]:
        return "disabled"
    due = _parse(row["next_run"])
    return "now" if due <= now else f"in {span(due - now)}"


def _state(row: dict) -> str:
    return row["last_status"] or "never crawled"


def _schedule(row: dict) -> str:
    if not row["in_registry"]:
        return "not in registry"
    return row["schedule"] + ("" if row["verified"] else " (unverified)")


def columns(now: datetime) -> list[Column]:
    return [
        Column("id", "SOURCE"),
        Column("schedule", "SCHEDULE", show=_schedule),
        Column("last_run", "LAST RUN", show=lambda r: _ago(r["last_run"], now)),
        Column("last_status", "STATE", show=_state),
        Column("next_run", "NEXT RUN", show=lambda r: _when_next(r, now)),
        Column("last_new", "LAST NEW", show=lambda r: _ago(r["last_new"], now)),
        Column("statements", "STMTS", align=">"),
        Column("health_text", "HEALTH", flex=True),
    ]


def detail(row: dict) -> str | None:
    """The last run's reason under a source whose last crawl did not succeed."""
    if row["last_message"] and row["last_status"] != "ok":
        return row["last_message"]
    return None


FIELDS = ["id", "name", "in_registry", "enabled", "verified", "schedule", "last_run", "last_status", "last_message",
          "next_run", "last_new", "health", "consecutive_failures", "silent_for_s", "usual_gap_s", "statements", "coe"]
