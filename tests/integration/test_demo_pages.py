"""The demo site's templates and its second round: hostile texts stay text, held statements publish later.

tests/test_demo_site.py checks the shapes the spiders read; these tests check what the move
to Jinja2 templates must guarantee (content reaches a page only escaped, or inside CDATA
that it cannot close) and DemoSite.publish_next(). Real server on 127.0.0.1, no internet.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import feedparser
import pytest
from parsel import Selector

from scheduler.demo_site import DemoContentError, DemoSite, load_content

HOSTILE = "<script>alert(\"x\")</script> & ]]> 'quoted' </title>"
FEEDS = {
    "mid-ru": "/mid/ru/rss.php",
    "ukrinform-en": "/ukrinform/rss/block-lastnews",
    "ukrinform-uk": "/ukrinform/ua/rss/block-lastnews",
    "kyivindependent": "/kyivindependent/news-archive/rss/",
}


def get(site: DemoSite, path: str, headers: dict | None = None) -> tuple[int, dict, str]:
    parts = urlsplit(site.base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = response.read().decode("utf-8")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def statement(key: str, site: str, slug: str, **extra: str) -> str:
    lines = [
        "[[statement]]",
        f'key = "{key}"',
        f'site = "{site}"',
        f'slug = "{slug}"',
        'language = "en"',
        'kind = "news"',
        "published = 2024-05-01T12:00:00+02:00",
        f"title = '''{HOSTILE}'''",
        f"text = '''{HOSTILE} first paragraph.\n\nSecond paragraph {HOSTILE}'''",
    ]
    lines += [f"{name} = '''{value}'''" for name, value in extra.items()]
    return "\n".join(lines) + "\n\n"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """One statement on every imitated site, each with markup and a CDATA terminator in every field."""
    content = tmp_path_factory.mktemp("hostile") / "content.toml"
    content.write_text(
        statement("mid", "mid-ru", "100")
        + statement("coe-en", "coe-en", "same-slug", body=HOSTILE, place=HOSTILE)
        + statement("coe-fr", "coe-fr", "same-slug", body=HOSTILE, place=HOSTILE)
        + statement("ukr-en", "ukrinform-en", "1-a", lead=HOSTILE)
        + statement("ukr-en-2", "ukrinform-en", "2-b", lead=HOSTILE)
        + statement("ukr-uk", "ukrinform-uk", "3-c", lead=HOSTILE)
        + statement("ki", "kyivindependent", "ki-post", author=HOSTILE)
        + statement("mfa", "mfa-uk", "mfa-page"),
        encoding="utf-8",
    )
    with DemoSite(content) as site:
        yield site


def test_hostile_text_never_becomes_markup(hostile_site):
    site = hostile_site
    paths = [s.path for s in site.statements] + list(FEEDS.values())
    paths += ["/mfa/news", "/mfa/sitemap.xml", "/coe/en/web/portal/newsroom", "/coe/fr/web/portal/newsroom"]
    for path in paths:
        status, _, body = get(site, path)
        assert status == 200, path
        assert "<script>alert" not in body.replace("<![CDATA[<script>alert", ""), path
    for item in site.statements:
        sel = Selector(text=get(site, item.path)[2])
        assert sel.css("title::text").get().startswith(HOSTILE), item.path
        assert sel.css("meta[property='og:title']::attr(content)").get() == HOSTILE, item.path
        assert HOSTILE in sel.css("h1::text").getall(), item.path
        assert not sel.css("body script"), item.path


@pytest.mark.parametrize("site_name", sorted(FEEDS))
def test_hostile_text_round_trips_through_every_feed(hostile_site, site_name):
    feed = feedparser.parse(get(hostile_site, FEEDS[site_name])[2].encode("utf-8"))
    assert not feed.bozo, feed.get("bozo_exception")
    assert [e.title for e in feed.entries] == [s.title for s in hostile_site.on(site_name)]
    assert all(e.title == HOSTILE for e in feed.entries)


def test_ghost_feed_keeps_paragraphs_and_author_inside_cdata(hostile_site):
    feed = feedparser.parse(get(hostile_site, FEEDS["kyivindependent"])[2].encode("utf-8"))
    (entry,) = feed.entries
    assert entry.author == HOSTILE
    html = Selector(text=entry.content[0].value)
    assert html.css("p::text").getall() == hostile_site.on("kyivindependent")[0].paragraphs
    assert not html.css("script")


def test_coe_json_ld_carries_the_title_without_closing_the_script(hostile_site):
    item = hostile_site.on("coe-en")[0]
    sel = Selector(text=get(hostile_site, item.path)[2])
    (ld,) = sel.css("script[type='application/ld+json']::text").getall()
    data = json.loads(ld)
    assert data["headline"] == HOSTILE
    assert data["url"] == hostile_site.url(item.path)
    assert "</" not in ld


def test_coe_pages_link_every_language_of_a_statement(hostile_site):
    sel = Selector(text=get(hostile_site, "/coe/fr/web/portal/newsroom")[2])
    assert sel.css("div.langs a::text").getall() == ["EN", "FR"]
    assert sel.css("div.langs a::attr(href)").getall() == [
        "/coe/en/web/portal/-/same-slug",
        "/coe/fr/web/portal/-/same-slug",
    ]


# --- held statements: a second round of news ------------------------------------------------------
def test_held_statement_is_published_on_demand():
    with DemoSite() as site:
        (held,) = site.held
        assert held.hold and held.site == "coe-en"
        listing = "/coe/en/web/portal/newsroom?delta=5&start=1"
        status, headers, before = get(site, listing)
        assert status == 200 and held.title not in before
        assert get(site, held.path)[0] == 404
        served = len(site.statements)

        assert site.publish_next() == held
        status, after_headers, after = get(site, listing)
        assert held.title in Selector(text=after).css("h3.title a::text").getall()
        assert after_headers["etag"] != headers["etag"]
        assert get(site, listing, {"If-None-Match": headers["etag"]})[0] == 200  # a crawler sees the change
        assert get(site, held.path)[0] == 200
        assert len(site.statements) == served + 1 and site.held == []
        assert site.publish_next() is None


def test_hold_must_be_true_or_false(tmp_path):
    bad = tmp_path / "content.toml"
    bad.write_text(statement("x", "mfa-uk", "x") + 'hold = "yes"\n', encoding="utf-8")
    with pytest.raises(DemoContentError, match="key 'hold': true or false"):
        load_content(bad)
