"""Near-copies: the same statement republished elsewhere with its own lead, byline or footer.

An exact fingerprint misses a news site that republishes a ministry statement in full
under two lines of its own. Each stored text gets a MinHash signature (datasketch) over
word shingles of its folded text; the signature is cut into bands and each band's hash
is indexed in SQLite (`nearcopy_bands`), so any crawl process finds the stored texts
that share a band with a new one in a few indexed lookups — nothing is held in memory,
nothing is rebuilt, and several processes share the one index.

A candidate is a near-copy only when most of the shorter text's shingles are in the
longer one (containment) *and* the two are of comparable length: a short statement
quoted inside a long report is coverage, not a copy (pipelines/stories.py). Two daily
briefings that share their opening and closing formulas, or two statements on one topic
with different words, share too few shingles to pass.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass

import numpy as np

from pipelines.textnorm import fold_for_matching

__all__ = ["NearCopy", "NearCopySettings", "Signature", "exact_containment", "find_near_copy", "signature",
           "store_signature"]

# Words; a number glued to the front of a word ("1The Assembly": a paragraph number that
# lost its space in a copy) is a word of its own, so the copy's shingles are the original's.
_WORD = re.compile(r"\d+(?=[^\W\d_])|\w+")


@dataclass(frozen=True)
class NearCopySettings:
    """Thresholds of the near-copy decision; the defaults are what the scenario tests hold.

    num_perm / bands: 64 permutations in 16 bands of 4 rows find pairs whose Jaccard
    similarity is 0.6 with probability 0.89 and 0.8 with 0.9999 (0.3: 0.12, a wasted lookup).
    shingle_words: word 5-grams — long enough that shared formulas ("the Ministry of
    Foreign Affairs of Ukraine") are a small part of a text, short enough to survive edits.
    min_containment: share of the shorter text's shingles found in the longer one.
    min_length_ratio: the shorter text has at least this share of the longer one's
    shingles (below: a quote inside a report, not a republication).
    min_shingles: texts shorter than this are left to the exact fingerprint.
    short_shingles / short_containment: a text of fewer shingles is formulaic ("the Minister
    met the Ambassador of …"): one name changed in 40 words leaves 0.85 of it in common,
    so short texts need nearly all of it (0.95).
    max_days_apart: a republication follows its statement within days; two texts published
    further apart are two statements, however alike (an annual message, a repeated formula).
    max_candidates: rows read per band (a hot bucket cannot make one decision slow).
    exact_margin: 64 permutations estimate containment within about ±0.06; a candidate whose
    estimate falls less than this below the bar is decided on the exact shingles of both
    texts (one stored text read), so a true copy is not lost to the estimate's noise.
    """

    num_perm: int = 64
    bands: int = 16
    shingle_words: int = 5
    min_containment: float = 0.8
    min_length_ratio: float = 0.5
    min_shingles: int = 20
    short_shingles: int = 100
    short_containment: float = 0.95
    max_days_apart: float = 7.0
    max_candidates: int = 50
    exact_margin: float = 0.1

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands


DEFAULTS = NearCopySettings()
# Stored signatures stay comparable only under one seed and one permutation scheme
# (datasketch 2 changed its default scheme; name it, so an upgrade cannot silently change it).
_SEED = 1
_SCHEME = "affine32"


@dataclass(frozen=True)
class Signature:
    shingles: int  # distinct shingles in the text
    values: np.ndarray  # uint32[num_perm]

    def to_blob(self) -> bytes:
        return self.values.astype("<u4").tobytes()

    @classmethod
    def from_blob(cls, shingles: int, blob: bytes) -> Signature:
        return cls(shingles, np.frombuffer(blob, dtype="<u4"))

    def band_hashes(self, settings: NearCopySettings = DEFAULTS) -> list[tuple[int, int]]:
        """(band, 63-bit hash of the band's rows) for each band."""
        r = settings.rows
        raw = self.values.astype("<u4")
        out = []
        for band in range(settings.bands):
            digest = hashlib.blake2b(raw[band * r:(band + 1) * r].tobytes(), digest_size=8).digest()
            out.append((band, int.from_bytes(digest, "little") >> 1))
        return out

    def jaccard(self, other: Signature) -> float:
        return float(np.count_nonzero(self.values == other.values)) / len(self.values)


def shingles(text: str, size: int = DEFAULTS.shingle_words) -> set[bytes]:
    """Word n-grams of the folded text (case, quotes, dashes, a number glued to a word's front do not count)."""
    words = _WORD.findall(fold_for_matching(text))
    if len(words) < size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + size]).encode() for i in range(len(words) - size + 1)}


_PERMUTATIONS: dict[int, np.ndarray] = {}


def signature(text: str, settings: NearCopySettings = DEFAULTS) -> Signature | None:
    """The text's MinHash signature, or None when it is too short to judge."""
    grams = shingles(text, settings.shingle_words)
    if len(grams) < settings.min_shingles:
        return None
    # datasketch pulls in scipy (~0.3 s): imported when a text is first stored, not by every command.
    from datasketch import MinHash

    if settings.num_perm not in _PERMUTATIONS:
        _PERMUTATIONS[settings.num_perm] = MinHash(num_perm=settings.num_perm, seed=_SEED, scheme=_SCHEME).permutations
    # CRC-32 of each shingle (stable across processes and versions, three times faster than
    # datasketch's SHA-1), mixed by the affine32 permutations.
    mh = MinHash(num_perm=settings.num_perm, seed=_SEED, hashfunc=zlib.crc32,
                 permutations=_PERMUTATIONS[settings.num_perm],
                 scheme=_SCHEME)
    mh.update_batch(list(grams))
    return Signature(len(grams), mh.hashvalues.astype(np.uint32))


def containment(a: Signature, b: Signature) -> tuple[float, float]:
    """(share of the smaller set inside the larger, smaller/larger size), from the estimated
    Jaccard similarity J: |A∩B| = J·(|A|+|B|)/(1+J)."""
    j = a.jaccard(b)
    small, large = sorted((a.shingles, b.shingles))
    inter = j * (a.shingles + b.shingles) / (1 + j)
    return min(1.0, inter / small), small / large


@dataclass(frozen=True)
class NearCopy:
    statement_id: int
    jaccard: float
    containment: float


def store_signature(db, statement_id: int, sig: Signature | None, settings: NearCopySettings = DEFAULTS) -> None:
    """Index a stored statement's signature (inside the caller's write transaction)."""
    if sig is None:
        return
    db.execute(
        "INSERT OR REPLACE INTO nearcopy_signatures (statement_id, shingles, signature) VALUES (?, ?, ?)",
        [statement_id, sig.shingles, sig.to_blob()],
    )
    db.execute("DELETE FROM nearcopy_bands WHERE statement_id = ?", [statement_id])
    getattr(db, "conn", db).executemany(  # a sqlite-utils Database or a sqlite3 connection
        "INSERT OR IGNORE INTO nearcopy_bands (band, hash, statement_id) VALUES (?, ?, ?)",
        [(band, h, statement_id) for band, h in sig.band_hashes(settings)],
    )


def candidates(db, sig: Signature, settings: NearCopySettings = DEFAULTS) -> list[int]:
    """Stored statements sharing at least one band with the signature (one indexed lookup per band)."""
    found: dict[int, int] = {}
    for band, h in sig.band_hashes(settings):
        for (sid,) in db.execute(
            "SELECT statement_id FROM nearcopy_bands WHERE band = ? AND hash = ? LIMIT ?",
            [band, h, settings.max_candidates],
        ):
            found[sid] = found.get(sid, 0) + 1
    return sorted(found, key=lambda s: (-found[s], s))


def exact_containment(text: str, other: str, size: int = DEFAULTS.shingle_words) -> tuple[float, float]:
    """`containment` computed on the texts' shingles themselves rather than estimated."""
    a, b = shingles(text, size), shingles(other, size)
    small, large = sorted((len(a), len(b)))
    if not small:
        return 0.0, 0.0
    return len(a & b) / small, small / large


def find_near_copy(db, sig: Signature | None, settings: NearCopySettings = DEFAULTS,
                   *, accept=None, text: str | None = None) -> NearCopy | None:
    """The stored statement the text is a near-copy of (best match), or None.

    `accept(statement_id)` may refuse a candidate (another language, another day). With
    `text` (the new statement's), a candidate estimated just below the bar is decided on
    the exact shingles of both texts.
    """
    if sig is None:
        return None
    ids = candidates(db, sig, settings)[: settings.max_candidates]
    if not ids:
        return None
    best = None
    marks = ",".join("?" * len(ids))
    for sid, count, blob in db.execute(
        f"SELECT statement_id, shingles, signature FROM nearcopy_signatures WHERE statement_id IN ({marks})", ids
    ):
        other = Signature.from_blob(count, blob)
        share, ratio = containment(sig, other)
        short = min(sig.shingles, other.shingles) < settings.short_shingles
        bar = settings.short_containment if short else settings.min_containment
        if share < bar and text is not None and share >= bar - settings.exact_margin:
            row = db.execute("SELECT text FROM statements WHERE id = ?", [sid]).fetchone()
            if row and row[0]:
                share, ratio = exact_containment(text, row[0], settings.shingle_words)
        if share < bar:
            continue
        if ratio < settings.min_length_ratio:
            continue
        if accept is not None and not accept(sid):
            continue
        found = NearCopy(sid, sig.jaccard(other), share)
        if best is None or (found.containment, found.jaccard, -sid) > (best.containment, best.jaccard, -best.statement_id):
            best = found
    return best
