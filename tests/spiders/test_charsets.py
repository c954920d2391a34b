"""Pages and feeds that declare no charset: UTF-8 when it is, else the detector decides."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, TextResponse

from spiders.charsets import feed_bytes, undeclared_charset, with_detected_charset

RU = ("Заявление МИД России о ситуации вокруг Совета Европы. Министерство иностранных дел "
      "выражает глубокую озабоченность решением Парламентской ассамблеи.")
UK = "Заява МЗС України щодо рішення Комітету міністрів Ради Європи про виключення Росії."
PAGE = "<html><head><title>t</title>{meta}</head><body><h1>{text}</h1><p>{text}</p></body></html>"


def page(text: str, encoding: str, meta: str = "") -> bytes:
    return PAGE.format(meta=meta, text=text).encode(encoding)


@pytest.mark.parametrize(("text", "encoding", "detected"), [
    (RU, "cp1251", "cp1251"),
    (RU, "koi8-r", "koi8_r"),
    (UK, "cp1251", "cp1251"),
    (RU, "utf-8", None),
])
def test_undeclared_pages(text, encoding, detected):
    assert undeclared_charset("text/html", page(text, encoding)) == detected


@pytest.mark.parametrize(("content_type", "meta"), [
    ("text/html; charset=koi8-r", ""),
    ("text/html", '<meta charset="koi8-r">'),
    ("text/html", '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'),
])
def test_a_declared_charset_is_never_second_guessed(content_type, meta):
    assert undeclared_charset(content_type, page(RU, "koi8-r", meta)) is None


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
def test_html_response_is_read_with_the_detected_charset(encoding):
    response = HtmlResponse("https://x.example/", body=page(RU, encoding), headers={"Content-Type": "text/html"})
    assert RU in with_detected_charset(response).text


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
def test_undeclared_feed_is_re_encoded_as_utf8(encoding):
    feed = f'<?xml version="1.0"?><rss><channel><item><title>{RU}</title></item></channel></rss>'
    response = TextResponse("https://x.example/rss", body=feed.encode(encoding),
                            headers={"Content-Type": "application/rss+xml"})
    body, content_type = feed_bytes(response)
    assert (RU in body.decode("utf-8"), content_type) == (True, "application/rss+xml; charset=utf-8")


def test_feed_declaring_its_encoding_is_left_to_feedparser():
    feed = f'<?xml version="1.0" encoding="windows-1251"?><rss><channel><title>{RU}</title></channel></rss>'
    response = TextResponse("https://x.example/rss", body=feed.encode("cp1251"),
                            headers={"Content-Type": "application/rss+xml"})
    assert feed_bytes(response) == (response.body, "application/rss+xml")
