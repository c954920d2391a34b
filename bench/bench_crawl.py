"""Crawl speed: communique's whole pipeline against a bare Scrapy spider, on the same local site.

Starts ../shared/bench/site.py on 127.0.0.1, crawls N statements through the listing
spider with every pipeline stage (normalize, dedup, tag, store into a real SQLite file),
then downloads the same pages with a spider that does nothing, and prints both rates
and their ratio. Politeness delays are off for both: this measures our work per page,
not the delay we owe real sites. Machines here are shared: read the ratio, not the
absolute numbers.

    python bench/bench_crawl.py [--n 500]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduler.crawl import run_crawl, run_scrapy
from spiders.sources import load_sources

SITE = ROOT.parent / "shared" / "bench" / "site.py"
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "HTTPCACHE_ENABLED": "False",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "8", "LOG_LEVEL": "WARNING",
        # The bench site is on 127.0.0.1, which the private-address guard refuses by default.
        "COMMUNIQUE_ALLOWED_NETWORKS": "127.0.0.0/8"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500, help="statements on the bench site (25 per listing page)")
    args = ap.parse_args()
    if not SITE.exists():
        sys.exit(f"bench site not found at {SITE}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, str(SITE), "--n", str(args.n), "--port", str(port)],
                              stdout=subprocess.PIPE, text=True)
    try:
        server.stdout.readline()  # "serving N statements on URL"
        pages = (args.n + 24) // 25
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            registry = tmp / "sources.toml"
            registry.write_text(f"""
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
""")
            source = load_sources(registry)["bench"]
            t0 = time.perf_counter()
            result = run_crawl(source, tmp / "bench.db", registry, log_dir=tmp, settings=FAST, timeout_s=1800)
            full = time.perf_counter() - t0
            cmd = [sys.executable, "-m", "scrapy", "runspider", str(ROOT / "bench" / "bare_spider.py"),
                   "-a", f"base={base}", "-a", f"max_pages={pages}", "-s", "ROBOTSTXT_OBEY=True",
                   "-s", "ITEM_PIPELINES={}", "-s", f"LOG_FILE={tmp / 'bare.log'}"]
            for k, v in FAST.items():
                cmd += ["-s", f"{k}={v}"]
            t0 = time.perf_counter()
            run_scrapy(cmd, 1800)
            bare = time.perf_counter() - t0
        print(f"statements: {result.new} new ({result.status}), pages fetched: {result.pages}")
        print(f"communique full pipeline: {full:6.1f} s  {result.pages / full:7.1f} pages/s")
        print(f"bare Scrapy download:     {bare:6.1f} s  {result.pages / bare:7.1f} pages/s")
        print(f"ratio full/bare time:     {full / bare:6.2f}x")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
