"""How the listing-page check does on every saved page and every demo page, and what it costs.

Run: nice -n 19 python bench/bench_listing_pages.py [--rounds R]

Each page is read as a crawl reads it (the source's spider, `read_article`), then judged by
spiders.extract.listing_evidence. Prints, per page, the verdict (listing of N articles or
article) and the µs the check takes (median over R rounds, on the already parsed page),
then the counts: articles rejected (must be 0) and listings detected (must be all).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scrapy.http import HtmlResponse

from scheduler.demo_site import DemoSite
from scheduler.source_tools import find_source, spider_class
from spiders.charsets import with_detected_charset
from spiders.extract import listing_evidence
from spiders.sources import load_sources
from tests.spiders.test_listing_pages import demo_pages, saved_pages

READ_MS: list[float] = []  # reading each page as an article, for scale


def judge(name: str, body: bytes, url: str, source, rounds: int) -> tuple[bool, str, float]:
    response = with_detected_charset(HtmlResponse(url=url, body=body))
    spider = spider_class(source.spider).offline(source)
    start = time.perf_counter()
    art = spider.read_article(response)
    READ_MS.append((time.perf_counter() - start) * 1e3)
    sel = response.selector
    listing = listing_evidence(sel, url, art.text)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        listing_evidence(sel, url, art.text)
        times.append(time.perf_counter() - start)
    verdict = f"listing of {listing.articles} (share {listing.share}, {listing.declared or '-'})" if listing else "article"
    return listing is not None, verdict, statistics.median(times) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    registry = load_sources(ROOT / "data" / "sources.toml")
    rows = []  # (name, expected listing, judged listing, verdict, µs)
    for page in saved_pages():
        judged, verdict, us = judge(str(page), page.path.read_bytes(), page.url, registry[page.source], args.rounds)
        rows.append((str(page), page.listing, judged, verdict, us))
    with DemoSite() as site, tempfile.TemporaryDirectory() as tmp:
        demo_registry = load_sources(site.write_sources(Path(tmp) / "sources.toml"))
        for path, listing in demo_pages(site):
            url = site.url(path)
            body = urllib.request.urlopen(url, timeout=10).read()
            source = find_source(demo_registry, url)
            judged, verdict, us = judge("demo " + path, body, url, source, args.rounds)
            rows.append(("demo " + path, listing, judged, verdict, us))
    for name, expected, judged, verdict, us in rows:
        flag = "" if expected == judged else "   <-- WRONG"
        print(f"{us:8.0f} µs  {'LISTING' if expected else 'article'}  {verdict:45s} {name}{flag}")
    articles = [r for r in rows if not r[1]]
    listings = [r for r in rows if r[1]]
    print(f"\narticle pages: {len(articles)}, rejected as listings: {sum(r[2] for r in articles)}")
    print(f"listing pages: {len(listings)}, detected: {sum(r[2] for r in listings)}")
    times = sorted(r[4] for r in rows)
    print(f"check time per page: median {statistics.median(times):.0f} µs, max {times[-1]:.0f} µs "
          f"(over {len(rows)} pages, {args.rounds} rounds each)")
    print(f"for scale, reading a page as an article: median {statistics.median(READ_MS):.1f} ms")


if __name__ == "__main__":
    main()
