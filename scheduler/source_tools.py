"""Tools for repairing and adding sources: read a saved page offline, check a live site.

`extract` runs the same spider code a crawl runs, on a file, so a broken source can be
fixed against a saved copy of the page; `check_source` makes one small live crawl that
stores nothing and reports what the site served.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.http import HtmlResponse, TextResponse

from pipelines.health import Tally, judge
from pipelines.normalize import normalize
from scheduler.crawl import crawl_command, run_scrapy
from spiders.base import STAT, SourceSpider
from spiders.charsets import with_detected_charset
from spiders.errors import ListingPageError, NoStatementError, PageBlockedError
from spiders.extract import Article
from spiders.feed import FeedSpider
from spiders.govuk import GovUkSpider
from spiders.items import Statement
from spiders.sources import Source, spider_classes

# `communique extract` reports these as "blocked" (exit 3) and "parse-failed" (exit 1).
Blocked = PageBlockedError


def spider_class(name: str) -> type[SourceSpider]:
    return spider_classes()[name]


def _site_host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def source_urls(source: Source) -> tuple[str, ...]:
    """Every address the registry names for a source: feeds, listings, sitemaps, APIs."""
    return source.feed_urls + source.listing_urls + source.sitemap_urls + source.api_urls


def find_source(registry: dict[str, Source], url: str) -> Source | None:
    """The source that reads url: by every host the registry names for it (www. or not).

    Several sources on one host are a site's editions (mid.ru/ru/ and mid.ru/en/): the one
    whose article_pattern matches wins, then the one whose addresses share the longest
    path with url, then an enabled one.
    """
    host = _site_host(url)
    candidates = [s for s in registry.values() if host and host in {_site_host(u) for u in source_urls(s)}]
    if not candidates:
        return None

    def shared_path(source: Source) -> int:
        segments = [p for p in urlsplit(url).path.split("/") if p]
        best = 0
        for entry in source_urls(source):
            theirs = [p for p in urlsplit(entry.replace("{page}", "1")).path.split("/") if p]
            n = 0
            while n < min(len(segments), len(theirs)) and segments[n] == theirs[n]:
                n += 1
            best = max(best, n)
        return best

    return max(candidates, key=lambda s: (bool(s.article_pattern) and s.is_article(url), shared_path(s), s.enabled))


def saved_kind(body: bytes) -> str:
    """What a saved file is: "json" (an API answer), "feed" (RSS/Atom) or "html"."""
    head = body[:2000].lstrip()
    if head[:1] in (b"{", b"["):
        return "json"
    lowered = head.lower()
    if any(tag in lowered for tag in (b"<rss", b"<feed", b"<rdf:rdf")) and b"<html" not in lowered:
        return "feed"
    return "html"


def _run_saved(spider: SourceSpider, kind: str, url: str, body: bytes) -> list:
    """The spider callback a crawl would call for this kind of answer, on the saved body."""
    if kind == "json":
        response = TextResponse(url=url, body=body, encoding="utf-8",
                                headers={"Content-Type": "application/json"})
        if not isinstance(spider, GovUkSpider):
            raise NoStatementError(f"{url}: a JSON file, and source {spider.source.id!r} reads no JSON API")
        if b'"results"' in body[:4000] and b'"details"' not in body[:4000]:
            return list(spider.parse_search(response))
        page_url = url.replace("/api/content/", "/", 1)
        return list(spider.parse_content(response, page_url=page_url, hints={}))
    if kind == "feed":
        return list(spider.parse_feed(TextResponse(url=url, body=body)))
    # No forced encoding: the page's own <meta charset> (windows-1251 …) is honoured, and a
    # page that declares none and is not UTF-8 is detected, as in a crawl.
    return list(spider.parse_article(with_detected_charset(HtmlResponse(url=url, body=body))))


def extract_file(path: Path, url: str, source: Source) -> list[Statement]:
    """The statements a saved page (article, feed, gov.uk API JSON) yields under `source`'s rules.

    The same spider callbacks a crawl runs read it, challenge detection included.
    """
    body = path.read_bytes()
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    kind = saved_kind(body)
    cls = spider_class(source.spider)
    if kind == "feed" and not issubclass(cls, FeedSpider):
        cls = FeedSpider  # a listing source's saved feed still reads as a feed
    spider = cls.offline(source)
    results = _run_saved(spider, kind, url, body)
    statements = [r for r in results if isinstance(r, Statement)]
    if not statements:  # a feed or search answer of links: show the entries as it describes them
        statements = [
            spider.statement(r.cb_kwargs.get("page_url") or r.url, _hints_article(r.cb_kwargs.get("hints", {})))
            for r in results if not isinstance(r, Statement)
        ]
        statements = [s for s in statements if s]
    if not statements:
        if spider.stats.get(STAT + "last_blocked"):
            raise Blocked(spider.stats[STAT + "last_blocked"])
        if spider.stats.get(STAT + "last_listing"):
            raise ListingPageError(spider.stats[STAT + "last_listing"])
        why = spider.stats.get(STAT + "last_parse_failed") or spider.stats.get(STAT + "last_errors")
        raise NoStatementError(why or "no statement found")
    return [normalize(s) for s in statements]


def _hints_article(hints: dict) -> Article:
    return Article(title=hints.get("title", ""), lead=hints.get("lead", ""), text=hints.get("lead", ""),
                   published_at=hints.get("published_at"))


def statement_json(s: Statement) -> dict:
    return {
        "source": s.source,
        "url": s.url,
        "title": s.title,
        "published_at": s.published_at.isoformat() if s.published_at else None,
        "language": s.language,
        "kind": s.kind,
        "speaker": s.speaker,
        "text": s.text,
        "extra": s.extra,
    }


def check_source(source: Source, sources_path: Path, timeout_s: float = 120) -> dict:
    """One live feed/listing page and one article, nothing stored; the crawl's report."""
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "report.json"
        settings = {
            "COMMUNIQUE_CHECK": "True",
            "COMMUNIQUE_CHECK_REPORT": str(report_path),
            "HTTPCACHE_ENABLED": "False",
        }
        cmd = crawl_command(source, Path(tmp) / "unused.db", Path(sources_path).resolve(), "check",
                            Path(tmp) / "check.log", settings)
        returncode, stopped_for, stderr = run_scrapy(cmd, timeout_s)
        if report_path.exists():
            report = json.loads(report_path.read_text(encoding="utf-8"))
        else:
            log = (Path(tmp) / "check.log")
            last = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
            report = {"reason": "crashed", "stats": {}, "items": [],
                      "error": (last or [stderr or f"exit code {returncode}"])[0]}
        if stopped_for:  # "timeout" or "interrupted": the caller stopped it
            report["reason"] = stopped_for
            report["error"] = f"killed after {timeout_s:.0f} s" if stopped_for == "timeout" else ""
    return report


def check_verdict(report: dict) -> tuple[str, str]:
    """(state, detail) for a check report, by the one ladder of pipelines/health.py.

    A check reads one entry point and one article, so entries listed without an article
    read still mean the source works (`listing_suffices`); an article read is described.
    """
    tally = Tally.from_stats(report.get("stats", {}), prefix="")
    if report.get("items"):
        tally = replace(tally, statements=max(tally.statements, len(report["items"])))
    verdict = judge(tally, stop=report.get("reason") or "finished", detail=report.get("error") or "",
                    listing_suffices=True)
    if verdict.ok and report.get("items"):
        item = report["items"][0]
        fallbacks = item.get("fallbacks") or []
        detail = (f"{item['title'][:70]!r}, {item['published_at'] or 'no date'}, {item['text_chars']} chars"
                  + (f"; generic fallback for {', '.join(fallbacks)}" if fallbacks else "; source selectors"))
        return verdict.state, detail
    return verdict.state, verdict.reason


__all__ = ["Blocked", "NoStatementError", "check_source", "check_verdict", "extract_file", "find_source",
           "spider_class", "statement_json"]
