"""gov.uk (UK FCDO): the official search API, then the content API for each item.

gov.uk publishes documented JSON APIs, which are exact where HTML is a guess: the
search API lists the FCDO's newest documents, the content API gives each one's body,
dates, type and speaker. The statement's address is the public page, not the API.
"""

from __future__ import annotations

import json
from urllib.parse import urljoin

from parsel import Selector
from scrapy.http import Response

from spiders.base import SourceSpider
from spiders.dates import parse_date
from spiders.extract import Article, node_text, squash

SITE = "https://www.gov.uk"
# gov.uk document types -> communique kinds
KINDS = {
    "speech": "speech",
    "authored_article": "article",
    "press_release": "press_release",
    "news_story": "news",
    "statement_to_parliament": "statement",
    "oral_statement": "statement",
    "written_statement": "statement",
    "government_response": "statement",
    "world_news_story": "news",
}


class GovUkSpider(SourceSpider):
    name = "govuk"

    async def start(self):
        for url in self.entry_points(self.source.api_urls):
            yield self.request(url, self.parse_search, entry=True)

    def parse_search(self, response: Response):
        if not self.usable(response):
            return
        try:
            results = json.loads(response.text)["results"]
        except (ValueError, KeyError, TypeError):
            self.problem("parse_failed", f"{response.url} is not a gov.uk search API answer")
            return
        if not results:
            self.problem("parse_failed", f"no results at {response.url}")
            return
        for result in results:
            link = result.get("link") or ""
            if not link.startswith("/"):
                continue
            page_url = urljoin(SITE, link)
            self.article_links_seen()
            if self.is_known(page_url):
                self.count("known")
                continue
            hints = {"title": squash(result.get("title")), "lead": squash(result.get("description")),
                     "published_at": parse_date(result.get("public_timestamp"), zone=self.source.zone)}
            request = self.article_request(urljoin(SITE, "/api/content" + link), hints)
            if request:
                yield request.replace(callback=self.parse_content, cb_kwargs={"page_url": page_url, "hints": hints})

    def parse_content(self, response: Response, page_url: str, hints: dict):
        if not self.usable(response):
            return
        try:
            doc = json.loads(response.text)
        except ValueError:
            self.problem("parse_failed", f"{response.url} is not JSON")
            return
        details = doc.get("details") or {}
        speakers = (doc.get("links") or {}).get("speaker") or []
        speaker = speakers[0].get("title", "") if speakers else details.get("speaker_without_profile", "")
        body = details.get("body") or ""
        art = Article(
            title=squash(doc.get("title")) or hints.get("title", ""),
            text=node_text([Selector(text=body)]) if body else "",
            lead=squash(doc.get("description")) or hints.get("lead", ""),
            published_at=parse_date(doc.get("first_published_at") or doc.get("public_updated_at"),
                                    zone=self.source.zone),
            language=(doc.get("locale") or self.source.language).split("-")[0],
            speaker=squash(speaker),
            extra={"document_type": doc.get("document_type", "")},
        )
        item = self.statement(page_url, art)
        if item:
            item.kind = KINDS.get(doc.get("document_type", ""), item.kind)
            yield item
