"""Listing spider: a site's news list pages, read with selectors from sources.toml.

For sites without a feed. Paging stops at the first page that holds only statements
already stored, and a first crawl backfills at most `max_pages` pages.
"""

from __future__ import annotations

from scrapy.http import Response

from spiders.base import SourceSpider
from spiders.dates import parse_date
from spiders.extract import squash
from spiders.urls import canonical_url


class ListingSpider(SourceSpider):
    name = "listing"
    # listing_urls are read with the source's [source.listing] link selector.
    needs_listing_link = True

    async def start(self):
        for url in self.entry_points(self.source.listing_urls):
            yield self.listing_request(url)

    def listing_request(self, template: str, page: int = 1, url: str | None = None):
        """The request for listing page `page` of `template` (at `url` when a "next" link gave it)."""
        return self.request(url or self.page_url(template, page), self.parse_listing,
                            cb_kwargs={"template": template, "page": page}, entry=True)

    @staticmethod
    def page_url(template: str, page: int) -> str:
        """Listing URLs may carry {page} (e.g. ?PAGEN_1={page}); page 1 is the template's first page."""
        return template.replace("{page}", str(page))

    def listing_entries(self, response: Response) -> list[tuple[str, dict]]:
        """(article URL, hints from the listing) for each item on a listing page, in page order."""
        rules = self.source.listing
        items = response.css(rules["item"]) if rules.get("item") else [response.selector]
        entries: dict[str, tuple[str, dict]] = {}
        for node in items:
            for href in node.css(rules["link"]).getall():
                url = response.urljoin(href.strip())
                key = canonical_url(url)  # one request per article, however it is linked
                if not self.source.is_article(url) or key in entries:
                    continue
                entries[key] = (url, {
                    "title": squash(" ".join(node.css(rules["title"]).getall())) if rules.get("title") else "",
                    "published_at": self.listing_date(node, rules.get("date")),
                })
        return list(entries.values())

    def parse_listing(self, response: Response, template: str, page: int):
        if not self.usable(response):
            return
        entries = self.listing_entries(response)
        if not entries:
            self.problem("parse_failed", f"no article links found at {response.url}")
            return
        fresh = 0
        for url, hints in entries:
            self.article_links_seen()
            if self.is_known(url):
                self.count("known")
                continue
            fresh += 1
            request = self.article_request(url, hints)
            if request:
                yield request
        if fresh == 0:
            self.logger.info("page %d holds only known statements: stop paging", page)
            return
        if page >= self.max_pages:
            return
        next_url = None
        rules = self.source.listing
        if "{page}" in template:
            next_url = self.page_url(template, page + 1)
        elif rules.get("next"):
            href = response.css(rules["next"]).get()
            next_url = response.urljoin(href) if href else None
        if next_url:
            yield self.listing_request(template, page + 1, next_url)

    def listing_date(self, node, css: str | None):
        if not css:
            return None
        text = squash(" ".join(node.css(css).getall()))
        return parse_date(
            text, zone=self.source.zone, formats=self.source.date_formats, languages=self.source.languages
        )
