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

from scrapy.http import HtmlResponse, TextResponse

from pipelines.health import Tally, judge
from pipelines.normalize import normalize
from scheduler.crawl import crawl_command, run_scrapy
from spiders.base import STAT, SourceSpider
from spiders.extract import Article, challenge_reason
from spiders.feed import FeedSpider
from spiders.items import Statement
from spiders.sources import Source, spider_classes


class Blocked(Exception):
    """Raised when a saved page is an anti-bot challenge, not content."""


def spider_class(name: str) -> type[SourceSpider]:
    return spider_classes()[name]


def extract_file(path: Path, url: str, source: Source) -> list[Statement]:
    """The statements a saved page (article, feed) yields under `source`'s rules."""
    body = path.read_bytes()
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    reason = challenge_reason(200, body.decode("utf-8", "replace"))
    if reason:
        raise Blocked(reason)
    head = body[:2000].lower()
    is_feed = any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf")) and b"<html" not in head
    cls = spider_class(source.spider)
    if is_feed and not issubclass(cls, FeedSpider):
        cls = FeedSpider  # a listing source's saved feed still reads as a feed
    spider = cls.offline(source)
    if is_feed:
        response = TextResponse(url=url, body=body)
        results = list(spider.parse_feed(response))
        statements = [r for r in results if isinstance(r, Statement)]
        if not statements:  # a feed of links: show the entries as the feed describes them
            statements = [
                spider.statement(r.url, _hints_article(r.cb_kwargs.get("hints", {})))
                for r in results if not isinstance(r, Statement)
            ]
            statements = [s for s in statements if s]
    else:
        # No forced encoding: the page's own <meta charset> (windows-1251 …) is honoured.
        response = HtmlResponse(url=url, body=body)
        statements = list(spider.parse_article(response))
    if not statements:
        why = spider.stats.get(STAT + "last_parse_failed") or "no statement found"
        raise ValueError(why)
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
            "ITEM_PIPELINES": json.dumps(
                {
                    "pipelines.normalize.NormalizePipeline": 100,
                    "pipelines.tagging.TaggingPipeline": 300,
                    "pipelines.check.CheckReportPipeline": 400,
                }
            ),
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


__all__ = ["Blocked", "check_source", "check_verdict", "extract_file", "spider_class", "statement_json"]
