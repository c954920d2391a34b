"""Event tags and naming variants: one rule of data/lexicon.toml (or of the event anchoring in
pipelines/tagging.py) per test, each on a real sentence from the development part
(tests/data/coe_eval/dev/, where its source address is) or from a cited public page."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.tagging import LexiconError, load_lexicon, tag
from pipelines.textnorm import normalize_text

LEX = load_lexicon()


def _tags(text: str, lang: str) -> set[str]:
    return {r.tag for r in tag(normalize_text(text), lang, lexicon=LEX)}


def _evidence(text: str, lang: str, name: str) -> list[str]:
    result = next(r for r in tag(normalize_text(text), lang, lexicon=LEX) if r.tag == name)
    return [e.term for e in result.evidence]


# ------------------------------------------------------------------ resolution: the Organisation's own acts


def test_greco_recommendations_are_not_a_resolution():
    # dev en: GRECO's recommendations are findings of a monitoring body, not an adopted text
    text = (
        "“National authorities are often too slow to implement GRECO´s recommendations. Creating rules and "
        "regulations is not enough. They are of little value if they are not implemented in practice in a "
        "vigorous way”, he added."
    )
    assert _tags(text, "en") == {"coe", "greco"}


def test_a_declaration_of_the_committee_of_ministers_is_a_resolution():
    text = (
        "The Committee of Ministers at Deputies’ level has closely followed the crisis in Ukraine since its "
        "very beginning. On 10 December 2013, it adopted a Declaration calling for dialogue among all "
        "political forces in Ukraine, urging them to resolve the ongoing crisis with mutual consideration "
        "and through democratic and peaceful means."
    )
    assert "resolution" in _tags(text, "en")
    assert _evidence(text, "en", "resolution") == ["Declaration"]


def test_a_french_statement_is_not_a_declaration_event():
    # dev fr: « ont fait la déclaration suivante » is a statement, not an adopted declaration
    text = (
        "Le ministre italien des Affaires étrangères et de la Coopération internationale et Président du "
        "Comité des Ministres du Conseil de l'Europe, Luigi Di Maio, le Président de l’Assemblée "
        "parlementaire du Conseil de l'Europe, Tiny Kox, et la Secrétaire Générale du Conseil de l'Europe, "
        "Marija Pejčinović Burić, ont fait la déclaration suivante :"
    )
    assert "resolution" not in _tags(text, "fr")


def test_un_resolution_is_a_look_alike_but_the_assemblys_resolution_counts():
    # dev uk: a UN General Assembly resolution and PACE resolution 2433 in one sentence
    text = (
        "Міжнародна спільнота визнала агресію рф проти України протиправною та засудила на рівні Резолюції "
        "Генеральної Асамблеї ООН ES-11/1 «Агресія проти України»[3]; резолюцій Парламентської Асамблеї Ради "
        "Європи 2433 (2022) «Наслідки продовження агресії Російської Федерації проти України: роль і "
        "відповідь Ради Європи»[4]"
    )
    assert "resolution" in _tags(text, "uk")
    assert _evidence(text, "uk", "resolution") == ["резолюцій"]


def test_un_general_assembly_resolution_beside_the_assembly_is_not_a_resolution():
    # dev en (PACE draft opinion, Doc. 16270): the only resolution named is the UN General Assembly's
    text = (
        "The Parliamentary Assembly considers that the Russian Federation must bear the legal consequences "
        "of all of its internationally wrongful acts. These include violations of the European Convention on "
        "Human Rights (ETS No. 5) committed until 16 September 2022. This is in accordance with the "
        "principles of State responsibility under international law and in line with the United Nations "
        "General Assembly Resolution ES-11/5 of 14 November 2022."
    )
    assert _tags(text, "en") == {"coe", "pace", "echr_convention"}


# ------------------------------------------------------------------ judgment: "decision" needs the Court


def test_a_decision_near_the_convention_alone_is_not_a_judgment():
    # dev ru: Russia's "considered decision" to leave; the Convention is named, the Court is not
    text = (
        "Напомним, в марте глава российской делегации в ПАСЕ Петр Толстой заявил, что Россия выходит из "
        "Совета Европы по собственной воле, это обдуманное и взвешенное решение. При этом Москва будет "
        "вынуждена денонсировать и Европейскую конвенцию по правам человека."
    )
    tags = _tags(text, "ru")
    assert "judgment" not in tags and "withdrawal" in tags


def test_decisions_of_the_court_are_judgments():
    # dev uk: the plural genitive «рішень» next to ЄСПЛ
    text = (
        "Цей розділ містить стислі виклади рішень ЄСПЛ у справах проти України, починаючи з 01.01.2018 р. "
        "Також ви знайдете стислий огляд рішень ЄСПЛ, актуальних для правової системи України."
    )
    assert _tags(text, "uk") == {"coe", "echr_court", "judgment"}


# ------------------------------------------------------------------ withdrawal, expulsion, accession


def test_troops_withdrawn_are_not_a_withdrawal_from_the_organisation():
    # https://en.censor.net.ua/news/303160/council_of_europe_acknowledges_russian_troops_in_ukraine
    text = "The Committee of Ministers also urged Moscow to withdraw its troops from the territory of Ukraine."
    assert _tags(text, "en") == {"coe", "committee_of_ministers"}


def test_ending_membership_and_ceasing_to_be_a_party_are_withdrawals():
    # https://tass.com/politics/2078253 and the Committee of Ministers' press release of 23 March 2022
    tass = (
        "\"It looks like the Council of Europe is trying day after day to confirm that our decision to "
        "terminate Russia’s membership in this organization was right.\""
    )
    coe = (
        "Following its expulsion from the Council of Europe on 16 March 2022, the Russian Federation will "
        "cease to be a High Contracting Party to the European Convention on Human Rights on 16 September 2022."
    )
    assert "withdrawal" in _tags(tass, "en")
    assert {"withdrawal", "expulsion"} <= _tags(coe, "en")


def test_french_exit_from_the_council_is_a_withdrawal():
    text = "La sortie de la Russie du Conseil de l’Europe, suivie de l’élection d’un gouvernement d’extrême droite en Italie"
    assert "withdrawal" in _tags(text, "fr")


def test_russian_joining_is_an_accession_but_entry_into_force_is_not():
    joined = (
        "К 20-летней годовщине вступления России в Совет Европы (СЕ), которая будет отмечаться 28 февраля, "
        "в Москве и Страсбурге подходят без особой торжественности."
    )
    assert "accession" in _tags(joined, "ru")
    # the look-alike: «вступление в силу» (entry into force) of a Council of Europe convention
    assert "accession" not in _tags("Вступление в силу Конвенции Совета Европы о защите детей.", "ru")


def test_signatory_states_are_not_a_signature():
    # dev de: «Unterzeichnerstaaten» describes the Court's reach, no state signs anything
    text = (
        "Der Europäische Gerichtshof für Menschenrechte (EGMR) ist ein auf Grundlage der Europäischen "
        "Menschenrechtskonvention (EMRK) eingerichteter Gerichtshof mit Sitz im französischen Straßburg, der "
        "Akte der Gesetzgebung, Rechtsprechung und Verwaltung in Bezug auf die Verletzung der Konvention in "
        "allen Unterzeichnerstaaten überprüft."
    )
    assert "accession" not in _tags(text, "de")


def test_future_signature_in_ukrainian_is_an_accession():
    text = (
        "У середу, 25 червня, Україна та Рада Європи підпишуть угоду про створення Спеціального трибуналу "
        "за злочин агресії Росії проти України."
    )
    assert "accession" in _tags(text, "uk")


# ------------------------------------------------------------------ naming variants


@pytest.mark.parametrize(
    "lang, text",
    [
        ("en", ("gathering at the World Forum in The Hague today to launch a new convention setting up an "
         "International Claims Commission for Ukraine.")),
        ("uk", "у вівторок ухвалила Конвенцію про заснування Міжнародної комісії з розгляду заяв для України"),
        ("fr", ("la Convention du Conseil de l’Europe établissant une commission internationale des réclamations "
         "pour l’Ukraine.")),
        ("fr", ("Le Comité des ministres du Conseil de l’Europe a approuvé le projet de Convention sur la création "
         "d’une Commission internationale pour l’examen des réclamations de l’Ukraine.")),
    ],
)
def test_claims_commission_names(lang, text):
    assert "claims_commission" in _tags(text, lang)


@pytest.mark.parametrize(
    "lang, text",
    [
        # Berset spelt «Алан» and called «президент ради» (dev uk)
        ("uk", ("Рада Європи завершила розробку попереднього проєкту Конвенції з розгляду претензій для України – "
         "про це повідомив президент ради Алан Берсе 13 вересня.")),
        # the title without "of the Council of Europe", with the name (coe.int, French)
        ("fr", ("La Secrétaire Générale, Mme Marija Pejčinović Burić, s’est engagée aujourd’hui à faire tout ce qui "
         "est en son pouvoir pour veiller à ce que les normes relatives aux droits de l’homme soient respectés "
         "dans tous les pays de l’espace couvert par le Conseil de l’Europe.")),
    ],
)
def test_secretary_general_names(lang, text):
    assert "secretary_general" in _tags(text, lang)


def test_coe_abbreviation_before_a_body_name():
    text = (
        "Before the Reykjavík Resolution, the CoE Parliamentary Assembly (Resolution 2482 (2023) had asked "
        "Member States to set up such an international compensation mechanism and a register of damage."
    )
    assert _tags(text, "en") == {"coe", "pace", "register_of_damage", "resolution"}


def test_convention_named_by_its_violations_once_the_court_is_named():
    text = (
        "In line with the Resolution of the European Court of Human Rights of 22 March 2022, the Court will "
        "deal with applications directed against Russia in relation to alleged violations of the Convention "
        "that occurred until 16 September 2022."
    )
    tags = _tags(text, "en")
    assert "echr_convention" in tags
    assert "resolution" not in tags, "a resolution of the Court is not one of the political bodies'"


# ------------------------------------------------------------------ lexicon: context_requires


def _lexicon(tmp_path: Path, extra: str):
    path = tmp_path / "lexicon.toml"
    path.write_text(
        '[settings]\nlanguages = ["en"]\n[tags.coe]\nkind = "org"\nterms.en = ["Council of Europe"]\n'
        '[tags.court]\nkind = "body"\nterms.en = ["European Court of Human Rights"]\n' + extra,
        encoding="utf-8",
    )
    return load_lexicon(path)


def test_event_context_terms_need_their_own_anchor(tmp_path):
    lex = _lexicon(
        tmp_path,
        '[tags.judgment]\nkind = "event"\ncontext_requires = ["court"]\n'
        'terms.en = ["judgment"]\ncontext.en = ["decision"]\n',
    )
    near_org = {r.tag for r in tag("The Council of Europe took a decision.", lexicon=lex)}
    near_court = {r.tag for r in tag("The European Court of Human Rights took a decision.", lexicon=lex)}
    strong = {r.tag for r in tag("The Council of Europe welcomed the judgment.", lexicon=lex)}
    assert "judgment" not in near_org and "judgment" in near_court and "judgment" in strong


@pytest.mark.parametrize(
    "extra, key",
    [
        ('[tags.ev]\nkind = "event"\ncontext_requires = ["ghost"]\nterms.en = ["x"]\n', "tags.ev.context_requires"),
        ('[tags.b]\nkind = "body"\ncontext_requires = ["court"]\nterms.en = ["x"]\n', "tags.b.context_requires"),
    ],
)
def test_context_requires_is_checked(tmp_path, extra, key):
    with pytest.raises(LexiconError) as info:
        _lexicon(tmp_path, extra)
    assert key in str(info.value)
