"""URL identity: a table of addresses that must (and must not) name one document."""

import re

import pytest

from spiders.errors import SourcesError
from spiders.sources import load_sources
from spiders.urls import canonical_url, compile_rule, identity_key
from tests.paths import ROOT

SAME = [
    # tracking parameters
    ("https://mid.ru/ru/foreign_policy/news/1975354/?utm_source=tg&utm_medium=social",
     "https://mid.ru/ru/foreign_policy/news/1975354"),
    ("https://www.kyivindependent.com/a-b-c/?fbclid=IwAR0x&gclid=1&yclid=2&mc_cid=3&mc_eid=4&_ga=5",
     "https://kyivindependent.com/a-b-c"),
    ("https://www.coe.int/en/web/portal/-/russia-ceases?p_l_back_url=%2Fen%2Fweb%2Fportal%2Fnewsroom",
     "https://coe.int/en/web/portal/-/russia-ceases"),
    ("https://www.coe.int/en/web/portal/-/russia-ceases;jsessionid=ABC123?redirect=%2Fen",
     "https://coe.int/en/web/portal/-/russia-ceases"),
    # AMP and print renderings
    ("https://amp.example.org/news/1/", "https://example.org/news/1"),
    ("https://example.org/amp/news/1", "https://example.org/news/1"),
    ("https://example.org/news/1/amp/", "https://example.org/news/1"),
    ("https://example.org/news/1?amp", "https://example.org/news/1"),
    ("https://example.org/news/1?amp=1", "https://example.org/news/1"),
    ("https://example.org/news/1?outputType=amp", "https://example.org/news/1"),
    ("https://example.org/print/news/1", "https://example.org/news/1"),
    ("https://example.org/news/1?print=1", "https://example.org/news/1"),
    # scheme, host case, www., default port, trailing slash, fragment, query order
    ("HTTP://WWW.Example.ORG:80/News/1/#top", "https://example.org/News/1"),
    ("https://example.org:443/news/1?b=2&a=1", "https://example.org/news/1?a=1&b=2"),
    ("http://127.0.0.1:8765/news/1/?fbclid=x", "https://127.0.0.1:8765/news/1"),
    ("https://example.org/", "https://example.org/"),
]


@pytest.mark.parametrize("url, expected", SAME)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


DIFFERENT = [
    # what the page is stays in the address
    ("https://mid.ru/ru/foreign_policy/news/1975535/?lang=en", "https://mid.ru/ru/foreign_policy/news/1975535/"),
    ("https://example.org/news?id=1", "https://example.org/news?id=2"),
    ("https://example.org/news/1", "https://example.org/news/2"),
    ("https://example.org/news/1?print=0", "https://example.org/news/1?print=2"),
    ("https://example.org/news/1", "https://example.org:8443/news/1"),
    ("https://example.org/ampere/1", "https://example.org/1"),
]


@pytest.mark.parametrize("a, b", DIFFERENT)
def test_different_documents_keep_different_addresses(a, b):
    assert canonical_url(a) != canonical_url(b)


def test_canonical_url_is_idempotent():
    for url, _ in SAME:
        once = canonical_url(url)
        assert canonical_url(once) == once


@pytest.fixture(scope="module")
def registry():
    return load_sources(ROOT / "data" / "sources.toml", check_spiders=False)


KEYS = [
    ("mid-ru-ru", "https://mid.ru/ru/foreign_policy/news/1975535/", "mid.ru:1975535"),
    ("mid-ru-en", "https://www.mid.ru/en/foreign_policy/news/1975535/?utm_source=x", "mid.ru:1975535"),
    ("mid-ru-ru", "https://mid.ru/ru/press_service/spokesman/briefings/1975535/", "mid.ru:1975535"),
    ("coe-newsroom-en", "https://www.coe.int/en/web/portal/-/russia-ceases?p_l_back_url=%2F", "coe.int:russia-ceases"),
    ("coe-newsroom-fr", "https://www.coe.int/fr/web/portal/-/russia-ceases", "coe.int:russia-ceases"),
    ("coe-newsroom-en",
     "https://www.coe.int/en/web/portal/full-news/-/asset_publisher/y5xQt7QdunzT/content/russia-ceases",
     "coe.int:russia-ceases"),
    ("mfa-ua-en", "https://mfa.gov.ua/en/news/statement-on-the-90th-anniversary", "mfa.gov.ua:statement-on-the-90th-anniversary"),
    ("mfa-ua-uk", "https://mfa.gov.ua/news/statement-on-the-90th-anniversary", "mfa.gov.ua:statement-on-the-90th-anniversary"),
    ("mid-ru-ru", "https://mid.ru/ru/foreign_policy/news/", None),
    ("kyiv-independent", "https://kyivindependent.com/some-news/", None),
]


@pytest.mark.parametrize("source, url, key", KEYS)
def test_identity_keys_from_the_registry(registry, source, url, key):
    assert identity_key(url, registry[source].identity) == key


def test_identity_rule_needs_a_group():
    with pytest.raises(re.error):
        compile_rule(r"mid\.ru/\d+")


@pytest.mark.parametrize("rule, why", [('"(unclosed"', "bad regex"), ('"no-group"', "at least one (group)"),
                                       ("3", "at least one (group)")])
def test_registry_rejects_a_bad_identity_rule(tmp_path, rule, why):
    path = tmp_path / "sources.toml"
    path.write_text(
        f"""[[source]]
id = "x"
name = "X"
publisher = "news"
country = "EX"
language = "en"
spider = "feed"
feed_urls = ["https://x.example/rss"]
identity = {rule}
""", encoding="utf-8")
    with pytest.raises(SourcesError, match=r"key 'identity'.*" + re.escape(why)):
        load_sources(path, check_spiders=False)
