"""The story-linking evaluation set (tests/data/stories): real pairs of public texts, checked for shape.

Each line pairs two passages copied verbatim from public pages, each with its own address, and
says how they relate: `same` (one text republished), `translation` (language versions of one
statement), `coverage` (a report quoting or retelling a statement) or `none` (different events
that share actors, bodies or instruments). The linker's precision and recall are measured on it;
the test part is held out, so it must share no passage with the dev part.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from urllib.parse import urlsplit

import pytest

from tests.paths import DATA

STORIES = DATA / "stories"
PARTS = ("dev", "test")
RELATIONS = ("same", "translation", "coverage", "none")
LANGUAGES = ("en", "fr", "uk", "ru", "de")
SIDE_KEYS = {"source", "language", "published_at", "title", "text"}
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
LATIN = re.compile(r"[A-Za-z]")


def _load(part: str) -> list[dict]:
    path = STORIES / f"{part}.jsonl"
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"{path.name}:{number} is blank"
        record = json.loads(line)
        assert isinstance(record, dict), f"{path.name}:{number} is not an object"
        record["_where"] = f"{path.name}:{number}"
        pairs.append(record)
    return pairs


DATASET = {part: _load(part) for part in PARTS}
ALL_PAIRS = [pair for part in PARTS for pair in DATASET[part]]


def _sides(pairs):
    for pair in pairs:
        yield pair["_where"], pair["a"]
        yield pair["_where"], pair["b"]


def _passage_key(side: dict) -> tuple[str, str]:
    return side["source"], " ".join(side["text"].split())


def _pair_key(pair: dict) -> frozenset:
    return frozenset((_passage_key(pair["a"]), _passage_key(pair["b"])))


def test_each_part_has_pairs_with_exactly_the_documented_fields():
    for part in PARTS:
        assert DATASET[part], part
        for pair in DATASET[part]:
            assert set(pair) - {"_where"} == {"a", "b", "relation", "note"}, pair["_where"]
            assert pair["relation"] in RELATIONS, pair["_where"]
            assert isinstance(pair["note"], str) and pair["note"].strip(), pair["_where"]
            for side in (pair["a"], pair["b"]):
                assert set(side) == SIDE_KEYS, pair["_where"]


@pytest.mark.parametrize("part", PARTS)
def test_every_side_cites_an_http_source_and_carries_real_text(part):
    for where, side in _sides(DATASET[part]):
        url = urlsplit(side["source"])
        assert url.scheme in ("http", "https") and url.netloc, where
        assert side["language"] in LANGUAGES, where
        assert isinstance(side["title"], str), where
        text = side["text"]
        assert isinstance(text, str) and text == text.strip(), where
        assert 200 <= len(text) <= 2000, (where, len(text))


@pytest.mark.parametrize("part", PARTS)
def test_publication_times_are_none_or_iso_with_an_offset(part):
    for where, side in _sides(DATASET[part]):
        value = side["published_at"]
        if value is None:
            continue
        stamp = datetime.fromisoformat(value)
        assert stamp.tzinfo is not None, (where, value)
        assert 2000 <= stamp.year <= 2030, (where, value)


def test_the_script_of_each_passage_matches_its_language():
    for where, side in _sides(ALL_PAIRS):
        text, language = side["text"], side["language"]
        cyrillic, latin = len(CYRILLIC.findall(text)), len(LATIN.findall(text))
        if language in ("uk", "ru"):
            assert cyrillic > latin, where
        else:
            assert latin > cyrillic, where
        if language == "uk":
            assert re.search("[іїєґІЇЄҐ]", text), where
        if language == "ru":
            assert re.search("[ыэъЫЭЪ]", text) and not re.search("[їєґЇЄҐ]", text), where


def test_a_pair_joins_two_different_places_and_relations_fit_their_languages():
    for pair in ALL_PAIRS:
        a, b = pair["a"], pair["b"]
        assert a["source"] != b["source"], pair["_where"]
        assert _passage_key(a) != _passage_key(b), pair["_where"]
        if pair["relation"] == "translation":
            assert a["language"] != b["language"], pair["_where"]
        if pair["relation"] == "same":
            assert a["language"] == b["language"], pair["_where"]


def test_no_pair_is_listed_twice_or_in_both_parts():
    keys = {part: [_pair_key(pair) for pair in DATASET[part]] for part in PARTS}
    for part in PARTS:
        assert len(keys[part]) == len(set(keys[part])), f"duplicate pair in {part}"
    assert not set(keys["dev"]) & set(keys["test"])


def test_the_held_out_part_shares_no_passage_with_dev():
    dev = {_passage_key(side) for _, side in _sides(DATASET["dev"])}
    test = {_passage_key(side) for _, side in _sides(DATASET["test"])}
    assert not dev & test


def test_size_split_and_balance_of_relations():
    total = len(ALL_PAIRS)
    assert 60 <= total <= 100
    assert 0.3 <= len(DATASET["dev"]) / total <= 0.5
    counts = Counter(pair["relation"] for pair in ALL_PAIRS)
    for relation in RELATIONS:
        assert counts[relation] >= 10, counts
    assert counts["none"] / total >= 0.40, counts
    for part in PARTS:
        part_counts = Counter(pair["relation"] for pair in DATASET[part])
        assert part_counts["none"] / len(DATASET[part]) >= 0.40, (part, part_counts)
        assert all(part_counts[relation] >= 3 for relation in RELATIONS), (part, part_counts)


def test_every_core_language_appears():
    languages = Counter(side["language"] for _, side in _sides(ALL_PAIRS))
    for language in LANGUAGES:
        assert languages[language] >= 10, languages
