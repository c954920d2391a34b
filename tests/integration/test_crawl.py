"""Whole crawls in a subprocess against a local site: statuses, counters, incremental runs."""


import re
from pathlib import Path

import pytest

from pipelines.db import open_db
from scheduler.cli import LOCAL_SITE_SETTINGS
from scheduler.crawl import run_crawl
from spiders.sources import load_sources
from tests.builders import popen_with_ctrl_c
from tests.paths import FIXTURES, ROOT
from tests.registries import MID_RU_FEED as FEED_SOURCE

LISTING_SOURCE = """
[[source]]
id = "local-listing"
name = "Local listing"
publisher = "intergovernmental"
country = "INT"
language = "en"
spider = "listing"
listing_urls = ["{base}/news?page={page}"]
timezone = "Europe/Paris"
max_pages = 3
[source.listing]
item = "li.item"
link = "a::attr(href)"
"""


def rss(base, ids):
    items = "".join(
        f"<item><title>Заявление {i}</title><link>{base}/news/{i}/</link>"
        f"<pubDate>Thu, 10 Oct 2024 11:0{i} +0300</pubDate></item>" for i in ids
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def mid_article(i, topic="the Black Sea"):
    return f"""<html><body><div class="photo-content"><div class="photo-content__item-info">
    <span class="photo-content__date">10.10.2024</span> <span class="photo-content__time">11:0{i}</span></div>
    <h1 class="photo-content__title">Заявление МИД России номер {i}</h1>
    <div class="text article-content"><p>Первый абзац заявления {i} о {topic}.</p>
    <p>Второй абзац, достаточно длинный, чтобы считаться текстом заявления.</p></div></div></body></html>""".encode()


def crawl(tmp_path, site, registry_text, source_id):
    reg = tmp_path / "sources.toml"
    reg.write_text(registry_text.replace("{base}", site.base_url), encoding="utf-8")
    source = load_sources(reg)[source_id]
    return run_crawl(source, tmp_path / "c.db", reg, log_dir=tmp_path / "logs", timeout_s=120,
                     settings=LOCAL_SITE_SETTINGS)


def test_plain_fetcher_sends_honest_user_agent(tmp_path, http_site):
    http_site.routes["/rss.php"] = (200, "application/rss+xml", rss(http_site.base_url, []))
    crawl(tmp_path, http_site, FEED_SOURCE, "local-feed")
    agents = {h.get("user-agent", "") for h in http_site.headers_seen}
    assert agents and all(a.startswith("communique/") and "+http" in a for a in agents)
    assert not any("sec-ch-ua" in h for h in http_site.headers_seen)


def test_feed_crawl_then_incremental(tmp_path, http_site):
    base = http_site.base_url
    http_site.routes["/rss.php"] = (200, "application/rss+xml", rss(base, [1, 2]))
    for i in (1, 2):
        http_site.routes[f"/news/{i}/"] = (200, "text/html; charset=utf-8", mid_article(i))
    first = crawl(tmp_path, http_site, FEED_SOURCE, "local-feed")
    assert (first.status, first.new, first.known, first.found) == ("ok", 2, 0, 2), first
    store = open_db(tmp_path / "c.db")
    row = store.search(source="local-feed", limit=5)[-1]
    assert row["title"] == "Заявление МИД России номер 1"
    assert row["published_local"] == "2024-10-10T11:01:00+03:00"
    assert row["kind"] == "statement" and row["language"] == "ru"
    store.close()

    http_site.routes["/rss.php"] = (200, "application/rss+xml", rss(base, [1, 2, 3]))
    http_site.routes["/news/3/"] = (200, "text/html; charset=utf-8", mid_article(3))
    http_site.hits.clear()
    second = crawl(tmp_path, http_site, FEED_SOURCE, "local-feed")
    assert (second.status, second.new, second.known) == ("ok", 1, 2), second
    # Known statements cost no request: only the feed and the one new article were fetched.
    assert sorted(h for h in http_site.hits if h != "/robots.txt") == ["/news/3/", "/rss.php"]


def test_feed_that_is_html_is_parse_failed(tmp_path, http_site):
    http_site.routes["/rss.php"] = (200, "text/html", b"<html><body><h1>Welcome</h1><p>No feed here</p></body></html>")
    result = crawl(tmp_path, http_site, FEED_SOURCE, "local-feed")
    assert result.status == "parse-failed"
    assert "is an HTML page, not a feed" in result.message


def served(name: str) -> bytes:
    """A challenge fixture as a site serves it: without the fixture's own provenance comment."""
    body = (FIXTURES / "challenges" / name).read_text(encoding="utf-8")
    return re.sub(r"(?s)^<!--.*?-->\s*", "", body).encode()


@pytest.mark.parametrize("name, status", [
    ("cloudflare_just_a_moment.html", 403),
    ("cloudflare_403_blocked.html", 403),
    ("f5_tspd_bobcmn.html", 200),  # F5 answers 200: only the page says it is a challenge
    ("f5_mid_ru_data_processing.html", 200),
    ("f5_request_rejected.html", 200),
    ("enable_javascript.html", 200),
])
def test_challenge_page_is_blocked_not_empty(tmp_path, http_site, name, status):
    http_site.routes["/rss.php"] = (status, "text/html", served(name))
    result = crawl(tmp_path, http_site, FEED_SOURCE, "local-feed")
    assert result.status == "blocked", result
    assert result.new == 0


def test_missing_feed_is_failed(tmp_path, http_site):
    result = crawl(tmp_path, http_site, FEED_SOURCE, "local-feed")
    assert result.status == "failed"
    assert "HTTP 404" in result.message


def test_dead_site_is_failed_with_one_line(tmp_path, http_site):
    dead = FEED_SOURCE.replace("{base}", "http://127.0.0.1:9")  # discard port: nothing listens
    result = crawl(tmp_path, http_site, dead, "local-feed")
    assert result.status == "failed"
    assert "127.0.0.1:9" in result.message and "\n" not in result.message


def test_article_without_fields_is_parse_failed(tmp_path, http_site):
    base = http_site.base_url
    http_site.routes["/rss.php"] = (200, "application/rss+xml", rss(base, [1]))
    http_site.routes["/news/1/"] = (200, "text/html", b"<html><body><div></div></body></html>")
    result = crawl(tmp_path, http_site, FEED_SOURCE, "local-feed")
    # The feed gave a title, but the page held no text at all.
    assert result.status == "parse-failed", result
    assert "no text found" in result.message


def listing_page(base, ids, page):
    items = "".join(f'<li class="item"><a href="/news/{i}/">Item {i}</a></li>' for i in ids)
    return f"<html><body><h1>News page {page}</h1><ul>{items}</ul></body></html>".encode()


def en_article(i):
    return f"""<html lang="en"><head><meta property="og:title" content="Press release {i}">
    <meta property="article:published_time" content="2025-06-2{i}T10:00:00+02:00"></head>
    <body><h1>Press release {i}</h1><article><p>{"The Secretary General welcomed the decision. " * 8}</p>
    <p>Item number {i} closes here.</p></article></body></html>""".encode()


def test_listing_pages_stop_at_known(tmp_path, http_site):
    base = http_site.base_url
    pages = {1: [1, 2], 2: [3, 4], 3: [5, 6]}
    for page, ids in pages.items():
        http_site.routes[f"/news?page={page}"] = (200, "text/html", listing_page(base, ids, page))
        for i in ids:
            http_site.routes[f"/news/{i}/"] = (200, "text/html", en_article(i))
    first = crawl(tmp_path, http_site, LISTING_SOURCE, "local-listing")
    assert (first.status, first.new) == ("ok", 6), first
    store = open_db(tmp_path / "c.db")
    got = store.search(source="local-listing", limit=10)
    assert got[0]["title"] == "Press release 6" and got[0]["published_local"] == "2025-06-26T10:00:00+02:00"
    store.close()
    # One new item on page 1: page 2 holds only known statements, so paging stops there.
    http_site.routes["/news?page=1"] = (200, "text/html", listing_page(base, [7, 1], 1))
    http_site.routes["/news/7/"] = (200, "text/html", en_article(7))
    http_site.hits.clear()
    second = crawl(tmp_path, http_site, LISTING_SOURCE, "local-listing")
    assert (second.status, second.new) == ("ok", 1), second
    assert "/news?page=3" not in http_site.hits and "/news?page=2" in http_site.hits


def test_impersonating_fetcher_reads_pages(tmp_path, http_site):
    """fetcher = "impersonate" routes requests through curl_cffi with a browser fingerprint."""
    base = http_site.base_url
    http_site.routes["/rss.php"] = (200, "application/rss+xml", rss(base, [1]))
    http_site.routes["/news/1/"] = (200, "text/html; charset=utf-8", mid_article(1))
    registry = FEED_SOURCE.replace('spider = "feed"', 'spider = "feed"\nfetcher = "impersonate"')
    result = crawl(tmp_path, http_site, registry, "local-feed")
    assert (result.status, result.new) == ("ok", 1), result
    # curl_cffi sends the client hints a real Chrome sends; Scrapy's own downloader does not.
    assert any("sec-ch-ua" in h for h in http_site.headers_seen)


def test_unchanged_feed_costs_a_304(tmp_path, http_site):
    """A second crawl revalidates the feed with communique's own validators: 304, no parsing."""
    base = http_site.base_url
    http_site.routes["/rss.php"] = (200, "application/rss+xml", rss(base, [1]))
    http_site.routes["/news/1/"] = (200, "text/html; charset=utf-8", mid_article(1))
    first = crawl(tmp_path, http_site, FEED_SOURCE, "local-feed")
    assert (first.status, first.new) == ("ok", 1)
    http_site.headers_seen.clear()
    http_site.hits.clear()
    second = crawl(tmp_path, http_site, FEED_SOURCE, "local-feed")
    assert (second.status, second.new, second.found) == ("ok", 0, 0), second
    assert "unchanged since the last crawl" in second.message
    feed_requests = [h for path, h in zip(http_site.hits, http_site.headers_seen) if path == "/rss.php"]
    assert feed_requests and "if-none-match" in feed_requests[0]
    assert "/news/1/" not in http_site.hits


def test_sources_command_shows_blocked(tmp_path, http_site):
    from click.testing import CliRunner

    from scheduler.cli import cli

    http_site.routes["/rss.php"] = (403, "text/html", (
        b"<html><head><title>Attention Required! | Cloudflare</title>"
        b"</head><body>Sorry, you have been blocked</body></html>"))
    crawl(tmp_path, http_site, FEED_SOURCE, "local-feed")
    out = CliRunner().invoke(cli, ["sources", "--db", str(tmp_path / "c.db"), "--sources",
                                   str(tmp_path / "sources.toml")]).output
    assert "local-feed" in out and " blocked " in out and "HTTP 403" in out


def test_sources_check_reads_one_article_and_stores_nothing(tmp_path, http_site):
    from scheduler.source_tools import check_source, check_verdict

    base = http_site.base_url
    http_site.routes["/rss.php"] = (200, "application/rss+xml", rss(base, [1, 2, 3]))
    for i in (1, 2, 3):
        http_site.routes[f"/news/{i}/"] = (200, "text/html; charset=utf-8", mid_article(i))
    reg = tmp_path / "sources.toml"
    reg.write_text(FEED_SOURCE.replace("{base}", base), encoding="utf-8")
    report = check_source(load_sources(reg)["local-feed"], reg, timeout_s=120)
    verdict, detail = check_verdict(report)
    assert verdict == "ok", report
    assert "Заявление МИД России номер 1" in detail and "2024-10-10T11:01:00+03:00" in detail
    assert sum(1 for h in http_site.hits if h.startswith("/news/")) == 1
    assert report["stats"].get("new", 0) == 0  # no storage stage ran

    http_site.routes["/rss.php"] = (200, "text/html", (FIXTURES / "challenges" / "f5_tspd_bobcmn.html").read_bytes())
    verdict, detail = check_verdict(check_source(load_sources(reg)["local-feed"], reg, timeout_s=120))
    assert verdict == "blocked" and "rss.php" in detail


SITEMAP_SOURCE = """
[[source]]
id = "local-sitemap"
name = "Local sitemap"
publisher = "ministry"
country = "UA"
language = "uk"
spider = "sitemap"
sitemap_urls = ["{base}/sitemap.xml"]
timezone = "Europe/Kyiv"
article_pattern = "/news/"
"""


@pytest.mark.parametrize("body, status", [
    (b"<html><body><h1>Site map</h1><p>A page for people, not a sitemap.</p></body></html>", "parse-failed"),
    (b"not xml <<<", "parse-failed"),
])
def test_sitemap_that_is_not_a_sitemap(tmp_path, http_site, body, status):
    http_site.routes["/sitemap.xml"] = (200, "application/xml", body)
    result = crawl(tmp_path, http_site, SITEMAP_SOURCE, "local-sitemap")
    assert result.status == status and "is not a sitemap" in result.message


def test_sitemap_crawl(tmp_path, http_site):
    base = http_site.base_url
    urls = "".join(f"<url><loc>{base}/news/{i}/</loc><lastmod>2024-10-1{i}</lastmod></url>" for i in (1, 2))
    http_site.routes["/sitemap.xml"] = (200, "application/xml", (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{urls}<url><loc>{base}/about/</loc></url></urlset>").encode())
    for i in (1, 2):
        http_site.routes[f"/news/{i}/"] = (200, "text/html; charset=utf-8", (
            f'<html lang="uk"><head><meta property="og:title" content="Заява МЗС {i}"></head><body>'
            f"<h1>Заява МЗС {i}</h1><p>Опубліковано 0{i} квітня 2021 року о 18:31</p><article>"
            f"<p>{'Україна закликає міжнародних партнерів посилити тиск. ' * 6} Заява номер {i}.</p></article></body></html>"
        ).encode())
    result = crawl(tmp_path, http_site, SITEMAP_SOURCE, "local-sitemap")
    assert (result.status, result.new) == ("ok", 2), result
    assert "/about/" not in http_site.hits
    store = open_db(tmp_path / "c.db")
    newest = store.search(source="local-sitemap")[0]
    store.close()
    assert newest["title"] == "Заява МЗС 2" and newest["published_local"] == "2021-04-02T18:31:00+03:00"


def test_placeholder_date_is_refused(tmp_path, http_site):
    """A CMS placeholder date (0001-01-01) is no date: the statement is stored without one."""
    base = http_site.base_url
    http_site.routes["/rss.php"] = (200, "application/rss+xml", rss(base, [1]).replace(
        b"<pubDate>Thu, 10 Oct 2024 11:01 +0300</pubDate>", b""))
    http_site.routes["/news/1/"] = (200, "text/html; charset=utf-8", (
        '<html><head><meta property="article:published_time" content="0001-01-01T00:00:00"></head><body>'
        "<h1 class='photo-content__title'>Заявление без даты</h1><div class='text article-content'>"
        f"<p>{'Текст заявления без даты публикации. ' * 6}</p></div></body></html>").encode())
    result = crawl(tmp_path, http_site, FEED_SOURCE, "local-feed")
    assert (result.status, result.new) == ("ok", 1), result
    store = open_db(tmp_path / "c.db")
    assert store.search(source="local-feed")[0]["published_at"] is None
    store.close()


def test_redirected_article_is_known_next_time(tmp_path, http_site):
    base = http_site.base_url
    http_site.routes["/rss.php"] = (200, "application/rss+xml", rss(base, [1]).replace(b"/news/1/", b"/old/1"))
    http_site.routes["/news/1/"] = (200, "text/html; charset=utf-8", mid_article(1))
    http_site.redirects["/old/1"] = "/news/1/"
    assert crawl(tmp_path, http_site, FEED_SOURCE, "local-feed").new == 1
    http_site.hits.clear()
    # The feed changed (so it is read again), but its entry is the same redirecting address.
    http_site.routes["/rss.php"] = (200, "application/rss+xml", rss(base, [1]).replace(b"/news/1/", b"/old/1")
                                    .replace(b"<title>t</title>", b"<title>t2</title>"))
    second = crawl(tmp_path, http_site, FEED_SOURCE, "local-feed")
    assert (second.new, second.known) == (0, 1)
    assert "/old/1" not in http_site.hits and "/news/1/" not in http_site.hits


def test_sources_of_one_site_never_crawl_side_by_side(tmp_path, http_site):
    """Politeness across sources: two registry entries on one host run one after the other."""
    import threading
    import time

    from scheduler.crawl import run_crawls

    base = http_site.base_url
    active, peak, lock = [0], [0], threading.Lock()
    original = http_site.RequestHandlerClass.do_GET

    def slow_get(handler):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.2)
        try:
            original(handler)
        finally:
            with lock:
                active[0] -= 1

    http_site.RequestHandlerClass.do_GET = slow_get
    http_site.routes["/rss.php"] = (200, "application/rss+xml", rss(base, [1]))
    http_site.routes["/news/1/"] = (200, "text/html; charset=utf-8", mid_article(1))
    reg = tmp_path / "sources.toml"
    reg.write_text(FEED_SOURCE.replace("{base}", base) + FEED_SOURCE.replace("{base}", base).replace(
        'id = "local-feed"', 'id = "local-feed-2"'), encoding="utf-8")
    registry = load_sources(reg)
    results = run_crawls(list(registry.values()), tmp_path / "c.db", reg, jobs=4, log_dir=tmp_path / "logs",
                         settings=LOCAL_SITE_SETTINGS)
    assert [r.source for r in results] == ["local-feed", "local-feed-2"]
    assert peak[0] == 1


def test_ctrl_c_stops_running_crawls(tmp_path, http_site):
    """Ctrl-C stops the running crawl: no process left, its run recorded as interrupted.

    Once flaky: it asserted wall-clock bounds (stopped within 12 s, feed reached within
    30 s) on a shared, loaded machine, crawled with the polite defaults (1 s delay,
    AutoThrottle, the HTTP cache written under the repository's data/), and its server
    slept a fixed 20 s, as long as the test's own wait for the CLI. Now it waits on events,
    bounds only against a hang, and checks the outcome (tests/integration/test_interrupt.py
    has the SIGTERM, count, crash and timeout cases).
    """
    import os
    import signal
    import subprocess
    import sys
    import threading

    original = http_site.RequestHandlerClass.do_GET
    reached, release = threading.Event(), threading.Event()

    def hanging_get(handler):
        if handler.path == "/rss.php":
            reached.set()
            release.wait(120)
            return
        original(handler)

    http_site.RequestHandlerClass.do_GET = hanging_get
    reg = tmp_path / "sources.toml"
    reg.write_text(FEED_SOURCE.replace("{base}", http_site.base_url), encoding="utf-8")
    exe = Path(sys.executable).parent / "communique"
    cli = popen_with_ctrl_c([str(exe), "crawl", "--sources", str(reg), "--db", str(tmp_path / "c.db")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert reached.wait(120), "the crawl never reached the feed"
        cli.send_signal(signal.SIGINT)
        out, err = cli.communicate(timeout=120)  # a hang guard, not a speed requirement
    finally:
        release.set()
        if cli.poll() is None:
            cli.kill()
    assert cli.returncode == 130, (out, err)
    with open_db(tmp_path / "c.db", readonly=True) as store:
        runs = list(store.db.query("SELECT status, pid FROM crawl_runs"))
    assert [r["status"] for r in runs] == ["interrupted"]
    try:
        os.killpg(runs[0]["pid"], 0)  # the crawl's process group
        group_left = True
    except ProcessLookupError:
        group_left = False
    assert not group_left


def test_pages_that_only_mention_protection_are_not_blocked(tmp_path, http_site):
    """Normal pages carry protection scripts and may quote the words: still read as pages."""
    base = http_site.base_url
    items = (f"<item><title>Заявление 1</title><link>{base}/news/1/</link><description>Sorry, you have been "
             "blocked: a reader's complaint about DDoS-Guard.</description></item>")
    http_site.routes["/rss.php"] = (200, "application/rss+xml", (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>').encode())
    page = mid_article(1).replace(b"</body>", (
        b"<script src='/cdn-cgi/challenge-platform/scripts/jsd/main.js'></script>"
        b"<script src='https://challenges.cloudflare.com/turnstile/v0/api.js'></script>"
        + b"<p>" + "Продолжение заявления о сотрудничестве. ".encode() * 40 + b"</p></body>"))
    http_site.routes["/news/1/"] = (200, "text/html; charset=utf-8", page)
    result = crawl(tmp_path, http_site, FEED_SOURCE, "local-feed")
    assert (result.status, result.new) == ("ok", 1), result


def test_feed_encoding_from_http_header():
    """A feed that declares its encoding only in the HTTP header (windows-1251) reads correctly."""
    from scrapy.http import TextResponse

    from spiders.feed import FeedSpider

    body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>Заявление МИД</title>'
            "<link>https://mid.example/news/1/</link></item></channel></rss>").encode("windows-1251")
    source = load_sources(ROOT / "data" / "sources.toml")["mid-ru-ru"]
    spider = FeedSpider.offline(source.__class__(**{**source.__dict__, "article_pattern": ""}))
    response = TextResponse(url="https://mid.example/rss.php", body=body,
                            headers={"Content-Type": "application/rss+xml; charset=windows-1251"})
    [request] = list(spider.parse_feed(response))
    assert request.cb_kwargs["hints"]["title"] == "Заявление МИД"
