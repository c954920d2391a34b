"""Whole crawls against a hostile local site: what is refused, bounded, decoded and reported.

Each test crawls in a subprocess (as `communique crawl` does) and asserts one outcome:
the run's status or message, or what the database holds.
"""

from __future__ import annotations

import json
import resource
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest

from scheduler.cli import LOCAL_SITE_SETTINGS
from scheduler.crawl import CrawlResult, run_crawl
from spiders.sources import load_sources

from .hostile_site import MB, HostileSite, big_page, gzip_bomb, hang, reset_connection, streamed_page

FEED_SOURCE = """
[[source]]
id = "hostile-feed"
name = "Hostile feed"
publisher = "news"
country = "RU"
language = "ru"
spider = "feed"
feed_urls = ["{feed}"]
timezone = "Europe/Moscow"
"""

RSS = "application/rss+xml"
# Retries only slow these tests down: each failure is final at once.
NO_RETRY = {**LOCAL_SITE_SETTINGS, "RETRY_ENABLED": "False"}


def rss(items: list[tuple[str, str]], declaration: str = '<?xml version="1.0"?>') -> str:
    entries = "".join(f"<item><title>{title}</title><link>{link}</link>"
                      f"<pubDate>Thu, 10 Oct 2024 11:00 +0300</pubDate></item>" for title, link in items)
    return f"{declaration}<rss version=\"2.0\"><channel><title>t</title>{entries}</channel></rss>"


def article(title: str, paragraph: str, head: str = "", charset_meta: str = "") -> str:
    body = "".join(f"<p>{paragraph} {n}.</p>" for n in range(8))
    return (f"<html><head>{charset_meta}<title>{title}</title>{head}</head><body><article>"
            f"<h1>{title}</h1>{body}</article></body></html>")


def crawl(tmp_path: Path, feed_url: str, settings: dict | None = None):
    registry = tmp_path / "sources.toml"
    registry.write_text(FEED_SOURCE.replace("{feed}", feed_url), encoding="utf-8")
    source = load_sources(registry)["hostile-feed"]
    return run_crawl(source, tmp_path / "c.db", registry, log_dir=tmp_path / "logs", timeout_s=180,
                     settings=settings or NO_RETRY)


class Crawled(NamedTuple):
    """One crawl shared by the tests that each assert one of its outcomes."""

    result: CrawlResult
    base: str
    dir: Path


@contextmanager
def fresh_site():
    site = HostileSite()
    site.start()
    try:
        yield site
    finally:
        site.stop()


def stored(tmp_path: Path) -> list[dict]:
    with sqlite3.connect(tmp_path / "c.db") as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM statements ORDER BY url")]


def tags(tmp_path: Path) -> set[str]:
    with sqlite3.connect(tmp_path / "c.db") as db:
        return {row[0] for row in db.execute("SELECT tag FROM statement_tags")}


# --- only the public web ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def feed_with_file_links(tmp_path_factory):
    with fresh_site() as site:
        base = site.base_url
        site.page("/ok", article("Заявление о погоде", "Обычный абзац текста заявления"))
        site.page("/rss", rss([("passwd", "file://localhost/etc/passwd"), ("hostname", "file:/etc/hostname"),
                               ("ok", f"{base}/ok")]), RSS)
        tmp = tmp_path_factory.mktemp("file-links")
        yield Crawled(crawl(tmp, f"{base}/rss"), base, tmp)


def test_file_links_are_not_stored(feed_with_file_links):
    assert [row["url"] for row in stored(feed_with_file_links.dir)] == [f"{feed_with_file_links.base}/ok"]


def test_file_links_are_counted_as_refused(feed_with_file_links):
    assert feed_with_file_links.result.errors == 2


def test_file_link_refusal_is_named(feed_with_file_links):
    assert "refused: file: is not http(s)" in feed_with_file_links.result.message


PRIVATE_TARGETS = {
    "http://10.0.0.1/latest": "refused: 10.0.0.1 is a private address",
    "http://169.254.169.254/latest/meta-data/": "refused: 169.254.169.254 is a link-local address",
    "http://100.64.0.1/": "refused: 100.64.0.1 is a shared (CGNAT) address",
    "http://[fd00::1]/": "refused: fd00::1 is a private address",
}


@pytest.fixture(scope="module")
def private_redirects(tmp_path_factory):
    """A feed whose article links redirect to private addresses; 127.0.0.0/8 is exempt: the crawl's log."""
    with fresh_site() as site:
        links = []
        for n, target in enumerate(PRIVATE_TARGETS):
            site.redirects[f"/go/{n}"] = target
            links.append((str(n), f"{site.base_url}/go/{n}"))
        site.page("/rss", rss(links), RSS)
        tmp = tmp_path_factory.mktemp("private-redirects")
        result = crawl(tmp, f"{site.base_url}/rss")
        yield result, "\n".join(path.read_text(encoding="utf-8") for path in (tmp / "logs").glob("*.log"))


@pytest.mark.parametrize(("target", "reason"), PRIVATE_TARGETS.items())
def test_redirect_to_private_address_is_refused_despite_local_exemption(private_redirects, target, reason):
    assert f"errors: {reason} at {target}" in private_redirects[1]


def test_redirects_to_private_addresses_are_counted(private_redirects):
    assert private_redirects[0].errors == len(PRIVATE_TARGETS)


def test_numeric_loopback_outside_the_exemption_is_refused(hostile_site, tmp_path):
    # 2130706433 is 127.0.0.1: with only 10.9.0.0/16 exempt, the guard must see through the number.
    hostile_site.page("/rss", rss([("a", f"{hostile_site.base_url}/go")]), RSS)
    port = hostile_site.server_address[1]
    hostile_site.redirects["/go"] = f"http://2130706433:{port}/ok"
    hostile_site.page("/ok", article("Секрет", "Внутренний текст"))
    settings = {**NO_RETRY, "COMMUNIQUE_ALLOWED_NETWORKS": "10.9.0.0/16"}
    crawl(tmp_path, f"{hostile_site.base_url}/rss", settings)
    assert "/ok" not in hostile_site.hits


def test_private_feed_is_refused_before_robots_txt(tmp_path):
    result = crawl(tmp_path, "http://10.0.0.1:9/rss.xml")
    assert (result.status, result.message) == (
        "failed", "refused: 10.0.0.1 is a private address at http://10.0.0.1:9/rss.xml")


# --- reasons a user can act on ----------------------------------------------------------------
def test_unauthorized_feed_is_blocked_not_failed(hostile_site, tmp_path):
    hostile_site.page("/rss", b"<html><body>Login required</body></html>", status=401)
    result = crawl(tmp_path, f"{hostile_site.base_url}/rss")
    assert (result.status, result.message) == ("blocked", f"HTTP 401 by {_server()} at {hostile_site.base_url}/rss")


def _server() -> str:
    from http.server import BaseHTTPRequestHandler
    return BaseHTTPRequestHandler.server_version + " " + BaseHTTPRequestHandler.sys_version


def test_connection_reset_is_named(hostile_site, tmp_path):
    hostile_site.page("/rss", reset_connection)
    result = crawl(tmp_path, f"{hostile_site.base_url}/rss")
    assert result.message == f"connection reset at {hostile_site.base_url}/rss"


def test_redirect_loop_is_named(hostile_site, tmp_path):
    hostile_site.redirects["/rss"] = "/loop"
    hostile_site.redirects["/loop"] = "/rss"
    result = crawl(tmp_path, f"{hostile_site.base_url}/rss")
    assert result.message.startswith("too many redirects")


def test_robots_txt_is_named_only_when_it_forbids(hostile_site, tmp_path):
    hostile_site.page("/robots.txt", "User-agent: *\nDisallow: /rss\n", "text/plain")
    hostile_site.page("/rss", rss([]), RSS)
    result = crawl(tmp_path, f"{hostile_site.base_url}/rss")
    assert result.message == f"forbidden by robots.txt at {hostile_site.base_url}/rss"


def test_slow_answer_is_timed_out(hostile_site, tmp_path):
    hostile_site.routes["/rss"] = (200, {}, hang(10))
    result = crawl(tmp_path, f"{hostile_site.base_url}/rss", {**NO_RETRY, "DOWNLOAD_TIMEOUT": "1"})
    assert result.message == f"timed out at {hostile_site.base_url}/rss"


def test_unknown_host_is_a_dns_failure(tmp_path):
    result = crawl(tmp_path, "http://no-such-host.invalid/rss")
    assert result.message.startswith("DNS: no such host no-such-host.invalid")


# --- bounded ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gzip_bomb_crawl(tmp_path_factory):
    with fresh_site() as site:
        site.page("/rss", rss([("a", f"{site.base_url}/bomb")]), RSS)
        site.page("/bomb", gzip_bomb(), "text/html", **{"Content-Encoding": "gzip"})
        tmp = tmp_path_factory.mktemp("gzip-bomb")
        yield Crawled(crawl(tmp, f"{site.base_url}/rss"), site.base_url, tmp)


def test_gzip_bomb_is_too_large_not_robots(gzip_bomb_crawl):
    assert gzip_bomb_crawl.result.message == (
        f"too large: over 10 MB once decompressed at {gzip_bomb_crawl.base}/bomb")


def test_gzip_bomb_crawl_stays_small(gzip_bomb_crawl):
    # ru_maxrss (KiB on Linux) of the largest child so far: every crawl of this session.
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 400 * 1024


def test_fifty_mb_page_is_too_large(hostile_site, tmp_path):
    hostile_site.page("/rss", rss([("a", f"{hostile_site.base_url}/big")]), RSS)
    hostile_site.routes["/big"] = (200, {}, big_page(50 * MB))
    result = crawl(tmp_path, f"{hostile_site.base_url}/rss")
    assert result.message == f"too large: over 10 MB at {hostile_site.base_url}/big"


def test_fifty_mb_page_without_length_is_too_large(hostile_site, tmp_path):
    hostile_site.page("/rss", rss([("a", f"{hostile_site.base_url}/big")]), RSS)
    hostile_site.routes["/big"] = (200, {}, streamed_page(50 * MB))
    result = crawl(tmp_path, f"{hostile_site.base_url}/rss")
    assert result.message == f"too large: over 10 MB at {hostile_site.base_url}/big"


@pytest.fixture(scope="module")
def impersonating_crawl(tmp_path_factory):
    """The impersonate (curl) fetcher, which resolves names and decompresses by itself: its log."""
    with fresh_site() as site:
        base = site.base_url
        site.page("/rss", rss([("a", f"{base}/bomb"), ("b", f"{base}/big"), ("c", f"{base}/go")]), RSS)
        site.page("/bomb", gzip_bomb(), "text/html", **{"Content-Encoding": "gzip"})
        site.routes["/big"] = (200, {}, big_page(50 * MB))
        site.redirects["/go"] = "http://169.254.169.254/latest/meta-data/"
        tmp = tmp_path_factory.mktemp("impersonate")
        registry = tmp / "sources.toml"
        registry.write_text(FEED_SOURCE.replace("{feed}", f"{base}/rss") + 'fetcher = "impersonate"\n',
                            encoding="utf-8")
        source = load_sources(registry)["hostile-feed"]
        run_crawl(source, tmp / "c.db", registry, log_dir=tmp / "logs", timeout_s=180, settings=NO_RETRY)
        yield base, "\n".join(path.read_text(encoding="utf-8") for path in (tmp / "logs").glob("*.log"))


@pytest.mark.parametrize("line", [
    "errors: too large: over 10 MB at {base}/bomb",
    "errors: too large: over 10 MB at {base}/big",
    "errors: refused: 169.254.169.254 is a link-local address at http://169.254.169.254/latest/meta-data/",
])
def test_impersonate_fetcher_is_bounded_and_guarded(impersonating_crawl, line):
    base, log = impersonating_crawl
    assert line.format(base=base) in log


def test_long_page_is_cut_to_the_statement_cap(hostile_site, tmp_path):
    hostile_site.page("/rss", rss([("a", f"{hostile_site.base_url}/long")]), RSS)
    hostile_site.routes["/long"] = (200, {}, big_page(3 * MB))
    crawl(tmp_path, f"{hostile_site.base_url}/rss")
    row = stored(tmp_path)[0]
    assert (len(row["text"]) <= 200_000, json.loads(row["extra"])["truncated_from"] > 200_000) == (True, True)


# --- text integrity ---------------------------------------------------------------------------
COE_TEXT = "МИД России заявляет о выходе из Совета Европы и о работе Парламентской ассамблеи Совета Европы"


@pytest.fixture(scope="module")
def cyrillic_crawl(tmp_path_factory):
    with fresh_site() as site:
        base = site.base_url
        # No charset anywhere: not in the header, no <meta>, no XML encoding, no BOM.
        feed = rss([("Заявление МИД России о Совете Европы", f"{base}/koi8")]).encode("cp1251")
        site.page("/rss", feed, RSS)
        site.page("/koi8", article("Заявление МИД России о Совете Европы", COE_TEXT).encode("koi8-r"))
        tmp = tmp_path_factory.mktemp("cyrillic")
        yield Crawled(crawl(tmp, f"{base}/rss"), base, tmp)


def test_undeclared_cyrillic_page_is_decoded(cyrillic_crawl):
    assert stored(cyrillic_crawl.dir)[0]["title"] == "Заявление МИД России о Совете Европы"


def test_undeclared_cyrillic_text_is_decoded(cyrillic_crawl):
    assert COE_TEXT in stored(cyrillic_crawl.dir)[0]["text"]


def test_undeclared_cyrillic_statement_is_tagged(cyrillic_crawl):
    assert "coe" in tags(cyrillic_crawl.dir)


def test_undeclared_cp1251_feed_titles_are_decoded(hostile_site, tmp_path):
    base = hostile_site.base_url
    feed = rss([("Заявление о Совете Европы", f"{base}/a")]).replace(
        "</title>", "</title><description>Министр выступил в Совете Европы.</description>")
    hostile_site.page("/rss", feed.encode("cp1251"), RSS)
    registry_feed = FEED_SOURCE + 'title_and_lead_only = true\n'
    registry = tmp_path / "sources.toml"
    registry.write_text(registry_feed.replace("{feed}", f"{base}/rss"), encoding="utf-8")
    source = load_sources(registry)["hostile-feed"]
    run_crawl(source, tmp_path / "c.db", registry, log_dir=tmp_path / "logs", timeout_s=180, settings=NO_RETRY)
    assert [r["title"] for r in stored(tmp_path)] == ["Заявление о Совете Европы"]


# --- challenge pages among articles -----------------------------------------------------------
CHALLENGE = (b"<html><head><title>Just a moment...</title></head><body>"
             b"<script src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1'></script></body></html>")
RECAPTCHA_HEAD = "<script src='https://www.google.com/recaptcha/api.js'></script>" + (
    "<script>var captcha = {};</script>" + "<script>" + "x=1;" * 4400 + "</script>")


@pytest.fixture(scope="module")
def partly_challenged_crawl(tmp_path_factory):
    with fresh_site() as site:
        base = site.base_url
        site.page("/rss", rss([("one", f"{base}/one"), ("two", f"{base}/two"),
                               ("wall", f"{base}/wall"), ("tass", f"{base}/tass")]), RSS)
        site.page("/one", article("Первое заявление", "Текст первого заявления министерства"))
        site.page("/two", article("Второе заявление", "Текст второго заявления министерства"))
        site.page("/wall", CHALLENGE)
        # A real article that loads reCAPTCHA and Cloudflare's script for its comment form.
        head = RECAPTCHA_HEAD + "<script src='/cdn-cgi/challenge-platform/scripts/jsd/main.js'></script>"
        site.page("/tass", article("Статья с формой комментариев",
                                   "Длинный текст настоящей статьи о заседании Комитета министров", head))
        tmp = tmp_path_factory.mktemp("challenges")
        yield Crawled(crawl(tmp, f"{base}/rss"), base, tmp)


def test_real_articles_among_challenges_are_stored(partly_challenged_crawl):
    base = partly_challenged_crawl.base
    assert [r["url"] for r in stored(partly_challenged_crawl.dir)] == [f"{base}/one", f"{base}/tass", f"{base}/two"]


def test_challenge_among_articles_is_named(partly_challenged_crawl):
    assert f"challenge page (cdn-cgi/challenge-platform) with HTTP 200 at {partly_challenged_crawl.base}/wall" in (
        partly_challenged_crawl.result.message)


# --- the address actually connected to ----------------------------------------------------------
@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_resolver_refuses_private_answers_at_connect_time(hostile_site, tmp_path, monkeypatch, host):
    # With the URL check switched off, the DNS resolver alone must keep the crawl off loopback.
    monkeypatch.delenv("COMMUNIQUE_ALLOWED_NETWORKS")
    settings = {key: value for key, value in NO_RETRY.items() if key != "COMMUNIQUE_ALLOWED_NETWORKS"}
    settings["DOWNLOADER_MIDDLEWARES"] = json.dumps({"spiders.netguard.PublicOnlyMiddleware": None})
    hostile_site.page("/rss", rss([]), RSS)
    crawl(tmp_path, f"http://{host}:{hostile_site.server_address[1]}/rss", settings)
    assert hostile_site.hits == []
