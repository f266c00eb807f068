"""Which earlier provisions contain an article near-verbatim: every one of them, not only the best ranked.

The measure is the one precedent look-up scores with (:func:`ftadraft.fingerprint.coverage`): the share of
the article's canonical words that lie in a 3-word shingle the provision also holds. :func:`precedents`
ranks a few hundred candidates per query for a person reading the top ten; the copy-and-paste measure
needs *every* earlier provision reaching a floor (a template copied into two hundred agreements must be
found in all two hundred), for every article of the corpus, in minutes. So here the candidates are exact:

- A provision holding ``c`` of an article's ``n`` words shares at least ``c / 3`` of its shingle positions
  (one shingle covers at most three words). Counting shared positions over the shingle postings therefore
  finds every provision that can reach ``floor`` (those with ``ceil(floor * n / 3)`` or more), and no
  others need to be scored.
- Counting costs one step per posting of each of the article's shingles. Each shingle's postings are held
  oldest first, so only those of earlier agreements are read (a prefix, whose length a table gives for
  shingles with many postings); and the commonest shingles ("each party shall": thousands of postings),
  as long as they hold no more than half of the positions a provision needs, are left out of the count
  (prefix filtering: a provision reaching the bound must still share the rest) and looked up afterwards,
  for the candidates alone, in a bit matrix of which provisions hold them.
- Each candidate is then scored exactly from the shingles it shares with the article, without reading its
  text.

About 40,000 ToTA articles against all the provisions signed before them take about half a minute on one
core (``bench/reuse_bench.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from .. import fingerprint
from .precedents import PrecedentIndex

_K = fingerprint.SHINGLE
# A shingle held by more provisions than this may be left out of candidate counting (see the module doc).
_COMMON = 200
# Share of the positions needed that the left-out common shingles may hold.
_SPARE = 0.5
# Postings of a shingle gathered whole (and filtered by date) rather than cut at the date by a binary search.
_FEW = 64
# Cells of the (candidates x article words) matrices scored at once.
_CELLS = 4_000_000


@dataclass(frozen=True)
class Containment:
    """The provisions containing at least ``floor`` of each queried article's words, as parallel arrays.

    ``article[i]`` indexes the queried documents, ``doc[i]`` is a provision of the precedent index, and
    ``similarity[i]`` the share of the article's words that provision holds (>= ``floor``)."""

    floor: float
    article: npt.NDArray[np.int32]
    doc: npt.NDArray[np.int32]
    similarity: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        if not 0.0 < self.floor <= 1.0:
            raise ValueError(f"floor must be in (0, 1], not {self.floor}")
        if not len(self.article) == len(self.doc) == len(self.similarity):
            raise ValueError("article, doc and similarity must have the same length")

    def best_per_agreement(self, agreement_of: npt.NDArray[np.int32]) -> Containment:
        """For each article and containing agreement, only its provision holding the most of the article
        (ties: the first in index order)."""
        if len(self.doc) == 0:
            return self
        owner = agreement_of[self.doc]
        order = np.lexsort((self.doc, -self.similarity, owner, self.article))
        a, o = self.article[order], owner[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = (a[1:] != a[:-1]) | (o[1:] != o[:-1])
        keep = order[first]
        return Containment(self.floor, self.article[keep], self.doc[keep], self.similarity[keep])


class Scanner:
    """Exact containment queries over a :class:`PrecedentIndex` (arrays built once per scanner, a second or two
    for ToTA)."""

    def __init__(self, pidx: PrecedentIndex) -> None:
        self.pidx = pidx
        n_docs = len(pidx)
        # Signature dates as ranks (undated: after every date, so never earlier than anything).
        signed = [a.signed for a in pidx.agreements]
        self._dates = sorted({d for d in signed if d is not None})
        dates = len(self._dates) + 1
        rank = np.array([self._rank(d) if d is not None else len(self._dates) for d in signed], dtype=np.int64)
        self.doc_rank = rank[pidx.agreement_of] if n_docs else np.zeros(0, dtype=np.int64)
        keys, docs = pidx.keys, pidx.docs
        # Each distinct shingle and where its postings start.
        first = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if len(keys) else np.zeros(0, np.int64)
        self._shingles = keys[first]
        self._start = np.append(first, len(keys)).astype(np.int64)
        df = np.diff(self._start)
        sid = np.repeat(np.arange(len(first)), df)  # the shingle of each posting
        posted_rank = self.doc_rank[docs] if len(docs) else np.zeros(0, dtype=np.int64)
        # Each shingle's postings oldest first: those of provisions signed before a date are a prefix ...
        self._dated_docs = docs[np.argsort(sid * dates + posted_rank, kind="stable")]
        # ... whose length, for shingles with many postings, is read off a table (shingle, date rank).
        many = np.flatnonzero(df > _FEW)
        self._many_row = np.full(len(first), -1, dtype=np.int64)
        self._many_row[many] = np.arange(len(many))
        rows = self._many_row[sid]
        counted = np.bincount((rows * dates + posted_rank)[rows >= 0], minlength=len(many) * dates)
        self._before = np.zeros((len(many), dates + 1), dtype=np.int32)
        np.cumsum(counted.reshape(len(many), dates), axis=1, out=self._before[:, 1:])
        # Which provisions hold each common shingle, as bits: candidates are checked for them without a search.
        common = np.flatnonzero(df > _COMMON)
        self._common_row = np.full(len(first), -1, dtype=np.int64)
        self._common_row[common] = np.arange(len(common))
        crow = self._common_row[sid]
        bits = np.zeros((len(common), n_docs), dtype=bool)
        bits[crow[crow >= 0], docs[crow >= 0]] = True
        self._bits = np.packbits(bits, axis=1, bitorder="little")
        self._slot = np.full(n_docs, -1, dtype=np.int64)  # candidate number of a provision, reset after use

    def _positions(self, d: int) -> npt.NDArray[np.int64]:
        """The distinct shingle (its number) starting at each word position of provision ``d``."""
        return np.searchsorted(self._shingles, fingerprint.rolling(self.pidx.sequence(d), _K))

    def _rank(self, d: date) -> int:
        """How many distinct signature dates come before ``d``."""
        from bisect import bisect_left

        return bisect_left(self._dates, d)

    def earlier(self, signed: date) -> npt.NDArray[np.bool_]:
        """Provisions of agreements signed strictly before ``signed``."""
        return self.doc_rank < self._rank(signed)  # type: ignore[no-any-return]

    def contained(self, docs: Sequence[int] | npt.NDArray[np.integer], before: date, floor: float, *,
                  per_agreement: bool = False) -> Containment:
        """Every provision of an agreement signed strictly ``before`` a date holding at least ``floor`` of the
        words of each of ``docs`` (precedent index documents); with ``per_agreement`` only the best provision
        of each agreement."""
        if not 0.0 < floor <= 1.0:
            raise ValueError(f"floor must be in (0, 1], not {floor}")
        cutoff = self._rank(before)
        arts: list[npt.NDArray[np.int32]] = []
        found: list[npt.NDArray[np.int32]] = []
        sims: list[npt.NDArray[np.float64]] = []
        for i, d in enumerate(np.asarray(docs, dtype=np.int64).tolist()):
            hit, sim = self._article(d, cutoff, floor)
            if len(hit) and per_agreement:
                hit, sim = _best_of_each(hit, sim, self.pidx.agreement_of)
            if len(hit):
                arts.append(np.full(len(hit), i, dtype=np.int32))
                found.append(hit.astype(np.int32))
                sims.append(sim)
        if not arts:
            return Containment(floor, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.float64))
        return Containment(floor, np.concatenate(arts), np.concatenate(found), np.concatenate(sims))

    def _article(self, d: int, cutoff: int, floor: float) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The provisions signed before date rank ``cutoff`` holding at least ``floor`` of provision ``d``'s words,
        and how much of it each holds."""
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
        n = int(self.pidx.lengths[d])
        if n < _K or len(self._shingles) == 0:
            return empty
        shingles, inv = np.unique(self._positions(d), return_inverse=True)
        weight = np.bincount(inv, minlength=len(shingles))  # positions of each distinct shingle
        lo = self._start[shingles]
        df = self._start[shingles + 1] - lo
        # Postings of provisions signed before the cutoff are a prefix of each shingle's (oldest first): for
        # the shingles with many, its length is in a table; the others are gathered whole and filtered.
        row = self._many_row[shingles]
        many = np.flatnonzero(row >= 0)
        df[many] = self._before[row[many], cutoff]
        need = max(1, math.ceil(floor * n / _K - 1e-9))  # shared positions a provision reaching floor has
        # The commonest shingles, up to half the positions needed, are counted later for candidates only.
        order = np.argsort(-df, kind="stable")
        spare = np.cumsum(weight[order]) <= need * _SPARE
        common = np.zeros(len(shingles), dtype=bool)
        common[order[spare & (df[order] > _COMMON)]] = True
        rare = np.flatnonzero(~common & (df > 0))
        sizes = df[rare]
        total = int(sizes.sum())
        if total == 0:
            return empty
        # All (earlier) postings of the rare shingles at once (a multi-range gather).
        starts = np.cumsum(sizes) - sizes
        doc = self._dated_docs[np.arange(total, dtype=np.int64) + np.repeat(lo[rare] - starts, sizes)]
        shingle = np.repeat(rare, sizes)
        earlier = self.doc_rank[doc] < cutoff
        doc, shingle = doc[earlier], shingle[earlier]
        counts = np.bincount(doc, weights=weight[shingle])
        common_weight = int(weight[common].sum())
        cands = np.flatnonzero(counts >= need - common_weight)
        if len(cands) == 0:
            return empty
        slot = self._slot
        slot[cands] = np.arange(len(cands))
        try:
            row = slot[doc]
        finally:
            slot[cands] = -1
        mine = row >= 0
        held = np.zeros((len(cands), len(shingles)), dtype=bool)
        held[row[mine], shingle[mine]] = True
        shared = counts[cands]
        probed = np.flatnonzero(common)
        if len(probed):
            packed = self._bits[self._common_row[shingles[probed]]][:, cands >> 3]
            found = (packed >> (cands & 7).astype(np.uint8)) & np.uint8(1)
            held[:, probed] = found.T.astype(bool)
            shared = shared + weight[probed] @ found
        keep = shared >= need  # the exact count of shared positions
        cands, held = cands[keep], held[keep]
        if len(cands) == 0:
            return empty
        covered = np.empty(len(cands), dtype=np.int64)
        step = max(1, _CELLS // n)
        for s in range(0, len(cands), step):
            covered[s : s + step] = _covered_words(held[s : s + step], inv, n)
        sim = covered / n
        ok = sim >= floor
        return cands[ok], sim[ok]


def _covered_words(held: npt.NDArray[np.bool_], inv: npt.NDArray[np.intp], n: int) -> npt.NDArray[np.int64]:
    """Per row: how many of the article's ``n`` words lie in a shingle the row holds (``held`` over the distinct
    shingles, ``inv`` the distinct shingle at each position): as :func:`ftadraft.fingerprint.coverage`."""
    starts = np.zeros((len(held), n + _K), dtype=np.int8)
    starts[:, _K : _K + len(inv)] = held[:, inv]
    c = np.cumsum(starts, axis=1, dtype=np.int32)
    # word i is covered when a shared shingle starts at one of positions i-k+1..i
    return ((c[:, _K:] - c[:, :-_K]) > 0).sum(axis=1)  # type: ignore[no-any-return]


def _best_of_each(hit: npt.NDArray[np.int64], sim: npt.NDArray[np.float64],
                  agreement_of: npt.NDArray[np.int32]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    owner = agreement_of[hit]
    order = np.lexsort((hit, -sim, owner))
    o = owner[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = o[1:] != o[:-1]
    return hit[order[first]], sim[order[first]]
