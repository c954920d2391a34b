"""The one Scrapy item pipeline: runs the statement stages (pipelines/stages.py) in one hop.

Four item pipelines meant four rounds of Scrapy's asyncio/Deferred plumbing per statement;
the stages themselves are plain functions, so one pipeline calls them in order and turns
their outcomes into Scrapy's terms (DropItem, crawl counters, closing on a database error).

Two modes, one stage list:
* a crawl: the store stage writes to the database in batches (pipelines/writer.py) and the
  run is recorded in crawl_runs (pipelines/storage.py, the run bookkeeping);
* `sources --check` (COMMUNIQUE_CHECK): the check report takes the store stage's place,
  nothing is stored or known, and the report is written when the spider closes;
* a crawl on a Scrapyd runner node (COMMUNIQUE_REMOTE): pipelines/remote.py only yields each
  statement to the node's item feed; the scheduler's machine runs the stages on them.
"""

from __future__ import annotations

from pathlib import Path

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from pipelines import rechecks
from pipelines.check import CheckReport
from pipelines.db import open_db
from pipelines.remote import RemoteItemPipeline
from pipelines.stages import run_stages, statement_stages
from pipelines.storage import StoragePipeline
from pipelines.tagging import load_lexicon
from pipelines.writer import OUTCOME_COUNTER, StatementWriter
from spiders.errors import EmptyStatement, StorageError
from spiders.items import STAT
from spiders.urls import canonical_url, compile_rule


class StatementPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        path = settings.get("COMMUNIQUE_LEXICON")
        self.lexicon = load_lexicon(Path(path) if path else None)
        self.check = settings.getbool("COMMUNIQUE_CHECK")
        self.report = CheckReport(settings.get("COMMUNIQUE_CHECK_REPORT")) if self.check else None
        # The run bookkeeping (start_run / finish_run with the run status) is its own piece.
        self.run = None if self.check else StoragePipeline.from_crawler(crawler)
        self.writer: StatementWriter | None = None
        self.stages = []

    @classmethod
    def from_crawler(cls, crawler):
        if crawler.settings.getbool("COMMUNIQUE_REMOTE"):
            # On a Scrapyd node: records to the item feed, the stages run on the scheduler's machine.
            return RemoteItemPipeline.from_crawler(crawler)
        pipeline = cls(crawler)
        if pipeline.check:
            crawler.signals.connect(pipeline.write_report, signal=signals.spider_closed)
        else:
            # A pause (nothing left to fetch for now) or an item that failed: write what waits.
            crawler.signals.connect(pipeline.flush, signal=signals.spider_idle)
            crawler.signals.connect(pipeline.flush, signal=signals.item_error)
        return pipeline

    def open_spider(self):
        if self.check:
            self.stages = statement_stages(stored_fingerprint=lambda url: None, lexicon=self.lexicon,
                                           sink=self.report.add, identity_rule=self._identity_rule())
            return
        self.run.open_spider()
        settings = self.crawler.settings
        # Batch size and age: spiders/settings.py (unset, every statement is written at once).
        self.writer = StatementWriter(
            open_db(settings.get("COMMUNIQUE_DB")),
            self.run.run_id,
            batch_size=settings.getint("COMMUNIQUE_STORE_BATCH"),
            max_age_s=settings.getfloat("COMMUNIQUE_STORE_BATCH_SECONDS"),
            on_saved=lambda outcome: self.crawler.stats.inc_value(STAT + OUTCOME_COUNTER[outcome]),
        )
        # Spiders ask this before requesting an article, to stop at what is stored.
        self.crawler.spider.known_url_checker = lambda url: self.writer.is_known(canonical_url(url))
        self.stages = statement_stages(stored_fingerprint=self.writer.fingerprint_at, lexicon=self.lexicon,
                                       sink=self.writer.add, identity_rule=self._identity_rule())
        if settings.getbool("COMMUNIQUE_RECHECK"):  # recheck mode: the due pages, not the feeds
            after = tuple(int(s) for s in settings.getlist("COMMUNIQUE_RECHECK_AFTER"))
            rechecks.attach(self.crawler.spider, self.writer.store, self.run.run_id, after)

    def _identity_rule(self):
        """The source's identity rule (sources.toml `identity`), compiled once per crawl."""
        rule = getattr(getattr(self.crawler.spider, "source", None), "identity", "")
        return compile_rule(rule) if rule else None

    def process_item(self, item):
        try:
            result, stopped_at = run_stages(self.stages, item)
        except EmptyStatement as exc:
            raise DropItem(str(exc)) from None
        except StorageError as exc:
            self._storage_failed(exc)
            raise DropItem(f"not stored ({exc}): {item.url}") from None
        if result is None:  # the dedup stage: its address is already stored
            self.crawler.stats.inc_value(STAT + "known")
            raise DropItem(f"already stored ({stopped_at}): {item.canonical_url}")
        return result

    def flush(self, *args, **kwargs) -> None:
        """Write the statements waiting in the batch (signal handler: any arguments)."""
        if self.writer is None:
            return
        try:
            self.writer.flush()
        except StorageError as exc:
            self._storage_failed(exc)

    def _storage_failed(self, exc: StorageError) -> None:
        # Not stored means not known either: the next crawl reads it again. Stop now rather
        # than fetch pages whose statements cannot be kept.
        self.crawler.spider.problem("errors", f"database error: {exc}")
        engine = self.crawler.engine
        if engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="storage-error"))

    def close_spider(self):
        # Before spider_closed, where the run is recorded: its counters include the last batch.
        if self.writer is not None:
            self.flush()
            self.writer.store.close()
            self.writer = None

    def write_report(self, spider, reason):
        stats = {k[len(STAT):]: v for k, v in self.crawler.stats.get_stats().items() if k.startswith(STAT)}
        self.report.write(reason, stats)
