"""The project egg a Scrapyd node receives (scheduler/scrapyd.py build_egg)."""

import subprocess
import sys
import zipfile
from io import BytesIO

from scheduler.scrapyd import build_egg, job_settings
from spiders.sources import load_sources
from tests.paths import ROOT


def test_egg_holds_the_crawling_code_and_names_its_settings(tmp_path):
    version, egg = build_egg()
    assert build_egg.__wrapped__() == (version, egg)  # the same checkout, the same egg and version
    names = zipfile.ZipFile(BytesIO(egg)).namelist()
    assert "spiders/settings.py" in names and "pipelines/remote.py" in names
    assert not any(n.startswith(("scheduler/", "tests/")) or "__pycache__" in n for n in names)
    entry_points = zipfile.ZipFile(BytesIO(egg)).read("EGG-INFO/entry_points.txt").decode()
    assert "[scrapy]\nsettings = spiders.settings" in entry_points
    # Imported from the egg alone (as Scrapyd's runner does), in a fresh interpreter.
    path = tmp_path / f"{version}.egg"
    path.write_bytes(egg)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import spiders.settings, pipelines.item_pipeline; "
            "print(spiders.settings.__file__)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=tmp_path,
                         check=True)
    assert out.stdout.strip().startswith(str(path))


def test_job_settings_keep_the_schedulers_files_at_home():
    source = next(iter(load_sources(ROOT / "data" / "sources.toml").values()))
    settings = job_settings(source, ["https://e.org/1"], {"COMMUNIQUE_DB": "/home/db", "LOG_FILE": "/x.log",
                                                           "DOWNLOAD_DELAY": 0})
    assert "COMMUNIQUE_DB" not in settings and "LOG_FILE" not in settings
    assert settings["DOWNLOAD_DELAY"] == "0" and settings["COMMUNIQUE_REMOTE"] == "True"
    assert '"runner"' not in settings["COMMUNIQUE_SOURCE_ENTRY"]
