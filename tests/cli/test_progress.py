"""Progress for people: plain `progress` lines on stderr when not on a terminal (as here), a rich bar on one.

Real crawls of a local site through `communique crawl` and `communique schedule --once`.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from scheduler import crawl as crawl_module
from scheduler.cli import cli
from scheduler.crawl import CrawlResult
from scheduler.progress import CrawlProgress, Totals

from ..integration.schedule_site import FAST, registry, serve_feed

PROGRESS = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d progress: (\d+)/(\d+) sources? done, (\d+) pages?, "
                      r"(\d+) new statements?( \(\d+ not ok\))?$")


@pytest.fixture
def two_sources(tmp_path, http_site, monkeypatch):
    """'good' serves a one-statement feed, 'down' answers 500."""
    monkeypatch.setenv("COMMUNIQUE_HOME", str(tmp_path))
    serve_feed(http_site.routes, http_site.base_url, "good")
    http_site.routes["/down/rss.xml"] = (500, "text/html", b"<html>down</html>")
    reg = registry(tmp_path / "sources.toml", [("good", http_site.base_url, "1h"), ("down", http_site.base_url, "1h")])
    # The registry's sources run with the test settings (no politeness delay against the local site).
    monkeypatch.setattr(crawl_module, "crawl_command", _fast(crawl_module.crawl_command))
    return reg, tmp_path / "c.db"


def _fast(command):
    def with_test_settings(source, db_path, sources_path, run_id, log_path, settings=None):
        return command(source, db_path, sources_path, run_id, log_path, {**FAST, **(settings or {})})
    return with_test_settings


def progress_lines(stderr: str) -> list[tuple]:
    found = [PROGRESS.match(line) for line in stderr.splitlines()]
    return [m.groups() for m in found if m]


def result_counts(stdout: str) -> dict[str, tuple[int, int]]:
    """Per source in the result lines: (pages, new)."""
    counts = {}
    for line in stdout.splitlines():
        m = re.search(r"(\S+)\s+(\S+)\s+pages\s+(\d+)\s+found\s+\d+\s+new\s+(\d+)", line)
        if m:
            counts[m.group(1)] = (int(m.group(3)), int(m.group(4)))
    return counts


def test_crawl_prints_one_progress_line_per_finished_source_on_stderr(two_sources):
    reg, db = two_sources
    result = CliRunner().invoke(cli, ["crawl", "--sources", str(reg), "--db", str(db), "--jobs", "1"])
    assert result.exit_code == 1, result.output  # 'down' failed
    counts = result_counts(result.stdout)
    assert set(counts) == {"good", "down"} and counts["good"][1] == 1
    assert "progress" not in result.stdout  # stdout keeps one result line per source for scripts
    lines = progress_lines(result.stderr)
    assert [(done, total) for done, total, *_ in lines] == [("1", "2"), ("2", "2")]
    last = lines[-1]
    assert int(last[2]) == sum(p for p, _ in counts.values()) and int(last[3]) == 1 and last[4] == " (1 not ok)"


def test_schedule_once_prints_progress_for_the_due_sources(two_sources):
    reg, db = two_sources
    result = CliRunner().invoke(cli, ["schedule", "--once", "--sources", str(reg), "--db", str(db)])
    assert result.exit_code == 1, result.output
    lines = progress_lines(result.stderr)
    assert [(done, total) for done, total, *_ in lines] == [("1", "2"), ("2", "2")]
    assert int(lines[-1][3]) == 1
    again = CliRunner().invoke(cli, ["schedule", "--once", "--sources", str(reg), "--db", str(db)])
    assert again.stdout.strip() == "no source is due" and progress_lines(again.stderr) == []


def test_totals_line():
    totals = Totals(3)
    totals.add(CrawlResult("a", "ok", pages=1, new=1))
    assert totals.line() == "1/3 sources done, 1 page, 1 new statement"
    totals.add(CrawlResult("b", "blocked", pages=4))
    assert totals.line() == "2/3 sources done, 5 pages, 1 new statement (1 not ok)"


def test_live_progress_prints_results_through_rich_safely(capsys):
    """On a terminal: rich draws the bar; a site's message is neither markup nor terminal escapes."""
    with CrawlProgress(2, live=True) as progress:
        progress.finished(CrawlResult("a", "ok", pages=3, new=2), "a ok pages 3 new 2")
        progress.finished(CrawlResult("b", "failed", pages=1), "b failed - [bold red]HTTP 500[/] \x1b[2Jcleared")
    out = capsys.readouterr().out
    assert "a ok pages 3 new 2" in out
    assert "b failed - [bold red]HTTP 500[/] [2Jcleared" in out and "\x1b[2J" not in out
    assert "2/2" in out and "4 pages" in out and "2 new statements" in out
