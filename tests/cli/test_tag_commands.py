"""The tag, retag and tag-eval commands, through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.tag_commands import retag_cmd, tag_cmd, tag_eval_cmd
from tests.paths import DATA

EVAL = DATA / "coe_eval" / "dev"
COE_TEXT = "The Committee of Ministers of the Council of Europe decided to exclude the Russian Federation."


@pytest.fixture
def runner():
    return CliRunner()


# ------------------------------------------------------------------ tag


def test_tag_file_json(runner, tmp_path):
    path = tmp_path / "s.txt"
    path.write_text(COE_TEXT, encoding="utf-8")
    result = runner.invoke(tag_cmd, [str(path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["language"] == "en"
    tags = [t["tag"] for t in payload["tags"]]
    assert tags[0] == "coe" and "committee_of_ministers" in tags
    for t in payload["tags"]:
        assert 0 <= t["score"] <= 1
        for e in t["evidence"]:
            assert COE_TEXT[e["start"] : e["end"]] == e["term"]
            assert {"term", "start", "end", "snippet"} <= set(e)


def test_tag_stdin_guesses_language(runner):
    result = runner.invoke(tag_cmd, ["-"], input="Рада Європи засудила агресію, і ПАРЄ ухвалила резолюцію.")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["language"] == "uk"
    assert {"coe", "pace"} <= {t["tag"] for t in payload["tags"]}


def test_tag_default_reads_stdin_and_untagged_text(runner):
    result = runner.invoke(tag_cmd, [], input="The European Council met in Brussels.")
    assert result.exit_code == 0
    assert json.loads(result.output)["tags"] == []


def test_tag_text_format(runner):
    result = runner.invoke(tag_cmd, ["-", "--format", "text", "--lang", "en"], input=COE_TEXT)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("language: en")
    assert "coe" in result.output and "Council of Europe" in result.output
    assert "'Committee of Ministers'" in result.output


def test_tag_text_format_nothing_found(runner):
    result = runner.invoke(tag_cmd, ["-", "--format", "text"], input="Nothing relevant here.")
    assert result.exit_code == 0
    assert "no tags" in result.output


def test_tag_title_option(runner):
    result = runner.invoke(tag_cmd, ["-", "--title", "PACE opens its session"], input="Text without names.")
    payload = json.loads(result.output)
    coe = payload["tags"][0]
    assert coe["tag"] == "coe" and coe["evidence"][0]["field"] == "title"


@pytest.mark.parametrize(
    "setup,needle",
    [
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: p.write_bytes(b"\xff\xfe\x00bad"), "not UTF-8"),
    ],
)
def test_tag_read_errors_are_one_line(runner, tmp_path, setup, needle):
    path = tmp_path / "input"
    setup(path)
    result = runner.invoke(tag_cmd, [str(path)])
    assert result.exit_code != 0
    assert needle in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_tag_bad_lexicon_is_one_line(runner, tmp_path):
    bad = tmp_path / "lex.toml"
    bad.write_text(
        "[settings]\nlanguages=['en']\n[tags.coe]\nkind='org'\nterms.en=['re:(']\n", encoding="utf-8"
    )
    result = runner.invoke(tag_cmd, ["-", "--lexicon", str(bad)], input="x")
    assert result.exit_code != 0
    assert "tags.coe.terms.en" in result.output and "Traceback" not in result.output


# ------------------------------------------------------------------ tag-eval


def test_tag_eval_prints_tables(runner):
    result = runner.invoke(tag_eval_cmd, [str(EVAL)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert 'tag "coe" by language' in out and "by tag" in out
    for lang in ("en", "uk", "ru", "fr", "de"):
        assert f"\n  {lang} " in out
    assert "P" in out and "F1" in out


# Four passages whose tagging is known: found, look-alike, missed, and an event.
SMALL_SET = [
    {
        "language": "en",
        "source": "https://a",
        "expected": ["coe", "pace"],
        "text": "The Parliamentary Assembly of the Council of Europe met in Strasbourg.",
    },
    {
        "language": "en",
        "source": "https://b",
        "expected": [],
        "text": "The European Council met in Brussels.",
    },
    {
        "language": "en",
        "source": "https://c",
        "expected": ["coe"],
        "text": "Nothing here names the organisation.",
    },
    {
        "language": "fr",
        "source": "https://d",
        "expected": ["coe", "committee_of_ministers", "expulsion"],
        "text": "Le Comité des Ministres du Conseil de l'Europe a décidé d'exclure la Russie du Conseil de l'Europe.",
    },
]


def test_tag_eval_json_matches_report(runner, tmp_path):
    path = tmp_path / "small.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in SMALL_SET), encoding="utf-8")
    result = runner.invoke(tag_eval_cmd, [str(path), "--format", "json", "--errors"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["total"] == 4 and payload["events_scored"] is True
    en, fr = payload["by_language"]["en"], payload["by_language"]["fr"]
    assert (en["n"], en["tp"], en["fp"], en["fn"]) == (3, 1, 0, 1)
    assert (fr["n"], fr["tp"], fr["fp"], fr["fn"]) == (1, 1, 0, 0)
    assert en["recall"] == 0.5 and en["precision"] == 1.0
    assert payload["by_tag"]["expulsion"]["tp"] == 1
    assert payload["by_tag"]["pace"]["tp"] == 1
    assert [(e["source"], e["missing"], e["extra"]) for e in payload["errors"]] == [
        ("https://c", ["coe"], [])
    ]
    text = runner.invoke(tag_eval_cmd, [str(path)]).output
    assert "\n  en                            3    1    0    1   1.000  0.500  0.667" in text


def test_tag_eval_part_and_folder(runner):
    by_part = runner.invoke(tag_eval_cmd, ["--part", "dev", "--format", "json"])
    by_folder = runner.invoke(tag_eval_cmd, [str(EVAL), "--format", "json"])
    assert by_part.exit_code == 0 and by_folder.exit_code == 0, by_part.output
    assert json.loads(by_part.output) == json.loads(by_folder.output)
    assert json.loads(by_part.output)["total"] >= 200


def test_tag_eval_needs_one_source(runner, tmp_path):
    neither = runner.invoke(tag_eval_cmd, [])
    both = runner.invoke(tag_eval_cmd, [str(EVAL), "--part", "dev"])
    empty = runner.invoke(tag_eval_cmd, [str(tmp_path)])
    for result in (neither, both):
        assert result.exit_code == 2 and "--part" in result.output
    assert empty.exit_code == 1 and "no evaluation files" in empty.output
    assert all("Traceback" not in r.output for r in (neither, both, empty))


def test_tag_eval_toml_and_counting(runner, tmp_path):
    path = tmp_path / "set.toml"
    path.write_text(
        '[[case]]\nlanguage="en"\nsource="https://a"\nexpected=["coe"]\ntext="The Council of Europe met."\n'
        '[[case]]\nlanguage="en"\nsource="https://b"\nexpected=[]\ntext="The European Council met."\n'
        '[[case]]\nlanguage="en"\nsource="https://c"\nexpected=["coe"]\ntext="Nothing to find here."\n',
        encoding="utf-8",
    )
    result = runner.invoke(tag_eval_cmd, [str(path), "--format", "json"])
    en = json.loads(result.output)["by_language"]["en"]
    assert (en["tp"], en["fp"], en["fn"], en["n"]) == (1, 0, 1, 3)
    assert en["precision"] == 1.0 and en["recall"] == 0.5


def test_tag_eval_bad_file(runner, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "x", "expected": []}\nnot json\n', encoding="utf-8")
    result = runner.invoke(tag_eval_cmd, [str(path)])
    assert result.exit_code != 0 and ":2:" in result.output and "Traceback" not in result.output
    missing = runner.invoke(tag_eval_cmd, [str(tmp_path / "none.jsonl")])
    assert missing.exit_code != 0 and "no such file" in missing.output


# ------------------------------------------------------------------ retag


def _make_db(path: Path) -> None:
    from pipelines.db import open_db

    db = open_db(path)
    rows = [
        (1, "PACE session", COE_TEXT, "en", "2024-01-10T10:00:00Z"),
        (2, "Summit", "The European Council met in Brussels.", "en", "2024-03-01T10:00:00Z"),
        (3, "", "Рада Європи ухвалила рішення.", "uk", "2024-05-01T10:00:00Z"),
    ]
    with db.write() as conn:
        conn.execute("INSERT INTO sources (id, name) VALUES ('src', 'Source')")
        for sid, title, text, lang, published in rows:
            conn.execute(
                "INSERT INTO statements (id, source, url, canonical_url, title, text, published_at, language, "
                "fingerprint, first_seen_at) VALUES (?, 'src', ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    sid,
                    f"https://x/{sid}",
                    f"https://x/{sid}",
                    title,
                    text,
                    published,
                    lang,
                    f"fp{sid}",
                    published,
                ],
            )
        # a stale tag from an older lexicon, to be replaced
        conn.execute(
            "INSERT INTO statement_tags (statement_id, tag, score, evidence, tagged_at) VALUES (2, 'coe', 1, '[]', 'x')"
        )
    db.close()


def _tags(path: Path) -> dict[int, list[tuple[str, float, str]]]:
    import sqlite3

    conn = sqlite3.connect(path)
    out: dict[int, list] = {}
    for sid, t, score, ev in conn.execute(
        "SELECT statement_id, tag, score, evidence FROM statement_tags ORDER BY statement_id, tag"
    ):
        out.setdefault(sid, []).append((t, score, ev))
    conn.close()
    return out


def test_retag_replaces_tags_and_is_idempotent(runner, tmp_path):
    path = tmp_path / "c.db"
    _make_db(path)
    result = runner.invoke(retag_cmd, ["--db", str(path)])
    assert result.exit_code == 0, result.output
    assert "re-tagged 3 statements; 2 tagged coe" in result.output
    first = _tags(path)
    assert 2 not in first  # the stale tag on the European Council statement is gone
    assert {t for t, _, _ in first[1]} >= {"coe", "committee_of_ministers"}
    evidence = json.loads({t: ev for t, _, ev in first[1]}["coe"])
    assert evidence[0] == {**evidence[0], "term": "PACE", "field": "title", "start": 0, "end": 4}
    body = [e for e in evidence if e["field"] == "text"]
    assert body and all(COE_TEXT[e["start"] : e["end"]] == e["term"] for e in body)
    again = runner.invoke(retag_cmd, ["--db", str(path)])
    assert again.exit_code == 0
    assert _tags(path) == first


def test_retag_since_only_touches_newer_statements(runner, tmp_path):
    path = tmp_path / "c.db"
    _make_db(path)
    result = runner.invoke(retag_cmd, ["--db", str(path), "--since", "2024-04-01"])
    assert result.exit_code == 0, result.output
    assert "re-tagged 1 statements" in result.output
    tags = _tags(path)
    assert 1 not in tags and [t for t, _, _ in tags[3]] == ["coe"]


def test_retag_errors(runner, tmp_path):
    missing = runner.invoke(retag_cmd, ["--db", str(tmp_path / "none.db")])
    assert missing.exit_code != 0 and "no database" in missing.output
    path = tmp_path / "c.db"
    _make_db(path)
    bad = runner.invoke(retag_cmd, ["--db", str(path), "--since", "yesterday"])
    assert bad.exit_code != 0 and "--since" in bad.output and "Traceback" not in bad.output
