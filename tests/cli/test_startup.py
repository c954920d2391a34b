"""CLI start-up: a reading command imports none of the heavy libraries that crawling,
scheduling, mail or writing the database need — sqlite-utils included (pipelines/read_database.py) —
each in a fresh interpreter, as a user's shell would run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.cli import COMMANDS, cli
from tests.cli.archive import build_archive

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("scrapy", "twisted", "trafilatura", "dateparser", "datasketch", "scipy", "numpy", "jinja2", "aiosmtpd",
         "apscheduler", "feedgen", "datasette", "sqlite_utils")

PROBE = """
import sys
from scheduler.cli import main
sys.argv = ["communique", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
heavy = {heavy!r}
print("LOADED", ",".join(name for name in heavy if name in sys.modules), file=sys.stderr)
sys.exit(code)
"""


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("startup") / "c.db")


def loaded_by(*args: str) -> tuple[int, list[str], str]:
    result = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], check=False,
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    line = next(ln for ln in result.stderr.splitlines() if ln.startswith("LOADED"))
    return result.returncode, [m for m in line.removeprefix("LOADED").strip().split(",") if m], result.stdout


@pytest.mark.parametrize("args", [
    ("search", "torture"),
    ("search", "Рада Європи", "--tag", "coe"),
    ("show", "7"),
    ("stats", "--by", "language"),
    ("export", "--format", "json"),
    ("subscriptions",),
    ("alerts", "status"),
])
def test_reading_commands_import_no_heavy_library(archive, args):
    code, loaded, out = loaded_by(*args, "--db", str(archive))
    assert code == 0, out
    assert out.strip()  # the command did its work
    assert loaded == []


def test_the_probe_sees_a_heavy_import(archive):
    """The check above can fail: `sources` validates the registry's spiders, so it loads Scrapy."""
    code, loaded, out = loaded_by("sources", "--db", str(archive))
    assert code == 0, out
    assert "scrapy" in loaded


def test_every_lazy_entry_is_the_command_of_that_name():
    commands = cli.commands
    assert sorted(commands) == sorted(COMMANDS)
    for name in COMMANDS:
        assert commands[name].name == name
