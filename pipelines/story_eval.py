"""Precision and recall of story linking on real pairs (tests/data/stories/, issue #9).

Each pair (a, b, relation same|translation|coverage|none) is stored into a fresh database
through the real Store.save, a first, then b, exactly as a crawl would; the pair is
*linked* when b ends in a's story (a sighting of it, a translation, coverage), and
*merged* when b becomes a itself (a sighting). Scored: linking (same + translation +
coverage are positives, none negatives) and merging (same positives, the rest negatives).

Who is a news site and who speaks for itself decides which pairs are compared for
coverage: an address on a site of the registry that is not `news` (mid.ru, coe.int,
mfa.gov.ua …) is a statement, any other address a news item. Identity rules come from
the registry's sources on the same site.

Run: python -m pipelines.story_eval [FILE ...]  (default: tests/data/stories/test.jsonl)
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipelines.db import open_db
from pipelines.dedup import fingerprint
from pipelines.tagging import tag
from spiders import config
from spiders.errors import EvalSetError
from spiders.items import Statement
from spiders.sources import Source, load_sources
from spiders.urls import canonical_url, identity_key, site_of

RELATIONS = ("same", "translation", "coverage", "none")


def load_pairs(path: Path) -> list[dict]:
    pairs = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalSetError(f"{path}: cannot read: {exc}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            pair = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalSetError(f"{path}:{n}: not JSON: {exc}") from None
        if pair.get("relation") not in RELATIONS or not isinstance(pair.get("a"), dict) \
                or not isinstance(pair.get("b"), dict):
            raise EvalSetError(f"{path}:{n}: needs a, b and a relation in {', '.join(RELATIONS)}")
        pairs.append(pair)
    return pairs


@dataclass
class Registry:
    """Sites of the registry: publisher and identity rule per site."""

    sites: dict[str, Source] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Registry:
        reg = cls()
        for source in load_sources(config.sources_path(), check_spiders=False).values():
            for url in source.feed_urls + source.listing_urls + source.sitemap_urls + source.api_urls:
                reg.sites.setdefault(site_of(url), source)
        return reg

    def source_for(self, url: str) -> Source:
        site = site_of(url)
        # pace.coe.int and assembly.coe.int are coe.int's: the registry's site or a parent of it
        known = self.sites.get(site) or next(
            (src for known_site, src in self.sites.items() if site.endswith("." + known_site)), None)
        slug = "".join(c if c.isalnum() else "-" for c in site)[:60].strip("-") or "unknown"
        return Source(id=slug, name=site, publisher=known.publisher if known else "news", country="",
                      language="", spider="feed", feed_urls=("https://" + (site or "unknown.example") + "/",),
                      identity=known.identity if known else "")


def _item(side: dict, source: Source) -> Statement:
    published = side.get("published_at")
    at = datetime.fromisoformat(published) if published else None
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    title = side.get("title") or side["text"].strip().split("\n", 1)[0][:200]
    st = Statement(source=source.id, url=side["source"], title=title, text=side["text"],
                   language=side.get("language") or "", published_at=at, fetched_at=datetime.now(UTC))
    st.canonical_url = canonical_url(st.url)
    st.fingerprint = fingerprint(st.title, st.text, at)
    st.identity_key = identity_key(st.url, source.identity) or ""
    st.tags = tag(st.text, st.language or "en", title=st.title)
    return st


def fill_missing_dates(pair: dict) -> dict:
    """The pair with a missing publication date taken from the other side (both unknown: a
    fixed day), so the decision rests on the texts alone."""
    a, b = dict(pair["a"]), dict(pair["b"])
    a["published_at"] = a.get("published_at") or b.get("published_at") or "2024-01-01T12:00:00+00:00"
    b["published_at"] = b.get("published_at") or a["published_at"]
    return {**pair, "a": a, "b": b}


def predict(pair: dict, registry: Registry, workdir: Path) -> str:
    """'same' (b is a sighting of a), 'linked' (b in a's story), or 'none'."""
    path = workdir / "pair.db"
    for leftover in workdir.glob("pair.db*"):
        leftover.unlink()
    a_src, b_src = registry.source_for(pair["a"]["source"]), registry.source_for(pair["b"]["source"])
    if a_src.id == b_src.id and pair["a"]["source"] == pair["b"]["source"]:
        b_src = Source(**{**a_src.__dict__, "id": a_src.id + "-b"})
    with open_db(path) as store:
        store.upsert_sources([a_src] if a_src.id == b_src.id else [a_src, b_src])
        _, a_id = store.save(_item(pair["a"], a_src))
        _outcome, b_id = store.save(_item(pair["b"], b_src))
        if b_id == a_id:
            return "same"
        stories = store.db.execute("SELECT id, story_id FROM statements WHERE id IN (?, ?)", [a_id, b_id]).fetchall()
        return "linked" if len({s for _, s in stories}) == 1 else "none"


@dataclass
class Scores:
    counts: dict = field(default_factory=dict)  # (expected relation, prediction) -> pairs
    mistakes: list = field(default_factory=list)

    def add(self, relation: str, predicted: str, note: str) -> None:
        self.counts[(relation, predicted)] = self.counts.get((relation, predicted), 0) + 1
        linked = predicted != "none"
        if linked != (relation != "none") or (predicted == "same") != (relation == "same") and relation != "none":
            self.mistakes.append((relation, predicted, note))

    def _pr(self, positive, predicted_positive) -> tuple[float, float, int, int, int]:
        tp = sum(n for (r, p), n in self.counts.items() if positive(r) and predicted_positive(p))
        fp = sum(n for (r, p), n in self.counts.items() if not positive(r) and predicted_positive(p))
        fn = sum(n for (r, p), n in self.counts.items() if positive(r) and not predicted_positive(p))
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        return precision, recall, tp, fp, fn

    def linking(self):
        return self._pr(lambda r: r != "none", lambda p: p != "none")

    def merging(self):
        return self._pr(lambda r: r == "same", lambda p: p == "same")

    def recall_of(self, relation: str) -> tuple[int, int]:
        total = sum(n for (r, _), n in self.counts.items() if r == relation)
        found = sum(n for (r, p), n in self.counts.items() if r == relation and p != "none")
        return found, total

    def report(self) -> str:
        lines = []
        for name, (p, r, tp, fp, fn) in (("linking", self.linking()), ("merging (same)", self.merging())):
            lines.append(f"{name:<15} precision {p:.2f}  recall {r:.2f}  (tp {tp}, fp {fp}, fn {fn})")
        for relation in RELATIONS[:3]:
            found, total = self.recall_of(relation)
            lines.append(f"  {relation:<12} linked {found}/{total}")
        wrong = sum(n for (r, p), n in self.counts.items() if r == "none" and p != "none")
        total = sum(n for (r, _), n in self.counts.items() if r == "none")
        lines.append(f"  {'none':<12} wrongly linked {wrong}/{total}")
        return "\n".join(lines)


def evaluate(pairs: list[dict], *, assume_dates: bool = False) -> Scores:
    """Scores of the pairs as given (a text without a date is judged on its words alone, with
    the stricter bars of pipelines/stories.py, since nothing says the two are of one week),
    or with `assume_dates` missing dates filled in (both then count as within the window)."""
    registry = Registry.load()
    scores = Scores()
    with tempfile.TemporaryDirectory() as tmp:
        for pair in pairs:
            pair = fill_missing_dates(pair) if assume_dates else pair
            scores.add(pair["relation"], predict(pair, registry, Path(tmp)), pair.get("note", ""))
    return scores


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    paths = [Path(p) for p in argv] or [config.CODE_ROOT / "tests" / "data" / "stories" / "test.jsonl"]
    pairs = [p for path in paths for p in load_pairs(path)]
    dated = sum(1 for p in pairs if p["a"].get("published_at") and p["b"].get("published_at"))
    print(f"{len(pairs)} pairs from {', '.join(map(str, paths))} ({dated} with both dates)")
    print("dates as given (a text without a date is judged on its words alone, with stricter bars):")
    print(evaluate(pairs).report())
    print("missing dates taken from the other text (the decision on the texts alone):")
    print(evaluate(pairs, assume_dates=True).report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
