"""Lexicon `re:` terms that would backtrack catastrophically are refused on load, in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.lexicon import backtracking_risk, load_lexicon, parse_lexicon
from spiders.errors import LexiconError


def lexicon_with(term: str) -> dict:
    return {"settings": {"languages": ["en"], "root_tag": "coe"},
            "tags": {"coe": {"kind": "org", "terms": {"en": ["council of europe", term]}}}}


@pytest.mark.parametrize("pattern", [
    r"(\w+ ?)+!",
    r"(a+)+b",
    r"(?:\w+\s?)*convention",
    r"(a|aa)+b",
    r"(x+x+)+y",
])
def test_catastrophic_pattern_is_a_lexicon_error(pattern):
    with pytest.raises(LexiconError, match="catastrophic backtracking"):
        parse_lexicon(lexicon_with("re:" + pattern), Path("lexicon.toml"))


def test_error_names_the_place_and_pattern():
    with pytest.raises(LexiconError) as err:
        parse_lexicon(lexicon_with(r"re:(a+)+b"), Path("lexicon.toml"))
    assert str(err.value).startswith("lexicon.toml: tags.coe.terms.en: regular expression '(a+)+b' nests a repeat")


@pytest.mark.parametrize("pattern", [
    r"european (?:outline )?convention (?:on|for) [\w' -]{3,60}",
    r"denounc\w* (?:the |its |of the )?(?:\w+ ){0,3}(?:convention|charter|treaty)",
    r"finds? (?:no )?violations?",
    r"article \d+ of the convention",
])
def test_ordinary_patterns_pass(pattern):
    assert backtracking_risk(pattern) is None


def test_shipped_lexicon_passes():
    assert load_lexicon().term_count > 100
