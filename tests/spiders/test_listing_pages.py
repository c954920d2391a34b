"""A listing page is not a statement: section, tag and index pages reached from a feed, a
sitemap or a link yield no statement and are counted as listings (spiders/extract.py
`listing_evidence`), while every saved real article page still yields its statement.

The catalogue below is every saved HTML page of the project (tests/fixtures/, ../shared/fixtures/)
and every page of the demo site, each with the address it was saved from and the source that
reads it; bench/bench_listing_pages.py measures the check over the same pages.
"""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from parsel import Selector
from scrapy.http import HtmlResponse

from pipelines.db import open_db
from scheduler.cli import LOCAL_SITE_SETTINGS, cli
from scheduler.crawl import run_crawl
from scheduler.demo_site import DemoSite
from scheduler.source_tools import extract_file, find_source, spider_class
from spiders.errors import ListingPageError
from spiders.extract import listing_evidence
from spiders.items import Statement
from spiders.sources import load_sources
from tests.paths import FIXTURES, ROOT, SHARED_FIXTURES
from tests.registries import MID_RU_FEED as FEED_SOURCE

REGISTRY = load_sources(ROOT / "data" / "sources.toml")


@dataclass(frozen=True)
class SavedPage:
    path: Path
    url: str
    source: str
    listing: bool

    def __str__(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"


# Addresses the saved pages came from (tests/spiders/test_real_sources.py names the articles').
_LISTING_URLS = {
    "coe-newsroom-en/newsroom_delta20_start1.html": "https://www.coe.int/en/web/portal/newsroom?delta=20&start=1",
    "gov-pl-en/news-_page1.html": "https://www.gov.pl/web/diplomacy/news-",
    "mfa-ua-en/news_listing.html": "https://mfa.gov.ua/en/news",
    "mfa-ua-uk/news_listing.html": "https://mfa.gov.ua/news",
    "mid-ru-en/listing_PAGEN_1-1.html": "https://mid.ru/en/foreign_policy/news/?PAGEN_1=1",
    "mid-ru-ru/listing_PAGEN_1-1.html": "https://mid.ru/ru/foreign_policy/news/?PAGEN_1=1",
}
_ARTICLE_URLS = {
    "auswaertiges-amt-de/article_2701234.html":
        "https://www.auswaertiges-amt.de/de/newsroom/europarat-ministerkomitee/2701234",
    "coe-newsroom-en/article_russia-ceases-to-be-a-party-echr.html":
        "https://www.coe.int/en/web/portal/-/russia-ceases-to-be-a-party-to-the-european-convention-on-human-rights",
    "diplomatie-fr/article_ukraine-comite-des-ministres.html":
        "https://www.diplomatie.gouv.fr/fr/dossiers-pays/ukraine/evenements/article/"
        "ukraine-session-du-comite-des-ministres-du-conseil-de-l-europe-strasbourg-04-03-26",
    "gov-pl-en/article_minister-at-the-coe-cm.html":
        "https://www.gov.pl/web/diplomacy/minister-at-the-council-of-europe-committee-of-ministers",
    "kyiv-independent/article_council-of-europe-damage-claims.html":
        "https://kyivindependent.com/council-of-europe-moves-forward-with-damage-claims-commission-for-ukraine/",
    "mfa-ua-en/article_holodomor-90-comment.html":
        "https://mfa.gov.ua/en/news/komentar-mzs-ukrayini-do-90-h-rokovin-golodomoru-1932-1933-rokiv-v-ukrayini",
    "mfa-ua-uk/article_zayava-kuleba-2021-04-01.html":
        "https://mfa.gov.ua/news/zayava-ministra-zakordonnih-sprav-ukrayini-dmitra-kulebi-u-zvyazku-iz-"
        "sistemnim-zagostrennyam-rosiyeyu-bezpekovoyi-situaciyi",
    "mid-ru-en/article_1975535_en.html": "https://mid.ru/en/foreign_policy/news/1975535/",
    "mid-ru-ru/article_comment_full_response.html": "https://mid.ru/ru/foreign_policy/news/1975354/",
    "rferl-en/article_33691234.html":
        "https://www.rferl.org/a/council-of-europe-special-tribunal-aggression-ukraine/33691234.html",
    "tass-en/article_politics_2078253.html": "https://tass.com/politics/2078253",
    "ukrinform-en/article_4170981.html":
        "https://www.ukrinform.net/rubric-polytics/4170981-council-of-europe-committee-of-ministers-adopts-"
        "decisions-on-russias-aggression-against-ukraine.html",
    "ukrinform-uk/article_4170982.html":
        "https://www.ukrinform.ua/rubric-polytics/4170982-komitet-ministriv-radi-evropi-uhvaliv-rishenna-"
        "sodo-agresii-rosii-proti-ukraini.html",
    "united24-en/article_vatican-stamp-16323.html":
        "https://united24media.com/latest-news/vatican-issued-special-stamp-marking-anniversary-of-war-in-ukraine-16323",
    "challenges/not_a_challenge_article_with_noscript.html": "https://mfa.gov.ua/en/news/strasbourg",
}
_SOURCE_OF_FOLDER = {"challenges": "mfa-ua-en"}


def saved_pages() -> list[SavedPage]:
    """Every saved real HTML page that is an article or a listing (challenge pages are neither)."""
    pages = []
    for name, url in _LISTING_URLS.items():
        folder = name.split("/")[0]
        pages.append(SavedPage(FIXTURES / name, url, _SOURCE_OF_FOLDER.get(folder, folder), True))
    for name, url in _ARTICLE_URLS.items():
        folder = name.split("/")[0]
        pages.append(SavedPage(FIXTURES / name, url, _SOURCE_OF_FOLDER.get(folder, folder), False))
    # mid.ru pages as the browser rendered them (../shared/fixtures/README.md): ids from their print links.
    shared_ids = {"09-10-2024_6": "1975319", "10-10-2024_1": "1975354", "10-10-2024_7": "1975519",
                  "10-10-2024_8": "1975535"}
    for path in sorted((SHARED_FIXTURES / "mid.ru").glob("*.html")):
        day = path.stem.removeprefix("ru_foreign_policy_news__")
        pages.append(SavedPage(path, f"https://mid.ru/ru/foreign_policy/news/{shared_ids.get(day, '1')}/",
                               "mid-ru-ru", False))
    return pages


def unlisted_saved_pages() -> list[Path]:
    """Saved HTML pages the catalogue does not name (a new fixture must be added to it)."""
    named = {p.path.resolve() for p in saved_pages()}
    every = list(FIXTURES.glob("*/*.html")) + list((SHARED_FIXTURES / "mid.ru").glob("*.html"))
    return sorted(p for p in every if p.resolve() not in named and p.parent.name != "challenges")


def demo_pages(site) -> list[tuple[str, bool]]:
    """(path, is a listing) of every HTML page the running demo site serves (feeds and sitemap left out)."""
    paths = [(item.path, False) for item in site.statements]
    paths += [("/mfa/", True), ("/mfa/news", True)]
    for lang in ("en", "fr"):
        paths += [(f"/coe/{lang}/web/portal/newsroom", True), (f"/coe/{lang}/web/portal/newsroom?delta=5&start=1", True),
                  ]
    paths += [("/coe/en/web/portal/newsroom?delta=5&start=2", True)]
    return paths


SAVED = saved_pages()
SAVED_LISTINGS = [p for p in SAVED if p.listing]
SAVED_ARTICLES = [p for p in SAVED if not p.listing]
# How many articles each saved listing page shows (counted in the files).
LISTED = {
    "coe-newsroom-en/newsroom_delta20_start1.html": 5,
    "gov-pl-en/news-_page1.html": 3,
    "mfa-ua-en/news_listing.html": 3,
    "mfa-ua-uk/news_listing.html": 3,
    "mid-ru-en/listing_PAGEN_1-1.html": 4,
    "mid-ru-ru/listing_PAGEN_1-1.html": 4,
}


def read_as_article(body: bytes, url: str, source):
    """What a crawl makes of the page when a feed, sitemap or link sends it there as an article."""
    spider = spider_class(source.spider).offline(source)
    results = list(spider.parse_article(HtmlResponse(url=url, body=body, encoding="utf-8")))
    return [r for r in results if isinstance(r, Statement)], spider.stats


def test_every_saved_page_is_in_the_catalogue():
    assert unlisted_saved_pages() == []


@pytest.mark.parametrize("page", SAVED_LISTINGS, ids=str)
def test_saved_listing_page_is_a_listing_not_a_statement(page):
    with pytest.raises(ListingPageError) as raised:
        extract_file(page.path, page.url, REGISTRY[page.source])
    assert str(raised.value) == f"{page.url} is a listing of {LISTED[str(page)]} articles"


@pytest.mark.parametrize("page", SAVED_LISTINGS, ids=str)
def test_saved_listing_page_in_a_crawl_is_counted_as_a_listing_not_a_failure(page):
    statements, stats = read_as_article(page.path.read_bytes(), page.url, REGISTRY[page.source])
    assert statements == []
    assert stats.get("communique/listings") == 1
    assert not any(stats.get(f"communique/{k}") for k in ("parse_failed", "blocked", "errors", "statements"))


@pytest.mark.parametrize("page", SAVED_ARTICLES, ids=str)
def test_saved_article_page_is_one_statement(page):
    statements, stats = read_as_article(page.path.read_bytes(), page.url, REGISTRY[page.source])
    assert len(statements) == 1
    assert statements[0].url == page.url
    assert stats.get("communique/listings") is None


def test_extract_says_in_one_line_that_a_listing_page_is_a_listing():
    page = next(p for p in SAVED_LISTINGS if p.source == "coe-newsroom-en")
    result = CliRunner().invoke(cli, ["extract", str(page.path), "--url", page.url, "--source", page.source,
                                      "--sources", str(ROOT / "data" / "sources.toml")])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"listing: {page.url} is a listing of 5 articles, not a statement"]
    assert result.stdout == ""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    with DemoSite() as site:
        registry = load_sources(site.write_sources(tmp_path_factory.mktemp("demo") / "sources.toml"))
        yield site, registry


def test_demo_site_articles_are_statements_and_its_listings_are_listings(demo):
    site, registry = demo
    wrong = []
    for path, listing in demo_pages(site):
        url = site.url(path)
        body = urllib.request.urlopen(url, timeout=10).read()
        statements, stats = read_as_article(body, url, find_source(registry, url))
        judged_listing = stats.get("communique/listings") == 1 and not statements
        if judged_listing != listing or (not listing and len(statements) != 1):
            wrong.append(path)
    assert wrong == []


def test_extract_of_the_demo_newsroom_is_a_listing_of_five(demo, tmp_path):
    site, _ = demo
    saved = tmp_path / "listing.html"
    saved.write_bytes(urllib.request.urlopen(site.url("/coe/en/web/portal/newsroom?delta=5&start=1")).read())
    sources = site.write_sources(tmp_path / "sources.toml")
    url = site.url("/coe/en/web/portal/newsroom")
    result = CliRunner().invoke(cli, ["extract", str(saved), "--url", url, "--source", "demo-coe-en",
                                      "--sources", str(sources)])
    assert (result.exit_code, result.stderr.strip()) == (1, f"listing: {url} is a listing of 5 articles, not a statement")


# --- a crawl whose feed links to an article and to an index page ---------------------------------
ARTICLE_PATH = "/ru/foreign_policy/news/1975354/"
INDEX_PATH = "/ru/foreign_policy/news/"


def feed(base: str, links=(("Комментарий", ARTICLE_PATH), ("Новости", INDEX_PATH))) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>{base}{path}</link>"
        f"<pubDate>Thu, 10 Oct 2024 11:04 +0300</pubDate></item>"
        for title, path in links
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def test_crawl_of_a_feed_linking_an_article_and_an_index_page_stores_one_statement(tmp_path, http_site):
    base = http_site.base_url
    html = "text/html; charset=utf-8"
    http_site.routes["/rss.php"] = (200, "application/rss+xml", feed(base))
    http_site.routes[ARTICLE_PATH] = (200, html, (FIXTURES / "mid-ru-ru" / "article_comment_full_response.html").read_bytes())
    http_site.routes[INDEX_PATH] = (200, html, (FIXTURES / "mid-ru-ru" / "listing_PAGEN_1-1.html").read_bytes())
    registry = tmp_path / "sources.toml"
    registry.write_text(FEED_SOURCE.replace("{base}", base), encoding="utf-8")
    result = run_crawl(load_sources(registry)["local-feed"], tmp_path / "c.db", registry, log_dir=tmp_path / "logs",
                       timeout_s=120, settings=LOCAL_SITE_SETTINGS)

    assert (result.status, result.new, result.errors) == ("ok", 1, 0), result
    assert INDEX_PATH in http_site.hits  # it was read, and judged a listing
    store = open_db(tmp_path / "c.db")
    urls = [row["url"] for row in store.search(source="local-feed", limit=10)]
    store.close()
    assert urls == [base + ARTICLE_PATH]
    log = Path(result.log_path).read_text(encoding="utf-8")
    assert f"listing, not an article: {base}{INDEX_PATH} lists 4 articles" in log


def test_a_feed_linking_only_an_index_page_is_an_ok_run_with_nothing_stored(tmp_path, http_site):
    base = http_site.base_url
    http_site.routes["/rss.php"] = (200, "application/rss+xml", feed(base, (("Новости", INDEX_PATH),)))
    http_site.routes[INDEX_PATH] = (200, "text/html; charset=utf-8",
                                    (FIXTURES / "mid-ru-ru" / "listing_PAGEN_1-1.html").read_bytes())
    registry = tmp_path / "sources.toml"
    registry.write_text(FEED_SOURCE.replace("{base}", base), encoding="utf-8")
    result = run_crawl(load_sources(registry)["local-feed"], tmp_path / "c.db", registry, log_dir=tmp_path / "logs",
                       timeout_s=120, settings=LOCAL_SITE_SETTINGS)
    assert (result.status, result.new, result.errors) == ("ok", 0, 0), result
    assert "listings of other articles" in result.message


# --- what the page declares moves the bar -------------------------------------------------------
INTRO = ("The press service publishes statements, comments and briefings of the Ministry here; "
         "subscribe to the feed to receive them as they appear, or search the archive by date and topic.") * 2
TEASERS = [(f"/press/{n}-minister-meets-council-of-europe-secretary-general",
            f"Minister meets the Council of Europe Secretary General ({n})", f"0{n}.03.2026")
           for n in (1, 2, 3)]


def section_page(declared: str = "") -> tuple[str, str]:
    """A section page whose intro is about 60% of its text, and the text an extractor reads from it."""
    script = f'<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "{declared}"}}</script>'
    items = "".join(f'<li class="teaser"><a href="{href}">{title}</a> <span>{day}</span></li>'
                    for href, title, day in TEASERS)
    html = (f"<html><head>{script if declared else ''}</head><body><h1>Press</h1>"
            f"<div class='intro'><p>{INTRO}</p></div><ul>{items}</ul></body></html>")
    text = "\n\n".join([INTRO] + [f"{title} {day}" for _, title, day in TEASERS])
    return html, text


@pytest.mark.parametrize("declared, listing", [("CollectionPage", True), ("", False), ("NewsArticle", False)])
def test_a_page_declared_a_collection_needs_fewer_teasers_to_be_a_listing(declared, listing):
    html, text = section_page(declared)
    found = listing_evidence(Selector(text=html, type="html"), "https://mfa.example/press", text)
    assert (found is not None) == listing
    if listing:
        assert (found.articles, found.declared) == (3, "collectionpage")


def short_article(lead_link: str) -> tuple[str, str]:
    """A three-sentence article under a rubric link, as news agencies print short items."""
    text = ("The Committee of Ministers adopted a decision on the consequences of the aggression. "
            "The decision was adopted by the Ministers' Deputies in Strasbourg. "
            "It calls on the Russian Federation to withdraw its forces.")
    html = (f"<html><body><main><article>{lead_link}"
            f"<h1>Committee of Ministers adopts a decision</h1><div class='text'><p>{text}</p></div>"
            "</article></main></body></html>")
    return html, text


@pytest.mark.parametrize("lead_link", [
    '<div class="rubric"><a href="/russian-politics">Russian Politics &amp; Diplomacy</a></div>',
    '<div class="tags"><a href="/tag/council-of-europe">Council of Europe news</a></div>',
])
def test_a_short_article_under_a_rubric_link_is_not_a_listing(lead_link):
    html, text = short_article(lead_link)
    assert listing_evidence(Selector(text=html, type="html"), "https://agency.example/politics/2078253", text) is None


def test_a_headline_linking_to_the_canonical_address_is_not_a_teaser():
    html, text = short_article("")
    html = html.replace("<h1>Committee of Ministers adopts a decision</h1>",
                        '<h2><a href="/politics/2078253">Committee of Ministers adopts a decision</a></h2>')
    html = html.replace("<html>", '<html><head><link rel="canonical" href="https://agency.example/politics/2078253">'
                                  "</head>")
    fetched = "https://agency.example/politics/2078253?utm_source=rss"
    assert listing_evidence(Selector(text=html, type="html"), fetched.replace("/politics", "/amp/politics"), text) is None
