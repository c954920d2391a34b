"""Story linking measured on the real evaluation set (tests/data/stories/, task I), when present."""

import json

import pytest

from pipelines.story_eval import Scores, evaluate, load_pairs
from spiders.errors import EvalSetError
from tests import story_texts as T
from tests.paths import DATA

TEST_PART = DATA / "stories" / "test.jsonl"


def side(url, text, title="", at="2026-10-01T09:00:00+00:00", language="en"):
    return {"source": url, "language": language, "published_at": at, "title": title, "text": text}


def test_evaluator_scores_written_pairs(tmp_path):
    pairs = [
        {"a": side("https://mfa.gov.ua/en/news/register", T.STATEMENT, T.STATEMENT_TITLE),
         "b": side("https://www.ukrinform.net/rubric-polytics/1.html", T.REPUBLICATION, T.REPUBLICATION_TITLE),
         "relation": "same"},
        {"a": side("https://mfa.gov.ua/en/news/register", T.STATEMENT, T.STATEMENT_TITLE),
         "b": side("https://kyivindependent.com/kyiv-urges/", T.QUOTE_REPORT, T.QUOTE_TITLE,
                   at="2026-10-01T12:00:00+00:00"), "relation": "coverage"},
        {"a": side("https://mfa.gov.ua/en/news/register", T.STATEMENT, T.STATEMENT_TITLE),
         "b": side("https://mfa.gov.ua/en/news/istanbul", T.UNRELATED, T.UNRELATED_TITLE), "relation": "none"},
        {"a": side("https://mid.ru/en/briefings/100001/", T.BRIEFING_1, T.BRIEFING_1_TITLE),
         "b": side("https://mid.ru/en/briefings/100002/", T.BRIEFING_2, T.BRIEFING_2_TITLE), "relation": "none"},
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(p) for p in pairs), encoding="utf-8")
    scores = evaluate(load_pairs(path))
    assert scores.counts == {("same", "same"): 1, ("coverage", "linked"): 1, ("none", "none"): 2}
    assert scores.linking()[:2] == (1.0, 1.0) and scores.merging()[:2] == (1.0, 1.0)


def test_a_malformed_pair_is_one_clear_error(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": {}, "b": {}, "relation": "maybe"}\n', encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"bad.jsonl:1: needs a, b and a relation"):
        load_pairs(path)


@pytest.mark.skipif(not TEST_PART.exists(), reason="the story evaluation set (task I) is not in this checkout")
def test_no_false_merge_on_the_held_out_part():
    scores = evaluate(load_pairs(TEST_PART))
    print(scores.report())
    _precision, _, tp, fp, _ = scores.linking()
    assert fp == 0, scores.mistakes  # the target: zero false merges
    assert scores.merging()[0] == 1.0
    assert isinstance(scores, Scores) and tp >= 1
