"""Health email end to end: crawl runs in SQLite, the scheduler's after-crawl hook, a real SMTP server.

The admin gets one mail when a source reaches N failing crawls in a row and one when it
recovers, nothing in between; a mail server that is down delays the mail to the next crawl,
never loses or doubles it.
"""

from __future__ import annotations

import logging
import socket
import uuid

import pytest

from pipelines import health_notices
from pipelines.db import open_db
from scheduler.crawl import CrawlResult
from scheduler.schedule import CrawlRunner, after_crawl
from spiders.sources import load_sources

from .schedule_site import FAST, registry, serve_feed

ADMIN = "admin@example.org"


@pytest.fixture
def mail_env(monkeypatch, smtp_server, tmp_path):
    monkeypatch.setenv("COMMUNIQUE_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("COMMUNIQUE_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("COMMUNIQUE_ADMIN_EMAIL", ADMIN)
    monkeypatch.setenv("COMMUNIQUE_HOME", str(tmp_path))
    return smtp_server


def crawled(db_path, source: str, status: str, message: str = "") -> CrawlResult:
    """One finished crawl run written through the storage API, then the scheduler's hook, as after a real crawl."""
    run_id = uuid.uuid4().hex
    with open_db(db_path) as store:
        store.start_run(run_id, source)
        store.finish_run(run_id, status, message)
    result = CrawlResult(source, status, message=message)
    after_crawl(result, db_path)
    return result


def subjects(sink) -> list[str]:
    return [m["Subject"] for m in sink.messages]


def test_one_mail_after_three_failures_and_one_on_recovery(tmp_path, mail_env):
    db = tmp_path / "c.db"
    sent_after = []
    for status in ["ok", "failed", "blocked", "timeout", "failed", "crashed", "ok", "ok", "failed"]:
        crawled(db, "mid-ru-en", status, "" if status == "ok" else f"HTTP 403 ({status})")
        sent_after.append(len(mail_env.messages))

    assert sent_after == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    failing, recovered = mail_env.messages
    assert failing["To"] == ADMIN and failing["Auto-Submitted"] == "auto-generated"
    assert "mid-ru-en" in failing["Subject"] and "failed 3 crawls in a row" in failing["Subject"]
    assert "HTTP 403 (timeout)" in failing.get_content()
    assert "recovered" in recovered["Subject"] and "after 5 failing crawls" in recovered.get_content()
    with open_db(db) as store:
        assert [n["kind"] for n in health_notices.sent(store, "mid-ru-en")] == ["failing", "recovered"]
        assert health_notices.pending(store) == []


def test_interrupted_runs_neither_count_nor_reset_and_threshold_is_a_setting(tmp_path, mail_env, monkeypatch):
    monkeypatch.setenv("COMMUNIQUE_HEALTH_FAILURES", "2")
    db = tmp_path / "c.db"
    crawled(db, "a", "failed")
    crawled(db, "a", "interrupted")  # the scheduler's own shutdown says nothing about the site
    assert mail_env.messages == []
    crawled(db, "a", "parse-failed")
    assert subjects(mail_env) == ["[communique] health: a failed 2 crawls in a row"]


def test_the_hook_called_twice_for_one_run_sends_once(tmp_path, mail_env):
    db = tmp_path / "c.db"
    for _ in range(3):
        result = crawled(db, "a", "failed")
    after_crawl(result, db)  # e.g. --once re-run of the hook, or a second scheduler thread
    assert len(mail_env.messages) == 1


def test_no_admin_address_no_mail(tmp_path, mail_env, monkeypatch):
    monkeypatch.delenv("COMMUNIQUE_ADMIN_EMAIL")
    db = tmp_path / "c.db"
    for _ in range(4):
        crawled(db, "a", "failed")
    assert mail_env.messages == []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_mail_server_down_logs_one_line_and_sends_after_the_next_crawl_once(tmp_path, mail_env, monkeypatch,
                                                                              caplog):
    db = tmp_path / "c.db"
    monkeypatch.setenv("COMMUNIQUE_SMTP_PORT", str(free_port()))  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="communique.schedule"):
        for _ in range(3):
            crawled(db, "a", "failed")
    warnings = [r.getMessage() for r in caplog.records if r.name == "communique.schedule"]
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert "health mail after a" in warnings[0] and "unreachable" in warnings[0] and "1 waiting" in warnings[0]
    with open_db(db) as store:
        (waiting,) = health_notices.pending(store)
        assert waiting["kind"] == "failing" and waiting["attempts"] == 1 and "unreachable" in waiting["last_error"]

    monkeypatch.setenv("COMMUNIQUE_SMTP_PORT", str(mail_env.port))  # the server is back
    crawled(db, "a", "failed")  # a 4th failure: the waiting mail goes out, no new one is due
    assert len(mail_env.messages) == 1 and "failed 3 crawls" in mail_env.messages[0]["Subject"]
    crawled(db, "a", "failed")
    crawled(db, "a", "ok")
    assert len(mail_env.messages) == 2 and "recovered" in mail_env.messages[1]["Subject"]


def test_real_failing_crawls_against_a_local_site(tmp_path, mail_env, http_site):
    """Three real crawls of a feed that answers 500, then one that works: two mails through the real runner."""
    reg = registry(tmp_path / "sources.toml", [("local", http_site.base_url, "1h")])
    http_site.routes["/local/rss.xml"] = (500, "text/html", b"<html>down</html>")
    db = tmp_path / "c.db"
    sources = list(load_sources(reg).values())
    runner = CrawlRunner(sources, db, reg, settings=FAST, timeout_s=120, log_dir=tmp_path / "logs")
    statuses = [runner.run("local").status for _ in range(3)]
    assert all(s != "ok" for s in statuses), statuses
    assert len(mail_env.messages) == 1 and "local" in mail_env.messages[0]["Subject"]
    serve_feed(http_site.routes, http_site.base_url, "local")
    assert runner.run("local").status == "ok"
    assert len(mail_env.messages) == 2 and "recovered" in mail_env.messages[1]["Subject"]
