"""Alert mail rendering: headers that cannot be injected, escaped HTML, the recipient's time zone."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import SMTP, default

import pytest

from scheduler.alerts.render import header_text, http_url, message_id, render_alert

SUB = {"id": 7, "recipient": "analyst@example.org", "tz": "Europe/Kyiv", "description": "tag coe",
       "topic": "the Council of Europe"}


def story(**statement) -> dict:
    base = {
        "id": 1, "source": "mid-ru-en", "source_name": "Russian MFA", "title": "Statement on PACE",
        "url": "https://mid.ru/en/foreign_policy/news/1/", "published_at": "2025-07-09T12:02:00+00:00",
        "language": "en", "tags": ["coe", "pace"],
        "evidence": [{"term": "PACE", "snippet": "the decision of PACE to suspend"}],
    }
    return {"statement": {**base, **statement}, "translations": [], "coverage": []}


def render(*stories, **kw):
    return render_alert(list(stories), recipient="analyst@example.org", sender="alerts@communique.example",
                        subscription=SUB, alert_ids=kw.pop("alert_ids", [3, 1]), **kw)


def parsed(message):
    """The message as a receiving server sees it, parsed back."""
    return message_from_bytes(message.as_bytes(policy=SMTP), policy=default)


def test_subject_names_source_and_title():
    assert parsed(render(story()))["Subject"] == "[communique] Russian MFA: Statement on PACE"


@pytest.mark.parametrize("title", [
    "Breaking\r\nBcc: victim@example.org",
    "Line\nX-Injected: yes",
    "Tab\tand\x00null\x1b[31m",
])
def test_a_title_cannot_inject_headers(title):
    msg = parsed(render(story(title=title)))
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert "\n" not in msg["Subject"] and "\x1b" not in msg["Subject"]
    assert set(msg.keys()) == {"Subject", "From", "To", "Date", "Message-ID", "List-Unsubscribe", "Auto-Submitted",
                               "Content-Type", "MIME-Version"}


def test_long_and_non_ascii_titles_survive_encoding():
    title = "Заява МЗС України щодо рішення Комітету міністрів Ради Європи " * 10
    msg = parsed(render(story(title=title)))
    assert msg["Subject"].startswith("[communique] Russian MFA: Заява МЗС України")
    assert len(msg["Subject"]) <= 150
    raw = render(story(title=title)).as_bytes(policy=SMTP)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998  # RFC 5322 line limit


def test_html_in_scraped_text_is_escaped_and_terms_marked():
    msg = parsed(render(story(title="<script>alert(1)</script>",
                              evidence=[{"term": "PACE", "snippet": "<b>x</b> PACE & <i>y</i>"}])))
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;x&lt;/b&gt; <mark>PACE</mark> &amp; &lt;i&gt;y&lt;/i&gt;" in html
    text = msg.get_body(("plain",)).get_content()
    assert "*PACE*" in text


def test_links_are_only_http():
    assert http_url("javascript:alert(1)") == "#"
    assert http_url("https://coe.int/x") == "https://coe.int/x"
    html = parsed(render(story(url="javascript:alert(1)"))).get_body(("html",)).get_content()
    assert "javascript:" not in html


def test_date_in_the_recipients_zone():
    text = parsed(render(story())).get_body(("plain",)).get_content()
    assert "9 Jul 2025 15:02 EEST" in text  # 12:02 UTC in Kyiv, summer time


def test_message_id_is_derived_from_the_alerts():
    assert message_id([1, 3]) == message_id([3, 1])
    assert message_id([1, 3]) != message_id([1, 4])
    assert parsed(render(story(), alert_ids=[3, 1]))["Message-ID"] == message_id([1, 3], "communique.example")


def test_unsubscribe_header_and_footer_name_the_subscription():
    msg = parsed(render(story()))
    assert msg["List-Unsubscribe"] == "<mailto:alerts@communique.example?subject=unsubscribe%207>"
    assert "subscription #7 (tag coe)" in msg.get_body(("plain",)).get_content()


def test_a_batch_of_stories_is_one_mail_with_a_counting_subject():
    msg = parsed(render(story(), story(id=2, title="Second")))
    assert msg["Subject"] == "[communique] 2 new statements on the Council of Europe"
    text = msg.get_body(("plain",)).get_content()
    assert "Statement on PACE" in text and "Second" in text


def test_translations_and_coverage_are_listed():
    s = story()
    s["translations"] = [{"language": "ru", "url": "https://mid.ru/ru/1/"}]
    s["coverage"] = [{"source": "tass-en", "source_name": "TASS", "title": "Moscow on PACE", "url": "https://tass.com/1"}]
    text = parsed(render(s)).get_body(("plain",)).get_content()
    assert "Also in: ru https://mid.ru/ru/1/" in text
    assert "TASS: Moscow on PACE https://tass.com/1" in text


def test_header_text_bounds():
    assert header_text("a\r\nb") == "a b"
    assert len(header_text("x" * 500)) == 150
