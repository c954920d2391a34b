"""A plain (not editable) `pip install .` works from any folder: the shipped data is found."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The project installed (no dependencies: they are in this venv) into a folder of its own."""
    work = tmp_path_factory.mktemp("install")
    src = work / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".git", "*.db", "*.db-*", "logs", "httpcache",
                                                              "build", "*.egg-info", "__pycache__", "tests"))
    target = work / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(target),
         str(src)],
        check=True, capture_output=True, timeout=300,
    )
    shutil.rmtree(src)  # nothing may come from the checkout any more
    return target


def run(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMUNIQUE_")}
    # -S: no site hooks, so the editable install of this checkout (a .pth finder) cannot leak in;
    # the dependencies come from this venv's site-packages, the project only from `installed`.
    env["PYTHONPATH"] = os.pathsep.join([str(installed), *site.getsitepackages()])
    code = "import sys; from scheduler.cli import main; sys.argv[0] = 'communique'; main()"
    return subprocess.run([sys.executable, "-S", "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False,
                          timeout=120)


def test_data_ships_as_package_data(installed):
    assert (installed / "communique_data" / "sources.toml").is_file()
    assert (installed / "communique_data" / "lexicon.toml").is_file()
    assert (installed / "communique_data" / "demo" / "content.toml").is_file()


def test_commands_work_from_another_folder(installed, tmp_path):
    result = run(installed, tmp_path, "sources")
    assert result.returncode == 0, result.stderr
    assert "mid-ru-ru" in result.stdout and "never crawled" in result.stdout
    tagged = run(installed, tmp_path, "tag", "--format", "text", "-")
    assert tagged.returncode == 0, tagged.stderr


def test_the_database_goes_under_data_in_the_current_folder(installed, tmp_path):
    result = run(installed, tmp_path, "search", "x")
    assert result.returncode == 1
    assert str(tmp_path / "data" / "communique.db") in result.stderr
