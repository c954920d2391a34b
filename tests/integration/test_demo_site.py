"""The demo site alone: what it serves, how it answers, and the registry it writes.

The end-to-end crawl of the demo through spiders and pipelines is tested elsewhere; these
tests need no Scrapy crawl and no internet (the server listens on 127.0.0.1 only).
"""

from __future__ import annotations

import http.client
import re
from datetime import datetime
from html import unescape
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser
from zoneinfo import ZoneInfo

import feedparser
import pytest
from parsel import Selector

from scheduler.demo_site import BANNER, DemoContentError, DemoSite, load_content
from spiders.sources import load_sources

FEEDS = {
    "mid-ru": "/mid/ru/rss.php",
    "ukrinform-en": "/ukrinform/rss/block-lastnews",
    "ukrinform-uk": "/ukrinform/ua/rss/block-lastnews",
    "kyivindependent": "/kyivindependent/news-archive/rss/",
}


@pytest.fixture(scope="module")
def site():
    with DemoSite() as demo:
        yield demo


def get(site: DemoSite, path: str, headers: dict | None = None, method: str = "GET"):
    """(status, headers, body) of one request to the demo site."""
    parts = urlsplit(site.base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


# --- lifecycle ----------------------------------------------------------------------------
def test_binds_localhost_on_a_free_port_and_stops():
    with DemoSite() as demo:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", demo.base_url)
        assert get(demo, "/robots.txt")[0] == 200
        port = urlsplit(demo.base_url).port
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    with pytest.raises(OSError):
        conn.request("GET", "/robots.txt")
        conn.getresponse()


def test_two_sites_run_side_by_side():
    with DemoSite() as one, DemoSite() as two:
        assert one.base_url != two.base_url
        assert get(one, "/mid/ru/rss.php")[0] == get(two, "/mid/ru/rss.php")[0] == 200


def test_requests_are_recorded_in_order(site):
    before = len(site.requests)
    get(site, "/robots.txt")
    get(site, "/coe/en/web/portal/newsroom?delta=5&start=2")
    get(site, "/no/such/page")
    assert site.requests[before:] == [
        "/robots.txt",
        "/coe/en/web/portal/newsroom?delta=5&start=2",
        "/no/such/page",
    ]


def test_nothing_is_written_to_stderr(site, capfd):
    get(site, "/mid/ru/rss.php")
    get(site, "/missing")
    assert capfd.readouterr().err == ""


# --- robots, 404, conditional requests ------------------------------------------------------------
def test_robots_txt_allows_everything(site):
    status, headers, body = get(site, "/robots.txt")
    assert status == 200
    assert headers["content-type"].startswith("text/plain")
    robots = RobotFileParser()
    robots.parse(body.decode("utf-8").splitlines())
    for item in site.statements:
        assert robots.can_fetch("communique/0.1", site.url(item.path))
    assert robots.can_fetch("communique/0.1", site.url("/mid/ru/rss.php"))


@pytest.mark.parametrize(
    "path",
    [
        "/nope",
        "/mid/ru/foreign_policy/news/1/",
        "/coe/en/web/portal/newsroom?delta=5&start=99",
        "/coe/de/web/portal/newsroom",
        "/ukrinform/rss/",
        "/mfa/news/no-such-statement",
    ],
)
def test_unknown_paths_are_404(site, path):
    status, headers, body = get(site, path)
    assert status == 404
    assert BANNER in body.decode("utf-8")
    assert "etag" not in headers


def test_etag_and_last_modified_are_deterministic(site):
    first = get(site, "/mid/ru/rss.php")[1]
    second = get(site, "/mid/ru/rss.php")[1]
    assert first["etag"] == second["etag"]
    assert first["last-modified"] == second["last-modified"]
    assert first["cache-control"] == "max-age=0"


@pytest.mark.parametrize(
    "path",
    ["/mid/ru/rss.php", "/kyivindependent/news-archive/rss/", "/mfa/sitemap.xml", "ARTICLE"],
)
def test_if_none_match_gives_304(site, path):
    if path == "ARTICLE":
        path = site.on("mid-ru")[0].path
    status, headers, body = get(site, path)
    assert status == 200 and body
    status, headers304, body = get(site, path, {"If-None-Match": headers["etag"]})
    assert status == 304
    assert body == b""
    assert headers304["etag"] == headers["etag"]
    status, _, body = get(site, path, {"If-None-Match": '"something-else"'})
    assert status == 200 and body


def test_if_modified_since(site):
    headers = get(site, "/ukrinform/rss/block-lastnews")[1]
    assert (
        get(site, "/ukrinform/rss/block-lastnews", {"If-Modified-Since": headers["last-modified"]})[0] == 304
    )
    older = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert get(site, "/ukrinform/rss/block-lastnews", {"If-Modified-Since": older})[0] == 200
    # If-None-Match wins over If-Modified-Since
    both = {"If-None-Match": '"other"', "If-Modified-Since": headers["last-modified"]}
    assert get(site, "/ukrinform/rss/block-lastnews", both)[0] == 200


def test_head_has_headers_and_no_body(site):
    status, headers, body = get(site, "/mid/ru/rss.php", method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["content-length"]) > 0


# --- feeds ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("site_name", sorted(FEEDS))
def test_feeds_parse_with_feedparser(site, site_name):
    status, headers, body = get(site, FEEDS[site_name])
    assert status == 200
    assert "xml" in headers["content-type"]
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert "(demo)" in feed.feed.title
    expected = site.on(site_name)
    assert [e.title for e in feed.entries] == [s.title for s in expected]
    assert [e.link for e in feed.entries] == [site.url(s.path) for s in expected]
    for entry, item in zip(feed.entries, expected):
        assert datetime(*entry.published_parsed[:6], tzinfo=ZoneInfo("UTC")) == item.published


def test_mid_feed_dates_are_moscow_time(site):
    body = get(site, FEEDS["mid-ru"])[2].decode("utf-8")
    dates = re.findall(r"<pubDate>([^<]+)</pubDate>", body)
    assert dates and all(d.endswith("+0300") for d in dates)


def test_kyiv_independent_feed_carries_the_full_text(site):
    feed = feedparser.parse(get(site, FEEDS["kyivindependent"])[2])
    for entry, item in zip(feed.entries, site.on("kyivindependent")):
        html = entry.content[0].value
        assert all(p in unescape(html) for p in item.paragraphs)
        assert html.count("<p>") == len(item.paragraphs)


def test_sitemap_lists_the_mfa_news_pages(site):
    body = get(site, "/mfa/sitemap.xml")[2].decode("utf-8")
    locs = re.findall(r"<loc>([^<]+)</loc>", body)
    for item in site.on("mfa-uk"):
        assert site.url(item.path) in locs
    for loc in locs:
        assert get(site, urlsplit(loc).path)[0] == 200


# --- pages shaped like the real sites -----------------------------------------------------------------
def test_every_page_says_it_is_a_demo(site):
    paths = [s.path for s in site.statements] + ["/", "/mfa/news", "/coe/en/web/portal/newsroom"]
    for path in paths:
        status, headers, body = get(site, path)
        assert status == 200, path
        assert headers["content-type"] == "text/html; charset=utf-8"
        assert BANNER in body.decode("utf-8"), path


def test_mid_article_shape(site):
    item = site.on("mid-ru")[0]
    sel = Selector(text=get(site, item.path)[2].decode("utf-8"))
    local = item.published.astimezone(ZoneInfo("Europe/Moscow"))
    assert sel.css("html::attr(lang)").get() == "ru"
    assert sel.css("h1.photo-content__title::text").get() == item.title
    assert sel.css("span.photo-content__date::text").get() == local.strftime("%d.%m.%Y")
    assert sel.css("span.photo-content__time::text").get() == local.strftime("%H:%M")
    assert sel.css("div.text.article-content p")


def test_coe_newsroom_is_paginated_with_a_next_link(site):
    items = site.on("coe-en")
    assert len(items) > 5
    seen, url, pages = [], "/coe/en/web/portal/newsroom?delta=5&start=1", 0
    while url:
        sel = Selector(text=get(site, url)[2].decode("utf-8"))
        pages += 1
        for element in sel.css("div.newsroom div.element"):
            href = element.css("h3.title a::attr(href)").get()
            assert "?p_l_back_url=" in href
            assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", element.css("p.infos span.date::text").get())
            assert element.css("p.infos span.type::text").get()
            seen.append(urlsplit(href).path)
        next_href = sel.css("ul.pagination a.next::attr(href)").get()
        url = urlsplit(next_href).path + "?" + urlsplit(next_href).query if next_href else None
    assert pages >= 2
    assert seen == [s.path for s in items]


def test_coe_article_has_og_title_time_and_json_ld(site):
    item = site.on("coe-en")[0]
    sel = Selector(text=get(site, item.path + "?p_l_back_url=%2Fen")[2].decode("utf-8"))
    assert sel.css("meta[property='og:title']::attr(content)").get() == item.title
    assert datetime.fromisoformat(sel.css("p.infos time::attr(datetime)").get()) == item.published
    assert '"datePublished"' in sel.css("script[type='application/ld+json']::text").get()


def test_ukrinform_article_shape(site):
    item = site.on("ukrinform-uk")[0]
    sel = Selector(text=get(site, item.path)[2].decode("utf-8"))
    assert sel.css("html::attr(lang)").get() == "uk"
    assert sel.css("h1.newsTitle::text").get() == item.title
    assert datetime.fromisoformat(sel.css("time::attr(datetime)").get()) == item.published
    assert sel.css("div.newsText section.read")  # the "read also" block the source's selectors remove


def test_mfa_article_date_line(site):
    item = site.on("mfa-uk")[0]
    sel = Selector(text=get(site, item.path)[2].decode("utf-8"))
    line = sel.css("h1 + div.article__date::text").get()
    assert re.fullmatch(r"Опубліковано \d{2} [а-яіїє]+ \d{4} року о \d{2}:\d{2}", line)


# --- content and registry -------------------------------------------------------------------------------
def test_content_covers_languages_sites_and_cases():
    statements = DemoSite().statements
    assert 16 <= len(statements) <= 24
    assert {"ru", "en", "uk", "fr"} <= {s.language for s in statements}
    torture = [s for s in statements if s.language == "en" and "torture" in s.text.lower()]
    assert len(torture) >= 3
    assert any(s.coe for s in torture) and any(not s.coe for s in torture)
    copies = [s for s in statements if s.text_from]
    assert copies and all(
        c.text == next(s.text for s in statements if s.key == c.text_from) and c.site != c.text_from
        for c in copies
    )
    assert any(s.site == "mid-ru" and s.kind in ("comment", "briefing") for s in statements)
    for s in statements:
        assert 80 <= len(s.text.split()) <= 250, s.key


def test_bad_content_is_one_clear_error(tmp_path):
    bad = tmp_path / "content.toml"
    bad.write_text(
        '[[statement]]\nkey = "x"\nsite = "nowhere"\nslug = "x"\nlanguage = "en"\nkind = "news"\n'
        'published = 2024-01-01T00:00:00+00:00\ntitle = "t"\ntext = "t"\n',
        encoding="utf-8",
    )
    with pytest.raises(DemoContentError, match="key 'site'"):
        load_content(bad)
    with pytest.raises(DemoContentError, match="no such file"):
        DemoSite(tmp_path / "missing.toml")


def test_write_sources_needs_a_running_site(tmp_path):
    with pytest.raises(RuntimeError):
        DemoSite().write_sources(tmp_path / "sources.toml")


def test_written_sources_load_and_point_at_the_site(site, tmp_path):
    path = site.write_sources(tmp_path / "demo" / "sources.toml")
    assert "{base}" not in path.read_text(encoding="utf-8")
    sources = load_sources(path)
    assert sources and all(sid.startswith("demo-") for sid in sources)
    assert {s.spider for s in sources.values()} == {"feed", "listing", "sitemap"}
    for source in sources.values():
        assert source.verified and source.notes == "demo"
        for url in source.feed_urls + source.listing_urls + source.sitemap_urls:
            assert url.startswith(site.base_url + "/")
            assert get(site, url[len(site.base_url) :])[0] == 200
