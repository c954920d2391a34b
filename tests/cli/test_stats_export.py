"""`communique stats` and `communique export` on an archive stored through the storage API."""

from __future__ import annotations

import csv
import io
import json

import feedparser
import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from tests.cli.archive import build_archive, title_of


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("archive") / "c.db")


def run(archive, *args):
    result = CliRunner().invoke(cli, [*args, "--db", str(archive)])
    assert result.exit_code == 0, result.output
    return result.output


def counts(archive, *args) -> dict:
    return {r["key"]: r["count"] for r in json.loads(run(archive, "stats", *args, "--format", "json"))}


def test_stats_by_each_key(archive):
    assert counts(archive) == {"mid-ru-ru": 3, "mfa-ua-uk": 3, "coe-newsroom-en": 2, "news-ua-en": 1}
    assert counts(archive, "--by", "language") == {"uk": 3, "ru": 3, "en": 2, "fr": 1}
    assert counts(archive, "--by", "tag") == {"coe": 7, "cpt": 2, "echr_court": 1}
    days = json.loads(run(archive, "stats", "--by", "day", "--limit", "3", "--format", "json"))
    assert days == [{"key": "2025-04-29", "count": 0}, {"key": "2025-04-30", "count": 0},
                    {"key": "2025-05-01", "count": 1}]  # the latest calendar days, oldest first
    weeks = counts(archive, "--by", "week", "--since", "2025-01-01")
    assert next(iter(weeks)) == "2024-12-30" and list(weeks)[-1] == "2025-04-28" and len(weeks) == 18
    assert {k: v for k, v in weeks.items() if v} == {"2025-01-20": 1, "2025-02-03": 1, "2025-03-03": 1,
                                                     "2025-03-31": 1, "2025-04-28": 1}
    coe_weeks = counts(archive, "--by", "week", "--tag", "coe", "--limit", "2")
    assert coe_weeks == {"2025-03-24": 0, "2025-03-31": 1}  # up to the newest coe statement


def test_stats_take_the_search_filters(archive):
    assert counts(archive, "--by", "language", "--tag", "COE") == {"uk": 3, "ru": 2, "en": 1, "fr": 1}
    assert counts(archive, "Совет Европы") == {"mid-ru-ru": 2}
    assert counts(archive, "--by", "tag", "torture") == {"coe": 2, "cpt": 2}


def test_stats_chart(archive):
    lines = run(archive, "stats", "--by", "tag").splitlines()
    assert lines[0].split()[:2] == ["coe", "7"] and lines[0].count("█") > lines[1].count("█") > 0
    assert len(lines) == 3


def test_stats_unknown_filter_is_one_line(archive):
    result = CliRunner().invoke(cli, ["stats", "--tag", "nato", "--db", str(archive)])
    assert result.exit_code != 0 and len(result.output.strip().splitlines()) == 1
    assert "unknown tag 'nato'" in result.output


def test_export_atom_parses_as_a_feed(archive):
    feed = feedparser.parse(run(archive, "export", "--tag", "coe", "--lang", "ru", "--format", "atom"))
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "communique: --tag coe --language ru"
    assert [e.title for e in feed.entries] == [title_of(5), title_of(4)]  # newest first
    entry = feed.entries[1]
    assert entry.link == "https://mid-ru-ru.example/4"
    assert entry.published.startswith("2024-09-12T10:00:00")
    assert [t.term for t in entry.tags] == ["coe"] and entry.author == "mid-ru-ru"
    assert "Совета Европы" in entry.content[0].value  # the whole text


def test_export_atom_of_a_query_has_snippets_and_survives_control_characters(tmp_path):
    from datetime import UTC, datetime

    from pipelines.db import open_db
    from pipelines.dedup import canonical_url, fingerprint
    from spiders.items import Statement

    path = build_archive(tmp_path / "c.db")
    store = open_db(path)
    st = Statement(source="news-ua-en", url="https://news-ua-en.example/evil", title="Torture\x1b[31m\x00 report",
                   text="A torture report with a bell \x07 and a form feed \x0c inside.", language="en",
                   fetched_at=datetime.now(UTC))
    st.canonical_url, st.fingerprint = canonical_url(st.url), fingerprint(st.title, st.text)
    store.save(st)
    store.close()
    feed = feedparser.parse(run(path, "export", "torture", "--format", "atom", "--title", "Torture watch"))
    assert not feed.bozo and feed.feed.title == "Torture watch"
    assert "Torture[31m report" in [e.title for e in feed.entries]
    assert all("torture" in e.summary.lower() for e in feed.entries)


def test_export_formats_parse_back_with_full_text(archive):
    rows = json.loads(run(archive, "export", "--source", "mfa-ua-uk", "--format", "json"))
    assert [r["title"] for r in rows] == [title_of(3), title_of(2), title_of(1)]
    assert rows[0]["text"].startswith("Міністр обговорив") and "excerpt" not in rows[0]
    ndjson = [json.loads(line) for line in run(archive, "export", "--source", "mfa-ua-uk", "--format", "ndjson")
              .splitlines()]
    assert ndjson == rows
    parsed = list(csv.DictReader(io.StringIO(run(archive, "export", "--source", "mfa-ua-uk"))))
    assert [r["text"] for r in parsed] == [r["text"] for r in rows]
    assert list(parsed[0]) == ["id", "source", "url", "title", "published_at", "published_local", "language",
                               "kind", "speaker", "tags", "text"]
    assert len(json.loads(run(archive, "export", "--limit", "2", "--format", "json"))) == 2
