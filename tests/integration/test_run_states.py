"""Whole crawls end in the honest state: 401 is blocked, a run with most articles blocked is
degraded, a crawl that cannot get the write lock says so and still leaves a run row."""

import sqlite3
import threading
import time

from pipelines.db import open_db
from scheduler.crawl import run_crawl
from spiders.sources import load_sources
from tests.registries import feed_source

FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False"}

FEED_SOURCE = feed_source("state-feed")

CHALLENGE = (b"<html><head><title>Just a moment...</title></head><body>"
             b"<div id='challenge-running'>Checking your browser</div>"
             b"<script src='/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1'></script></body></html>")


def feed(base, ids):
    items = "".join(f"<item><title>Statement {i}</title><link>{base}/news/{i}/</link></item>" for i in ids)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def article(i):
    text = f"The ministry's statement number {i} on the talks, with enough words to be a statement. " * 5
    return (f"<html lang='en'><head><meta property='og:title' content='Statement {i}'></head><body>"
            f"<h1>Statement {i}</h1><article><p>{text}</p></article></body></html>").encode()


def crawl(tmp_path, site):
    reg = tmp_path / "sources.toml"
    reg.write_text(FEED_SOURCE.replace("{base}", site.base_url), encoding="utf-8")
    return run_crawl(load_sources(reg)["state-feed"], tmp_path / "c.db", reg, log_dir=tmp_path / "logs",
                     timeout_s=120, settings=FAST)


def test_401_is_blocked_not_failed(tmp_path, http_site):
    http_site.routes["/rss.xml"] = (401, "text/html", b"<html><body>Authorization required</body></html>")
    result = crawl(tmp_path, http_site)
    assert result.status == "blocked", result
    assert result.message.startswith("HTTP 401") and result.message.endswith(f"at {http_site.base_url}/rss.xml")


def test_one_article_read_and_four_blocked_is_degraded(tmp_path, http_site):
    base = http_site.base_url
    http_site.routes["/rss.xml"] = (200, "application/rss+xml", feed(base, [1, 2, 3, 4, 5]))
    http_site.routes["/news/1/"] = (200, "text/html; charset=utf-8", article(1))
    for i in (2, 3, 4, 5):
        http_site.routes[f"/news/{i}/"] = (403, "text/html", CHALLENGE)
    result = crawl(tmp_path, http_site)
    assert (result.status, result.new) == ("degraded", 1), result
    assert result.message.startswith("4 of 5 pages blocked or unparsable; last: ")


def test_crawl_that_cannot_get_the_write_lock_says_so_and_leaves_a_row(tmp_path, http_site, monkeypatch):
    monkeypatch.setenv("COMMUNIQUE_DB_BUSY_TIMEOUT", "2")
    http_site.routes["/rss.xml"] = (200, "application/rss+xml", feed(http_site.base_url, []))
    db_path = tmp_path / "c.db"
    open_db(db_path).close()
    holder = sqlite3.connect(db_path, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    logs = tmp_path / "logs"

    def release_once_the_crawl_gave_up():
        for _ in range(1200):
            if any("locked by another process" in p.read_text(errors="replace") for p in logs.glob("*.log")):
                break
            time.sleep(0.1)
        holder.rollback()

    releaser = threading.Thread(target=release_once_the_crawl_gave_up)
    releaser.start()
    try:
        result = crawl(tmp_path, http_site)
    finally:
        releaser.join()
        holder.close()
    assert result.status == "failed", result
    assert result.message == f"database {db_path.resolve()} locked by another process for 2 s"
    with open_db(db_path, readonly=True) as store:
        rows = list(store.db.query("SELECT status, message FROM crawl_runs"))
    assert rows == [{"status": "failed", "message": result.message}]
