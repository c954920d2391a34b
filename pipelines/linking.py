"""Where a statement arriving from a crawl belongs: the database side of issue #9.

In the order a decision is cheapest and surest:

1. its address is stored (or, by the source's identity rule, the same document in the
   same language is): the same statement — `known`, or a `revision` when its text changed;
2. the same words are stored (fingerprint): a `sighting`;
3. a near-copy is stored (MinHash LSH, pipelines/nearcopy.py): a `sighting`, linked;
4. otherwise a `new` statement, which joins a story when it is a translation of a
   stored one (identity key in another language, hreflang or the site's language links,
   the same address with another language's path segment, or — on the same site — the
   names, numbers and days of a translation), another version of a stored document, or
   coverage (pipelines/stories.py, across languages too); when a news report arrived
   first, the statement joins the report's story, so one story alerts once.

Candidates are read through the statements' time index (published, or first seen when the
page gave no date): the window of the same language, the nearest of each other language,
and the statements stored last, whose texts alone decide when a date is unknown.

Every function runs inside the caller's write transaction (pipelines/db.py Store.save).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

import orjson  # reads the window's story terms ~4x faster than json: ~90 rows per decision

from pipelines import crosslingual, nearcopy, revisions, stories
from pipelines.outbox import queue_alerts
from spiders.urls import canonical_url, site_of

# Language codes a site may put in a path segment of its language versions (/en/, /fr/ …).
LANGUAGE_SEGMENTS = ("en", "fr", "de", "ru", "uk", "ua", "es", "it", "pl", "pt", "nl", "be", "ro", "tr")
# Languages always looked at for coverage across languages, besides those of the registry's sources.
BASE_LANGUAGES = ("en", "uk", "ru", "fr", "de")


def _published(item) -> datetime | None:
    value = item.published_at
    return value.astimezone(UTC) if value else None


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def same_statement(db, item) -> tuple[int, str] | None:
    """(statement id, how) when the item's address or identity key is stored in its language."""
    row = db.execute("SELECT statement_id FROM sightings WHERE canonical_url = ?", [item.canonical_url]).fetchone()
    if row:
        return row[0], "url"
    key = getattr(item, "identity_key", "") or None
    if key:
        row = db.execute(
            "SELECT id FROM statements WHERE identity_key = ? AND language = ? ORDER BY id LIMIT 1",
            [key, item.language],
        ).fetchone()
        if row:
            return row[0], "identity"
    return None


def same_text(db, item) -> int | None:
    row = db.execute("SELECT id FROM statements WHERE fingerprint = ? ORDER BY id LIMIT 1", [item.fingerprint]).fetchone()
    return row[0] if row else None


def near_copy(db, item, sig, settings: nearcopy.NearCopySettings = nearcopy.DEFAULTS):
    """The stored statement the item republishes (same language, published within
    settings.max_days_apart when both dates are known), or None."""
    moment = _published(item)

    def acceptable(statement_id: int) -> bool:
        row = db.execute("SELECT language, published_at FROM statements WHERE id = ?", [statement_id]).fetchone()
        if not row or (row[0] or "") != (item.language or ""):
            return False
        other = _parse(row[1])
        return moment is None or other is None or stories.within(moment, other, settings.max_days_apart * 24)

    return nearcopy.find_near_copy(db, sig, settings, accept=acceptable, text=item.text)


# --- revisions ----------------------------------------------------------------------------
def record_revision(db, statement_id: int, item, now: str,
                    settings: revisions.RevisionSettings = revisions.DEFAULTS) -> revisions.Change | None:
    """The statement's text changed at its own address: keep the old and new versions in
    `revisions`, make the new one current; the Change, or None when nothing changed."""
    current = db.execute(
        "SELECT title, text, fingerprint, fetched_at, first_seen_at, story_id FROM statements WHERE id = ?",
        [statement_id],
    ).fetchone()
    title, text, fp, fetched_at, first_seen, story_id = current
    if fp == item.fingerprint and title == item.title:
        return None
    change = revisions.compare(f"{title}\n\n{text}", f"{item.title}\n\n{item.text}", settings)
    last = db.execute("SELECT max(number) FROM revisions WHERE statement_id = ?", [statement_id]).fetchone()[0]
    if last is None:  # the first edit: keep the text as first stored as revision 1
        db.execute(
            "INSERT INTO revisions (statement_id, number, title, text, fingerprint, fetched_at) VALUES (?, 1, ?, ?, ?, ?)",
            [statement_id, title, text, fp, fetched_at or first_seen],
        )
        last = 1
    fetched = item.fetched_at.astimezone(UTC).isoformat(timespec="seconds") if item.fetched_at else now
    db.execute(
        """INSERT INTO revisions (statement_id, number, title, text, fingerprint, fetched_at, words_changed,
                                  chars_changed, share_changed, substantive) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [statement_id, last + 1, item.title, item.text, item.fingerprint, fetched, change.words_changed,
         change.chars_changed, change.share, int(change.substantive)],
    )
    db.execute("UPDATE statements SET title = ?, text = ?, fingerprint = ?, fetched_at = ? WHERE id = ?",
               [item.title, item.text, item.fingerprint, fetched, statement_id])
    index_text(db, statement_id, item)
    if change.substantive:
        queue_alerts(db, statement_id, now, story_id=story_id, kind="updated", revision=last + 1)
    return change


# --- indexes a new or revised statement needs -----------------------------------------------
def index_text(db, statement_id: int, item, sig=None) -> None:
    """Near-copy signature and story terms of the statement's current text."""
    if sig is None:
        sig = nearcopy.signature(item.text)
    if sig is not None:
        nearcopy.store_signature(db, statement_id, sig)
    else:
        db.execute("DELETE FROM nearcopy_signatures WHERE statement_id = ?", [statement_id])
        db.execute("DELETE FROM nearcopy_bands WHERE statement_id = ?", [statement_id])
    # The words for TF-IDF and, under prefixed keys, what survives translation (names, numbers,
    # dates named): one row, read with the terms.
    terms = crosslingual.with_features(stories.top_terms(item.title, item.text),
                                       crosslingual.features(item.title, item.text))
    db.execute("INSERT OR REPLACE INTO story_terms (statement_id, terms) VALUES (?, ?)",
               [statement_id, json.dumps(terms, ensure_ascii=False, separators=(",", ":"))])


def translation_urls(item) -> dict[str, str]:
    """language -> canonical address of the item's other language versions, as the page gave them."""
    links = item.extra.get("translations") or {}
    out = {}
    if isinstance(links, dict):
        for lang, url in links.items():
            if isinstance(url, str) and url.startswith(("http://", "https://")) and lang != item.language:
                out[str(lang)[:8]] = canonical_url(url)
    return out


# --- stories -----------------------------------------------------------------------------
def _story_of(db, statement_id: int) -> int:
    return db.execute("SELECT story_id FROM statements WHERE id = ?", [statement_id]).fetchone()[0]


def _link(db, statement_id: int, story_id: int, linked_to: int, relation: str, score, now: str,
          role: str) -> None:
    db.execute("UPDATE statements SET story_id = ?, story_role = ? WHERE id = ?", [story_id, role, statement_id])
    db.execute(
        """INSERT OR REPLACE INTO story_links (statement_id, story_id, linked_to, relation, score, linked_at)
           VALUES (?, ?, ?, ?, ?, ?)""",
        [statement_id, story_id, linked_to, relation, score, now],
    )


def translation_of(db, statement_id: int, item) -> int | None:
    """A stored statement that is another language version of this one."""
    key = getattr(item, "identity_key", "") or None
    if key:
        row = db.execute(
            "SELECT id FROM statements WHERE identity_key = ? AND language IS NOT ? AND id != ? ORDER BY id LIMIT 1",
            [key, item.language, statement_id],
        ).fetchone()
        if row:
            return row[0]
    for url in translation_urls(item).values():  # the page names its translations
        row = db.execute("SELECT statement_id FROM sightings WHERE canonical_url = ?", [url]).fetchone()
        if row and row[0] != statement_id:
            return row[0]
    row = db.execute(  # a stored page named this one as its translation
        "SELECT statement_id FROM translation_links WHERE canonical_url = ? AND statement_id != ? LIMIT 1",
        [item.canonical_url, statement_id],
    ).fetchone()
    if row:
        return row[0]
    variants = language_variant_urls(item.canonical_url, item.language)
    if variants:  # the same address with another language's segment (/en/ -> /fr/)
        row = db.execute(
            f"""SELECT g.statement_id FROM sightings g JOIN statements s ON s.id = g.statement_id
                WHERE g.canonical_url IN ({",".join("?" * len(variants))}) AND g.statement_id != ?
                  AND s.language IS NOT ? ORDER BY g.statement_id LIMIT 1""",
            [*variants, statement_id, item.language],
        ).fetchone()
        if row:
            return row[0]
    return None


def language_variant_urls(url: str, language: str | None) -> list[str]:
    """The address with its one language segment (`/en/` for an English page) replaced by each
    other language's: where sites keep a document's other language versions."""
    code = (language or "").lower()[:2]
    if not code or not url:
        return []
    parts = urlsplit(url)
    segments = parts.path.split("/")
    at = [i for i, segment in enumerate(segments) if segment.lower() == code]
    if len(at) != 1:
        return []
    out = []
    for other in LANGUAGE_SEGMENTS:
        if other != code:
            changed = segments.copy()
            changed[at[0]] = other
            out.append(urlunsplit(parts._replace(path="/".join(changed))))
    return out


# The ids are chosen first (from the index alone, where it covers the condition), then only
# those rows are read with their terms and tags.
_WINDOW_SELECT = """SELECT s.id, s.story_id, s.story_role, s.published_at, so.publisher, t.terms, s.language,
       s.canonical_url, s.title, (SELECT group_concat(tag) FROM statement_tags g WHERE g.statement_id = s.id) AS tags
    FROM (SELECT s.id AS chosen FROM {table} WHERE {where} AND s.id != ? ORDER BY {order} LIMIT ?) w
    JOIN statements s ON s.id = w.chosen
    JOIN story_terms t ON t.statement_id = s.id
    LEFT JOIN sources so ON so.id = s.source"""
# When a statement was published, or (no date given) first seen: the expression of the
# statements' time indexes (pipelines/db.py SORT_KEY), so these reads are index ranges.
_WHEN = "coalesce(s.published_at, s.first_seen_at)"


def _around(db, where: str, args: list, moment: datetime, span: timedelta, statement_id: int, half: int,
            index: str | None = None) -> list:
    """Rows matching `where`, the nearest `half` before `moment` and `half` after, within `span`."""
    at = moment.isoformat(timespec="seconds")
    table = f"statements s INDEXED BY {index}" if index else "statements s"
    before = db.execute(_WINDOW_SELECT.format(table=table, where=f"{where} AND {_WHEN} BETWEEN ? AND ?",
                                              order=f"{_WHEN} DESC"),
                        [*args, (moment - span).isoformat(timespec="seconds"), at, statement_id, half]).fetchall()
    after = db.execute(_WINDOW_SELECT.format(table=table, where=f"{where} AND {_WHEN} > ? AND {_WHEN} <= ?",
                                             order=f"{_WHEN} ASC"),
                       [*args, at, (moment + span).isoformat(timespec="seconds"), statement_id, half]).fetchall()
    return before + after


@lru_cache(maxsize=4096)
def _site_of_host(host: str) -> str:
    return site_of("https://" + host + "/")


def _site(url: str | None) -> str:
    parts = (url or "").split("/", 3)
    return _site_of_host(parts[2]) if len(parts) > 2 else ""


def _window_docs(db, statement_id: int, language: str, moment: datetime, settings: stories.StorySettings,
                 *, dated: bool = True):
    """The statements near `moment` (published then, or first seen then when undated) with
    their story terms, features and tags: of the same language the nearest
    settings.max_candidates (half before, half after); of other languages the nearest
    settings.other_language_candidates before and after; and
    the statements stored last, whenever they were published (the texts decide for those;
    with `dated`, those published outside the window are left out: they cannot be linked)."""
    span = timedelta(hours=settings.window_hours)
    half = max(1, settings.max_candidates // 2)
    rows = _around(db, "s.language IS ?", [language], moment, span, statement_id, half)
    languages = {lang for (lang,) in db.execute("SELECT DISTINCT language FROM sources") if lang}
    others = sorted((languages | set(BASE_LANGUAGES)) - {language or ""})
    if others:  # an index range per language (not a scan of the whole window), the nearest of all kept
        rows += _around(db, f"s.language IN ({','.join('?' * len(others))})", others, moment, span, statement_id,
                        settings.other_language_candidates, index="idx_statements_language_when")
    keep = timedelta(hours=max(settings.window_hours, settings.document_days * 24))  # the widest any rule looks
    lo, hi = (moment - keep).isoformat(timespec="seconds"), (moment + keep).isoformat(timespec="seconds")
    # the last stored (an id range: bounded), unless published too far from this one to be linked
    recent = "s.id > (SELECT max(id) FROM statements) - ?"
    if dated:
        recent += " AND (+s.published_at IS NULL OR +s.published_at BETWEEN ? AND ?)"  # + : not by its index
    rows += db.execute(_WINDOW_SELECT.format(table="statements s", where=recent, order="s.id DESC"),
                       [settings.recent_candidates, *([lo, hi] if dated else []), statement_id,
                        settings.recent_candidates]).fetchall()
    docs, seen = [], set()
    for sid, story_id, role, published, publisher, terms, lang, url, title, tags in rows:
        if sid in seen:
            continue
        seen.add(sid)
        published_at = _parse(published)
        words, features = crosslingual.split(orjson.loads(terms))
        doc = stories.Doc(sid, words, frozenset((tags or "").split(",")) - {""}, published_at, story_id,
                          language=lang, features=features, site=_site(url), title=title or "",
                          news=publisher == "news")
        doc.extra = {"news": publisher == "news", "role": role}
        docs.append(doc)
    return docs


def coverage_of(db, statement_id: int, item, is_news: bool, tags: frozenset[str],
                settings: stories.StorySettings = stories.DEFAULTS) -> stories.Link | None:
    """A news item: the stored statement it covers, else another report of the same event
    (a long shared quote; or, in another language or in the same, enough shared evidence).
    A statement: a stored version of the same document, its version in another language on
    the same site, or the news report (still a story of its own) that covered it before it
    was stored. A text without a publication date is placed in time by when it is first
    seen (now), and judged on its text alone with stricter bars (stories.StorySettings)."""
    moment = _published(item)
    corpus = _window_docs(db, statement_id, item.language, moment or datetime.now(UTC), settings,
                          dated=moment is not None)
    doc = stories.Doc(statement_id, stories.top_terms(item.title, item.text), tags, moment, text=item.text,
                      language=item.language, site=site_of(item.canonical_url or ""), title=item.title or "",
                      news=is_news)
    # Names, numbers and days are compared only with another language or another version of
    # a document under the same title: extracted for the decision only then (storing extracts
    # them anyway, once: crosslingual.features keeps the last few).
    if any((d.language or "") != (item.language or "") for d in corpus) or (
            not is_news and any(stories.same_title(doc, d) for d in corpus if not d.news)):
        doc.features = crosslingual.features(item.title, item.text)

    def load_text(sid: int) -> str:
        return db.execute("SELECT text FROM statements WHERE id = ?", [sid]).fetchone()[0]

    if not is_news:
        statements = [d for d in corpus if not d.news]
        link = (stories.document_link(doc, [d for d in statements if d.language == doc.language], corpus, settings)
                or stories.translation_link(doc, statements, corpus, settings))
        if link is not None:
            return link
        reports = [d for d in corpus if d.news and d.story_id == d.id]
        return stories.coverage_link(doc, reports, corpus, load_text, settings) if reports else None
    statements = [d for d in corpus if not d.news]
    link = stories.coverage_link(doc, statements, corpus, load_text, settings) if statements else None
    if link is None:
        peers = [d for d in corpus if d.news]
        link = stories.coverage_link(doc, peers, corpus, load_text, settings, peers=True) if peers else None
    return link


def join_story(db, statement_id: int, item, is_news: bool, now: str) -> tuple[int, str | None]:
    """Link a new statement into a story; (its story id, the relation or None for a root)."""
    tags = frozenset(getattr(t, "tag", None) or dict(t).get("tag") for t in item.tags) - {None}
    other = translation_of(db, statement_id, item)
    if other is not None:
        story = _story_of(db, other)
        _link(db, statement_id, story, other, "translation", None, now, "translation")
        return story, "translation"
    link = coverage_of(db, statement_id, item, is_news, tags)
    if link is None:
        return statement_id, None
    if link.relation in ("translation", "version"):  # another language or version of a stored statement
        _link(db, statement_id, link.story_id, link.statement_id, link.relation, link.cosine, now, link.relation)
        return link.story_id, link.relation
    if is_news:  # this report covers a stored statement
        _link(db, statement_id, link.story_id, link.statement_id, link.relation, link.cosine, now, "coverage")
        return link.story_id, link.relation
    # The report came first: the statement joins its story, the report becomes its coverage.
    _link(db, statement_id, link.story_id, link.statement_id, "statement", link.cosine, now, "statement")
    _link(db, link.statement_id, link.story_id, statement_id, link.relation, link.cosine, now, "coverage")
    return link.story_id, "statement"


def remember_translations(db, statement_id: int, item) -> None:
    for lang, url in translation_urls(item).items():
        db.execute("INSERT OR IGNORE INTO translation_links (canonical_url, statement_id, language) VALUES (?, ?, ?)",
                   [url, statement_id, lang])
