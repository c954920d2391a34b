"""The registry's `runner` key and the registry entry a remote job carries (spiders/sources.py)."""

import json

import pytest

from spiders.errors import SourcesError
from spiders.sources import load_sources, registry_entry, source_from_entry
from tests.paths import ROOT
from tests.registries import load_one as load


def test_local_by_default(tmp_path):
    source = load(tmp_path)
    assert (source.runner, source.runner_url) == ("", "")


def test_scrapyd_runner_read(tmp_path):
    source = load(tmp_path, 'runner = "scrapyd:http://10.8.0.2:6800/"\n')
    assert source.runner_url == "http://10.8.0.2:6800"


@pytest.mark.parametrize("value", [
    '"http://host:6800"',            # no scheme of runner
    '"scrapyd:"',
    '"scrapyd:ftp://host:6800"',
    '"scrapyd:http://host:6800?x=1"',
    '"scrapyd:host:6800"',
    "6800",
])
def test_bad_runner_is_one_line(tmp_path, value):
    with pytest.raises(SourcesError) as err:
        load(tmp_path, f"runner = {value}\n")
    message = str(err.value)
    assert "key 'runner'" in message and "scrapyd:http://host:6800" in message and "\n" not in message


def test_every_registered_source_survives_the_trip_as_an_entry():
    for source in load_sources(ROOT / "data" / "sources.toml").values():
        assert source_from_entry(json.dumps(registry_entry(source))) == source


def test_bad_entry_is_one_line():
    with pytest.raises(SourcesError, match="not JSON"):
        source_from_entry("{not json")
    with pytest.raises(SourcesError, match="key 'publisher'"):
        source_from_entry(json.dumps({"id": "x", "name": "X", "publisher": "blog", "country": "EX",
                                      "language": "en", "spider": "feed", "feed_urls": ["https://e.org/"]}))
