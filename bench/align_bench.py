"""Benchmark and quality check of chapter alignment (``ftadraft.compare.align``) on real ToTA chapters.

1. Quality: pairs of chapters of US FTAs whose articles carry titles. Titles are removed (alignment on
   text only); the gold pairs are the articles with equal titles on both sides. Precision is counted over
   predicted pairs that touch a gold article (a pair of two articles without a title twin cannot be
   judged); recall over all gold pairs. Baseline: rapidfuzz token_set_ratio alone, same greedy
   assignment, cut-off 0.5.
2. Speed: aligning two 20-article chapters (TPP ch. 5 + 14 against KORUS ch. 7 + 15, first 20 of
   each), target <= 0.5 s.

Run:  python bench/align_bench.py DB    (an index holding ToTA: ``ftadraft --db DB corpus fetch tota``)
"""

from __future__ import annotations

import dataclasses
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rapidfuzz import fuzz

import ftadraft
from ftadraft.compare.align import align_articles, chapter_provisions
from ftadraft.model import Provision

#: (agreement A, chapter A, agreement B, chapter B): customs and e-commerce chapters of US FTAs.
CHAPTER_PAIRS: tuple[tuple[str, str, str, str], ...] = (
    ("tota-156", "Customs", "tota-342", "Customs"),  # Peru / Colombia
    ("tota-157", "Customs", "tota-159", "Customs"),  # Panama / KORUS
    ("tota-158", "Customs", "tota-26", "Customs"),  # Oman / Morocco
    ("tota-37", "Customs", "tota-17", "Customs"),  # Australia / Bahrain
    ("tota-23", "Customs", "tota-158", "Customs"),  # CAFTA-DR / Oman
    ("tpp", "Customs", "korus", "Customs"),  # TPP / KORUS
    ("tota-156", "Electronic Commerce", "tota-37", "Electronic Commerce"),  # Peru / Australia
    ("tota-17", "Electronic Commerce", "tota-159", "Electronic Commerce"),  # Bahrain / KORUS
    ("tota-23", "Electronic Commerce", "tota-26", "Electronic Commerce"),  # CAFTA-DR / Morocco
    ("tpp", "Electronic Commerce", "tota-37", "Electronic Commerce"),  # TPP / Australia
    ("tpp", "Electronic Commerce", "korus", "Electronic Commerce"),  # TPP / KORUS
    ("tpp", "Customs", "tota-37", "Customs"),  # TPP / Australia
    ("korus", "Customs", "tota-37", "Customs"),  # KORUS / Australia
)

Aligner = Callable[[Sequence[Provision], Sequence[Provision]], set[tuple[str, str]]]


def _title(p: Provision) -> str:
    return " ".join(re.findall(r"\w+", (p.title or "").lower()))


def ours(a: Sequence[Provision], b: Sequence[Provision]) -> set[tuple[str, str]]:
    """ftadraft.compare.align on texts without titles."""
    return {(x.a, x.b) for x in align_articles(a, b).pairs}


def baseline(a: Sequence[Provision], b: Sequence[Provision], cutoff: float = 0.5) -> set[tuple[str, str]]:
    """token_set_ratio alone, the same greedy assignment (no splits), a fixed cut-off."""
    matrix = [[fuzz.token_set_ratio(x.normalized.lower(), y.normalized.lower()) / 100.0 for y in b] for x in a]
    from ftadraft.compare.align import greedy_match

    return {(a[i].number or a[i].id, b[j].number or b[j].id) for i, j in greedy_match(matrix, cutoff).items()}


def evaluate(corpus: ftadraft.Corpus, aligner: Aligner, verbose: bool = False) -> dict[str, float]:
    """Precision, recall and F1 of ``aligner`` over CHAPTER_PAIRS, titles removed."""
    tp = predicted = gold_total = 0
    for ra, ca, rb, cb in CHAPTER_PAIRS:
        pa = chapter_provisions(corpus.index.provisions(corpus.agreement(ra).id), ca)
        pb = chapter_provisions(corpus.index.provisions(corpus.agreement(rb).id), cb)
        gold = {(x.number or x.id, y.number or y.id) for x in pa for y in pb if _title(x) and _title(x) == _title(y)}
        gold_a, gold_b = {g[0] for g in gold}, {g[1] for g in gold}
        bare_a = [dataclasses.replace(p, title=None) for p in pa]
        bare_b = [dataclasses.replace(p, title=None) for p in pb]
        pred = aligner(bare_a, bare_b)
        if verbose:
            print(f"  {ra} {ca} / {rb} {cb}: {len(pred & gold)}/{len(gold)} gold found, "
                  f"{len({p for p in pred if p[0] in gold_a or p[1] in gold_b} - gold)} wrong")
        judged = {p for p in pred if p[0] in gold_a or p[1] in gold_b}
        tp += len(judged & gold)
        predicted += len(judged)
        gold_total += len(gold)
    precision = tp / predicted if predicted else 0.0
    recall = tp / gold_total if gold_total else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "gold": gold_total}


def speed(corpus: ftadraft.Corpus, repeat: int = 5) -> float:
    """Best time (s) to align two 20-article chapters."""
    tpp = corpus.index.provisions(corpus.agreement("tpp").id)
    korus = corpus.index.provisions(corpus.agreement("korus").id)
    a = (chapter_provisions(tpp, "5") + chapter_provisions(tpp, "14"))[:20]
    b = (chapter_provisions(korus, "7") + chapter_provisions(korus, "15") + chapter_provisions(korus, "6"))[:20]
    assert len(a) == len(b) == 20
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        align_articles(a, b)
        best = min(best, time.perf_counter() - t)
    return best


def main(db: str) -> int:
    with ftadraft.open(Path(db), create=False) as c:
        for name, fn in (("ftadraft.compare.align", ours), ("baseline token_set_ratio", baseline)):
            r = evaluate(c, fn, verbose="-v" in sys.argv)
            print(f"{name:26} P {r['precision']:.3f}  R {r['recall']:.3f}  F1 {r['f1']:.3f}  ({r['gold']} gold pairs)")
        t = speed(c)
        print(f"align two 20-article chapters: {t * 1000:.1f} ms (target <= 500 ms)")
        return 0 if t <= 0.5 else 1


if __name__ == "__main__":
    args = [x for x in sys.argv[1:] if x != "-v"]
    sys.exit(main(args[0] if args else "ftadraft.sqlite"))
