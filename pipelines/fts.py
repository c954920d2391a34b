"""A user's search words as FTS5 expressions, with Ukrainian and Russian inflection.

The main index (`statements_fts`, unicode61, diacritics removed) holds words as written.
Ukrainian and Russian inflect nouns and adjectives by case, so «Рада Європи» must also
find «Ради Європи», «Раді Європи», «Радою Європи». Each Cyrillic word is cut to its stem
(Russian by Snowball via PyStemmer; Snowball has no Ukrainian, so Ukrainian words lose
their endings by the list below, and the shorter stem of the two is used), and searched
two ways:

- in the stemmed index (`statements_stems`, migration 0010: the stems of every statement's
  Cyrillic words), as the stem itself: `stem_query` gives «"рад" AND "європ"», two phrases
  for bm25 to rank instead of every case form (see stem_index.py for how it is kept);
- in the main index, in every case form the index holds, stem + each ending with the same
  stem (`"рада" OR "ради" OR "раді" OR "радою" …`): `fts_query`, for the snippets, and for
  queries the stemmed index cannot answer (a word in another script, a quoted phrase, a
  prefix, an abbreviation) or while it waits for statements another program wrote.

Forms are whole words, not prefixes: «Европы» finds «Европе» but not «Европейский»
(another stem), so «Совет Европы» does not find the European Council.

Plain words are quoted, so punctuation in a query is never FTS syntax. FTS5 syntax is
kept where the user clearly wrote it: "a phrase" (exact, not expanded), OR, AND, NOT,
parentheses and `word*` (a prefix). A query that is then malformed fails at SQLite and
the storage API reports it as one line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

_TOKEN = re.compile(r'"[^"]*"?|[()]|[^\s()"]+')
_OPERATORS = {"OR", "AND", "NOT"}
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_UKRAINIAN_LETTERS = re.compile("[іїєґІЇЄҐ]")
MIN_STEM = 3

# Case endings of Ukrainian and Russian nouns, and of adjectives (an adjective's own ending
# says which list a query word takes), longest first.
NOUN_ENDINGS = ("ами", "ями", "ові", "еві", "ой", "ей", "ою", "ею", "єю", "ом", "ем", "єм", "ам", "ям", "ах",
                "ях", "ов", "ев", "ів", "їв", "а", "я", "о", "е", "є", "ы", "и", "і", "ї", "у", "ю", "ь")
ADJECTIVE_ENDINGS = ("ього", "ьому", "ого", "его", "ому", "ему", "ыми", "ими", "іми", "ий", "ій", "ый", "ой",
                     "ая", "яя", "ое", "ее", "ые", "ие", "ым", "им", "ім", "ую", "юю", "ых", "их", "іх", "ої",
                     "ою", "ею", "а", "я", "е", "є", "і", "ї", "у", "ю")
# Longest first, and in the same order in every process (a set's order changes with string hashing).
ENDINGS = tuple(sorted(set(NOUN_ENDINGS + ADJECTIVE_ENDINGS), key=lambda e: (-len(e), e)))
# Endings Snowball's Russian stemmer also cuts (-ия/-ии/-ией, -ие/-ье, -ев, -иям …): a word it cuts
# so is searched in these forms too.
SNOWBALL_ENDINGS = ("ия", "ии", "ие", "ий", "ией", "ием", "ию", "иям", "иях", "иями", "ья", "ье", "ьи", "ью", "ьем",
                    "ьей", "ей", "ев", "ем", "еи", "ое", "ые", "ими", "ых", "ым", "ему", "его", "ая", "ую")
SEARCH_ENDINGS = tuple(dict.fromkeys(ENDINGS + SNOWBALL_ENDINGS))


def _uk_stem(word: str) -> str:
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


@lru_cache(maxsize=1)
def _ru_stemmer():
    import Stemmer  # PyStemmer: Snowball in C, imported in under a millisecond, only for Cyrillic queries

    return Stemmer.Stemmer("russian")


def stem(word: str) -> str:
    """The stem a Cyrillic word is searched by (the word itself if nothing can be cut)."""
    low = word.lower()
    candidates = [_uk_stem(low)]
    if not _UKRAINIAN_LETTERS.search(low):
        candidates.append(_ru_stemmer().stemWord(low))
    candidates = [c for c in candidates if len(c) >= MIN_STEM and low.startswith(c)]
    return min(candidates, key=len) if candidates else low


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _term(word: str, indexed: Callable[[str], bool] | None) -> str:
    prefix = word.endswith("*")
    word = word.rstrip("*")
    if not re.search(r"\w", word):  # punctuation alone is no word: FTS5 would match nothing for it
        return ""
    abbreviation = word.isupper()  # ПАРЄ, ЕСПЧ: searched as written
    if not prefix and not abbreviation and len(word) > MIN_STEM and _CYRILLIC.search(word):
        found = [f for f in forms(word) if indexed is None or indexed(f)] or [word.lower()]
        return "(" + " OR ".join(_quote(form) for form in found) + ")" if len(found) > 1 else _quote(found[0])
    return _quote(word) + ("*" if prefix else "")


@lru_cache(maxsize=4096)  # some seventy stems computed per word: a search repeated pays them once
def forms(word: str) -> tuple[str, ...]:
    """The word and every case form of its stem, as whole words to search for: the stem plus
    each ending of the noun and adjective declensions (and Snowball's own: «России» for
    «Россия»), kept when cut back to the same stem, so the main index finds what the stemmed
    index finds and a snippet highlights every form found there."""
    low = word.lower()
    root = stem(low)
    candidates = dict.fromkeys([low, root, *(root + ending for ending in SEARCH_ENDINGS)])
    return tuple(form for form in candidates if form == low or stem(form) == root)


def fts_query(text: str, indexed: Callable[[str], bool] | None = None) -> str:
    """The FTS5 expression for a user's query: every word must appear (Cyrillic words in any case form).

    `indexed(form)` says whether a case form occurs in the index at all; forms that do not
    are left out, so bm25 scores a handful of words per query word instead of forty.
    """
    return _expression(text, lambda token: token if token.startswith('"') else _term(token, indexed)) or '""'


def _expression(text: str, term_of: Callable[[str], str | None]) -> str | None:
    """A query's tokens as one FTS5 expression: operators and parentheses kept, every other
    token made a term by `term_of` ("" leaves it out, None refuses the whole query), and AND
    between adjacent terms (FTS5 joins phrases implicitly, but not a phrase and a group)."""
    parts: list[str] = []
    for token in _TOKEN.findall(text):
        if token in _OPERATORS or token == ")":
            parts.append(token)
            continue
        term = token if token == "(" else term_of(token)
        if term is None:
            return None
        if not term:
            continue
        if parts and parts[-1] not in _OPERATORS and parts[-1] != "(":
            parts.append("AND")
        parts.append(term)
    return " ".join(parts)


# --- the stemmed index (statements_stems, migration 0010) ----------------------------------
# Ranking a query by bm25 costs per match and per phrase: «Совет Европы» in the main index is
# six phrases (five forms of «совет» OR-ed, «европы»), in the stemmed index two («совет»,
# «европ»), and a match is one row of each doclist instead of a merge of five. The stemmed
# index holds the stems of a statement's Cyrillic words only (a statement without any has no
# row), so it costs about a third of the main index; a query that also has other words, a
# quoted phrase, a prefix or an abbreviation is answered by the main index in case forms.
_WORD = re.compile(r"[^\W_]+")  # letters and digits: a token as unicode61 cuts it, near enough


@lru_cache(maxsize=200_000)
def _stem_cached(word: str) -> str:
    return stem(word)


def stemmed_text(text: str | None) -> str:
    """What the stemmed index holds for a title or text: the stem of each Cyrillic word, in order."""
    if not text:
        return ""
    return " ".join(_stem_cached(w.lower()) for w in _WORD.findall(text) if _CYRILLIC.search(w))


def stem_query(text: str) -> str | None:
    """The stemmed index's FTS5 expression for a user's query, or None when the main index must
    answer it (a word that is not Cyrillic, a "quoted phrase", a prefix*, an ABBREVIATION)."""
    return _expression(text, _stem_term) or None


def _stem_term(token: str) -> str | None:
    if token.startswith('"') or token.endswith("*"):
        return None
    words = _WORD.findall(token)
    if not words:  # punctuation alone is no word
        return ""
    if not all(_CYRILLIC.search(w) and not (w.isupper() and len(w) > 1) for w in words):
        return None
    return _quote(" ".join(_stem_cached(w.lower()) for w in words))
