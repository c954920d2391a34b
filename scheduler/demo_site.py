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

The texts (data/demo/content.toml) were written for the demo; every page says that it is a
demo and not the real site. Feeds and pages answer conditional requests (ETag,
Last-Modified) with 304, as a polite crawler expects. Standard library only.

    with DemoSite() as site:
        registry = site.write_sources(tmp / "sources.toml")
        ...  # scrapy crawl feed -a source=demo-mid-ru -s COMMUNIQUE_SOURCES=<registry>
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import parse_qs, quote, urlsplit
from zoneinfo import ZoneInfo

from spiders import config
from spiders.errors import DemoContentError

DEMO_DIR = config.DATA_DIR / "demo"
BANNER = "Demo page for communique — not the real site"
BANNER_NOTE = "Texts written for the communique demo about real public events; ids and times are invented."

# site -> (time zone of its dates, language of its chrome)
SITES = {
    "mid-ru": ("Europe/Moscow", "ru"),
    "coe-en": ("Europe/Paris", "en"),
    "coe-fr": ("Europe/Paris", "fr"),
    "ukrinform-en": ("Europe/Kyiv", "en"),
    "ukrinform-uk": ("Europe/Kyiv", "uk"),
    "kyivindependent": ("Europe/Kyiv", "en"),
    "mfa-uk": ("Europe/Kyiv", "uk"),
}
_REQUIRED = ("key", "site", "slug", "language", "kind", "published", "title")
_OPTIONAL = ("text", "lead", "coe", "body", "place", "rubric", "author", "text_from")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")  # fmt: skip
MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
             "octobre", "novembre", "décembre")  # fmt: skip
MONTHS_UK_GEN = ("січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня",
                 "вересня", "жовтня", "листопада", "грудня")  # fmt: skip
COE_LABELS = {
    "en": {
        "newsroom": "Newsroom",
        "more": "Read More",
        "next": "Next",
        "prev": "Previous",
        "back": "Back",
        "html_lang": "en-GB",
        "portal": "Portal",
    },
    "fr": {
        "newsroom": "Salle de presse",
        "more": "Lire la suite",
        "next": "Suivant",
        "prev": "Précédent",
        "back": "Retour",
        "html_lang": "fr-FR",
        "portal": "Portail",
    },
}
COE_DEFAULT_DELTA = 20




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

    @property
    def paragraphs(self) -> list[str]:
        return [" ".join(p.split()) for p in re.split(r"\n\s*\n", self.text.strip()) if p.strip()]

    def local(self) -> datetime:
        return self.published.astimezone(ZoneInfo(SITES[self.site][0]))

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
        for key in raw:
            if key not in _REQUIRED and key not in _OPTIONAL:
                raise DemoContentError(f"{where}: key {key!r}: unknown key")
        for key in _REQUIRED:
            if key not in raw:
                raise DemoContentError(f"{where}: key {key!r}: required")
        if raw["key"] in raws:
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


# --- small rendering helpers ------------------------------------------------------------------
def _e(text: str) -> str:
    return escape(text, quote=True)


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _rfc822(dt: datetime, zone: str | None = None) -> str:
    """RSS pubDate: '+0300' style in the site's zone, or GMT when zone is None."""
    if zone is None:
        return format_datetime(dt.astimezone(UTC), usegmt=True)
    return format_datetime(dt.astimezone(ZoneInfo(zone)))


def _paragraphs_html(paragraphs: list[str], nbsp_ru: bool = False) -> str:
    out = []
    for p in paragraphs:
        html = _e(p)
        if nbsp_ru:  # Russian typesetting: no line break after short prepositions (as on mid.ru)
            html = re.sub(
                r"(?<![\w-])(в|с|к|о|у|и|на|по|не|за|из|до|от|об) ", r"\1&nbsp;", html, flags=re.IGNORECASE
            )
        out.append(f"<p>{html}</p>")
    return "\n".join(out)


def _teaser(text: str, words: int = 30) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("..." if len(parts) > words else "")


def _banner() -> str:
    return (
        '<div class="demo-banner" role="note" style="background:#fde68a;color:#111;padding:8px 14px;'
        'font:15px/1.4 sans-serif;border-bottom:2px solid #b45309">'
        f"<strong>{_e(BANNER)}</strong> — {_e(BANNER_NOTE)}</div>"
    )


def _page(lang: str, title: str, body: str, head: str = "", html_attrs: str = "") -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}"{html_attrs}>\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_e(title)}</title>\n"
        '<meta name="robots" content="noindex">\n'
        f"{head}</head>\n<body>\n{_banner()}\n{body}\n</body>\n</html>\n"
    )


def _og(title: str, url: str, description: str = "") -> str:
    head = f'<meta property="og:title" content="{_e(title)}">\n<meta property="og:url" content="{_e(url)}">\n'
    head += '<meta property="og:type" content="article">\n'
    if description:
        head += f'<meta property="og:description" content="{_e(description)}">\n'
    return head


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    last_modified: datetime | None = None


def _html(text: str, last_modified: datetime | None = None, status: int = 200) -> Answer:
    return Answer(status, "text/html; charset=utf-8", text.encode("utf-8"), last_modified)


def _xml(text: str, last_modified: datetime | None, kind: str = "application/rss+xml") -> Answer:
    return Answer(200, f"{kind}; charset=utf-8", text.encode("utf-8"), last_modified)


class DemoSite:
    """A local imitation of the watched sites, served on 127.0.0.1 at a free port."""

    def __init__(self, content_path: Path | None = None, sources_template: Path | None = None):
        self.content_path = Path(content_path) if content_path else DEMO_DIR / "content.toml"
        self.sources_template = Path(sources_template) if sources_template else DEMO_DIR / "sources.toml"
        self.statements: list[DemoStatement] = load_content(self.content_path)
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

    def url(self, path: str) -> str:
        return self.base_url + path

    def on(self, site: str) -> list[DemoStatement]:
        """Statements of one imitated site, newest first."""
        return sorted((s for s in self.statements if s.site == site), key=lambda s: s.published, reverse=True)

    # --- routing --------------------------------------------------------------------------------
    def answer(self, raw_path: str) -> Answer | None:
        """The answer for a request path (with query), or None for an unknown path."""
        parts = urlsplit(raw_path)
        path, query = parts.path, parse_qs(parts.query)
        if path == "/robots.txt":
            return Answer(200, "text/plain; charset=utf-8", self.robots().encode("utf-8"), self._newest())
        if path == "/":
            return _html(self.index_page(), self._newest())
        if path == "/mid/ru/rss.php":
            return _xml(self.mid_rss(), self._newest("mid-ru"))
        if path == "/ukrinform/rss/block-lastnews":
            return _xml(self.ukrinform_rss("ukrinform-en"), self._newest("ukrinform-en"))
        if path == "/ukrinform/ua/rss/block-lastnews":
            return _xml(self.ukrinform_rss("ukrinform-uk"), self._newest("ukrinform-uk"))
        if path == "/kyivindependent/news-archive/rss/":
            return _xml(self.ghost_rss(), self._newest("kyivindependent"))
        if path == "/mfa/sitemap.xml":
            return _xml(self.mfa_sitemap(), self._newest("mfa-uk"), kind="application/xml")
        if path in ("/mfa/", "/mfa/news"):
            return _html(self.mfa_listing(), self._newest("mfa-uk"))
        m = re.fullmatch(r"/coe/(en|fr)/web/portal/newsroom", path)
        if m:
            return self.coe_newsroom(f"coe-{m.group(1)}", query)
        for item in self.statements:
            if path == item.path:
                return _html(self.article(item), item.published)
        return None

    def _newest(self, site: str | None = None) -> datetime | None:
        dates = [s.published for s in self.statements if site is None or s.site == site]
        return max(dates) if dates else None

    # --- shared pages ------------------------------------------------------------------------------
    def robots(self) -> str:
        return f"# {BANNER}\nUser-agent: *\nAllow: /\n\nSitemap: {self.base_url}/mfa/sitemap.xml\n"

    def index_page(self) -> str:
        entries = [
            ("mid.ru-like (Russian MFA), RSS", "/mid/ru/rss.php"),
            ("coe.int-like newsroom (English)", "/coe/en/web/portal/newsroom?delta=5&start=1"),
            ("coe.int-like newsroom (French)", "/coe/fr/web/portal/newsroom?delta=5&start=1"),
            ("Ukrinform-like (English), RSS", "/ukrinform/rss/block-lastnews"),
            ("Ukrinform-like (Ukrainian), RSS", "/ukrinform/ua/rss/block-lastnews"),
            ("Kyiv Independent-like, RSS with full text", "/kyivindependent/news-archive/rss/"),
            ("mfa.gov.ua-like (Ukrainian), sitemap", "/mfa/sitemap.xml"),
        ]
        links = "\n".join(f'<li><a href="{_e(href)}">{_e(label)}</a></li>' for label, href in entries)
        body = (
            "<main><h1>communique demo site</h1>\n"
            "<p>Pages shaped like the sites communique watches, served locally so the demo and the tests "
            "need no internet. They are not the real sites.</p>\n"
            f"<ul>\n{links}\n</ul></main>"
        )
        return _page("en", "communique demo site", body)

    def not_found(self, path: str) -> str:
        body = f"<main><h1>404 Not Found</h1><p>No demo page at {_e(path)}.</p></main>"
        return _page("en", "404 Not Found (demo)", body)

    def article(self, item: DemoStatement) -> str:
        return {
            "mid-ru": self.mid_article,
            "coe-en": self.coe_article,
            "coe-fr": self.coe_article,
            "ukrinform-en": self.ukrinform_article,
            "ukrinform-uk": self.ukrinform_article,
            "kyivindependent": self.ghost_article,
            "mfa-uk": self.mfa_article,
        }[item.site](item)

    # --- mid.ru ----------------------------------------------------------------------------------
    def mid_rss(self) -> str:
        items = []
        for s in self.on("mid-ru"):
            link = self.url(s.path)
            items.append(
                "<item>\n"
                f"<title>{_e(s.title)}</title>\n<link>{_e(link)}</link>\n"
                f"<description>{_cdata(_e(s.paragraphs[0]))}</description>\n"
                f"<pubDate>{_rfc822(s.published, 'Europe/Moscow')}</pubDate>\n"
                f"<guid>{_e(link)}</guid>\n</item>"
            )
        newest = self._newest("mid-ru")
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
            "<title>Министерство иностранных дел Российской Федерации (demo)</title>\n"
            f"<link>{_e(self.url('/mid/ru/'))}</link>\n"
            f"<description>Новости МИД России — {_e(BANNER)} (demo)</description>\n"
            "<language>ru</language>\n"
            f"<lastBuildDate>{_rfc822(newest, 'Europe/Moscow')}</lastBuildDate>\n"
            + "\n".join(items)
            + "\n</channel>\n</rss>\n"
        )

    def mid_article(self, s: DemoStatement) -> str:
        local = s.local()
        url = self.url(s.path)
        body_html = _paragraphs_html(s.paragraphs, nbsp_ru=True)
        if s.kind == "press_release":  # as on the real press releases
            body_html = (
                '<p align="center" style="text-align:center"><strong>СООБЩЕНИЕ ДЛЯ СМИ</strong></p>\n\n'
                "<p>&nbsp;</p>\n\n" + body_html
            )
        block_id = hashlib.md5(s.slug.encode()).hexdigest()
        body = f"""<div class="page-content page-content_7">
                    <div class="page-header empty"></div>
                    <div class="page-body">
                        <!-- news-tiles-->
    <div class="photo-content" id="{block_id}">
                    <div class="photo-content__item-info">
                <span class="photo-content__date">{local:%d.%m.%Y}</span> <span class="photo-content__time">{local:%H:%M}</span>
            </div>
                            <h1 class="photo-content__title">{_e(s.title)}</h1>
        <div class="article-line no-padding no-border" style="flex-direction:row;">
            <div class="services">
                <ul class="services__list">
<li class="services__item services__item_print-tv">
    <ul class="print-tv">
        <li class="print-tv__item">
            <a target="_blank" class="print-tv__link print-tv__link_print" href="/mid/print/?id={s.slug}&amp;lang=ru" title="Печать"></a>
        </li>
    </ul>
</li>
                </ul>
            </div>
        </div>
        <div class="photo-content__desc">
            <div class="text article-content">{body_html}
</div>
        </div>
    </div>
                    </div>
                </div>"""
        title = f"{s.title} - Министерство иностранных дел Российской Федерации (demo)"
        return _page("ru", title, body, head=_og(s.title, url))

    # --- coe.int -----------------------------------------------------------------------------------
    def _coe_date(self, s: DemoStatement) -> str:
        local = s.local()
        months = MONTHS_FR if s.site == "coe-fr" else MONTHS_EN
        return f"{local.day} {months[local.month - 1]} {local.year}"

    def _coe_langs(self, s: DemoStatement) -> str:
        langs = [x.site[-2:] for x in self.statements if x.site.startswith("coe-") and x.slug == s.slug]
        return " ".join(
            f'<a href="/coe/{lang}/web/portal/-/{s.slug}">{lang.upper()}</a>' for lang in sorted(langs)
        )

    def coe_newsroom(self, site: str, query: dict) -> Answer | None:
        lang = site[-2:]
        labels = COE_LABELS[lang]
        try:
            delta = max(1, min(100, int(query.get("delta", [COE_DEFAULT_DELTA])[0])))
            start = int(query.get("start", ["1"])[0])
        except ValueError:
            return None
        items = self.on(site)
        pages = max(1, math.ceil(len(items) / delta))
        if start < 1 or start > pages:
            return None
        shown = items[(start - 1) * delta : start * delta]
        newsroom = f"/coe/{lang}/web/portal/newsroom"

        def page_url(n: int) -> str:
            return self.url(f"{newsroom}?delta={delta}&start={n}")

        back = quote(f"{newsroom}?delta={delta}&start={start}", safe="")
        elements = []
        for s in shown:
            link = self.url(f"{s.path}?p_l_back_url={back}")
            elements.append(
                f"""<div class="element clearfix">
  <div class="langs">{self._coe_langs(s)}</div>
  <h3 class="title"><a href="{_e(link)}">{_e(s.title)}</a></h3>
  <p class="infos"><span class="type">{_e(s.body)}</span> <span class="date">{self._coe_date(s)}</span> <span class="place">{_e(s.place)}</span></p>
  <div class="description">{_e(_teaser(s.paragraphs[0]))}</div>
  <a class="read-more" href="{_e(link)}">{labels["more"]}</a>
</div>"""
            )
        pager = []
        if start > 1:
            pager.append(
                f'<li><a class="previous" href="{_e(page_url(start - 1))}">{labels["prev"]}</a></li>'
            )
        for n in range(1, pages + 1):
            active = ' class="active"' if n == start else ""
            pager.append(f'<li{active}><a href="{_e(page_url(n))}">{n}</a></li>')
        if start < pages:
            pager.append(f'<li><a class="next" href="{_e(page_url(start + 1))}">{labels["next"]}</a></li>')
        body = f"""<div id="wrapper">
<div class="portlet-boundary portlet-boundary_newsroom_WAR_coeportlet_ portlet-static portlet-static-end" id="p_p_id_newsroom_WAR_coeportlet_">
<div class="portlet-body">
<h1 class="page-title">{labels["newsroom"]}</h1>
<div class="newsroom">
{chr(10).join(elements)}
</div>
<div class="lexicon pagination-bar">
  <ul class="pagination">
    {chr(10).join(pager)}
  </ul>
</div>
</div>
</div>
</div>"""
        newest = max((s.published for s in shown), default=None)
        html = _page(
            labels["html_lang"],
            f"{labels['newsroom']} - {labels['portal']} (demo)",
            body,
            html_attrs=' class="ltr" dir="ltr"',
        )
        return _html(html, newest)

    def coe_article(self, s: DemoStatement) -> str:
        lang = s.site[-2:]
        labels = COE_LABELS[lang]
        url = self.url(s.path)
        ld = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": s.title,
            "datePublished": s.published.isoformat(),
            "inLanguage": lang,
            "url": url,
            "publisher": {"@type": "Organization", "name": "Council of Europe (demo)"},
        }
        ld_json = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
        head = _og(s.title, url, _teaser(s.paragraphs[0], 40))
        head += f'<link rel="canonical" href="{_e(url)}">\n'
        head += f'<script type="application/ld+json">{ld_json}</script>\n'
        first, rest = s.paragraphs[0], s.paragraphs[1:]
        paragraphs = f"<p><strong>{_e(first)}</strong></p>\n" + _paragraphs_html(rest)
        body = f"""<div id="wrapper">
<div class="portlet-boundary portlet-boundary_101_ portlet-static portlet-static-end portlet-asset-publisher" id="p_p_id_101_INSTANCE_demo_">
<div class="portlet-body">
  <div class="taglib-header">
    <span class="header-back-to"><a class="icon-circle-arrow-left previous-level" href="/coe/{lang}/web/portal/newsroom" title="{labels["back"]}"><span class="helper-hidden-accessible">{labels["back"]}</span></a></span>
    <h3 class="header-title"><span>{_e(s.title)}</span></h3>
  </div>
  <div class="asset-full-content clearfix default-asset-publisher">
    <div class="asset-content">
      <div class="journal-content-article">
        <div class="newsroom">
          <p class="infos"><span class="type">{_e(s.body)}</span> <span class="place">{_e(s.place)}</span> <span class="date"><time datetime="{s.published.isoformat()}">{self._coe_date(s)}</time></span></p>
          <ul class="tools">
            <li><a href="#" title="Diminuer la taille du texte">Diminuer la taille du texte</a></li>
            <li><a href="#" title="Augmenter la taille du texte">Augmenter la taille du texte</a></li>
            <li><a href="javascript:window.print();" title="Imprimer la page">Imprimer la page</a></li>
          </ul>
          <h1>{_e(s.title)}</h1>
          {paragraphs}
        </div>
      </div>
    </div>
  </div>
</div>
</div>
</div>"""
        return _page(
            labels["html_lang"],
            f"{s.title} - {labels['portal']} (demo)",
            body,
            head=head,
            html_attrs=' class="ltr" dir="ltr"',
        )

    # --- Ukrinform -------------------------------------------------------------------------------
    def ukrinform_rss(self, site: str) -> str:
        ua = site == "ukrinform-uk"
        home = self.url("/ukrinform/ua/" if ua else "/ukrinform/")
        items = []
        for s in self.on(site):
            link = self.url(s.path)
            items.append(
                "<item>\n"
                f"<title>{_e(s.title)}</title>\n<link>{_e(link)}</link>\n"
                f"<description>{_e(s.lead or s.paragraphs[0])}</description>\n"
                f"<pubDate>{_rfc822(s.published, 'Europe/Kyiv')}</pubDate>\n"
                f'<guid isPermaLink="true">{_e(link)}</guid>\n</item>'
            )
        title = "Укрінформ - Останні новини (demo)" if ua else "Ukrinform - Latest news (demo)"
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
            f"<title>{_e(title)}</title>\n<link>{_e(home)}</link>\n"
            f"<description>{_e(BANNER)} (demo)</description>\n"
            f"<language>{'uk' if ua else 'en'}</language>\n"
            f"<lastBuildDate>{_rfc822(self._newest(site), 'Europe/Kyiv')}</lastBuildDate>\n"
            + "\n".join(items)
            + "\n</channel>\n</rss>\n"
        )

    def ukrinform_article(self, s: DemoStatement) -> str:
        ua = s.site == "ukrinform-uk"
        local = s.local()
        if ua:
            shown_date = f"{local.day:02d} {MONTHS_UK_GEN[local.month - 1]} {local.year} {local:%H:%M}"
        else:
            shown_date = f"{local.day:02d} {MONTHS_EN[local.month - 1]} {local.year} {local:%H:%M}"
        # A "Read also" block inside the text, as on the real site (the source's selectors drop it).
        others = [x for x in self.on(s.site) if x.key != s.key]
        read_also = ""
        if others:
            other = others[0]
            label = "Читайте також" if ua else "Read also"
            read_also = (
                f'<section class="read"><p><strong>{label}:</strong> '
                f'<a href="{_e(other.path)}">{_e(other.title)}</a></p></section>\n'
            )
        paragraphs = [f"<p>{_e(p)}</p>" for p in s.paragraphs]
        paragraphs.insert(1, read_also)
        publisher = "Укрінформ" if ua else "Ukrinform"
        body = f"""<div class="wrapper">
<main class="main">
<article class="news">
<h1 class="newsTitle">{_e(s.title)}</h1>
<div class="newsMetaBlock"><time datetime="{s.published.isoformat()}">{shown_date}</time></div>
<div class="newsHeading">{_e(s.lead)}</div>
<div class="newsText"><div>
{chr(10).join(paragraphs)}
</div></div>
<div class="newsPublisher">{publisher} (demo)</div>
</article>
</main>
<aside class="otherNews"><h2>{"Останні новини" if ua else "Latest news"}</h2>
{"".join(f'<p><a href="{_e(x.path)}">{_e(x.title)}</a></p>' for x in others[:3])}
</aside>
</div>"""
        head = _og(s.title, self.url(s.path), s.lead)
        return _page("uk" if ua else "en", f"{s.title} (demo)", body, head=head)

    # --- Kyiv Independent (Ghost) -------------------------------------------------------------------
    def ghost_rss(self) -> str:
        feed = self.url("/kyivindependent/news-archive/rss/")
        items = []
        for s in self.on("kyivindependent"):
            link = self.url(s.path)
            content = "".join(f"<p>{_e(p)}</p>" for p in s.paragraphs)
            creator = f"<dc:creator>{_cdata(s.author)}</dc:creator>" if s.author else ""
            items.append(
                f"<item><title>{_cdata(s.title)}</title>"
                f"<description>{_cdata(s.paragraphs[0])}</description>"
                f'<link>{_e(link)}</link><guid isPermaLink="false">demo-{_e(s.key)}</guid>'
                f"<category>{_cdata('News Feed')}</category>{creator}"
                f"<pubDate>{_rfc822(s.published)}</pubDate>"
                f"<content:encoded>{_cdata(content)}</content:encoded></item>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<rss xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:atom="http://www.w3.org/2005/Atom" version="2.0" xmlns:media="http://search.yahoo.com/mrss/">'
            f"<channel><title>{_cdata('The Kyiv Independent (demo)')}</title>"
            f"<description>{_cdata(BANNER + ' (demo)')}</description>"
            f"<link>{_e(self.url('/kyivindependent/'))}</link><generator>Ghost 5.0 (demo)</generator>"
            f"<lastBuildDate>{_rfc822(self._newest('kyivindependent'))}</lastBuildDate>"
            f'<atom:link href="{_e(feed)}" rel="self" type="application/rss+xml"/><ttl>60</ttl>'
            + "".join(items)
            + "</channel></rss>\n"
        )

    def ghost_article(self, s: DemoStatement) -> str:
        body = f"""<main class="site-main">
<article class="post">
<header class="post__header">
<h1 class="post__title">{_e(s.title)}</h1>
<time class="post__date" datetime="{s.published.isoformat()}">{s.local():%b %d, %Y %I:%M %p}</time>
</header>
<div class="post__content">
{_paragraphs_html(s.paragraphs)}
</div>
</article>
</main>"""
        head = _og(s.title, self.url(s.path), s.paragraphs[0])
        head += f'<meta property="article:published_time" content="{s.published.isoformat()}">\n'
        return _page("en", f"{s.title} (demo)", body, head=head)

    # --- mfa.gov.ua ---------------------------------------------------------------------------------
    def mfa_sitemap(self) -> str:
        newest = self._newest("mfa-uk")
        urls = [(self.url("/mfa/"), newest), (self.url("/mfa/news"), newest)]
        urls += [(self.url(s.path), s.published) for s in self.on("mfa-uk")]
        entries = "\n".join(
            f"  <url>\n    <loc>{_e(loc)}</loc>\n    <lastmod>{lastmod.isoformat()}</lastmod>\n  </url>"
            for loc, lastmod in urls
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<!-- {BANNER} (demo) -->\n"
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{entries}\n</urlset>\n"
        )

    def _mfa_header(self, path: str) -> str:
        return f"""<header class="header">
  <ul class="header__tools">
    <li><button class="font-size-minus">A-</button> <button class="font-size-plus">A+</button></li>
    <li><a href="#" class="visually-impaired">Людям із порушенням зору</a></li>
  </ul>
  <ul class="lang-switcher">
    <li class="active"><a href="{_e(path)}">Українською</a></li>
  </ul>
</header>"""

    def mfa_listing(self) -> str:
        rows = "\n".join(
            f'<li class="news-list__item"><a class="news-list__link" href="{_e(s.path)}">{_e(s.title)}</a> '
            f'<span class="news-list__date">{s.local():%d.%m.%Y}</span></li>'
            for s in self.on("mfa-uk")
        )
        body = (
            self._mfa_header("/mfa/news")
            + f'\n<main class="main"><h1>Новини</h1>\n<ul class="news-list">\n{rows}\n</ul></main>'
        )
        return _page("uk", "Новини | Міністерство закордонних справ України (demo)", body)

    def mfa_article(self, s: DemoStatement) -> str:
        local = s.local()
        date_line = (
            f"Опубліковано {local.day:02d} {MONTHS_UK_GEN[local.month - 1]} {local.year} року о {local:%H:%M}"
        )
        body = (
            self._mfa_header(s.path)
            + f"""
<main class="main">
  <article class="article">
    <h1 class="article__title">{_e(s.title)}</h1>
    <div class="article__date">{date_line}</div>
    <div class="article__content editor-content">
{_paragraphs_html(s.paragraphs)}
    </div>
  </article>
</main>"""
        )
        title = f"{s.title} | Міністерство закордонних справ України (demo)"
        return _page("uk", title, body, head=_og(s.title, self.url(s.path)))


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
            answer = _html(demo.not_found(urlsplit(self.path).path), status=404)
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
