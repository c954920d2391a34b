"""Re-crawl cost: a first crawl of a local site, then a crawl of the same, unchanged site.

Starts ../shared/bench/site.py on 127.0.0.1 (it sends ETag, Last-Modified and, by default,
`Cache-Control: no-cache`, as dynamic news sites do), crawls its listing into a real SQLite
file, crawls again with nothing changed, then publishes more statements and crawls a third
time. Prints each crawl's state, requests, 304 answers, new statements and time: the
unchanged crawl should cost one conditional request answered 304 and no parsing; the third
must find the new statements. Machines here are shared: read the request counts, not the
absolute times.

    python bench/bench_recrawl.py [--n 500] [--cache-control ""]
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_crawl import free_port, registry_text  # the same bench source, defined once

from scheduler.crawl import run_crawl
from spiders.sources import load_sources

SITE = ROOT.parent / "shared" / "bench" / "site.py"
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
        "COMMUNIQUE_ALLOWED_NETWORKS": "127.0.0.0/8"}  # the bench site is on loopback


def serve(n: int, port: int, cache_control: str) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, str(SITE), "--n", str(n), "--port", str(port),
                               "--cache-control", cache_control], stdout=subprocess.PIPE, text=True)
    server.stdout.readline()  # "serving N statements on URL"
    return server


def log_stats(log_path: str) -> dict:
    text = Path(log_path).read_text(encoding="utf-8", errors="replace")
    dump = re.search(r"Dumping Scrapy stats:\n(\{.*?\})\n", text, re.DOTALL)
    if not dump:
        return {}
    cleaned = re.sub(r"datetime\.datetime\([^)]*\)", "None", dump.group(1))
    return ast.literal_eval(cleaned)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500, help="statements on the bench site (25 per listing page)")
    ap.add_argument("--cache-control", default="no-cache", help="the site's Cache-Control ('' for none)")
    args = ap.parse_args()
    if not SITE.exists():
        sys.exit(f"bench site not found at {SITE}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    pages = (args.n + 50 + 24) // 25
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        registry = tmp / "sources.toml"
        registry.write_text(registry_text(base, pages))
        source = load_sources(registry)["bench"]
        rounds = [("first crawl", args.n), ("unchanged", args.n), ("+50 published", args.n + 50)]
        server = None
        try:
            for label, n in rounds:
                if server is None or n != rounds[0][1]:
                    if server is not None:
                        server.terminate()
                        server.wait()
                    server = serve(n, port, args.cache_control)
                t0 = time.perf_counter()
                r = run_crawl(source, tmp / "bench.db", registry, log_dir=tmp, settings=FAST, timeout_s=1800)
                took = time.perf_counter() - t0
                stats = log_stats(r.log_path)
                print(f"{label:<14} {r.status:<8} requests {stats.get('downloader/request_count', 0):>4}  "
                      f"304 {stats.get('downloader/response_status_count/304', 0):>2}  new {r.new:>4}  "
                      f"{took:6.1f} s  {r.message}")
        finally:
            if server is not None:
                server.terminate()
                server.wait()


if __name__ == "__main__":
    main()
