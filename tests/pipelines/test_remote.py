"""Statements as feed records and back (pipelines/remote.py), and the node's counters in its log."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pipelines.remote import REMOTE_STATS_MARKER, statement_from_record, statement_record, stats_from_log
from spiders.items import Statement


def test_record_round_trip_keeps_the_time_zone():
    kyiv = timezone(timedelta(hours=3))
    item = Statement(source="mfa-ua-en", url="https://mfa.gov.ua/en/news/1", title="Заява", text="Текст заяви.",
                     published_at=datetime(2024, 10, 10, 11, 1, tzinfo=kyiv), language="uk", kind="statement",
                     fetched_at=datetime(2024, 10, 10, 9, 0, tzinfo=UTC), aliases=["https://x.org/1"],
                     extra={"section": "news"})
    line = json.dumps(statement_record(item))
    back = statement_from_record(json.loads(line))
    assert back == item
    assert back.published_at.utcoffset() == timedelta(hours=3)


def test_pipeline_fields_are_not_taken_from_the_node():
    record = statement_record(Statement(source="s", url="https://e.org/1", title="t", text="x"))
    record.update(fingerprint="forged", tags=["coe"], identity_key="k", unknown="ignored")
    back = statement_from_record(record)
    assert (back.fingerprint, back.tags, back.identity_key) == ("", [], "")


@pytest.mark.parametrize("record, error", [
    ([], TypeError),
    ({"url": "https://e.org/1"}, TypeError),
    ({"source": "s", "url": "https://e.org/1", "title": 5}, TypeError),
    ({"source": "s", "url": "https://e.org/1", "extra": "x"}, TypeError),
    ({"source": "s", "url": "https://e.org/1", "published_at": "yesterday"}, ValueError),
])
def test_malformed_records_are_refused(record, error):
    with pytest.raises(error):
        statement_from_record(record)


def test_counters_read_from_the_last_marked_log_line():
    log = (
        "2024-10-10 [scrapy.core.engine] INFO: Spider opened\n"
        f'2024-10-10 [pipelines.remote] INFO: {REMOTE_STATS_MARKER} {{"reason": "finished", '
        '"stats": {"pages": 4, "entries": 3}}\n'
        "2024-10-10 [scrapy.core.engine] INFO: Spider closed (finished)\n"
    )
    end = stats_from_log(log)
    assert (end.stats, end.reason, end.validators) == ({"communique/pages": 4, "communique/entries": 3}, "finished", {})
    with_validators = log.replace('"finished", ', '"finished", "validators": {"https://e.org/rss": {"etag": "x"}}, ')
    assert stats_from_log(with_validators).validators == {"https://e.org/rss": {"etag": "x"}}
    assert stats_from_log("no marker here\n") is None
    assert stats_from_log(f"x {REMOTE_STATS_MARKER} {{broken\n") is None
