"""`communique sources`: schedule, last run and state, next run, last new statement and health per source,
read from a real SQLite file written through the storage API (a demo source the registry does not name too)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from pipelines.db import open_db
from pipelines.dedup import canonical_url, fingerprint
from scheduler.cli import cli
from spiders.items import Statement

REGISTRY = "".join(f"""
[[source]]
id = "{i}"
name = "Source {i}"
publisher = "ministry"
country = "EX"
language = "en"
spider = "feed"
feed_urls = ["https://{i}.example.org/rss"]
schedule = "{schedule}"
{extra}
""" for i, schedule, extra in [("quiet", "1h", ""), ("failing", "30m", ""), ("never", "2h", ""),
                               ("off", "1h", "enabled = false")])


def statement(source: str, n: int, published: datetime) -> Statement:
    text = f"Statement number {n} of {source} about the harvest and the weather, at some length. " * 3
    st = Statement(source=source, url=f"https://{source}.example.org/news/{n}", title=f"Statement {n}", text=text,
                   language="en", kind="statement", published_at=published, fetched_at=datetime.now(UTC))
    st.canonical_url = canonical_url(st.url)
    st.fingerprint = fingerprint(st.title, text)
    st.tags = []
    return st


def run(store, source: str, status: str, message: str = "") -> None:
    run_id = uuid.uuid4().hex
    store.start_run(run_id, source)
    store.finish_run(run_id, status, message)


@pytest.fixture
def fixture_db(tmp_path):
    """quiet: daily statements that stopped 31 days ago, crawls ok; failing: 3 failed crawls after an ok one;
    demo-coe-en: only in the database (as `communique demo` leaves it); never and off: never crawled."""
    reg = tmp_path / "sources.toml"
    reg.write_text(REGISTRY, encoding="utf-8")
    db = tmp_path / "c.db"
    now = datetime.now(UTC)
    demo = SimpleNamespace(id="demo-coe-en", name="Demo: CoE newsroom", publisher="ministry", country="EX",
                           language="en", spider="listing", enabled=True, verified=True)
    with open_db(db) as store:
        store.upsert_sources([*(SimpleNamespace(id=i, name=f"Source {i}", publisher="ministry", country="EX",
                                                language="en", spider="feed", enabled=True, verified=True)
                                for i in ("quiet", "failing")), demo])
        for n in range(10):
            store.save(statement("quiet", n, now - timedelta(days=40 - n)))
        store.save(statement("demo-coe-en", 1, now - timedelta(hours=5)))
        store.save(statement("failing", 1, now - timedelta(days=2)))
        for status in ("ok", "ok"):
            run(store, "quiet", status)
        run(store, "demo-coe-en", "ok")
        run(store, "failing", "ok")
        for _ in range(3):
            run(store, "failing", "blocked", "HTTP 403 from failing.example.org")
    return db, reg


def invoke(db, reg, *args):
    return CliRunner().invoke(cli, ["sources", "--db", str(db), "--sources", str(reg), *args])


def test_table_shows_schedule_runs_next_run_last_new_and_health(fixture_db):
    result = invoke(*fixture_db)
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines() if line and not line.startswith(" ")}
    assert lines["SOURCE"].split() == ["SOURCE", "SCHEDULE", "LAST", "RUN", "STATE", "NEXT", "RUN", "LAST", "NEW",
                                       "STMTS", "HEALTH"]
    assert list(lines)[1:] == ["quiet", "failing", "never", "off", "demo-coe-en"]  # registry order, then the database's
    assert "every 1h" in lines["quiet"] and " ok " in lines["quiet"] and "31d ago" in lines["quiet"]
    assert lines["quiet"].rstrip().endswith("quiet 31d (usual 1d)")
    assert lines["quiet"].split()[-5] == "10"  # statements
    assert " blocked " in lines["failing"] and lines["failing"].rstrip().endswith("failing: 3 failures in a row")
    assert "↳ HTTP 403 from failing.example.org" in result.output
    assert "never crawled" in lines["never"] and " now " in lines["never"]
    assert "disabled" in lines["off"]
    assert "not in registry" in lines["demo-coe-en"] and "5h ago" in lines["demo-coe-en"]
    assert lines["demo-coe-en"].rstrip().endswith(" ok")


def test_json_gives_times_and_health_for_programs(fixture_db):
    result = invoke(*fixture_db, "--format", "json", "quiet", "failing", "demo-coe-en")
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.output)}
    assert list(rows) == ["quiet", "failing", "demo-coe-en"]
    quiet, failing, demo = rows["quiet"], rows["failing"], rows["demo-coe-en"]
    last = datetime.fromisoformat(quiet["last_run"])
    assert datetime.fromisoformat(quiet["next_run"]) == last + timedelta(hours=1)  # keeps its cadence
    assert quiet["health"] == "quiet" and quiet["usual_gap_s"] == 86400 and quiet["silent_for_s"] > 29 * 86400
    assert failing["health"] == "failing" and failing["consecutive_failures"] == 3
    assert failing["last_status"] == "blocked" and failing["last_message"] == "HTTP 403 from failing.example.org"
    assert datetime.fromisoformat(failing["next_run"]) == datetime.fromisoformat(failing["last_run"]) + timedelta(
        minutes=30)
    assert demo["in_registry"] is False and demo["schedule"] is None and demo["next_run"] is None
    assert demo["name"] == "Demo: CoE newsroom" and demo["statements"] == 1 and demo["health"] == "ok"


def test_csv_and_unknown_source(fixture_db):
    csv_out = invoke(*fixture_db, "--format", "csv", "never")
    assert csv_out.exit_code == 0
    header, row = csv_out.output.strip().splitlines()
    assert header.startswith("id,name,in_registry,enabled,verified,schedule,last_run,last_status")
    assert row.startswith("never,Source never,True,True,False,every 2h,,")
    bad = invoke(*fixture_db, "no-such-source")
    assert bad.exit_code != 0 and "unknown source 'no-such-source'" in bad.output and "Traceback" not in bad.output
