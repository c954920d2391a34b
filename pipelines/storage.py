"""Run bookkeeping: a crawl's crawl_runs row, opened when the spider opens, finished when it closes.

(The statements themselves are written by the store stage, pipelines/writer.py; the one
item pipeline, pipelines/item_pipeline.py, opens this first and flushes its last batch
before spider_closed, so the counters read here are complete.)

The run's status is decided here from the spider's counters, so that "blocked",
"parse-failed" and "ok with nothing new" stay distinct for the user.
"""

from __future__ import annotations

import uuid

from scrapy import signals

from pipelines.db import open_db
from spiders.items import STAT


def counter(stats: dict, key: str) -> int:
    """One of communique's counters in a crawl's stats (0 when never counted)."""
    return stats.get(STAT + key, 0) or 0


def run_status(stats: dict, reason: str = "finished") -> tuple[str, str]:
    """(status, one-line message) of a finished crawl from its counters.

    ok: statements were read (new or already stored). blocked: the site answered with
    challenge pages or 403/429. parse-failed: pages loaded but held nothing readable.
    failed: nothing could be fetched, or the crawl was stopped.
    """

    def get(key: str) -> int:
        return counter(stats, key)

    def last(key: str) -> str:
        return stats.get(STAT + "last_" + key) or ""

    read = get("new") + get("sightings") + get("known")
    problems = get("blocked") + get("parse_failed") + get("errors")
    if read:
        note = last("blocked") or last("parse_failed") or last("errors")
        status = "ok" if reason == "finished" else "failed"
        message = f"{problems} problem(s); last: {note}" if problems else ""
        if reason != "finished":
            message = f"crawl stopped: {reason}" + (f"; {message}" if message else "")
        return status, message
    if get("blocked"):
        return "blocked", last("blocked")
    if get("parse_failed"):
        return "parse-failed", last("parse_failed")
    if get("errors"):
        return "failed", last("errors")
    if reason != "finished":
        return "failed", f"crawl stopped: {reason}"
    if not get("pages"):
        return "failed", "no page was fetched"
    if get("statements"):  # read, but every one dropped by the pipelines
        return "ok", "every statement read was already stored or empty"
    return "parse-failed", "the pages held no statements"


def run_counts(stats: dict) -> dict[str, int]:
    """A crawl's crawl_runs counters (pages, found, new, known, errors) from its stats."""

    def get(key: str) -> int:
        return counter(stats, key)

    return {
        "pages": get("pages"),
        "found": get("entries"),
        "new": get("new"),
        "known": get("known") + get("sightings"),
        "errors": get("errors") + get("blocked") + get("parse_failed"),
    }


class StoragePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.store = None
        self.run_id = crawler.settings.get("COMMUNIQUE_RUN_ID") or uuid.uuid4().hex

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        # The run is recorded at spider_closed, the first moment the close reason is known.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        # A bug in a callback or a stage loses that statement for this run: count it, so the
        # run is not reported as a quiet success.
        crawler.signals.connect(pipeline.on_item_error, signal=signals.item_error)
        crawler.signals.connect(pipeline.on_spider_error, signal=signals.spider_error)
        return pipeline

    def _error(self, message: str) -> None:
        self.crawler.stats.inc_value(STAT + "errors")
        self.crawler.stats.set_value(STAT + "last_errors", " ".join(message.split())[:300])

    def on_item_error(self, item, response, spider, failure):
        self._error(f"{failure.value.__class__.__name__}: {failure.value} while processing {item.url}")

    def on_spider_error(self, failure, response, spider):
        self._error(f"{failure.value.__class__.__name__}: {failure.value} while reading {response.url}")

    def open_spider(self):
        self.store = open_db(self.crawler.settings.get("COMMUNIQUE_DB"))
        source = self.crawler.spider.source
        self.store.upsert_sources([source])
        self.store.start_run(self.run_id, source.id)

    def spider_closed(self, spider, reason):
        if self.store is None:
            return
        stats = self.crawler.stats.get_stats()
        status, message = run_status(stats, reason)
        self.store.finish_run(self.run_id, status, message, **run_counts(stats))
        self.store.close()
        self.store = None
