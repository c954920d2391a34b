"""Crawl cost: communique's whole pipeline against a bare Scrapy spider, same site, same concurrency.

Starts ../shared/bench/site.py on 127.0.0.1, then runs two crawls of the same pages, each in its
own process:

* communique: the listing spider with every stage (normalize, dedup, tag, store into a real SQLite
  file), with the project's settings except politeness delays;
* bare: bench/bare_spider.py, which follows the same listing pages and requests the same articles
  and does nothing with them, with Scrapy's own defaults (no project settings).

Both get the same CONCURRENT_REQUESTS and CONCURRENT_REQUESTS_PER_DOMAIN (--concurrency), no
download delay, no AutoThrottle, no HTTP cache, robots.txt obeyed, the same log level. Each crawl
is measured by the same extension (bench/crawl_meter.py): CPU time and wall time of the crawl
(spider opened to closed) and pages answered; process CPU including start-up is printed too.
Printed: CPU ms per page and pages/s for each, and the two ratios communique/bare.
Targets (issue #8): CPU per page <= 1.5x bare, pages/s >= 0.8x bare.

These machines are shared and noisy: read the ratios (measured back to back), not the absolute
numbers; --rounds N alternates the two crawls N times and reports medians.

    python bench/bench_crawl.py [--n 2000] [--concurrency 8] [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from pipelines.db import open_db
from scheduler.crawl import crawl_command
from spiders.sources import load_sources

SITE = ROOT.parent / "shared" / "bench" / "site.py"
METER = '{"crawl_meter.CrawlMeter": 0}'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def same_work(concurrency: int) -> dict[str, str]:
    """The settings both crawls run with: equal concurrency, no politeness delays, no cache."""
    return {
        "CONCURRENT_REQUESTS": str(concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency),
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "HTTPCACHE_ENABLED": "False",
        "ROBOTSTXT_OBEY": "True",
        "TELNETCONSOLE_ENABLED": "False",
        "LOG_LEVEL": "WARNING",
        "EXTENSIONS": METER,
    }


def registry_text(base: str, pages: int) -> str:
    return f"""
[[source]]
id = "bench"
name = "Bench site"
publisher = "news"
country = "INT"
language = "en"
spider = "listing"
listing_urls = ["{base}/news/?page=1"]
max_pages = {pages}
timezone = "UTC"
[source.listing]
item = "li.item"
link = "a::attr(href)"
next = "a.next::attr(href)"
[source.selectors]
title = "h1.title"
date = "time::attr(datetime)"
text = "div.article-text"
"""


def run(cmd: list[str], env: dict, cwd: Path, meter_file: Path, timeout_s: float) -> dict:
    """Run one crawl process; its meter readings plus the whole process's CPU (start-up included)."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        _, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        sys.exit(f"crawl did not finish within {timeout_s:.0f} s: {' '.join(cmd[:6])} …")
    # communicate() reaped the child: its CPU is in RUSAGE_CHILDREN, read as a difference by the caller.
    if proc.returncode != 0 or not meter_file.exists():
        tail = (stderr or b"").decode("utf-8", "replace").strip().splitlines()[-3:]
        sys.exit(f"crawl failed (exit {proc.returncode}): {' | '.join(tail)}")
    return json.loads(meter_file.read_text())


def measured(cmd, env, cwd, meter_file, timeout_s) -> dict:
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run(cmd, env, cwd, meter_file, timeout_s)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["process_cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def crawl_communique(base: str, pages: int, tmp: Path, settings: dict, timeout_s: float) -> dict:
    registry = tmp / "sources.toml"
    registry.write_text(registry_text(base, pages))
    source = load_sources(registry)["bench"]
    db = tmp / f"bench-{uuid.uuid4().hex[:8]}.db"
    run_id = uuid.uuid4().hex
    meter_file = tmp / "communique.json"
    cmd = crawl_command(source, db, registry, run_id, tmp / "communique.log",
                        dict(settings, BENCH_METER_FILE=str(meter_file)))
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="spiders.settings",
               PYTHONPATH=os.pathsep.join([str(ROOT), str(BENCH)]),
               # Crawls to 127.0.0.1 need the private-address guard to allow the loopback network.
               COMMUNIQUE_ALLOWED_NETWORKS="127.0.0.0/8")
    result = measured(cmd, env, ROOT, meter_file, timeout_s)
    with open_db(db) as store:
        row = store.get_run(run_id) or {}
        result["status"] = row.get("status", "no run row")
        result["message"] = row.get("message") or ""
        result["stored"] = store.count_statements()
    return result


def crawl_bare(base: str, pages: int, tmp: Path, settings: dict, timeout_s: float) -> dict:
    meter_file = tmp / "bare.json"
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(BENCH / "bare_spider.py"),
           "-a", f"base={base}", "-a", f"max_pages={pages}", "-s", f"LOG_FILE={tmp / 'bare.log'}"]
    for key, value in dict(settings, BENCH_METER_FILE=str(meter_file)).items():
        cmd += ["-s", f"{key}={value}"]
    # Plain Scrapy: no project settings (run outside the project folder, no settings module).
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    env.update(PYTHONPATH=str(BENCH), COMMUNIQUE_ALLOWED_NETWORKS="127.0.0.0/8")
    return measured(cmd, env, tmp, meter_file, timeout_s)


def per_page(r: dict) -> tuple[float, float, float]:
    """(crawl CPU ms per page, process CPU ms per page, pages per second of crawl wall time)."""
    pages = max(r["pages"], 1)
    return 1000 * r["cpu_s"] / pages, 1000 * r["process_cpu_s"] / pages, pages / r["wall_s"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="statements on the bench site (25 per listing page)")
    ap.add_argument("--concurrency", type=int, default=8, help="requests at once, for both crawls")
    ap.add_argument("--rounds", type=int, default=1, help="alternate the two crawls this many times")
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("-s", "--communique-setting", action="append", default=[], metavar="NAME=VALUE",
                    help="a Scrapy setting for the communique crawl only, to try a change (e.g. CONCURRENT_ITEMS=1)")
    args = ap.parse_args()
    if not SITE.exists():
        sys.exit(f"bench site not found at {SITE}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, str(SITE), "--n", str(args.n), "--port", str(port)],
                              stdout=subprocess.PIPE, text=True)
    settings = same_work(args.concurrency)
    extra = dict(pair.split("=", 1) for pair in args.communique_setting)
    pages = (args.n + 24) // 25
    ours, bare = [], []
    try:
        server.stdout.readline()  # "serving N statements on URL"
        for _ in range(args.rounds):
            with tempfile.TemporaryDirectory() as tmp:
                ours.append(crawl_communique(base, pages, Path(tmp), dict(settings, **extra), args.timeout))
            with tempfile.TemporaryDirectory() as tmp:
                bare.append(crawl_bare(base, pages, Path(tmp), settings, args.timeout))
    finally:
        server.terminate()
        server.wait()

    def median(rows, i):
        return statistics.median(per_page(r)[i] for r in rows)

    last = ours[-1]
    print(f"site: {args.n} statements, concurrency {args.concurrency} for both, {args.rounds} round(s)"
          + (f"; communique also with {extra}" if extra else ""))
    print(f"communique: {last['status']}, {last['stored']} statements stored, {last['pages']} pages"
          + (f" ({last['message']})" if last["message"] else ""))
    print(f"bare Scrapy: {bare[-1]['pages']} pages, {bare[-1]['bare_articles']} articles")
    print(f"{'':24}{'CPU ms/page':>12}{'(process)':>11}{'pages/s':>10}")
    for name, rows in (("communique full pipeline", ours), ("bare Scrapy", bare)):
        print(f"{name:<24}{median(rows, 0):12.2f}{median(rows, 1):11.2f}{median(rows, 2):10.1f}")
    print(f"ratio CPU per page communique/bare: {median(ours, 0) / median(bare, 0):.2f}x "
          f"(process incl. start-up {median(ours, 1) / median(bare, 1):.2f}x; target <= 1.5x)")
    print(f"ratio pages/s communique/bare:      {median(ours, 2) / median(bare, 2):.2f}x (target >= 0.8x)")


if __name__ == "__main__":
    main()
