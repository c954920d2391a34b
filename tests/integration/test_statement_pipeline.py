"""The one item pipeline in real crawls (a subprocess against a local site, a real SQLite file):
batches written, the same text twice is one statement, a batch the database refuses is read
again by the next crawl, and `sources --check` runs the same stages without storing."""

from __future__ import annotations

import sqlite3

from pipelines.db import open_db
from scheduler.crawl import run_crawl
from spiders.sources import load_sources
from spiders.urls import canonical_url

SOURCE = """
[[source]]
id = "local-feed"
name = "Local feed"
publisher = "ministry"
country = "FR"
language = "en"
spider = "feed"
feed_urls = ["{base}/rss.xml"]
timezone = "Europe/Paris"
[source.selectors]
title = "h1"
date = "time::attr(datetime)"
text = "div.body"
"""
# The crawl settings of a local test site: no politeness delays, no cache; small batches.
SETTINGS = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "HTTPCACHE_ENABLED": "False",
            "COMMUNIQUE_STORE_BATCH": "3"}


def feed(base: str, paths: list[str]) -> bytes:
    items = "".join(f"<item><title>Item {p}</title><link>{base}{p}</link>"
                    f"<pubDate>Thu, 10 Oct 2024 11:00:00 +0200</pubDate></item>" for p in paths)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def article(n: int) -> bytes:
    return (f"<html><body><h1>Statement {n} on the Parliamentary Assembly</h1>"
            f'<time datetime="2024-10-10T11:00:00+02:00">10 October</time><div class="body">'
            f"<p>Statement {n}: the Parliamentary Assembly of the Council of Europe met in Strasbourg.</p>"
            f"<p>A second paragraph, long enough to be the text of statement number {n}.</p></div>"
            f"</body></html>").encode()


def serve(site, paths: dict[str, int]) -> None:
    site.routes["/rss.xml"] = (200, "application/rss+xml", feed(site.base_url, list(paths)))
    for path, n in paths.items():
        site.routes[path] = (200, "text/html; charset=utf-8", article(n))


def crawl(tmp_path, site, **settings):
    reg = tmp_path / "sources.toml"
    reg.write_text(SOURCE.replace("{base}", site.base_url), encoding="utf-8")
    return run_crawl(load_sources(reg)["local-feed"], tmp_path / "c.db", reg, log_dir=tmp_path / "logs",
                     timeout_s=120, settings=dict(SETTINGS, **settings))


def test_statements_are_stored_in_batches_and_the_same_text_twice_is_one_statement(tmp_path, http_site):
    # seven articles (batches of 3, 3 and 1 at close), one of them also at a second address
    paths = {f"/news/{n}/": n for n in range(1, 8)}
    paths["/copy/1/"] = 1
    serve(http_site, paths)
    first = crawl(tmp_path, http_site)
    assert (first.status, first.new, first.known, first.errors) == ("ok", 7, 1, 0), first
    with open_db(tmp_path / "c.db") as store:
        assert store.count_statements() == 7
        sightings = {r["canonical_url"]: r["statement_id"]
                     for r in store.db.query("SELECT canonical_url, statement_id FROM sightings")}
        tags = {r["tag"] for r in store.db.query("SELECT tag FROM statement_tags")}
    address = {path: canonical_url(http_site.base_url + path) for path in paths}
    assert sorted(sightings) == sorted(address.values())
    assert sightings[address["/copy/1/"]] == sightings[address["/news/1/"]]
    assert {"coe", "pace"} <= tags

    http_site.hits.clear()
    second = crawl(tmp_path, http_site)
    assert (second.status, second.new) == ("ok", 0), second
    assert not [h for h in http_site.hits if h.startswith(("/news/", "/copy/"))]  # all known: none fetched


def test_a_batch_the_database_refuses_is_read_again_next_crawl(tmp_path, http_site):
    serve(http_site, {f"/news/{n}/": n for n in range(1, 3)})
    db = tmp_path / "c.db"
    open_db(db).close()
    conn = sqlite3.connect(db)  # the database refuses statement 2, as a full disk would
    conn.execute("""CREATE TRIGGER refuse BEFORE INSERT ON statements WHEN NEW.title LIKE 'Statement 2 %'
                    BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END""")
    conn.commit()
    first = crawl(tmp_path, http_site)
    assert first.status == "failed" and first.new == 0, first
    assert "2 statement(s) not stored (read again next crawl): database or disk is full" in first.message
    with open_db(db) as store:
        assert store.count_statements() == 0  # statement 1 shared the refused batch: not kept alone

    conn.execute("DROP TRIGGER refuse")
    conn.commit()
    conn.close()
    second = crawl(tmp_path, http_site)
    assert (second.status, second.new) == ("ok", 2), second  # neither was known: both read again


def test_sources_check_runs_the_same_stages_with_the_configured_lexicon(tmp_path, http_site, monkeypatch):
    from scheduler.source_tools import check_source

    serve(http_site, {"/news/1/": 1})
    lexicon = tmp_path / "lexicon.toml"
    lexicon.write_text('[settings]\nlanguages = ["en"]\n[tags.coe]\nkind = "org"\n'
                       'terms = { en = ["Council of Europe"] }\n', encoding="utf-8")
    monkeypatch.setenv("COMMUNIQUE_LEXICON", str(lexicon))
    reg = tmp_path / "sources.toml"
    reg.write_text(SOURCE.replace("{base}", http_site.base_url), encoding="utf-8")
    report = check_source(load_sources(reg)["local-feed"], reg, timeout_s=120)
    [item] = report["items"]
    assert item["title"] == "Statement 1 on the Parliamentary Assembly"
    assert item["tags"] == ["coe"]  # normalized, tagged with the small lexicon (it knows no PACE)
    assert "new" not in report["stats"]  # nothing stored
    assert not list(tmp_path.glob("*.db"))
