"""Text integrity: decode pages and feeds that declare no charset with a real detector.

A page that names its charset (HTTP header, byte-order mark, <meta charset>, XML
declaration) is decoded as it says. One that names none is UTF-8 when it decodes as
UTF-8; otherwise Scrapy and feedparser would fall back to cp1252 and store Russian or
Ukrainian text as mojibake («Çàÿâëåíèå»). There charset-normalizer decides (cp1251,
koi8-r …), for HTML (CharsetMiddleware, `communique extract`) and feeds (`feed_bytes`) alike.
"""

from __future__ import annotations

import charset_normalizer
from scrapy.http import Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

# Enough of a long page to tell its charset; detection on the whole of a 10 MB page is slow.
_SAMPLE = 256 * 1024


def declared_charset(content_type: str | None, body: bytes) -> str | None:
    """The charset the answer names itself (BOM, Content-Type header, <meta> or <?xml?>), or None."""
    bom, _ = read_bom(body)
    return bom or http_content_type_encoding(content_type) or html_body_declared_encoding(body)


def is_utf8(body: bytes) -> bool:
    """Whether body decodes as UTF-8 (a sample cut mid-character still counts)."""
    try:
        body[:_SAMPLE].decode("utf-8")
    except UnicodeDecodeError as exc:
        return len(body) > _SAMPLE and exc.start >= _SAMPLE - 4
    return True


def detect_charset(body: bytes) -> str | None:
    """The charset charset-normalizer finds most likely for body, or None."""
    best = charset_normalizer.from_bytes(body[:_SAMPLE]).best()
    return best.encoding if best else None


def undeclared_charset(content_type: str | None, body: bytes) -> str | None:
    """The detected charset of an answer that declares none and is not UTF-8; None otherwise."""
    if not body or declared_charset(content_type, body) or is_utf8(body):
        return None
    return detect_charset(body)


def with_detected_charset(response: Response) -> Response:
    """The response, re-read with the detected charset when it declares none and is not UTF-8."""
    if not isinstance(response, TextResponse):
        return response
    content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
    charset = undeclared_charset(content_type, response.body)
    return response.replace(encoding=charset) if charset else response


def feed_bytes(response: Response) -> tuple[bytes, str]:
    """(body, content type) to hand feedparser: an undeclared non-UTF-8 feed, re-encoded as UTF-8."""
    content_type = response.headers.get("Content-Type", b"").decode("latin-1")
    charset = undeclared_charset(content_type or None, response.body)
    if not charset:
        return response.body, content_type
    text = response.body.decode(charset, errors="replace")
    media = content_type.split(";")[0].strip() or "application/xml"
    return text.encode("utf-8"), f"{media}; charset=utf-8"


class CharsetMiddleware:
    """Downloader middleware: pages without a declared charset that are not UTF-8 are detected."""

    def process_response(self, request, response):
        return with_detected_charset(response)
