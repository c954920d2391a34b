"""The development part of the evaluation set: its shape, and the tagger's figures on it.

The lexicon was written against these passages, so these thresholds guard against
regressions; the held-out figures come from the test part (tests/pipelines/test_tag_eval.py).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from pipelines.tag_eval import evaluate, load_eval_set
from tests.paths import DATA

EVAL = DATA / "coe_eval" / "dev"
RECORDS = load_eval_set(EVAL)
REPORT = evaluate(RECORDS)
CORE = ("en", "uk", "ru", "fr", "de")


def test_eval_set_shape():
    assert len(RECORDS) >= 150
    langs = Counter(r["language"] for r in RECORDS)
    for lang in CORE:
        assert langs[lang] >= 20, lang
    negatives = sum(1 for r in RECORDS if not r["expected"])
    assert 0.35 <= negatives / len(RECORDS) <= 0.65
    texts = [r["text"] for r in RECORDS]
    assert len(set(texts)) == len(texts), "duplicate passages"
    for r in RECORDS:
        assert r["source"].startswith(("http://", "https://")), r
        assert r["text"].strip()
        assert ("coe" in r["expected"]) == bool(r["expected"]), "a body tag without coe"


def test_eval_files_are_json_lines_one_language_each():
    for path in sorted(EVAL.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            rec = json.loads(line)
            assert set(rec) >= {"source", "language", "text", "expected"}, (path.name, n)
            assert rec["language"] == path.stem, (path.name, n)


@pytest.mark.parametrize("lang", CORE)
def test_coe_precision_and_recall_per_language(lang):
    counts = REPORT.by_language[lang]
    assert counts.n >= 20
    errors = [
        e for e in REPORT.errors if e["language"] == lang and ("coe" in e["missing"] or "coe" in e["extra"])
    ]
    assert counts.precision >= 0.98, errors
    assert counts.recall >= 0.95, errors


def test_no_look_alike_is_tagged():
    false_positives = [e for e in REPORT.errors if "coe" in e["extra"]]
    assert false_positives == []


def test_body_tags_are_mostly_right():
    total = REPORT.by_tag
    tp = sum(c.tp for t, c in total.items() if t != "coe")
    fp = sum(c.fp for t, c in total.items() if t != "coe")
    fn = sum(c.fn for t, c in total.items() if t != "coe")
    assert tp / (tp + fp) >= 0.95
    assert tp / (tp + fn) >= 0.9
