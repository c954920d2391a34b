"""Reading an article page: the source's own selectors first, generic means second.

Where a site's markup is known (mid.ru) its selectors are exact; where it is a guess
(mfa.gov.ua, coe.int articles) the page's own metadata (og:, JSON-LD, <time>) and
trafilatura's main-text extraction read it without invented selectors.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate
from urllib.parse import urljoin, urlsplit

import html_text
import trafilatura
from parsel import Selector

from spiders.dates import date_from_metadata, localize, parse_date
from spiders.sources import Source
from spiders.text import squash


@dataclass
class Article:
    title: str = ""
    text: str = ""
    published_at: object = None
    language: str = ""
    speaker: str = ""
    lead: str = ""
    extra: dict = field(default_factory=dict)
    # Which fields came from the generic fallback, for `sources --check` and health.
    fallbacks: list[str] = field(default_factory=list)


def node_text(nodes) -> str:
    """Visible text of the nodes with paragraph breaks, as a reader sees it."""
    parts = [html_text.selector_to_text(node, guess_layout=True) for node in nodes]
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def _first_text(sel: Selector, css: str | None) -> str:
    if not css:
        return ""
    nodes = sel.css(css)
    if not nodes:
        return ""
    if "::" in css:
        return squash(" ".join(nodes.getall()))
    return squash(node_text(nodes[:1]))


def _without(sel: Selector, css_list) -> Selector:
    """A copy of the page with boilerplate nodes (players, share bars, related links) removed."""
    if not css_list:
        return sel
    sel = Selector(text=sel.get(), type="html")
    for css in css_list:
        for node in sel.css(css):
            node.drop()
    return sel


def page_language(sel: Selector) -> str:
    lang = sel.xpath("/html/@lang").get() or sel.xpath("//meta[@property='og:locale']/@content").get() or ""
    return re.split(r"[-_]", lang.strip().lower())[0] if lang.strip() else ""


def extract_article(html: str, url: str, source: Source) -> Article:
    """Read title, date, text and speaker from one article page."""
    sel = Selector(text=html, type="html")
    rules = source.selectors
    art = Article()
    art.title = _first_text(sel, rules.get("title"))
    if not art.title:
        art.title = squash(
            sel.css("meta[property='og:title']::attr(content)").get()
            or sel.css("h1").xpath("string()").get()
            or sel.css("title::text").get()
        )
        art.fallbacks.append("title")
    date_text = _first_text(sel, rules.get("date"))
    art.published_at = parse_date(
        date_text, zone=source.zone, formats=source.date_formats, languages=source.languages
    )
    if art.published_at is None:
        art.published_at = date_from_metadata(sel, source.zone)
        art.fallbacks.append("date")
    art.speaker = _first_text(sel, rules.get("speaker"))
    art.lead = _first_text(sel, rules.get("lead"))
    if rules.get("body"):
        body = _first_text(sel, rules["body"])
        if body:
            art.extra["issuing_body"] = body
    if art.published_at is None:
        art.published_at = date_in_body(sel, source) if source.date_formats else None
    if art.published_at is None:
        art.published_at = date_near_title(sel, source)
    cleaned = _without(sel, rules.get("remove"))
    if rules.get("text"):
        art.text = node_text(cleaned.css(rules["text"]))
    if not art.text:
        art.text = drop_leading_title(generic_text(cleaned.get(), url), art.title)
        art.fallbacks.append("text")
    art.language = _first_text(sel, rules.get("language")) or page_language(sel) or source.language
    translations = hreflang_alternates(sel, url, art.language)
    if translations:  # other language versions of this page: one story (pipelines/linking.py)
        art.extra["translations"] = translations
    return art


def hreflang_alternates(sel: Selector, url: str, language: str) -> dict[str, str]:
    """language -> absolute address of the page's other language versions, from
    `<link rel="alternate" hreflang>` (x-default and the page's own language left out)."""
    found: dict[str, str] = {}
    for link in sel.xpath("//head/link[@hreflang][@href]"):
        if "alternate" not in (link.attrib.get("rel") or "").lower().split():
            continue
        lang = re.split(r"[-_]", link.attrib["hreflang"].strip().lower())[0]
        href = urljoin(url, link.attrib["href"].strip())
        if lang and lang != "x" and lang != language and href.startswith(("http://", "https://")):
            found.setdefault(lang, href)
    return found


def date_in_body(sel: Selector, source: Source):
    """The first text node of the page that is exactly a date in one of the source's formats.

    For pages that print their date ("Feb 27, 2026 10:13") without marking it up.
    """
    for node in sel.xpath("//body//text()[normalize-space()]").getall()[:400]:
        text = squash(node)
        if len(text) > 40:
            continue
        for fmt in source.date_formats:
            try:
                return localize(datetime.strptime(text, fmt), source.zone)
            except ValueError:
                continue
    return None


def date_near_title(sel: Selector, source: Source):
    """Last resort: a short line with a full date among the first lines under the headline
    (the «Опубліковано 01 квітня 2021 року о 18:31» line of a page without date markup)."""
    nodes = sel.xpath("//h1[1]/following::text()[normalize-space()]").getall()[:30]
    for node in nodes:
        text = squash(node)
        if len(text) <= 80 and re.search(r"\b(19|20)\d{2}\b", text):
            found = parse_date(text, zone=source.zone, formats=source.date_formats, languages=source.languages)
            if found:
                return found
    return None


def drop_leading_title(text: str, title: str) -> str:
    """Generic extraction often repeats the headline as the first paragraph."""
    paragraphs = text.split("\n\n")
    key = squash(title).lower()
    while paragraphs and key and squash(paragraphs[0]).lower() == key:
        paragraphs.pop(0)
    return "\n\n".join(paragraphs)


def generic_text(html: str, url: str) -> str:
    """Main text by trafilatura, precise first (no kicker or date line glued to the text),
    then with recall for pages where precision finds nothing; '' when neither does."""
    text = ""
    for precise in (True, False):
        text = trafilatura.extract(
            html,
            url=url,
            include_comments=False,
            include_tables=True,
            favor_precision=precise,
            favor_recall=not precise,
            deduplicate=False,
        )
        if text:
            break
    # trafilatura puts one paragraph per line; selector extraction separates them by a blank line.
    return "\n\n".join(line.strip() for line in (text or "").split("\n") if line.strip())


# --- challenge pages ------------------------------------------------------------------
# Strong markers appear only on anti-bot interstitials; weak ones also occur in normal
# pages' <noscript>, so they count only on a page with almost no text.
_STRONG_MARKERS = (
    "cf-browser-verification",
    "cf_chl_opt",
    "/cdn-cgi/challenge-platform/",
    "challenges.cloudflare.com",
    "Attention Required! | Cloudflare",
    "TSPD_101",
    "/TSPD/",
    "bobcmn",
    "Data processing... Please, wait",
    "_Incapsula_Resource",
    "DDoS-Guard",
    "The requested URL was rejected. Please consult with your administrator.",  # F5 ASM
    "Sorry, you have been blocked",
)
_WEAK_MARKERS = (
    "Just a moment...",
    "Please enable JavaScript",
    "enable JavaScript and cookies",
    "Checking your browser",
    "captcha",
    "Access denied",
    "Access Denied",
    "Your support ID is",
    "Request Rejected",
)
BLOCKING_STATUSES = (401, 403, 429, 451)


def challenge_reason(status: int, body: str, headers: dict | None = None) -> str | None:
    """Why this answer is an anti-bot block, or None when it is a real page.

    Interstitials are small: a marker counts only on a page with little visible text or
    with a blocking status, because normal pages also carry a site's protection scripts
    (Cloudflare injects /cdn-cgi/challenge-platform/ into ordinary pages) and articles
    may quote the words.
    """
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    head = body[:20000]
    shown = re.sub(r"(?is)<!--.*?-->|<(script|style|noscript)\b.*?</\1>", " ", head)
    visible = len(squash(re.sub(r"<[^>]+>", " ", shown)))
    blocking_status = status in BLOCKING_STATUSES or status == 503
    # A feed is data, never an interstitial: its items may quote any words.
    is_feed = re.match(r"\s*(<\?xml|<rss|<feed|<rdf:RDF)", head[:500], re.IGNORECASE) is not None
    if blocking_status or (visible < 1500 and not is_feed):
        for marker in _STRONG_MARKERS:
            if marker in head:
                return f"challenge page ({marker.strip('/')}) with HTTP {status}"
    if status in BLOCKING_STATUSES:
        server = headers.get("server", "")
        via = f" by {server}" if server else ""
        return f"HTTP {status}{via}"
    if headers.get("cf-mitigated") == "challenge":
        return f"Cloudflare challenge with HTTP {status}"
    if visible < 300 and not is_feed:
        for marker in _WEAK_MARKERS:
            if marker.lower() in head.lower():
                return f"challenge page ({marker}) with HTTP {status}"
    return None


# A page from which this much text and a real title were read is an article.
ARTICLE_CHARS = 400


def is_real_article(title: str, text: str) -> bool:
    """Whether what was read from a page is an article, whatever scripts the page loads.

    A real tass.ru article loads reCAPTCHA for its comment form and Cloudflare injects its
    challenge script into ordinary pages: the markers alone do not make a challenge. A
    block page's own words ("Sorry, you have been blocked") in the title or the first
    lines of the text do, however long it is.
    """
    if not title or len(text or "") < ARTICLE_CHARS:
        return False
    shown = (title + "\n" + text[:1000]).lower()
    return not any(marker.lower() in shown for marker in _STRONG_MARKERS + _WEAK_MARKERS
                   if marker.lower() != "captcha")


# --- listing pages ----------------------------------------------------------------------
# A section, tag or search page read as an article yields its title ("Newsroom") and its
# first teasers as a fake statement. Such a page is recognised by what it is made of:
# sibling blocks that each lead with a link to another article of the site, and which
# hold the text the extractor read.
_ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "report", "pressrelease", "blogposting", "liveblogposting",
    "scholarlyarticle", "techarticle", "socialmediaposting", "speech",
}
_LISTING_TYPES = {"collectionpage", "itemlist", "searchresultspage", "website", "blog", "profilepage"}
LISTING_MIN_TEASERS = 3  # fewer sibling links to articles are a "related" box, not an index ...
_FEW_TEASERS_SHARE = 0.8  # ... unless they hold nearly all the text (the last page of a paged index)
_TEASER_MAX_CHARS = 700  # a teaser is a headline, a date and a sentence or two
_TEASER_LEAD_CHARS = 40  # text allowed before the headline link (date, rubric, language links)
_HEADLINE_MIN_CHARS = 15  # shorter link texts are menus, tags and "Read more"
_ANCESTOR_DEPTH = 6
# Share of the extracted text that must lie in teaser blocks, by what the page declares.
_SHARE_DEFAULT, _SHARE_DECLARED_LISTING, _SHARE_DECLARED_ARTICLE = 0.5, 0.3, 0.7


@dataclass(frozen=True)
class Listing:
    """What makes a page an index: its teasers (one per article it lists) and why it was judged so."""

    articles: int
    share: float
    declared: str  # the page's own JSON-LD/og:type word for itself, "" when it says nothing


# The visible text of a page outside its navigation, one text node a line.
_PAGE_TEXT = ("//body//text()[normalize-space()][not(ancestor::script or ancestor::style or ancestor::noscript"
              " or ancestor::nav or ancestor::header or ancestor::footer or ancestor::aside)]")


def _no_space(text: str) -> str:
    # Extractors and lxml disagree on the whitespace between inline elements: compare without it.
    return "".join(text.split()).lower()


def declared_types(sel: Selector) -> set[str]:
    """The top-level JSON-LD @type values of the page (those of an @graph included), lower-cased."""
    found: set[str] = set()
    for raw in sel.xpath("//script[@type='application/ld+json']/text()").getall()[:10]:
        for name in re.findall(r'"@type"\s*:\s*(\[[^\]]*\]|"[^"]*")', raw[:20000]):
            found.update(t.lower() for t in re.findall(r'"([^"]+)"', name))
    return found


def _declared(sel: Selector) -> tuple[str, float]:
    """What the page says it is, and the teaser share it takes to call it a listing.

    JSON-LD is read as text, not parsed: only the @type words matter, and a broken
    script (common) must not hide them. Nested item types (an ItemList's NewsArticle
    items) are counted too, so an article type is evidence only without a listing type.
    """
    types = declared_types(sel)
    listing = sorted(types & _LISTING_TYPES - ({"website"} if types & _ARTICLE_TYPES else set()))
    if types & _ARTICLE_TYPES and not listing:
        return "article", _SHARE_DECLARED_ARTICLE
    if listing:
        return listing[0], _SHARE_DECLARED_LISTING
    og_type = (sel.xpath("//meta[@property='og:type']/@content").get() or "").strip().lower()
    if og_type == "article":
        return "og:article", _SHARE_DECLARED_ARTICLE
    return "", _SHARE_DEFAULT


def _site(host: str | None) -> str:
    return (host or "").lower().removeprefix("www.")


def _short_text(element) -> str | None:
    """The element's text if it is short enough for a teaser, else None (without reading all of it)."""
    parts, size = [], 0
    for piece in element.itertext():
        size += len(piece.strip())
        if size > _TEASER_MAX_CHARS:
            return None
        parts.append(piece)
    return squash(" ".join(parts))


def _text_ahead(parent, child) -> int:
    """How many non-space characters of `parent`'s text come before `child`."""
    ahead = len(_no_space(parent.text or ""))
    for sibling in child.itersiblings(preceding=True):
        ahead += len(_no_space(sibling.text_content() if isinstance(sibling.tag, str) else ""))
        ahead += len(_no_space(sibling.tail or ""))
        if ahead > _TEASER_LEAD_CHARS:
            break
    return ahead


def teaser_groups(sel: Selector, url: str) -> list[dict[str, str]]:
    """Sibling blocks that each lead with a headline link to another page of the site.

    Each group maps the linked address to the block's text. A block qualifies when its
    first long link points elsewhere on the same site, little text precedes it and the
    block itself is short: the shape of a teaser, not of a paragraph that quotes a link.
    """
    page = urlsplit(url)
    site = _site(page.hostname)
    # The page's own addresses: as fetched, and as it names itself (a headline linking to it).
    own_paths = [page.path.rstrip("/")] + [
        urlsplit(urljoin(url, own.strip())).path.rstrip("/")
        for own in sel.xpath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content").getall()[:2]
    ]
    # Blocks that hold the page's headline hold its article, however short, never a teaser.
    headline_holders = {node for h1 in sel.root.iter("h1") for node in (h1, *h1.iterancestors())}
    groups: dict[tuple, dict[str, str]] = {}
    seen_blocks: set = set()
    texts: dict = {}  # element -> its text: ancestors are shared by many links
    for link in sel.root.iter("a"):
        href = (link.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        headline = squash(link.text_content())
        if len(headline) < _HEADLINE_MIN_CHARS:
            continue
        target = urlsplit(urljoin(url, href))
        path = target.path.rstrip("/")
        if _site(target.hostname) != site or not path or any(own.startswith(path) for own in own_paths):
            continue  # elsewhere, the page itself or one of its parents ("back to the newsroom")
        in_headline = any(node.tag == "h1" for node in link.iterancestors())
        address = target._replace(query="", fragment="").geturl()
        block, before = link, 0  # `before`: characters of the block's text ahead of the link
        for _ in range(_ANCESTOR_DEPTH):
            parent = block.getparent()
            if parent is None or parent.tag in ("body", "html") or block in seen_blocks:
                break
            if block in headline_holders and not in_headline:
                break
            if block not in texts:
                texts[block] = _short_text(block)
            text = texts[block]
            if text is None:
                break
            key = (parent, block.tag, block.get("class") or "")
            group = groups.setdefault(key, {})
            group.setdefault(address, text)
            seen_blocks.add(block)
            before += _text_ahead(parent, block)
            if before > _TEASER_LEAD_CHARS:
                break
            block = parent
    return list(groups.values())


def listing_evidence(sel: Selector, url: str, text: str) -> Listing | None:
    """A Listing when the page is an index of other articles rather than one article, else None.

    The deciding evidence is where the extracted `text` comes from: on an index it is the
    teasers' own text (headline, date, first sentence of each listed article); on an
    article it is the body, and a "related news" box beside it does not hold it. What the
    page declares (JSON-LD CollectionPage vs NewsArticle; og:type, weaker) moves the bar.
    """
    if not text.strip():  # nothing read: judge the page's own visible text instead
        text = "\n".join(sel.xpath(_PAGE_TEXT).getall())
    groups = teaser_groups(sel, url)
    if not groups:
        return None
    # (length, first 200 characters without whitespace or list bullets) of each paragraph
    paragraphs = [(len(p), _no_space(p[:400]).lstrip("-–—•*·")[:200]) for p in text.split("\n") if p.strip()]
    total = sum(size for size, _ in paragraphs)
    if not total:
        return None
    declared, needed = _declared(sel)
    # All teasers in one string, groups apart by a character no text holds: one search a paragraph.
    blobs = ["\n".join(_no_space(t) for t in g.values()) for g in groups]
    starts = list(accumulate((len(b) + 1 for b in blobs[:-1]), initial=0))
    teasers = "\0".join(blobs)
    covered, used = 0, set()
    for size, probe in paragraphs:
        at = teasers.find(probe) if probe else -1
        if at >= 0:
            covered += size
            used.add(bisect_right(starts, at) - 1)
    share = covered / total
    articles = len({address for i in used for address in groups[i]})
    if articles < LISTING_MIN_TEASERS:
        needed = _FEW_TEASERS_SHARE if declared != "article" else 1.1
    if share < needed:
        return None
    return Listing(articles=articles, share=round(share, 2), declared=declared)
