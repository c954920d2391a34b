"""Re-check cost: recent statements fetched again for edits, each a conditional request.

Starts ../shared/bench/site.py on 127.0.0.1 (ETag, Last-Modified, 304 on If-None-Match),
crawls its listing into a real SQLite file (keeping each article page's validators), then,
as if the statements had been first seen 2 h ago, re-checks them (the 1 h step), then as if
7 h ago (the 6 h step): nothing changed, so every page answers 304 both times. Prints each round's state, requests, 304 answers, revisions and time,
and how long finding the due statements takes (also among --scale statements stored). Read the request counts, not the absolute
times (machines here are shared).

    python bench/bench_recheck.py [--n 200] [--scale 200000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_crawl import free_port, registry_text  # the same bench source, defined once
from bench_recrawl import FAST, SITE, log_stats, serve

from pipelines import rechecks
from pipelines.db import open_db
from scheduler.crawl import run_crawl
from scheduler.rechecking import run_recheck
from spiders.config import recheck_after
from spiders.sources import load_sources


def seen_ago(db: Path, hours: float) -> None:
    with open_db(db) as store, store.write() as w:
        w.execute("UPDATE statements SET first_seen_at = ?",
                  [(datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="seconds")])


def due_query_at_scale(tmp: Path, n: int, sources: int = 50) -> None:
    """Finding one source's due statements among `n` stored over a year (`sources` sources,
    evenly spread): the (source, first_seen_at) index reads only its recent ones."""
    db = tmp / "scale.db"
    now = datetime.now(UTC)
    with open_db(db) as store, store.write() as w:
        w.conn.executemany("INSERT INTO sources (id, name) VALUES (?, ?)", [(f"s{k}", f"S{k}") for k in range(sources)])
        step = 365 * 86400 / n
        w.conn.executemany(
            "INSERT INTO statements (source, url, canonical_url, title, text, fingerprint, first_seen_at) "
            "VALUES (?, ?, ?, 't', 'x', ?, ?)",
            ((f"s{i % sources}", f"https://e.org/{i}", f"https://e.org/{i}", f"f{i}",
              (now - timedelta(seconds=i * step)).isoformat(timespec="seconds")) for i in range(n)))
    with open_db(db) as store:
        times = []
        for _ in range(20):
            t0 = time.perf_counter()
            due = rechecks.due_rechecks(store.db, "s7", now, recheck_after())
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(f"due query, {n:,} statements of {sources} sources: {len(due)} due for one source, "
          f"median {times[len(times) // 2]:.1f} ms, max {times[-1]:.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200, help="statements on the bench site (25 per listing page)")
    ap.add_argument("--scale", type=int, default=200_000, help="statements stored for the due-query measurement")
    args = ap.parse_args()
    if not SITE.exists():
        sys.exit(f"bench site not found at {SITE}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        registry = tmp / "sources.toml"
        registry.write_text(registry_text(base, (args.n + 24) // 25))
        source = load_sources(registry)["bench"]
        db = tmp / "bench.db"
        server = serve(args.n, port, "no-cache")
        try:
            t0 = time.perf_counter()
            r = run_crawl(source, db, registry, log_dir=tmp, settings=FAST, timeout_s=1800)
            print(f"{'first crawl':<22} {r.status:<8} new {r.new:>4}  {time.perf_counter() - t0:6.1f} s  {r.message}")
            for label, hours in (("recheck at 1 h", 2), ("recheck at 6 h", 7)):
                seen_ago(db, hours)
                with open_db(db) as store:
                    t0 = time.perf_counter()
                    due = rechecks.due_rechecks(store.db, "bench", datetime.now(UTC), recheck_after())
                    find_ms = (time.perf_counter() - t0) * 1000
                t0 = time.perf_counter()
                done = run_recheck(source, db, registry, log_dir=tmp, settings=FAST, timeout_s=1800)
                took = time.perf_counter() - t0
                stats = log_stats(done.crawl.log_path)
                print(f"{label:<22} {done.crawl.status:<8} due {len(due):>4} (found in {find_ms:.1f} ms)  "
                      f"requests {stats.get('downloader/request_count', 0):>4}  "
                      f"304 {stats.get('downloader/response_status_count/304', 0):>4}  "
                      f"edited {done.revisions}  {took:6.1f} s")
        finally:
            server.terminate()
            server.wait()
        due_query_at_scale(tmp, args.scale)


if __name__ == "__main__":
    main()
