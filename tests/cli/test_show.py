"""`communique show ID` on a fixture database: sightings, the story (the statement a report or
translation is about, by name; translations; coverage), every revision with its size, and
output cut short by the reader (`| head`) without an error."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipelines.db import open_db
from scheduler.cli import cli
from tests import story_texts as T
from tests.cli.archive import build_archive, title_of
from tests.pipelines.test_stories import DAY, SOURCES, STATEMENT_URL, item

ROOT = Path(__file__).resolve().parents[2]


def show(*args) -> str:
    result = CliRunner().invoke(cli, ["show", *map(str, args)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def story_db(tmp_path):
    """A statement, its Ukrainian version, a quoting report, a retelling; then an edit of the statement."""
    path = tmp_path / "story.db"
    with open_db(path) as store:
        store.upsert_sources(SOURCES.values())
        _, sid = store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT, at=DAY))
        _, uk = store.save(item("mfa-ua-uk", "https://mfa.gov.ua/news/statement-on-the-register-of-damage",
                                T.STATEMENT_UK_TITLE, T.STATEMENT_UK, at=DAY, language="uk"))
        _, quote = store.save(item("kyiv-independent", "https://kyivindependent.com/kyiv-urges-register/",
                                   T.QUOTE_TITLE, T.QUOTE_REPORT, at=DAY + timedelta(hours=2)))
        _, retold = store.save(item("ukrinform-en", "https://www.ukrinform.net/rubric-polytics/4002-retold.html",
                                    T.RETOLD_TITLE, T.RETOLD_REPORT, at=DAY + timedelta(hours=3)))
        assert store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT_EDITED,
                               at=DAY + timedelta(hours=5)))[0] == "revision"
    return path, sid, uk, quote, retold


def test_a_report_names_the_statement_it_covers(story_db):
    path, sid, uk, quote, retold = story_db
    out = show(quote, "--db", path)
    assert f"story #{sid} (4 statements; about statement {sid}):" in out
    assert f"statement   #{sid} [en] {T.STATEMENT_TITLE} (mfa-ua-en)" in out
    assert f"translation #{uk} [uk] {T.STATEMENT_UK_TITLE} (mfa-ua-uk)" in out
    assert f"coverage    #{retold} [en] {T.RETOLD_TITLE} (ukrinform-en, report)" in out
    assert f"#{quote} " not in out  # not listed as part of its own story
    # the statement itself lists what covers it, and names no "statement" line for itself
    own = show(sid, "--db", path)
    assert f"coverage    #{quote} [en] {T.QUOTE_TITLE} (kyiv-independent, quote)" in own
    assert f"statement   #{sid}" not in own


def test_revisions_are_listed_without_their_diffs(story_db):
    path, sid, *_ = story_db
    out = show(sid, "--db", path)
    assert "revisions: 2 versions (--revisions: the diffs)" in out
    lines = [ln.strip() for ln in out.splitlines() if ln.strip().startswith("revision ")]
    assert len(lines) == 2
    assert lines[0].startswith("revision 1") and lines[0].endswith("as first read")
    assert lines[1].startswith("revision 2") and "substantive:" in lines[1] and "words changed" in lines[1]
    assert "--- revision 1" not in out  # the diff only with --revisions
    assert "--- revision 1" in show(sid, "--revisions", "--db", path)


def test_json_names_the_lead_of_the_story(story_db):
    path, sid, _uk, quote, _ = story_db
    data = json.loads(show(quote, "--format", "json", "--db", path))
    assert data["story"]["lead"]["id"] == sid and data["story"]["lead"]["title"] == T.STATEMENT_TITLE


def test_sightings_of_a_republished_statement(tmp_path):
    path = build_archive(tmp_path / "c.db")
    out = show(7, "--db", path)
    assert out.splitlines()[0] == title_of(7)
    assert "seen at https://coe-newsroom-en.example/7 (coe-newsroom-en, first " in out
    assert "seen at https://news-ua-en.example/cpt (news-ua-en, first " in out and ", same text)" in out
    assert "cpt " in out and "coe " in out  # its tags, with scores


def test_output_cut_short_by_the_reader_is_not_an_error(tmp_path):
    """`communique show ID --full | head`: the pipe closes early; no 'internal error', no traceback."""
    path = tmp_path / "long.db"
    with open_db(path) as store:
        store.upsert_sources(SOURCES.values())
        long_text = "The Council of Europe met again. " * 20_000  # ~660 KB: far more than a pipe holds
        _, sid = store.save(item("mfa-ua-en", STATEMENT_URL, "A long statement", long_text, at=DAY))
    reader = subprocess.Popen([sys.executable, "-c", "from scheduler.cli import main; main()",
                               "show", str(sid), "--full", "--db", str(path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert reader.stdout.read(100).startswith(b"A long statement")
    reader.stdout.close()  # what `head` does once it has its lines
    _, err = reader.communicate(timeout=120)
    assert reader.returncode in (0, 1)  # 1 when the closed pipe was met mid-write
    assert b"internal error" not in err and b"Traceback" not in err and b"Exception ignored" not in err
