"""Entry points are revalidated every crawl, with communique's own validators, whatever
the site's Cache-Control says: new statements are found, unchanged feeds answer 304."""

import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipelines.db import open_db
from scheduler.crawl import run_crawl
from spiders.sources import load_sources
from tests.registries import feed_source

FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False"}

FEED_SOURCE = feed_source("cond-feed")

LISTING_SOURCE = """
[[source]]
id = "cond-listing"
name = "Conditional listing"
publisher = "ministry"
country = "UA"
language = "en"
spider = "listing"
listing_urls = ["{base}/news"]
timezone = "Europe/Kyiv"
[source.listing]
item = "li"
link = "a::attr(href)"
"""


class Site:
    """A local site with explicit caching behaviour: which validators it sends, what
    Cache-Control it says, and whether it honours conditional requests."""

    def __init__(self, cache_control=None, etag=True, last_modified=True):
        self.cache_control, self.etag, self.last_modified = cache_control, etag, last_modified
        self.pages: dict[str, tuple[bytes, str]] = {}
        self.versions: dict[str, int] = {}
        self.seen: list[tuple[str, dict]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                if self.path == "/robots.txt":
                    return self.reply(200, b"User-agent: *\nAllow: /\n", "text/plain", {})
                if self.path not in site.pages:
                    return self.reply(404, b"not found", "text/plain", {})
                body, ctype = site.pages[self.path]
                version = site.versions[self.path]
                headers = {}
                if site.etag:
                    headers["ETag"] = f'"v{version}"'
                if site.last_modified:
                    headers["Last-Modified"] = formatdate(1_700_000_000 + version * 3600, usegmt=True)
                if site.cache_control:
                    headers["Cache-Control"] = site.cache_control
                inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
                if (site.etag and inm == headers["ETag"]) or (
                        site.last_modified and not inm and ims == headers.get("Last-Modified")):
                    return self.reply(304, b"", None, headers)
                self.reply(200, body, ctype, headers)

            def reply(self, status, body, ctype, headers):
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if ctype:
                    self.send_header("Content-Type", ctype)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def put(self, path, body: bytes, ctype="text/html; charset=utf-8"):
        """Publish a page; a changed body is a new version (new ETag and Last-Modified)."""
        if self.pages.get(path, (None,))[0] != body:
            self.versions[path] = self.versions.get(path, 0) + 1
        self.pages[path] = (body, ctype)

    def requests_for(self, path):
        return [headers for p, headers in self.seen if p == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def make_site():
    sites = []

    def make(**kw):
        sites.append(Site(**kw))
        return sites[-1]

    yield make
    for s in sites:
        s.close()


def article(i):
    text = f"The ministry's statement number {i} on the talks, with enough words to be a statement. " * 5
    return (f"<html lang='en'><head><meta property='og:title' content='Statement {i}'></head><body>"
            f"<h1>Statement {i}</h1><article><p>{text}</p></article></body></html>").encode()


def feed(site, ids):
    items = "".join(f"<item><title>Statement {i}</title><link>{site.base}/news/{i}/</link></item>" for i in ids)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def publish(site, ids):
    for i in ids:
        site.put(f"/news/{i}/", article(i))
    site.put("/rss.xml", feed(site, ids), "application/rss+xml")


def crawl(tmp_path, site, registry=FEED_SOURCE, source_id="cond-feed"):
    reg = tmp_path / "sources.toml"
    reg.write_text(registry.replace("{base}", site.base), encoding="utf-8")
    site.seen.clear()
    return run_crawl(load_sources(reg)[source_id], tmp_path / "c.db", reg, log_dir=tmp_path / "logs",
                     timeout_s=120, settings=FAST)


def article_hits(site):
    return [p for p, _ in site.seen if p.startswith("/news/")]


@pytest.mark.parametrize("cache_control", [None, "no-cache", "max-age=86400"])
def test_new_statements_found_and_unchanged_feed_costs_a_304(tmp_path, make_site, cache_control):
    site = make_site(cache_control=cache_control)
    publish(site, [1, 2])
    first = crawl(tmp_path, site)
    assert (first.status, first.new) == ("ok", 2), first
    assert "if-none-match" not in site.requests_for("/rss.xml")[0]

    publish(site, [1, 2, 3])  # a new statement, whatever the feed's Cache-Control promised
    second = crawl(tmp_path, site)
    assert (second.status, second.new, second.known) == ("ok", 1, 2), second
    feed_request = site.requests_for("/rss.xml")[0]
    assert feed_request["if-none-match"] == '"v1"'
    assert article_hits(site) == ["/news/3/"]

    third = crawl(tmp_path, site)  # nothing changed: one conditional request, answered 304
    assert (third.status, third.new, third.found) == ("ok", 0, 0), third
    assert "unchanged since the last crawl" in third.message
    assert site.requests_for("/rss.xml")[0]["if-none-match"] == '"v2"'
    assert article_hits(site) == []


def test_last_modified_alone_gives_if_modified_since(tmp_path, make_site):
    site = make_site(cache_control="no-cache", etag=False)
    publish(site, [1])
    assert crawl(tmp_path, site).new == 1
    second = crawl(tmp_path, site)
    assert second.status == "ok" and "unchanged" in second.message
    sent = site.requests_for("/rss.xml")[0]
    assert "if-none-match" not in sent and sent["if-modified-since"].endswith("GMT")


def test_site_without_validators_is_refetched_and_an_unchanged_hash_costs_no_parsing(tmp_path, make_site):
    site = make_site(cache_control="max-age=86400", etag=False, last_modified=False)
    publish(site, [1])
    assert crawl(tmp_path, site).new == 1
    second = crawl(tmp_path, site)
    assert (second.status, second.found) == ("ok", 0), second
    assert "unchanged" in second.message
    assert len(site.requests_for("/rss.xml")) == 1  # fetched, never assumed fresh
    publish(site, [1, 2])
    third = crawl(tmp_path, site)
    assert (third.status, third.new) == ("ok", 1), third


def test_listing_pages_are_revalidated_too(tmp_path, make_site):
    site = make_site(cache_control="max-age=3600")
    site.put("/news/1/", article(1))
    site.put("/news", b"<html><body><ul><li><a href='/news/1/'>One</a></li></ul></body></html>")
    assert crawl(tmp_path, site, LISTING_SOURCE, "cond-listing").new == 1
    second = crawl(tmp_path, site, LISTING_SOURCE, "cond-listing")
    assert second.status == "ok" and "unchanged" in second.message
    assert site.requests_for("/news")[0]["if-none-match"] == '"v1"'


def test_article_pages_are_not_cached(tmp_path, make_site):
    """Only entry points have validators; Scrapy's HTTP cache is off (no httpcache/ stats)."""
    site = make_site()
    publish(site, [1])
    result = crawl(tmp_path, site)
    with open_db(tmp_path / "c.db", readonly=True) as store:
        kept = {r["url"] for r in store.db.query("SELECT url FROM entry_validators")}
    assert kept == {f"{site.base}/rss.xml"}
    log = Path(result.log_path).read_text(encoding="utf-8")
    assert "Dumping Scrapy stats" in log and "httpcache/" not in log


def test_a_run_with_failed_pages_keeps_no_validators(tmp_path, make_site):
    """A page that failed is tried again next time, even though its feed did not change."""
    site = make_site()
    publish(site, [1, 2])
    del site.pages["/news/2/"]  # 404 this time
    first = crawl(tmp_path, site)
    assert first.new == 1 and first.errors == 1
    site.put("/news/2/", article(2))
    second = crawl(tmp_path, site)
    assert "if-none-match" not in site.requests_for("/rss.xml")[0]
    assert (second.status, second.new) == ("ok", 1), second
    third = crawl(tmp_path, site)
    assert "unchanged" in third.message
