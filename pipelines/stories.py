"""Stories: a statement with its translations, versions and the news coverage around it.

A news item is *coverage* of a stored statement when it quotes it (a long run of words
in common, verbatim) or reports it (the same event: published within a window of each
other, similar content by TF-IDF cosine, and — unless the similarity alone is high —
naming the same bodies or instruments, i.e. sharing a specific tag). Two news items are
one story when they share a long verbatim quote (of a statement that may never be stored)
or, both dated within the window, a high cosine and a specific tag. A statement and
another are one story only as versions of one document (same title, same document
number, similar words) or as language versions on one site: two ministry statements of
one week that name the same bodies are two stories, however alike.

Across languages words are not shared: the evidence is what survives translation — names,
numbers, the days a text names, tag ids (pipelines/crosslingual.py). A text whose
publication date is unknown is judged on its words alone, with stricter bars: nothing says
the two texts are not of one week, where the weaker evidence would not do.

TF-IDF is fitted on the statements of the window around the new one (a small pure
implementation over stored top-term vectors, so no text is re-read and no model is kept):
words frequent in that week's news weigh little, the distinctive ones decide.

Pure: no Scrapy, no database. pipelines/linking.py reads the candidates and writes the links.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from pipelines import crosslingual
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
    other_language_candidates: statements in other languages read before and after (the
    nearest first, all other languages together).
    recent_candidates: the statements stored last, read whenever they were published: with a
    publication date unknown on either side, the window cannot say what is near.
    min_shared_terms: a candidate sharing fewer of its top terms with the new text is not scored.
    top_terms: terms kept per statement (by frequency) for the cosine.

    When a publication date is unknown (the page gave none; the statement is placed in time
    by when it was first seen) the decision rests on the texts alone, with a stricter bar:
    report_cosine_undated: TF-IDF cosine, with a shared specific tag, for a report of a
    statement when either date is unknown (a verbatim quote counts as when dated).
    peer_report_cosine: two news items of one language, both dated within the window, that
    share a specific tag and this cosine report one event whose original may never be stored.

    Across languages (pipelines/crosslingual.py: names, numbers, dates named, tag ids):
    Two texts that name days of the year but no day in common are two events. Otherwise:
    cross_days / cross_names: this many days of the year named in both texts and a name or
    number in common, or one day and this many distinctive names — the bar when either
    publication date is unknown, since the texts may be of one week, where each report of a
    day names that day.
    cross_name_share: both dated within the window, cross_names distinctive names that are
    this share of the names of the text with fewer, and a specific tag, number or day in
    common, also do. A same-week report naming the same people and bodies has fewer.
    common_feature_share: a name, number or date carried by more than this share of the
    window's statements (20 or more) describes the week, not an event, and does not count.

    Versions of one document (a draft and the adopted text, a release at two addresses):
    document_days: two statements of one language published at most this many days apart whose
    titles agree (one is the start of the other), sharing a document number of
    document_number_digits or more digits and report_cosine of their words, are one story.
    """

    window_hours: float = 72.0
    report_cosine: float = 0.30
    report_cosine_alone: float = 0.45
    quote_words: int = 12
    shared_quote_words: int = 25
    quote_cosine: float = 0.08
    max_candidates: int = 60
    other_language_candidates: int = 15
    recent_candidates: int = 20
    min_shared_terms: int = 6
    top_terms: int = 48
    report_cosine_undated: float = 0.55
    peer_report_cosine: float = 0.60
    cross_names: int = 2
    cross_name_share: float = 0.5
    cross_days: int = 2
    common_feature_share: float = 0.10
    document_days: float = 7.0
    document_number_digits: int = 4


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
    language: str | None = None
    features: frozenset[str] = frozenset()  # crosslingual.features keys: names, numbers, dates named
    site: str = ""
    title: str = ""
    news: bool = False


@dataclass(frozen=True)
class Link:
    statement_id: int
    story_id: int
    relation: str  # quote | report | shared-quote | cross-language | translation | version
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


def dated(a: Doc, b: Doc) -> bool:
    """Whether both publication dates are known (else only the texts can decide)."""
    return a.published_at is not None and b.published_at is not None


def common_features(corpus: list[Doc], settings: StorySettings = DEFAULTS) -> frozenset[str]:
    """Feature keys too frequent in the window to tell one event from another."""
    if len(corpus) < 20:
        return frozenset()
    counts: Counter = Counter()
    for d in corpus:
        counts.update(d.features)
    limit = settings.common_feature_share * len(corpus)
    return frozenset(k for k, n in counts.items() if n > limit)


def crosslingual_evidence(doc: Doc, cand: Doc, common: frozenset[str],
                          settings: StorySettings = DEFAULTS) -> crosslingual.Evidence | None:
    """What two texts in different languages share, when it is enough to say they report one
    event: within the window, distinctive names and one more kind of evidence; with a date
    unknown, a date both name and more. None otherwise."""
    ev = crosslingual.evidence(doc.features, cand.features, doc.tags - GENERIC_TAGS, cand.tags - GENERIC_TAGS,
                               common)
    if ev.dates_conflict:
        return None
    # Days of the year both texts name (10 March, 10 марта): the event's own dates. One day is
    # named by every report of that day, so it needs cross_names names besides; two need a
    # name or number. This is the whole bar when a date is unknown: the texts could be of one
    # week, where nothing weaker would do.
    on_date = bool(ev.names or ev.numbers) and (
        len(ev.dates) >= settings.cross_days or (ev.dates and len(ev.names) >= settings.cross_names))
    if not dated(doc, cand):
        return ev if on_date else None
    # both dated within the window: or most of the distinctive names of the text with fewer,
    # and a specific tag, number or day in common
    by_names = (len(ev.names) >= settings.cross_names and ev.name_share >= settings.cross_name_share
                and bool(ev.tags or ev.numbers or ev.dates))
    return ev if on_date or by_names else None


def _title_key(title: str) -> list[str]:
    return _ANY_WORD.findall(fold_for_matching(title or ""))


def same_title(doc: Doc, other: Doc) -> bool:
    """Whether two titles of 4+ words agree, one being the start of the other (a site's
    suffix such as '| Report | Doc. 15631' aside)."""
    if doc.title[:8].lower() != other.title[:8].lower():  # most differ at once
        return False
    mine, theirs = _title_key(doc.title), _title_key(other.title)
    short, long_ = sorted((mine, theirs), key=len)
    return len(short) >= 4 and long_[:len(short)] == short


def document_link(doc: Doc, candidates: list[Doc], corpus: list[Doc],
                  settings: StorySettings = DEFAULTS) -> Link | None:
    """A stored version of the same document (same language): titles that agree, a shared
    document number, similar words, published within settings.document_days."""
    numbers = {k for k in doc.features if k[0] == crosslingual.NUMBER and len(k) > settings.document_number_digits}
    if not numbers:
        return None
    fits = []
    for cand in candidates:
        if not numbers & cand.features or not same_title(doc, cand):
            continue
        if dated(doc, cand) and not within(doc.published_at, cand.published_at, settings.document_days * 24):
            continue
        fits.append(cand)
    if not fits:
        return None
    cosines = tfidf_cosines(doc, fits, [d for d in corpus if d.language == doc.language])
    cos, cand = max(zip(cosines, fits, strict=True), key=lambda p: p[0])
    return Link(cand.id, cand.story_id or cand.id, "version", round(cos, 4)) if cos >= settings.report_cosine else None


def translation_link(doc: Doc, candidates: list[Doc], corpus: list[Doc],
                     settings: StorySettings = DEFAULTS) -> Link | None:
    """Another language version on the same site (no identity key or language link said so):
    the cross-language evidence of a report, with most names in common."""
    common = common_features(corpus, settings)
    best = None
    for cand in candidates:
        if cand.language == doc.language or not doc.site or cand.site != doc.site:
            continue
        if dated(doc, cand) and not within(doc.published_at, cand.published_at, settings.window_hours):
            continue
        ev = crosslingual_evidence(doc, cand, common, settings)
        if ev is None or ev.name_share < settings.cross_name_share:
            continue
        if best is None or ev.strength() > best[0]:
            best = (ev.strength(), cand)
    if best is None:
        return None
    return Link(best[1].id, best[1].story_id or best[1].id, "translation", float(best[0]))


def reports(cos: float, tagged: bool, known: bool, settings: StorySettings = DEFAULTS) -> bool:
    """Whether a news item's cosine with a statement makes it a report of it: within the
    window, report_cosine with a shared specific tag or report_cosine_alone without; with a
    date unknown, report_cosine_undated and a shared specific tag."""
    if not known:
        return tagged and cos >= settings.report_cosine_undated
    return cos >= settings.report_cosine_alone or (tagged and cos >= settings.report_cosine)


def coverage_link(doc: Doc, candidates: list[Doc], corpus: list[Doc], load_text,
                  settings: StorySettings = DEFAULTS, *, peers: bool = False) -> Link | None:
    """The candidate that `doc` covers or is covered by, or None.

    `candidates` are the other side (statements for a news item, news items for a
    statement) near in time; `corpus` is every statement of the window (for IDF and for
    what is too common to count); `load_text(id)` reads a candidate's text when it must be
    checked for quotes. With `peers` the candidates are other news items: a long shared
    quote links them, or (both dated) a high cosine and a shared specific tag.

    Two dated texts further apart than the window are never linked; when a date is unknown
    the texts decide alone, with the stricter bars of StorySettings. A candidate in another
    language is judged on the evidence that survives translation (crosslingual_evidence).
    """
    same, other = [], []
    for c in candidates:
        if dated(doc, c) and not within(doc.published_at, c.published_at, settings.window_hours):
            continue
        if (c.language or "") == (doc.language or ""):
            if len(doc.terms.keys() & c.terms.keys()) >= settings.min_shared_terms:
                same.append(c)
        elif doc.features and c.features:
            other.append(c)
    best: Link | None = None

    def rank(link: Link) -> tuple:
        # a quote beats a report; a report in the same language beats one across languages
        return (link.relation not in ("report", "cross-language"), link.quote_words,
                link.relation != "cross-language", link.cosine)

    specific = doc.tags - GENERIC_TAGS
    if same and doc.terms:
        cosines = tfidf_cosines(doc, same, [d for d in corpus if (d.language or "") == (doc.language or "")])
        ranked = sorted(zip(cosines, same, strict=True), key=lambda p: -p[0])
        for position, (cos, cand) in enumerate(ranked):
            if cos < settings.quote_cosine:
                break
            quote = 0
            if position < 3 and doc.text is not None:
                quote = longest_shared_run(doc.text, load_text(cand.id))
            known = dated(doc, cand)
            tagged = bool(specific & cand.tags)
            if peers:
                if quote >= settings.shared_quote_words:
                    link = Link(cand.id, cand.story_id or cand.id, "shared-quote", round(cos, 4), quote)
                elif known and tagged and cos >= settings.peer_report_cosine:
                    link = Link(cand.id, cand.story_id or cand.id, "report", round(cos, 4))
                else:
                    continue
            elif quote >= settings.quote_words:
                link = Link(cand.id, cand.story_id or cand.id, "quote", round(cos, 4), quote)
            elif reports(cos, tagged, known, settings):
                link = Link(cand.id, cand.story_id or cand.id, "report", round(cos, 4))
            else:
                continue
            if best is None or rank(link) > rank(best):
                best = link
    if other:
        common = common_features(corpus, settings)
        for cand in other:
            ev = crosslingual_evidence(doc, cand, common, settings)
            if ev is None:
                continue
            link = Link(cand.id, cand.story_id or cand.id, "cross-language", float(ev.strength()))
            if best is None or rank(link) > rank(best):
                best = link
    return best
