import pytest

from pipelines.dedup import canonical_url, fingerprint


@pytest.mark.parametrize(
    "url, expected",
    [
        (
            "https://www.coe.int/en/web/portal/-/russia-ceases?p_l_back_url=%2Fen%2Fweb%2Fportal%2Fnewsroom",
            "https://coe.int/en/web/portal/-/russia-ceases",
        ),
        ("https://mid.ru/ru/foreign_policy/news/1975354/#top", "https://mid.ru/ru/foreign_policy/news/1975354"),
        ("HTTPS://Mid.RU:443/ru/x/?utm_source=tg&b=2&a=1", "https://mid.ru/ru/x?a=1&b=2"),
        ("http://127.0.0.1:8765/news/1/?fbclid=x", "https://127.0.0.1:8765/news/1"),
        ("https://mid.ru/ru/foreign_policy/news/1975535/?lang=en", "https://mid.ru/ru/foreign_policy/news/1975535?lang=en"),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


LONG = "The Committee of Ministers decided that the Russian Federation ceases to be a member. " * 4


def test_fingerprint_ignores_typography_and_spacing():
    a = fingerprint("T", LONG)
    b = fingerprint("Other title", LONG.replace(" ", "  ").upper().replace("-", "\u2013"))
    assert a == b


def test_fingerprint_differs_on_words():
    assert fingerprint("T", LONG) != fingerprint("T", LONG.replace("ceases", "remains"))


def test_short_text_fingerprint_includes_title():
    assert fingerprint("Title one", "Short lead.") != fingerprint("Title two", "Short lead.")
