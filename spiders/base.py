"""What every communique spider shares: its source, health accounting, article reading.

The counters kept here are what pipelines/health.py turns into a run state (ok,
degraded, blocked, parse-failed, failed …) for the crawl_runs row, so a site that
answers with a challenge page is never reported as "no news".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import partial

import scrapy
from scrapy import signals
from scrapy.http import HtmlResponse, Response, TextResponse
from twisted.python.failure import Failure

from spiders import recheck
from spiders.config import max_statement_chars
from spiders.extract import (
    Article,
    challenge_reason,
    extract_article,
    is_real_article,
    listing_evidence,
    squash,
)
from spiders.failures import failure_reason
from spiders.items import STAT, Statement
from spiders.revalidate import ENTRY, EntryUnchanged
from spiders.sources import Source, SourcesError, load_sources, source_from_entry

MAX_STATEMENT_CHARS = 200_000
RECEIVED = "communique_bytes_received"


class OfflineStats(dict):
    """The two stats calls spiders make, for use without a crawler."""

    def inc_value(self, key: str, n: int = 1) -> None:
        self[key] = self.get(key, 0) + n

    def set_value(self, key: str, value) -> None:
        self[key] = value

    def get_value(self, key: str, default=None):
        return self.get(key, default)


class SourceSpider(scrapy.Spider):
    """Base for spiders driven by one entry of data/sources.toml (`-a source=ID`)."""

    source: Source

    def __init__(self, source: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.source_id = source

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if not spider.source_id:
            raise SourcesError(f"spider {cls.name!r} needs a source: scrapy crawl {cls.name} -a source=ID")
        entry = crawler.settings.get("COMMUNIQUE_SOURCE_ENTRY")  # a remote job carries its source's entry
        if entry:
            one = source_from_entry(entry)
            registry = {one.id: one}
        else:
            registry = load_sources(crawler.settings.get("COMMUNIQUE_SOURCES"))
        if spider.source_id not in registry:
            raise SourcesError(f"unknown source {spider.source_id!r} (see communique sources)")
        spider.source = registry[spider.source_id]
        if spider.source.spider != cls.name:
            raise SourcesError(
                f"source {spider.source_id!r} is read by spider {spider.source.spider!r}, not {cls.name!r}"
            )
        spider.max_pages = spider.source.max_pages or crawler.settings.getint("COMMUNIQUE_MAX_PAGES", 5)
        spider.max_statement_chars = crawler.settings.getint("COMMUNIQUE_MAX_STATEMENT_CHARS", MAX_STATEMENT_CHARS)
        crawler.signals.connect(spider.on_request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.on_bytes_received, signal=signals.bytes_received)
        # `sources --check`: one feed/listing page and one article, to see what the site serves.
        spider.check_mode = crawler.settings.getbool("COMMUNIQUE_CHECK")
        if spider.check_mode:
            spider.max_pages = 1
        # Recheck mode (spiders/recheck.py): the due statement pages instead of feeds and listings.
        if crawler.settings.getbool("COMMUNIQUE_RECHECK"):
            spider.start = partial(recheck.recheck_start, spider)
        return spider

    def on_recheck(self, response: Response):
        """Callback of a re-check (spiders/recheck.py): a 304 stores nothing, else the article is read."""
        return recheck.on_recheck(self, response)

    # Set by the dedup stage when it opens, so spiders can stop at what is stored.
    def is_known(self, url: str) -> bool:
        known = getattr(self, "known_url_checker", None)
        return bool(known and known(url))

    @classmethod
    def offline(cls, source: Source) -> SourceSpider:
        """A spider for reading saved pages without a crawl (`communique extract`, tests)."""
        spider = cls(source=source.id)
        spider.source = source
        spider.max_pages = source.max_pages or 1
        spider.check_mode = False
        spider.max_statement_chars = max_statement_chars()
        spider.stats = OfflineStats()
        return spider

    # --- accounting -------------------------------------------------------------------
    @property
    def stats(self):
        # Not .get(key, self.crawler.stats): an offline spider has no crawler to evaluate.
        return self.__dict__["stats"] if "stats" in self.__dict__ else self.crawler.stats  # noqa: SIM401

    @stats.setter
    def stats(self, value) -> None:
        self.__dict__["stats"] = value

    def count(self, key: str, n: int = 1) -> None:
        self.stats.inc_value(STAT + key, n)

    def problem(self, kind: str, message: str) -> None:
        """Record one problem (blocked, parse_failed, errors) with a one-line reason."""
        self.count(kind)
        self.stats.set_value(STAT + "last_" + kind, squash(message)[:300])
        self.logger.warning("%s: %s", kind.replace("_", "-"), squash(message))

    def usable(self, response: Response, article: Article | None = None) -> bool:
        """False, with the reason recorded, for challenge pages and error answers.

        Judged on the whole answer: challenge markers on a page from which `article` (what
        the source's selectors or the generic extractor read) has a real title and a body
        of normal length do not make it a challenge.
        """
        self.count("pages")
        headers = {k.decode("latin-1"): v[0].decode("latin-1") for k, v in response.headers.items() if v}
        body = response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace")
        reason = challenge_reason(response.status, body, headers)
        if reason and response.status < 400 and article is not None and is_real_article(article.title, article.text):
            self.logger.info("not a challenge (%s): a real article was read at %s", reason, response.url)
            reason = None
        if reason:
            self.problem("blocked", f"{reason} at {response.url}")
            return False
        if response.status >= 400:
            self.problem("errors", f"HTTP {response.status} at {response.url}")
            return False
        return True

    def on_error(self, failure: Failure):
        """Errback: every failed request becomes one line a user can act on (spiders/failures.py)."""
        request = getattr(failure, "request", None)
        url = request.url if request else "?"
        received = request.meta.get(RECEIVED, 0) if request else 0
        reason = failure_reason(failure.value, url, self.max_download_bytes, received)
        if reason.startswith("refused:"):
            self.count("refused")
        self.problem("errors", f"{reason} at {url}" if url not in reason else reason)
        return []

    @property
    def max_download_bytes(self) -> int:
        crawler = getattr(self, "crawler", None)
        return crawler.settings.getint("DOWNLOAD_MAXSIZE") if crawler else 0

    def on_bytes_received(self, data: bytes, request, spider=None) -> None:
        """Bytes read so far per request: a download cancelled past the size limit was too large."""
        request.meta[RECEIVED] = request.meta.get(RECEIVED, 0) + len(data)

    def on_request_dropped(self, request, spider=None) -> None:
        """A redirect back to an address already fetched is a loop: say so, not "no page was fetched"."""
        chain = request.meta.get("redirect_urls") or []
        if request.url in chain:
            self.problem("errors", f"too many redirects: {chain[0]} redirects in a loop")

    def request(self, url: str, callback, cb_kwargs: dict | None = None, *, entry: bool = False,
                headers: dict | None = None, **meta) -> scrapy.Request:
        """Every request of a communique spider: errors recorded, the source's fetcher applied.

        `entry=True` for entry points (feeds, listings, sitemaps, API searches): they are
        revalidated every crawl and cost no parsing when unchanged (spiders/revalidate.py).
        `headers`: a re-check's conditional-request headers (spiders/recheck.py).
        """
        if self.source.fetcher == "impersonate":
            meta.setdefault("impersonate", "chrome")
            if self.max_download_bytes:  # curl's own bound: the impersonate handler ignores DOWNLOAD_MAXSIZE
                meta.setdefault("impersonate_curl_options", {"MAXFILESIZE_LARGE": self.max_download_bytes})
        errback = self.on_error
        if entry:
            meta[ENTRY] = True
            errback = self.on_entry_error
        return scrapy.Request(url, callback=callback, errback=errback, meta=meta, cb_kwargs=cb_kwargs,
                              headers=headers)

    def on_entry_error(self, failure: Failure):
        """Errback of entry points: unchanged since the last crawl is not an error."""
        if failure.check(EntryUnchanged):
            self.count("unchanged")
            self.logger.info("unchanged: %s", failure.value)
            return []
        return self.on_error(failure)

    def article_links_seen(self, n: int = 1) -> None:
        self.count("entries", n)

    def entry_points(self, urls: tuple[str, ...]) -> tuple[str, ...]:
        return urls[:1] if self.check_mode else urls

    def article_request(self, url: str, hints: dict) -> scrapy.Request | None:
        """The request for one article page; in check mode only the first is made."""
        if self.check_mode:
            if getattr(self, "_checked_article", False):
                return None
            self._checked_article = True
        return self.request(url, self.parse_article, cb_kwargs={"hints": hints})

    # --- building statements ------------------------------------------------------------
    def kind_for(self, title: str, text: str = "") -> str:
        """The kind by the source's title patterns; then by the text's first line (a rubric
        such as «СООБЩЕНИЕ ДЛЯ СМИ» above the text)."""
        first_line = text.strip().split("\n", 1)[0][:80] if text else ""
        for candidate in (title, first_line):
            for pattern, kind in self.source.kinds:
                if candidate and re.search(pattern, candidate, re.IGNORECASE):
                    return kind
        return self.source.kind

    def statement(self, url: str, art: Article) -> Statement | None:
        """A Statement from what was read, or None (counted parse-failed) when it is unusable."""
        if not art.title or not (art.text or art.lead):
            missing = "title" if not art.title else "text"
            self.problem("parse_failed", f"no {missing} found at {url}")
            return None
        text = art.text or art.lead
        if self.source.title_and_lead_only:
            text = art.lead or text.split("\n\n")[0]
        extra = dict(art.extra)
        if len(text) > self.max_statement_chars:
            # A 50 MB page is not a statement: keep its beginning and say how long it was.
            extra["truncated_from"] = len(text)
            text = text[: self.max_statement_chars]
        if art.fallbacks:
            extra["fallbacks"] = sorted(set(art.fallbacks))
        self.count("statements")
        speaker = art.speaker or next(
            (name for pattern, name in self.source.speakers if re.search(pattern, art.title)), "")
        return Statement(
            source=self.source.id,
            url=url,
            title=art.title,
            text=text,
            published_at=art.published_at,
            language=art.language or self.source.language,
            kind=self.kind_for(art.title, art.text),
            speaker=speaker,
            fetched_at=datetime.now(UTC),
            extra=extra,
        )

    def is_listing(self, response: Response, art: Article) -> bool:
        """True, counted and logged as a listing, when the page is an index of other articles.

        Feeds, sitemaps and links also point at section, tag and newsroom pages; read as an
        article such a page gives its heading and first teasers as a fake statement. It is
        neither an error nor a parse failure: the articles it lists are read on their own.
        """
        if not isinstance(response, HtmlResponse):
            return False
        found = listing_evidence(response.selector, response.url, art.text)
        if found is None:
            return False
        self.count("listings")
        self.stats.set_value(STAT + "last_listing", f"{response.url} is a listing of {found.articles} articles")
        self.logger.info("listing, not an article: %s lists %d articles (%.0f%% of the text read is their teasers)",
                         response.url, found.articles, found.share * 100)
        return True

    def read_article(self, response: Response) -> Article:
        """What an article page says; site spiders extend this with what only they know."""
        return extract_article(response.text, response.url, self.source)

    def parse_article(self, response: Response, hints: dict | None = None):
        """Callback for an article page; `hints` are what the feed or listing already said.

        The page wins over the hints; a hint fills only what the page left empty, and
        hints["extra"] (an issuing body from a listing) adds to the page's own extras.
        """
        readable = response.status < 400 and isinstance(response, TextResponse)
        art = self.read_article(response) if readable else None
        if not self.usable(response, art):
            return
        if art is None:
            self.problem("parse_failed", f"{response.url} is not a text page")
            return
        if self.is_listing(response, art):
            return
        hints = dict(hints or {})
        for key, value in (hints.pop("extra", None) or {}).items():
            art.extra.setdefault(key, value)
        for key, value in hints.items():
            if value and not getattr(art, key):
                setattr(art, key, value)
        item = self.statement(response.url, art)
        if item:
            # The addresses that redirected here are the same statement: known next time.
            redirects = response.meta.get("redirect_urls", []) if response.request else []
            item.aliases = [u for u in redirects if u != response.url]
            item.validators = recheck.page_validators(response)
            yield item
