"""The registry compiles every selector on load and names wrong types as TOML does."""

from __future__ import annotations

import pytest

from spiders.sources import SourcesError, load_sources

GOOD = """
[[source]]
id = "demo-one"
name = "One"
publisher = "ministry"
country = "RU"
language = "ru"
spider = "listing"
listing_urls = ["https://example.org/news"]
[source.listing]
link = "a::attr(href)"
[source.selectors]
title = "h1.title"
"""


@pytest.mark.parametrize(("change", "message"), [
    (('title = "h1.title"', 'title = "h1[class="'),
     "key 'selectors.title': bad CSS selector 'h1[class=': Expected string or ident, got <EOF at 9>"),
    (('title = "h1.title"', 'title = "h1::foo"'),
     "key 'selectors.title': bad CSS selector 'h1::foo': The pseudo-element ::foo is unknown"),
    (('title = "h1.title"', 'remove = [".ad", "div >> p"]'),
     "key 'selectors.remove': bad CSS selector 'div >> p'"),
    (('link = "a::attr(href)"', 'link = "a::attr(href"'), "key 'listing.link': bad CSS selector"),
    (('title = "h1.title"', 'title = ["h1"]'), "key 'selectors.title': expected a CSS selector string, not a list"),
    (('listing_urls = ["https://example.org/news"]', 'listing_urls = "https://example.org/news"'),
     "key 'listing_urls': expected a list of URLs ([\"https://…\"]), not a string"),
    (('listing_urls = ["https://example.org/news"]', 'listing_urls = ["https://example.org/news", 3]'),
     "key 'listing_urls': not an http(s) URL: 3"),
])
def test_bad_selectors_and_types_are_one_line(tmp_path, change, message):
    path = tmp_path / "s.toml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(SourcesError) as err:
        load_sources(path)
    assert message in str(err.value)


def test_good_selectors_load(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_sources(path)["demo-one"].selectors == {"title": "h1.title"}
