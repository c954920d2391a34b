"""The offline demo site: a small local web server shaped like the real sources.

`communique demo` and the end-to-end tests crawl it with the same spiders, selectors and
pipelines as the real sites, without the internet. It imitates, under one path prefix
each, the markup that ../shared/SOURCES.md and the saved mid.ru pages describe:

- /mid/            mid.ru: RSS 2.0 (pubDate +0300), article pages with h1.photo-content__title
- /coe/<lang>/     coe.int: Liferay newsroom listing (?delta=&start=, "Next" link), articles
                   with og:title, <time datetime> and JSON-LD datePublished
- /ukrinform/      Ukrinform: RSS, articles with h1.newsTitle, time[datetime], div.newsText
                   (English); /ukrinform/ua/ for the Ukrainian edition
- /kyivindependent/ Kyiv Independent: Ghost RSS with the full text in content:encoded
- /mfa/            mfa.gov.ua: sitemap, articles with «Опубліковано 01 квітня 2021 року о 18:31»

This module is the server and the routing. The texts are data/demo/content.toml (read by
scheduler/demo_content.py); the page shapes are Jinja2 templates under
data/demo/templates/ (rendered by scheduler/demo_pages.py). Every page says that it is a
demo and not the real site. Feeds and pages answer conditional requests (ETag,
Last-Modified) with 304, as a polite crawler expects.

    with DemoSite() as site:
        registry = site.write_sources(tmp / "sources.toml")
        ...  # scrapy crawl feed -a source=demo-mid-ru -s COMMUNIQUE_SOURCES=<registry>
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import parse_qs, quote, urlsplit

from scheduler.demo_content import SITES, DemoStatement, load_content
from scheduler.demo_pages import BANNER, render
from spiders import config
from spiders.errors import DemoContentError

__all__ = ["BANNER", "Answer", "DemoContentError", "DemoSite", "DemoStatement", "load_content"]

HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"
# Pages that list one site's statements: path -> (site, template, content type).
LISTS = {
    "/mid/ru/rss.php": ("mid-ru", "mid/rss.xml", RSS),
    "/ukrinform/rss/block-lastnews": ("ukrinform-en", "ukrinform/rss.xml", RSS),
    "/ukrinform/ua/rss/block-lastnews": ("ukrinform-uk", "ukrinform/rss.xml", RSS),
    "/kyivindependent/news-archive/rss/": ("kyivindependent", "kyivindependent/rss.xml", RSS),
    "/mfa/sitemap.xml": ("mfa-uk", "mfa/sitemap.xml", XML),
    "/mfa/": ("mfa-uk", "mfa/listing.html", HTML),
    "/mfa/news": ("mfa-uk", "mfa/listing.html", HTML),
}
COE_NEWSROOM = re.compile(r"/coe/(en|fr)/web/portal/newsroom")
COE_DEFAULT_DELTA = 20


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    last_modified: datetime | None = None


class DemoSite:
    """A local imitation of the watched sites, served on 127.0.0.1 at a free port."""

    def __init__(self, content_path: Path | None = None, sources_template: Path | None = None):
        self.content_path = Path(content_path) if content_path else config.DEMO_DIR / "content.toml"
        self.sources_template = (
            Path(sources_template) if sources_template else config.DEMO_DIR / "sources.toml"
        )
        content = load_content(self.content_path)
        # What the site serves; statements marked `hold = true` wait in `held` for publish_next().
        self.statements: list[DemoStatement] = [s for s in content if not s.hold]
        self.held: list[DemoStatement] = sorted((s for s in content if s.hold), key=lambda s: s.published)
        self.base_url: str = ""
        self.requests: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------
    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        if self._server is not None:
            return
        server = _Server(("127.0.0.1", 0), _Handler)
        server.demo = self
        self._server = server
        host, port = server.server_address[:2]
        self.base_url = f"http://{host}:{port}"
        self._thread = threading.Thread(target=server.serve_forever, name="communique-demo-site", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def write_sources(self, path: Path) -> Path:
        """Write the demo registry with this server's address in place of {base}."""
        if not self.base_url:
            raise RuntimeError("the demo site is not running: use `with DemoSite() as site:` first")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        template = self.sources_template.read_text(encoding="utf-8")
        path.write_text(template.replace("{base}", self.base_url), encoding="utf-8")
        return path

    def publish_next(self) -> DemoStatement | None:
        """Put the earliest held-back statement on the site (a second round of news); None when none is left.

        Its feed, listing and sitemap then show it and change their ETag and Last-Modified, so a
        second crawl finds exactly one new statement.
        """
        if not self.held:
            return None
        item = self.held.pop(0)
        self.statements.append(item)
        return item

    def url(self, path: str) -> str:
        return self.base_url + path

    def on(self, site: str) -> list[DemoStatement]:
        """Statements of one imitated site, newest first."""
        return sorted((s for s in self.statements if s.site == site), key=lambda s: s.published, reverse=True)

    # --- routing --------------------------------------------------------------------------------
    def answer(self, raw_path: str) -> Answer | None:
        """The answer for a request path (with query), or None for an unknown path."""
        parts = urlsplit(raw_path)
        path = parts.path
        if path == "/robots.txt":
            robots = render("robots.txt", url=self.url)
            return Answer(200, "text/plain; charset=utf-8", robots.encode("utf-8"), self._newest())
        if path == "/":
            return _answer(render("index.html"), HTML, self._newest())
        if path in LISTS:
            site, template, content_type = LISTS[path]
            items, newest = self.on(site), self._newest(site)
            page = render(template, url=self.url, site=site, items=items, newest=newest)
            return _answer(page, content_type, newest)
        m = COE_NEWSROOM.fullmatch(path)
        if m:
            return self.coe_newsroom(m.group(1), parse_qs(parts.query))
        for item in self.statements:
            if path == item.path:
                return _answer(self.article(item), HTML, item.published)
        return None

    def _newest(self, site: str | None = None) -> datetime | None:
        dates = [s.published for s in self.statements if site is None or s.site == site]
        return max(dates) if dates else None

    def not_found(self, path: str) -> str:
        return render("not_found.html", path=path)

    def article(self, item: DemoStatement) -> str:
        """An article page in its site's shape (data/demo/templates/<family>/article.html)."""
        return render(
            f"{SITES[item.site].family}/article.html",
            url=self.url,
            s=item,
            lang=item.site[-2:],
            others=[x for x in self.on(item.site) if x.key != item.key],
        )

    def coe_newsroom(self, lang: str, query: dict) -> Answer | None:
        """One page of the coe.int newsroom (?delta= per page, ?start= from 1); None past the end."""
        try:
            delta = max(1, min(100, int(query.get("delta", [COE_DEFAULT_DELTA])[0])))
            start = int(query.get("start", ["1"])[0])
        except ValueError:
            return None
        items = self.on(f"coe-{lang}")
        pages = max(1, math.ceil(len(items) / delta))
        if start < 1 or start > pages:
            return None
        shown = items[(start - 1) * delta : start * delta]
        newsroom = f"/coe/{lang}/web/portal/newsroom"
        page = render(
            "coe/listing.html",
            url=self.url,
            lang=lang,
            shown=shown,
            start=start,
            pages=pages,
            page_url=lambda n: self.url(f"{newsroom}?delta={delta}&start={n}"),
            back=quote(f"{newsroom}?delta={delta}&start={start}", safe=""),
            translations=self.translations,
        )
        return _answer(page, HTML, max((s.published for s in shown), default=None))

    def translations(self, item: DemoStatement) -> list[str]:
        """The languages a coe.int statement is published in (same slug), for its language links."""
        return sorted(
            x.site[-2:] for x in self.statements if x.site.startswith("coe-") and x.slug == item.slug
        )


def _answer(text: str, content_type: str, last_modified: datetime | None, status: int = 200) -> Answer:
    return Answer(status, content_type, text.encode("utf-8"), last_modified)


# --- HTTP ---------------------------------------------------------------------------------------------
class _Server(ThreadingHTTPServer):
    daemon_threads = True
    demo: DemoSite

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up mid-answer is not worth a traceback on stderr."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "communique-demo/1.0"
    sys_version = ""

    def log_message(self, format: str, *args) -> None:
        """Silent: the demo must not write to stderr."""

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        demo = self.server.demo
        demo.requests.append(self.path)
        try:
            answer = demo.answer(self.path)
        except Exception as exc:  # noqa: BLE001 - a bug in a page must still give the crawler an answer
            answer = Answer(500, "text/plain; charset=utf-8", f"demo site error: {exc}".encode())
        if answer is None:
            answer = _answer(demo.not_found(urlsplit(self.path).path), HTML, None, status=404)
        etag = '"' + hashlib.sha256(answer.body).hexdigest()[:32] + '"'
        last_modified = (
            answer.last_modified.astimezone(UTC).replace(microsecond=0) if answer.last_modified else None
        )
        headers = {"Content-Type": answer.content_type}
        if answer.status == 200:
            headers["ETag"] = etag
            # max-age=0: a cache must revalidate every time, with If-None-Match / If-Modified-Since.
            headers["Cache-Control"] = "max-age=0"
            if last_modified:
                headers["Last-Modified"] = format_datetime(last_modified, usegmt=True)
            if self._not_modified(etag, last_modified):
                self.send_response(304)
                for name in ("ETag", "Cache-Control", "Last-Modified"):
                    if name in headers:
                        self.send_header(name, headers[name])
                self.end_headers()
                return
        self.send_response(answer.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if send_body:
            self.wfile.write(answer.body)

    def _not_modified(self, etag: str, last_modified: datetime | None) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:  # takes precedence over If-Modified-Since (RFC 9110)
            tags = [t.strip() for t in if_none_match.split(",")]
            return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)
        since = self.headers.get("If-Modified-Since")
        if since and last_modified:
            try:
                when = parsedate_to_datetime(since)
            except (TypeError, ValueError, IndexError):
                return False
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return last_modified <= when
        return False
