"""Story linking on real SQLite files: identity, near-copies, revisions, translations, coverage,
and the hard non-pairs that must stay apart."""

from datetime import UTC, datetime, timedelta

import pytest

from pipelines import nearcopy, revisions, stories
from pipelines.db import open_db
from pipelines.dedup import fingerprint
from pipelines.tagging import tag
from spiders.items import Statement
from spiders.sources import Source
from spiders.urls import canonical_url, identity_key
from tests import story_texts as T

MFA_EN = Source(id="mfa-ua-en", name="MFA of Ukraine", publisher="ministry", country="UA", language="en",
                spider="listing", listing_urls=("https://mfa.gov.ua/en/news",),
                identity=r"mfa\.gov\.ua/(?:[a-z]{2}/)?news/([^/?#]+)$")
MFA_UK = Source(id="mfa-ua-uk", name="МЗС України", publisher="ministry", country="UA", language="uk",
                spider="listing", listing_urls=("https://mfa.gov.ua/news",), identity=MFA_EN.identity)
MID = Source(id="mid-ru-en", name="MID", publisher="ministry", country="RU", language="en", spider="feed",
             feed_urls=("https://mid.ru/en/rss.php",))
UKRINFORM = Source(id="ukrinform-en", name="Ukrinform", publisher="news", country="UA", language="en",
                   spider="feed", feed_urls=("https://www.ukrinform.net/rss",))
KI = Source(id="kyiv-independent", name="Kyiv Independent", publisher="news", country="UA", language="en",
            spider="feed", feed_urls=("https://kyivindependent.com/rss",))
SOURCES = {s.id: s for s in (MFA_EN, MFA_UK, MID, UKRINFORM, KI)}
DAY = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def item(source: str, url: str, title: str, text: str, *, at: datetime = DAY, language: str = "en",
         extra: dict | None = None) -> Statement:
    st = Statement(source=source, url=url, title=title, text=text, language=language, published_at=at,
                   fetched_at=at + timedelta(minutes=5), extra=extra or {})
    st.canonical_url = canonical_url(url)
    st.fingerprint = fingerprint(title, text, at)
    st.identity_key = identity_key(url, SOURCES[source].identity) or ""
    st.tags = tag(text, language, title=title)
    return st


@pytest.fixture
def store(tmp_path):
    s = open_db(tmp_path / "stories.db")
    s.upsert_sources(SOURCES.values())
    yield s
    s.close()


def story_of(store, statement_id: int) -> int:
    return store.db.execute("SELECT story_id FROM statements WHERE id = ?", [statement_id]).fetchone()[0]


def count(store, table: str) -> int:
    return store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


STATEMENT_URL = "https://mfa.gov.ua/en/news/statement-on-the-register-of-damage"


def test_feed_and_listing_addresses_and_tracking_parameters_are_one_statement(store):
    outcome, sid = store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT))
    assert outcome == "new"
    for url in (STATEMENT_URL + "/", STATEMENT_URL + "?utm_source=facebook&fbclid=abc",
                "http://www.mfa.gov.ua/en/news/statement-on-the-register-of-damage#main", STATEMENT_URL + "?amp"):
        assert store.save(item("mfa-ua-en", url, T.STATEMENT_TITLE, T.STATEMENT)) == ("known", sid)
    assert count(store, "statements") == 1


def test_republication_with_its_own_lead_is_a_linked_sighting(store):
    _, sid = store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT))
    outcome, same = store.save(item("ukrinform-en", "https://www.ukrinform.net/rubric-polytics/4001-mfa-full-text.html",
                                    T.REPUBLICATION_TITLE, T.REPUBLICATION, at=DAY + timedelta(minutes=20)))
    assert (outcome, same) == ("sighting", sid)
    row = store.db.execute("SELECT match, similarity, title FROM sightings WHERE source = 'ukrinform-en'").fetchone()
    assert row[0] == "near-copy" and row[1] >= 0.8 and row[2] == T.REPUBLICATION_TITLE
    assert count(store, "statements") == 1


def test_republication_first_then_the_statement_is_one_statement(store):
    _, rid = store.save(item("ukrinform-en", "https://www.ukrinform.net/rubric-polytics/4001.html",
                             T.REPUBLICATION_TITLE, T.REPUBLICATION))
    assert store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT)) == ("sighting", rid)


def test_quote_and_retelling_join_the_statements_story(store):
    _, sid = store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT))
    _, qid = store.save(item("kyiv-independent", "https://kyivindependent.com/kyiv-urges-register/",
                             T.QUOTE_TITLE, T.QUOTE_REPORT, at=DAY + timedelta(hours=3)))
    _, rid = store.save(item("ukrinform-en", "https://www.ukrinform.net/rubric-polytics/4002-retold.html",
                             T.RETOLD_TITLE, T.RETOLD_REPORT, at=DAY + timedelta(hours=5)))
    assert len({sid, qid, rid}) == 3
    assert story_of(store, qid) == story_of(store, rid) == sid
    links = dict(store.db.execute("SELECT statement_id, relation FROM story_links").fetchall())
    assert links == {qid: "quote", rid: "report"}


def test_report_first_the_statement_joins_its_story_later(store):
    _, rid = store.save(item("ukrinform-en", "https://www.ukrinform.net/rubric-polytics/4002-retold.html",
                             T.RETOLD_TITLE, T.RETOLD_REPORT, at=DAY + timedelta(hours=2)))
    _, sid = store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT))
    assert story_of(store, sid) == story_of(store, rid) == rid
    roles = dict(store.db.execute("SELECT id, story_role FROM statements").fetchall())
    assert roles == {rid: "coverage", sid: "statement"}


def test_coverage_needs_the_72_hour_window(store):
    _, _sid = store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT))
    _, rid = store.save(item("ukrinform-en", "https://www.ukrinform.net/rubric-polytics/4002-retold.html",
                             T.RETOLD_TITLE, T.RETOLD_REPORT, at=DAY + timedelta(hours=80)))
    assert story_of(store, rid) == rid


def test_an_edit_is_a_revision_of_the_same_statement(store):
    _, sid = store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT))
    assert store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT_EDITED)) == ("revision", sid)
    assert count(store, "statements") == 1
    rows = store.db.execute("SELECT number, substantive, words_changed FROM revisions ORDER BY number").fetchall()
    assert rows[0] == (1, None, None) and rows[1][0] == 2 and rows[1][1] == 1 and rows[1][2] >= 20
    assert store.get_statement(sid)["text"] == T.STATEMENT_EDITED
    # the same edited text again is known; a typo fixed later is a revision, not substantive
    assert store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT_EDITED)) == ("known", sid)
    typo = T.STATEMENT_EDITED.replace("immobilised", "immobilized")
    assert store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, typo)) == ("revision", sid)
    assert store.db.execute("SELECT substantive FROM revisions WHERE number = 3").fetchone()[0] == 0


def test_a_republication_seen_again_with_other_words_does_not_rewrite_the_statement(store):
    _, sid = store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT))
    url = "https://www.ukrinform.net/rubric-polytics/4001.html"
    store.save(item("ukrinform-en", url, T.REPUBLICATION_TITLE, T.REPUBLICATION))
    assert store.save(item("ukrinform-en", url, T.REPUBLICATION_TITLE, T.REPUBLICATION + " Updated.")) == ("known", sid)
    assert count(store, "revisions") == 0


def test_english_and_ukrainian_versions_are_one_story(store):
    _, en = store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT))
    _, uk = store.save(item("mfa-ua-uk", "https://mfa.gov.ua/news/statement-on-the-register-of-damage",
                            T.STATEMENT_UK_TITLE, T.STATEMENT_UK, language="uk"))
    assert en != uk and story_of(store, uk) == en
    assert store.db.execute("SELECT relation FROM story_links WHERE statement_id = ?", [uk]).fetchone()[0] == "translation"


@pytest.mark.parametrize("english_first", [True, False])
def test_translation_links_of_a_page_join_in_either_order(store, english_first):
    """The English page names its Ukrainian version (hreflang, the site's language switch);
    whichever is stored first, the second joins its story."""
    en_url, uk_url = "https://mid.ru/en/foreign_policy/news/777778/", "https://mid.ru/uk/foreign_policy/news/777777/"
    en_item = item("mid-ru-en", en_url, T.STATEMENT_TITLE, T.STATEMENT, extra={"translations": {"uk": uk_url}})
    uk_item = item("mid-ru-en", uk_url, T.STATEMENT_UK_TITLE, T.STATEMENT_UK, language="uk")
    first, second = (en_item, uk_item) if english_first else (uk_item, en_item)
    _, a = store.save(first)
    _, b = store.save(second)
    assert a != b and story_of(store, b) == a


def test_daily_briefings_sharing_boilerplate_stay_apart(store):
    _, a = store.save(item("mid-ru-en", "https://mid.ru/en/press_service/briefings/100001/", T.BRIEFING_1_TITLE,
                           T.BRIEFING_1))
    outcome, b = store.save(item("mid-ru-en", "https://mid.ru/en/press_service/briefings/100002/",
                                 T.BRIEFING_2_TITLE, T.BRIEFING_2, at=DAY + timedelta(days=7)))
    assert outcome == "new" and a != b and story_of(store, b) == b


def test_two_statements_on_one_topic_on_different_days_stay_apart(store):
    _, a = store.save(item("mfa-ua-en", "https://mfa.gov.ua/en/news/odesa-strike", T.TOPIC_DAY1_TITLE, T.TOPIC_DAY1))
    outcome, b = store.save(item("mfa-ua-en", "https://mfa.gov.ua/en/news/black-sea-navigation",
                                 T.TOPIC_DAY2_TITLE, T.TOPIC_DAY2, at=DAY + timedelta(days=1)))
    assert outcome == "new" and story_of(store, b) == b != a


def test_unrelated_statements_of_one_week_naming_the_same_bodies_are_two_stories(store):
    _, a = store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT))
    _, b = store.save(item("mfa-ua-en", "https://mfa.gov.ua/en/news/istanbul-convention-anniversary",
                           T.UNRELATED_TITLE, T.UNRELATED, at=DAY + timedelta(days=2)))
    assert story_of(store, b) == b != a
    # and a report of the first is linked to the first, not to the other
    _, r = store.save(item("ukrinform-en", "https://www.ukrinform.net/rubric-polytics/4002-retold.html",
                           T.RETOLD_TITLE, T.RETOLD_REPORT, at=DAY + timedelta(days=2, hours=1)))
    assert story_of(store, r) == a


def test_a_report_on_another_subject_is_not_coverage(store):
    store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT))
    _, r = store.save(item("ukrinform-en", "https://www.ukrinform.net/rubric-polytics/4003.html",
                           T.UNRELATED_TITLE, T.UNRELATED, at=DAY + timedelta(hours=4)))
    assert story_of(store, r) == r


# --- the pure parts ------------------------------------------------------------------------
def test_near_copy_thresholds():
    s, r, q = (nearcopy.signature(t) for t in (T.STATEMENT, T.REPUBLICATION, T.QUOTE_REPORT))
    assert nearcopy.containment(s, r)[0] >= nearcopy.DEFAULTS.min_containment
    assert nearcopy.containment(s, q)[0] < 0.5
    b1, b2 = nearcopy.signature(T.BRIEFING_1), nearcopy.signature(T.BRIEFING_2)
    assert nearcopy.containment(b1, b2)[0] < nearcopy.DEFAULTS.min_containment
    assert nearcopy.signature("Too short to judge.") is None


def test_signature_survives_the_database_round_trip():
    s = nearcopy.signature(T.STATEMENT)
    back = nearcopy.Signature.from_blob(s.shingles, s.to_blob())
    assert back.jaccard(s) == 1.0 and back.band_hashes() == s.band_hashes()


@pytest.mark.parametrize("old, new, substantive", [
    (T.STATEMENT, T.STATEMENT_EDITED, True),
    (T.STATEMENT, T.STATEMENT_TYPO_FIX, False),
    (T.STATEMENT, T.STATEMENT.replace("\n\n", "\n\n\n"), False),
    (T.STATEMENT, T.STATEMENT.replace("thirty thousand", "forty thousand"), False),
    (T.STATEMENT, T.STATEMENT.split("\n\n", 1)[1], True),
])
def test_revision_substance(old, new, substantive):
    assert revisions.compare(old, new).substantive is substantive


def test_unified_diff_shows_the_added_paragraph():
    lines = revisions.unified_diff(T.STATEMENT, T.STATEMENT_EDITED, "revision 1", "revision 2")
    assert lines[0] == "--- revision 1" and any(line.startswith("+We also welcome") for line in lines)


def test_longest_shared_run_finds_a_quote():
    assert stories.longest_shared_run(T.QUOTE_REPORT, T.STATEMENT) >= 20
    assert stories.longest_shared_run(T.UNRELATED, T.STATEMENT) < stories.DEFAULTS.quote_words


@pytest.mark.parametrize("days", [0, 3, 30])
def test_formulaic_readouts_one_name_apart_stay_apart(store, days):
    _, a = store.save(item("mfa-ua-en", "https://mfa.gov.ua/en/news/readout-a", "Minister met the Ambassador",
                           T.READOUT.format(day=1, country="Brazil")))
    outcome, b = store.save(item("mfa-ua-en", "https://mfa.gov.ua/en/news/readout-b", "Minister met the Ambassador",
                                 T.READOUT.format(day=1 + days, country="Indonesia"), at=DAY + timedelta(days=days)))
    assert outcome == "new" and b != a


def test_the_same_text_republished_weeks_later_is_another_statement(store):
    _, a = store.save(item("mfa-ua-en", STATEMENT_URL, T.STATEMENT_TITLE, T.STATEMENT))
    outcome, b = store.save(item("ukrinform-en", "https://www.ukrinform.net/rubric-polytics/5001.html",
                                 T.REPUBLICATION_TITLE, T.REPUBLICATION, at=DAY + timedelta(days=30)))
    assert outcome == "new" and b != a
