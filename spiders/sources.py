"""The source registry (data/sources.toml): what to watch, validated on load.

A mistake in the registry should stop the user at once with one line naming the file,
the source and the key, never surface later as a spider that quietly fetches nothing.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from dataclasses import dataclass, field, fields
from datetime import time, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cssselect import SelectorError
from lxml import etree
from parsel import Selector

from spiders.errors import SourcesError
from spiders.items import KINDS

__all__ = ["Source", "SourcesError", "load_sources"]

PUBLISHERS = ("ministry", "intergovernmental", "news")
FETCHERS = ("scrapy", "impersonate")
# `runner = "scrapyd:http://host:6800"`: the source's crawls run on that Scrapyd node (scheduler/scrapyd.py).
RUNNER_PREFIX = "scrapyd:"
SELECTOR_KEYS = {"title", "date", "text", "speaker", "body", "lead", "remove", "language"}
LISTING_KEYS = {"item", "link", "title", "date", "next"}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_INTERVAL = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_ACTIVE_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
# The schedule of a source whose registry entry names none.
DEFAULT_SCHEDULE = "1h"


def parse_interval(text: str) -> timedelta | None:
    """'90s', '30m', '2h', '1d' as a timedelta; None when `text` is not such an interval."""
    m = _INTERVAL.match(text)
    return timedelta(**{_UNITS[m.group(2)]: int(m.group(1))}) if m else None


def parse_active_hours(text: str) -> tuple[time, time] | None:
    """'07:00-22:00' as (start, end); the window may wrap midnight ('22:00-06:00')."""
    m = _ACTIVE_HOURS.match(text.replace(" ", ""))
    if not m:
        return None
    start, end = time(int(m.group(1)), int(m.group(2))), time(int(m.group(3)), int(m.group(4)))
    return (start, end) if start != end else None


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    publisher: str
    country: str
    language: str
    spider: str
    feed_urls: tuple[str, ...] = ()
    listing_urls: tuple[str, ...] = ()
    sitemap_urls: tuple[str, ...] = ()
    # JSON APIs (gov.uk search API); read by site spiders that know the API.
    api_urls: tuple[str, ...] = ()
    schedule: str = DEFAULT_SCHEDULE
    # Up to this much later than the schedule says ("5m"), so crawls do not tick like a clock.
    jitter: str = ""
    # Crawl only inside this daily window of the source's own time zone ("07:00-22:00").
    active_hours: str = ""
    enabled: bool = True
    verified: bool = False
    timezone: str = "UTC"
    fetcher: str = "scrapy"
    kind: str = "news"
    # Title patterns (regex, case-insensitive) mapped to a kind, tried in order.
    kinds: tuple[tuple[str, str], ...] = ()
    # Title patterns (regex) mapped to the speaker they name, for sites that say who spoke
    # only in the title («Брифинг … М.В.Захаровой»).
    speakers: tuple[tuple[str, str], ...] = ()
    date_formats: tuple[str, ...] = ()
    date_languages: tuple[str, ...] = ()
    # The feed carries the whole text (content:encoded): no article request needed.
    feed_full_text: bool = False
    # Only links matching this regex are article pages (sitemaps, listings, feeds).
    article_pattern: str = ""
    # Keep title, lead and link only (licensing: e.g. TASS).
    title_and_lead_only: bool = False
    max_pages: int | None = None
    selectors: dict = field(default_factory=dict)
    listing: dict = field(default_factory=dict)
    # A regex over the canonical address whose groups name the document across its addresses
    # and language versions (mid.ru's numeric id, coe.int's English slug): spiders/urls.py.
    identity: str = ""
    # Where its crawls run: "" on this machine, "scrapyd:http://host:6800" on that Scrapyd node
    # (for sites that refuse the scheduler's network, or to spread the load).
    runner: str = ""
    notes: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def languages(self) -> tuple[str, ...]:
        return self.date_languages or (self.language,)

    def is_article(self, url: str) -> bool:
        """Whether a link is an article page by the source's `article_pattern` (all are without one)."""
        return not self.article_pattern or re.search(self.article_pattern, url) is not None

    def schedule_interval(self) -> timedelta | None:
        """The schedule as an interval, or None when it is a cron expression."""
        return parse_interval(self.schedule)

    @property
    def runner_url(self) -> str:
        """The Scrapyd node's base URL ("" when the source is crawled on this machine)."""
        return self.runner[len(RUNNER_PREFIX):].rstrip("/") if self.runner else ""

    def jitter_seconds(self) -> int:
        """The registry's `jitter` in seconds (0 without one)."""
        interval = parse_interval(self.jitter) if self.jitter else None
        return int(interval.total_seconds()) if interval else 0


_FIELDS = {f.name: f for f in fields(Source)}
_REQUIRED = ("id", "name", "publisher", "country", "language", "spider")


def _url_ok(url: object) -> bool:
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in url


def _check_source(raw: dict, where: str, spiders: dict | None) -> Source:
    def fail(key: str, why: str) -> SourcesError:
        return SourcesError(f"{where}: key '{key}': {why}")

    for key in raw:
        if key not in _FIELDS:
            raise fail(key, "unknown key")
    for key in _REQUIRED:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise fail(key, "required, a non-empty string")
    if not _ID.match(raw["id"]):
        raise fail("id", "use lower-case letters, digits and dashes")
    if raw["publisher"] not in PUBLISHERS:
        raise fail("publisher", f"one of {', '.join(PUBLISHERS)}")
    if spiders is not None and raw["spider"] not in spiders:
        raise fail("spider", f"unknown spider {raw['spider']!r} (known: {', '.join(sorted(spiders))})")
    values = dict(raw)
    for key in ("feed_urls", "listing_urls", "sitemap_urls", "api_urls"):
        urls = raw.get(key, [])
        if not isinstance(urls, list):
            raise fail(key, f'expected a list of URLs (["https://…"]), not {_toml_type(urls)}')
        bad = next((u for u in urls if not _url_ok(u)), None)
        if bad is not None:
            raise fail(key, f"not an http(s) URL: {bad!r}")
        values[key] = tuple(urls)
    if not any(values.get(k) for k in ("feed_urls", "listing_urls", "sitemap_urls", "api_urls")):
        raise fail("feed_urls", "a source needs at least one of feed_urls, listing_urls, sitemap_urls, api_urls")
    for key in ("enabled", "verified", "feed_full_text", "title_and_lead_only"):
        if key in raw and not isinstance(raw[key], bool):
            raise fail(key, "true or false")
    for key in ("date_formats", "date_languages"):
        if key in raw:
            if not isinstance(raw[key], list) or not all(isinstance(x, str) for x in raw[key]):
                raise fail(key, "a list of strings")
            values[key] = tuple(raw[key])
    for key in ("kinds", "speakers"):
        if key not in raw:
            continue
        table = raw[key]
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise fail(key, f'a table of "title regex" = "{key[:-1]}"')
        for pattern in table:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise fail(key, f"bad regex {pattern!r}: {exc}") from None
        values[key] = tuple(table.items())
    if "article_pattern" in raw:
        try:
            re.compile(raw["article_pattern"])
        except (re.error, TypeError) as exc:
            raise fail("article_pattern", f"bad regex: {exc}") from None
    if "identity" in raw:
        rule = raw["identity"]
        try:
            if not isinstance(rule, str) or re.compile(rule).groups < 1:
                raise fail("identity", "a regex with at least one (group): the groups form the identity key")
        except (re.error, TypeError) as exc:
            raise fail("identity", f"bad regex: {exc}") from None
    try:
        ZoneInfo(raw.get("timezone", "UTC"))
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise fail("timezone", f"unknown time zone {raw.get('timezone')!r}") from None
    if raw.get("fetcher", "scrapy") not in FETCHERS:
        raise fail("fetcher", f"one of {', '.join(FETCHERS)}")
    if "runner" in raw and not (
        isinstance(raw["runner"], str) and raw["runner"].startswith(RUNNER_PREFIX)
        and _url_ok(raw["runner"][len(RUNNER_PREFIX):]) and not urlsplit(raw["runner"][len(RUNNER_PREFIX):]).query
    ):
        raise fail("runner", f"{raw['runner']!r}: a Scrapyd node like 'scrapyd:http://host:6800'")
    if "kind" in raw and raw["kind"] not in KINDS:
        raise fail("kind", f"{raw['kind']!r} is not one of {', '.join(KINDS)}")
    for pattern, kind in values.get("kinds", ()):
        if kind not in KINDS:
            raise fail("kinds", f"{pattern!r} = {kind!r}: not one of {', '.join(KINDS)}")
    for key in ("name", "country", "language", "notes", "article_pattern", "timezone", "fetcher", "kind"):
        if key in raw and not isinstance(raw[key], str):
            raise fail(key, "a string")
    if "max_pages" in raw and (
        isinstance(raw["max_pages"], bool) or not isinstance(raw["max_pages"], int) or raw["max_pages"] < 1
    ):
        raise fail("max_pages", "a whole number of at least 1")
    schedule = raw.get("schedule", DEFAULT_SCHEDULE)
    if not isinstance(schedule, str) or not _valid_schedule(schedule):
        raise fail("schedule", f"{schedule!r}: an interval like '30m', '2h', '1d' or 'cron: */30 * * * *'")
    if "jitter" in raw and not (isinstance(raw["jitter"], str) and parse_interval(raw["jitter"]) is not None):
        raise fail("jitter", f"{raw['jitter']!r}: an interval like '30s' or '5m'")
    if "active_hours" in raw and not (
        isinstance(raw["active_hours"], str) and parse_active_hours(raw["active_hours"])
    ):
        raise fail("active_hours", f"{raw['active_hours']!r}: a daily window like '07:00-22:00' (the source's zone)")
    for key, allowed in (("selectors", SELECTOR_KEYS), ("listing", LISTING_KEYS)):
        table = raw.get(key, {})
        if not isinstance(table, dict):
            raise fail(key, "a table")
        for sub, value in table.items():
            if sub not in allowed:
                raise fail(f"{key}.{sub}", f"unknown key (known: {', '.join(sorted(allowed))})")
            ok = isinstance(value, str) or (
                sub == "remove" and isinstance(value, list) and all(isinstance(v, str) for v in value))
            if not ok:
                raise fail(f"{key}.{sub}", "expected a CSS selector string" + (
                    " or a list of them" if sub == "remove" else "") + f", not {_toml_type(value)}")
            for css in [value] if isinstance(value, str) else value:
                problem = css_problem(css)
                if problem:
                    raise fail(f"{key}.{sub}", f"bad CSS selector {css!r}: {problem}")
    spider_cls = (spiders or {}).get(raw["spider"])
    needs_link = getattr(spider_cls, "needs_listing_link", False)
    if raw.get("listing_urls") and needs_link and "link" not in raw.get("listing", {}):
        raise fail("listing.link", "listing_urls need a [source.listing] link selector")
    return Source(**values)


_PROBE = Selector(text="<html/>")


def css_problem(css: str) -> str | None:
    """Why a CSS selector (parsel's dialect, ::text and ::attr() included) cannot be used, or None.

    Compiled here, on load, so a typo in the registry is one line now rather than a
    traceback in the middle of a crawl or of `communique extract`.
    """
    if not css.strip():
        return "empty"
    try:
        _PROBE.css(css)
    except (SelectorError, ValueError, etree.XPathError) as exc:
        return " ".join(str(exc).split()) or exc.__class__.__name__
    return None


def _toml_type(value: object) -> str:
    """How TOML calls the type of a value, for messages ("a string", "a table" …)."""
    names = {str: "a string", bool: "true/false", int: "a number", float: "a number", list: "a list",
             dict: "a table"}
    return next((name for kind, name in names.items() if isinstance(value, kind)), type(value).__name__)


def _valid_schedule(schedule: str) -> bool:
    if _INTERVAL.match(schedule):
        return int(_INTERVAL.match(schedule).group(1)) > 0
    if schedule.startswith("cron:"):
        return _valid_cron(schedule[5:].strip())
    return False


_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_DOW_PART = re.compile(r"^(\*|\d)(?:-(\d))?(?:/(\d+))?$")


def cron_fields(expression: str) -> dict[str, str]:
    """A crontab expression ("*/30 7-21 * * 1-5") as APScheduler 3 CronTrigger fields.

    Days of the week are spelled out: in crontab 0 is Sunday, in APScheduler 3 it is
    Monday, so "1-5" would otherwise run Tuesday to Saturday.
    """
    values = expression.split()
    if len(values) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(values)}")
    days = []
    for part in values[4].split(","):
        m = _DOW_PART.match(part)
        if not m or (m.group(1) == "*" and not m.group(3)):
            days.append(part)  # '*' or names (mon-fri): the same in both
            continue
        first = 0 if m.group(1) == "*" else int(m.group(1))
        last = 6 if m.group(1) == "*" else int(m.group(2) or first)
        if last > 7 or first > last:
            raise ValueError(f"bad day of the week {part!r}")
        step = int(m.group(3) or 1)
        days.append(",".join(dict.fromkeys(_WEEKDAYS[d % 7] for d in range(first, last + 1, step or 1))))
    return dict(zip(("minute", "hour", "day", "month"), values[:4], strict=True)) | {"day_of_week": ",".join(days)}


def _valid_cron(expression: str) -> bool:
    """Five crontab fields that APScheduler can actually read (a typo fails here, not at 3 a.m.)."""
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger(**cron_fields(expression), timezone="UTC")
    except ValueError:
        return False
    return True


def spider_classes() -> dict[str, type]:
    """The spiders of this project by name, as `scrapy list` shows them."""
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader

    loader = SpiderLoader.from_settings(Settings({"SPIDER_MODULES": ["spiders"]}))
    return {name: loader.load(name) for name in loader.list()}


def spider_names() -> set[str]:
    return set(spider_classes())


def registry_entry(source: Source) -> dict:
    """The source as its sources.toml table (what `load_sources` reads back to an equal Source).

    A remote runner has no copy of the registry: the entry travels with the job, as JSON.
    """
    entry = {}
    for f in fields(Source):
        value = getattr(source, f.name)
        if value == f.default or (f.default_factory is not dataclasses.MISSING and value == f.default_factory()):
            continue
        if f.name in ("kinds", "speakers"):
            value = dict(value)
        elif isinstance(value, tuple):
            value = list(value)
        entry[f.name] = value
    return entry


def source_from_entry(text: str, where: str = "remote job") -> Source:
    """One source from its registry entry as JSON (`registry_entry`), validated like the registry."""
    try:
        raw = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise SourcesError(f"{where}: the source entry is not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise SourcesError(f"{where}: the source entry is not a table")
    return _check_source(raw, f"{where}: source {raw.get('id')!r}", spider_classes())


def load_sources(path: str | Path, *, check_spiders: bool = True) -> dict[str, Source]:
    """Read and validate the registry; raise SourcesError with one line on any fault."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourcesError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"source"}
    if unknown:
        raise SourcesError(f"{path}: key '{min(unknown)}': unknown top-level key (use [[source]])")
    entries = data.get("source", [])
    if not isinstance(entries, list) or not entries:
        raise SourcesError(f"{path}: no [[source]] entries")
    spiders = spider_classes() if check_spiders else None
    sources: dict[str, Source] = {}
    for n, raw in enumerate(entries, 1):
        if not isinstance(raw, dict):
            raise SourcesError(f"{path}: source #{n}: each source is a [[source]] table")
        where = f"{path}: source {raw.get('id', f'#{n}')!r}"
        source = _check_source(raw, where, spiders)
        if source.id in sources:
            raise SourcesError(f"{where}: key 'id': duplicate id")
        sources[source.id] = source
    return sources
