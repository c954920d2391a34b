"""The scheduler end to end: real crawl subprocesses against local sites, runs read back from SQLite."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.cadence import ActiveHoursTrigger
from scheduler.schedule import CrawlRunner, build_scheduler, run_once
from spiders.sources import load_sources

from .schedule_site import FAST, RecordingSite, record_run, registry, runs, serve_feed, wait_for

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def local_env(monkeypatch, tmp_path):
    # The private-address guard lets crawls reach the loopback sites; caches and logs stay in tmp.
    monkeypatch.setenv("COMMUNIQUE_ALLOWED_NETWORKS", "127.0.0.0/8")
    monkeypatch.setenv("COMMUNIQUE_HOME", str(tmp_path))


def finished(db_path, source_id: str) -> list[dict]:
    return [r for r in runs(db_path) if r["source"] == source_id and r["status"] != "running"]


def test_build_scheduler_adds_jobs_from_configuration_without_starting(tmp_path):
    reg = tmp_path / "sources.toml"
    reg.write_text("".join(f"""
[[source]]
id = "{i}"
name = "{i}"
publisher = "news"
country = "EX"
language = "en"
spider = "feed"
feed_urls = ["https://{i}.example.org/rss"]
{extra}
""" for i, extra in [
        ("recent", 'schedule = "30m"'),
        ("overdue", 'schedule = "2h"'),
        ("never", 'schedule = "cron: */15 * * * *"'),
        ("daytime", 'schedule = "1h"\njitter = "2m"\nactive_hours = "07:00-22:00"\ntimezone = "Europe/Paris"'),
        ("off", "enabled = false"),
    ]), encoding="utf-8")
    db = tmp_path / "c.db"
    record_run(db, "recent", "2026-03-10T11:50:00+00:00")
    record_run(db, "overdue", "2026-03-10T07:00:00+00:00")
    record_run(db, "overdue", "2026-03-10T03:00:00+00:00")
    record_run(db, "daytime", "2026-03-10T11:30:00+00:00")
    sources = list(load_sources(reg).values())

    scheduler = build_scheduler(sources, db, reg, FAST, scheduler_class=BackgroundScheduler, now=NOW)

    assert scheduler.state == STATE_STOPPED and not scheduler.running
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"crawl:recent", "crawl:overdue", "crawl:never", "crawl:daytime"}
    assert jobs["crawl:recent"].next_run_time == NOW + timedelta(minutes=20)  # keeps its cadence
    assert jobs["crawl:overdue"].next_run_time == NOW  # once, now: not the two runs it missed
    assert jobs["crawl:never"].next_run_time == NOW
    assert jobs["crawl:daytime"].next_run_time == datetime(2026, 3, 10, 12, 30, tzinfo=UTC)
    assert isinstance(jobs["crawl:recent"].trigger, IntervalTrigger)
    assert isinstance(jobs["crawl:never"].trigger, CronTrigger)
    assert isinstance(jobs["crawl:daytime"].trigger, ActiveHoursTrigger)
    assert jobs["crawl:daytime"].trigger.inner.jitter == 120
    for job in jobs.values():
        assert job.max_instances == 1 and job.coalesce is True and job.args == (job.name,)
    assert jobs["crawl:recent"].misfire_grace_time == 30 * 60
    assert jobs["crawl:never"].misfire_grace_time == 15 * 60
    assert runs(db) and all(r["id"].startswith("past-") for r in runs(db))  # nothing ran


@contextmanager
def running(scheduler, runner):
    scheduler.start()
    try:
        yield
    finally:
        runner.gate.close()
        scheduler.shutdown(wait=False)
        runner.stop(grace_s=0, kill_grace_s=2)


def apart(spans: dict, first: str, second: str) -> bool:
    """Whether two sources' crawls, as their site saw them, never ran at the same time."""
    (s1, e1), (s2, e2) = spans[first], spans[second]
    return e1 <= s2 or e2 <= s1


def test_scheduler_keeps_cadence_through_a_restart(tmp_path, http_site):
    """Two hourly sources of one site run once each (one overdue from the past: once, not a burst), never
    side by side; a 2 s source of another site runs on; after a restart the hourly ones wait for their hour."""
    db = tmp_path / "c.db"
    with RecordingSite("127.0.0.2") as other:
        for source_id in ("hourly", "overdue"):
            other.add_feed(source_id, delay_s=1)  # slow, so that crawls side by side would show
        serve_feed(http_site.routes, http_site.base_url, "fast")
        reg = registry(tmp_path / "sources.toml", [
            ("hourly", other.base_url, "1h"), ("overdue", other.base_url, "1h"),
            ("fast", http_site.base_url, "2s")])
        sources = list(load_sources(reg).values())
        record_run(db, "overdue", (datetime.now(UTC) - timedelta(hours=5)).isoformat(timespec="seconds"))
        after = []

        def run_for_a_while(until) -> None:
            runner = CrawlRunner(sources, db, reg, jobs=2, settings=FAST, timeout_s=60, hook=lambda result, db: after.append(result))
            scheduler = build_scheduler(sources, db, reg, runner=runner, scheduler_class=BackgroundScheduler)
            with running(scheduler, runner):
                assert wait_for(until, timeout_s=60), runs(db)
            return scheduler

        run_for_a_while(lambda: len(finished(db, "hourly")) == 1 and len(finished(db, "overdue")) == 2
                        and len(finished(db, "fast")) >= 2)
        first_phase = {s.id: len(finished(db, s.id)) for s in sources}
        assert first_phase["hourly"] == 1 and first_phase["overdue"] == 2  # the past run + one now
        assert apart(other.spans(), "hourly", "overdue")  # one site: one crawl at a time
        # Every crawl that ran is ok; the one the stop above caught running is `interrupted`.
        assert all(r["status"] == "ok" for r in finished(db, "hourly") + finished(db, "fast")
                   if r["status"] != "interrupted"), runs(db)
        # after_crawl saw every run (but the fixture's) once its crawl process was done.
        assert wait_for(lambda: len(after) >= len(runs(db)) - 1, timeout_s=10)
        assert {r.source for r in after} == {"hourly", "overdue", "fast"}

        # A restart: the hourly sources ran minutes ago, so they wait; the fast one goes on.
        restarted = run_for_a_while(lambda: len(finished(db, "fast")) > first_phase["fast"])
        last_hourly = datetime.fromisoformat(finished(db, "hourly")[-1]["started_at"])
        assert restarted.get_job("crawl:hourly") is None  # the stopped scheduler dropped its jobs
        assert len(finished(db, "hourly")) == 1 and len(finished(db, "overdue")) == 2
        rebuilt = build_scheduler(sources, db, reg, scheduler_class=BackgroundScheduler)
        assert rebuilt.get_job("crawl:hourly").next_run_time == last_hourly + timedelta(hours=1)


def test_at_most_n_crawls_and_one_per_site(tmp_path):
    """Three sites, four due sources, two crawls at once: seen from the sites, never two crawls of one
    site at the same time, never more than two crawls at all."""
    db = tmp_path / "c.db"
    with RecordingSite("127.0.0.1") as a, RecordingSite("127.0.0.2") as b, RecordingSite("127.0.0.3") as c:
        for site, ids in ((a, ("a1", "a2")), (b, ("b1",)), (c, ("c1",))):
            for source_id in ids:
                site.add_feed(source_id, delay_s=1)
        reg = registry(tmp_path / "sources.toml", [("a1", a.base_url, "1h"), ("a2", a.base_url, "1h"),
                                                   ("b1", b.base_url, "1h"), ("c1", c.base_url, "1h")])
        sources = list(load_sources(reg).values())
        runner = CrawlRunner(sources, db, reg, jobs=2, settings=FAST, timeout_s=60)
        results = run_once(runner, sources)

        assert [r.source for r in results] == ["a1", "a2", "b1", "c1"]
        assert all(r.status == "ok" for r in results), results
        spans = {**a.spans(), **b.spans(), **c.spans()}
    assert set(spans) == {"a1", "a2", "b1", "c1"}
    assert apart(spans, "a1", "a2"), "two crawls of one site overlapped"
    for start, _ in spans.values():
        at_once = sum(1 for s, e in spans.values() if s <= start < e)
        assert at_once <= 2, spans


def test_hanging_crawl_is_killed_at_its_timeout_while_the_scheduler_goes_on(tmp_path):
    db = tmp_path / "c.db"
    with RecordingSite("127.0.0.1") as slow, RecordingSite("127.0.0.2") as fine:
        # Answers long after the crawl's 4 s timeout (not never, so the killed crawl closes quickly).
        slow.add_feed("hangs", delay_s=9)
        fine.add_feed("fine")
        reg = registry(tmp_path / "sources.toml", [("hangs", slow.base_url, "1h"), ("fine", fine.base_url, "2s")])
        sources = list(load_sources(reg).values())
        runner = CrawlRunner(sources, db, reg, jobs=2, settings=FAST, timeout_s=4)
        scheduler = build_scheduler(sources, db, reg, runner=runner, scheduler_class=BackgroundScheduler)
        with running(scheduler, runner):
            assert wait_for(lambda: finished(db, "hangs") and len(finished(db, "fine")) >= 2, timeout_s=60)
        hung = finished(db, "hangs")[0]
        assert hung["status"] in ("timeout", "failed")
        assert any(word in hung["message"].lower() for word in ("killed", "timed out", "timeout")), hung
        # While the hanging crawl waited on its site, the other source's crawls went on: one started
        # during the hang (on a loaded machine a whole crawl may not fit inside the 4 s window).
        during = [r for r in finished(db, "fine") if hung["started_at"] <= r["started_at"] <= hung["finished_at"]]
        # (the last one may be cut short by the test's own shutdown)
        assert any(r["status"] == "ok" for r in during), during
