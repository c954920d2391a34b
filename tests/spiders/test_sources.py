
import pytest

from spiders.sources import SourcesError, load_sources
from tests.paths import ROOT

GOOD = """
[[source]]
id = "demo-one"
name = "One"
publisher = "ministry"
country = "RU"
language = "ru"
spider = "feed"
feed_urls = ["https://example.org/rss.xml"]
timezone = "Europe/Moscow"
"""


def test_project_registry_loads_and_is_valid():
    sources = load_sources(ROOT / "data" / "sources.toml")
    assert {"mid-ru-ru", "mid-ru-en", "coe-newsroom-en", "ukrinform-en", "kyiv-independent", "mfa-ua-uk"} <= set(sources)
    assert sources["mid-ru-ru"].timezone == "Europe/Moscow"
    assert all(s.feed_urls or s.listing_urls or s.sitemap_urls or s.api_urls for s in sources.values())


def test_good_registry(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(GOOD)
    source = load_sources(path)["demo-one"]
    assert source.feed_urls == ("https://example.org/rss.xml",)
    assert source.enabled and source.fetcher == "scrapy"
    assert source.schedule_interval().total_seconds() == 3600


@pytest.mark.parametrize(
    "change, message",
    [
        (('feed_urls = ["https://example.org/rss.xml"]', 'feed_urls = ["ftp:/nope"]'), "key 'feed_urls': not an http(s) URL"),
        (('spider = "feed"', 'spider = "crawler9000"'), "key 'spider': unknown spider 'crawler9000'"),
        (('timezone = "Europe/Moscow"', 'timezone = "Mars/Olympus"'), "key 'timezone': unknown time zone"),
        (('language = "ru"', 'language = "ru"\ncolour = "red"'), "key 'colour': unknown key"),
        (('publisher = "ministry"', 'publisher = "blog"'), "key 'publisher'"),
        (('id = "demo-one"', 'id = "Demo One"'), "key 'id'"),
        (('language = "ru"', 'language = "ru"\nschedule = "sometimes"'), "key 'schedule'"),
        (('language = "ru"', 'language = "ru"\nenabled = "yes"'), "key 'enabled': true or false"),
        (('language = "ru"', 'language = "ru"\narticle_pattern = "(unclosed"'), "key 'article_pattern': bad regex"),
        (('feed_urls = ["https://example.org/rss.xml"]', ''), "needs at least one of"),
    ],
)
def test_invalid_registry_names_file_and_key(tmp_path, change, message):
    path = tmp_path / "s.toml"
    path.write_text(GOOD.replace(*change))
    with pytest.raises(SourcesError) as err:
        load_sources(path)
    text = str(err.value)
    assert message in text
    assert str(path) in text and "\n" not in text


def test_duplicate_ids(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(GOOD + GOOD)
    with pytest.raises(SourcesError, match="'demo-one': key 'id': duplicate id"):
        load_sources(path)


def test_not_toml_and_missing_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("[[source]\nid=")
    with pytest.raises(SourcesError, match="not valid TOML"):
        load_sources(path)
    with pytest.raises(SourcesError, match="no such file"):
        load_sources(tmp_path / "missing.toml")
