"""Site spiders (mid.ru, coe.int, gov.uk) on saved pages shaped like the real ones.

The four mid.ru pages are real (../shared/fixtures/mid.ru/, read in place); the tests
that need them skip cleanly when that folder is absent.
"""

import itertools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from scrapy.http import HtmlResponse, TextResponse

from pipelines.normalize import normalize
from scheduler.cli import cli
from spiders.coe import CoeSpider
from spiders.govuk import GovUkSpider
from spiders.mid import MidSpider
from spiders.sources import load_sources
from tests.paths import FIXTURES, ROOT, SHARED_FIXTURES

REGISTRY = load_sources(ROOT / "data" / "sources.toml")
MID = SHARED_FIXTURES / "mid.ru"
needs_mid = pytest.mark.skipif(not MID.is_dir(), reason="../shared/fixtures/mid.ru not present")

MID_PAGES = [
    # file, id, title start, published_at, kind, text start, text end, document number
    ("ru_foreign_policy_news__10-10-2024_1.html", "1975354",
     "О заседании в МИД России Межведомственной комиссии", "2024-10-10T11:04:00+03:00", "press_release",
     "СООБЩЕНИЕ ДЛЯ СМИ", "Очередное заседание Комиссии состоится в ноябре с.г.", "1904-10-10-2024"),
    ("ru_foreign_policy_news__10-10-2024_8.html", "1975535",
     "О встрече Министра иностранных дел Российской Федерации С.В.Лаврова", "2024-10-10T17:02:00+03:00",
     "readout", "СООБЩЕНИЕ ДЛЯ СМИ", "общую ситуацию в Азиатско-тихоокеанском регионе.", "1910-10-10-2024"),
    ("ru_foreign_policy_news__10-10-2024_7.html", "1975519",
     "Вступительное слово Министра иностранных дел Российской Федерации С.В.Лаврова",
     "2024-10-10T16:47:00+03:00", "speech", "Дорогой друг,", "так же, как вы помогаете нам.", "1909-10-10-2024"),
    ("ru_foreign_policy_news__09-10-2024_6.html", "1975319",
     "Брифинг официального представителя МИД России М.В.Захаровой, Москва, 9 октября 2024 года",
     "2024-10-09T18:16:00+03:00", "briefing", "СОДЕРЖАНИЕ", "являются подменой истинных ценностей ложными.",
     "1900-09-10-2024"),
]


def run_extract(path: Path, url: str, source: str):
    result = CliRunner().invoke(cli, ["extract", str(path), "--url", url, "--source", source, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@needs_mid
@pytest.mark.parametrize("wrap", [False, True])
@pytest.mark.parametrize("name, mid_id, title, published, kind, start, end, number", MID_PAGES)
def test_mid_real_pages_with_extract_command(tmp_path, wrap, name, mid_id, title, published, kind, start, end,
                                             number):
    page = (MID / name).read_text(encoding="utf-8")
    path = tmp_path / name
    path.write_text(f"<html><body>{page}</body></html>" if wrap else page, encoding="utf-8")
    [statement] = run_extract(path, f"https://mid.ru/ru/foreign_policy/news/{mid_id}/", "mid-ru-ru")
    assert statement["title"].startswith(title)
    assert statement["published_at"] == published
    assert statement["language"] == "ru"
    assert statement["kind"] == kind
    assert statement["text"].startswith(start)
    assert statement["text"].rstrip().removesuffix("Назад к оглавлению").rstrip().endswith(end)
    assert statement["extra"]["mid_id"] == mid_id
    assert statement["extra"]["document_number"] == number
    assert "masha" not in statement["text"]


@needs_mid
def test_mid_briefing_keeps_topic_sections():
    page = (MID / "ru_foreign_policy_news__09-10-2024_6.html").read_bytes()
    spider = MidSpider.offline(REGISTRY["mid-ru-ru"])
    response = HtmlResponse(url="https://mid.ru/ru/foreign_policy/news/1975319/", body=page, encoding="utf-8")
    [item] = list(spider.parse_article(response))
    item = normalize(item)
    sections = item.extra["sections"]
    assert len(sections) == 31  # 13 topics, 18 answers to questions
    assert [s["anchor"] for s in sections[:3]] == ["1", "2", "3"]
    ukraine = next(s for s in sections if s["title"] == "Об украинском кризисе")
    assert item.text[ukraine["start"]:].startswith("Об украинском кризисе\n\n")
    assert not ukraine["qa"]
    answers = [s for s in sections if s["qa"]]
    assert len(answers) == 18
    assert item.text[answers[0]["start"]:].startswith("Вопрос: Как бы Вы могли прокомментировать")
    # Sections follow each other without overlap, after the table of contents.
    assert all(a["end"] == b["start"] for a, b in itertools.pairwise(sections))
    assert sections[0]["start"] > item.text.index("СОДЕРЖАНИЕ")


@needs_mid
def test_mid_translation_links():
    page = (MID / "ru_foreign_policy_news__10-10-2024_8.html").read_bytes()
    spider = MidSpider.offline(REGISTRY["mid-ru-ru"])
    [item] = spider.parse_article(HtmlResponse(url="https://mid.ru/ru/foreign_policy/news/1975535/", body=page,
                                               encoding="utf-8"))
    assert item.extra["translations"]["en"] == "/ru/foreign_policy/news/1975535/?lang=en"


def test_mid_feed_yields_article_requests():
    body = (FIXTURES / "mid-ru-ru" / "rss.php.xml").read_bytes()
    spider = MidSpider.offline(REGISTRY["mid-ru-ru"])
    requests = list(spider.parse_feed(TextResponse(url="https://mid.ru/ru/rss.php", body=body, encoding="utf-8")))
    assert requests and all("/foreign_policy/news/" in r.url for r in requests)
    first = requests[0].cb_kwargs["hints"]
    assert first["published_at"].utcoffset().total_seconds() == 3 * 3600
    assert first["title"]


def test_mid_listing_fallback_page():
    body = (FIXTURES / "mid-ru-ru" / "listing_PAGEN_1-1.html").read_bytes()
    spider = MidSpider.offline(REGISTRY["mid-ru-ru"])
    response = HtmlResponse(url="https://mid.ru/ru/foreign_policy/news/?PAGEN_1=1", body=body, encoding="utf-8")
    entries = spider.listing_entries(response)
    assert len(entries) >= 3
    url, hints = entries[0]
    assert url.startswith("https://mid.ru/ru/foreign_policy/news/") and hints["title"]
    assert hints["published_at"] is not None and hints["published_at"].utcoffset().total_seconds() == 3 * 3600


def coe_listing():
    body = (FIXTURES / "coe-newsroom-en" / "newsroom_delta20_start1.html").read_bytes()
    return HtmlResponse(url="https://www.coe.int/en/web/portal/newsroom?delta=20&start=1", body=body,
                        encoding="utf-8")


def test_coe_listing_items_with_issuing_body():
    spider = CoeSpider.offline(REGISTRY["coe-newsroom-en"])
    entries = spider.listing_entries(coe_listing())
    assert len(entries) == 5
    url, hints = entries[1]
    assert url.startswith("https://www.coe.int/en/web/portal/-/russia-ceases-to-be-a-party")
    assert hints["title"] == "Russia ceases to be a Party to the European Convention on Human Rights on 16 September 2022"
    # The date of the item, not the date inside its title.
    assert hints["published_at"].isoformat() == "2022-03-23T00:00:00+01:00"
    assert hints["extra"] == {"issuing_body": "Committee of Ministers", "place": "Strasbourg"}
    assert [h["extra"]["issuing_body"] for _, h in entries] == [
        "Council of Europe", "Committee of Ministers", "Committee of Ministers", "Secretary General",
        "Parliamentary Assembly Session"]


def test_coe_article():
    spider = CoeSpider.offline(REGISTRY["coe-newsroom-en"])
    _, hints = spider.listing_entries(coe_listing())[1]
    body = (FIXTURES / "coe-newsroom-en" / "article_russia-ceases-to-be-a-party-echr.html").read_bytes()
    url = "https://www.coe.int/en/web/portal/-/russia-ceases-to-be-a-party-to-the-european-convention-of-human-rights-on-16-september-2022"
    [item] = spider.parse_article(HtmlResponse(url=url, body=body, encoding="utf-8"), hints)
    assert item.title == "Russia ceases to be a Party to the European Convention on Human Rights on 16 September 2022"
    assert item.published_at.isoformat() == "2022-03-23T00:00:00+01:00"
    assert item.text.startswith("Following its expulsion from the Council of Europe on 16 March 2022")
    assert item.text.endswith("it also remains liable for all arrears accrued at that date.")
    assert "Imprimer la page" not in item.text
    assert item.extra["issuing_body"] == "Committee of Ministers"
    assert item.language == "en"


def test_govuk_search_then_content():
    spider = GovUkSpider.offline(REGISTRY["gov-uk-fcdo"])
    search = (FIXTURES / "gov-uk-fcdo" / "search.json").read_bytes()
    api = REGISTRY["gov-uk-fcdo"].api_urls[0]
    requests = list(spider.parse_search(TextResponse(url=api, body=search, encoding="utf-8")))
    assert requests[0].url.startswith("https://www.gov.uk/api/content/government/speeches/russias-continued")
    page_url = requests[0].cb_kwargs["page_url"]
    content = (FIXTURES / "gov-uk-fcdo" / "content_speech.json").read_bytes()
    [item] = spider.parse_content(TextResponse(url=requests[0].url, body=content, encoding="utf-8"),
                                  **requests[0].cb_kwargs)
    assert item.url == page_url == "https://www.gov.uk/government/speeches/russias-continued-aggression-against-ukraine-uk-statement-to-the-council-of-europe-committee-of-ministers-march-2026"
    assert item.title.startswith("Russia's continued aggression against Ukraine: UK statement")
    assert item.published_at.isoformat() == "2026-03-04T12:15:00+00:00"
    assert item.kind == "speech"
    assert item.speaker == "Example Ambassador"
    assert item.text.startswith("Thank you, Chair.")
    assert item.text.endswith("for as long as it takes.")


@needs_mid
def test_mid_speaker_from_title():
    page = (MID / "ru_foreign_policy_news__09-10-2024_6.html").read_bytes()
    spider = MidSpider.offline(REGISTRY["mid-ru-ru"])
    [item] = spider.parse_article(HtmlResponse(url="https://mid.ru/ru/foreign_policy/news/1975319/", body=page,
                                               encoding="utf-8"))
    assert item.speaker == "Мария Захарова"
    page = (MID / "ru_foreign_policy_news__10-10-2024_7.html").read_bytes()
    [item] = spider.parse_article(HtmlResponse(url="https://mid.ru/ru/foreign_policy/news/1975519/", body=page,
                                               encoding="utf-8"))
    assert item.speaker == "Сергей Лавров"
