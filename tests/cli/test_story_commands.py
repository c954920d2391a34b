"""A story as users meet it: `show` (story, revisions as a diff), `search --collapse-stories`,
and alert mail (one mail per story listing translations and coverage; edits only to --updates)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from click.testing import CliRunner

from pipelines import outbox
from pipelines.db import open_db, utcnow
from pipelines.subscriptions import Subscription, check
from scheduler.alerts.mailer import SmtpSettings
from scheduler.alerts.sender import send_pending
from scheduler.cli import cli
from tests import story_texts as T
from tests.pipelines.test_stories import SOURCES, STATEMENT_URL, item

NOW = datetime.now(UTC).replace(microsecond=0)


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def path(tmp_path):
    return tmp_path / "story.db"


@pytest.fixture
def store(path):
    s = open_db(path)
    s.upsert_sources(SOURCES.values())
    yield s
    s.close()


def fill(store, *, hostile: bool = False):
    """A statement, its Ukrainian version, a quoting report and a retelling; then an edit."""
    title = T.STATEMENT_TITLE + ("\x1b[2J\u202e" if hostile else "")
    _, sid = store.save(item("mfa-ua-en", STATEMENT_URL, title, T.STATEMENT, at=NOW))
    _, uk = store.save(item("mfa-ua-uk", "https://mfa.gov.ua/news/statement-on-the-register-of-damage",
                            T.STATEMENT_UK_TITLE, T.STATEMENT_UK, at=NOW, language="uk"))
    _, q = store.save(item("kyiv-independent", "https://kyivindependent.com/kyiv-urges-register/", T.QUOTE_TITLE,
                           T.QUOTE_REPORT, at=NOW + timedelta(hours=2)))
    _, r = store.save(item("ukrinform-en", "https://www.ukrinform.net/rubric-polytics/4002-retold.html",
                           T.RETOLD_TITLE, T.RETOLD_REPORT, at=NOW + timedelta(hours=3)))
    return sid, uk, q, r


def test_show_prints_the_story_and_the_revisions_as_a_diff(store, path):
    sid, uk, q, r = fill(store, hostile=True)
    edited = T.STATEMENT_EDITED + "\n\nInjected \x1b[31mred\x1b[0m line."
    assert store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE + "\x1b[2J\u202e", edited, at=NOW))[0] == "revision"
    out = invoke("show", sid, "--revisions", "--db", path).output
    assert f"story #{sid} (4 statements)" in out
    assert f"translation #{uk} [uk] {T.STATEMENT_UK_TITLE}" in out
    assert f"coverage    #{q} [en] {T.QUOTE_TITLE} (kyiv-independent, quote)" in out
    assert f"coverage    #{r} [en] {T.RETOLD_TITLE} (ukrinform-en, report)" in out
    assert "--- revision 1" in out and "+++ revision 2" in out
    assert "+We also welcome the decision of Canada and Japan" in out
    assert "substantive" in out
    assert "\x1b" not in out and "\u202e" not in out  # scraped text stays text
    assert "Injected [31mred[0m line." in out
    # a report shows the story it belongs to, and the statement it is about
    out = invoke("show", q, "--db", path).output
    assert f"story #{sid} (4 statements; about statement {sid})" in out


def test_show_json_carries_story_and_revisions(store, path):
    sid, uk, q, r = fill(store)
    store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT_EDITED, at=NOW))
    data = json.loads(invoke("show", sid, "--format", "json", "--db", path).output)
    assert data["story"]["story_id"] == sid
    assert [m["id"] for m in data["story"]["translations"]] == [uk]
    assert sorted(m["id"] for m in data["story"]["coverage"]) == [q, r]
    assert [v["number"] for v in data["revisions"]] == [1, 2] and "text" not in data["revisions"][0]


def test_search_collapses_a_story_to_one_row(store, path):
    sid, _uk, q, r = fill(store)
    rows = json.loads(invoke("search", "register", "--lang", "en", "--format", "json", "--db", path).output)
    assert sorted(row["id"] for row in rows) == sorted([sid, q, r])
    rows = json.loads(invoke("search", "register", "--lang", "en", "--collapse-stories", "--format", "json",
                             "--db", path).output)
    assert len(rows) == 1 and rows[0]["story_id"] == sid and rows[0]["story_matches"] == 3


def smtp(server) -> SmtpSettings:
    return SmtpSettings(host=server.host, port=server.port, sender="alerts@communique.example", timeout=5)


def subscribe(store, **kw) -> int:
    return outbox.add_subscription(store, check(Subscription(recipient="analyst@example.org", **kw)), utcnow())[0]


def test_one_mail_per_story_with_translations_and_coverage(store, smtp_server):
    subscribe(store, tags=["coe"])
    _sid, _uk, _q, _r = fill(store)
    report = send_pending(store, smtp(smtp_server))
    assert report.sent == 1 and len(smtp_server.messages) == 1
    body = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert T.STATEMENT_TITLE in body
    assert "Also in: uk https://mfa.gov.ua/news/statement-on-the-register-of-damage" in body
    assert T.QUOTE_TITLE in body and T.RETOLD_TITLE in body
    # a later report of the same story mails nothing new
    store.save(item("ukrinform-en", "https://www.ukrinform.net/rubric-polytics/4009.html", T.QUOTE_TITLE + " (2)",
                    T.QUOTE_REPORT.replace("Thursday", "Friday") + " More to follow.", at=NOW + timedelta(hours=5)))
    assert send_pending(store, smtp(smtp_server)).sent == 0


def test_a_report_that_came_first_alerts_once_for_the_story(store, smtp_server):
    subscribe(store)
    _, _r = store.save(item("ukrinform-en", "https://www.ukrinform.net/rubric-polytics/4002-retold.html",
                           T.RETOLD_TITLE, T.RETOLD_REPORT, at=NOW))
    assert send_pending(store, smtp(smtp_server)).sent == 1
    store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT, at=NOW - timedelta(hours=1)))
    assert send_pending(store, smtp(smtp_server)).sent == 0
    assert outbox.alert_counts(store) == {"sent": 1}


def test_a_substantive_edit_mails_only_update_subscribers(store, smtp_server):
    subscribe(store, tags=["coe"])
    with time_machine.travel(NOW, tick=False):
        outbox.add_subscription(store, check(Subscription(recipient="editor@example.org", tags=["coe"],
                                                          updates=True)), utcnow())
    _sid, *_ = fill(store)
    assert send_pending(store, smtp(smtp_server)).sent == 2
    store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT_TYPO_FIX, at=NOW))
    assert send_pending(store, smtp(smtp_server)).sent == 0  # a typo is no news
    store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT_EDITED, at=NOW))
    report = send_pending(store, smtp(smtp_server))
    assert report.sent == 1
    last = smtp_server.messages[-1]
    assert last["To"] == "editor@example.org"


EDITED_AGAIN = T.STATEMENT_EDITED + (" The Ministry also calls on every member state of the Council of Europe to"
                                     " sign the convention establishing the claims commission before the summer.")


def edit(store, text):
    store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, text, at=NOW))


def editor_alerted(store, smtp_server):
    """An editor subscribed with --updates, mailed the statement once."""
    with time_machine.travel(NOW, tick=False):
        outbox.add_subscription(store, check(Subscription(recipient="editor@example.org", tags=["coe"],
                                                          updates=True)), utcnow())
    edit(store, T.STATEMENT)
    assert send_pending(store, smtp(smtp_server)).sent == 1


def test_each_substantive_edit_mails_update_subscribers_once(store, smtp_server):
    editor_alerted(store, smtp_server)
    edit(store, T.STATEMENT_EDITED)
    assert send_pending(store, smtp(smtp_server)).sent == 1
    edit(store, EDITED_AGAIN)  # a second edit
    assert send_pending(store, smtp(smtp_server)).sent == 1
    assert "before the summer" in smtp_server.messages[-1].get_body(("plain",)).get_content()
    edit(store, EDITED_AGAIN)  # seen again unchanged
    assert send_pending(store, smtp(smtp_server)).sent == 0
    assert len(smtp_server.messages) == 3


def test_edits_while_the_last_edit_is_unsent_make_one_mail(store, smtp_server):
    editor_alerted(store, smtp_server)
    edit(store, T.STATEMENT_EDITED)
    edit(store, EDITED_AGAIN)
    assert send_pending(store, smtp(smtp_server)).sent == 1
    assert "before the summer" in smtp_server.messages[-1].get_body(("plain",)).get_content()  # the text as sent
    assert outbox.alert_counts(store) == {"sent": 2}


def test_a_translation_arriving_after_the_alert_mails_nothing_more(store, smtp_server):
    subscribe(store, tags=["coe"])
    store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT, at=NOW))
    assert send_pending(store, smtp(smtp_server)).sent == 1
    store.save(item("mfa-ua-uk", "https://mfa.gov.ua/news/statement-on-the-register-of-damage",
                    T.STATEMENT_UK_TITLE, T.STATEMENT_UK, at=NOW + timedelta(hours=1), language="uk"))
    assert send_pending(store, smtp(smtp_server)).sent == 0
    assert len(smtp_server.messages) == 1
