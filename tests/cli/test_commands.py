"""The command line as a user meets it: one-line errors, formats, exit codes."""

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from pipelines.db import open_db
from pipelines.dedup import canonical_url, fingerprint
from scheduler.cli import cli
from spiders.items import Statement
from spiders.sources import Source
from tests.paths import FIXTURES


def invoke(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env or {}, catch_exceptions=False)


@pytest.fixture
def filled_db(tmp_path):
    path = tmp_path / "c.db"
    store = open_db(path)
    store.upsert_sources([Source(id="src", name="Src", publisher="news", country="UA", language="en",
                                 spider="feed", feed_urls=("https://example.org/rss",))])
    for n, (title, text) in enumerate([
        ("CPT publishes report", "The European Committee for the Prevention of Torture (CPT) published a report. " * 3),
        ("UN committee on torture", "The UN Committee against Torture reviewed a state report. " * 3),
        ("Grain deal", "Grain exports continued through the Black Sea. " * 3),
    ], 1):
        st = Statement(source="src", url=f"https://example.org/{n}", title=title, text=text, language="en",
                       kind="news", published_at=datetime(2025, 1, n, 12, tzinfo=ZoneInfo("Europe/Kyiv")),
                       fetched_at=datetime.now(UTC))
        st.canonical_url, st.fingerprint = canonical_url(st.url), fingerprint(title, text)
        if n == 1:
            from pipelines.tagging import tag
            st.tags = tag(st.text, "en", title=st.title)
        store.save(st)
    store.close()
    return path


def test_search_json_has_the_promised_fields(filled_db):
    result = invoke("search", "torture", "--format", "json", "--db", str(filled_db))
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert [r["title"] for r in rows] == ["UN committee on torture", "CPT publishes report"]
    for key in ("id", "source", "url", "title", "published_at", "language", "tags"):
        assert key in rows[0]
    assert "coe" in rows[1]["tags"] and rows[0]["tags"] == []


def test_search_reads_db_from_environment(filled_db):
    result = invoke("search", "--tag", "coe", "--format", "csv", env={"COMMUNIQUE_DB": str(filled_db)})
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("id,source,url,title")
    assert len(lines) == 2 and "CPT publishes report" in lines[1]


def test_search_table_and_filters(filled_db):
    result = invoke("search", "--since", "2025-01-02", "--until", "2025-01-03", "--db", str(filled_db))
    assert "UN committee on torture" in result.output and "Grain" not in result.output
    tagged = invoke("search", "--tag", "coe", "--db", str(filled_db)).output
    assert "CPT publishes report" in tagged and "↳ The European Committee for the Prevention of Torture" in tagged
    bad = CliRunner().invoke(cli, ["search", "--since", "yesterday-ish", "--db", str(filled_db)])
    assert bad.exit_code != 0 and "--since" in bad.output and "Traceback" not in bad.output


def test_show(filled_db):
    result = invoke("show", "1", "--db", str(filled_db))
    assert result.exit_code == 0
    assert "CPT publishes report" in result.output and "seen at https://example.org/1" in result.output
    assert "coe" in result.output
    missing = CliRunner().invoke(cli, ["show", "99", "--db", str(filled_db)])
    assert missing.exit_code == 1 and "no statement with id 99" in missing.output


def test_invalid_registry_is_one_line(tmp_path):
    reg = tmp_path / "s.toml"
    reg.write_text('[[source]]\nid = "x"\nname = "X"\npublisher = "ministry"\ncountry = "X"\nlanguage = "en"\n'
                   'spider = "feed"\nfeed_urls = ["not a url"]\n')
    result = CliRunner().invoke(cli, ["crawl", "--sources", str(reg), "--db", str(tmp_path / "c.db")])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert str(reg) in result.output and "feed_urls" in result.output
    assert "Traceback" not in result.output


def test_unwritable_database_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(cli, ["crawl", "mid-ru-ru", "--db", str(blocker / "c.db")])
    assert result.exit_code == 1
    assert "cannot open database" in result.output and "Traceback" not in result.output


def test_unknown_source(tmp_path):
    result = CliRunner().invoke(cli, ["crawl", "no-such-source", "--db", str(tmp_path / "c.db")])
    assert result.exit_code == 1 and "unknown source 'no-such-source'" in result.output


def test_sources_lists_registry(tmp_path):
    result = invoke("sources", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 0
    assert "mid-ru-ru" in result.output and "never crawled" in result.output


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "challenges").glob("*.html")
                                        if not p.name.startswith("not_")))
def test_extract_reports_challenge_pages_as_blocked(name):
    result = CliRunner().invoke(cli, ["extract", str(FIXTURES / "challenges" / name), "--url",
                                      "https://mid.ru/ru/foreign_policy/news/1/", "--source", "mid-ru-ru"])
    assert result.exit_code == 3
    assert result.output.startswith("blocked:")


def test_show_quotes_evidence_with_its_briefing_section(tmp_path):
    from pipelines.normalize import normalize
    from pipelines.tagging import tag

    path = tmp_path / "b.db"
    store = open_db(path)
    store.upsert_sources([Source(id="mid", name="MID", publisher="ministry", country="RU", language="ru",
                                 spider="mid", feed_urls=("https://mid.ru/ru/rss.php",))])
    text = ("СОДЕРЖАНИЕ\n\nО ситуации в Ливане\nО Совете Европы\n\nО ситуации в Ливане\n\n"
            + "Продолжаем следить за развитием событий в регионе. " * 5
            + "\n\nВопрос: Как Вы оцените решение Совета Европы о регистре ущерба?\n\n"
            + "Ответ: Мы не признаём решений Совета Европы, из которого Россия вышла в 2022 году.")
    st = Statement(source="mid", url="https://mid.ru/ru/foreign_policy/news/1/", title="Брифинг", text=text,
                   language="ru", kind="briefing", fetched_at=datetime.now(UTC),
                   extra={"sections": [
                       {"anchor": "1", "title": "О ситуации в Ливане", "qa": False, "starts_with": "О ситуации в Ливане"},
                       {"anchor": "15", "title": "О Совете Европы", "qa": True,
                        "starts_with": "Вопрос: Как Вы оцените решение Совета Европы"}]})
    st = normalize(st)
    st.canonical_url, st.fingerprint = canonical_url(st.url), fingerprint(st.title, st.text)
    st.tags = tag(st.text, "ru", title=st.title)
    store.save(st)
    store.close()
    out = invoke("show", "1", "--db", str(path)).output
    assert "[Q&A #15: О Совете Европы]" in out
    assert "[topic #1" not in out


def test_reading_commands_do_not_create_a_database(tmp_path):
    missing = tmp_path / "nowhere" / "c.db"
    for args in (["search", "torture"], ["show", "1"]):
        result = CliRunner().invoke(cli, [*args, "--db", str(missing)])
        assert result.exit_code == 1 and "no database at" in result.output
    assert not missing.exists()


def test_extract_feed_with_bom_and_page_in_windows_1251(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "ukrinform-en" / "rss_block-lastnews.xml").read_bytes())
    result = CliRunner().invoke(cli, ["extract", str(feed), "--url", "https://www.ukrinform.net/rss/block-lastnews",
                                      "--source", "ukrinform-en"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)) == 3
    page = tmp_path / "page.html"
    page.write_bytes(('<html><head><meta charset="windows-1251"></head><body>'
                      '<div class="photo-content__item-info">10.10.2024 11:04</div>'
                      '<h1 class="photo-content__title">Заявление МИД России</h1><div class="text article-content">'
                      "<p>Текст заявления в кодировке windows-1251.</p></div></body></html>").encode("windows-1251"))
    result = CliRunner().invoke(cli, ["extract", str(page), "--url", "https://mid.ru/ru/foreign_policy/news/1/",
                                      "--source", "mid-ru-ru"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["title"] == "Заявление МИД России"
