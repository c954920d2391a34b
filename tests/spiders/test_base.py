"""What the spider base decides: the statement text cap, challenges judged on the whole answer."""

from __future__ import annotations

from pathlib import Path

from scrapy.http import HtmlResponse

from spiders.base import STAT
from spiders.extract import Article
from spiders.feed import FeedSpider
from spiders.sources import Source

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SOURCE = Source(id="t", name="T", publisher="news", country="RU", language="ru", spider="feed",
                feed_urls=("https://t.example/rss",))


def spider():
    reader = FeedSpider.offline(SOURCE)
    reader.max_statement_chars = 1000
    return reader


def test_long_text_is_cut_to_the_cap():
    item = spider().statement("https://t.example/1", Article(title="T", text="слово " * 1000))
    assert len(item.text) == 1000


def test_cut_records_the_original_length():
    item = spider().statement("https://t.example/1", Article(title="T", text="слово " * 1000))
    assert item.extra["truncated_from"] == 6000


def test_short_text_is_not_marked():
    item = spider().statement("https://t.example/1", Article(title="T", text="short text"))
    assert "truncated_from" not in item.extra


PARAGRAPHS = "".join(f"<p>Абзац {n} настоящей статьи о заседании Совета Европы в Страсбурге.</p>" for n in range(12))
# A real article that loads reCAPTCHA for its comment form and Cloudflare's injected script,
# with enough scripts in its head that its first 20 KB show little text.
TASS_LIKE = ("<html><head><title>Статья</title><script src='https://www.google.com/recaptcha/api.js'></script>"
             "<script src='/cdn-cgi/challenge-platform/scripts/jsd/main.js'></script>"
             f"<script>{'var captcha = 1;' * 1100}</script></head><body><article><h1>Заседание в Страсбурге</h1>"
             f"{PARAGRAPHS}</article><form class='comments'>captcha</form></body></html>")


def test_real_article_loading_captcha_scripts_is_read():
    reader = spider()
    items = list(reader.parse_article(HtmlResponse("https://t.example/a", body=TASS_LIKE.encode())))
    assert [i.title for i in items] == ["Заседание в Страсбурге"]


def test_real_article_loading_captcha_scripts_is_not_counted_blocked():
    reader = spider()
    list(reader.parse_article(HtmlResponse("https://t.example/a", body=TASS_LIKE.encode())))
    assert reader.stats.get(STAT + "blocked", 0) == 0


def test_cloudflare_block_page_stays_blocked_though_long():
    reader = spider()
    body = (FIXTURES / "challenges" / "cloudflare_403_blocked.html").read_bytes()
    list(reader.parse_article(HtmlResponse("https://t.example/a", body=body)))
    assert reader.stats.get(STAT + "blocked") == 1
