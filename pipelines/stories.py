"""Stories: a statement with its translations and the news coverage around it.

A news item is *coverage* of a stored statement when it quotes it (a long run of words
in common, verbatim) or reports it (the same event: published within a window of each
other, similar content by TF-IDF cosine, and — unless the similarity alone is high —
naming the same bodies or instruments, i.e. sharing a specific tag). Only a news item and
a non-news statement (ministry, intergovernmental body) are ever compared: two ministry
statements of one week that name the same bodies are two stories, however alike.

TF-IDF is fitted on the statements of the window around the new one (a small pure
implementation over stored top-term vectors, so no text is re-read and no model is kept):
words frequent in that week's news weigh little, the distinctive ones decide.

Pure: no Scrapy, no database. pipelines/db.py reads the candidates and writes the links.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from pipelines.textnorm import fold_for_matching

_WORD = re.compile(r"[^\W\d_]{4,}")  # words of 4+ letters: most function words drop out in every language
_ANY_WORD = re.compile(r"\w+")
# Tags too general to say two texts are about one event.
GENERIC_TAGS = frozenset({"coe", "withdrawal", "expulsion", "accession", "judgment", "resolution"})


@dataclass(frozen=True)
class StorySettings:
    """Thresholds of story linking; the defaults are what the scenario tests hold.

    window_hours: a report and its statement are published within this many hours.
    report_cosine: TF-IDF cosine for a report that shares a specific tag with the statement.
    report_cosine_alone: TF-IDF cosine for a report without a shared specific tag.
    quote_words: a verbatim run of at least this many words makes a quote.
    shared_quote_words: two news items sharing a verbatim run this long quote one statement
    (stored or not: its site may block us) and are one story; shorter shared runs between
    news items are the agencies' own formulas.
    quote_cosine: the least cosine for a candidate to be checked for quotes at all.
    max_candidates: statements of the window read (nearest in time, half before, half after);
    they are also the corpus the IDF is fitted on.
    min_shared_terms: a candidate sharing fewer of its top terms with the new text is not scored.
    top_terms: terms kept per statement (by frequency) for the cosine.
    """

    window_hours: float = 72.0
    report_cosine: float = 0.30
    report_cosine_alone: float = 0.45
    quote_words: int = 12
    shared_quote_words: int = 25
    quote_cosine: float = 0.08
    max_candidates: int = 60
    min_shared_terms: int = 6
    top_terms: int = 48


DEFAULTS = StorySettings()


def top_terms(title: str, text: str, k: int = DEFAULTS.top_terms) -> dict[str, int]:
    """The text's k most frequent content words with their counts (the title counts twice)."""
    counts = Counter(_WORD.findall(fold_for_matching(text)))
    for word in _WORD.findall(fold_for_matching(title)):
        counts[word] += 2
    return dict(counts.most_common(k))


@dataclass
class Doc:
    """What story linking knows of one statement."""

    id: int | None
    terms: dict[str, int]
    tags: frozenset[str] = frozenset()
    published_at: datetime | None = None
    story_id: int | None = None
    text: str | None = None  # read only for the few candidates checked for quotes
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Link:
    statement_id: int
    story_id: int
    relation: str  # quote | report
    cosine: float
    quote_words: int = 0


def tfidf_cosines(doc: Doc, others: list[Doc], corpus: list[Doc]) -> list[float]:
    """Cosine of `doc` with each of `others`, with smooth IDF fitted on `corpus` + doc
    (as scikit-learn's TfidfVectorizer(sublinear_tf=True) does)."""
    n = len(corpus) + 1
    df: Counter = Counter()
    for d in corpus:
        df.update(d.terms.keys())
    df.update(doc.terms.keys())

    def vector(terms: dict[str, int]) -> dict[str, float]:
        vec = {t: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[t])) + 1) for t, c in terms.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    mine = vector(doc.terms)
    out = []
    for other in others:
        theirs = vector(other.terms)
        small, large = (mine, theirs) if len(mine) <= len(theirs) else (theirs, mine)
        out.append(sum(v * large.get(t, 0.0) for t, v in small.items()))
    return out


def longest_shared_run(a: str, b: str, n: int = 6) -> int:
    """Length in words of the longest run of words `a` and `b` share verbatim (case and
    typography aside); runs shorter than n words are not seen (0)."""
    wa, wb = _ANY_WORD.findall(fold_for_matching(a)), _ANY_WORD.findall(fold_for_matching(b))
    if len(wa) < n or len(wb) < n:
        return 0
    grams = {tuple(wb[i:i + n]) for i in range(len(wb) - n + 1)}
    best = run = 0
    for i in range(len(wa) - n + 1):
        if tuple(wa[i:i + n]) in grams:
            run += 1
            best = max(best, run)
        else:
            run = 0
    return best + n - 1 if best else 0


def within(a: datetime | None, b: datetime | None, hours: float) -> bool:
    """Whether two moments are at most `hours` apart (unknown dates are not close)."""
    if a is None or b is None:
        return False
    return abs((a - b).total_seconds()) <= hours * 3600


def coverage_link(doc: Doc, candidates: list[Doc], corpus: list[Doc], load_text,
                  settings: StorySettings = DEFAULTS, *, peers: bool = False) -> Link | None:
    """The candidate that `doc` covers or is covered by, or None.

    `candidates` are the other side (statements for a news item, news items for a
    statement) within the window; `corpus` is every statement of the window (for IDF);
    `load_text(id)` reads a candidate's text when it must be checked for quotes. With
    `peers` the candidates are other news items: only a long shared quote links them.
    """
    candidates = [c for c in candidates if within(doc.published_at, c.published_at, settings.window_hours)
                  and len(doc.terms.keys() & c.terms.keys()) >= settings.min_shared_terms]
    if not candidates or not doc.terms:
        return None
    cosines = tfidf_cosines(doc, candidates, corpus)
    ranked = sorted(zip(cosines, candidates, strict=True), key=lambda p: -p[0])
    best: Link | None = None
    specific = doc.tags - GENERIC_TAGS
    for rank, (cos, cand) in enumerate(ranked):
        if cos < settings.quote_cosine:
            break
        quote = 0
        if rank < 3 and doc.text is not None:
            quote = longest_shared_run(doc.text, load_text(cand.id))
        if peers:
            if quote < settings.shared_quote_words:
                continue
            link = Link(cand.id, cand.story_id or cand.id, "shared-quote", round(cos, 4), quote)
        elif quote >= settings.quote_words:
            link = Link(cand.id, cand.story_id or cand.id, "quote", round(cos, 4), quote)
        elif cos >= settings.report_cosine_alone or (cos >= settings.report_cosine and specific & cand.tags):
            link = Link(cand.id, cand.story_id or cand.id, "report", round(cos, 4))
        else:
            continue
        key = (link.relation != "report", link.quote_words, link.cosine)
        if best is None or key > (best.relation != "report", best.quote_words, best.cosine):
            best = link
    return best
