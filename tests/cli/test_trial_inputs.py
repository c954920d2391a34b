"""Odd and hostile command lines a first user typed: each gives one clear line and a non-zero
exit, never an internal error, and never an empty answer that only looks like "nothing found"."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from spiders.sources import Source
from tests.builders import one_statement_db, opened_store, statement

SOURCE = Source(id="src", name="Src", publisher="ministry", country="UA", language="en", spider="feed",
                feed_urls=("https://example.org/rss",))
HUGE = "99999999999999999999"  # beyond SQLite's 64-bit integers


@pytest.fixture
def db(tmp_path):
    return one_statement_db(tmp_path / "c.db", SOURCE)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_one_line_error(result, *, says: str):
    assert result.exit_code != 0, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    error_lines = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(error_lines) == 1, result.output
    assert says in error_lines[0], result.output


@pytest.mark.parametrize("args", [["show", HUGE], ["search", "--offset", HUGE], ["unsubscribe", "a@example.org",
                                                                                  "--id", HUGE],
                                  ["relink", "--batch", HUGE]])
def test_a_number_too_large_for_the_database_is_a_usage_error(db, args):
    result = run(*args, "--db", db)
    assert result.exit_code == 2
    assert_one_line_error(result, says="range")


@pytest.mark.parametrize("command", ["search", "stats", "export"])
def test_since_after_until_is_an_error_not_an_empty_answer(db, command):
    result = run(command, "--since", "2025-01-01", "--until", "2024-01-01", "--db", db)
    assert_one_line_error(result, says="--since 2025-01-01 is not before --until 2024-01-01")
    assert "no statements found" not in result.output and "nothing to count" not in result.output


def test_since_before_until_still_finds(db):
    result = run("search", "--since", "2024-10-01", "--until", "2024-11-01", "--db", db)
    assert result.exit_code == 0
    assert "Torture report" in result.output


@pytest.mark.parametrize("args", [["search", "--min-score", "nan"], ["subscribe", "a@example.org", "--min-score",
                                                                     "nan"]])
def test_min_score_not_a_number_is_refused(db, args):
    result = run(*args, "--db", db)
    assert result.exit_code == 2
    assert_one_line_error(result, says="--min-score")


def test_crawl_jobs_below_one_is_refused(tmp_path):
    result = run("crawl", "no-such-source", "--jobs", "-1", "--db", tmp_path / "c.db")  # never reaches a site
    assert result.exit_code == 2
    assert_one_line_error(result, says="--jobs")


def test_subscribe_refuses_a_query_full_text_search_cannot_read(db):
    result = run("subscribe", "a@example.org", "--query", "(", "--db", db)
    assert_one_line_error(result, says="--query '('")
    assert "subscription #" not in result.output
    assert "a@example.org" not in run("subscriptions", "--db", db).output


@pytest.mark.parametrize("option, value, known", [("--tag", "cooe", "coe"), ("--source", "nope", "src")])
def test_subscribe_refuses_a_tag_or_source_that_does_not_exist(db, option, value, known):
    result = run("subscribe", "a@example.org", option, value, "--db", db)
    assert_one_line_error(result, says=f"unknown {option[2:]} {value!r}")
    assert known in result.output


def test_subscribe_accepts_a_lexicon_tag_no_statement_carries_yet(tmp_path, monkeypatch):
    monkeypatch.setenv("COMMUNIQUE_HOME", str(tmp_path))  # a fresh database: no tags stored at all
    result = run("subscribe", "a@example.org", "--tag", "venice_commission", "--query", "torture",
                 "--source", "mid-ru-en", "--db", tmp_path / "fresh.db")
    assert result.exit_code == 0, result.output
    assert "subscription #1" in result.output


def test_schedule_once_that_cannot_create_its_lock_file_says_so(db, tmp_path, monkeypatch):
    monkeypatch.setenv("COMMUNIQUE_HOME", str(tmp_path))
    (tmp_path / "c.db.scheduler.lock").mkdir()  # the lock file's name is taken by a folder
    registry = tmp_path / "sources.toml"
    registry.write_text('[[source]]\nid = "src"\nname = "Src"\npublisher = "ministry"\ncountry = "UA"\n'
                        'language = "en"\nspider = "feed"\nfeed_urls = ["https://example.org/rss"]\n',
                        encoding="utf-8")
    result = run("schedule", "--once", "--sources", registry, "--db", db)
    assert_one_line_error(result, says="scheduler lock")


def _communique(args, env_extra, home):
    """The installed entry point in a fresh interpreter, so the locale and stdout encoding are real."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONIO", "PYTHONUTF8"))}
    env.update(env_extra, COMMUNIQUE_HOME=str(home))
    code = "import sys; from scheduler.cli import main; sys.argv[0] = 'communique'; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, env=env, timeout=120,
                          check=False)


@pytest.fixture
def cyrillic_db(tmp_path):
    path = tmp_path / "uk.db"
    with opened_store(path, SOURCE) as store:
        store.save(statement("https://example.org/uk/1", "Заява щодо Ради Європи та Конвенції.",
                             title="Заява Ради Європи", language="uk"))
    return path


def test_a_terminal_that_cannot_show_cyrillic_gets_replacement_characters_not_a_crash(cyrillic_db):
    done = _communique(["search", "--db", str(cyrillic_db)], {"PYTHONIOENCODING": "latin-1"}, cyrillic_db.parent)
    assert done.returncode == 0, done.stderr
    assert b"internal error" not in done.stderr
    assert b"1 " in done.stdout and b"?" in done.stdout


def test_a_query_typed_in_utf8_under_the_c_locale_still_finds(cyrillic_db):
    done = _communique(["search", "Заява", "--db", str(cyrillic_db)],
                       {"LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}, cyrillic_db.parent)
    assert done.returncode == 0, done.stderr
    assert b"no statements found" not in done.stdout
    assert "Заява Ради Європи".encode() in done.stdout or b"src" in done.stdout


def test_ctrl_c_in_any_command_exits_130_with_one_line(tmp_path):
    """`crawl` documents 130 for Ctrl-C; every other command (demo, tag, relink …) said "Aborted!" and 1."""
    import signal

    env = {**os.environ, "COMMUNIQUE_HOME": str(tmp_path)}
    code = "import sys; from scheduler.cli import main; sys.argv[0] = 'communique'; main()"
    proc = subprocess.Popen([sys.executable, "-c", code, "tag", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    try:
        _wait_until_reading_stdin(proc.pid)  # a user typing a text, then thinking better of it
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert b"Aborted" not in err and b"Traceback" not in err
    assert err.decode().strip().splitlines() == ["interrupted"]


def _wait_until_reading_stdin(pid: int) -> None:
    """Until the process is blocked reading its stdin pipe (Linux names the kernel function it waits in)."""
    import time
    from pathlib import Path

    for _ in range(600):
        try:
            if "pipe_read" in Path(f"/proc/{pid}/wchan").read_text():
                return
        except OSError:
            pass
        time.sleep(0.1)


@pytest.mark.parametrize("args", [["--limit", HUGE], ["--by", "day", "--limit", "3000000"],
                                  ["--by", "week", "--limit", "3000000"]])
def test_stats_limit_beyond_what_can_be_counted_is_a_usage_error(db, args):
    result = run("stats", *args, "--db", db)
    assert result.exit_code == 2
    assert_one_line_error(result, says="--limit")


def test_stats_with_a_query_fts_cannot_read_says_so_as_search_does(db):
    result = run("stats", "(", "--db", db)
    assert_one_line_error(result, says="cannot search for '('")
    assert "database error" not in result.output


OFFLINE_REGISTRY = ('[[source]]\nid = "src"\nname = "Src"\npublisher = "ministry"\ncountry = "UA"\nlanguage = "en"\n'
                    'spider = "feed"\nfeed_urls = ["https://example.org/rss"]\n')


@pytest.mark.parametrize("command", [["crawl", "src"], ["schedule", "--once"]])
def test_crawls_whose_log_folder_cannot_be_made_say_so_in_one_line(tmp_path, monkeypatch, command):
    """`logs` next to the database is a file: no crawl can start (nothing is fetched). `schedule --once`
    said "no source is due" and exited 0, its threads' tracebacks on stderr; `crawl` called it a bug."""
    monkeypatch.setenv("COMMUNIQUE_HOME", str(tmp_path))
    (tmp_path / "logs").write_text("not a folder", encoding="utf-8")
    registry = tmp_path / "sources.toml"
    registry.write_text(OFFLINE_REGISTRY, encoding="utf-8")
    result = run(*command, "--sources", registry, "--db", tmp_path / "c.db")
    assert "no source is due" not in result.output
    assert_one_line_error(result, says=f"cannot create the crawl log folder {tmp_path / 'logs'}")


@pytest.mark.parametrize("command", [["crawl", "no-such-source"], ["schedule", "--once"], ["recheck", "nope"]])
def test_a_timeout_beyond_a_week_is_a_usage_error(tmp_path, command):
    """A huge --timeout overflowed the wait on each crawl subprocess, after starting them all: orphaned crawls."""
    registry = tmp_path / "sources.toml"
    registry.write_text(OFFLINE_REGISTRY.replace('spider = "feed"', 'spider = "feed"\nenabled = false'),
                        encoding="utf-8")  # nothing would be crawled even if the option were taken
    result = run(*command, "--timeout", HUGE, "--sources", registry, "--db", tmp_path / "c.db")
    assert result.exit_code == 2
    assert_one_line_error(result, says="--timeout")


@pytest.fixture
def stories_db(tmp_path):
    """Six statements, newest first 6..1, in four stories: {6, 4}, {5, 3}, {2}, {1}."""
    from datetime import UTC, datetime

    path = tmp_path / "stories.db"
    with opened_store(path, SOURCE) as store:
        for n in range(1, 7):
            store.save(statement(f"https://example.org/{n}", f"Torture report number {n} on its own words w{n}.",
                                 title=f"Report {n}", published_at=datetime(2024, 1, n, tzinfo=UTC)))
        with store.write() as conn:
            for statement_id, story in ((6, 4), (4, 4), (5, 3), (3, 3), (2, 2), (1, 1)):
                conn.execute("UPDATE statements SET story_id = ? WHERE id = ?", [story, statement_id])
    return path


def test_collapsed_pages_count_stories_and_never_repeat_one(stories_db):
    import json

    def page(offset):
        result = run("search", "--collapse-stories", "--limit", "2", "--offset", offset, "--format", "json",
                     "--db", stories_db)
        assert result.exit_code == 0, result.output
        return [r["id"] for r in json.loads(result.output)]

    assert page(0) == [6, 5]
    assert page(2) == [2, 1]
    assert page(4) == []
    assert page(2**62 - 1) == []  # the furthest offset the option takes
    table = run("search", "--collapse-stories", "--limit", "2", "--db", stories_db)
    assert table.output.strip().splitlines()[-1] == "2 of 4 — --limit/--offset for more"


@pytest.mark.parametrize("query", ["Рада Європи", "foo:bar OR Європи"])
def test_a_subscription_query_matches_as_search_does(cyrillic_db, query):
    """«Рада Європи» finds «Ради Європи» in search; a subscription with that query alerted on nothing."""
    found = run("search", query, "--format", "json", "--db", cyrillic_db)
    assert found.exit_code == 0 and '"id": 1' in found.output, found.output
    result = run("subscribe", "a@example.org", "--query", query, "--since", "2000-01-01", "--db", cyrillic_db)
    assert result.exit_code == 0, result.output
    assert "1 alert(s) queued" in result.output


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_tag_refuses_a_text_larger_than_a_crawl_would_download(tmp_path, monkeypatch, source):
    """`communique tag /dev/zero` read without end (the same bound as a downloaded page: 1 MB here)."""
    monkeypatch.setenv("COMMUNIQUE_MAX_DOWNLOAD_MB", "1")
    big = b"The Council of Europe. " * 50_000  # 1.15 MB
    path = tmp_path / "big.txt"
    path.write_bytes(big)
    if source == "file":
        result = CliRunner().invoke(cli, ["tag", str(path)])
    else:
        result = CliRunner().invoke(cli, ["tag", "-"], input=big)
    assert_one_line_error(result, says="larger than 1 MB")


def test_tag_reads_a_text_within_the_bound(tmp_path, monkeypatch):
    monkeypatch.setenv("COMMUNIQUE_MAX_DOWNLOAD_MB", "1")
    path = tmp_path / "ok.txt"
    path.write_bytes(b"The Parliamentary Assembly of the Council of Europe met. " * 10_000)  # 0.57 MB
    result = CliRunner().invoke(cli, ["tag", str(path), "--format", "text"])
    assert result.exit_code == 0, result.output
    assert "coe" in result.output


def test_alerts_dry_run_into_a_folder_that_cannot_be_made_says_so(db, tmp_path):
    (tmp_path / "afile").write_text("", encoding="utf-8")
    queued = run("subscribe", "a@example.org", "--since", "2000-01-01", "--db", db)
    assert "1 alert(s) queued" in queued.output, queued.output
    result = run("alerts", "send", "--dry-run", tmp_path / "afile" / "mails", "--db", db)
    assert_one_line_error(result, says=f"--dry-run {tmp_path / 'afile' / 'mails'}: cannot write the mails there")


@pytest.mark.parametrize("variable, value", [("COMMUNIQUE_ALLOWED_NETWORKS", "garbage"),
                                             ("COMMUNIQUE_LOG_LEVEL", "LOUD")])
@pytest.mark.parametrize("command", [["crawl", "src"], ["schedule", "--once"]])
def test_a_malformed_crawl_setting_is_one_line_before_any_crawl(tmp_path, monkeypatch, variable, value, command):
    """Each crawl subprocess found it and failed on its own: a `failed` run per source (counting
    towards the admin's health email), its reason a Python class name."""
    monkeypatch.setenv("COMMUNIQUE_HOME", str(tmp_path))
    monkeypatch.setenv(variable, value)
    registry = tmp_path / "sources.toml"
    registry.write_text(OFFLINE_REGISTRY, encoding="utf-8")
    result = run(*command, "--sources", registry, "--db", tmp_path / "c.db")
    assert_one_line_error(result, says=f"${variable}: {value!r}")
    assert "failed" not in result.output


@pytest.mark.parametrize("query", [[], ["torture"]])
def test_an_offset_past_the_last_match_does_not_claim_nothing_was_found(db, query):
    result = run("search", *query, "--offset", "5", "--db", db)
    assert result.exit_code == 0, result.output
    assert "no statements found" not in result.output
    assert result.output.strip() == "no statements after the first 1 (--offset 5)"


def test_nothing_found_is_still_said_when_true(db):
    assert run("search", "zzzunknownword", "--offset", "5", "--db", db).output.strip() == "no statements found"


@pytest.mark.parametrize("args", [["search", "torture"], ["show", "1"]])
def test_no_color_means_no_escape_codes_even_on_a_terminal(db, args):
    """https://no-color.org: NO_COLOR set and not empty: no ANSI styling (search's bold matches, show's title)."""
    on_a_terminal = CliRunner().invoke(cli, [*args, "--db", str(db)], color=True)
    assert "\x1b[" in on_a_terminal.output  # styled when NO_COLOR is not set
    plain = CliRunner().invoke(cli, [*args, "--db", str(db)], color=True, env={"NO_COLOR": "1"})
    assert plain.exit_code == 0, plain.output
    assert "\x1b[" not in plain.output
    assert "Torture report" in plain.output or "torture" in plain.output.lower()


@pytest.mark.parametrize("command", [["search"], ["stats"], ["subscribe", "a@example.org", "--query"]])
def test_a_long_malformed_query_is_quoted_short_in_its_error(db, command):
    """A 5,000-character query FTS5 cannot read was echoed whole: a 5 KB "one-line" error."""
    query = "word " * 1000 + "("
    result = run(*command, query, "--db", db)
    assert_one_line_error(result, says="'word word word")
    error = next(line for line in result.output.splitlines() if line.startswith("Error: "))
    assert len(error) < 300
    assert "…" in error


def test_demo_never_deletes_a_file_that_is_not_a_communique_database(tmp_path, monkeypatch):
    """`demo --db` starts from an empty database by deleting the old one: a mistyped --db pointing at
    someone else's SQLite file deleted it."""
    from tests.builders import digest, foreign_sqlite

    monkeypatch.setenv("COMMUNIQUE_HOME", str(tmp_path))
    foreign = foreign_sqlite(tmp_path / "notes.sqlite")
    before = digest(foreign)
    result = run("demo", "--db", foreign)
    assert_one_line_error(result, says="is not a communique database (left untouched)")
    assert foreign.exists() and digest(foreign) == before


def test_subscribe_takes_a_source_id_in_any_case_as_search_does(db):
    result = run("subscribe", "a@example.org", "--source", "SRC", "--db", db)
    assert result.exit_code == 0, result.output
    assert "source src," in result.output


def test_serve_on_a_port_in_use_is_one_line_and_never_claims_to_serve(db):
    import socket

    pytest.importorskip("datasette")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", port, "--db", db)
    assert "serving" not in result.output
    assert_one_line_error(result, says=f"cannot listen on 127.0.0.1:{port}")


def test_serve_on_port_0_names_the_port_it_got(db, tmp_path):
    """--port 0 lets the system choose: "at http://127.0.0.1:0/" named no port a browser can open."""
    import urllib.request

    pytest.importorskip("datasette")
    env = {**os.environ, "COMMUNIQUE_HOME": str(tmp_path)}
    code = "import sys; from scheduler.cli import main; sys.argv[0] = 'communique'; main()"
    proc = subprocess.Popen([sys.executable, "-c", code, "serve", "--port", "0", "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        line = proc.stdout.readline()
        url = line.split(" at ", 1)[1].split(" ", 1)[0]
        assert not url.endswith(":0/"), line
        with urllib.request.urlopen(url + "c/statements.json?_shape=array", timeout=30) as answer:
            assert b"Torture report" in answer.read()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_schedule_once_on_someone_elses_sqlite_file_leaves_nothing_beside_it(tmp_path):
    from tests.builders import digest, foreign_sqlite

    foreign = foreign_sqlite(tmp_path / "notes.sqlite")
    before = digest(foreign)
    result = run("schedule", "--once", "--db", foreign)
    assert_one_line_error(result, says="is not a communique database (left untouched)")
    assert digest(foreign) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite"]  # no lock file made beside it
