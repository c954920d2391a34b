"""What survives translation: evidence that two texts in different languages report one event.

TF-IDF needs shared words, so a Russian report of an English statement scores zero. What a
translation keeps is language-independent: proper names (Берсет is Berset once both are
written in Latin letters), numbers (a resolution or document number), the dates the text
names (10 March, 10 марта, 10 mars), and the lexicon's tag ids (the tagger maps the
bodies and instruments of every language onto one id). `features` extracts them once per
statement, as short keys stored with its story terms (pipelines/linking.py), so a decision
compares small sets and reads no text.

Names are compared by a *key*: the word written in Latin (anyascii), lower-cased, with the
spelling variants of transliteration folded (kh/h, ks/x, y/i, j/i, w/v …) and cut to its
first five letters, so Zelensky, Zelenskyy, Зеленський and Зеленский share one key, and
case endings (Берсета, Berset's) fall away. Only capitalised words that do not open a
sentence are names. The actors every text of this registry names (Ukraine, Russia, Europe,
the Council, its Assembly …) say nothing about which event a text reports: `COMMON_NAMES`
drops them, and within a window of stored statements so does any key most of them share.

Pure: no database, no Scrapy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

# A capitalised word of 4+ letters (Latin or Cyrillic), and what opens a sentence before it.
_CAPITALISED = re.compile(r"(?<![\w'’-])([A-ZÀ-ÖØ-ÞА-ЯЁЇІЄҐ][\w'’-]{3,})")
_SENTENCE_OPENER = re.compile(r"(?:^|[.!?:;«»\"“”„(\n]\s*|\n\s*[-–—•*]\s*|\d+[.)]?\s+)$")
# Numbers of 3+ digits standing alone (a document, resolution or case number, a year).
_NUMBER = re.compile(r"(?<![\w.,/-])(\d{3,6})(?![\w]|[.,]\d)")
_YEAR = re.compile(r"^(19[4-9]\d|20[0-4]\d)$")

# Transliteration variants folded so that one name written by different conventions agrees.
_TRANSLIT_FOLD = (("kh", "h"), ("ks", "x"), ("ck", "k"), ("ph", "f"), ("w", "v"), ("ij", "i"), ("j", "i"),
                  ("y", "i"), ("ii", "i"), ("ie", "e"), ("ye", "e"), ("ai", "a"))
# The actors nearly every text of the registry names: countries of the war, the Council of
# Europe and its organs, titles, capitals, months and weekdays, capitalised function words.
# Shared, they identify no event. Their keys are left out (`_COMMON_KEYS`).
COMMON_NAMES = """
Ukraine Ukrainian Ukraina Украина Україна України Україні Ukrainien Ukrainienne Russia Russian Russie Russland
Россия России Росія Росії Russe Russische Europe European Europa Européen Европа Європа Европы Європи
Federation Fédération Föderation Федерация Федерации Федерація Федерації Council Conseil Совет Совета Рада Ради
Assembly Assemblée Versammlung Ассамблея Асамблея Parliamentary Parlementaire Parlamentarische Парламентская
Парламентська Parliament Parlement Parlament Union Minister Ministry Ministère Ministerium Министр Міністр
Министерство Міністерство President Président Präsident Президент Secretary Secrétaire Generalsekretär
General Général Генеральный Генеральний Генсек State States National Nations Republic Government Kyiv Kiev
Kiew Київ Киев Moscow Moscou Moskau Москва Strasbourg Straßburg Страсбург Committee Comité Комитет Комітет
Foreign Affairs Étrangères Auswärtigen Organisation Organization January February March April June July
August September October November December Monday Tuesday Wednesday Thursday Friday Saturday Sunday Today
This That They There Their These Those When With What Which After Also Will From Mr Mrs Ms
"""
_COMMON_KEYS: frozenset[str] = frozenset()  # filled below, once name_key exists
KEY_LETTERS = 5


# Month names after a day number: exact words in en, fr, de; stems of the inflected ru and uk forms.
_LATIN_MONTHS = {
    1: "january jan janvier januar", 2: "february feb février fevrier februar", 3: "march mar mars märz marz",
    4: "april apr avril", 5: "may mai", 6: "june jun juin juni", 7: "july jul juillet juli",
    8: "august aug août aout", 9: "september sep sept septembre", 10: "october oct octobre oktober okt",
    11: "november nov novembre", 12: "december dec décembre decembre dezember dez",
}
_MONTH_WORDS = {word: month for month, words in _LATIN_MONTHS.items() for word in words.split()}
_CYRILLIC_MONTHS = (("январ", 1), ("феврал", 2), ("март", 3), ("апрел", 4), ("мая", 5), ("май", 5), ("июн", 6),
                    ("июл", 7), ("август", 8), ("сентябр", 9), ("октябр", 10), ("ноябр", 11), ("декабр", 12),
                    ("січ", 1), ("лют", 2), ("берез", 3), ("квіт", 4), ("трав", 5), ("черв", 6), ("лип", 7),
                    ("серп", 8), ("верес", 9), ("жовт", 10), ("листопад", 11), ("груд", 12))
_DAY_MONTH = re.compile(r"(?<![.,])\b([0-3]?\d)(?:st|nd|rd|th|er|\.)?\s+([^\W\d_]{3,})")
_MONTH_DAY = re.compile(r"\b([A-Z][a-z]{2,8})\.?\s+([0-3]?\d)\b(?![.,]\d)")


def _month(word: str) -> int | None:
    """The month a word names in en, fr, de, ru or uk, or None."""
    w = word.lower()
    if w in _MONTH_WORDS:
        return _MONTH_WORDS[w]
    if not "а" <= w[0] <= "я" and w[0] not in "іїєґ":
        return None
    return next((month for stem, month in _CYRILLIC_MONTHS if w.startswith(stem)), None)


@lru_cache(maxsize=65536)
def name_key(word: str) -> str:
    """The comparable key of one name: Latin letters, transliteration variants folded, cut short."""
    latin = re.sub(r"[^a-z]", "", anyascii(word).lower())
    for variant, folded in _TRANSLIT_FOLD:
        latin = latin.replace(variant, folded)
    return latin[:KEY_LETTERS]


def names(text: str) -> set[str]:
    """Keys of the capitalised words that do not open a sentence (common actors left out)."""
    out = set()
    for match in _CAPITALISED.finditer(text):
        if _SENTENCE_OPENER.search(text[max(0, match.start() - 6):match.start()]):
            continue
        key = name_key(match.group(1))
        if len(key) >= 4 and key not in _COMMON_KEYS:
            out.add(key)
    return out


_COMMON_KEYS = frozenset(name_key(word) for word in COMMON_NAMES.split())


def numbers(text: str) -> set[str]:
    """Numbers of three digits or more that are not years: document, resolution, case numbers."""
    return {n for n in _NUMBER.findall(text) if not _YEAR.match(n)}


def dates_named(text: str) -> set[str]:
    """The days of the year the text names ('10 March', '10 марта', 'March 10'), as 'MM-DD'."""
    out = set()
    for day, word in _DAY_MONTH.findall(text):
        month = _month(word)
        if month and 1 <= int(day) <= 31:
            out.add(f"{month:02d}-{int(day):02d}")
    for word, day in _MONTH_DAY.findall(text):
        month = _month(word)
        if month and 1 <= int(day) <= 31:
            out.add(f"{month:02d}-{int(day):02d}")
    return out


# Feature keys: a prefix says the kind ('@berse' a name, '#15506' a number, '%03-10' a day named).
NAME, NUMBER, DATE = "@", "#", "%"
# Stored with a statement's story terms (a JSON object of word counts) under this key, which
# no word can be: one row read gives both.
STORED_KEY = ""


@lru_cache(maxsize=32)  # a new statement's are needed twice: to store them, and to link it
def features(title: str, text: str) -> frozenset[str]:
    """The language-independent features of a statement, as prefixed keys."""
    whole = f"{title}\n{text}" if title else text
    return frozenset([NAME + k for k in names(whole)] + [NUMBER + n for n in numbers(whole)]
                     + [DATE + d for d in dates_named(whole)])


def with_features(terms: dict[str, int], keys: frozenset[str]) -> dict:
    """Story terms to store, carrying the feature keys."""
    return {**terms, STORED_KEY: sorted(keys)} if keys else dict(terms)


def split(stored: dict) -> tuple[dict[str, int], frozenset[str]]:
    """Stored story terms -> (the words for TF-IDF, the feature keys); statements indexed
    before features existed have none (`communique relink --all` adds them)."""
    keys = stored.pop(STORED_KEY, ())
    return stored, frozenset(keys)


@dataclass(frozen=True)
class Evidence:
    """What two texts share beyond their words."""

    names: frozenset[str]
    numbers: frozenset[str]
    dates: frozenset[str]
    tags: frozenset[str]
    dates_conflict: bool  # both name days of the year, none the same: two events
    name_share: float  # shared names / the smaller text's names

    def strength(self) -> int:
        return len(self.names) + 2 * len(self.numbers) + 2 * len(self.dates) + len(self.tags)


def evidence(a: frozenset[str], b: frozenset[str], tags_a: frozenset[str], tags_b: frozenset[str],
             common: frozenset[str] = frozenset()) -> Evidence:
    """What feature sets `a` and `b` (keys from `features`) and specific tags share; `common`
    are keys too frequent in the window to count."""
    shared = (a & b) - common
    names_a = {k for k in a if k[0] == NAME} - common
    names_b = {k for k in b if k[0] == NAME} - common
    dates_a = {k for k in a if k[0] == DATE}
    dates_b = {k for k in b if k[0] == DATE}
    shared_names = frozenset(k for k in shared if k[0] == NAME)
    smaller = min(len(names_a), len(names_b))
    return Evidence(
        names=shared_names,
        numbers=frozenset(k for k in shared if k[0] == NUMBER),
        dates=frozenset(k for k in shared if k[0] == DATE),
        tags=frozenset(tags_a & tags_b),
        dates_conflict=bool(dates_a and dates_b and not dates_a & dates_b),
        name_share=len(shared_names) / smaller if smaller else 0.0,
    )
