"""Running crawls: one subprocess per source, as Scrapyd does.

A Twisted reactor cannot be restarted in one process, and a crash, hang or leak in one
crawl must not take down the caller (the CLI or the long-running scheduler). Each run
writes its own crawl_runs row, which is read back here by its id; a run its process could
not end (killed at its timeout, stopped by Ctrl-C/SIGTERM, died) is ended here, with the
counts the database holds for it and the state pipelines/health.py names.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from pipelines.db import StorageError, open_db
from pipelines.health import CRASHED, FAILED, INTERRUPTED, OK, RUNNING, TIMEOUT
from spiders.config import CODE_ROOT
from spiders.sources import Source

DEFAULT_TIMEOUT_S = 30 * 60
# Seconds a crawl gets, after SIGTERM, to close (finish its pages, record its run) before
# SIGKILL: Scrapy's close waits for downloads in flight, and a hanging one would hold it.
STOP_GRACE_S = 5
TIMEOUT_GRACE_S = 15
# Crawls run in their own sessions (a Ctrl-C in a terminal does not reach them), so the
# caller keeps them here to stop them itself.
_LIVE: set[subprocess.Popen] = set()
_LIVE_LOCK = threading.Lock()
# Set once this process is stopping its crawls: none starts after that.
_STOPPING = threading.Event()


@dataclass
class CrawlResult:
    source: str
    status: str  # a state of pipelines/health.py
    pages: int = 0
    found: int = 0
    new: int = 0
    known: int = 0
    errors: int = 0
    message: str = ""
    log_path: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK


def crawl_command(source: Source, db_path: Path, sources_path: Path, run_id: str, log_path: Path,
                  settings: dict | None = None) -> list[str]:
    """The `scrapy crawl` command line for one source."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", source.spider, "-a", f"source={source.id}"]
    values = {
        "COMMUNIQUE_DB": str(db_path),
        "COMMUNIQUE_SOURCES": str(sources_path),
        "COMMUNIQUE_RUN_ID": run_id,
        "LOG_FILE": str(log_path),
        "LOG_FILE_APPEND": "False",
    }
    if source.fetcher == "impersonate":
        # Browser TLS fingerprints for sites that refuse plain clients (scrapy-impersonate). The
        # whole dict replaces the settings' one, so the non-web schemes are switched off again here.
        values["DOWNLOAD_HANDLERS"] = (
            '{"http": "scrapy_impersonate.ImpersonateDownloadHandler",'
            ' "https": "scrapy_impersonate.ImpersonateDownloadHandler",'
            ' "file": null, "ftp": null, "s3": null, "data": null}'
        )
    values.update(settings or {})
    for key, value in values.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def _last_error_line(log_path: Path) -> str:
    """The most telling line of a crawl log that ended without recording its run."""
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    for line in reversed(lines):
        for marker in ("SourcesError", "StorageError", "LexiconError", "Error:", "error:"):
            if marker in line:
                return line.split(marker, 1)[-1].strip(" :") if marker.endswith("Error") else line.strip()
    return lines[-1].strip() if lines else ""


class CrawlProcess(subprocess.Popen):
    """A crawl subprocess, and why the caller stopped it (None, "timeout", "interrupted")."""

    stopped_for: str | None = None


def run_scrapy(cmd: list[str], timeout_s: float) -> tuple[int, str | None, str]:
    """Run a scrapy command in its own process group; (exit code, why it was stopped, stderr).

    Why it was stopped: None when it ended by itself, "timeout" when it outlived
    `timeout_s` (SIGTERM, then SIGKILL), "interrupted" when stop_live_crawls() stopped it.
    """
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="spiders.settings")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CODE_ROOT), env.get("PYTHONPATH")]))
    with _LIVE_LOCK:
        # Under the lock, so a stop cannot miss a crawl that is just starting.
        if _STOPPING.is_set():
            return -signal.SIGTERM, INTERRUPTED, ""
        proc = CrawlProcess(
            cmd, cwd=CODE_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, start_new_session=True,
        )
        _LIVE.add(proc)
    try:
        _, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        if proc.stopped_for is None:
            proc.stopped_for = TIMEOUT
        terminate([proc], grace_s=TIMEOUT_GRACE_S)
        _, stderr = proc.communicate()
    finally:
        with _LIVE_LOCK:
            _LIVE.discard(proc)
    return proc.returncode, proc.stopped_for, (stderr or b"").decode("utf-8", "replace").strip()


def terminate(procs: list[subprocess.Popen], grace_s: float, hurry: threading.Event | None = None) -> None:
    """SIGTERM each crawl's process group (Scrapy closes and records its run), then SIGKILL
    whatever still runs after `grace_s` (a download that hangs would otherwise hold it),
    or as soon as `hurry` is set (a second Ctrl-C). Returns once every process is gone."""
    live = list(procs)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for proc in live:
            try:
                os.killpg(proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + grace_s
        while any(p.poll() is None for p in live) and time.monotonic() < deadline:
            if sig == signal.SIGTERM and hurry is not None and hurry.is_set():
                break
            time.sleep(0.05)
        live = [p for p in live if p.poll() is None]
        if not live:
            return


def stop_live_crawls(grace_s: float = STOP_GRACE_S, hurry: threading.Event | None = None, *,
                     refuse_new: bool = False) -> None:
    """Stop every running crawl; each is recorded as interrupted. With `refuse_new`, a crawl
    about to start is refused too, until the caller clears `_STOPPING`."""
    with _LIVE_LOCK:
        if refuse_new:
            _STOPPING.set()
        live = list(_LIVE)
        for proc in live:
            proc.stopped_for = proc.stopped_for or INTERRUPTED
    remote = sys.modules.get("scheduler.scrapyd")  # loaded only once a crawl went to a Scrapyd node
    if remote:
        remote.cancel_live_jobs()  # each such crawl has its job cancelled there, and records it interrupted
    terminate(live, grace_s, hurry)


@contextmanager
def signals_stop_crawls() -> Iterator[threading.Event]:
    """While crawls run: SIGTERM acts like Ctrl-C (KeyboardInterrupt), so `kill` or
    systemd stopping `communique crawl` stops its crawls too instead of orphaning them.
    The event it yields is set by a further signal during the stop (then SIGKILL at once).
    Only in the main thread (Python delivers signals there); elsewhere it does nothing."""
    hurry = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield hurry
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM,)}
    try:
        yield hurry
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def _second_signal_hurries(hurry: threading.Event) -> Iterator[None]:
    """During the stop itself, another Ctrl-C or SIGTERM means: kill now, do not wait."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    sigs = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda *_: hurry.set()) for sig in sigs}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_crawl(
    source: Source,
    db_path: Path,
    sources_path: Path,
    *,
    log_dir: Path | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    settings: dict | None = None,
) -> CrawlResult:
    """Crawl one source in a subprocess; never raises for the crawl's own failures."""
    run_id = uuid.uuid4().hex
    log_dir = Path(log_dir or Path(db_path).resolve().parent / "logs")
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file named `logs`, a read-only folder: no crawl can start, and the user can fix it
        raise StorageError(f"cannot create the crawl log folder {log_dir}: {exc.strerror or exc}") from None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    log_path = log_dir / f"{source.id}-{stamp}-{run_id[:8]}.log"
    if source.runner:  # crawled on a Scrapyd node, stored here (scheduler/scrapyd.py)
        from scheduler.scrapyd import run_remote_crawl

        if _STOPPING.is_set():
            return CrawlResult(source.id, INTERRUPTED, message="stopped before it began", log_path=str(log_path))
        try:
            run_remote_crawl(source, Path(db_path), run_id, log_path, timeout_s=timeout_s, settings=settings)
        except StorageError as exc:
            return CrawlResult(source.id, FAILED, message=str(exc), log_path=str(log_path))
        return _read_result(source, db_path, run_id, log_path, 0, None, timeout_s, "")
    cmd = crawl_command(source, Path(db_path).resolve(), Path(sources_path).resolve(), run_id, log_path, settings)
    try:
        returncode, stopped_for, stderr_text = run_scrapy(cmd, timeout_s)
    except OSError as exc:
        return CrawlResult(source.id, FAILED, message=f"cannot start crawl: {exc}")
    return _read_result(source, db_path, run_id, log_path, returncode, stopped_for, timeout_s, stderr_text)


def _ending(returncode: int, stopped_for: str | None, timeout_s: float, log_path: Path,
            stderr_text: str) -> tuple[str, str]:
    """(state, reason) of a crawl that did not record its own end."""
    if stopped_for == TIMEOUT:
        return TIMEOUT, f"killed after {timeout_s:.0f} s"
    if stopped_for == INTERRUPTED:
        return INTERRUPTED, "stopped by Ctrl-C or SIGTERM; what was read before is stored"
    why = _last_error_line(log_path) or (stderr_text.splitlines()[-1] if stderr_text else "")
    if returncode and returncode < 0:
        died = f"crawl process killed by signal {-returncode}"
    else:
        died = f"crawl process exited with code {returncode} without recording its end"
    if why and (returncode is None or returncode >= 0) and _is_user_error(log_path, stderr_text):
        return FAILED, why  # a problem the user can act on: a bad registry, a locked or full database
    return CRASHED, died + (f": {why}" if why else "")


def _is_user_error(log_path: Path, stderr_text: str) -> bool:
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")[-20000:]
    except OSError:
        text = ""
    text += stderr_text
    return any(name in text for name in ("StorageError", "SourcesError", "LexiconError", "ConfigError"))


def _read_result(source, db_path, run_id, log_path, returncode, stopped_for, timeout_s, stderr_text) -> CrawlResult:
    """The run row as the crawl left it, ended here when the crawl could not end it."""
    row = None
    try:
        with open_db(db_path) as store:
            row = store.get_run(run_id)
            state, reason = _ending(returncode, stopped_for, timeout_s, log_path, stderr_text)
            if row is None:
                if stopped_for == INTERRUPTED:
                    # Stopped before it began its run: nothing was read, there is no run to record.
                    return CrawlResult(source.id, state, message=reason, log_path=str(log_path))
                # The crawl never got to write its row (database locked, bad registry, died
                # at start): leave one now, so every crawl that ran is a row in crawl_runs.
                store.start_run(run_id, source.id, str(log_path))
                store.close_run(run_id, state, reason)
            elif row["status"] in (RUNNING, CRASHED) or (stopped_for == TIMEOUT and row["status"] == INTERRUPTED):
                # Ended here only if the crawl could not end its run itself (a crawl that had
                # finished when the stop reached it keeps its own state); a crawl that closed
                # on the SIGTERM of its timeout calls itself interrupted, but timed out.
                store.close_run(run_id, state, reason)
            row = store.get_run(run_id)
    except StorageError as exc:
        if row is None:
            state, reason = _ending(returncode, stopped_for, timeout_s, log_path, stderr_text)
            if state == CRASHED:
                state = FAILED
            return CrawlResult(source.id, state, message=f"{reason}; {exc}" if reason != str(exc) else reason,
                               log_path=str(log_path))
        # The row is there but could not be ended: say what is known.
        state, reason = _ending(returncode, stopped_for, timeout_s, log_path, stderr_text)
        if row["status"] not in (RUNNING, CRASHED):
            state, reason = row["status"], row["message"] or ""
        return CrawlResult(source.id, state, message=f"{reason} ({exc})", log_path=str(log_path))
    return CrawlResult(
        source=source.id,
        status=row["status"],
        pages=row["pages"] or 0,
        found=row["found"] or 0,
        new=row["new"] or 0,
        known=row["known"] or 0,
        errors=row["errors"] or 0,
        message=row["message"] or "",
        log_path=str(log_path),
    )


def site_of(source: Source) -> str:
    """The host a source is read from (its first URL's)."""
    urls = source.feed_urls + source.listing_urls + source.sitemap_urls + source.api_urls
    return urlsplit(urls[0]).hostname or source.id if urls else source.id


def run_crawls(sources: list[Source], db_path: Path, sources_path: Path, *, jobs: int = 2, on_result=None,
               **kwargs) -> list[CrawlResult]:
    """Crawl several sources, `jobs` sites at a time; results in the order given.

    Sources of one site run one after the other, never side by side, so a site gets one
    request at a time however many of its sections and languages are registered.
    First, runs left "running" by crawl processes that died are closed as crashed.
    On Ctrl-C or SIGTERM, running crawls are stopped (SIGTERM to each process group, then
    SIGKILL), each is recorded as interrupted (reported through `on_result`), queued
    ones are dropped, and KeyboardInterrupt is raised once no crawl process is left.
    """
    with open_db(db_path) as store:
        store.close_dead_runs()
    by_site: dict[str, list[Source]] = {}
    for source in sources:
        by_site.setdefault(site_of(source), []).append(source)

    stopping = threading.Event()

    def crawl_site(group: list[Source]) -> list[CrawlResult]:
        done = []
        for source in group:
            if stopping.is_set() or _STOPPING.is_set():
                break
            result = run_crawl(source, db_path, sources_path, **kwargs)
            if on_result:
                on_result(result)
            done.append(result)
        return done

    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    with signals_stop_crawls() as hurry:
        try:
            futures = [pool.submit(crawl_site, group) for group in by_site.values()]
            results = {r.source: r for future in futures for r in future.result()}
        except KeyboardInterrupt:
            with _second_signal_hurries(hurry):
                stopping.set()
                stop_live_crawls(hurry=hurry, refuse_new=True)
                # Each worker now ends its run row (interrupted, with the counts the
                # database holds) before this process goes.
                pool.shutdown(wait=True, cancel_futures=True)
                _STOPPING.clear()  # every crawl of this call is gone; a later call may crawl again
            raise
    pool.shutdown()
    return [results[s.id] for s in sources]
