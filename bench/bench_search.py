"""How fast reading the archive is at scale: full-text search, newest-N with filters, CLI start.

Run: nice -n 19 python bench/bench_search.py [--statements N] [--db PATH] [--rounds R]
Targets (issue #12, at 1,000,000 statements): full-text p50 <= 30 ms, p95 <= 100 ms and
<= 1.2x a bare FTS5 query for the same words; newest 20 with any one filter p50 <= 20 ms;
`communique search` wall time (process start included) p50 <= 150 ms.

The database is built once through the real schema (`pipelines.db.open_db`, so every
migration and FTS trigger applies) and cached at /tmp/communique-bench-<N>.db (or --db):
N statements of ~3 KB glued from the real evaluation passages (tests/data/coe_eval/dev/:
en, de, uk, ru, fr) plus a long tail of rare words, from 20 sources over ten years, ~10%
tagged `coe`, 3% without a publication date. Rows go in with bulk inserts inside one
transaction (the triggers keep FTS current), which is how a backfill would look.

Query words are chosen from the built index itself (fts5vocab): "common" words appear in
more than 20% of statements, "rare" ones in 0.05-0.5%. Each query is compared with a bare
FTS5 query for the same words in the same run: `ORDER BY rank LIMIT 20` for relevance,
`ORDER BY rowid DESC LIMIT 20` for date. A query our search answers from the stemmed index
(Cyrillic words, migration 0010) is compared with the same work done bare: rank in
`statements_stems`, then snippet() of those 20 from the main index; the bare query in every
case form of the main index is printed too. A database cached before 0010 gets its stemmed
index when the benchmark opens it (the migration stems every statement, as for a user).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pipelines.db
import pipelines.search_plan
from pipelines.db import open_db

EVAL = ROOT / "tests" / "data" / "coe_eval" / "dev"  # the development part: no held-out text is reused
SIZE = 3000
SOURCES = [  # id, publisher, country, language
    *[(f"mfa-{c}-{lang}", "ministry", c.upper(), lang) for c in ("ru", "ua", "fr", "de", "pl")
      for lang in ("en", "xx")],
    *[(f"news-{n}-{lang}", "news", "UA", lang) for n in ("a", "b", "c") for lang in ("en", "uk", "ru")],
    ("coe-newsroom-en", "intergovernmental", "", "en"),
]
TAGS = [("coe", 0.10), ("pace", 0.03), ("echr_court", 0.02), ("cpt", 0.005), ("greco", 0.001)]


def _passages() -> dict[str, list[str]]:
    by_lang: dict[str, list[str]] = {}
    for path in sorted(EVAL.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            by_lang.setdefault(row["language"], []).append(row["text"])
    return by_lang


def _source_language(source_lang: str, rnd: random.Random) -> str:
    if source_lang == "xx":  # a ministry's own language
        return rnd.choice(["ru", "uk", "fr", "de"])
    return source_lang


def build(path: Path, n: int, seed: int = 12) -> None:
    """N statements, their sightings and tags, through the real schema, in one transaction."""
    rnd = random.Random(seed)
    passages = _passages()
    tail = [f"{''.join(rnd.choice('bcdfghklmnprstvz') + rnd.choice('aeiou') for _ in range(4))}"
            for _ in range(50_000)]  # rare words: names, places, numbers in real statements
    store = open_db(path)
    start = datetime(2016, 1, 1, tzinfo=UTC)
    span = int(timedelta(days=3650).total_seconds())
    now = datetime.now(UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    with store.write() as db:
        db.conn.executemany(
            "INSERT OR REPLACE INTO sources (id, name, publisher, country, language, spider, enabled, verified) "
            "VALUES (?, ?, ?, ?, ?, 'feed', 1, 1)",
            [(sid, sid.upper(), pub, country, lang if lang != "xx" else None) for sid, pub, country, lang in SOURCES],
        )
        batch_s, batch_g, batch_t = [], [], []
        for i in range(1, n + 1):
            sid, _, _, slang = SOURCES[rnd.randrange(len(SOURCES))]
            lang = _source_language(slang, rnd)
            pool = passages.get(lang) or passages["en"]
            parts, size = [], 0
            while size < SIZE:
                p = rnd.choice(pool)
                if rnd.random() < 0.5:
                    p += " " + " ".join(rnd.choice(tail) for _ in range(3))
                parts.append(p)
                size += len(p) + 1
            text = "\n".join(parts)
            title = parts[0][:90]
            when = start + timedelta(seconds=rnd.randrange(span))
            published = None if rnd.random() < 0.03 else when.isoformat(timespec="seconds")
            url = f"https://{sid}.example/{i}"
            batch_s.append((i, sid, url, url, title, text, published, published, lang, "statement", None,
                            f"fp{i}", "{}", when.isoformat(timespec="seconds"),
                            when.isoformat(timespec="seconds")))
            batch_g.append((i, sid, url, url, now, now))
            for tag_name, share in TAGS:
                if rnd.random() < share:
                    ev = json.dumps([{"term": "Council of Europe", "start": 0, "end": 17,
                                      "snippet": "Council of Europe", "field": "text"}])
                    batch_t.append((i, tag_name, round(rnd.uniform(0.2, 1.0), 2), ev, now))
            if len(batch_s) >= 5000 or i == n:
                db.conn.executemany(
                    """INSERT INTO statements (id, source, url, canonical_url, title, text, published_at,
                         published_local, language, kind, speaker, fingerprint, extra, fetched_at, first_seen_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", batch_s)
                db.conn.executemany(
                    "INSERT INTO sightings (statement_id, source, url, canonical_url, first_seen_at, last_seen_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)", batch_g)
                db.conn.executemany(
                    "INSERT OR IGNORE INTO statement_tags (statement_id, tag, score, evidence, tagged_at) "
                    "VALUES (?, ?, ?, ?, ?)", batch_t)
                batch_s, batch_g, batch_t = [], [], []
                if i % 50_000 == 0:
                    print(f"  built {i:,} statements ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.db.execute("ANALYZE")
    store.close()
    print(f"built {n:,} statements in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


def choose_words(store, cache: Path) -> dict[str, list[str]]:
    """Common and rare words from the index itself (computed once, cached beside the db)."""
    if cache.exists():
        return json.loads(cache.read_text())
    db = store.db
    n = db.execute("SELECT count(*) FROM statements").fetchone()[0]
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.bench_vocab USING fts5vocab(main, statements_fts, row)")
    rows = db.execute("SELECT term, doc FROM temp.bench_vocab WHERE length(term) >= 5").fetchall()
    words = {
        "common": [t for t, d in sorted(rows, key=lambda r: -r[1]) if d > 0.2 * n and t.isalpha()][:8],
        "rare": [t for t, d in rows if 0.0005 * n <= d <= 0.005 * n and t.isalpha() and not t.isascii()][:4]
        + [t for t, d in rows if 0.0005 * n <= d <= 0.005 * n and t.isalpha() and t.isascii()][:4],
    }
    cache.write_text(json.dumps(words, ensure_ascii=False))
    return words


class Sample(float):
    """A wall-clock time in ms that also knows the CPU time this process spent (`cpu`, ms):
    on a machine shared with other work the wall clock measures the queue for a core too."""

    cpu: float


def timed(fn, rounds: int) -> list[Sample]:
    out = []
    for _ in range(rounds):
        c, t = time.process_time(), time.perf_counter()
        fn()
        sample = Sample((time.perf_counter() - t) * 1000)
        sample.cpu = (time.process_time() - c) * 1000
        out.append(sample)
    return out


def pct(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return statistics.median(s), s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]


def report(name: str, samples: list[float], target: float | None = None, extra: str = "") -> None:
    p50, p95 = pct(samples)
    mark = "" if target is None else ("  ok" if p50 <= target else f"  OVER target {target:g} ms")
    cpu = [getattr(x, "cpu", None) for x in samples]
    cpu = f"  (cpu p50 {statistics.median(cpu):7.2f})" if None not in cpu and any(cpu) else " " * 20
    print(f"{name:<58} p50 {p50:8.2f} ms  p95 {p95:8.2f} ms{cpu}{extra}{mark}")


def _supports(store, name: str) -> bool:
    import inspect

    return name in inspect.signature(store.search).parameters


def run(path: Path, rounds: int, cli_rounds: int) -> None:
    store = open_db(path, create=False)
    words = choose_words(store, path.with_suffix(".words.json"))
    n = store.db.execute("SELECT count(*) FROM statements").fetchone()[0]
    size = path.stat().st_size
    text_bytes = store.db.execute("SELECT sum(length(CAST(text AS BLOB))) FROM statements").fetchone()[0]
    print(f"database: {n:,} statements, {size / 1e9:.2f} GB, {size / n:,.0f} bytes per statement "
          f"(text alone {text_bytes / n:,.0f})")
    print(f"words: common {words['common']}, rare {words['rare']}")
    db = store.db
    sortable = _supports(store, "sort")

    def expression(q: str) -> str:
        """The FTS5 expression our search sends for `q` (Cyrillic words in the case forms the index holds)."""
        if hasattr(pipelines.search_plan, "SearchPlan"):
            return pipelines.search_plan.SearchPlan(store, q).match
        return pipelines.db.fts_query(q)

    snippet = ", snippet(statements_fts, 1, '[', ']', '…', 24)"

    def bare(q: str, order: str, columns: str = "", floor: int = 0):
        sql = (f"SELECT rowid{columns} FROM statements_fts WHERE statements_fts MATCH ? AND rowid > ? "
               f"ORDER BY {order} LIMIT 20")
        args = [expression(q), floor]
        return lambda: db.execute(sql, args).fetchall()

    def window_floor(q: str, table: str = "statements_fts", match: str | None = None) -> int:
        window = getattr(pipelines.search_plan, "RANK_WINDOW", None)
        if not window:
            return 0
        row = db.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid DESC "
                         "LIMIT 1 OFFSET ?", [match or expression(q), window]).fetchall()
        return row[0][0] if row else 0

    def stemmed(q: str) -> str | None:
        """The stemmed index's expression when our search reads it for `q` (migration 0010), else None."""
        plan = pipelines.search_plan.SearchPlan(store, q) if hasattr(pipelines.search_plan, "SearchPlan") else None
        return plan.find if getattr(plan, "index", "statements_fts") == "statements_stems" else None

    def bare_stemmed(q: str, order: str, floor: int = 0):
        """Bare FTS5 doing the same work through the stemmed index: rank (or rowid order) there,
        then snippet() of those 20 statements from the main index (the stemmed one holds no text)."""
        find, match = stemmed(q), expression(q)
        sql = (f"SELECT rowid FROM statements_stems WHERE statements_stems MATCH ? AND rowid > ? "
               f"ORDER BY {order} LIMIT 20")

        def go():
            ids = [r[0] for r in db.execute(sql, [find, floor])]
            marks = ",".join("?" * len(ids))
            return db.execute(f"SELECT rowid{snippet} FROM statements_fts WHERE statements_fts MATCH ? "
                              f"AND rowid IN ({marks})", [match, *ids]).fetchall()
        return go

    def bare_by_date(q: str):
        """Bare SQL doing the same work for --sort date: the matches' publication dates read from
        `statements` (FTS5 keeps rows in insertion order, which is not publication order), the
        newest 20, then snippet() of those 20 from the main index."""
        find = stemmed(q)
        table = "statements_stems" if find else "statements_fts"
        sql = (f"SELECT s.id FROM {table} JOIN statements s ON s.id = {table}.rowid WHERE {table} MATCH ? "
               "ORDER BY coalesce(s.published_at, s.first_seen_at) DESC LIMIT 20")
        match = expression(q)

        def go():
            ids = [r[0] for r in db.execute(sql, [find or match])]
            marks = ",".join("?" * len(ids))
            return db.execute(f"SELECT rowid{snippet} FROM statements_fts WHERE statements_fts MATCH ? "
                              f"AND rowid IN ({marks})", [match, *ids]).fetchall()
        return go

    groups = {**words, "uk/ru case forms": ["Совет Европы", "Рада Європи", "Советом Европы", "Радою Європи"]}
    for kind, queries in groups.items():
        for sort, order in (("relevance", "rank"), ("date", "rowid DESC")):
            if sort == "relevance" and not sortable:
                continue
            ours, ids_only, same_output, windowed, stem_same, by_date = [], [], [], [], [], []
            for q in queries:
                kwargs = {"sort": sort} if sortable else {}
                store.search(q, **kwargs)  # warm
                ours += timed(lambda q=q, kw=kwargs: store.search(q, **kw), rounds)
                ids_only += timed(bare(q, order), rounds)
                same_output += timed(bare(q, order, snippet), rounds)
                if sort == "relevance":
                    windowed += timed(bare(q, order, snippet, window_floor(q)), rounds)
                if sort == "date":
                    by_date += timed(bare_by_date(q), rounds)
                if stemmed(q):
                    floor = window_floor(q, "statements_stems", stemmed(q)) if sort == "relevance" else 0
                    stem_same += timed(bare_stemmed(q, order, floor), rounds)
            if sort == "relevance":  # the same work: rank (the newest RANK_WINDOW matches), snippets
                base = stem_same or windowed
                ratio = pct(ours)[0] / max(pct(base)[0], 1e-6)
                report(f"full-text {kind}, by {sort}", ours, 30, f"  ({ratio:4.2f}x bare FTS5 same work)")
                if stem_same:
                    report("  bare FTS5 stemmed index: rank newest + main snippet()", stem_same)
                report("  bare FTS5: rank + snippet() of the newest matches", windowed)
                report("  bare FTS5: rank + snippet() of every match", same_output)
            else:
                ratio = pct(ours)[0] / max(pct(by_date)[0], 1e-6)
                report(f"full-text {kind}, by {sort}", ours, 30, f"  ({ratio:4.2f}x bare SQL same work)")
                report("  bare SQL: FTS5 match, publication date from statements, newest 20 + snippet()", by_date)
                base = stem_same or same_output
                ratio = pct(ours)[0] / max(pct(base)[0], 1e-6)
                print(f"  ours: {ratio:4.2f}x bare FTS5 in rowid order (insertion, not publication order)")
                if stem_same:
                    report("  bare FTS5 stemmed index: rowid DESC + main snippet()", stem_same)
                report("  bare FTS5: ORDER BY rowid DESC + snippet()", same_output)
            report(f"  bare FTS5: ids only, ORDER BY {order}", ids_only)

    filters = {
        "no filter": {},
        "--tag coe": {"tag": "coe"},
        "--tag greco (0.1%)": {"tag": "greco"},
        "--source mfa-ru-xx": {"source": "mfa-ru-xx"},
        "--lang ru": {"language": "ru"},
        "--since 2024-06-01": {"since": "2024-06-01T00:00:00+00:00"},
        "--until 2018-01-01": {"until": "2018-01-01T00:00:00+00:00"},
    }
    if _supports(store, "country"):
        filters["--country FR"] = {"country": "FR"}
        filters["--publisher intergovernmental"] = {"publisher": "intergovernmental"}
    for name, kw in filters.items():
        store.search(**kw)
        report(f"newest 20, {name}", timed(lambda kw=kw: store.search(**kw), rounds), 20)
    if hasattr(store, "counts"):
        for by in ("source", "language", "tag", "day", "week"):
            kw = {"limit": 30} if by in ("day", "week") else {}
            report(f"stats --by {by}", timed(lambda by=by, kw=kw: store.counts(by, **kw), max(1, rounds // 3)))
        report("stats --by week --tag coe", timed(lambda: store.counts("week", tag="coe", limit=30),
                                                  max(1, rounds // 3)))
    if hasattr(store, "count_matches"):
        for name, kw in (("no filter", {}), ("--tag coe", {"tag": "coe"}), ("common word", {"query": words["common"][0]})):
            report(f"count for the footer, {name}", timed(lambda kw=kw: store.count_matches(**kw), rounds))
    store.close()

    exe = Path(sys.executable).with_name("communique")
    cmd = [str(exe), "search", words["rare"][0], "--db", str(path), "--limit", "20"]
    # As installed: bytecode cached (this machine sets PYTHONDONTWRITEBYTECODE, which makes every
    # start compile communique's own modules again, ~30 ms that no user pays).
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "COLUMNS": "120"}
    subprocess.run(cmd, capture_output=True, check=True, env=env)
    cpu = []

    def once():
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, capture_output=True, check=True, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)

    wall = timed(once, cli_rounds)
    report("`communique search WORD` wall time", wall, 150)
    # On a shared machine the wall time mostly measures the queue for a core; the process's own
    # CPU time is what it would take on an idle one.
    report("`communique search WORD` CPU time (user+sys)", cpu, 150)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="database path (default /tmp/communique-bench-<N>.db)")
    parser.add_argument("--rounds", type=int, default=10, help="timings per query")
    parser.add_argument("--cli-rounds", type=int, default=10)
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    path = args.db or Path(f"/tmp/communique-bench-{args.statements}.db")
    if not path.exists():
        build(path, args.statements)
    else:
        open_db(path, create=False).close()  # apply new migrations to a cached database
    if not args.build_only:
        run(path, args.rounds, args.cli_rounds)


if __name__ == "__main__":
    main()
