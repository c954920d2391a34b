"""Stopping `communique crawl`: Ctrl-C and SIGTERM stop its crawls, no orphan survives, and
each run row says `interrupted` with the counts the database holds for it.

No wall-clock assertions: the stop's own grace is 5 s, but on a loaded machine process
start-up and teardown take what they take; the timeouts below only guard against a hang.
"""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pipelines.db import StorageError, open_db
from scheduler.crawl import run_crawl, stop_live_crawls
from spiders.sources import load_sources
from tests.builders import popen_with_ctrl_c
from tests.registries import feed_source

FEED_SOURCE = feed_source("slow-feed")

HANG_GUARD_S = 120


def feed(base, n):
    items = "".join(f"<item><title>Statement {i}</title><link>{base}/news/{i}/</link>"
                    f"<pubDate>Thu, 10 Oct 2024 11:0{i} +0300</pubDate></item>" for i in range(1, n + 1))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def article(path):
    words = f"The ministry said in statement {path} that the talks continue and the partners agree. " * 6
    return (f"<html lang='en'><head><meta property='og:title' content='Statement at {path}'></head><body>"
            f"<h1>Statement at {path}</h1><article><p>{words}</p></article></body></html>").encode()


@pytest.fixture
def slow_site(http_site):
    """A site whose feed lists 5 articles; the first `fast` article requests are answered,
    the next ones hang until the test ends (a download Scrapy cannot finish when stopped)."""
    base = http_site.base_url
    http_site.routes["/rss.xml"] = (200, "application/rss+xml", feed(base, 5))
    for i in range(1, 6):
        http_site.routes[f"/news/{i}/"] = (200, "text/html; charset=utf-8", article(f"/news/{i}/"))
    original = http_site.RequestHandlerClass.do_GET
    state = {"fast": 0, "served": 0}
    hanging = threading.Event()
    release = threading.Event()

    def do_get(handler):
        if handler.path.startswith("/news/"):
            if state["served"] >= state["fast"]:
                hanging.set()
                release.wait(HANG_GUARD_S)
                return
            state["served"] += 1
        original(handler)

    http_site.RequestHandlerClass.do_GET = do_get
    http_site.state, http_site.hanging, http_site.release = state, hanging, release
    yield http_site
    release.set()


def start_cli(tmp_path, site):
    reg = tmp_path / "sources.toml"
    reg.write_text(FEED_SOURCE.replace("{base}", site.base_url), encoding="utf-8")
    exe = Path(sys.executable).parent / "communique"
    return popen_with_ctrl_c([str(exe), "crawl", "--sources", str(reg), "--db", str(tmp_path / "c.db")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def process_exists(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def only_run(tmp_path):
    with open_db(tmp_path / "c.db", readonly=True) as store:
        rows = list(store.db.query("SELECT * FROM crawl_runs"))
    assert len(rows) == 1, rows
    return rows[0]


def wait_for_statements(tmp_path, n):
    """Until the crawl has stored n statements (read-only polling of its database)."""
    import time

    for _ in range(HANG_GUARD_S * 10):
        if (tmp_path / "c.db").exists():
            try:
                with open_db(tmp_path / "c.db", readonly=True) as store:
                    if store.stats()["statements"] >= n:
                        return
            except StorageError:  # the file is being created: not a communique database yet
                time.sleep(0.1)
        time.sleep(0.1)
    raise AssertionError(f"the crawl never stored {n} statements")


def run_counts(tmp_path, run_id):
    with open_db(tmp_path / "c.db", readonly=True) as store:
        return store.run_counts(run_id)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_to_crawl_stops_it_with_no_orphan(tmp_path, slow_site, sig):
    slow_site.state["fast"] = 3
    cli = start_cli(tmp_path, slow_site)
    try:
        assert slow_site.hanging.wait(HANG_GUARD_S), "the crawl never reached the hanging article"
        cli.send_signal(sig)
        out, err = cli.communicate(timeout=HANG_GUARD_S)
    finally:
        if cli.poll() is None:
            cli.kill()
    assert cli.returncode == 130, (out, err)
    assert "interrupted" in err and "Traceback" not in err
    run = only_run(tmp_path)
    # The Scrapy process that ran it is gone, and so is its whole process group.
    assert run["pid"] and not process_exists(run["pid"]) and not group_exists(run["pid"])
    assert run["status"] == "interrupted"
    # Its counts are what the database holds for it (statements still waiting in the
    # writer's batch were not stored: they are read again next time).
    assert run["new"] == run_counts(tmp_path, run["id"])[0]
    assert "slow-feed" in out and "interrupted" in out


ONE_BY_ONE = {"COMMUNIQUE_STORE_BATCH": "1", "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False"}


def crawl_in_thread(tmp_path, site):
    reg = tmp_path / "sources.toml"
    reg.write_text(FEED_SOURCE.replace("{base}", site.base_url), encoding="utf-8")
    source = load_sources(reg)["slow-feed"]
    result = {}

    def crawl():
        result["r"] = run_crawl(source, tmp_path / "c.db", reg, log_dir=tmp_path / "logs", timeout_s=HANG_GUARD_S,
                                settings=ONE_BY_ONE)

    worker = threading.Thread(target=crawl)
    worker.start()
    return worker, result


def test_interrupted_run_counts_what_the_database_holds(tmp_path, slow_site):
    slow_site.state["fast"] = 3
    worker, result = crawl_in_thread(tmp_path, slow_site)
    assert slow_site.hanging.wait(HANG_GUARD_S)
    wait_for_statements(tmp_path, 3)
    stop_live_crawls()  # what Ctrl-C / SIGTERM to `communique crawl` does
    worker.join(HANG_GUARD_S)
    r = result["r"]
    assert (r.status, r.new) == ("interrupted", 3), r
    run = only_run(tmp_path)
    assert (run["status"], run["new"]) == ("interrupted", 3)
    assert not process_exists(run["pid"])


def test_crawl_process_that_dies_is_crashed(tmp_path, slow_site):
    slow_site.state["fast"] = 1
    worker, result = crawl_in_thread(tmp_path, slow_site)
    assert slow_site.hanging.wait(HANG_GUARD_S)
    wait_for_statements(tmp_path, 1)
    os.kill(only_run(tmp_path)["pid"], signal.SIGKILL)  # the crawl process dies
    worker.join(HANG_GUARD_S)
    r = result["r"]
    assert (r.status, r.new) == ("crashed", 1), r
    assert "killed by signal 9" in r.message
    assert only_run(tmp_path)["status"] == "crashed"


def test_crawl_killed_at_its_timeout_is_timeout(tmp_path, slow_site):
    reg = tmp_path / "sources.toml"
    reg.write_text(FEED_SOURCE.replace("{base}", slow_site.base_url), encoding="utf-8")
    source = load_sources(reg)["slow-feed"]
    slow_site.state["fast"] = 0
    r = run_crawl(source, tmp_path / "c.db", reg, log_dir=tmp_path / "logs", timeout_s=8,
                  settings={"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False"})
    assert r.status == "timeout", r
    assert r.message == "killed after 8 s"
    run = only_run(tmp_path)
    assert run["status"] == "timeout" and not process_exists(run["pid"])


def test_next_crawl_closes_a_dead_crawls_running_row(tmp_path, http_site):
    from scheduler.crawl import run_crawls

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    reg = tmp_path / "sources.toml"
    reg.write_text(FEED_SOURCE.replace("{base}", http_site.base_url), encoding="utf-8")
    with open_db(tmp_path / "c.db") as store:
        store.start_run("left-running", "slow-feed", pid=dead.pid)
    http_site.routes["/rss.xml"] = (200, "application/rss+xml", feed(http_site.base_url, 0))
    run_crawls(list(load_sources(reg).values()), tmp_path / "c.db", reg, log_dir=tmp_path / "logs",
               settings={"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False"})
    with open_db(tmp_path / "c.db", readonly=True) as store:
        row = store.get_run("left-running")
    assert row["status"] == "crashed" and row["finished_at"]
