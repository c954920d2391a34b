"""Stories through whole crawls of a local site: a ministry's statement reached through its feed
(with tracking parameters) and its listing, its Ukrainian version, a news site that republishes it
in full, quotes it and retells it, then an edit of the statement in its feed — one statement,
one story, one revision; the unrelated statement of the same week stays its own story."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from pipelines.db import open_db
from scheduler.cli import LOCAL_SITE_SETTINGS
from scheduler.crawl import run_crawl
from spiders.sources import load_sources
from tests import story_texts as T

REGISTRY = """
[[source]]
id = "local-mfa-en"
name = "Local MFA (feed)"
publisher = "ministry"
country = "UA"
language = "en"
spider = "feed"
feed_urls = ["{base}/mfa/en/rss.xml"]
feed_full_text = true
identity = "/mfa/(?:en|uk)/news/([^/?#]+)$"

[[source]]
id = "local-mfa-listing"
name = "Local MFA (listing)"
publisher = "ministry"
country = "UA"
language = "en"
spider = "listing"
listing_urls = ["{base}/mfa/en/news?page={page}"]
max_pages = 1
identity = "/mfa/(?:en|uk)/news/([^/?#]+)$"
[source.listing]
link = "a.news::attr(href)"

[[source]]
id = "local-mfa-uk"
name = "Local MFA (Ukrainian)"
publisher = "ministry"
country = "UA"
language = "uk"
spider = "feed"
feed_urls = ["{base}/mfa/uk/rss.xml"]
identity = "/mfa/(?:en|uk)/news/([^/?#]+)$"

[[source]]
id = "local-news"
name = "Local news"
publisher = "news"
country = "UA"
language = "en"
spider = "feed"
feed_urls = ["{base}/news/rss.xml"]
"""

WHEN = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)


def rss(entries, *, full_text: bool = False) -> bytes:
    """entries: (link, title, text, published)"""
    items = ""
    for link, title, text, at in entries:
        body = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))
        content = f"<content:encoded><![CDATA[{body}]]></content:encoded>" if full_text else ""
        items += (f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
                  f"<pubDate>{format_datetime(at)}</pubDate>{content}</item>")
    return ('<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>t</title>{items}</channel></rss>").encode()


def page(title: str, text: str, at: datetime, lang: str = "en", alternates: dict | None = None) -> bytes:
    links = "".join(f'<link rel="alternate" hreflang="{k}" href="{v}">' for k, v in (alternates or {}).items())
    body = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))
    return (f'<html lang="{lang}"><head><title>{escape(title)}</title>{links}</head><body>'
            f'<h1>{escape(title)}</h1><time datetime="{at.isoformat()}">{at:%d.%m.%Y}</time>'
            f"<article>{body}</article></body></html>").encode()


def serve(site, statement_text: str) -> None:
    base = site.base_url
    html = "text/html; charset=utf-8"
    xml = "application/rss+xml"
    stmt = f"{base}/mfa/en/news/register-of-damage"
    site.routes["/mfa/en/rss.xml"] = (200, xml, rss([
        (stmt + "?utm_source=rss&utm_medium=feed", T.STATEMENT_TITLE, statement_text, WHEN),
        (f"{base}/mfa/en/news/istanbul-convention", T.UNRELATED_TITLE, T.UNRELATED, WHEN + timedelta(days=1)),
    ], full_text=True))
    site.routes["/mfa/en/news?page=1"] = (200, html, (
        f'<html><body><ul><li><a class="news" href="{stmt}/">{escape(T.STATEMENT_TITLE)}</a></li></ul>'
        "</body></html>").encode())
    site.routes["/mfa/en/news/register-of-damage/"] = (200, html, page(T.STATEMENT_TITLE, statement_text, WHEN))
    site.routes["/mfa/uk/rss.xml"] = (200, xml, rss([
        (f"{base}/mfa/uk/news/register-of-damage", T.STATEMENT_UK_TITLE, "", WHEN)]))
    site.routes["/mfa/uk/news/register-of-damage"] = (200, html, page(
        T.STATEMENT_UK_TITLE, T.STATEMENT_UK, WHEN, "uk", {"en": stmt, "uk": f"{base}/mfa/uk/news/register-of-damage"}))
    news = [("/news/full-text", T.REPUBLICATION_TITLE, T.REPUBLICATION, WHEN + timedelta(minutes=30)),
            ("/news/kyiv-urges", T.QUOTE_TITLE, T.QUOTE_REPORT, WHEN + timedelta(hours=2)),
            ("/news/retold", T.RETOLD_TITLE, T.RETOLD_REPORT, WHEN + timedelta(hours=3))]
    site.routes["/news/rss.xml"] = (200, xml, rss([(base + path + "?fbclid=x", t, "", at) for path, t, _, at in news]))
    for path, title, text, at in news:
        site.routes[path + "?fbclid=x"] = (200, html, page(title, text, at))


def crawl(tmp_path, site, source_id):
    reg = tmp_path / "sources.toml"
    reg.write_text(REGISTRY.replace("{base}", site.base_url), encoding="utf-8")
    source = load_sources(reg)[source_id]
    result = run_crawl(source, tmp_path / "c.db", reg, log_dir=tmp_path / "logs", timeout_s=120,
                       settings=LOCAL_SITE_SETTINGS)
    assert result.status == "ok", result
    return result


def test_one_statement_one_story_through_real_crawls(tmp_path, http_site):
    serve(http_site, T.STATEMENT)
    for source in ("local-mfa-en", "local-mfa-listing", "local-mfa-uk", "local-news"):
        crawl(tmp_path, http_site, source)
    with open_db(tmp_path / "c.db", create=False) as store:
        rows = {r["title"]: r for r in store.db.query("SELECT id, title, story_id, story_role FROM statements")}
        # the feed (with tracking parameters), the listing and the full republication: one statement
        assert T.REPUBLICATION_TITLE not in rows
        sid = rows[T.STATEMENT_TITLE]["id"]
        seen = {r["source"]: r["match"] for r in store.db.query(
            "SELECT source, match FROM sightings WHERE statement_id = ?", [sid])}
        assert seen == {"local-mfa-en": "url", "local-news": "near-copy"}
        assert store.db.execute("SELECT count(*) FROM sightings WHERE source = 'local-mfa-listing'").fetchone()[0] == 0
        # the Ukrainian version, the quote and the retelling join its story; the other statement does not
        for title in (T.STATEMENT_UK_TITLE, T.QUOTE_TITLE, T.RETOLD_TITLE):
            assert rows[title]["story_id"] == sid, title
        assert rows[T.UNRELATED_TITLE]["story_id"] == rows[T.UNRELATED_TITLE]["id"]
        assert len(rows) == 5
    # the ministry edits the statement: the next crawl of its feed keeps a revision, same id
    serve(http_site, T.STATEMENT_EDITED)
    crawl(tmp_path, http_site, "local-mfa-en")
    with open_db(tmp_path / "c.db", create=False) as store:
        assert store.db.execute("SELECT count(*) FROM statements").fetchone()[0] == 5
        versions = store.get_revisions(sid)
        assert [v["number"] for v in versions] == [1, 2] and versions[1]["substantive"] == 1
        assert "Canada and Japan" in store.get_statement(sid)["text"]
        # the run row counts it (issue #10: revised, duplicates, bytes)
        runs = list(store.db.query("SELECT source, revised, duplicates, bytes FROM crawl_runs ORDER BY rowid"))
        assert runs[-1]["source"] == "local-mfa-en" and runs[-1]["revised"] == 1 and runs[-1]["bytes"] > 0
        assert next(r for r in runs if r["source"] == "local-news")["duplicates"] == 1
