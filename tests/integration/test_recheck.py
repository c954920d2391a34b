"""Re-checking recent statements for edits, through real crawls of a local site.

A ministry's feed links to its statement; the statement is crawled, then edited on the site
without a change in the feed (the feed crawl stops at the known article). The re-check finds
the edit: a revision of the same statement and one `updated` alert for a subscription with
--updates (one mail, through a real SMTP server). The page unchanged since, the next re-check is a conditional request answered 304,
and nothing changes.
"""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from click.testing import CliRunner

from pipelines.db import open_db
from pipelines.outbox import add_subscription
from pipelines.subscriptions import Subscription
from scheduler.alerts.mailer import SmtpSettings
from scheduler.alerts.sender import send_pending
from scheduler.cli import LOCAL_SITE_SETTINGS, cli
from scheduler.crawl import run_crawl
from scheduler.rechecking import run_recheck
from scheduler.schedule import CrawlRunner
from spiders.sources import load_sources

REGISTRY = """
[[source]]
id = "local-mfa"
name = "Local MFA"
publisher = "ministry"
country = "UA"
language = "en"
spider = "feed"
feed_urls = ["{base}/rss.xml"]
"""

WHEN = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
TITLE = "Statement on the Register of Damage"
TEXT = ("The Ministry of Foreign Affairs of Ukraine welcomes the decision of the Committee of Ministers of the "
        "Council of Europe to establish the Register of Damage caused by the aggression of the Russian Federation "
        "against Ukraine.\n\nWe call on all member states of the Council of Europe to join the Register without "
        "delay and to support the work of its Conference of Participants.")
EDITED = TEXT + ("\n\nUkraine is grateful to Canada and Japan, observer states of the Council of Europe, for "
                 "joining the Register of Damage as associate members.")


def serve(site, text: str) -> None:
    base = site.base_url
    site.routes["/rss.xml"] = (200, "application/rss+xml", (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>{escape(TITLE)}</title><link>{base}/news/register-of-damage</link>"
        f"<pubDate>{format_datetime(WHEN)}</pubDate></item></channel></rss>").encode())
    body = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))
    site.routes["/news/register-of-damage"] = (200, "text/html; charset=utf-8", (
        f'<html lang="en"><head><title>{escape(TITLE)}</title></head><body><h1>{escape(TITLE)}</h1>'
        f'<time datetime="{WHEN.isoformat()}">{WHEN:%d.%m.%Y}</time><article>{body}</article></body></html>'
    ).encode())


def setup(tmp_path, site):
    reg = tmp_path / "sources.toml"
    reg.write_text(REGISTRY.replace("{base}", site.base_url), encoding="utf-8")
    source = load_sources(reg)["local-mfa"]
    db = tmp_path / "c.db"
    with open_db(db) as store:
        since = (WHEN - timedelta(days=1)).isoformat(timespec="seconds")
        add_subscription(store, Subscription("editor@example.org", updates=True, since=since),
                         datetime.now(UTC).isoformat(timespec="seconds"))
    serve(site, TEXT)
    result = run_crawl(source, db, reg, log_dir=tmp_path / "logs", timeout_s=120, settings=LOCAL_SITE_SETTINGS)
    assert result.status == "ok" and result.new == 1, result
    return source, db, reg


def first_seen_ago(db, hours: float) -> None:
    """As if the statement had been first seen `hours` ago (the crawl subprocess keeps real time)."""
    with open_db(db) as store, store.write() as w:
        w.execute("UPDATE statements SET first_seen_at = ?",
                  [(datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="seconds")])


def state(db) -> dict:
    with open_db(db, create=False) as store:
        q = store.db.execute
        return {
            "statements": q("SELECT id, text FROM statements").fetchall(),
            "revisions": q("SELECT statement_id, number, substantive FROM revisions ORDER BY number").fetchall(),
            "alerts": q("SELECT statement_id, kind FROM alerts ORDER BY id").fetchall(),
            "recheck": q("SELECT checks, last_status, etag IS NOT NULL FROM rechecks").fetchall(),
            "runs": q("SELECT kind, status FROM crawl_runs ORDER BY started_at, rowid").fetchall(),
        }


def send(db, server) -> list[str]:
    """Deliver the due alerts to the real SMTP server; the subjects it has accepted so far."""
    with open_db(db) as store:
        send_pending(store, SmtpSettings(host=server.host, port=server.port, sender="a@communique.example", timeout=5))
    return [m["Subject"].strip() for m in server.messages]


def test_an_edit_found_by_the_recheck_is_a_revision_and_one_updated_alert(tmp_path, http_site, smtp_server):
    source, db, reg = setup(tmp_path, http_site)
    before = state(db)
    (sid, _), = before["statements"]
    assert before["alerts"] == [(sid, "new")]
    assert len(send(db, smtp_server)) == 1  # the new statement's mail
    # nothing is due yet: no subprocess, nothing fetched
    hits = len(http_site.hits)
    assert run_recheck(source, db, reg, settings=LOCAL_SITE_SETTINGS).crawl is None
    assert len(http_site.hits) == hits

    # the crawl kept the article page's ETag: the first re-check is already conditional
    assert before["recheck"] == [(0, None, 1)]
    serve(http_site, EDITED)
    first_seen_ago(db, 2)  # the 1 h check is due
    done = run_recheck(source, db, reg, log_dir=tmp_path / "logs", timeout_s=120, settings=LOCAL_SITE_SETTINGS)
    assert "if-none-match" in http_site.headers_seen[-1]  # answered 200: the page changed
    assert done.crawl.status == "ok", done.line()
    assert (done.due, done.revisions, done.unchanged) == (1, 1, 0)
    after = state(db)
    assert after["statements"] == [(sid, EDITED)]  # same id, the edited text
    assert after["revisions"] == [(sid, 1, None), (sid, 2, 1)]
    assert after["alerts"] == [(sid, "new"), (sid, "updated")]
    subjects = send(db, smtp_server)
    assert len(subjects) == 2 and subjects[1].startswith("[updated] ") and TITLE in subjects[1]
    assert after["recheck"] == [(1, 200, 1)]
    assert after["runs"] == [("crawl", "ok"), ("recheck", "ok")]
    assert http_site.hits.count("/rss.xml") == 1  # the recheck read no feed

    # 6 h after first seen, unchanged since: one conditional request, answered 304, nothing changes
    first_seen_ago(db, 7)
    done = run_recheck(source, db, reg, log_dir=tmp_path / "logs", timeout_s=120, settings=LOCAL_SITE_SETTINGS)
    assert done.crawl.status == "ok", done.line()
    assert (done.due, done.revisions, done.unchanged) == (1, 0, 1)
    assert "if-none-match" in http_site.headers_seen[-1]
    later = state(db)
    assert later["recheck"] == [(2, 304, 1)]
    assert {k: later[k] for k in ("statements", "revisions", "alerts")} == {
        k: after[k] for k in ("statements", "revisions", "alerts")}
    assert len(send(db, smtp_server)) == 2  # no second mail for the unchanged page
    # nothing more due until 1 d after first seen
    assert run_recheck(source, db, reg, settings=LOCAL_SITE_SETTINGS).crawl is None


def test_the_scheduler_rechecks_after_a_crawl_and_the_command_reports(tmp_path, http_site, monkeypatch):
    source, db, reg = setup(tmp_path, http_site)
    (sid, _), = state(db)["statements"]
    serve(http_site, EDITED)
    first_seen_ago(db, 2)
    runner = CrawlRunner([source], db, reg, settings=LOCAL_SITE_SETTINGS, timeout_s=120, log_dir=tmp_path / "logs",
                         hook=None)
    result = runner.run(source.id)
    assert result.status == "ok"  # the feed crawl itself stops at the known article
    after = state(db)
    assert after["revisions"] == [(sid, 1, None), (sid, 2, 1)]
    assert after["runs"] == [("crawl", "ok"), ("crawl", "ok"), ("recheck", "ok")]

    # the command: nothing due now, said per source, exit 0
    out = CliRunner().invoke(cli, ["recheck", "--db", str(db), "--sources", str(reg)])
    assert out.exit_code == 0, out.output
    assert out.output.split() == ["local-mfa", "nothing", "due"]
    out = CliRunner().invoke(cli, ["recheck", "nowhere", "--db", str(db), "--sources", str(reg)])
    assert out.exit_code != 0 and "unknown source 'nowhere'" in out.output
