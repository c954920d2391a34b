"""End to end, as the README tells a user: `communique demo`, then search the database."""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT

BIN = Path(sys.executable).parent


def communique():
    exe = BIN / "communique"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("communique")
    if not found:
        pytest.skip("the communique console script is not installed (pip install -e .)")
    return [found]


def test_readme_commands_are_the_ones_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, re.DOTALL)
    demo_cmd, test_cmd = blocks[0].strip(), blocks[1].strip()
    assert demo_cmd.endswith("communique demo") and "pip install" in demo_cmd
    assert test_cmd in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    result = subprocess.run(check=False, args=communique() + ["demo", "--db", str(db)], capture_output=True, text=True,
                            timeout=600, cwd=tmp_path_factory.getbasetemp())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return db, result.stdout


def test_demo_prints_summary_per_source(demo_db):
    _, out = demo_db
    lines = [line for line in out.splitlines() if line.startswith("demo-")]
    assert len(lines) >= 5 and all(" ok " in line for line in lines)
    assert "about the Council of Europe" in out and "Latest Council of Europe statements" in out


def test_demo_database_contents(demo_db):
    db, _ = demo_db
    conn = sqlite3.connect(db)
    statements = conn.execute("SELECT count(*) FROM statements").fetchone()[0]
    sightings = conn.execute("SELECT count(*) FROM sightings").fetchone()[0]
    assert statements >= 15 and sightings > statements  # a republished statement is one statement, two sightings
    republished = conn.execute(
        "SELECT statement_id, count(*) FROM sightings GROUP BY statement_id HAVING count(*) > 1").fetchall()
    assert republished
    languages = {r[0] for r in conn.execute("SELECT DISTINCT language FROM statements")}
    assert {"en", "ru", "uk", "fr"} <= languages
    assert conn.execute("SELECT count(*) FROM statements WHERE published_at IS NULL").fetchone()[0] == 0
    coe = conn.execute("SELECT count(*) FROM statement_tags WHERE tag = 'coe'").fetchone()[0]
    assert 0 < coe < statements  # every statement kept; the tag is data on some of them
    runs = conn.execute("SELECT DISTINCT status FROM crawl_runs").fetchall()
    assert runs == [("ok",)]
    assert conn.execute("SELECT count(*) FROM statements_fts WHERE statements_fts MATCH 'torture'").fetchone()[0] >= 3


def test_search_torture_after_demo(demo_db):
    db, _ = demo_db
    env = dict(os.environ, COMMUNIQUE_DB=str(db))
    result = subprocess.run(check=False, args=communique() + ["search", "torture", "--format", "json"], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) >= 3
    for row in rows:
        assert row["source"].startswith("demo-")
        assert row["published_at"].endswith("+00:00")
    tagged = [r for r in rows if "coe" in r["tags"]]
    untagged = [r for r in rows if "coe" not in r["tags"]]
    assert tagged and untagged  # the CPT is the Council of Europe; the UN Committee against Torture is not
    assert any("cpt" in r["tags"] for r in tagged)


def test_sqlite_utils_opens_the_database(demo_db):
    db, _ = demo_db
    tool = BIN / "sqlite-utils"
    result = subprocess.run(check=False, args=[str(tool) if tool.exists() else "sqlite-utils", "tables", str(db), "--counts"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert '"statements"' in result.stdout or "statements" in result.stdout


def test_datasette_opens_the_database(demo_db):
    db, _ = demo_db
    tool = BIN / "datasette"
    result = subprocess.run(check=False, args=[str(tool) if tool.exists() else "datasette", "inspect", str(db)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    tables = json.loads(result.stdout)[db.stem]["tables"]
    assert tables["statements"]["count"] >= 15
    assert "statements_fts" in tables


def test_demo_mails_each_new_coe_statement_once_and_one_more_after_the_second_round(demo_db):
    db, out = demo_db
    conn = sqlite3.connect(db)
    # One mail per story: a news report of a Council of Europe statement joins its story (issue #9).
    coe_before = conn.execute(
        "SELECT count(DISTINCT s.story_id) FROM statement_tags t JOIN statements s ON s.id = t.statement_id "
        "WHERE t.tag = 'coe'").fetchone()[0] - 1  # minus the second round's
    first = re.search(r"Alert mail: (\d+) mail\(s\) sent \((\d+) alert\(s\)\); the inbox holds (\d+)", out)
    assert first, out
    assert int(first.group(1)) == int(first.group(3)) == coe_before
    assert "Second round: 1 mail(s) sent (1 alert(s)); 1 new mail in the inbox:" in out
    assert "Subject: [communique] Demo: Council of Europe — newsroom (coe.int-like): Alain Berset takes office" in out
    assert conn.execute("SELECT status, count(*) FROM alerts GROUP BY status").fetchall() == [("sent", coe_before + 1)]
