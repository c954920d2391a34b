"""Feed spider: RSS 2.0 and Atom, the cheapest and politest way to follow a site.

A feed entry that is already stored costs nothing more; a feed that carries the full
text (content:encoded) costs no article request at all.
"""

from __future__ import annotations

import re

import feedparser
from parsel import Selector
from scrapy.http import Response

from spiders.charsets import feed_bytes
from spiders.dates import parse_date
from spiders.extract import Article, node_text, squash
from spiders.listing import ListingSpider


def entry_text(html: str) -> str:
    """Readable text of an HTML fragment from a feed (summary or content:encoded)."""
    if not html:
        return ""
    if "<" not in html:
        return html.strip()
    return node_text([Selector(text=html, type="html")])


class FeedSpider(ListingSpider):
    """Feeds first; when every feed fails, the source's listing pages (if it has any)."""

    name = "feed"

    async def start(self):
        for url in self.entry_points(self.source.feed_urls):
            yield self.request(url, self.parse_feed, entry=True, entry_point=True)
        if not self.source.feed_urls:
            async for request in super().start():
                yield request

    def fall_back(self):
        """Listing requests once all feeds have failed (each failure already recorded)."""
        self.failed_feeds = getattr(self, "failed_feeds", 0) + 1
        if self.failed_feeds < len(self.entry_points(self.source.feed_urls)) or not self.source.listing_urls:
            return []
        self.logger.warning("feeds failed: falling back to listing pages")
        self.count("fallbacks")
        return [self.listing_request(url) for url in self.entry_points(self.source.listing_urls)]

    def on_error(self, failure):
        super().on_error(failure)
        request = getattr(failure, "request", None)
        if request is not None and request.meta.get("entry_point"):
            yield from self.fall_back()

    def parse_feed(self, response: Response):
        if not self.usable(response):
            yield from self.fall_back()
            return
        # A feed that declares no charset and is not UTF-8 is decoded by the detector, not as cp1252.
        body, content_type = feed_bytes(response)
        parsed = feedparser.parse(body, response_headers={"content-type": content_type})
        entries = parsed.entries
        if not entries:
            looks_html = bool(re.search(rb"<html[\s>]", response.body[:2000], re.IGNORECASE))
            what = "an HTML page, not a feed" if looks_html else "a feed with no entries"
            self.problem("parse_failed", f"{response.url} is {what}")
            yield from self.fall_back()
            return
        for entry in entries:
            link = entry.get("link") or ""
            if not link:
                continue
            link = response.urljoin(link)
            if not self.source.is_article(link):
                continue
            self.article_links_seen()
            in_feed = self.source.feed_full_text or self.source.title_and_lead_only
            # A feed that carries the text costs no request for a known entry: it goes on to the
            # dedup stage, which drops it unless its text changed (then a revision is kept).
            if self.is_known(link) and not in_feed:
                self.count("known")
                continue
            art = self.article_from_entry(entry)
            if in_feed:
                item = self.statement(link, art)
                if item:
                    yield item
                    if self.check_mode:
                        return
            else:
                hints = {"title": art.title, "published_at": art.published_at, "lead": art.lead}
                request = self.article_request(link, hints)
                if request:
                    yield request

    def article_from_entry(self, entry) -> Article:
        raw_date = entry.get("published") or entry.get("updated") or ""
        summary = entry_text(entry.get("summary", ""))
        content = ""
        if entry.get("content"):
            content = entry_text(max((c.get("value", "") for c in entry["content"]), key=len))
        return Article(
            title=squash(entry_text(entry.get("title", ""))),
            text=content if self.source.feed_full_text else "",
            lead=summary,
            published_at=parse_date(
                raw_date, zone=self.source.zone, formats=self.source.date_formats, languages=self.source.languages
            ),
            language=(entry.get("language") or "").split("-")[0],
            # A feed's author is the writer of the item, not the speaker of a statement.
            extra={"author": squash(entry["author"])} if entry.get("author") else {},
        )
