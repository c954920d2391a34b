"""`communique extract` reads every kind of source, found by every host the registry names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.source_tools import find_source
from spiders.config import DATA_DIR
from spiders.sources import load_sources

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REGISTRY = load_sources(DATA_DIR / "sources.toml")


def extract(*args: str):
    return CliRunner().invoke(cli, ["extract", *args])


def test_govuk_content_api_json_is_read():
    result = extract(str(FIXTURES / "gov-uk-fcdo" / "content_speech.json"), "--url",
                     "https://www.gov.uk/api/content/government/speeches/uk-statement")
    assert json.loads(result.output)[0]["kind"] == "speech"


def test_govuk_content_api_statement_has_the_public_address():
    result = extract(str(FIXTURES / "gov-uk-fcdo" / "content_speech.json"), "--url",
                     "https://www.gov.uk/api/content/government/speeches/uk-statement")
    assert json.loads(result.output)[0]["url"] == "https://www.gov.uk/government/speeches/uk-statement"


def test_govuk_search_api_json_lists_its_entries():
    result = extract(str(FIXTURES / "gov-uk-fcdo" / "search.json"), "--url",
                     "https://www.gov.uk/api/search.json?filter_organisations=x")
    assert all(s["source"] == "gov-uk-fcdo" and s["published_at"] for s in json.loads(result.output))


def test_json_for_a_source_without_an_api_is_parse_failed(tmp_path):
    saved = tmp_path / "x.json"
    saved.write_text('{"title": "x"}')
    result = extract(str(saved), "--url", "https://mid.ru/ru/foreign_policy/news/1/", "--source", "mid-ru-ru")
    assert (result.exit_code, "reads no JSON API" in result.output) == (1, True)


@pytest.mark.parametrize(("url", "source"), [
    ("https://www.gov.uk/api/content/government/news/x", "gov-uk-fcdo"),  # an api_urls host
    ("https://gov.uk/government/news/x", "gov-uk-fcdo"),  # with or without www.
    ("https://mid.ru/en/foreign_policy/news/1975535/", "mid-ru-en"),  # the English edition
    ("https://mid.ru/ru/foreign_policy/news/1975535/", "mid-ru-ru"),  # the Russian edition
    ("https://unknown.example/x", None),
])
def test_find_source_by_every_host(url, source):
    found = find_source(REGISTRY, url)
    assert (found.id if found else None) == source


def test_extract_without_source_uses_the_edition():
    result = extract(str(FIXTURES / "mid-ru-en" / "article_1975535_en.html"), "--url",
                     "https://www.mid.ru/en/foreign_policy/news/1975535/")
    assert json.loads(result.output)[0]["source"] == "mid-ru-en"


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
def test_saved_page_without_charset_is_detected(tmp_path, encoding):
    text = "Министерство иностранных дел России заявляет о выходе из Совета Европы. " * 8
    saved = tmp_path / "page.html"
    saved.write_bytes(f"<html><body><article><h1>Заявление МИД России</h1><p>{text}</p></article></body></html>"
                      .encode(encoding))
    result = extract(str(saved), "--url", "https://mid.ru/ru/foreign_policy/news/1/", "--source", "mid-ru-ru")
    assert json.loads(result.output)[0]["title"] == "Заявление МИД России"
