from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from parsel import Selector

from spiders.dates import date_from_metadata, parse_date

MSK = ZoneInfo("Europe/Moscow")
# Dates are judged against now (a date in the future is no publication date): freeze it.
NOW = datetime(2026, 11, 29, 9, 0, tzinfo=ZoneInfo("UTC"))
pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield
KYIV = ZoneInfo("Europe/Kyiv")
PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    "text, zone, formats, languages, expected",
    [
        ("10.10.2024 11:04", MSK, ("%d.%m.%Y %H:%M",), ("ru",), "2024-10-10T11:04:00+03:00"),
        ("  10.10.2024\n 11:04 ", MSK, ("%d.%m.%Y %H:%M",), ("ru",), "2024-10-10T11:04:00+03:00"),
        ("Опубліковано 01 квітня 2021 року о 18:31", KYIV, (), ("uk",), "2021-04-01T18:31:00+03:00"),
        ("9 октября 2024 года", MSK, (), ("ru",), "2024-10-09T00:00:00+03:00"),
        ("Feb 27, 2026 10:13", KYIV, ("%b %d, %Y %H:%M",), ("en",), "2026-02-27T10:13:00+02:00"),
        # Day first: 03.04 is the 3rd of April, never March 4th.
        ("03.04.2025", PARIS, (), ("fr",), "2025-04-03T00:00:00+02:00"),
        ("03/04/2025", KYIV, (), ("en",), "2025-04-03T00:00:00+03:00"),
        ("12 mars 2025", PARIS, (), ("fr",), "2025-03-12T00:00:00+01:00"),
        ("Wed, 26 Aug 2026 12:40:00 +0300", MSK, (), ("ru",), "2026-08-26T12:40:00+03:00"),
        ("2026-08-26T10:15:00+03:00", MSK, (), ("ru",), "2026-08-26T10:15:00+03:00"),
        ("2024-10-10T08:04:00Z", MSK, (), (), "2024-10-10T11:04:00+03:00"),
        ("Published 12 March 2025 at 10:00", KYIV, (), ("en",), "2025-03-12T10:00:00+02:00"),
    ],
)
def test_parse_date(text, zone, formats, languages, expected):
    found = parse_date(text, zone=zone, formats=formats, languages=languages)
    assert found is not None
    assert found.isoformat() == expected
    assert found.tzinfo is not None


@pytest.mark.parametrize("text", ["", None, "Read more", "Брифинг", "October"])
def test_parse_date_without_a_date(text):
    assert parse_date(text, zone=KYIV, languages=("en", "ru")) is None


def test_metadata_dates():
    html = """<html><head><meta property="article:published_time" content="2025-06-25T14:00:00+02:00"></head>
    <body><time datetime="2020-01-01">old</time></body></html>"""
    assert date_from_metadata(Selector(text=html), PARIS) == datetime(2025, 6, 25, 14, tzinfo=PARIS)


def test_jsonld_date():
    html = """<html><head><script type="application/ld+json">
    {"@context": "https://schema.org", "@graph": [{"@type": "NewsArticle", "datePublished": "2023-05-17T09:30:00Z"}]}
    </script></head><body></body></html>"""
    assert date_from_metadata(Selector(text=html), PARIS).isoformat() == "2023-05-17T11:30:00+02:00"


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("2026-11-29T08:00:00Z", False),  # an hour ago
        ("2026-11-30T12:00:00Z", False),  # tomorrow: within the slack for clocks and zones
        ("2026-12-05T12:00:00Z", True),  # next week: a typo or a scheduled post, not a publication date
        ("0001-01-01T00:00:00Z", True),  # a CMS placeholder
        ("1989-12-31T00:00:00Z", True),
    ],
)
def test_implausible_dates_are_refused(text, refused):
    assert (parse_date(text, zone=PARIS) is None) is refused


def test_a_date_without_a_year_is_this_year():
    found = parse_date("12 mars", zone=PARIS, languages=("fr",))
    assert found is None or found.year == NOW.year
