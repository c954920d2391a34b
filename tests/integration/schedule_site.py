"""Local sites and registries for the scheduler tests: feeds whose every request is timed.

`RecordingSite` is a real HTTP server on a loopback address that can make a page slow or
hang, and records when each request started and ended, so a test can see from the outside
whether two crawls of one site ever overlapped.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

from pipelines.db import open_db

# The local sites answer at once: no politeness delay needed (as the demo does).
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "HTTPCACHE_ENABLED": "False", "RETRY_ENABLED": "False"}

SOURCE = """
[[source]]
id = "{id}"
name = "Local feed {id}"
publisher = "ministry"
country = "EX"
language = "en"
spider = "feed"
feed_urls = ["{base}/{id}/rss.xml"]
schedule = "{schedule}"
[source.selectors]
title = "h1"
text = "div.text"
"""


def registry(path: Path, sources: list[tuple[str, str, str]]) -> Path:
    """A registry of feed sources: (id, base URL, schedule) each."""
    text = "".join(SOURCE.format(id=i, base=base, schedule=schedule) for i, base, schedule in sources)
    path.write_text(text, encoding="utf-8")
    return path


def feed(base: str, source_id: str) -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{source_id}</title>'
            f"<item><title>Statement of {source_id}</title><link>{base}/{source_id}/news/1</link>"
            "<pubDate>Thu, 10 Oct 2024 11:00:00 +0000</pubDate></item></channel></rss>").encode()


def article(source_id: str) -> bytes:
    return (f"<html><body><h1>Statement of {source_id}</h1><div class='text'><p>"
            + "The minister spoke about the weather and the harvest at some length. " * 5
            + "</p></div></body></html>").encode()


def serve_feed(routes: dict, base: str, source_id: str) -> None:
    """Put a one-statement feed and its article for `source_id` into an http_site's routes."""
    routes[f"/{source_id}/rss.xml"] = (200, "application/rss+xml", feed(base, source_id))
    routes[f"/{source_id}/news/1"] = (200, "text/html; charset=utf-8", article(source_id))


class RecordingSite:
    """A threaded HTTP server on `host`; pages may be slow (`delays`), every request is timed."""

    def __init__(self, host: str = "127.0.0.1"):
        self.routes: dict[str, tuple[int, str, bytes]] = {
            "/robots.txt": (200, "text/plain", b"User-agent: *\nAllow: /\n")}
        self.delays: dict[str, float] = {}
        self.requests: list[tuple[str, float, float]] = []  # (path, started, ended), time.monotonic()
        self.seen: list[str] = []  # paths as their requests arrive (a hanging one too)
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                started = time.monotonic()
                site.seen.append(self.path)
                status, ctype, body = site.routes.get(self.path, (404, "text/html", b"<html>Not found</html>"))
                time.sleep(site.delays.get(self.path, 0))
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the crawl was killed while we slept
                    pass
                site.requests.append((self.path, started, time.monotonic()))

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.base_url = f"http://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_feed(self, source_id: str, delay_s: float = 0) -> None:
        serve_feed(self.routes, self.base_url, source_id)
        if delay_s:
            self.delays[f"/{source_id}/rss.xml"] = delay_s

    def spans(self) -> dict[str, tuple[float, float]]:
        """Per source id: from its first request's start to its last request's end."""
        spans: dict[str, tuple[float, float]] = {}
        for path, started, ended in self.requests:
            parts = path.split("/")
            if len(parts) > 2:
                first, last = spans.get(parts[1], (started, ended))
                spans[parts[1]] = (min(first, started), max(last, ended))
        return spans


def runs(db_path: Path) -> list[dict]:
    """Every crawl_runs row, oldest first."""
    if not Path(db_path).exists():
        return []
    with open_db(db_path) as store:
        return list(store.db.query("SELECT * FROM crawl_runs ORDER BY started_at, rowid"))


def record_run(db_path: Path, source_id: str, started_at: str, status: str = "ok") -> None:
    """A past crawl of `source_id`, as a restarted scheduler finds it in the database."""
    with open_db(db_path) as store, store.write() as db:
        db.execute(
            "INSERT INTO crawl_runs (id, source, started_at, finished_at, status) VALUES (?, ?, ?, ?, ?)",
            [f"past-{source_id}-{started_at}", source_id, started_at, started_at, status],
        )


def wait_for(condition, timeout_s: float, step_s: float = 0.1) -> bool:
    """Poll `condition` until it is true or `timeout_s` passed; whether it became true."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step_s)
    return bool(condition())
