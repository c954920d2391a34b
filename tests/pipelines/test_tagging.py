"""The Council of Europe tagger: the table of look-alikes and traps, evidence, score,
lexicon validation and the pipeline stage."""

from __future__ import annotations

import random
import tomllib
import unicodedata
from pathlib import Path

import pytest

from pipelines.tagging import (
    ABOUT_THRESHOLD,
    Evidence,
    LexiconError,
    TagResult,
    guess_language,
    load_lexicon,
    tag,
    tag_statement,
)
from pipelines.textnorm import fold_for_matching, normalize_text
from tests.paths import DATA

CASES = tomllib.loads((DATA / "tagging_cases.toml").read_text(encoding="utf-8"))["case"]
LEX = load_lexicon()
ENTITY_TAGS = {n for n, t in LEX.tags.items() if t.kind != "event"}


def _id(case: dict) -> str:
    return f"{case['lang']}: {case['text'][:50]}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_cases_table(case):
    results = tag(normalize_text(case["text"]), case["lang"])
    got = {r.tag for r in results}
    assert got & ENTITY_TAGS == set(case["tags"])
    for event in case.get("events", []):
        assert event in got, f"event {event} missing"
    for event in case.get("no_events", []):
        assert event not in got, f"event {event} should not be there"


def test_table_covers_every_look_alike_in_every_core_language():
    untagged = {c["lang"] for c in CASES if not c["tags"]}
    traps = {c["lang"] for c in CASES if {"venice_commission", "ecri"} & set(c["tags"])}
    for lang in ("en", "uk", "ru", "fr", "de"):
        assert lang in untagged
        assert lang in traps
    assert sum(1 for c in CASES if not c["tags"]) >= 40


def test_matching_does_not_depend_on_the_declared_language():
    text = "The Parliamentary Assembly of the Council of Europe (PACE) met in Strasbourg."
    tags_by_lang = [[r.tag for r in tag(text, lang)] for lang in (None, "en", "uk", "fr")]
    assert all(t == tags_by_lang[0] for t in tags_by_lang)


def test_unrelated_and_empty_text_give_no_tags():
    assert tag("") == []
    assert tag("The minister discussed trade and energy with his counterpart.", "en") == []


# ------------------------------------------------------------------ evidence


@pytest.mark.parametrize(
    "text",
    [
        "Summary. The Committee of Ministers of the Council of Europe expelled Russia from the Council of Europe.",
        "«Рада  Європи» та ПАРЄ: Комітет міністрів Ради Європи ухвалив рішення; Радою Європи керує генсек.",
        "Le Conseil de l’Europe – et la Cour européenne des droits de l’homme (CEDH) – ont réagi.",
        "Die Türkei ist aus der Istanbul-Konvention ausgetreten; der Europarat bedauert den Austritt.",
        "EKİNCİ v. TURKEY: the European Court of Human Rights found a violation of Article 6 ECHR.",
    ],
)
def test_evidence_offsets_point_at_the_matched_text(text):
    text = normalize_text(text)
    results = tag(text)
    assert results and results[0].tag == "coe"
    for r in results:
        assert r.evidence, r.tag
        for e in r.evidence:
            assert e.field == "text"
            assert text[e.start : e.end] == e.term
            assert e.term.strip() == e.term and e.term
            assert " ".join(e.term.split()) in e.snippet
            assert len(e.snippet) <= LEX.snippet_chars + 60


def test_title_evidence_points_into_the_title():
    title = "PACE condemns the expulsion of journalists"
    text = "The Assembly adopted a text today."
    results = tag(text, "en", title=title)
    coe = results[0]
    assert coe.tag == "coe"
    ev = coe.evidence[0]
    assert ev.field == "title" and title[ev.start : ev.end] == "PACE"


def test_negative_term_claims_its_span():
    text = "UN High Commissioner for Human Rights and the Council of Europe agreed."
    results = {r.tag: r for r in tag(text, "en")}
    assert "commissioner_human_rights" not in results  # inside the negative "High Commissioner ..."
    assert [e.term for e in results["coe"].evidence] == ["Council of Europe"]


def test_longest_term_wins_and_inner_matches_are_not_repeated():
    text = "The Parliamentary Assembly of the Council of Europe met."
    results = {r.tag: r for r in tag(text, "en")}
    assert [e.term for e in results["pace"].evidence] == ["Parliamentary Assembly of the Council of Europe"]
    assert [e.term for e in results["coe"].evidence] == ["Parliamentary Assembly of the Council of Europe"]


def test_results_order_and_to_dict():
    results = tag("The Venice Commission of the Council of Europe and PACE. PACE again.", "en")
    assert results[0].tag == "coe"
    scores = [r.score for r in results[1:]]
    assert scores == sorted(scores, reverse=True)
    d = results[0].to_dict()
    assert set(d) == {"tag", "score", "evidence"}
    assert set(d["evidence"][0]) == {"term", "start", "end", "snippet", "field"}
    assert isinstance(results[0], TagResult) and isinstance(results[0].evidence[0], Evidence)


# ------------------------------------------------------------------ relevance


def test_score_separates_about_from_in_passing():
    filler = "The minister discussed trade, energy and transport with his counterpart. " * 30
    passing = filler + "He also mentioned a recent report of the Council of Europe. " + filler
    about_title = tag(filler, "en", title="Council of Europe condemns attack")
    about_body = tag(
        "The Council of Europe today condemned the attack. The Council of Europe Secretary General "
        "said the Council of Europe stands with Ukraine. " + filler,
        "en",
    )
    in_passing = tag(passing, "en")
    assert in_passing[0].tag == "coe" and in_passing[0].score < ABOUT_THRESHOLD
    assert about_title[0].score >= ABOUT_THRESHOLD
    assert about_body[0].score >= ABOUT_THRESHOLD
    assert about_title[0].score > in_passing[0].score
    for r in in_passing + about_title + about_body:
        assert 0.0 <= r.score <= 1.0


def test_events_need_the_council_of_europe_nearby():
    far = (
        "Russia withdrew from the treaty. "
        + "Unrelated text about trade. " * 40
        + "The Council of Europe met."
    )
    near = "Russia's withdrawal from the Council of Europe was completed."
    assert "withdrawal" not in {r.tag for r in tag(far, "en")}
    assert "withdrawal" in {r.tag for r in tag(near, "en")}


def test_judgment_event_needs_the_court():
    assert "judgment" not in {
        r.tag for r in tag("The Council of Europe welcomed the judgment of the ICJ.", "en")
    }
    assert "judgment" in {
        r.tag for r in tag("The European Court of Human Rights delivered its judgment.", "en")
    }


# ------------------------------------------------------------------ folding and language


def _reference_fold(text: str) -> str:
    """fold_for_matching written the slow, obvious way, from Unicode character names: one
    character at a time, so it cannot drift from what the fast version claims to do."""
    out = []
    for ch in text:
        name = unicodedata.name(ch, "")
        if "QUOTATION MARK" in name and "DOUBLE" in name:
            out.append('"')
        elif ("QUOTATION MARK" in name and "SINGLE" in name and "ANGLE" not in name) or (
            name == "MODIFIER LETTER APOSTROPHE"
        ):
            out.append("'")
        elif name in {"HYPHEN", "NON-BREAKING HYPHEN", "FIGURE DASH", "EN DASH", "EM DASH", "MINUS SIGN"}:
            out.append("-")
        elif name in {"CYRILLIC SMALL LETTER IO", "CYRILLIC CAPITAL LETTER IO"}:
            out.append("е")
        else:
            lower = ch.lower()
            out.append(lower if len(lower) == 1 else ch)  # İ lowers to two characters: kept
    return "".join(out)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("EKİNCİ “Рада” — Ёлка’s «x»", 'ekİncİ "рада" - елка\'s "x"'),
        ("plain ascii", "plain ascii"),
        ("İİ", "İİ"),
        ("ß and ẞ", "ß and ß"),
        ("„Europarat“ ‚PACE‘ ‛x‟", '"europarat" \'pace\' \'x"'),
        ("Рада Європи ухвалила – Ради ʼ Ё", "рада європи ухвалила - ради ' е"),
        ("−5 ‐ ‑ ‒", "-5 - - -"),
        ("", ""),
    ],
)
def test_fold_for_matching_table(text, expected):
    assert fold_for_matching(text) == expected
    assert len(fold_for_matching(text)) == len(text)


def test_fold_for_matching_equals_slow_reference():
    alphabet = (
        "aZ İıß ẞЁёЇїРАДАрада'\"-«»‘’‚‛“”„‟ʼ‐‑‒–—−\u2039\u203a"  # ‹ › are not folded: both sides agree
        "ÉéÇçÆæ0123456789 ,.;"
    )
    rnd = random.Random(8)
    for _ in range(500):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        assert fold_for_matching(text) == _reference_fold(text), text


@pytest.mark.parametrize(
    "text,lang",
    [
        ("Рада Європи ухвалила рішення щодо України, і це важливо.", "uk"),
        ("Совет Европы принял решение, и это был объективный выбор.", "ru"),
        ("The Council of Europe and the European Union are different organisations.", "en"),
        ("Der Europarat und die Europäische Union sind nicht dasselbe.", "de"),
        ("Le Conseil de l'Europe et l'Union européenne sont des organisations différentes.", "fr"),
    ],
)
def test_guess_language(text, lang):
    assert guess_language(text) == lang


# ------------------------------------------------------------------ lexicon validation


def _write(tmp_path, body: str) -> Path:
    path = tmp_path / "lexicon.toml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """
[settings]
languages = ["en"]
[tags.coe]
kind = "org"
terms.en = ["Council of Europe"]
"""


def test_minimal_lexicon_loads_and_tags(tmp_path):
    lex = load_lexicon(_write(tmp_path, GOOD))
    assert [r.tag for r in tag("the Council of Europe", lexicon=lex)] == ["coe"]


@pytest.mark.parametrize(
    "body,key",
    [
        (GOOD + "\n[oops]\nx = 1\n", "oops"),
        (GOOD + 'colour = "red"\n', "tags.coe.colour"),
        (GOOD + '[tags.pace]\nkind = "body"\nterms.xx = ["PACE"]\n', "tags.pace.terms.xx"),
        (GOOD + '[tags.pace]\nkind = "body"\nparent = "nope"\nterms.en = ["PACE"]\n', "tags.pace.parent"),
        (GOOD + '[tags.pace]\nkind = "thing"\nterms.en = ["PACE"]\n', "tags.pace.kind"),
        (GOOD + '[tags.pace]\nkind = "body"\nterms.en = ["re:(unclosed"]\n', "tags.pace.terms.en"),
        (GOOD + '[tags.pace]\nkind = "body"\nterms.en = ["Rad(a|y Europy"]\n', "tags.pace.terms.en"),
        (GOOD + '[tags.ev]\nkind = "event"\nrequires = ["ghost"]\nterms.en = ["x"]\n', "tags.ev.requires"),
        (GOOD + '[tags.pace]\nkind = "body"\n', "tags.pace"),
        (GOOD + '[tags.pace]\nkind = "body"\nterms.en = [""]\n', "tags.pace.terms.en"),
        (GOOD + '[tags.pace]\nkind = "body"\nabbr = ["two words"]\n', "tags.pace.abbr"),
        (GOOD.replace('languages = ["en"]', "languages = []"), "settings.languages"),
        ("[settings\n", "not valid TOML"),
    ],
)
def test_lexicon_errors_name_file_and_key(tmp_path, body, key):
    path = _write(tmp_path, body)
    with pytest.raises(LexiconError) as info:
        load_lexicon(path)
    message = str(info.value)
    assert str(path) in message and key in message
    assert "\n" not in message


def test_missing_lexicon_file(tmp_path):
    with pytest.raises(LexiconError, match="file not found"):
        load_lexicon(tmp_path / "nope.toml")


def test_default_lexicon_is_cached_and_valid():
    assert load_lexicon() is load_lexicon()
    assert LEX.root_tag == "coe"
    for name in (
        "pace",
        "committee_of_ministers",
        "secretary_general",
        "echr_court",
        "echr_convention",
        "cpt",
        "venice_commission",
        "greco",
        "ecri",
        "istanbul_convention",
        "commissioner_human_rights",
        "congress",
        "register_of_damage",
        "special_tribunal",
        "claims_commission",
        "moneyval",
        "budapest_convention",
        "lanzarote_convention",
        "minorities_convention",
        "withdrawal",
        "expulsion",
        "accession",
        "judgment",
        "resolution",
    ):
        assert name in LEX.tags, name


# ------------------------------------------------------------------ tag stage


def test_tag_stage_sets_item_tags():
    from spiders.items import Statement

    item = Statement(
        source="x",
        url="https://example.org/1",
        title="PACE session opens",
        text="The Parliamentary Assembly of the Council of Europe opened its session.",
        language="en",
    )
    out = tag_statement(item, LEX)
    assert out is item
    assert [t.tag for t in item.tags][:1] == ["coe"]
    assert "pace" in {t.tag for t in item.tags}


def test_tag_stage_uses_the_lexicon_it_is_given(tmp_path):
    from spiders.items import Statement

    small = load_lexicon(_write(tmp_path, GOOD))
    item = Statement(source="x", url="https://example.org/2", text="PACE and the Council of Europe", language="en")
    assert [t.tag for t in tag_statement(item, small).tags] == ["coe"]  # the small lexicon knows no PACE
