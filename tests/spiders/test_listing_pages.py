"""A listing page is not a statement: section, tag and index pages reached from a feed, a
sitemap or a link yield no statement and are counted as listings (spiders/extract.py
`listing_evidence`), while every saved real article page still yields its statement.

The catalogue below is every saved HTML page of the project (tests/fixtures/, ../shared/fixtures/)
and every page of the demo site, each with the address it was saved from and the source that
reads it; bench/bench_listing_pages.py measures the check over the same pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.paths import FIXTURES, SHARED_FIXTURES


@dataclass(frozen=True)
class SavedPage:
    path: Path
    url: str
    source: str
    listing: bool

    def __str__(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"


# Addresses the saved pages came from (tests/spiders/test_real_sources.py names the articles').
_LISTING_URLS = {
    "coe-newsroom-en/newsroom_delta20_start1.html": "https://www.coe.int/en/web/portal/newsroom?delta=20&start=1",
    "gov-pl-en/news-_page1.html": "https://www.gov.pl/web/diplomacy/news-",
    "mfa-ua-en/news_listing.html": "https://mfa.gov.ua/en/news",
    "mfa-ua-uk/news_listing.html": "https://mfa.gov.ua/news",
    "mid-ru-en/listing_PAGEN_1-1.html": "https://mid.ru/en/foreign_policy/news/?PAGEN_1=1",
    "mid-ru-ru/listing_PAGEN_1-1.html": "https://mid.ru/ru/foreign_policy/news/?PAGEN_1=1",
}
_ARTICLE_URLS = {
    "auswaertiges-amt-de/article_2701234.html":
        "https://www.auswaertiges-amt.de/de/newsroom/europarat-ministerkomitee/2701234",
    "coe-newsroom-en/article_russia-ceases-to-be-a-party-echr.html":
        "https://www.coe.int/en/web/portal/-/russia-ceases-to-be-a-party-to-the-european-convention-on-human-rights",
    "diplomatie-fr/article_ukraine-comite-des-ministres.html":
        "https://www.diplomatie.gouv.fr/fr/dossiers-pays/ukraine/evenements/article/"
        "ukraine-session-du-comite-des-ministres-du-conseil-de-l-europe-strasbourg-04-03-26",
    "gov-pl-en/article_minister-at-the-coe-cm.html":
        "https://www.gov.pl/web/diplomacy/minister-at-the-council-of-europe-committee-of-ministers",
    "kyiv-independent/article_council-of-europe-damage-claims.html":
        "https://kyivindependent.com/council-of-europe-moves-forward-with-damage-claims-commission-for-ukraine/",
    "mfa-ua-en/article_holodomor-90-comment.html":
        "https://mfa.gov.ua/en/news/komentar-mzs-ukrayini-do-90-h-rokovin-golodomoru-1932-1933-rokiv-v-ukrayini",
    "mfa-ua-uk/article_zayava-kuleba-2021-04-01.html":
        "https://mfa.gov.ua/news/zayava-ministra-zakordonnih-sprav-ukrayini-dmitra-kulebi-u-zvyazku-iz-"
        "sistemnim-zagostrennyam-rosiyeyu-bezpekovoyi-situaciyi",
    "mid-ru-en/article_1975535_en.html": "https://mid.ru/en/foreign_policy/news/1975535/",
    "mid-ru-ru/article_comment_full_response.html": "https://mid.ru/ru/foreign_policy/news/1975354/",
    "rferl-en/article_33691234.html":
        "https://www.rferl.org/a/council-of-europe-special-tribunal-aggression-ukraine/33691234.html",
    "tass-en/article_politics_2078253.html": "https://tass.com/politics/2078253",
    "ukrinform-en/article_4170981.html":
        "https://www.ukrinform.net/rubric-polytics/4170981-council-of-europe-committee-of-ministers-adopts-"
        "decisions-on-russias-aggression-against-ukraine.html",
    "ukrinform-uk/article_4170982.html":
        "https://www.ukrinform.ua/rubric-polytics/4170982-komitet-ministriv-radi-evropi-uhvaliv-rishenna-"
        "sodo-agresii-rosii-proti-ukraini.html",
    "united24-en/article_vatican-stamp-16323.html":
        "https://united24media.com/latest-news/vatican-issued-special-stamp-marking-anniversary-of-war-in-ukraine-16323",
    "challenges/not_a_challenge_article_with_noscript.html": "https://mfa.gov.ua/en/news/strasbourg",
}
_SOURCE_OF_FOLDER = {"challenges": "mfa-ua-en"}


def saved_pages() -> list[SavedPage]:
    """Every saved real HTML page that is an article or a listing (challenge pages are neither)."""
    pages = []
    for name, url in _LISTING_URLS.items():
        folder = name.split("/")[0]
        pages.append(SavedPage(FIXTURES / name, url, _SOURCE_OF_FOLDER.get(folder, folder), True))
    for name, url in _ARTICLE_URLS.items():
        folder = name.split("/")[0]
        pages.append(SavedPage(FIXTURES / name, url, _SOURCE_OF_FOLDER.get(folder, folder), False))
    # mid.ru pages as the browser rendered them (../shared/fixtures/README.md): ids from their print links.
    shared_ids = {"09-10-2024_6": "1975319", "10-10-2024_1": "1975354", "10-10-2024_7": "1975519",
                  "10-10-2024_8": "1975535"}
    for path in sorted((SHARED_FIXTURES / "mid.ru").glob("*.html")):
        day = path.stem.removeprefix("ru_foreign_policy_news__")
        pages.append(SavedPage(path, f"https://mid.ru/ru/foreign_policy/news/{shared_ids.get(day, '1')}/",
                               "mid-ru-ru", False))
    return pages


def unlisted_saved_pages() -> list[Path]:
    """Saved HTML pages the catalogue does not name (a new fixture must be added to it)."""
    named = {p.path.resolve() for p in saved_pages()}
    every = list(FIXTURES.glob("*/*.html")) + list((SHARED_FIXTURES / "mid.ru").glob("*.html"))
    return sorted(p for p in every if p.resolve() not in named and p.parent.name != "challenges")


def demo_pages(site) -> list[tuple[str, bool]]:
    """(path, is a listing) of every HTML page the running demo site serves (feeds and sitemap left out)."""
    paths = [(item.path, False) for item in site.statements]
    paths += [("/mfa/", True), ("/mfa/news", True)]
    for lang in ("en", "fr"):
        paths += [(f"/coe/{lang}/web/portal/newsroom", True), (f"/coe/{lang}/web/portal/newsroom?delta=5&start=1", True),
                  ]
    paths += [("/coe/en/web/portal/newsroom?delta=5&start=2", True)]
    return paths
