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
