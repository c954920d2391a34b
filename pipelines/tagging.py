"""Tag statements about the Council of Europe, with evidence and a relevance score.

`tag()` is the pure function; `tag_statement()` is the tag stage of the statement pipeline.

How a statement is tagged (the lexicon, `data/lexicon.toml`, holds all the words):

1. Title and text are folded for matching (lower case, quotes and dashes unified; offsets
   unchanged) and scanned once by the lexicon's compiled regexes: ordinary terms over the
   folded text, case-sensitive abbreviations (PACE, GRECO, ЄСПЛ) over the original text.
2. A negative term (European Council, Court of Justice of the EU, UN Committee against
   Torture, High Commissioner for Human Rights …) claims its span, so a positive term
   inside it — "Commissioner for Human Rights" inside "UN High Commissioner for Human
   Rights" — does not count. Look-alikes that share no words with a positive term need no
   negative: they simply never match.
3. Strong terms establish their tag; any tag of the Council of Europe family (its bodies
   and instruments) also establishes `coe`.
4. Context terms (ambiguous alone: "Committee of Ministers" of what? "Register of Damage",
   "Commissioner for Human Rights", "the Convention", "CPT") count when `coe` is already
   established in the statement, or when a cue of the same tag (Strasbourg, …) is near.
5. Event tags (withdrawal, expulsion, accession, judgment, resolution) count only when
   `coe` is established and the event word is near evidence of the family — or, when the
   event names the tags it `requires`, near evidence of one of those: a resolution is an
   act of the Assembly, the Committee of Ministers or the Congress, not of GRECO or the UN.
   The root tag in `requires` means its own names ("Council of Europe"), not its bodies'.
   An event's context terms (ambiguous words: "decision", "recommendations") need evidence
   of `context_requires` (default: `requires`) nearby.
6. Each tag's score says how central it is: in the title, in the lead, repeated, dense —
   "about" (score >= ABOUT_THRESHOLD) versus "mentions it in passing".
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field

from pipelines.lexicon import (  # re-exported: the tagger's public API
    DEFAULT_LEXICON_PATH,
    Entry,
    Lexicon,
    LexiconError,
    load_lexicon,
)
from pipelines.textnorm import fold_for_matching

__all__ = [
    "ABOUT_THRESHOLD",
    "DEFAULT_LEXICON_PATH",
    "Evidence",
    "Lexicon",
    "LexiconError",
    "TagResult",
    "guess_language",
    "load_lexicon",
    "tag",
    "tag_statement",
]

ABOUT_THRESHOLD: float = 0.5


@dataclass(frozen=True)
class Evidence:
    term: str  # the matched surface text, as it appears in the field
    start: int  # offsets into the field: field_text[start:end] == term
    end: int
    snippet: str  # context around the match
    field: str = "text"  # "title" or "text"

    def to_dict(self) -> dict:
        return {
            "term": self.term,
            "start": self.start,
            "end": self.end,
            "snippet": self.snippet,
            "field": self.field,
        }


@dataclass
class TagResult:
    tag: str
    score: float
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def about(self) -> bool:
        return self.score >= ABOUT_THRESHOLD

    def to_dict(self) -> dict:
        return {
            "tag": self.tag,
            "score": self.score,
            "evidence": [e.to_dict() for e in self.evidence],
        }


# ---------------------------------------------------------------------------- matching


_fold = fold_for_matching


@dataclass
class _Hit:
    field: str
    start: int
    end: int
    entries: list[Entry]


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _scan(regex, haystack: str, lookup, fieldname: str, out: list[_Hit]) -> None:
    if regex is None or not haystack:
        return
    pos = 0
    search = regex.search
    while True:
        m = search(haystack, pos)
        if m is None:
            return
        start, end = m.span()
        if start > 0 and _is_word(haystack[start - 1]) and _is_word(haystack[start]):
            pos = start + 1  # not at a word start: try again one character on
            continue
        entries = lookup(m.group())
        if entries:
            out.append(_Hit(fieldname, start, end, entries))
        # Go on from the next character, not from the end of the match: terms may overlap
        # ("Article 34 of the Convention for the Protection of Human Rights …"); matches
        # wholly inside a longer one are dropped afterwards.
        pos = start + 1


def _find_hits(lex: Lexicon, title: str, text: str) -> list[_Hit]:
    hits: list[_Hit] = []
    for fieldname, original in (("title", title), ("text", text)):
        if not original:
            continue
        _scan(lex.folded_regex, _fold(original), lex.entries_for, fieldname, hits)
        _scan(lex.abbr_regex, original, lex.abbr_entries_for, fieldname, hits)
    # a match inside a longer one is part of it ("Council of Europe" inside "Parliamentary
    # Assembly of the Council of Europe", "Commissioner for Human Rights" inside "High
    # Commissioner for Human Rights"): keep the longest
    if len(hits) > 1:
        hits.sort(key=lambda h: (h.field, h.start, -h.end))
        kept: list[_Hit] = []
        field, reach = None, -1  # the furthest end of a kept match in this field
        for h in hits:
            if h.field != field:
                field, reach = h.field, -1
            if h.end <= reach:  # an earlier match starts no later and ends no sooner
                continue
            kept.append(h)
            reach = h.end
        hits = kept
    # negatives claim their spans: drop positive hits overlapping a negative one
    negatives = [h for h in hits if any(e.role == "negative" for e in h.entries)]
    if negatives:
        kept = []
        for h in hits:
            if h in negatives:
                continue
            if any(n.field == h.field and n.start < h.end and h.start < n.end for n in negatives):
                continue
            kept.append(h)
        hits = kept
    hits.sort(key=lambda h: (h.field != "title", h.start))
    return hits


# ---------------------------------------------------------------------------- evidence


def _snippet(text: str, start: int, end: int, width: int) -> str:
    side = max(20, (width - (end - start)) // 2)
    a = max(0, start - side)
    b = min(len(text), end + side)
    # widen to word edges so the snippet does not cut words in half
    if a > 0:
        space = text.rfind(" ", max(0, a - 15), a)
        a = space + 1 if space != -1 else a
    if b < len(text):
        space = text.find(" ", b, min(len(text), b + 15))
        b = space if space != -1 else b
    body = " ".join(text[a:b].split())
    return ("…" if a > 0 else "") + body + ("…" if b < len(text) else "")


def _score(ev: list, text_len: int) -> float:  # Evidence or _Hit: field, start
    if not ev:
        return 0.0
    in_title = any(e.field == "title" for e in ev)
    body = [e for e in ev if e.field == "text"]
    score = 0.25
    if in_title:
        score += 0.45
    if body:
        first = body[0].start
        if first < 400 or first < 0.15 * text_len:
            score += 0.2
        score += min(0.3, 0.1 * (len(body) - 1))
        per_kb = len(body) / max(text_len / 1000.0, 0.3)
        if per_kb >= 2:
            score += 0.1
    return round(min(1.0, score), 3)


# ---------------------------------------------------------------------------- tagging


def _near(starts: list[int] | None, pos: int, window: int) -> bool:
    """Whether any of the sorted offsets `starts` lies within `window` of `pos`."""
    if not starts:
        return False
    i = bisect.bisect_left(starts, pos - window)
    return i < len(starts) and starts[i] <= pos + window


def tag(
    text: str,
    language: str | None = None,
    *,
    title: str = "",
    lexicon: Lexicon | None = None,
) -> list[TagResult]:
    """Tag one statement. `text` and `title` are already `normalize_text()`-ed.

    `language` (ISO code or None) does not narrow matching: every language's terms are
    tried, because sites mislabel their language often and the terms of different
    languages do not collide (tests/data/tagging_cases.toml checks that).
    Returns [] for unrelated text; otherwise the root tag ("coe") first, then the rest
    by score, highest first.
    """
    lex = lexicon or load_lexicon()
    text = text or ""
    title = title or ""
    hits = _find_hits(lex, title, text)
    if not hits:
        return []
    sources = {"title": title, "text": text}
    root = lex.root_tag
    tags = lex.tags

    made: dict[tuple[str, int], Evidence] = {}

    def evidence(h: _Hit) -> Evidence:
        key = (h.field, h.start)
        ev = made.get(key)
        if ev is None:
            src = sources[h.field]
            ev = made[key] = Evidence(
                term=src[h.start : h.end],
                start=h.start,
                end=h.end,
                snippet=_snippet(src, h.start, h.end, lex.snippet_chars),
                field=h.field,
            )
        return ev

    # One pass sorts the matches by role. `hits` is in reading order (title, then text).
    kinds = {n: t.kind for n, t in tags.items()}
    strong: dict[str, list[_Hit]] = {}
    context: list[tuple[_Hit, str]] = []
    events: list[tuple[_Hit, str, bool]] = []  # (match, event tag, is a context term)
    cue_at: dict[tuple[str, str], list[int]] = {}
    for h in hits:
        for e in h.entries:
            role = e.role
            if role == "cues":
                cue_at.setdefault((e.tag, h.field), []).append(h.start)
            elif role == "negative":
                continue
            elif kinds[e.tag] == "event":
                events.append((h, e.tag, role == "context"))
            elif role == "terms":
                strong.setdefault(e.tag, []).append(h)
            else:
                context.append((h, e.tag))

    # 1. strong terms count; 2. context terms count once the root is established by a
    # strong term, or when a cue of the same tag is near
    established = bool(strong)
    accepted: dict[str, list[_Hit]] = strong
    for h, t in context:
        if established or _near(cue_at.get((t, h.field)), h.start, tags[t].window):
            accepted.setdefault(t, []).append(h)
    if not accepted:
        return []

    # the root's own names ("Council of Europe"), before its evidence becomes the union below
    own_root = list(accepted.get(root, ()))

    # 3. every family tag implies its parents, up to the root, whose evidence is the union
    in_family = set()
    for t, hs in list(accepted.items()):
        in_family.update(map(id, hs))
        parent = tags[t].parent
        while parent is not None:
            accepted.setdefault(parent, [])
            parent = tags[parent].parent
    root_hits = [h for h in hits if id(h) in in_family]
    accepted[root] = root_hits

    # 4. events: near evidence of the family (or of the tags an event requires; the root
    # named there stands for its own names only)
    if events:
        anchor_cache: dict[tuple, dict[str, list[int]]] = {}
        for h, t, is_context in events:
            tdef = tags[t]
            key = (tdef.context_requires if is_context else ()) or tdef.requires
            at = anchor_cache.get(key)
            if at is None:
                at = {}
                for r in key or (root,):
                    anchors = own_root if key and r == root else accepted.get(r, ())
                    for a in anchors:
                        at.setdefault(a.field, []).append(a.start)
                for starts in at.values():
                    starts.sort()
                anchor_cache[key] = at
            if _near(at.get(h.field), h.start, tdef.window):
                accepted.setdefault(t, []).append(h)

    results: list[TagResult] = []
    limit = lex.max_evidence
    text_len = len(text)
    root_score = _score(root_hits, text_len)
    for t, hs in accepted.items():
        uniq: list[_Hit] = []
        for h in hs:  # in reading order; one match may stand for a tag twice
            if not uniq or uniq[-1] is not h:
                uniq.append(h)
        if t != root and len(uniq) > 1 and any(a is b for a, b in itertools.pairwise(uniq)):
            uniq = list(dict.fromkeys(uniq))
        score = root_score if t == root else _score(uniq, text_len)
        if kinds[t] == "event":
            score = min(score, root_score)
        results.append(TagResult(t, score, [evidence(h) for h in uniq[:limit]]))
    results.sort(key=lambda r: (r.tag != root, -r.score, r.tag))
    return results


# ---------------------------------------------------------------------------- language

_UK_LETTERS = set("іїєґ")
_RU_LETTERS = set("ыэъё")
_STOPWORDS = {
    "en": {"the", "and", "of", "to", "in", "is", "that", "for", "on", "with"},
    "fr": {"le", "la", "les", "des", "et", "du", "une", "est", "pour", "dans"},
    "de": {"der", "die", "das", "und", "den", "des", "ist", "nicht", "mit", "für"},
    "pl": {"i", "w", "na", "się", "z", "do", "że", "jest", "nie", "przez"},
    "it": {"il", "di", "che", "la", "per", "del", "della", "è", "gli", "con"},
    "es": {"el", "la", "de", "que", "los", "las", "del", "por", "con", "para"},
}


def guess_language(text: str) -> str | None:
    """A rough guess from script and common words, for texts that come without one."""
    sample = text[:3000].lower()
    cyr = sum(1 for ch in sample if "\u0400" <= ch <= "\u04ff")
    letters = sum(1 for ch in sample if ch.isalpha())
    if not letters:
        return None
    if cyr > letters / 2:
        uk = sum(1 for ch in sample if ch in _UK_LETTERS)
        ru = sum(1 for ch in sample if ch in _RU_LETTERS)
        return "uk" if uk >= ru else "ru"
    words = sample.split()
    best, best_n = None, 0
    for lang, stop in _STOPWORDS.items():
        n = sum(1 for w in words if w in stop)
        if n > best_n:
            best, best_n = lang, n
    return best


# ---------------------------------------------------------------------------- stage


def tag_statement(item, lexicon: Lexicon | None = None):
    """Tag stage: the item with `tags` set to the tagger's results for its title and text."""
    item.tags = tag(item.text or "", item.language, title=item.title or "", lexicon=lexicon)
    return item
