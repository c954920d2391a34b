"""A page's other language versions, from <link rel="alternate" hreflang> (spiders/extract.py)."""

from spiders.extract import extract_article
from spiders.sources import Source

SOURCE = Source(id="x", name="X", publisher="ministry", country="UA", language="en", spider="listing",
                listing_urls=("https://mfa.example/en/news",))


def page(head: str) -> str:
    return (f'<html lang="en"><head><title>T</title>{head}</head><body><h1>Statement</h1>'
            "<article><p>" + "The Ministry welcomes the decision of the Committee of Ministers. " * 5
            + "</p></article></body></html>")


def test_alternates_become_translation_links():
    art = extract_article(page(
        '<link rel="alternate" hreflang="uk" href="/news/statement">'
        '<link rel="alternate" hreflang="fr-FR" href="https://mfa.example/fr/news/statement">'
        '<link rel="alternate" hreflang="en" href="https://mfa.example/en/news/statement">'
        '<link rel="alternate" hreflang="x-default" href="https://mfa.example/news/statement">'
        '<link rel="canonical" hreflang="de" href="https://mfa.example/de/news/statement">'
        '<link rel="alternate" hreflang="ru" href="javascript:alert(1)">'),
        "https://mfa.example/en/news/statement", SOURCE)
    assert art.extra["translations"] == {"uk": "https://mfa.example/news/statement",
                                         "fr": "https://mfa.example/fr/news/statement"}


def test_a_page_without_alternates_has_no_translation_links():
    art = extract_article(page(""), "https://mfa.example/en/news/statement", SOURCE)
    assert "translations" not in art.extra
