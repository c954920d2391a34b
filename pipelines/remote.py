"""Crawls on a Scrapyd runner node: statements travel as JSON lines, the stages run at home.

A node (scheduler/scrapyd.py) has no database and must never write the scheduler's: with
COMMUNIQUE_REMOTE set, the item pipeline is `RemoteItemPipeline`, which turns each statement
into a JSON-safe record for the node's item feed (Scrapyd's `items_dir`) and does nothing
else. The scheduler reads the feed back (`statement_from_record`) and runs normalize → dedup
→ tag → store on its own machine. The crawl's counters, from which its run status is decided,
are written into the node's log as one marked line (`REMOTE_STATS_MARKER`), with the entry
points' fresh validators, read back by `stats_from_log`.

Scrapy's JSON exporter writes datetimes without their time zone, so the records carry
ISO 8601 strings, and the time zone of a statement survives the trip.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import datetime

from scrapy import signals

from spiders.items import STAT, Statement
from spiders.urls import canonical_url

logger = logging.getLogger(__name__)

REMOTE_STATS_MARKER = "communique-remote-stats:"
_DATETIME_FIELDS = ("published_at", "fetched_at")
_FIELDS = {f.name for f in dataclasses.fields(Statement)}
_TYPES = {"title": str, "text": str, "language": str, "kind": str, "speaker": str, "canonical_url": str,
          "aliases": list, "extra": dict}


def statement_record(item: Statement) -> dict:
    """The statement as a JSON-safe dict (datetimes as ISO 8601 with their offset)."""
    record = dataclasses.asdict(item)
    for name in _DATETIME_FIELDS:
        if isinstance(record.get(name), datetime):
            record[name] = record[name].isoformat()
    return record


def statement_from_record(record: object) -> Statement:
    """A statement back from a feed record; TypeError when the record is not one.

    The record comes from another machine: only Statement's own fields are taken, each of
    its type, and the stages treat its text as the untrusted page text it is.
    """
    if not isinstance(record, dict):
        raise TypeError("not a statement record")
    values = {k: v for k, v in record.items() if k in _FIELDS and k not in ("fingerprint", "identity_key", "tags")}
    for name in _DATETIME_FIELDS:
        if values.get(name):
            values[name] = datetime.fromisoformat(values[name])  # ValueError, TypeError
    for name in ("source", "url"):
        if not isinstance(values.get(name), str) or not values[name]:
            raise TypeError(f"not a statement record (no {name})")
    for name, kind in _TYPES.items():
        if name in values and not isinstance(values[name], kind):
            raise TypeError(f"not a statement record ({name} is {type(values[name]).__name__})")
    return Statement(**values)


@dataclasses.dataclass
class RemoteEnd:
    """How a crawl on a node ended, as its log says: counters, close reason, entry validators."""

    stats: dict
    reason: str
    validators: dict


def stats_from_log(text: str) -> RemoteEnd | None:
    """The end of a node's crawl from its log; None when the crawl never got to write it
    (killed, or it failed before it began)."""
    for line in reversed(text.splitlines()):
        at = line.find(REMOTE_STATS_MARKER)
        if at < 0:
            continue
        try:
            data = json.loads(line[at + len(REMOTE_STATS_MARKER):])
            validators = data.get("validators") or {}
            if not isinstance(validators, dict) or not all(isinstance(v, dict) for v in validators.values()):
                validators = {}
            return RemoteEnd({STAT + k: v for k, v in data["stats"].items()}, str(data["reason"]), validators)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
    return None


class RemoteItemPipeline:
    """COMMUNIQUE_REMOTE's item pipeline: every statement to the feed as a record, nothing stored."""

    def __init__(self, crawler):
        self.crawler = crawler
        raw = crawler.settings.get("COMMUNIQUE_KNOWN_URLS")
        self.known = set(json.loads(raw)) if raw else set()
        raw = crawler.settings.get("COMMUNIQUE_ENTRY_VALIDATORS")
        self.validators = json.loads(raw) if raw else {}

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self):
        spider = self.crawler.spider
        # The addresses the scheduler has stored: spiders stop paging there, as at home; and the
        # entry points' validators, so an unchanged feed costs a 304 here too (spiders/revalidate.py).
        spider.known_url_checker = lambda url: canonical_url(url) in self.known
        spider.entry_validators = self.validators

    def process_item(self, item):
        return statement_record(item)

    def spider_closed(self, spider, reason):
        stats = {k[len(STAT):]: v for k, v in self.crawler.stats.get_stats().items() if k.startswith(STAT)}
        end = {"reason": reason, "stats": stats, "validators": getattr(spider, "fresh_validators", None) or {}}
        logger.info("%s %s", REMOTE_STATS_MARKER, json.dumps(end, default=str))
