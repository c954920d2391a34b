"""Recheck mode of every source spider: fetch due statement pages again, conditionally.

`scrapy crawl <spider> -a source=ID -s COMMUNIQUE_RECHECK=1` reads none of the source's feeds
or listings: it fetches the pages of the source's statements that are due for a re-check
(pipelines/rechecks.py decides which; the item pipeline hands them over as
`spider.recheck_due` when it opens, since spiders do not read the database) and reads each
through the spider's own `parse_article`, so an edited page flows through the normal stages
and is stored as a revision of the same statement.

Each request carries the page's last validators (If-None-Match / If-Modified-Since): an
unchanged page answers 304, which costs no parsing and stores nothing. Scrapy's HTTP cache is
bypassed for these requests (it would answer from disk or revalidate with its own copy).
The answer's status and validators go to `spider.recheck_recorder`, set by the item pipeline.
"""

from __future__ import annotations

from scrapy.http import Response

RECHECK = "communique_recheck"  # request meta: the statement id being re-checked


def recheck_headers(due: dict) -> dict[str, str]:
    """The conditional-request headers for one due statement (none when no validator is known)."""
    headers = {}
    if due.get("etag"):
        headers["If-None-Match"] = due["etag"]
    if due.get("last_modified"):
        headers["If-Modified-Since"] = due["last_modified"]
    return headers


async def recheck_start(spider):
    """The start requests of a recheck run: one conditional request per due statement page."""
    for due in getattr(spider, "recheck_due", None) or []:
        spider.article_links_seen()
        yield spider.request(
            due["url"], spider.on_recheck, headers=recheck_headers(due),
            **{RECHECK: due["statement_id"], "dont_cache": True, "handle_httpstatus_list": [304]},
        )


def on_recheck(spider, response: Response):
    """Callback of a re-check: record what the page answered; a 304 ends here, anything else is
    read as an article (an edit becomes a revision, the same text is dropped as known)."""
    recorder = getattr(spider, "recheck_recorder", None)
    statement_id = response.meta.get(RECHECK)
    if recorder and statement_id is not None:
        recorder(statement_id, response.url, response.status,
                 _header(response, b"ETag"), _header(response, b"Last-Modified"))
    if response.status == 304:
        spider.count("pages")
        spider.count("unchanged")
        spider.count("known")  # an unchanged page is a statement read and already stored
        return
    yield from spider.parse_article(response)


def page_validators(response: Response) -> dict[str, str]:
    """The ETag / Last-Modified an article page answered with (kept for its first re-check)."""
    found = {"etag": _header(response, b"ETag"), "last_modified": _header(response, b"Last-Modified")}
    return {k: v for k, v in found.items() if v} if response.status == 200 else {}


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
