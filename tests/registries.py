"""Registry entries the tests write, defined once: a test gets a valid source in one line."""

from __future__ import annotations


def feed_source(source_id: str, *, feed: str = "{base}/rss.xml", extra: str = "") -> str:
    """A minimal feed source (TOML), its feed address left as `{base}/…` for the test's server to fill."""
    return f"""
[[source]]
id = "{source_id}"
name = "{source_id} (test)"
publisher = "news"
country = "UA"
language = "en"
spider = "feed"
feed_urls = ["{feed}"]
timezone = "Europe/Kyiv"
{extra}"""


def load_one(tmp_path, extra: str = "", *, source_id: str = "one"):
    """The Source that `feed_source(source_id)` plus `extra` keys reads as, through the registry's validation."""
    from spiders.sources import load_sources

    path = tmp_path / "sources.toml"
    path.write_text(feed_source(source_id, feed="https://example.org/rss", extra=extra), encoding="utf-8")
    return load_sources(path)[source_id]


# A mid.ru-shaped feed source with its selectors, for the saved mid.ru pages (tests/fixtures/mid-ru-ru/).
MID_RU_FEED = """
[[source]]
id = "local-feed"
name = "Local feed"
publisher = "ministry"
country = "RU"
language = "ru"
spider = "feed"
feed_urls = ["{base}/rss.php"]
timezone = "Europe/Moscow"
date_formats = ["%d.%m.%Y %H:%M"]
[source.kinds]
"^Заявление" = "statement"
[source.selectors]
title = "h1.photo-content__title"
date = ".photo-content__item-info"
text = "div.text.article-content"
"""
