"""A Scrapy extension that writes what bench_crawl.py compares: pages, CPU and wall time of the crawl.

Loaded into both crawls the benchmark runs (communique's and the bare spider's), so both are
measured the same way: CPU time of the crawling process from spider_opened to the end of
spider_closed (after the item pipeline has closed and flushed), pages answered by the site
and items scraped. Process start-up (imports) is measured separately by the benchmark.
Enabled with -s EXTENSIONS={"crawl_meter.CrawlMeter": 0} -s BENCH_METER_FILE=path.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from scrapy import signals


class CrawlMeter:
    def __init__(self, crawler, path: Path):
        self.crawler = crawler
        self.path = path
        self.cpu0 = self.wall0 = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        meter = cls(crawler, Path(crawler.settings.get("BENCH_METER_FILE")))
        crawler.signals.connect(meter.opened, signal=signals.spider_opened)
        # Extensions connect before the item pipeline: the run row communique writes after this
        # handler (one small transaction) is the only work the meter does not see.
        crawler.signals.connect(meter.closed, signal=signals.spider_closed)
        return meter

    def opened(self, spider):
        self.cpu0, self.wall0 = time.process_time(), time.perf_counter()

    def closed(self, spider, reason):
        stats = self.crawler.stats.get_stats()
        self.path.write_text(json.dumps({
            "reason": reason,
            "cpu_s": time.process_time() - self.cpu0,
            "wall_s": time.perf_counter() - self.wall0,
            "pages": stats.get("response_received_count", 0),
            "items": stats.get("item_scraped_count", 0),
            "bare_articles": stats.get("bare/articles", 0),
        }))
