"""The demo site's content model: the statements of data/demo/content.toml, read and checked.

Kept apart from the server (scheduler/demo_site.py) and the page templates
(data/demo/templates/) so that a mistake in the content file is one clear line before any
page is served, and a page shape can change without touching the content rules.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from spiders.errors import DemoContentError


@dataclass(frozen=True)
class SiteShape:
    """One imitated site: the zone its dates are shown in, and its template folder."""

    zone: str
    family: str


SITES = {
    "mid-ru": SiteShape("Europe/Moscow", "mid"),
    "coe-en": SiteShape("Europe/Paris", "coe"),
    "coe-fr": SiteShape("Europe/Paris", "coe"),
    "ukrinform-en": SiteShape("Europe/Kyiv", "ukrinform"),
    "ukrinform-uk": SiteShape("Europe/Kyiv", "ukrinform"),
    "kyivindependent": SiteShape("Europe/Kyiv", "kyivindependent"),
    "mfa-uk": SiteShape("Europe/Kyiv", "mfa"),
}
_REQUIRED = ("key", "site", "slug", "language", "kind", "published", "title")
_OPTIONAL = ("text", "lead", "coe", "body", "place", "rubric", "author", "text_from", "hold")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class DemoStatement:
    key: str
    site: str
    slug: str
    language: str
    kind: str
    published: datetime
    title: str
    text: str
    lead: str = ""
    coe: bool = False
    body: str = ""
    place: str = ""
    rubric: str = "polytics"
    author: str = ""
    text_from: str = ""
    # Held back: not on the site until DemoSite.publish_next() puts it there (a second round).
    hold: bool = False

    @property
    def paragraphs(self) -> list[str]:
        return [" ".join(p.split()) for p in re.split(r"\n\s*\n", self.text.strip()) if p.strip()]

    def local(self) -> datetime:
        """The publication time in the imitated site's own time zone, as its pages show it."""
        return self.published.astimezone(ZoneInfo(SITES[self.site].zone))

    @property
    def path(self) -> str:
        """The page's path on the demo site."""
        return {
            "mid-ru": f"/mid/ru/foreign_policy/news/{self.slug}/",
            "coe-en": f"/coe/en/web/portal/-/{self.slug}",
            "coe-fr": f"/coe/fr/web/portal/-/{self.slug}",
            "ukrinform-en": f"/ukrinform/rubric-{self.rubric}/{self.slug}.html",
            "ukrinform-uk": f"/ukrinform/ua/rubric-{self.rubric}/{self.slug}.html",
            "kyivindependent": f"/kyivindependent/{self.slug}/",
            "mfa-uk": f"/mfa/news/{self.slug}",
        }[self.site]


def load_content(path: Path) -> list[DemoStatement]:
    """Read and check the demo statements; DemoContentError with one line on any fault."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DemoContentError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DemoContentError(f"{path}: cannot read: {exc}") from None
    raw_list = data.get("statement")
    if not isinstance(raw_list, list) or not raw_list:
        raise DemoContentError(f"{path}: no [[statement]] entries")
    raws: dict[str, dict] = {}
    for n, raw in enumerate(raw_list, 1):
        where = f"{path}: statement {raw.get('key', f'#{n}')!r}"
        _check(raw, where, raws)
        raws[raw["key"]] = raw
    statements = []
    paths: set[str] = set()
    for key, raw in raws.items():
        values = dict(raw)
        values["slug"] = str(raw["slug"])
        if raw.get("text_from"):
            original = raws.get(raw["text_from"])
            if original is None or not original.get("text"):
                raise DemoContentError(
                    f"{path}: statement {key!r}: key 'text_from': no statement with a text"
                )
            values["text"] = original["text"]
        item = DemoStatement(**values)
        if item.path in paths:
            raise DemoContentError(f"{path}: statement {key!r}: key 'slug': two pages at {item.path}")
        paths.add(item.path)
        statements.append(item)
    return statements


def _check(raw: dict, where: str, earlier: dict[str, dict]) -> None:
    """One statement's keys and values; DemoContentError naming the key on the first fault."""
    for key in raw:
        if key not in _REQUIRED and key not in _OPTIONAL:
            raise DemoContentError(f"{where}: key {key!r}: unknown key")
    for key in _REQUIRED:
        if key not in raw:
            raise DemoContentError(f"{where}: key {key!r}: required")
    if raw["key"] in earlier:
        raise DemoContentError(f"{where}: key 'key': duplicate")
    if raw["site"] not in SITES:
        raise DemoContentError(f"{where}: key 'site': one of {', '.join(SITES)}")
    if not _SLUG.match(str(raw["slug"])):
        raise DemoContentError(f"{where}: key 'slug': lower-case letters, digits and dashes")
    if raw["site"] == "mid-ru" and not str(raw["slug"]).isdigit():
        raise DemoContentError(f"{where}: key 'slug': mid.ru ids are numeric")
    if not isinstance(raw["published"], datetime) or raw["published"].tzinfo is None:
        raise DemoContentError(f"{where}: key 'published': a date-time with a UTC offset")
    if not raw.get("text") and not raw.get("text_from"):
        raise DemoContentError(f"{where}: key 'text': required (or text_from)")
    if not isinstance(raw.get("hold", False), bool):
        raise DemoContentError(f"{where}: key 'hold': true or false")
