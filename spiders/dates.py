"""Publication dates: explicit per-source formats first, then dateparser, then metadata.

Ministries write dates as 10.10.2024 (mid.ru), «01 квітня 2021 року о 18:31»
(mfa.gov.ua), "Feb 27, 2026 10:13" (United24), RFC 822 in RSS and ISO 8601 in Atom.
A month-first guess would silently move 03.04 from April to March, so dateparser is
pinned to the source's languages and day-first order. A date without a zone is in the
source's zone (Moscow for mid.ru, Kyiv for mfa.gov.ua), never the crawler's.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import dateparser
from parsel import Selector

from spiders.text import squash

_FROM_FIRST_DIGIT = re.compile(r"\d.*", re.DOTALL)
_META_XPATHS = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@name='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//meta[@name='pubdate']/@content",
    "//meta[@name='date']/@content",
    "//meta[@property='og:published_time']/@content",
    "//time[@datetime][1]/@datetime",
)


EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
# A CMS placeholder ("0001-01-01") or a date in the future is no publication date.
FUTURE_SLACK = timedelta(days=2)


def localize(dt: datetime, zone: ZoneInfo) -> datetime | None:
    """A naive time is the source's local time; an aware one is shown in the source's zone.

    None for a time that cannot be a publication date (before 1990, or in the future).
    """
    if dt.tzinfo is None:
        try:
            dt = dt.replace(tzinfo=zone)
            dt.astimezone(UTC)
        except (OverflowError, ValueError):
            return None
    try:
        if not EARLIEST <= dt <= datetime.now(UTC) + FUTURE_SLACK:
            return None
        return dt.astimezone(zone)
    except (OverflowError, ValueError):
        return None


def parse_date(
    text: str | None,
    *,
    zone: ZoneInfo,
    formats: tuple[str, ...] = (),
    languages: tuple[str, ...] = (),
) -> datetime | None:
    """Read one date string; None when it holds no complete date (day, month and year)."""
    if not text:
        return None
    text = squash(text)
    if not text:
        return None
    for fmt in formats:
        try:
            return localize(datetime.strptime(text, fmt), zone)
        except ValueError:
            continue
    iso = _parse_iso(text)
    if iso:
        return localize(iso, zone)
    try:
        rfc822 = parsedate_to_datetime(text)  # as in RSS pubDate
    except (TypeError, ValueError, IndexError):
        rfc822 = None
    if rfc822 is not None:
        if rfc822.tzinfo is None:  # "-0000": UTC with the source of the time unknown (RFC 5322)
            rfc822 = rfc822.replace(tzinfo=UTC)
        return localize(rfc822, zone)
    settings = {
        "DATE_ORDER": "DMY",
        "PREFER_DAY_OF_MONTH": "first",
        "PREFER_DATES_FROM": "past",
        "REQUIRE_PARTS": ["day", "month", "year"],
        "TIMEZONE": str(zone),
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    candidates = [text]
    tail = _FROM_FIRST_DIGIT.search(text)
    if tail and tail.group(0) != text:
        candidates.append(tail.group(0))  # "Опубліковано 01 квітня…", "Published 12 March…"
    for candidate in candidates:
        found = dateparser.parse(candidate, languages=list(languages) or None, settings=settings)
        if found:
            return localize(found, zone)
    return None


def _parse_iso(text: str) -> datetime | None:
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def date_from_metadata(selector: Selector, zone: ZoneInfo) -> datetime | None:
    """The page's own machine-readable date: meta tags, <time datetime>, JSON-LD."""
    values = [v for xpath in _META_XPATHS for v in selector.xpath(xpath).getall()]
    for block in selector.xpath("//script[@type='application/ld+json']/text()").getall():
        values.extend(str(v) for v in _jsonld_values(block, "datePublished"))
    for value in values:
        found = _parse_iso(squash(value))
        local = localize(found, zone) if found else None
        if local:
            return local
    return None


def _jsonld_values(block: str, key: str):
    try:
        data = json.loads(block)
    except ValueError:
        return
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if key in node:
                yield node[key]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
