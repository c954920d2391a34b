"""`communique schedule` as cron, systemd and a person run it: a real process, real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from tests.integration.schedule_site import RecordingSite, record_run, registry, runs, wait_for
from tests.registries import feed_source

COMMUNIQUE = [sys.executable, "-c", "from scheduler.cli import main; main()"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("COMMUNIQUE_ALLOWED_NETWORKS", "127.0.0.0/8")
    monkeypatch.setenv("COMMUNIQUE_HOME", str(tmp_path))
    return dict(os.environ, PYTHONPATH=str(ROOT))


def processes_mentioning(text: str) -> list[int]:
    """Pids of live processes whose command line contains `text` (a crawl names its database)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = (entry / "stat").read_text().split(") ", 1)[1][0]
            except OSError:
                continue
            if text in cmdline and state != "Z":
                found.append(int(entry.name))
    return found


def test_sigterm_stops_the_scheduler_and_its_crawls_and_a_second_one_is_refused(tmp_path, env):
    db = tmp_path / "c.db"
    with RecordingSite() as site:
        site.add_feed("stuck", delay_s=120)
        reg = registry(tmp_path / "sources.toml", [("stuck", site.base_url, "1h")])
        out, err = (tmp_path / "out.txt").open("w"), (tmp_path / "err.txt").open("w")
        first = subprocess.Popen([*COMMUNIQUE, "schedule", "--grace", "1", "--db", str(db), "--sources", str(reg)],
                                 cwd=tmp_path, env=env, stdout=out, stderr=err)
        try:
            assert wait_for(lambda: "/stuck/rss.xml" in site.seen
                            or first.poll() is not None, timeout_s=60)
            assert first.poll() is None, (tmp_path / "err.txt").read_text()
            assert wait_for(lambda: processes_mentioning(str(db)), timeout_s=10)  # the crawl is under way

            second = subprocess.run([*COMMUNIQUE, "schedule", "--db", str(db), "--sources", str(reg)],
                                    check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
            assert second.returncode == 1
            assert second.stderr.strip().count("\n") == 0
            assert "another scheduler is already running" in second.stderr and f"pid {first.pid}" in second.stderr

            first.send_signal(signal.SIGTERM)
            assert first.wait(timeout=30) == 0  # the bound: out within 30 s
        finally:
            if first.poll() is None:
                first.kill()
            out.close(), err.close()
    assert processes_mentioning(str(db)) == []  # no orphaned crawl
    (row,) = runs(db)
    assert row["status"] != "running"  # the killed crawl is recorded, not left half-written
    printed = (tmp_path / "out.txt").read_text()
    assert "stuck" in printed and "stopping: no new crawls; 1 running" in printed and "stopped" in printed


def test_once_runs_each_due_source_exactly_once(tmp_path, env):
    db = tmp_path / "c.db"
    now = datetime.now(UTC)
    record_run(db, "late", (now - timedelta(hours=2)).isoformat(timespec="seconds"))
    record_run(db, "recent", (now - timedelta(minutes=1)).isoformat(timespec="seconds"))
    with RecordingSite() as site:
        for source_id in ("new", "late", "recent"):
            site.add_feed(source_id)
        reg = registry(tmp_path / "sources.toml", [
            ("new", site.base_url, "1h"), ("late", site.base_url, "1h"), ("recent", site.base_url, "1d")])
        command = [*COMMUNIQUE, "schedule", "--once", "--db", str(db), "--sources", str(reg)]
        once = subprocess.run(command, check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert once.returncode == 0, once.stderr
        by_source = {s: [r for r in runs(db) if r["source"] == s and not r["id"].startswith("past-")]
                     for s in ("new", "late", "recent")}
        assert {s: len(r) for s, r in by_source.items()} == {"new": 1, "late": 1, "recent": 0}
        assert all(r[0]["status"] == "ok" for r in (by_source["new"], by_source["late"]))
        assert not any(path.startswith("/recent/") for path, *_ in site.requests)
        assert [line.split()[2] for line in once.stdout.splitlines()] == ["new", "late"]

        again = subprocess.run(command, check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert (again.returncode, again.stdout.strip()) == (0, "no source is due")
        assert len(runs(db)) == 4


BAD_REGISTRY = feed_source("one", feed="https://example.org/rss", extra='active_hours = "all day"\n')


@pytest.mark.parametrize("args, environ, expected", [
    (["--jobs", "0"], {}, "Invalid value for '--jobs'"),
    (["--grace", "60"], {}, "Invalid value for '--grace'"),
    ([], {"COMMUNIQUE_JOBS": "many"}, "$COMMUNIQUE_JOBS: 'many' is not a whole number"),
    (["--sources", "{bad}"], {}, "key 'active_hours': 'all day'"),
])
def test_bad_input_is_one_line(tmp_path, monkeypatch, args, environ, expected):
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD_REGISTRY, encoding="utf-8")
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["schedule", "--once", "--db", str(tmp_path / "c.db"),
                                      *[a.replace("{bad}", str(bad)) for a in args]])
    assert result.exit_code in (1, 2) and expected in result.output, result.output
    assert not result.exception or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
