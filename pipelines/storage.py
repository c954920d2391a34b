"""Run bookkeeping: a crawl's crawl_runs row, opened when the spider opens, finished when it closes.

(The statements themselves are written by the store stage, pipelines/writer.py; the one
item pipeline, pipelines/item_pipeline.py, opens this first and flushes its last batch
before spider_closed, so the counters read here are complete.)

The run's state is decided by pipelines/health.py from the spider's counters, so that
"blocked", "degraded", "parse-failed" and "ok with nothing new" stay distinct for the
user; its counts of new and known statements are what the database holds for the run.
"""

from __future__ import annotations

import uuid

from scrapy import signals

from pipelines.db import open_db
from pipelines.health import DEFAULT_DEGRADED_SHARE, OK, Tally, judge
from spiders.items import STAT


def counter(stats: dict, key: str) -> int:
    """One of communique's counters in a crawl's stats (0 when never counted)."""
    return stats.get(STAT + key, 0) or 0


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
        spider = self.crawler.spider
        source = spider.source
        self.store.close_dead_runs()
        self.store.upsert_sources([source])
        self.store.start_run(self.run_id, source.id)
        # The entry points as last read completely: the revalidation middleware sends their
        # validators and skips an unchanged one (spiders/revalidate.py).
        spider.entry_validators = self.store.entry_validators(source.id)

    def spider_closed(self, spider, reason):
        if self.store is None:
            return
        stats = self.crawler.stats.get_stats()
        share = self.crawler.settings.getfloat("COMMUNIQUE_DEGRADED_SHARE", DEFAULT_DEGRADED_SHARE)
        tally = Tally.from_stats(stats, STAT)
        verdict = judge(tally, stop=reason, degraded_share=share)

        def get(key: str) -> int:
            return counter(stats, key)

        try:
            # Validators are kept only after a complete, clean read, so a page that failed
            # is tried again next time even if its feed has not changed.
            if verdict.state == OK and not tally.problems:
                self.store.save_entry_validators(spider.source.id, getattr(spider, "fresh_validators", {}))
            new, seen = self.store.run_counts(self.run_id)
            self.store.finish_run(
                self.run_id,
                verdict.state,
                verdict.reason,
                pages=get("pages"),
                found=get("entries"),
                new=new,
                known=max(seen, get("known") + get("sightings")),
                errors=get("errors") + get("blocked") + get("parse_failed"),
                revised=get("revisions"),
                duplicates=get("sightings"),
                bytes=int(stats.get("downloader/response_bytes", 0) or 0),
            )
        finally:
            self.store.close()
            self.store = None
