"""How a search becomes SQL: which index gives its order, so LIMIT stops the scan early.

The storage API (pipelines/db.py) runs the plan; this module only decides it:

- a query is found in the stemmed index when it is made of Cyrillic words (two phrases for
  «Совет Европы» instead of every case form), else in the main index (pipelines/fts.py);
  snippets always come from the main index, which holds the text;
- a query ranked by relevance reads the full-text index in bm25 order (for a very common
  query, the newest RANK_WINDOW matches, so the answer comes in bounded time);
- a query sorted by date reads its matches' dates from the (id, ordering key) index when
  they are few, and walks the date index asking the full-text index about each statement
  when they are many;
- a tag without a query walks statement_tags(tag, sort_at), the tag rows carrying their
  statement's date; anything else walks the ordering-key indexes.
"""

from __future__ import annotations

from pipelines.fts import fts_query, stem_query
from spiders.errors import QueryError

SNIPPET_MARKS = ("\ue000", "\ue001")  # private-use characters around matched words in a snippet
# "Newest first" with a query, by how many statements match (measured at a million statements):
# under 1 in 200 (and under DENSE_MATCHES), read every match's date from the (id, date) index;
# under 1 in 20, list the matches once and walk the date index keeping listed ones; above,
# walk the date index and ask the full-text index about each statement (20 in 20 steps or so).
DENSE_MATCHES = 1_000
SPARSE_SHARE, DENSE_SHARE = 200, 20
# Ranking by relevance scores at most this many matches, the newest stored (see _rank_window).
RANK_WINDOW = 10_000


def normal(field: str, value: str) -> str:
    """Filters are case-insensitive: tags, sources, languages, publisher kinds are stored in
    lower case, countries in upper case."""
    return value.strip().upper() if field == "country" else value.strip().lower()


class SearchPlan:
    """One search's SQL: the ids of the matching statements in order, read from the index that
    gives that order directly (full text by rank, tags by date, statements by date), so that
    LIMIT stops the scan instead of following a join and a sort over every match."""

    def __init__(self, store, query=None, tag=None, source=None, country=None, publisher=None,
                 language=None, since=None, until=None, min_score=None, sort=None):
        self.query = query.strip() if query and query.strip() else None
        # `match`: the main index's expression (every case form), which gives the snippets;
        # `find` in `index`: what finds and ranks the statements, the stemmed index when it can
        # answer (a Cyrillic query, the index current), two phrases instead of every case form.
        self.match = fts_query(self.query, store.indexed) if self.query else None
        stems = stem_query(self.query) if self.query else None
        self.index, self.find = ("statements_stems", stems) if stems and store.stems_current() else \
            ("statements_fts", self.match)
        self.sort = sort or "date"
        if self.sort not in ("relevance", "date"):
            raise QueryError(f"unknown sort {sort!r} (known: relevance, date)")
        if self.sort == "relevance" and not self.query:
            self.sort = "date"
        self.tag = normal("tag", tag) if tag else None
        self.min_score = min_score
        self.since, self.until = since, until
        self._density: str | None = None
        self.windowed = False  # ranked among all matches (no filter): at most RANK_WINDOW of them
        # Conditions on the statement row `s`.
        self.where: list[str] = []
        self.params: list = []
        self.source = normal("source", source) if source else None
        if country:
            self._add("s.source IN (SELECT id FROM sources WHERE upper(country) = ?)", normal("country", country))
        if publisher:
            self._add("s.source IN (SELECT id FROM sources WHERE lower(publisher) = ?)",
                      normal("publisher", publisher))
        if language:
            self._add("s.language = ?", normal("language", language))

    def _rows(self, *, with_source: bool = True) -> tuple[list[str], list]:
        """Conditions on the statement row `s` (a source: the statement or one of its sightings)."""
        where, params = list(self.where), list(self.params)
        if self.source and with_source:
            where.insert(0, "(s.source = ? OR EXISTS (SELECT 1 FROM sightings g WHERE g.statement_id = s.id "
                            "AND g.source = ?))")
            params[0:0] = [self.source, self.source]
        return where, params

    def _add(self, clause: str, *params) -> None:
        self.where.append(clause)
        self.params.extend(params)

    def _tag_exists(self, id_expr: str) -> tuple[list[str], list]:
        if self.tag:
            score = " AND tg.score >= ?" if self.min_score is not None else ""
            params = [self.tag] + ([self.min_score] if self.min_score is not None else [])
            return [(f"EXISTS (SELECT 1 FROM statement_tags tg WHERE tg.statement_id = {id_expr} "
                    f"AND tg.tag = ?{score})")], params
        if self.min_score is not None:
            return [(f"EXISTS (SELECT 1 FROM statement_tags tg WHERE tg.statement_id = {id_expr} "
                    "AND tg.score >= ?)")], [self.min_score]
        return [], []

    def _time(self, key: str) -> tuple[list[str], list]:
        where, params = [], []
        if self.since:
            where.append(f"{key} >= ?")
            params.append(self.since)
        if self.until:
            where.append(f"{key} < ?")
            params.append(self.until)
        return where, params

    def ids_sql(self, store, *, ordered: bool = True) -> tuple[str, list]:
        """The SELECT of matching ids, in the search's order (or, for counting, in any order).

        By relevance the order is `f.rank, f.rowid`: SQLite keeps the best LIMIT rows as it
        scores each match with the configured bm25 (and ties go to the older statement,
        as FTS5's own rank order gives them). `ORDER BY f.rank` alone would let FTS5 sort
        every match itself, copying each one's word positions into its sorter: measured
        at a million statements that costs 15-25% more CPU for the same rows.
        """
        key = "coalesce(s.published_at, s.first_seen_at)"
        if self.query and (self.sort == "relevance" or not ordered or not self.dense(store)):
            time_w, time_p = self._time(key)
            tag_w, tag_p = self._tag_exists("f.rowid")
            row_w, row_p = self._rows()
            where = [f"{self.index} MATCH ?", *tag_w, *row_w, *time_w]
            params = [self.find, *tag_p, *row_p, *time_p]
            if ordered and self.sort == "relevance" and not (tag_w or row_w or time_w):
                self.windowed = True
                floor = self._rank_window(store)
                if floor is not None:
                    where.append("f.rowid >= ?")
                    params.append(floor)
            join = ""
            if row_w or time_w or self.sort == "date":
                by_id = "" if row_w else " INDEXED BY idx_statements_id_when"  # the date without the row
                join = f" CROSS JOIN statements s{by_id} ON s.id = f.rowid"
            order = "f.rank, f.rowid" if self.sort == "relevance" else f"{key} DESC, s.id DESC"
            order = f" ORDER BY {order}" if ordered else ""
            return f"SELECT f.rowid FROM {self.index} f{join} WHERE {' AND '.join(where)}{order}", params
        if self.tag and not self.query:
            time_w, time_p = self._time("tg.sort_at")
            row_w, row_p = self._rows()
            where = ["tg.tag = ?", *time_w, *row_w]
            params = [self.tag, *time_p, *row_p]
            if self.min_score is not None:
                where.insert(1, "tg.score >= ?")
                params.insert(1, self.min_score)
            join = " CROSS JOIN statements s ON s.id = tg.statement_id" if row_w else ""
            return (f"SELECT tg.statement_id FROM statement_tags tg{join} WHERE {' AND '.join(where)} "
                    "ORDER BY tg.sort_at DESC, tg.statement_id DESC"), params
        time_w, time_p = self._time(key)
        tag_w, tag_p = self._tag_exists("s.id")
        if self.source and not self.query:
            return self._by_source([*self.where, *tag_w], [*self.params, *tag_p])
        row_w, row_p = self._rows()
        where = [*time_w, *row_w, *tag_w]
        params = [*time_p, *row_p, *tag_p]
        indexed = ""
        if self.query and self.density(store) == "common":
            where.append(f"s.id IN (SELECT rowid FROM {self.index} WHERE {self.index} MATCH ?)")
            params.append(self.find)
            indexed = " INDEXED BY idx_statements_when" if not row_w else ""
        elif self.query:  # "everywhere"
            where.append(f"EXISTS (SELECT 1 FROM {self.index} WHERE {self.index} MATCH ? AND rowid = s.id)")
            params.append(self.find)
        return (f"SELECT s.id FROM statements s{indexed}{' WHERE ' + ' AND '.join(where) if where else ''} "
                f"ORDER BY {key} DESC, s.id DESC"), params

    def snippets(self, store, ids: list[int]) -> dict[int, str]:
        """Each found statement's snippet around the query's words, for these ids only.

        FTS5 computes a snippet from the row's phrase positions, so the MATCH runs once
        more. It scans the matches between the lowest and highest id found when they are
        few (a relevance search without a filter ranks at most RANK_WINDOW matches, and a
        rare word has few anywhere): one pass over a short stretch of each word's list, where
        seeking each id would walk every case form's index from its root 20 times over.
        Otherwise (a common word, filtered or by date) it seeks each id.
        """
        if not ids or not self.match:
            return {}
        marks = ",".join("?" * len(ids))
        scan = self.windowed or not self.dense(store)
        where = f"rowid BETWEEN ? AND ? AND +rowid IN ({marks})" if scan else f"rowid IN ({marks})"
        bounds = [min(ids), max(ids)] if scan else []
        return dict(store.run_query_sql(
            f"SELECT rowid, snippet(statements_fts, 1, ?, ?, '…', 24) FROM statements_fts "
            f"WHERE statements_fts MATCH ? AND {where}",
            [*SNIPPET_MARKS, self.match, *bounds, *ids],
            self.query,
        ))

    def _by_source(self, where: list[str], params: list) -> tuple[str, list]:
        """A source's statements newest first, read in order from sightings(source, sort_at):
        every statement has a sighting at its own source and at each source that republished it."""
        time_w, time_p = self._time("g.sort_at")
        row_w = [*time_w, *where]
        join = " CROSS JOIN statements s ON s.id = g.statement_id" if where else ""
        sql = (f"SELECT DISTINCT g.statement_id FROM sightings g{join} WHERE g.source = ?"
               + "".join(f" AND {w}" for w in row_w) + " ORDER BY g.sort_at DESC, g.statement_id DESC")
        return sql, [self.source, *time_p, *params]

    def density(self, store) -> str:
        """How many statements the query matches: "few" (under 1 in SPARSE_SHARE, or under
        DENSE_MATCHES), "common" (under 1 in DENSE_SHARE) or "everywhere" — counted only as far
        as needed to tell."""
        if self._density is None:
            newest = store.db.execute("SELECT max(id) FROM statements").fetchone()[0] or 0
            sql = f"SELECT count(*) FROM (SELECT 1 FROM {self.index} WHERE {self.index} MATCH ? LIMIT ?)"
            self._density = "few"
            for name, share in (("common", SPARSE_SHARE), ("everywhere", DENSE_SHARE)):
                enough = max(DENSE_MATCHES, newest // share)
                if store.run_query_sql(sql, [self.find, enough], self.query)[0][0] < enough:
                    break
                self._density = name
        return self._density

    def dense(self, store) -> bool:
        """Whether reading every match's date would cost more than walking the date index."""
        return self.density(store) != "few"

    def _rank_window(self, store) -> int | None:
        """The lowest rowid among the newest RANK_WINDOW matches, when there are more: bm25 must
        score every match it ranks, so a word in half a million statements ranks the newest
        RANK_WINDOW of them (by storage order) and answers in bounded time."""
        row = store.run_query_sql(
            f"SELECT rowid FROM {self.index} WHERE {self.index} MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
            [self.find, RANK_WINDOW], self.query,
        )
        return row[0][0] + 1 if row else None
