"""Entry points are always revalidated, never assumed fresh.

Feeds, listing pages, sitemaps and API searches (requests a spider makes with
`entry=True`) are fetched every crawl, with a conditional request built from validators
communique keeps itself (ETag, Last-Modified and a hash of the content, per source and
URL, in the database), whatever the site's Cache-Control says. Scrapy's HTTP cache is
off: its RFC 2616 policy served a listing without Cache-Control as heuristically fresh
(new statements silently missed) and sent no conditional request at all under
`no-cache`; article pages need no cache, the database holds them.

An entry point answered 304, or with exactly the content read last time, costs no
parsing: the request's errback receives `EntryUnchanged` and the spider counts it.

The validators come from the storage stage (`spider.entry_validators`, read at open);
the ones seen in this crawl are left in `spider.fresh_validators`, which the storage
stage keeps only if the whole run read cleanly.
"""

from __future__ import annotations

import hashlib

from scrapy.exceptions import IgnoreRequest

ENTRY = "communique_entry"
CONDITIONAL_HEADERS = (b"If-None-Match", b"If-Modified-Since")


class EntryUnchanged(IgnoreRequest):
    """Raised when an entry point is unchanged since the last complete crawl (304 or same content)."""


def content_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class EntryRevalidationMiddleware:
    """Conditional requests for entry points; unchanged answers become EntryUnchanged."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @staticmethod
    def _known(spider, url: str) -> dict:
        return (getattr(spider, "entry_validators", None) or {}).get(url) or {}

    def process_request(self, request):
        if not request.meta.get(ENTRY):
            return
        spider = self.crawler.spider
        # A redirect copies the headers of the previous URL: the validators are per URL.
        for name in CONDITIONAL_HEADERS:
            request.headers.pop(name, None)
        known = self._known(spider, request.url)
        if known.get("etag"):
            request.headers[b"If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            request.headers[b"If-Modified-Since"] = known["last_modified"]

    def process_response(self, request, response):
        spider = self.crawler.spider
        if not request.meta.get(ENTRY) or spider is None:
            return response
        known = self._known(spider, request.url)
        fresh = getattr(spider, "fresh_validators", None)
        if fresh is None:
            fresh = spider.fresh_validators = {}
        if response.status == 304:
            if known:
                fresh[request.url] = dict(known, etag=_header(response, b"ETag") or known.get("etag"))
            raise EntryUnchanged(f"{request.url} answered 304 Not Modified")
        if response.status != 200:
            return response
        seen = {
            "etag": _header(response, b"ETag"),
            "last_modified": _header(response, b"Last-Modified"),
            "content_hash": content_hash(response.body),
        }
        fresh[request.url] = seen
        if known.get("content_hash") and known["content_hash"] == seen["content_hash"]:
            raise EntryUnchanged(f"{request.url} holds the same content as at the last crawl")
        return response


def _header(response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
