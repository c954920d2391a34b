"""Peak memory of a crawl on hostile answers: a gzip bomb, a 50 MB page (with and without
Content-Length), a 3 MB page cut to the statement cap.

Each case is one crawl subprocess (as `communique crawl` runs it) in a fresh Python
process of its own, so RUSAGE_CHILDREN's ru_maxrss is that crawl's peak alone.

    python bench/bench_bounds.py
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ("small", "gzip_bomb", "page_50mb", "page_50mb_streamed", "page_3mb")


def one(case: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from scheduler.cli import LOCAL_SITE_SETTINGS
    from scheduler.crawl import run_crawl
    from spiders.sources import load_sources
    from tests.integration.hostile_site import MB, HostileSite, big_page, gzip_bomb
    from tests.integration.test_hostile_site import FEED_SOURCE, RSS, article, rss

    site = HostileSite()
    site.start()
    base = site.base_url
    site.page("/rss", rss([("a", f"{base}/a")]), RSS)
    if case == "small":
        site.page("/a", article("Заявление", "Обычный абзац текста заявления министерства"))
    elif case == "gzip_bomb":
        site.page("/a", gzip_bomb(), "text/html", **{"Content-Encoding": "gzip"})
    elif case == "page_50mb":
        site.routes["/a"] = (200, {}, big_page(50 * MB))
    elif case == "page_50mb_streamed":
        def streamed(handler, size=50 * MB):
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html")
            handler.send_header("Connection", "close")
            handler.end_headers()
            chunk = b"<p>" + b"word " * 200 + b"</p>\n"
            try:
                for _ in range(size // len(chunk)):
                    handler.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            handler.close_connection = True
        site.routes["/a"] = (200, {}, streamed)
    elif case == "page_3mb":
        site.routes["/a"] = (200, {}, big_page(3 * MB))
    with tempfile.TemporaryDirectory() as tmp:
        registry = Path(tmp) / "sources.toml"
        registry.write_text(FEED_SOURCE.replace("{feed}", f"{base}/rss"), encoding="utf-8")
        source = load_sources(registry)["hostile-feed"]
        result = run_crawl(source, Path(tmp) / "c.db", registry, log_dir=Path(tmp), timeout_s=300,
                           settings={**LOCAL_SITE_SETTINGS, "RETRY_ENABLED": "False"})
    site.stop()
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"case": case, "peak_rss_mb": round(peak_mb, 1), "status": result.status, "message": result.message}


def main() -> None:
    if len(sys.argv) == 2:
        print(json.dumps(one(sys.argv[1]), ensure_ascii=False))
        return
    env = dict(os.environ, COMMUNIQUE_ALLOWED_NETWORKS="127.0.0.0/8")
    for case in CASES:
        out = subprocess.run([sys.executable, __file__, case], capture_output=True, text=True, env=env, cwd=ROOT,
                             check=False)
        print(out.stdout.strip() or out.stderr.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
