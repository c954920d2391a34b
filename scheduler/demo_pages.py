"""Rendering the demo site's pages from the Jinja2 templates in data/demo/templates/.

Each page shape (a feed, a listing, an article of one imitated site) is a template file, so
the markup the real spiders read can be compared with the real site's without reading
Python. Autoescaping is on for .html and .xml: the statements' texts reach a page only
through it (or, in feeds, inside CDATA sections split at "]]>"), never concatenated in.
Jinja2 is also the engine alert mail will use.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from spiders import config

TEMPLATES_DIR = config.DEMO_DIR / "templates"
BANNER = "Demo page for communique — not the real site"
BANNER_NOTE = "Texts written for the communique demo about real public events; ids and times are invented."

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"),
    # Ukrainian dates name the month in the genitive: «01 квітня 2021».
    "uk": ("січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня",
           "вересня", "жовтня", "листопада", "грудня"),
}  # fmt: skip
# Russian typesetting: no line break after a short preposition or conjunction (as on mid.ru).
_RU_SHORT_WORD = re.compile(r"(?<![\w-])(в|с|к|о|у|и|на|по|не|за|из|до|от|об) ", re.IGNORECASE)


def rfc822(dt: datetime, zone: str | None = None) -> str:
    """An RSS pubDate: '+0300' style in the given zone, or GMT when zone is None."""
    if zone is None:
        return format_datetime(dt.astimezone(UTC), usegmt=True)
    return format_datetime(dt.astimezone(ZoneInfo(zone)))


def cdata(text: str) -> Markup:
    """Text as an XML CDATA section; a "]]>" inside is split so it cannot close the section early."""
    return Markup("<![CDATA[" + str(text).replace("]]>", "]]]]><![CDATA[>") + "]]>")


def ru_nbsp(text: str) -> Markup:
    """Escaped text with a no-break space after each short Russian word."""
    return Markup(_RU_SHORT_WORD.sub(r"\1&nbsp;", str(escape(text))))


def teaser(text: str, words: int = 30) -> str:
    """The first words of a text, with "..." when it was cut."""
    parts = text.split()
    return " ".join(parts[:words]) + ("..." if len(parts) > words else "")


def month(dt: datetime, language: str) -> str:
    """The month's name as the imitated site prints it (English, French, Ukrainian genitive)."""
    return MONTHS[language][dt.month - 1]


def md5(text: str) -> str:
    """mid.ru's article block id (an md5 hex digest)."""
    return hashlib.md5(text.encode("utf-8")).hexdigest()


@cache
def environment(templates_dir: Path = TEMPLATES_DIR) -> Environment:
    """The template environment: one per folder, templates compiled once and cached by Jinja2."""
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,  # a misspelt name in a template is an error, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(rfc822=rfc822, cdata=cdata, ru_nbsp=ru_nbsp, teaser=teaser, month=month, md5=md5)
    env.globals.update(BANNER=BANNER, BANNER_NOTE=BANNER_NOTE)
    # JSON-LD: keep the key order of the page and its non-ASCII text readable; tojson still
    # escapes <, >, & and ' so a title cannot close the <script> element.
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}
    return env


def render(template: str, **context) -> str:
    """One page from its template (a path under data/demo/templates/)."""
    return environment().get_template(template).render(**context)
