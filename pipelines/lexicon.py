"""The tagging lexicon: load `data/lexicon.toml`, validate it, compile it to matchers.

The lexicon is data (see the header of `data/lexicon.toml` for its format). This module
turns it into two regular expressions — one over the case-folded text for ordinary terms,
one over the original text for case-sensitive abbreviations — each built as a prefix
trie, so a few hundred terms in eight languages cost about as much as a handful: at any
position the regex engine follows one branch instead of trying every term in turn.

A match of either regex is then mapped back to the lexicon entries it stands for
(`Lexicon.entries_for`), which say which tags it supports and how (strong, context,
cue, event, negative).
"""

from __future__ import annotations

import re
import re._constants as _sre  # the parsed form of a pattern, to check its shape
import re._parser as _sre_parse
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import regex

from spiders import config
from spiders.errors import LexiconError

DEFAULT_LEXICON_PATH = config.DATA_DIR / "lexicon.toml"

KINDS = frozenset({"org", "body", "instrument", "event"})
# What a term list means (see data/lexicon.toml):
#   terms    enough on its own for the tag
#   context  counts only once the Council of Europe is established by a strong term
#            elsewhere in the statement, or a cue of the same tag is near
#   cues     never a tag by itself; makes nearby context terms count
ROLE_KEYS = ("terms", "context", "cues")
TAG_KEYS = frozenset(
    {"label", "kind", "parent", "requires", "context_requires", "window", *ROLE_KEYS, "abbr", "context_abbr"}
)
TOP_KEYS = frozenset({"settings", "tags", "negative", "negative_abbr"})
SETTING_KEYS = frozenset(
    {"languages", "root_tag", "cue_window", "event_window", "snippet_chars", "max_evidence"}
)

_WORD_CHAR = re.compile(r"\w")
# A term is literal text with three conveniences: a space matches any run of whitespace,
# `*` right after a letter lets the word go on (a stem: `Europarat*` matches Europarats,
# Europarates), and `(a|b|)` offers alternative endings (`Рад(а|и|і|у|ою) Європи`).
# A term starting with `re:` is a regular expression (over the folded text) instead.
_GROUP = re.compile(r"\(([^()]*)\)")


@dataclass(frozen=True)
class Entry:
    """One meaning of a lexicon term: which tag it supports, and in which role."""

    tag: str | None  # None for negative terms
    role: str  # "terms" | "context" | "cues" | "negative"
    language: str  # ISO code, or "*" for abbreviations
    term: str  # the term as written in the lexicon


@dataclass
class TagDef:
    name: str
    label: str
    kind: str
    parent: str | None
    requires: tuple[str, ...]
    window: int
    # (events) the tags whose evidence an event's context terms must be near; () = `requires`
    context_requires: tuple[str, ...] = ()


@dataclass
class Lexicon:
    path: Path
    languages: tuple[str, ...]
    root_tag: str
    cue_window: int
    event_window: int
    snippet_chars: int
    max_evidence: int
    tags: dict[str, TagDef]
    folded_regex: re.Pattern[str]
    abbr_regex: re.Pattern[str] | None
    # matched text (folded, whitespace collapsed) -> entries, for literal terms
    _literal: dict[str, list[Entry]] = field(default_factory=dict, repr=False)
    # (compiled fullmatch pattern, entries) for terms with stems, groups or regex
    _patterns: list[tuple[re.Pattern[str], list[Entry]]] = field(default_factory=list, repr=False)
    _abbr: dict[str, list[Entry]] = field(default_factory=dict, repr=False)
    term_count: int = 0

    def entries_for(self, matched_folded: str) -> list[Entry]:
        cached = self._cache.get(matched_folded)
        if cached is not None:
            return cached
        found = self._entries_for(matched_folded)
        if len(self._cache) > 50_000:  # matched forms repeat; bound the memory anyway
            self._cache.clear()
        self._cache[matched_folded] = found
        return found

    def _entries_for(self, matched_folded: str) -> list[Entry]:
        key = " ".join(matched_folded.split())
        found = self._literal.get(key)
        if found is not None:
            return found
        # Patterns are bucketed by their literal beginning, so only the few whose
        # beginning the match shares are tried.
        out: list[Entry] = []
        for length in self._prefix_lengths:
            for pattern, entries in self._by_prefix.get(matched_folded[:length], ()):
                if pattern.fullmatch(matched_folded):
                    out.extend(entries)
        return out

    def __post_init__(self) -> None:
        self._cache: dict[str, list[Entry]] = {}
        by_prefix: dict[str, list] = {}
        for pattern, entries in self._patterns:
            by_prefix.setdefault(_literal_prefix(pattern.pattern), []).append((pattern, entries))
        self._by_prefix = by_prefix
        self._prefix_lengths = sorted({len(k) for k in by_prefix})

    def abbr_entries_for(self, matched: str) -> list[Entry]:
        return self._abbr.get(matched, [])

    def family(self) -> set[str]:
        """Tags that establish the root tag (the org itself, its bodies and instruments)."""
        return {n for n, t in self.tags.items() if t.kind != "event"}


# --------------------------------------------------------------------------- parsing


# --------------------------------------------------------------------------- regex safety
# `re:` terms are matched against every statement by Python's backtracking engine, which
# has no time limit: a pattern such as `(\w+ ?)+!` takes seconds on 30 characters and would
# stall every crawl. Such patterns are refused on load, by shape and by trial.
_MANY = 16  # a repeat allowing more than this many rounds counts as unbounded
_PROBE_CHARS = "a1 -.'"
_PROBE_LENGTH = 28
_PROBE_TIMEOUT_S = 0.25


def _nested_repeat(items, inside: bool) -> bool:
    """Whether a parsed pattern repeats something that itself repeats, under a large repeat."""
    for op, av in items:
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", None)):
            _low, high, sub = av
            if inside and high > 1:
                return True
            if _nested_repeat(sub, inside or high == _sre.MAXREPEAT or high > _MANY):
                return True
        elif op == _sre.SUBPATTERN:
            if _nested_repeat(av[-1], inside):
                return True
        elif op == _sre.BRANCH:
            if any(_nested_repeat(branch, inside) for branch in av[1]):
                return True
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT, _sre.ATOMIC_GROUP if hasattr(_sre, "ATOMIC_GROUP") else None):
            sub = av[1] if op in (_sre.ASSERT, _sre.ASSERT_NOT) else av
            if _nested_repeat(sub, inside):
                return True
    return False


def backtracking_risk(source: str) -> str | None:
    """Why a regular expression may backtrack catastrophically, or None.

    Two checks: its shape (a repeat inside an unbounded repeat, `(a+)+`), and a trial on
    short adversarial texts with a time bound (the `regex` package's `timeout=`), which
    also catches overlapping alternatives such as `(a|a)+$`.
    """
    try:
        if _nested_repeat(_sre_parse.parse(source), inside=False):
            return "nests a repeat inside an unbounded repeat (catastrophic backtracking)"
    except (re.error, RecursionError):
        return None  # compiled already: leave the message to the compile step
    try:
        compiled = regex.compile(source, regex.VERSION0)
    except regex.error:
        return None
    literals = {ch for ch in source.lower() if ch.isalnum()}
    # The pattern's own characters after the failing one, so a required literal ("!") is present
    # and the engine cannot skip the text without trying it.
    tail = "".join(sorted({ch for ch in source.lower() if ch not in "\\^$.|?*+()[]{}"}))
    for ch in sorted(set(_PROBE_CHARS) | literals):
        for probe in (ch * _PROBE_LENGTH + "\x00" + tail, (ch + " ") * (_PROBE_LENGTH // 2) + "\x00" + tail):
            try:
                compiled.search(probe, timeout=_PROBE_TIMEOUT_S)
            except TimeoutError:
                return f"takes over {_PROBE_TIMEOUT_S} s on {len(probe)} characters (catastrophic backtracking)"
    return None


def _literal_prefix(source: str, cap: int = 4) -> str:
    """The plain characters a regex source starts with (at most `cap`), for bucketing."""
    out = []
    i = 0
    while i < len(source) and len(out) < cap:
        ch = source[i]
        if ch == "\\" and i + 1 < len(source) and not source[i + 1].isalnum():
            out.append(source[i + 1])
            i += 2
            continue
        if ch.isalnum() or ch in "'\"-":
            if i + 1 < len(source) and source[i + 1] in "*?{":
                break
            out.append(ch)
            i += 1
            continue
        break
    return "".join(out)


def _fold_term(term: str) -> str:
    # Terms are folded like the text they are matched against (pipelines.textnorm).
    from pipelines.textnorm import fold_for_matching

    return fold_for_matching(term)


def _term_atoms(term: str, where: str) -> list[str]:
    """Split a folded lexicon term into regex atoms (each a self-contained regex piece)."""
    atoms: list[str] = []
    i = 0
    while i < len(term):
        ch = term[i]
        if ch.isspace():
            while i < len(term) and term[i].isspace():
                i += 1
            atoms.append(r"\s+")
            continue
        if ch == "*":
            if not atoms or not _WORD_CHAR.match(term[i - 1]):
                raise LexiconError(f"{where}: '*' must follow a letter in {term!r}")
            atoms.append(r"\w*")
            i += 1
            continue
        if ch == "(":
            m = _GROUP.match(term, i)
            if not m:
                raise LexiconError(f"{where}: unbalanced '(' in {term!r}")
            alts = m.group(1).split("|")
            if any(not re.fullmatch(r"[\w' .-]*", a) for a in alts):
                raise LexiconError(f"{where}: group alternatives must be plain text in {term!r}")
            alts = sorted(set(alts), key=len, reverse=True)
            atoms.append("(?:" + "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in alts) + ")")
            i = m.end()
            continue
        if ch in ")|":
            raise LexiconError(f"{where}: stray {ch!r} in {term!r}")
        atoms.append(re.escape(ch))
        i += 1
    return atoms


def _trie_branches(sequences: list[list[str]]) -> list[str]:
    """Regexes, one per distinct first atom, that together match any of the sequences.

    Each is a prefix trie (shared beginnings written once). They are kept as separate
    top-level alternatives rather than one group so that every alternative starts with a
    literal character, which the regex engine checks before entering the branch.
    """
    return _trie_regex(sequences, root=True)  # type: ignore[return-value]


def _trie_regex(sequences: list[list[str]], root: bool = False):
    """Build a regex matching any of the atom sequences, factored as a prefix trie."""
    trie: dict = {}
    for seq in sequences:
        node = trie
        for atom in seq:
            node = node.setdefault(atom, {})
        node[""] = {}

    depths: dict[int, int] = {}

    def depth(node: dict) -> int:
        d = depths.get(id(node))
        if d is None:
            d = depths[id(node)] = max((1 + depth(c) for a, c in node.items() if a != ""), default=0)
        return d

    def emit(node: dict) -> str:
        end = "" in node
        # Along one path the optional tail is greedy, so the longer term wins. Where the
        # path forks and both branches could match (a stem `\w*` next to a literal
        # ending), the deeper branch goes first: longer terms are the more specific ones
        # ("Europäischen Gerichtshof für Menschenrechte" over "Europäischen Gerichtshof").
        children = sorted(
            ((atom, child) for atom, child in node.items() if atom != ""),
            key=lambda ac: -depth(ac[1]),
        )
        branches = [atom + emit(child) for atom, child in children]
        if not branches:
            return ""
        if len(branches) == 1:
            body = branches[0]
            if end:
                return f"(?:{body})?"
            return body
        body = "(?:" + "|".join(branches) + ")"
        return body + "?" if end else body

    if root:
        return [
            atom + emit(child)
            for atom, child in sorted(
                ((a, c) for a, c in trie.items() if a != ""), key=lambda ac: -depth(ac[1])
            )
        ]
    return emit(trie)


def _boundary_wrap(branches: list[str]) -> str:
    # `\b` first: the engine only tries the alternatives where a word starts (a cheap
    # test), and at a word start each alternative's first literal is checked before it
    # is entered. `(?!\w)` last: a term must end where a word ends.
    return "\\b(?:" + "|".join(branches) + ")(?!\\w)"


def _as_str_list(value, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LexiconError(f"{where}: expected a list of non-empty strings")
    return value


def _load_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise LexiconError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise LexiconError(f"{path}: cannot read: {exc.strerror}") from None


def parse_lexicon(data: dict, path: Path) -> Lexicon:
    """Validate the parsed TOML and compile it. Raises LexiconError on the first fault."""
    p = str(path)
    for key in data:
        if key not in TOP_KEYS:
            raise LexiconError(f"{p}: {key}: unknown top-level key (expected one of {sorted(TOP_KEYS)})")
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        raise LexiconError(f"{p}: settings: expected a table")
    for key in settings:
        if key not in SETTING_KEYS:
            raise LexiconError(f"{p}: settings.{key}: unknown key")
    languages = tuple(_as_str_list(settings.get("languages", []), f"{p}: settings.languages"))
    if not languages:
        raise LexiconError(f"{p}: settings.languages: at least one language is needed")
    ints = {}
    for key, default in (
        ("cue_window", 200),
        ("event_window", 300),
        ("snippet_chars", 140),
        ("max_evidence", 20),
    ):
        value = settings.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise LexiconError(f"{p}: settings.{key}: expected a positive integer")
        ints[key] = value
    root = settings.get("root_tag", "coe")

    tags_data = data.get("tags")
    if not isinstance(tags_data, dict) or not tags_data:
        raise LexiconError(f"{p}: tags: expected at least one [tags.NAME] table")
    if root not in tags_data:
        raise LexiconError(f"{p}: settings.root_tag: tag {root!r} is not defined under [tags]")

    folded_seqs: dict[str, list[str]] = {}  # regex-source key -> atoms (dedup)
    raw_regexes: dict[str, None] = {}
    literal: dict[str, list[Entry]] = {}
    patterns: dict[str, tuple[re.Pattern[str], list[Entry]]] = {}
    abbr: dict[str, list[Entry]] = {}
    count = 0

    def add_folded(term: str, entry: Entry, where: str) -> None:
        nonlocal count
        count += 1
        if term.startswith("re:"):
            source = term[3:]
            try:
                compiled = re.compile(source)
            except re.error as exc:
                raise LexiconError(f"{where}: bad regular expression {source!r}: {exc}") from None
            if compiled.match(""):
                raise LexiconError(f"{where}: regular expression {source!r} matches empty text")
            risk = backtracking_risk(source)
            if risk:
                raise LexiconError(f"{where}: regular expression {source!r} {risk}; rewrite it")
            raw_regexes[source] = None
            patterns.setdefault("re:" + source, (compiled, []))[1].append(entry)
            return
        folded = _fold_term(term.strip())
        atoms = _term_atoms(folded, where)
        if not _WORD_CHAR.match(folded[0]):
            raise LexiconError(f"{where}: term {term!r} must start with a letter or digit")
        source = "".join(atoms)
        folded_seqs[source] = atoms
        if any(a.startswith(("(?:", r"\w")) for a in atoms):
            patterns.setdefault(source, (re.compile(source), []))[1].append(entry)
        else:
            literal.setdefault(" ".join(folded.split()), []).append(entry)

    def add_abbr(term: str, entry: Entry, where: str) -> None:
        nonlocal count
        count += 1
        if not re.fullmatch(r"\w[\w.\-]*", term):
            raise LexiconError(f"{where}: abbreviation {term!r} must be one word")
        abbr.setdefault(term, []).append(entry)

    def add_lang_table(value, tag: str | None, role: str, where: str) -> None:
        if not isinstance(value, dict):
            raise LexiconError(f"{where}: expected a table of language = [terms]")
        for lang, terms in value.items():
            if lang not in languages:
                raise LexiconError(
                    f"{where}.{lang}: unknown language (settings.languages: {', '.join(languages)})"
                )
            for term in _as_str_list(terms, f"{where}.{lang}"):
                add_folded(term, Entry(tag, role, lang, term), f"{where}.{lang}")

    tags: dict[str, TagDef] = {}
    for name, spec in tags_data.items():
        where = f"{p}: tags.{name}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise LexiconError(f"{where}: tag names are lower_snake_case")
        if not isinstance(spec, dict):
            raise LexiconError(f"{where}: expected a table")
        for key in spec:
            if key not in TAG_KEYS:
                raise LexiconError(f"{where}.{key}: unknown key (expected one of {sorted(TAG_KEYS)})")
        kind = spec.get("kind")
        if kind not in KINDS:
            raise LexiconError(f"{where}.kind: expected one of {sorted(KINDS)}, got {kind!r}")
        label = spec.get("label", name)
        if not isinstance(label, str):
            raise LexiconError(f"{where}.label: expected a string")
        window = spec.get("window", ints["cue_window"] if kind != "event" else ints["event_window"])
        if not isinstance(window, int) or isinstance(window, bool) or window <= 0:
            raise LexiconError(f"{where}.window: expected a positive integer")
        requires = (
            tuple(_as_str_list(spec.get("requires", []), f"{where}.requires")) if "requires" in spec else ()
        )
        context_requires = (
            tuple(_as_str_list(spec["context_requires"], f"{where}.context_requires"))
            if "context_requires" in spec
            else ()
        )
        if context_requires and kind != "event":
            raise LexiconError(f"{where}.context_requires: only event tags have it")
        parent = spec.get("parent", None if name == root else root)
        tags[name] = TagDef(name, label, kind, parent, requires, window, context_requires)
        has_terms = False
        for role in ROLE_KEYS:
            if role in spec:
                add_lang_table(spec[role], name, role, f"{where}.{role}")
                has_terms = has_terms or role != "cues"
        for key, role in (("abbr", "terms"), ("context_abbr", "context")):
            if key in spec:
                for term in _as_str_list(spec[key], f"{where}.{key}"):
                    add_abbr(term, Entry(name, role, "*", term), f"{where}.{key}")
                has_terms = True
        if not has_terms:
            raise LexiconError(f"{where}: no terms (give terms, context, abbr or context_abbr)")

    # references between tags, checked once every tag is known
    for name, tdef in tags.items():
        if tdef.parent is not None and tdef.parent not in tags:
            raise LexiconError(f"{p}: tags.{name}.parent: unknown tag {tdef.parent!r}")
        for key, refs in (("requires", tdef.requires), ("context_requires", tdef.context_requires)):
            for req in refs:
                if req not in tags:
                    raise LexiconError(f"{p}: tags.{name}.{key}: unknown tag {req!r}")
        if tdef.kind == "event" and tdef.parent != root:
            raise LexiconError(f"{p}: tags.{name}.parent: event tags hang off {root!r}")

    if "negative" in data:
        add_lang_table(data["negative"], None, "negative", f"{p}: negative")
    if "negative_abbr" in data:
        for term in _as_str_list(data["negative_abbr"], f"{p}: negative_abbr"):
            add_abbr(term, Entry(None, "negative", "*", term), f"{p}: negative_abbr")

    branches = _trie_branches(list(folded_seqs.values())) + list(raw_regexes)
    folded_regex = re.compile(_boundary_wrap(branches))
    abbr_regex = None
    if abbr:
        # Abbreviations start with a capital letter, a rare character: here the engine's
        # quick skip to positions holding a possible first character beats `\b`, so the
        # left boundary is checked in Python (tagging._scan) instead.
        abbr_branches = _trie_branches([[re.escape(c) for c in a] for a in abbr])
        abbr_regex = re.compile(
            "|".join(abbr_branches) + "(?!\\w)"
            if len(abbr_branches) == 1
            else "(?:" + "|".join(abbr_branches) + ")(?!\\w)"
        )

    return Lexicon(
        path=path,
        languages=languages,
        root_tag=root,
        cue_window=ints["cue_window"],
        event_window=ints["event_window"],
        snippet_chars=ints["snippet_chars"],
        max_evidence=ints["max_evidence"],
        tags=tags,
        folded_regex=folded_regex,
        abbr_regex=abbr_regex,
        _literal=literal,
        _patterns=list(patterns.values()),
        _abbr=abbr,
        term_count=count,
    )


_DEFAULT: Lexicon | None = None


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """Load, validate and compile a lexicon; the default one is cached."""
    global _DEFAULT
    if path is None:
        if _DEFAULT is None:
            _DEFAULT = parse_lexicon(_load_toml(DEFAULT_LEXICON_PATH), DEFAULT_LEXICON_PATH)
        return _DEFAULT
    path = Path(path)
    return parse_lexicon(_load_toml(path), path)
