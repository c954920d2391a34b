"""The one stage list: its order, what stops a statement, and the check report in the store
stage's place."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pipelines.check import CheckReport
from pipelines.stages import run_stages, statement_stages
from pipelines.tagging import load_lexicon
from spiders.errors import EmptyStatement
from spiders.items import Statement

LEX = load_lexicon()
TEXT = ("The Parliamentary Assembly of the Council of Europe\u00a0opened its session in Strasbourg.\n\n\n"
        "Second paragraph.\u00ad ") * 3


def statement(url="https://example.org/news/1/?utm_source=feed", title=" PACE\u202e session ", text=TEXT):
    return Statement(source="src", url=url, title=title, text=text, language="EN-gb",
                     published_at=datetime(2024, 10, 10, tzinfo=UTC))


def stages(known=None, sink=None):
    """The stage list; `known` maps canonical addresses to the fingerprint stored there."""
    stored, known = [], known or {}
    return stored, statement_stages(stored_fingerprint=known.get, lexicon=LEX,
                                    sink=sink or (lambda item: stored.append(item) or item))


def test_stage_order():
    _, names = stages()
    assert [name for name, _ in names] == ["normalize", "dedup", "tag", "store"]


def test_a_statement_goes_through_every_stage():
    stored, chain = stages()
    item, stopped = run_stages(chain, statement())
    assert stopped == "" and stored == [item]
    assert item.title == "PACE session" and item.language == "en"  # normalize
    assert "\u00a0" not in item.text and "\n\n\n" not in item.text
    assert item.canonical_url == "https://example.org/news/1" and len(item.fingerprint) == 64  # dedup
    assert [t.tag for t in item.tags][:1] == ["coe"] and "pace" in {t.tag for t in item.tags}  # tag


def test_a_known_address_with_the_same_text_stops_at_dedup_and_is_not_stored():
    _, first = stages()
    seen, _ = run_stages(first, statement())
    stored, chain = stages(known={seen.canonical_url: seen.fingerprint})
    item, stopped = run_stages(chain, statement())
    assert (item, stopped, stored) == (None, "dedup", [])


def test_a_known_address_with_another_text_goes_on_to_be_a_revision():
    _, first = stages()
    seen, _ = run_stages(first, statement())
    stored, chain = stages(known={seen.canonical_url: seen.fingerprint})
    item, stopped = run_stages(chain, statement(text=TEXT + " An added sentence changes the text."))
    assert stopped == "" and stored == [item]


@pytest.mark.parametrize("title, text, message", [
    ("\u202e\x1b ", TEXT, "no title at https://example.org/news/1/"),
    ("A title", "\u00ad\u200b \x00", "no text at https://example.org/news/1/"),
])
def test_nothing_readable_is_an_empty_statement(title, text, message):
    stored, chain = stages()
    with pytest.raises(EmptyStatement, match=message):
        run_stages(chain, statement(title=title, text=text))
    assert stored == []


def test_check_mode_reports_instead_of_storing(tmp_path):
    report = CheckReport(tmp_path / "report.json")
    _, chain = stages(sink=report.add)
    item, _ = run_stages(chain, statement())
    report.write("finished", {"pages": 2})
    written = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert written["reason"] == "finished" and written["stats"] == {"pages": 2}
    [entry] = written["items"]
    assert entry["title"] == "PACE session" and entry["tags"][0] == "coe"
    assert entry["published_at"] == "2024-10-10T00:00:00+00:00"
    assert entry["text_chars"] == len(item.text) and entry["text_start"] == item.text[:160]
