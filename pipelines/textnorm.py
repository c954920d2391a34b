"""Text normalisation shared by every stage that compares or matches text.

Real pages carry non-breaking and zero-width spaces, soft hyphens, curly quotes and
mixed scripts; two copies of one statement must compare equal and a lexicon term must
match whatever typography the site used. `normalize_text` runs once, before storage
(so stored text, fingerprints and tag evidence offsets agree); `fold_for_matching`
then maps quotes, dashes and case one character for one, so offsets survive it.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that only shape typography; removed outright: soft hyphen, zero-width spaces
# and joiners, word joiner, BOM, combining acute (the stress mark of Russian and Ukrainian texts).
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff\u0301"
# Space variants folded onto a plain space before storage.
_SPACE_VARIANTS = "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003"
# Control characters never belong in a title or a text, and scraped text is untrusted: terminal
# escape sequences (ESC, CSI) and bidi overrides (which make a title read differently from what
# it is) are removed. C0 except tab and line breaks (tab and \v \f become spaces, \r a line
# break), DEL, C1, and the bidi embeddings, overrides and isolates U+202A–U+202E, U+2066–U+2069.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Whitespace controls, and NEL (U+0085, a C1 line break), read as what they separate.
_WHITESPACE_CONTROLS = (("\r\n", "\n"), ("\r", "\n"), ("\x85", "\n"), ("\x0b", " "), ("\x0c", " "))
# Quote, apostrophe and dash variants: folded only for matching, one character for one,
# so that offsets found in the folded text point at the same place in the stored text.
_MATCH_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u02bc": "'",  # modifier apostrophe, common in Ukrainian
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
    }
)
# Runs of spaces and tabs, but not a single space (most matches would replace a space with itself).
_SPACES = re.compile(r"\t[ \t]*| [ \t]+")
_LINE_EDGES = re.compile(r" ?\n ?")
_BLANK_LINES = re.compile(r"\n\n\n+")


def _remove(text: str, chars: str, replacement: str = "") -> str:
    """`text` with each of `chars` replaced. str.replace per character runs at C speed, and
    most texts hold none of them (the `in` test); translate() with a table walks the text one
    character object at a time (404 of normalize_text's 620 µs per 3 KB statement)."""
    for ch in chars:
        if ch in text:
            text = text.replace(ch, replacement)
    return text


def strip_controls(text: str) -> str:
    """`text` without control characters: C0 (tab and line breaks kept as spaces and line breaks),
    DEL, C1 and bidi embeddings, overrides and isolates."""
    for ch, rep in _WHITESPACE_CONTROLS:
        if ch in text:
            text = text.replace(ch, rep)
    return _CONTROLS.sub("", text)


def normalize_text(text: str | None) -> str:
    """Fold typography and whitespace so that equal statements compare equal.

    Control characters go (see strip_controls), paragraph breaks survive as a single blank
    line, runs of spaces and tabs become one space, lines lose their edge spaces.
    """
    if not text:
        return ""
    text = strip_controls(unicodedata.normalize("NFC", text))
    text = _remove(_remove(text, _INVISIBLE), _SPACE_VARIANTS, " ")
    # Each regex only where it has work (the `in` tests run at C speed; a regex scan of a 3 KB
    # text that finds nothing costs tens of microseconds).
    if "\t" in text or "  " in text:
        text = _SPACES.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = _LINE_EDGES.sub("\n", text)
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


_MATCH_PAIRS = [(chr(k), v) for k, v in _MATCH_FOLD.items()]


def fold_for_matching(text: str) -> str:
    """Lower-case and fold quotes/dashes, keeping every character at its offset.

    Apply to text that already went through `normalize_text`; the result has the same
    length, so a match at [start:end] in it is the same span in the input. (str.replace
    per pair runs at C speed; translate() with a dict walks the text object by object.)
    """
    folded = text
    for ch, rep in _MATCH_PAIRS:
        if ch in folded:
            folded = folded.replace(ch, rep)
    lowered = folded.lower()
    if len(lowered) != len(folded):
        # A character whose lower case is two characters (Turkish İ) is kept as it is;
        # the rest is lowered piece by piece.
        odd = "".join(ch for ch in set(folded) if len(ch.lower()) != 1)
        pieces = re.split(f"([{re.escape(odd)}])", folded)
        lowered = "".join(p if len(p) == 1 and p in odd else p.lower() for p in pieces)
    return lowered.replace("ё", "е")


def normalize_line(text: str | None) -> str:
    """A one-line field (title, speaker): typography folded, all whitespace collapsed."""
    return " ".join(normalize_text(text).split())
