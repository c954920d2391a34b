"""How many 3 KB statements per second the tagger handles on one core.

Run: python bench/bench_tagging.py [--statements N] [--rounds R]
Target (issue #4): >= 2,000 statements of 3 KB per second.

Two corpora, both real text:

* "pages": the article text of the saved real pages under tests/fixtures (ministry and
  news sites in en, de, fr, uk, ru, pl; the Council of Europe newsroom among them), cut
  into 3 KB statements. This is what a crawl feeds the tagger.
* "dense": 3 KB statements glued from the evaluation passages (tests/data/coe_eval/dev/)
  of one language: every statement is thick with Council of Europe names and their EU
  look-alikes (~30 matches per statement), the worst case for the tagger.

The number to compare with the target is the "pages" line; "dense" shows the floor.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.tagging import load_lexicon, tag
from pipelines.textnorm import normalize_text

EVAL = ROOT / "tests" / "data" / "coe_eval" / "dev"
FIXTURES = ROOT / "tests" / "fixtures"
SIZE = 3000


def page_paragraphs() -> list[list[str]]:
    """Paragraph texts of each saved page (one list per page)."""
    import lxml.html

    pages = []
    for path in sorted(FIXTURES.rglob("*.htm*")):
        try:
            doc = lxml.html.fromstring(path.read_bytes())
        except (ValueError, lxml.etree.ParserError):
            continue
        paras = [normalize_text(p.text_content()) for p in doc.iter("p", "li", "h1", "h2", "h3")]
        paras = [p for p in paras if len(p) > 40]
        if sum(map(len, paras)) > 500:
            pages.append(paras)
    return pages


def pages_corpus(n: int) -> list[str]:
    pages = page_paragraphs()
    if not pages:
        return []
    corpus = []
    i = 0
    while len(corpus) < n:
        paras = pages[i % len(pages)]
        offset = (i // len(pages)) % len(paras)
        parts: list[str] = []
        k = offset
        while sum(map(len, parts)) < SIZE:
            parts.append(paras[k % len(paras)])
            k += 1
        corpus.append("\n\n".join(parts)[:SIZE])
        i += 1
    return corpus


def dense_corpus(n: int, seed: int = 4) -> list[str]:
    rng = random.Random(seed)
    by_lang: dict[str, list[str]] = {}
    lines = [
        line
        for path in sorted(EVAL.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    for line in lines:
        if line.strip():
            rec = json.loads(line)
            by_lang.setdefault(rec.get("language") or "", []).append(rec["text"])
    langs = [lg for lg, texts in by_lang.items() if len(texts) >= 10]
    corpus = []
    for _ in range(n):
        pool = by_lang[rng.choice(langs)]
        parts: list[str] = []
        while sum(map(len, parts)) < SIZE:
            parts.append(rng.choice(pool))
        corpus.append(normalize_text("\n\n".join(parts))[:SIZE])
    return corpus


def measure(corpus: list[str], lexicon, rounds: int) -> tuple[float, int, float]:
    best = 0.0
    tagged = 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        tagged = sum(1 for text in corpus if tag(text, None, lexicon=lexicon))
        best = max(best, len(corpus) / (time.perf_counter() - t0))
    kb = sum(len(t.encode("utf-8")) for t in corpus) / max(len(corpus), 1) / 1024
    return best, tagged, kb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--statements", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    lexicon = load_lexicon()
    print(
        f"lexicon: {lexicon.term_count} terms, loaded and compiled in {(time.perf_counter() - t0) * 1000:.0f} ms"
    )
    for name, corpus in (("pages", pages_corpus(args.statements)), ("dense", dense_corpus(args.statements))):
        if not corpus:
            print(f"{name}: no text to build it from")
            continue
        rate, tagged, kb = measure(corpus, lexicon, args.rounds)
        print(
            f"{name}: {rate:,.0f} statements/s  ({len(corpus)} statements of {kb:.1f} KB on average, "
            f"{tagged} tagged; best of {args.rounds}, one core; target >= 2,000)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
