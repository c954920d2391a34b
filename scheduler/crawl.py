"""Running crawls: one subprocess per source, as Scrapyd does.

A Twisted reactor cannot be restarted in one process, and a crash, hang or leak in one
crawl must not take down the caller (the CLI or the long-running scheduler). Each run
writes its own crawl_runs row, which is read back here by its id.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from pipelines.db import StorageError, open_db
from spiders.config import CODE_ROOT
from spiders.sources import Source

DEFAULT_TIMEOUT_S = 30 * 60
# Crawls run in their own sessions (a Ctrl-C in a terminal does not reach them), so the
# caller keeps them here to stop them itself.
_LIVE: set[subprocess.Popen] = set()
_LIVE_LOCK = threading.Lock()


@dataclass
class CrawlResult:
    source: str
    status: str  # ok, blocked, parse-failed, failed (timeout: a remote job cancelled at its timeout)
    pages: int = 0
    found: int = 0
    new: int = 0
    known: int = 0
    errors: int = 0
    message: str = ""
    log_path: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


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


def run_scrapy(cmd: list[str], timeout_s: float) -> tuple[int, bool, str]:
    """Run a scrapy command in its own process group; (exit code, timed out, stderr).

    A crawl that outlives its timeout is sent SIGTERM (Scrapy closes cleanly), then SIGKILL.
    """
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="spiders.settings")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CODE_ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        cmd, cwd=CODE_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, start_new_session=True,
    )
    with _LIVE_LOCK:
        _LIVE.add(proc)
    timed_out = False
    try:
        _, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        terminate([proc], grace_s=15)
        _, stderr = proc.communicate()
    finally:
        with _LIVE_LOCK:
            _LIVE.discard(proc)
    return proc.returncode, timed_out, (stderr or b"").decode("utf-8", "replace").strip()


def terminate(procs: list[subprocess.Popen], grace_s: float) -> None:
    """SIGTERM each crawl's process group (Scrapy closes and records its run), then SIGKILL
    whatever still runs after `grace_s` (a download that hangs would otherwise hold it)."""
    live = list(procs)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for proc in live:
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace_s
        while any(p.poll() is None for p in live) and time.monotonic() < deadline:
            time.sleep(0.1)
        live = [p for p in live if p.poll() is None]
        if not live:
            return


def stop_live_crawls(grace_s: float = 5) -> None:
    """Stop every running crawl; the caller records a killed crawl's run as failed."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    terminate(live, grace_s)
    from scheduler.scrapyd import cancel_live_jobs

    cancel_live_jobs()


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
    log_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    log_path = log_dir / f"{source.id}-{stamp}-{run_id[:8]}.log"
    if source.runner:  # crawled on a Scrapyd node, stored here (scheduler/scrapyd.py)
        from scheduler.scrapyd import run_remote_crawl

        try:
            run_remote_crawl(source, Path(db_path), run_id, log_path, timeout_s=timeout_s, settings=settings)
        except StorageError as exc:
            return CrawlResult(source.id, "failed", message=str(exc), log_path=str(log_path))
        return _read_result(source, db_path, run_id, log_path, 0, False, timeout_s, "")
    cmd = crawl_command(source, Path(db_path).resolve(), Path(sources_path).resolve(), run_id, log_path, settings)
    try:
        returncode, timed_out, stderr_text = run_scrapy(cmd, timeout_s)
    except OSError as exc:
        return CrawlResult(source.id, "failed", message=f"cannot start crawl: {exc}")
    return _read_result(source, db_path, run_id, log_path, returncode, timed_out, timeout_s, stderr_text)


def _read_result(source, db_path, run_id, log_path, returncode, timed_out, timeout_s, stderr_text) -> CrawlResult:
    row = None
    try:
        with open_db(db_path) as store:
            row = store.get_run(run_id)
            if row and (timed_out or row["status"] == "running"):
                message = f"killed after {timeout_s:.0f} s" if timed_out else f"crawl exited with code {returncode}"
                store.finish_run(run_id, "failed", message)
                row = store.get_run(run_id)
    except StorageError as exc:
        return CrawlResult(source.id, "failed", message=str(exc), log_path=str(log_path))
    if row is None:
        reason = _last_error_line(log_path) or (stderr_text.splitlines()[-1] if stderr_text else "")
        if timed_out:
            reason = f"killed after {timeout_s:.0f} s"
        return CrawlResult(source.id, "failed", message=reason or f"crawl exited with code {returncode}",
                           log_path=str(log_path))
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
    On Ctrl-C, running crawls are stopped and queued ones dropped.
    """
    by_site: dict[str, list[Source]] = {}
    for source in sources:
        by_site.setdefault(site_of(source), []).append(source)

    stopping = threading.Event()

    def crawl_site(group: list[Source]) -> list[CrawlResult]:
        done = []
        for source in group:
            if stopping.is_set():
                break
            result = run_crawl(source, db_path, sources_path, **kwargs)
            if on_result:
                on_result(result)
            done.append(result)
        return done

    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = [pool.submit(crawl_site, group) for group in by_site.values()]
        results = {r.source: r for future in futures for r in future.result()}
    except KeyboardInterrupt:
        stopping.set()
        pool.shutdown(wait=False, cancel_futures=True)
        stop_live_crawls()
        raise
    pool.shutdown()
    return [results[s.id] for s in sources]
