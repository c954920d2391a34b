"""The long-running scheduler: every enabled source on its own schedule, one subprocess per crawl.

APScheduler 3.x decides *when* (one job per source, first run derived from `crawl_runs`);
a `CrawlGate` decides *whether now*: at most N crawls at once, never two of one site (and so
never two of one source). Each crawl is `scheduler.crawl.run_crawl`: a subprocess with a
timeout, so a crash, hang or leak in one crawl cannot take the scheduler down.

`build_scheduler()` only adds jobs (testable without running anything); `serve()` runs it
until SIGTERM/SIGINT, then stops cleanly: no new crawl starts, running crawls get a grace
period, then their process groups are terminated, and the process exits.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.events import EVENT_SCHEDULER_START
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from pipelines.db import open_db
from scheduler import cadence
from scheduler.crawl import DEFAULT_TIMEOUT_S, CrawlResult, run_crawl, site_of, stop_live_crawls
from scheduler.rechecking import run_recheck
from spiders import config
from spiders.errors import CommuniqueError, SchedulerLockedError, StorageError
from spiders.sources import Source

log = logging.getLogger("communique.schedule")

# How long running crawls may go on after SIGTERM before they are terminated, and how long a
# terminated crawl gets to close (SIGTERM) before SIGKILL: 10 + 5 + 5 s, well inside 30 s.
DEFAULT_GRACE_S = 10
KILL_GRACE_S = 5


def job_id(source: Source) -> str:
    return f"crawl:{source.id}"


def after_crawl(result: CrawlResult, db_path: Path) -> None:
    """Called after every scheduled crawl, whatever its outcome: send the alerts that are due,
    and the admin's health email when this crawl made one due (scheduler/alerts/health.py).

    The crawl has just stored its statements and queued their alerts in the outbox (in the same
    transactions). A mail server that is down leaves them, and health notices, pending for the
    next round.
    """
    from pipelines.db import open_db
    from scheduler.alerts import health as health_mail
    from scheduler.alerts.sender import send_pending

    with open_db(db_path) as store:
        try:
            report = send_pending(store)
            if report.sent or report.retrying or report.failed:
                log.info("alerts after %s: %s", result.source, report.line())
        finally:  # the admin hears about a failing source even when alert delivery had trouble
            health = health_mail.after_crawl(store, result.source)
    if health.error:
        log.warning("health mail after %s: %s", result.source, health.line())
    elif health.sent:
        log.info("health mail after %s: %s", result.source, health.line())


class CrawlGate:
    """At most `jobs` crawls at once and one per site; once closed, no crawl passes.

    A crawl waiting for its site does not hold one of the N places, so a busy site never
    starves the others.
    """

    def __init__(self, jobs: int):
        self.jobs = max(1, jobs)
        self._cond = threading.Condition()
        self._busy_sites: set[str] = set()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def running(self) -> int:
        with self._cond:
            return len(self._busy_sites)

    def enter(self, site: str) -> bool:
        """Wait for a place; False if the gate closed meanwhile (the crawl must not start)."""
        with self._cond:
            self._cond.wait_for(
                lambda: self._closed or (len(self._busy_sites) < self.jobs and site not in self._busy_sites)
            )
            if self._closed:
                return False
            self._busy_sites.add(site)
            return True

    def leave(self, site: str) -> None:
        with self._cond:
            self._busy_sites.discard(site)
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until no crawl runs; whether that happened within `timeout_s`."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._busy_sites, timeout=timeout_s)


class CrawlRunner:
    """Runs one source's crawl through the gate; the function every scheduled job calls."""

    def __init__(
        self,
        sources: list[Source],
        db_path: Path,
        sources_path: Path,
        *,
        jobs: int | None = None,
        settings: dict | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        log_dir: Path | None = None,
        on_result: Callable[[CrawlResult], None] | None = None,
        hook: Callable[[CrawlResult, Path], None] | None = after_crawl,
        recheck: bool = True,
    ):
        self.sources = {s.id: s for s in sources}
        self.db_path = Path(db_path)
        self.sources_path = Path(sources_path)
        self.settings = settings
        self.timeout_s = timeout_s
        self.log_dir = log_dir
        self.on_result = on_result
        self.hook = hook
        self.recheck = recheck  # after each crawl, re-check the source's recent statements for edits
        self.gate = CrawlGate(jobs or config.crawl_jobs())

    def run(self, source_id: str) -> CrawlResult | None:
        """Crawl one source when the gate lets it; None if the scheduler stopped first."""
        source = self.sources[source_id]
        site = site_of(source)
        if not self.gate.enter(site):
            return None
        try:
            result = run_crawl(source, self.db_path, self.sources_path, log_dir=self.log_dir,
                               timeout_s=self.timeout_s, settings=self.settings)
            if self.recheck and not self.gate.closed:  # the same site's turn: its due re-checks too
                self._recheck(source)
        finally:
            self.gate.leave(site)
        for callback, args in ((self.on_result, (result,)), (self.hook, (result, self.db_path))):
            if callback is None:
                continue
            try:
                callback(*args)
            except CommuniqueError as exc:  # a mail server down must not stop the next crawls
                log.warning("after crawl of %s: %s", source_id, " ".join(str(exc).split())[:300])
            except Exception:  # nor may a bug in a report: logged with its traceback
                log.exception("after crawl of %s", source_id)
        return result

    def _recheck(self, source: Source) -> None:
        """Re-check the source's statements that are due for it (scheduler/rechecking.py); a
        failure is logged, never raised: the crawl's own result and hooks come first."""
        try:
            done = run_recheck(source, self.db_path, self.sources_path, log_dir=self.log_dir,
                               timeout_s=self.timeout_s, settings=self.settings)
        except Exception:
            log.exception("recheck of %s", source.id)
            return
        if done.crawl is not None:
            log.info("%s", done.line())

    def stop(self, grace_s: float = DEFAULT_GRACE_S, kill_grace_s: float = KILL_GRACE_S) -> None:
        """No new crawl starts; running ones may finish within `grace_s`, then are terminated
        with their process groups (SIGTERM, then SIGKILL after `kill_grace_s`)."""
        self.gate.close()
        if self.gate.wait_idle(grace_s):
            return
        # A crawl may be between the gate and its Popen: stop again until none is left.
        deadline = time.monotonic() + 3 * kill_grace_s
        while self.gate.running and time.monotonic() < deadline:
            stop_live_crawls(grace_s=kill_grace_s)
            self.gate.wait_idle(0.5)


def build_scheduler(
    sources: list[Source],
    db_path: str | Path,
    sources_path: str | Path,
    settings: dict | None = None,
    *,
    runner: CrawlRunner | None = None,
    scheduler_class: type[BaseScheduler] = BlockingScheduler,
    now: datetime | None = None,
) -> BaseScheduler:
    """A scheduler with one job per enabled source; it adds jobs and starts nothing.

    Each job's first run is derived from the source's last `crawl_runs.started_at`: a source
    that is overdue runs once at start, the others keep their cadence. `max_instances=1`
    and the gate keep one crawl per source and per site; `coalesce` turns runs missed while
    the machine slept into one; a run late by up to one period still runs.
    """
    enabled = [s for s in sources if s.enabled]
    runner = runner or CrawlRunner(enabled, Path(db_path), Path(sources_path), settings=settings)
    with open_db(db_path) as store:
        last_starts = store.last_run_starts()
    now = now or datetime.now(UTC)
    # One thread per job: a job waiting at the gate holds a thread, never a crawl place.
    scheduler = scheduler_class(
        executors={"default": ThreadPoolExecutor(max_workers=max(1, len(enabled)))}, timezone=UTC
    )
    for source in enabled:
        scheduler.add_job(
            runner.run,
            trigger=cadence.trigger_for(source),
            args=[source.id],
            id=job_id(source),
            name=source.id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, int(cadence.period(source, now).total_seconds())),
            next_run_time=cadence.next_run(source, last_starts.get(source.id), now),
        )
    return scheduler


def lock_path(db_path: str | Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".scheduler.lock")


@contextmanager
def scheduler_lock(db_path: str | Path) -> Iterator[Path]:
    """Hold the one-scheduler-per-database lock (an flock, released by the kernel if we die)."""
    path = lock_path(db_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (closed by the with below)
    except OSError as exc:  # a read-only folder, a name taken by a folder: the user can act on it
        raise StorageError(f"cannot create the scheduler lock {path}: {exc.strerror or exc}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            raise SchedulerLockedError(
                f"another scheduler is already running on {db_path}"
                + (f" (pid {holder})" if holder.isdigit() else "") + f"; lock file {path}"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield path


@contextmanager
def stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """Call `stop` on SIGTERM or SIGINT (main thread only); the previous handlers come back after."""
    previous = {sig: signal.signal(sig, lambda signum, frame: stop()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def serve(scheduler: BlockingScheduler, runner: CrawlRunner, *, grace_s: float = DEFAULT_GRACE_S,
          on_stop: Callable[[int], None] | None = None) -> None:
    """Run the scheduler until SIGTERM/SIGINT, then stop crawls cleanly and return."""

    def request_stop(event=None) -> None:
        if event is None:
            runner.gate.close()  # first, so that no job fired from here on starts a crawl
        if runner.gate.closed and scheduler.state != STATE_STOPPED:
            scheduler.shutdown(wait=False)

    # A signal that arrives before the scheduler runs is honoured as soon as it does.
    scheduler.add_listener(request_stop, EVENT_SCHEDULER_START)
    with stop_on_signals(request_stop):
        scheduler.start()  # blocks until request_stop()
        if on_stop:
            on_stop(runner.gate.running)
        runner.stop(grace_s)


def run_once(runner: CrawlRunner, sources: list[Source], *, now: datetime | None = None,
             grace_s: float = DEFAULT_GRACE_S,
             on_due: Callable[[list[Source]], None] | None = None) -> list[CrawlResult]:
    """Crawl every due source once (at most N at once, one per site); their results, in order.

    Sources that are not due are left alone, so `--once` from cron every few minutes keeps
    each source on its own schedule. SIGTERM/SIGINT stop it like the long-running scheduler.
    `on_due` hears which sources are due before any starts (for progress).
    """
    with open_db(runner.db_path) as store:
        last_starts = store.last_run_starts()
    due = cadence.due_sources([s for s in sources if s.enabled], last_starts, now or datetime.now(UTC))
    if on_due:
        on_due(due)
    results: dict[str, CrawlResult | None] = {}
    errors: list[BaseException] = []

    def crawl(source_id: str) -> None:
        try:
            results[source_id] = runner.run(source_id)
        except Exception as exc:  # noqa: BLE001 (raised again below: a crawl that could not start is not "nothing due")
            errors.append(exc)

    threads = [threading.Thread(target=crawl, args=[s.id], name=f"crawl-{s.id}") for s in due]
    with stop_on_signals(runner.gate.close):
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads) and not runner.gate.closed:
            time.sleep(0.1)
        if runner.gate.closed:
            runner.stop(grace_s)
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return [r for s in due if (r := results.get(s.id)) is not None]
