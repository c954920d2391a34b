"""Alert email end to end: subscribe, store statements, send through a real SMTP server (aiosmtpd).

One mail per new matching story and none on a re-crawl; nothing lost while the server is
down; delivered exactly once when it is back; a refused recipient fails visibly while the
others are delivered; a crash between send and mark re-sends at most once, same Message-ID.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from click.testing import CliRunner

from pipelines import outbox
from pipelines.db import open_db, utcnow
from pipelines.subscriptions import Subscription, SubscriptionError, check
from pipelines.tagging import tag
from scheduler.alerts.mailer import SmtpSettings
from scheduler.alerts.sender import send_pending
from scheduler.cli import cli
from spiders.items import Statement
from spiders.sources import Source
from tests.builders import opened_store
from tests.builders import statement as build

SOURCE = Source(id="coe-newsroom-en", name="Council of Europe newsroom", publisher="intergovernmental",
                country="", language="en", spider="feed", feed_urls=("https://www.coe.int/rss",))
COE_TEXT = ("The Committee of Ministers of the Council of Europe today adopted a decision on the "
            "Register of Damage for Ukraine. ") * 3
OTHER_TEXT = "The European Council met in Brussels to discuss the budget of the European Union. " * 3


def statement(url: str, title: str, text: str) -> Statement:
    return build(url, text, title=title, source=SOURCE.id, kind="press_release",
                 published_at=datetime.now(UTC) - timedelta(hours=1), tags=tag(text, "en", title=title))


@pytest.fixture
def store(tmp_path):
    with opened_store(tmp_path / "alerts.db", SOURCE) as s:
        yield s


def subscribe(store, address="analyst@example.org", **kw) -> int:
    sub_id, _ = outbox.add_subscription(store, check(Subscription(recipient=address, **kw)), utcnow())
    return sub_id


def smtp(server) -> SmtpSettings:
    return SmtpSettings(host=server.host, port=server.port, sender="alerts@communique.example", timeout=5)


def later(minutes: int = 10) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


def test_one_mail_per_new_matching_story_and_none_on_a_recrawl(store, smtp_server):
    subscribe(store, tags=["coe"])
    store.save(statement("https://www.coe.int/en/-/decision", "Decision on the Register of Damage", COE_TEXT), "r1")
    store.save(statement("https://www.coe.int/en/-/budget", "European Council budget", OTHER_TEXT), "r1")
    report = send_pending(store, smtp(smtp_server))
    assert (report.sent, report.alerts) == (1, 1)
    assert [m["Subject"].strip() for m in smtp_server.messages] == [  # unfolded, as mail clients show it
        "[communique] Council of Europe newsroom: Decision on the Register of Damage"]
    # the same statement again (a re-crawl) and its republication elsewhere: nothing more
    store.save(statement("https://www.coe.int/en/-/decision", "Decision on the Register of Damage", COE_TEXT), "r2")
    store.save(statement("https://news.example.com/copy", "Decision on the Register of Damage", COE_TEXT), "r2")
    assert send_pending(store, smtp(smtp_server)).sent == 0
    assert len(smtp_server.messages) == 1


def test_statements_stored_before_subscribing_do_not_flood(store, smtp_server):
    store.save(statement("https://www.coe.int/en/-/old", "Old decision", COE_TEXT), "r1")
    subscribe(store, tags=["coe"])
    assert send_pending(store, smtp(smtp_server)).sent == 0
    assert smtp_server.messages == []


def test_since_alerts_on_stored_statements(store, smtp_server):
    store.save(statement("https://www.coe.int/en/-/old", "Old decision", COE_TEXT), "r1")
    subscribe(store, tags=["coe"], since=(datetime.now(UTC) - timedelta(days=2)).date().isoformat())
    assert send_pending(store, smtp(smtp_server)).sent == 1


def test_server_down_keeps_alerts_and_delivers_once_when_back(store, smtp_server):
    subscribe(store, tags=["coe"])
    store.save(statement("https://www.coe.int/en/-/decision", "Decision", COE_TEXT), "r1")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = SmtpSettings(host="127.0.0.1", port=s.getsockname()[1], timeout=2)
    down = send_pending(store, dead)
    assert (down.sent, down.retrying) == (0, 1)
    assert "unreachable: connection refused" in down.error
    assert outbox.alert_counts(store) == {"pending": 1}
    assert send_pending(store, smtp(smtp_server)).sent == 0  # backoff: not yet due again
    back = send_pending(store, smtp(smtp_server), now=later())
    assert back.sent == 1
    assert send_pending(store, smtp(smtp_server), now=later(60)).sent == 0
    assert len(smtp_server.messages) == 1
    assert outbox.alert_counts(store) == {"sent": 1}


def test_a_refused_recipient_fails_visibly_and_the_others_are_delivered(store, smtp_server):
    subscribe(store, "bad@example.org", tags=["coe"])
    subscribe(store, "good@example.org", tags=["coe"])
    smtp_server.refuse["bad@example.org"] = (550, "5.1.1 no such user")
    store.save(statement("https://www.coe.int/en/-/decision", "Decision", COE_TEXT), "r1")
    report = send_pending(store, smtp(smtp_server))
    assert (report.sent, report.failed) == (1, 1)
    assert [m["To"] for m in smtp_server.messages] == ["good@example.org"]
    failed = outbox.failed_alerts(store)
    assert [(f["recipient"], f["attempts"]) for f in failed] == [("bad@example.org", 1)]
    assert "550" in failed[0]["last_error"]
    result = CliRunner().invoke(cli, ["alerts", "status", "--db", str(store.path)])
    assert "failed 1" in result.output and "bad@example.org" in result.output


def test_a_temporary_refusal_is_retried_then_failed(store, smtp_server):
    subscribe(store, "later@example.org", tags=["coe"])
    smtp_server.refuse["later@example.org"] = (451, "4.3.0 try later")
    store.save(statement("https://www.coe.int/en/-/decision", "Decision", COE_TEXT), "r1")
    moment = datetime.now(UTC)
    for _ in range(outbox.MAX_ATTEMPTS):
        moment += timedelta(hours=7)  # past any backoff
        send_pending(store, smtp(smtp_server), now=moment)
    assert outbox.alert_counts(store) == {"failed": 1}
    assert smtp_server.messages == []


def test_a_crash_between_send_and_mark_resends_once_with_the_same_message_id(store, smtp_server, monkeypatch):
    subscribe(store, tags=["coe"])
    store.save(statement("https://www.coe.int/en/-/decision", "Decision", COE_TEXT), "r1")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies after the server accepted the mail

    monkeypatch.setattr(outbox, "mark_sent", crash)
    with pytest.raises(KeyboardInterrupt):
        send_pending(store, smtp(smtp_server))
    monkeypatch.undo()
    assert send_pending(store, smtp(smtp_server)).sent == 1
    assert send_pending(store, smtp(smtp_server)).sent == 0
    ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == 2 and ids[0] == ids[1]


def test_two_subscriptions_of_one_recipient_send_the_story_once(store, smtp_server):
    subscribe(store, tags=["coe"])
    subscribe(store, tags=["register_of_damage"])
    store.save(statement("https://www.coe.int/en/-/decision", "Decision", COE_TEXT), "r1")
    first = send_pending(store, smtp(smtp_server))
    assert first.sent == 1
    assert len(smtp_server.messages) == 1
    assert outbox.alert_counts(store) == {"sent": 2}


def test_daily_digest_waits_for_its_hour_in_the_recipients_zone(store, smtp_server):
    kyiv = ZoneInfo("Europe/Kyiv")
    with time_machine.travel(datetime(2026, 11, 29, 10, 0, tzinfo=kyiv), tick=False):
        subscribe(store, tags=["coe"], digest="daily", tz="Europe/Kyiv")
        store.save(statement("https://www.coe.int/en/-/a", "First decision", COE_TEXT), "r1")
        # Another statement (a near-copy of the first would be one story: pipelines/nearcopy.py)
        second = ("The Parliamentary Assembly of the Council of Europe elected a judge to the European Court "
                  "of Human Rights in respect of Ukraine at its autumn session in Strasbourg. ") * 3
        store.save(statement("https://www.coe.int/en/-/b", "Second decision", second), "r1")
        assert send_pending(store, smtp(smtp_server)).sent == 0
    with time_machine.travel(datetime(2026, 11, 30, 7, 59, tzinfo=kyiv), tick=False):
        assert send_pending(store, smtp(smtp_server)).sent == 0
    with time_machine.travel(datetime(2026, 11, 30, 8, 0, tzinfo=kyiv), tick=False):
        report = send_pending(store, smtp(smtp_server))
    assert (report.sent, report.alerts) == (1, 2)
    assert smtp_server.messages[0]["Subject"].strip() == "[communique] 2 new statements on the Council of Europe"


@pytest.mark.parametrize(("digest", "now", "due"), [
    ("immediate", "2026-11-29T10:00:00+00:00", "2026-11-29T10:00:00+00:00"),
    ("daily", "2026-11-29T10:00:00+00:00", "2026-11-30T06:00:00+00:00"),  # 08:00 in Kyiv (UTC+2)
    ("daily", "2026-11-29T05:00:00+00:00", "2026-11-29T06:00:00+00:00"),
    ("weekly", "2026-11-29T10:00:00+00:00", "2026-11-30T06:00:00+00:00"),  # Sunday -> Monday
    ("weekly", "2026-11-30T07:00:00+00:00", "2026-12-07T06:00:00+00:00"),  # Monday after 08:00 -> next Monday
])
def test_due_times(digest, now, due):
    assert outbox.due_at(digest, "Europe/Kyiv", datetime.fromisoformat(now)).isoformat() == due


def test_dry_run_writes_eml_and_marks_nothing(store, tmp_path):
    subscribe(store, tags=["coe"])
    store.save(statement("https://www.coe.int/en/-/decision", "Decision", COE_TEXT), "r1")
    report = send_pending(store, SmtpSettings(sender="alerts@communique.example"), dry_run=tmp_path / "out")
    assert len(report.written) == 1 and (tmp_path / "out").glob("*.eml")
    assert b"[communique] Council of Europe newsroom: Decision" in Path(report.written[0]).read_bytes()
    assert outbox.alert_counts(store) == {"pending": 1}


@pytest.mark.parametrize(("kw", "message"), [
    ({"recipient": "not an address"}, "is not a valid email address"),
    ({"recipient": "a@example.org", "tz": "Mars/Olympus"}, "time zone 'Mars/Olympus' is unknown"),
    ({"recipient": "a@example.org", "digest": "hourly"}, "digest 'hourly'"),
    ({"recipient": "a@example.org", "since": "last week"}, "expected a date"),
])
def test_bad_subscriptions_are_one_line(kw, message):
    with pytest.raises(SubscriptionError, match=message):
        check(Subscription(**kw))


def test_cli_subscribe_list_unsubscribe(tmp_path):
    db = str(tmp_path / "cli.db")
    run = CliRunner().invoke
    added = run(cli, ["subscribe", "Analyst@Example.org", "--tag", "COE", "--tz", "Europe/Kyiv", "--db", db])
    assert added.exit_code == 0, added.output
    assert added.output.startswith("subscription #1 for Analyst@example.org: tag coe")
    listed = run(cli, ["subscriptions", "--format", "json", "--db", db])
    assert '"recipient": "Analyst@example.org"' in listed.output
    bad = run(cli, ["subscribe", "nobody", "--db", db])
    assert bad.exit_code == 1 and "is not a valid email address" in bad.output
    gone = run(cli, ["unsubscribe", "Analyst@example.org", "--db", db])
    assert gone.exit_code == 0 and "stopped 1 subscription" in gone.output
    assert "no subscriptions" in run(cli, ["subscriptions", "--db", db]).output


def test_cli_alerts_test_reports_the_server(smtp_server, monkeypatch):
    monkeypatch.setenv("COMMUNIQUE_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("COMMUNIQUE_SMTP_PORT", str(smtp_server.port))
    result = CliRunner().invoke(cli, ["alerts", "test", "me@example.org"])
    assert result.exit_code == 0, result.output
    assert f"{smtp_server.host}:{smtp_server.port}: accepted" in result.output
    assert smtp_server.messages[0]["Subject"] == "[communique] test mail"


def test_the_scheduler_sends_due_alerts_after_each_crawl(store, smtp_server, monkeypatch):
    from scheduler.crawl import CrawlResult
    from scheduler.schedule import after_crawl

    monkeypatch.setenv("COMMUNIQUE_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("COMMUNIQUE_SMTP_PORT", str(smtp_server.port))
    subscribe(store, tags=["coe"])
    store.save(statement("https://www.coe.int/en/-/decision", "Decision", COE_TEXT), "r1")
    after_crawl(CrawlResult(SOURCE.id, "ok", new=1), store.path)
    after_crawl(CrawlResult(SOURCE.id, "ok"), store.path)  # the next crawl: nothing more to send
    assert len(smtp_server.messages) == 1


def test_two_senders_at_once_send_each_alert_once(store, smtp_server):
    import threading

    subscribe(store, tags=["coe"])
    # Five different statements (near-copies of one text would be one story: pipelines/nearcopy.py)
    topics = ["the Register of Damage for Ukraine and its claims procedure",
              "the execution of judgments of the European Court of Human Rights concerning Turkey",
              "the budget of the Organisation for the next biennium and its priorities",
              "the situation of children deported from the occupied territories of Ukraine",
              "the accession of the European Union to the European Convention on Human Rights"]
    for n, topic in enumerate(topics):
        text = f"The Committee of Ministers of the Council of Europe today adopted a decision on {topic}. " * 3
        store.save(statement(f"https://www.coe.int/en/-/d{n}", f"Decision {n}", text), "r1")
    barrier = threading.Barrier(2)

    def sender():
        with open_db(store.path) as own:
            barrier.wait()
            send_pending(own, smtp(smtp_server))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(m["Subject"].strip() for m in smtp_server.messages) == sorted(
        f"[communique] Council of Europe newsroom: Decision {n}" for n in range(5))
