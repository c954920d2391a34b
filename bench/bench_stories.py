"""The identity + near-copy + story decision for a new statement, with N statements stored.

Run: nice -n 19 python bench/bench_stories.py [--statements N] [--probes P] [--per-day D] [--db PATH]
Target (issue #9): <= 5 ms at p95 with 1,000,000 statements stored.

The database is built fast with bulk inserts of synthetic rows through the real schema
(migrations applied by open_db): N statements spread over N/D days (D per day, default
300: about twenty sources), each with a random MinHash signature and its 16 LSH bands,
story terms drawn from a Zipf-like vocabulary, cross-language features (names, numbers,
days named: pipelines/crosslingual.py) and a sighting; a third of them are in Russian.
Then P new statements of ~600 words (synthetic, same vocabulary, with names; a third of
them near-copies of a stored text with a lead, a third news items in the window of
stored statements, half of those in Russian: the cross-language path) go through the
decision exactly as Store.save makes it — address/identity, exact fingerprint, MinHash
signature and LSH lookups, then translation and coverage over the 72 h window — without
writing, so every probe sees the same N. Printed: p50, p95, p99, max in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines import crosslingual, linking, nearcopy, stories
from pipelines.db import open_db
from pipelines.dedup import fingerprint
from spiders.items import Statement
from spiders.sources import Source
from spiders.urls import canonical_url

START = datetime(2017, 1, 1, tzinfo=UTC)
VOCAB = [f"term{i:05d}" for i in range(20000)]
WEIGHTS = np.array([1 / (i + 10) for i in range(len(VOCAB))])
WEIGHTS /= WEIGHTS.sum()
SOURCES = [
    Source(id="ministry", name="Ministry", publisher="ministry", country="UA", language="en", spider="feed",
           feed_urls=("https://ministry.example/rss",)),
    Source(id="news", name="News", publisher="news", country="UA", language="en", spider="feed",
           feed_urls=("https://news.example/rss",)),
]


# Proper names: capitalised made-up words, Zipf-like too (a few actors are named often).
NAMES = ["".join(random.Random(i).choice("bcdfghklmnprstvz") + random.Random(i * 7 + k).choice("aeiou")
                 for k in range(3)).capitalize() for i in range(3000)]
NAME_WEIGHTS = np.array([1 / (i + 5) for i in range(len(NAMES))])
NAME_WEIGHTS /= NAME_WEIGHTS.sum()


def feature_keys(rng: np.random.Generator) -> frozenset[str]:
    """What crosslingual.features would find in a statement: ~6 names, a number, a day or two."""
    keys = {crosslingual.NAME + crosslingual.name_key(NAMES[i])
            for i in rng.choice(len(NAMES), size=6, p=NAME_WEIGHTS)}
    keys.add(crosslingual.NUMBER + str(int(rng.integers(100, 99999))))
    keys.update(crosslingual.DATE + f"{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}"
                for _ in range(int(rng.integers(0, 3))))
    return frozenset(keys)


def words(rng: np.random.Generator, n: int) -> list[str]:
    return [VOCAB[i] for i in rng.choice(len(VOCAB), size=n, p=WEIGHTS)]


def build(path: Path, n: int, per_day: int, seed: int = 7) -> None:
    store = open_db(path)
    store.upsert_sources(SOURCES)
    rng = np.random.default_rng(seed)
    settings = nearcopy.DEFAULTS
    conn = store.db.conn
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    batch = 50_000
    t0 = time.perf_counter()
    for lo in range(1, n + 1, batch):
        ids = range(lo, min(n, lo + batch - 1) + 1)
        rows, sights, sigs, terms, bands = [], [], [], [], []
        values = rng.integers(0, 2**32, size=(len(ids), settings.num_perm), dtype=np.uint64).astype("<u4")
        band_hashes = rng.integers(0, 2**63, size=(len(ids), settings.bands), dtype=np.int64)
        sampled = rng.choice(len(VOCAB), size=(len(ids), 48), p=WEIGHTS)
        for k, sid in enumerate(ids):
            day = START + timedelta(seconds=int((sid / per_day) * 86400))
            source = "news" if sid % 3 == 0 else "ministry"
            url = f"https://{source}.example/news/{sid}"
            language = "ru" if sid % 3 == 1 else "en"
            rows.append((sid, source, url, url, f"Title {sid}", "synthetic", day.isoformat(timespec="seconds"),
                         language, "news", f"{sid:064x}", "{}", day.isoformat(), day.isoformat(), sid))
            sights.append((sid, source, url, url, day.isoformat(), day.isoformat()))
            sigs.append((sid, 400, values[k].tobytes()))
            top = {}
            for w in sampled[k]:
                top[VOCAB[w]] = top.get(VOCAB[w], 0) + 1
            terms.append((sid, json.dumps(crosslingual.with_features(top, feature_keys(rng)),
                                          separators=(",", ":"))))
            bands.extend((b, int(band_hashes[k, b]), sid) for b in range(settings.bands))
        bands.sort()
        with store.write():
            conn.executemany(
                "INSERT INTO statements (id, source, url, canonical_url, title, text, published_at, language, kind, "
                "fingerprint, extra, fetched_at, first_seen_at, story_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            conn.executemany("INSERT INTO sightings (statement_id, source, url, canonical_url, first_seen_at, "
                             "last_seen_at) VALUES (?,?,?,?,?,?)", sights)
            conn.executemany("INSERT INTO nearcopy_signatures VALUES (?,?,?)", sigs)
            conn.executemany("INSERT INTO story_terms VALUES (?,?)", terms)
            conn.executemany("INSERT INTO nearcopy_bands VALUES (?,?,?)", bands)
        print(f"  stored {ids[-1]:>9,} statements ({time.perf_counter() - t0:.0f} s)", flush=True)
    conn.execute("ANALYZE")
    store.close()


def copy_of(n: int) -> int:
    """The stored statement whose text the near-copy probes republish (an English one)."""
    return n // 2 - (n // 2) % 3


def probes(n: int, count: int, per_day: int, seed: int = 11) -> tuple[list[Statement], str]:
    """New statements: plain ones, near-copies (a lead + a stored text), news items in a stored window."""
    rng = np.random.default_rng(seed)
    rnd = random.Random(seed)
    stored_text = " ".join(words(rng, 600))
    out = []
    for k in range(count):
        sid = rnd.randint(n // 2, n)  # somewhere in the stored history
        if k % 3 == 1:  # republished an hour after the stored statement it copies
            sid = copy_of(n)
            text = "A lead written by a news site. " + stored_text
        else:
            body = words(rng, 600)
            for i, name in enumerate(rng.choice(len(NAMES), size=8, p=NAME_WEIGHTS)):
                body[40 + i * 60] = NAMES[name]  # names inside sentences, as a report writes them
            text = " ".join(body)
        at = START + timedelta(seconds=int((sid / per_day) * 86400) + 3600)
        source = "news" if k % 3 == 2 else "ministry"
        language = "ru" if k % 6 == 5 else "en"  # half the news items: the cross-language path
        st = Statement(source=source, url=f"https://{source}.example/new/{k}?utm_source=x", title=f"New {k}",
                       text=text, language=language, published_at=at, fetched_at=at)
        st.canonical_url = canonical_url(st.url)
        st.fingerprint = fingerprint(st.title, st.text, at)
        out.append(st)
    return out, stored_text


def decide(db, item, is_news: bool) -> str:
    """What Store.save decides, without writing (pipelines/linking.py, same order)."""
    if linking.same_statement(db, item) is not None:
        return "same"
    if linking.same_text(db, item) is not None:
        return "text"
    sig = nearcopy.signature(item.text)
    if linking.near_copy(db, item, sig) is not None:
        return "near-copy"
    if linking.translation_of(db, 0, item) is not None:
        return "translation"
    link = linking.coverage_of(db, 0, item, is_news, frozenset())
    return link.relation if link else "new"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--probes", type=int, default=300)
    parser.add_argument("--per-day", type=int, default=300)
    parser.add_argument("--db", type=Path, help="reuse (or build) this database file")
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp()) / "bench_stories.db"
    if not path.exists():
        print(f"building {args.statements:,} statements in {path} …", flush=True)
        build(path, args.statements, args.per_day)
    store = open_db(path)
    items, stored_text = probes(args.statements, args.probes, args.per_day)
    # one stored statement carries the text the near-copy probes republish
    with store.write() as db:
        linking.index_text(db, copy_of(args.statements), Statement(source="ministry", url="x", title="t",
                                                                    text=stored_text))
    db = store.db
    for item in items[:20]:  # warm the page cache and the permutations
        decide(db, item, item.source == "news")
    times, cpu, outcomes = [], [], {}
    for item in items:
        t, c = time.perf_counter(), time.process_time()
        outcome = decide(db, item, item.source == "news")
        cpu.append((time.process_time() - c) * 1000)
        times.append((time.perf_counter() - t) * 1000)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    total = db.execute("SELECT count(*) FROM statements").fetchone()[0]
    print(f"statements stored: {total:,}; probes: {len(items)} ({outcomes})")
    # On a shared machine wall time includes waiting for a core; CPU time is the decision's own cost.
    for label, values in (("wall", times), ("CPU ", cpu)):
        values.sort()
        q = statistics.quantiles(values, n=100)
        print(f"decision ms ({label}): p50 {q[49]:.2f}  p95 {q[94]:.2f}  p99 {q[98]:.2f}  max {values[-1]:.2f}")
    print(f"window settings: {stories.DEFAULTS.window_hours:.0f} h, at most {stories.DEFAULTS.max_candidates} "
          f"candidates; {args.per_day} statements per day")
    store.close()


if __name__ == "__main__":
    main()
