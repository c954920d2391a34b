import pytest

from pipelines.textnorm import fold_for_matching, normalize_line, normalize_text


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Рада\u00a0Європи", "Рада Європи"),
        ("Coun\u00adcil of Europe", "Council of Europe"),
        ("a\u200bb", "ab"),
        ("Conseil\u202fde l’Europe", "Conseil de l’Europe"),
        ("one\r\n\r\n\r\n  two  ", "one\n\ntwo"),
        ("  spaced   out  ", "spaced out"),
        (None, ""),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


def test_normalize_line_joins_lines():
    assert normalize_line("Statement\n\n by  the MFA") == "Statement by the MFA"


@pytest.mark.parametrize("raw", ["«Ради Європи» — ЄСПЛ", "Council’s “Venice” Commission – İstanbul", "Ёлка"])
def test_fold_keeps_offsets(raw):
    folded = fold_for_matching(raw)
    assert len(folded) == len(raw)


def test_fold_maps_quotes_case_and_yo():
    assert fold_for_matching("«Совет Европы»’ – Ё") == '"совет европы"\' - е'
