"""Scheduler memory over many crawl cycles: does the long-running process grow?

Starts ../shared/bench/site.py twice (127.0.0.1 and 127.0.0.2, so two sites crawl side by
side), schedules one feed source on each every second with the real scheduler (APScheduler
jobs, the crawl gate, one subprocess per crawl, the after-crawl hook), and prints the
scheduler process's resident memory after a warm-up and after N crawl cycles in all, with
its thread count. The issue's target: less than 10 MB of growth over 200 cycles.

    python bench/bench_schedule.py [--cycles 200] [--warmup 10]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apscheduler.schedulers.background import BackgroundScheduler

from scheduler.schedule import CrawlRunner, build_scheduler
from spiders.sources import load_sources

SITE = ROOT.parent / "shared" / "bench" / "site.py"
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "HTTPCACHE_ENABLED": "False",
        "LOG_LEVEL": "WARNING"}


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycles", type=int, default=200, help="crawls in all (both sources)")
    ap.add_argument("--warmup", type=int, default=10, help="crawls before the first measurement")
    args = ap.parse_args()
    if not SITE.exists():
        sys.exit(f"bench site not found at {SITE}")
    sites, servers = [], []
    try:
        for host in ("127.0.0.1", "127.0.0.2"):
            port = free_port(host)
            servers.append(subprocess.Popen(
                [sys.executable, str(SITE), "--n", "50", "--host", host, "--port", str(port)],
                stdout=subprocess.PIPE, text=True))
            servers[-1].stdout.readline()  # "serving N statements on URL"
            sites.append(f"http://{host}:{port}")
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            registry = tmp / "sources.toml"
            registry.write_text("".join(f"""
[[source]]
id = "bench-{n}"
name = "Bench site {n}"
publisher = "news"
country = "EX"
language = "en"
spider = "feed"
feed_urls = ["{base}/rss.xml"]
schedule = "1s"
""" for n, base in enumerate(sites)), encoding="utf-8")
            sources = list(load_sources(registry).values())
            done = threading.Semaphore(0)
            statuses: dict[str, int] = {}

            def count(result) -> None:
                statuses[result.status] = statuses.get(result.status, 0) + 1
                done.release()

            runner = CrawlRunner(sources, tmp / "bench.db", registry, jobs=2, settings=FAST, timeout_s=120,
                                 hook=count)
            scheduler = build_scheduler(sources, tmp / "bench.db", registry, runner=runner,
                                        scheduler_class=BackgroundScheduler)
            scheduler.start()
            try:
                for _ in range(args.warmup):
                    done.acquire()
                before, threads_before, started = rss_mb(), threading.active_count(), time.monotonic()
                for _ in range(args.cycles - args.warmup):
                    done.acquire()
                after, threads_after, elapsed = rss_mb(), threading.active_count(), time.monotonic() - started
            finally:
                runner.gate.close()
                scheduler.shutdown(wait=False)
                runner.stop(grace_s=0, kill_grace_s=2)
    finally:
        for server in servers:
            server.terminate()
            server.wait()
    print(f"{args.cycles} crawl cycles ({', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))}); "
          f"{args.cycles - args.warmup} measured in {elapsed:.0f} s")
    print(f"scheduler RSS after {args.warmup} cycles: {before:.1f} MB; after {args.cycles}: {after:.1f} MB; "
          f"growth {after - before:+.1f} MB (target < 10 MB)")
    print(f"threads: {threads_before} -> {threads_after}")


if __name__ == "__main__":
    main()
