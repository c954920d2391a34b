"""Crawls dispatched to a real Scrapyd node on 127.0.0.1 (scheduler/scrapyd.py), against a local site."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from pipelines.db import open_db
from scheduler.cli import LOCAL_SITE_SETTINGS
from scheduler.crawl import run_crawl, stop_live_crawls
from spiders.sources import load_sources
from tests.integration.test_crawl import FEED_SOURCE, mid_article, rss


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def scrapyd_node(tmp_path_factory):
    """A real Scrapyd on 127.0.0.1 (its own config, eggs, logs and item feeds in a temp folder)."""
    home = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\nitems_dir = {home / 'items'}\n"
        f"dbs_dir = {home / 'dbs'}\npoll_interval = 0.2\nmax_proc = 2\n",
        encoding="utf-8",
    )
    env = dict(os.environ, COMMUNIQUE_ALLOWED_NETWORKS="127.0.0.0/8", COMMUNIQUE_HTTPCACHE="0",
               COMMUNIQUE_HOME=str(home / "state"))
    with (home / "scrapyd.out").open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/daemonstatus.json", timeout=2) as answer:
                if json.loads(answer.read())["status"] == "ok":
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("scrapyd did not start: " + (home / "scrapyd.out").read_text(errors="replace")[-2000:])
            time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def feed_site(site, ids):
    site.routes["/rss.php"] = (200, "application/rss+xml", rss(site.base_url, ids))
    for i in ids:
        site.routes[f"/news/{i}/"] = (200, "text/html; charset=utf-8", mid_article(i, topic="the Council of Europe"))


def source_for(tmp_path, site, runner: str = ""):
    reg = tmp_path / "sources.toml"
    reg.write_text(FEED_SOURCE.replace("{base}", site.base_url), encoding="utf-8")
    source = load_sources(reg)["local-feed"]
    return (dataclasses.replace(source, runner=runner) if runner else source), reg


def crawl(tmp_path, source, reg, db_name, *, timeout_s=120, settings=LOCAL_SITE_SETTINGS):
    return run_crawl(source, tmp_path / db_name, reg, log_dir=tmp_path / "logs", timeout_s=timeout_s,
                     settings=settings)


def stored(db_path: Path) -> list[tuple]:
    with open_db(db_path) as store:
        rows = store.db.execute(
            "SELECT s.canonical_url, s.title, s.text, s.published_at, s.published_local, s.language, s.kind,"
            " s.fingerprint, group_concat(t.tag) FROM statements s LEFT JOIN"
            " (SELECT * FROM statement_tags ORDER BY tag) t ON t.statement_id = s.id"
            " GROUP BY s.id ORDER BY s.canonical_url").fetchall()
    return [tuple(row) for row in rows]


def runs(db_path: Path) -> list[dict]:
    with open_db(db_path) as store:
        return list(store.db.query("SELECT * FROM crawl_runs ORDER BY started_at"))


def test_scrapyd_crawl_stores_what_a_local_crawl_stores(tmp_path, http_site, scrapyd_node):
    feed_site(http_site, [1, 2, 3])
    local_source, reg = source_for(tmp_path, http_site)
    local = crawl(tmp_path, local_source, reg, "local.db")
    assert (local.status, local.new) == ("ok", 3), local

    remote_source, reg = source_for(tmp_path, http_site, runner=f"scrapyd:{scrapyd_node}")
    remote = crawl(tmp_path, remote_source, reg, "remote.db")
    assert (remote.status, remote.new, remote.known, remote.found) == ("ok", 3, 0, 3), remote
    assert stored(tmp_path / "remote.db") == stored(tmp_path / "local.db")
    assert any("coe" in (row[-1] or "") for row in stored(tmp_path / "remote.db"))  # tagged here

    (run,) = runs(tmp_path / "remote.db")
    assert (run["status"], run["new"], run["pages"]) == ("ok", 3, 4)  # the feed and three articles
    log = Path(run["log_path"]).read_text(encoding="utf-8")
    assert run["log_path"] == remote.log_path
    assert f"dispatched to scrapyd node {scrapyd_node}" in log and "Spider closed (finished)" in log

    # The next crawl: one new statement, the known ones not fetched again (their addresses went with the job).
    feed_site(http_site, [1, 2, 3, 4])
    http_site.hits.clear()
    again = crawl(tmp_path, remote_source, reg, "remote.db")
    assert (again.status, again.new, again.known) == ("ok", 1, 3), again
    assert sorted(h for h in http_site.hits if h != "/robots.txt") == ["/news/4/", "/rss.php"]

    # Unchanged since: the node asks for the feed with the validators kept here, and gets a 304.
    http_site.headers_seen.clear()
    unchanged = crawl(tmp_path, remote_source, reg, "remote.db")
    assert (unchanged.status, unchanged.new) == ("ok", 0), unchanged
    assert any("if-none-match" in h for h in http_site.headers_seen)


def test_scrapyd_job_past_its_timeout_is_cancelled_and_recorded_timeout(tmp_path, http_site, scrapyd_node,
                                                                       monkeypatch):
    # Scrapy's graceful stop waits for the delayed request; the second cancel (its forced stop)
    # then comes after 3 s instead of 15.
    monkeypatch.setattr("scheduler.scrapyd.CANCEL_GRACE_S", 3.0)
    feed_site(http_site, [1, 2])
    source, reg = source_for(tmp_path, http_site, runner=f"scrapyd:{scrapyd_node}")
    # Thirty seconds between requests: the job cannot finish within its 4-second timeout.
    result = crawl(tmp_path, source, reg, "slow.db", timeout_s=4,
                   settings={**LOCAL_SITE_SETTINGS, "DOWNLOAD_DELAY": "30"})
    assert result.status == "timeout", result
    assert result.message.startswith("cancelled on the node after 4 s")
    (run,) = runs(tmp_path / "slow.db")
    assert run["status"] == "timeout" and run["finished_at"]
    with urllib.request.urlopen(f"{scrapyd_node}/listjobs.json?project=communique", timeout=5) as answer:
        jobs = json.loads(answer.read())
    assert not jobs["running"] and not jobs["pending"]
    assert "cancelled on the node" in Path(run["log_path"]).read_text(encoding="utf-8")


def test_unreachable_node_is_failed_with_one_line(tmp_path, http_site):
    feed_site(http_site, [1])
    source, reg = source_for(tmp_path, http_site, runner=f"scrapyd:http://127.0.0.1:{free_port()}")
    result = crawl(tmp_path, source, reg, "down.db", timeout_s=30)
    assert result.status == "failed"
    assert "unreachable" in result.message and "127.0.0.1" in result.message and "\n" not in result.message
    (run,) = runs(tmp_path / "down.db")
    assert (run["status"], run["message"]) == ("failed", result.message)
    assert not [h for h in http_site.hits if h != "/robots.txt"]


def test_stopping_cancels_the_remote_job_and_records_it_interrupted(tmp_path, http_site, scrapyd_node,
                                                                    monkeypatch):
    monkeypatch.setattr("scheduler.scrapyd.STOP_GRACE_S", 2.0)
    feed_site(http_site, [1, 2])
    source, reg = source_for(tmp_path, http_site, runner=f"scrapyd:{scrapyd_node}")
    results = []
    worker = threading.Thread(target=lambda: results.append(crawl(
        tmp_path, source, reg, "stop.db", timeout_s=120, settings={**LOCAL_SITE_SETTINGS, "DOWNLOAD_DELAY": "30"})))
    worker.start()
    deadline = time.monotonic() + 30
    while "/robots.txt" not in http_site.hits and time.monotonic() < deadline:  # the job is crawling
        time.sleep(0.1)
    stop_live_crawls(grace_s=1)
    worker.join(timeout=60)
    assert not worker.is_alive()
    (result,) = results
    assert result.status == "interrupted", result
    (run,) = runs(tmp_path / "stop.db")
    assert run["status"] == "interrupted" and run["finished_at"]
