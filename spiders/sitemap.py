"""Sitemap spider: a site's sitemap (or sitemap index), newest article URLs first.

For sites whose feed is missing or short. Only URLs matching the source's
`article_pattern` are articles; the newest `max_pages * 20` are considered per run.
"""

from __future__ import annotations

from lxml import etree
from scrapy.http import Response
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from spiders.base import SourceSpider

PER_PAGE = 20
MAX_SITEMAP = 50 * 1024 * 1024  # the sitemap protocol's own limit


class SitemapSpider(SourceSpider):
    name = "sitemap"

    async def start(self):
        for url in self.entry_points(self.source.sitemap_urls):
            yield self.request(url, self.parse_sitemap, entry=True)

    def parse_sitemap(self, response: Response):
        if not self.usable(response):
            return
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE") or MAX_SITEMAP)
            except ValueError:  # larger than allowed once unpacked
                self.problem("parse_failed", f"{response.url} unpacks beyond the size limit")
                return
        try:
            sitemap = Sitemap(body)
        except (ValueError, StopIteration, etree.LxmlError):  # empty, or not XML at all
            sitemap = None
        if sitemap is None or sitemap.type not in ("urlset", "sitemapindex"):
            self.problem("parse_failed", f"{response.url} is not a sitemap")
            return
        entries = list(sitemap)
        if sitemap.type == "sitemapindex":
            newest = sorted(entries, key=lambda e: e.get("lastmod", ""), reverse=True)[: self.max_pages]
            for entry in newest:
                yield self.request(response.urljoin(entry["loc"]), self.parse_sitemap, entry=True)
            return
        urls = [e for e in entries if e.get("loc") and self.source.is_article(e["loc"])]
        if not urls:
            self.problem("parse_failed", f"no article URLs in sitemap {response.url}")
            return
        urls.sort(key=lambda e: e.get("lastmod", ""), reverse=True)
        for entry in urls[: self.max_pages * PER_PAGE]:
            url = response.urljoin(entry["loc"])
            self.article_links_seen()
            if self.is_known(url):
                self.count("known")
                continue
            request = self.article_request(url, {})
            if request:
                yield request
