"""Revisions: a statement edited in place keeps its id; each version is kept and compared.

Ministries edit statements silently (a name corrected, a paragraph added an hour later).
The same address (or identity key) with another text is a revision, not a new statement:
`compare` measures the change and says whether it is substantive (worth an `updated`
alert to subscribers who asked for updates), `unified_diff` shows it.

Pure: no Scrapy, no database.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from pipelines.textnorm import fold_for_matching

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class RevisionSettings:
    """When an edit is substantive: at least `min_words` words added or removed, or at
    least `min_share` of the text's words changed. A typo fixed, a date reformatted or a
    stray space is not; a sentence added is (8 words ≈ one short sentence)."""

    min_words: int = 8
    min_share: float = 0.05


DEFAULTS = RevisionSettings()


@dataclass(frozen=True)
class Change:
    chars_changed: int  # characters of the words inserted plus deleted
    words_changed: int  # words inserted plus deleted, ignoring case and typography
    share: float  # words_changed / words in the longer version
    substantive: bool


def _words(text: str) -> list[str]:
    return _WORD.findall(fold_for_matching(text))


def compare(old: str, new: str, settings: RevisionSettings = DEFAULTS) -> Change:
    """How much changed between two versions of a statement (title and text together)."""
    a, b = _words(old), _words(new)
    words = chars = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            words += (i2 - i1) + (j2 - j1)
            chars += sum(map(len, a[i1:i2])) + sum(map(len, b[j1:j2]))
    share = words / max(len(a), len(b), 1)
    return Change(chars, words, round(share, 4), words >= settings.min_words or share >= settings.min_share)


def unified_diff(old: str, new: str, old_label: str, new_label: str) -> list[str]:
    """Lines of a unified diff between two versions (paragraphs are lines)."""
    return list(difflib.unified_diff(old.splitlines(), new.splitlines(), old_label, new_label, lineterm=""))
