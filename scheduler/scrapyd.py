"""Remote runners: a source's crawl dispatched to a Scrapyd node (`runner = "scrapyd:http://host:6800"`).

Some sites refuse datacenter networks, and a large deployment outgrows one machine. A Scrapyd
node in another network runs the crawl; the scheduler keeps everything else. Through Scrapyd's
JSON API:

1. `addversion.json` deploys this code as an egg (built here, offline, from `spiders/` and
   `pipelines/`; its version is a hash of their contents, so a changed checkout deploys anew);
2. `schedule.json` starts the source's spider with COMMUNIQUE_REMOTE set: on the node the item
   pipeline only writes each statement to the item feed (pipelines/remote.py) and never opens a
   database; the source travels as its registry entry, with the addresses already stored;
3. `listjobs.json` is polled until the job finishes; past the crawl's timeout `cancel.json` stops
   it (twice: Scrapy's graceful stop, then its forced one) and the run is recorded `timeout`;
4. the node's item feed (Scrapyd `items_dir`, JSON lines over HTTP) is read back and every
   statement goes through normalize → dedup → tag → store here, as in a local crawl; the node's
   log is appended to the run's log file and its counters decide the run's status.

The run is a crawl_runs row like a local crawl's (status, counts, message, log path). An
unreachable node, or one that refuses a request, is a `failed` run with a one-line reason.
Nothing here raises for the crawl's own failures.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
import zipfile
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

import urllib3

from pipelines.db import open_db
from pipelines.health import CRASHED, FAILED, INTERRUPTED, OK, TIMEOUT, Tally, judge
from pipelines.lexicon import load_lexicon
from pipelines.remote import statement_from_record, stats_from_log
from pipelines.stages import run_stages, statement_stages
from pipelines.writer import OUTCOME_COUNTER, StatementWriter
from scheduler.crawl import _last_error_line
from spiders import config
from spiders.errors import EmptyStatement, RunnerError, StorageError
from spiders.items import STAT
from spiders.sources import Source, registry_entry
from spiders.urls import compile_rule

PROJECT = "communique"
# The packages a node needs to crawl: spiders and the item pipeline (its dependencies must be
# installed on the node: `pip install communique scrapyd`).
EGG_PACKAGES = ("spiders", "pipelines")
POLL_S = 1.0
# After a cancel, how long Scrapy may take to close (and write its feed) before it is forced:
# at a timeout, and when the scheduler stops (which must exit within 30 s).
CANCEL_GRACE_S = 15.0
STOP_GRACE_S = 5.0
# The addresses already stored that go with a job, newest first (each is a few dozen bytes;
# they travel as one command-line setting on the node, which Linux caps at 128 KiB).
KNOWN_URLS_SENT = 500
# Settings that name files of the scheduler's machine: never sent to a node.
LOCAL_ONLY_SETTINGS = {"COMMUNIQUE_DB", "COMMUNIQUE_SOURCES", "COMMUNIQUE_RUN_ID", "COMMUNIQUE_LEXICON", "LOG_FILE",
                       "LOG_FILE_APPEND", "COMMUNIQUE_CHECK", "COMMUNIQUE_CHECK_REPORT"}

_DEPLOYED: set[tuple[str, str]] = set()  # (node, egg version) deployed by this process
_LIVE_JOBS: dict[str, tuple[ScrapydNode, threading.Event]] = {}  # run id -> (node, set to stop its job)
_LIVE_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def build_egg(code_root: Path = config.CODE_ROOT) -> tuple[str, bytes]:
    """(version, egg bytes) of this checkout's crawling code: what Scrapyd's addversion.json takes.

    An egg is a zip of the packages with EGG-INFO metadata; the entry point `scrapy.settings`
    tells Scrapyd's runner which settings module to use. Built in memory, deterministic (fixed
    file times), without setuptools or network, so it works on an offline scheduler.
    """
    files = sorted(
        path for package in EGG_PACKAGES for path in (code_root / package).rglob("*.py")
        if "__pycache__" not in path.parts
    )
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(code_root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    version = "r" + digest.hexdigest()[:16]
    metadata = {
        "EGG-INFO/PKG-INFO": f"Metadata-Version: 2.1\nName: {PROJECT}\nVersion: 0+{version}\n",
        "EGG-INFO/entry_points.txt": "[scrapy]\nsettings = spiders.settings\n",
        "EGG-INFO/top_level.txt": "".join(f"{p}\n" for p in EGG_PACKAGES),
        "EGG-INFO/zip-safe": "\n",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as egg:
        for name, text in metadata.items():
            egg.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), text)
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(code_root).as_posix(), (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            egg.writestr(info, path.read_bytes())
    return version, buffer.getvalue()


class ScrapydNode:
    """One Scrapyd node's JSON API; every fault is a RunnerError with one line naming the node."""

    def __init__(self, base_url: str, *, connect_s: float = 10, read_s: float = 60):
        self.base_url = base_url.rstrip("/")
        auth = config.scrapyd_auth()
        self.headers = urllib3.make_headers(basic_auth=f"{auth[0]}:{auth[1]}") if auth else {}
        self.http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=connect_s, read=read_s), retries=False)

    def _request(self, method: str, path: str, *, fields=None, stream: bool = False):
        url = self.base_url + path
        try:
            response = self.http.request(method, url, fields=fields, headers=self.headers,
                                         preload_content=not stream)
        except urllib3.exceptions.HTTPError as exc:
            reason = getattr(exc, "reason", None) or exc
            raise RunnerError(f"scrapyd node {self.base_url} unreachable: {_one_line(reason)}") from None
        return response

    def call(self, method: str, endpoint: str, fields: dict | list | None = None) -> dict:
        """One JSON API call; its answer when Scrapyd says "ok"."""
        path = f"/{endpoint}"
        if method == "GET" and fields:
            path += "?" + urlencode(fields)
            fields = None
        response = self._request(method, path, fields=fields)
        if response.status == 401:
            raise RunnerError(f"scrapyd node {self.base_url}: {endpoint} refused (401): set "
                              "COMMUNIQUE_SCRAPYD_USER and COMMUNIQUE_SCRAPYD_PASSWORD")
        try:
            answer = json.loads(response.data)
        except ValueError:
            raise RunnerError(f"scrapyd node {self.base_url}: {endpoint} answered HTTP {response.status}, "
                              "not Scrapyd JSON") from None
        if not isinstance(answer, dict) or answer.get("status") != "ok":
            message = answer.get("message", answer) if isinstance(answer, dict) else answer
            raise RunnerError(f"scrapyd node {self.base_url}: {endpoint} failed: {_one_line(message)[:300]}")
        return answer

    def deploy(self, version: str, egg: bytes) -> None:
        """Upload the egg once per node and version (Scrapyd checks it lists the spiders)."""
        if (self.base_url, version) in _DEPLOYED:
            return
        self.call("POST", "addversion.json", {"project": PROJECT, "version": version,
                                              "egg": (f"{PROJECT}-{version}.egg", egg, "application/octet-stream")})
        _DEPLOYED.add((self.base_url, version))

    def schedule(self, spider: str, version: str, args: dict[str, str], settings: dict[str, str]) -> str:
        fields = [("project", PROJECT), ("spider", spider), ("_version", version), *args.items(),
                  *(("setting", f"{key}={value}") for key, value in settings.items())]
        return str(self.call("POST", "schedule.json", fields)["jobid"])

    def job_state(self, job: str) -> tuple[str, dict]:
        """("pending" | "running" | "finished" | "unknown", the job's listing)."""
        answer = self.call("GET", "listjobs.json", {"project": PROJECT})
        for state in ("pending", "running", "finished"):
            for entry in answer.get(state, []):
                if entry.get("id") == job:
                    return state, entry
        return "unknown", {}

    def cancel(self, job: str) -> None:
        self.call("POST", "cancel.json", {"project": PROJECT, "job": job})

    def lines(self, path: str) -> Iterator[bytes]:
        """The lines of a file the node serves (item feed, log); none when it has none (404)."""
        response = self._request("GET", path, stream=True)
        try:
            if response.status == 404:
                return
            if response.status != 200:
                raise RunnerError(f"scrapyd node {self.base_url}: {path} answered HTTP {response.status}")
            try:
                yield from response
            except urllib3.exceptions.HTTPError as exc:
                raise RunnerError(f"scrapyd node {self.base_url}: {path} cut off: {_one_line(exc)}") from None
        finally:
            response.release_conn()


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def job_settings(source: Source, known_urls: list[str], settings: dict | None,
                 validators: dict | None = None) -> dict[str, str]:
    """The Scrapy settings a node's job runs with: remote mode, the source, the caller's extras."""
    values = {key: str(value) for key, value in (settings or {}).items() if key not in LOCAL_ONLY_SETTINGS}
    entry = {key: value for key, value in registry_entry(source).items() if key != "runner"}
    values.update({
        "COMMUNIQUE_REMOTE": "True",
        "COMMUNIQUE_SOURCE_ENTRY": json.dumps(entry, ensure_ascii=False),
        "COMMUNIQUE_KNOWN_URLS": json.dumps(known_urls, ensure_ascii=False),
        "COMMUNIQUE_ENTRY_VALIDATORS": json.dumps(validators or {}, ensure_ascii=False),
    })
    return values


def run_remote_crawl(source: Source, db_path: Path, run_id: str, log_path: Path, *, timeout_s: float,
                     settings: dict | None = None) -> None:
    """Crawl `source` on its Scrapyd node and record the run `run_id` in crawl_runs (never raises
    for the crawl's own failures; a database that cannot be opened is the caller's to report)."""
    deadline = time.monotonic() + timeout_s
    node = ScrapydNode(source.runner_url)
    log = RunLog(log_path)
    with open_db(db_path) as store:
        store.close_dead_runs()
        store.upsert_sources([source])
        store.start_run(run_id, source.id, str(log_path))
        known = known_urls(store, source.id)
        validators = store.entry_validators(source.id)
    stop = threading.Event()
    try:
        version, egg = build_egg()
        node.deploy(version, egg)
        with _LIVE_LOCK:
            _LIVE_JOBS[run_id] = (node, stop)
        job = node.schedule(source.spider, version, {"source": source.id},
                            job_settings(source, known, settings, validators))
        log.write(f"dispatched to scrapyd node {node.base_url}: project {PROJECT}, version {version}, job {job}")
        ending, entry = wait_for_job(node, job, deadline, stop)
        if ending == TIMEOUT:
            log.write(f"timeout after {timeout_s:.0f} s: job {job} cancelled on the node")
        elif ending == INTERRUPTED:
            log.write(f"stopping: job {job} cancelled on the node")
        remote_log = b"".join(node.lines(f"/logs/{PROJECT}/{source.spider}/{job}.log"))
        log.write(f"--- the node's crawl log ({len(remote_log)} bytes) ---")
        log.append(remote_log)
        items_path = _path_of(entry.get("items_url")) or f"/items/{PROJECT}/{source.spider}/{job}.jl"
        lexicon = (settings or {}).get("COMMUNIQUE_LEXICON") or config.env("COMMUNIQUE_LEXICON")
        outcome = store_items(source, db_path, run_id, node.lines(items_path), lexicon)
    except (RunnerError, StorageError) as exc:
        log.write(f"failed: {exc}")
        with open_db(db_path) as store:
            store.finish_run(run_id, FAILED, str(exc))
        return
    finally:
        with _LIVE_LOCK:
            _LIVE_JOBS.pop(run_id, None)
    record_run(source, db_path, run_id, log, remote_log, outcome, ending, timeout_s)


def record_run(source: Source, db_path: Path, run_id: str, log: RunLog, remote_log: bytes, outcome: StoreOutcome,
               ending: str | None, timeout_s: float) -> None:
    """End the run's row as a local crawl's ends: its state from pipelines/health.py's ladder
    over the node's counters plus what was stored here; new and known as the database holds
    them; the entry points' validators kept only after a complete, clean read."""
    end = stats_from_log(remote_log.decode("utf-8", "replace"))
    stats, reason = (end.stats, end.reason) if end else ({}, CRASHED)
    for name, count in outcome.counts.items():  # the node's spider counts the known addresses it skipped
        stats[STAT + name] = (stats.get(STAT + name) or 0) + count
    if outcome.errors:
        stats[STAT + "errors"] = (stats.get(STAT + "errors") or 0) + outcome.errors
        stats[STAT + "last_errors"] = outcome.last_error
    if not end:  # the node's crawl died before it could count: only the items to go by
        stats[STAT + "entries"] = outcome.records
    detail = ""
    if ending == TIMEOUT:
        reason, detail = TIMEOUT, f"cancelled on the node after {timeout_s:.0f} s"
    elif ending == INTERRUPTED:
        reason = INTERRUPTED
    elif not end:
        why = _last_error_line(log.path)
        detail = "the crawl on the node ended without its counters" + (f": {why}" if why else "; see the log")
    tally = Tally.from_stats(stats, STAT)
    verdict = judge(tally, stop=reason, detail=detail, degraded_share=config.degraded_share())
    with open_db(db_path) as store:
        if end and verdict.state == OK and not tally.problems:
            store.save_entry_validators(source.id, end.validators)
        new, seen = store.run_counts(run_id)
        counts = {"pages": tally.pages, "found": tally.entries, "new": new,
                  "known": max(seen, tally.known + tally.sightings),
                  "errors": tally.errors + tally.blocked + tally.parse_failed}
        log.write(f"recorded {verdict.state}: {verdict.reason or 'no problems'}; {json.dumps(counts)}")
        store.finish_run(run_id, verdict.state, verdict.reason, **counts)


def wait_for_job(node: ScrapydNode, job: str, deadline: float, stop: threading.Event) -> tuple[str | None, dict]:
    """(None | TIMEOUT | INTERRUPTED, the finished job's listing): poll until the job ends.

    Past the deadline, or when this process stops its crawls (`stop`), cancel it: Scrapy closes
    and writes its feed; if it has not ended after a grace period, cancel again (Scrapy's
    forced stop).
    """
    while True:
        state, entry = node.job_state(job)
        if state in ("finished", "unknown"):
            return None, entry
        if stop.is_set() or time.monotonic() >= deadline:
            break
        stop.wait(min(POLL_S, max(0.05, deadline - time.monotonic())))
    ending, grace_s = (INTERRUPTED, STOP_GRACE_S) if stop.is_set() else (TIMEOUT, CANCEL_GRACE_S)
    for _ in range(2):
        node.cancel(job)
        grace_end = time.monotonic() + grace_s
        while time.monotonic() < grace_end:
            state, entry = node.job_state(job)
            if state in ("finished", "unknown"):
                return ending, entry
            time.sleep(POLL_S / 2)
    return ending, {}


class StoreOutcome:
    """What storing a job's items here came to: crawl counters by outcome, records, errors."""

    def __init__(self):
        self.counts = {name: 0 for name in ("new", "sightings", "known", "revisions")}
        self.records = 0
        self.errors = 0
        self.last_error = ""

    def error(self, message: str) -> None:
        self.errors += 1
        self.last_error = message[:300]


def store_items(source: Source, db_path: Path, run_id: str, lines: Iterable[bytes],
                lexicon_path: str | None = None) -> StoreOutcome:
    """Run every statement of a job's item feed through the stages into the database, in batches.

    A line that is not a statement is counted as an error (the rest go on); a statement
    with nothing readable is dropped, as in a local crawl.
    """
    outcome = StoreOutcome()

    def saved(kind: str) -> None:
        outcome.counts[OUTCOME_COUNTER[kind]] += 1

    with open_db(db_path) as store:
        writer = StatementWriter(store, run_id, batch_size=50, max_age_s=float("inf"), on_saved=saved)
        stages = statement_stages(
            stored_fingerprint=writer.fingerprint_at, lexicon=load_lexicon(lexicon_path),
            sink=writer.add, identity_rule=compile_rule(source.identity) if source.identity else None)
        for line in lines:
            if not line.strip():
                continue
            outcome.records += 1
            try:
                item = statement_from_record(json.loads(line))
            except (ValueError, TypeError) as exc:
                outcome.error(f"unreadable item from the node: {_one_line(exc)}")
                continue
            if item.source != source.id:
                outcome.error(f"item of another source from the node: {item.source!r}")
                continue
            try:
                result, _ = run_stages(stages, item)
            except EmptyStatement:
                continue
            if result is None:
                outcome.counts["known"] += 1
        writer.flush()
    return outcome


def known_urls(store, source_id: str, limit: int = KNOWN_URLS_SENT) -> list[str]:
    """The source's most recently seen addresses, which its remote spider need not read again."""
    rows = store.db.execute(
        "SELECT canonical_url FROM sightings WHERE source = ? ORDER BY last_seen_at DESC, id DESC LIMIT ?",
        [source_id, limit]).fetchall()
    return [row[0] for row in rows]


def cancel_live_jobs() -> None:
    """Have every remote crawl of this process cancel its job (the process is stopping): each
    waits for its node to end the job, then stores what came back and records it interrupted."""
    with _LIVE_LOCK:
        for _, stop in _LIVE_JOBS.values():
            stop.set()


def _path_of(url: str | None) -> str:
    """The path of a URL Scrapyd gives (`items_url` is a path; older versions gave none)."""
    if not url:
        return ""
    return url if url.startswith("/") else "/" + url.split("://", 1)[-1].split("/", 1)[-1]


class RunLog:
    """The run's log file on the scheduler's machine: the dispatch, then the node's crawl log."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("", encoding="utf-8")

    def write(self, line: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        with self.path.open("a", encoding="utf-8") as out:
            out.write(f"{stamp} [communique.scrapyd] {line}\n")

    def append(self, data: bytes) -> None:
        with self.path.open("ab") as out:
            out.write(data)
