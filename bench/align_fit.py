"""Fit ``ftadraft.compare.align.MODEL`` (pair features -> match probability) on the dev pairs only.

A logistic regression with a small L2 penalty over the features of ``align.pair_features``, trained on the
article pairs the bench can judge (at least one of the two articles has a gold partner; gold by equal
original titles, see ``align_families.py``), titles removed. Then the cut-off is chosen on a 0.05 grid by
summed F1 of the whole aligner over the dev pairs. It prints the ``PairModel(...)`` to paste into
``align.py``, the in-sample dev F1 and a leave-one-family-group-out dev F1 (each dev group scored by a model
fitted without it: the honest estimate). No held-out pair is read.

    .venv/bin/python bench/align_fit.py --db PATH [--l2 1.0]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

import ftadraft
import ftadraft.compare.align as align_module
from align_families import Counts, Pair, load_pairs, score, strip_titles
from ftadraft.compare.align import FEATURES, PairModel, align_articles, article_label, pair_features

_BARE: dict[str, tuple[list, list]] = {}  # pair id -> its chapters without titles (the same objects every time)
_FEATURES: dict[tuple[int, int], tuple] = {}  # (id(a), id(b)) -> pair_features(a, b): the cut-off grid reuses them


def _cached_features(a: Sequence, b: Sequence) -> tuple:
    key = (id(a), id(b))
    if key not in _FEATURES:
        _FEATURES[key] = pair_features(a, b)
    return _FEATURES[key]


def bare(p: Pair) -> tuple[list, list]:
    if p.id not in _BARE:
        _BARE[p.id] = (strip_titles(p.a), strip_titles(p.b))
    return _BARE[p.id]

BALANCE = False  # weight the few gold pairs up to the many others (tried; fits dev worse)


def training_rows(pairs: Sequence[Pair]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, labels, group index) of every judged article pair of ``pairs``."""
    xs, ys, gs = [], [], []
    groups = sorted({p.group for p in pairs})
    for p in pairs:
        a, b = bare(p)
        f, _score, _present = _cached_features(a, b)
        la, lb = [article_label(x) for x in a], [article_label(x) for x in b]
        gold_a, gold_b = {g[0] for g in p.gold}, {g[1] for g in p.gold}
        for i, x in enumerate(la):
            for j, y in enumerate(lb):
                if x in gold_a or y in gold_b:
                    xs.append(f[i, j])
                    ys.append(1.0 if (x, y) in p.gold else 0.0)
                    gs.append(groups.index(p.group))
    return np.array(xs), np.array(ys), np.array(gs)


def fit(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression (intercept not penalised); features scaled to unit spread first."""
    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd == 0] = 1.0
    z = (x - mu) / sd
    pos = y.sum()
    w_pos = 1.0 if not BALANCE else (len(y) - pos) / max(pos, 1.0)  # optionally balance the few positives

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, c = theta[:-1], theta[-1]
        t = z @ w + c
        p = 1.0 / (1.0 + np.exp(-t))
        weight = np.where(y > 0, w_pos, 1.0)
        eps = 1e-12
        ll = -(weight * (y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))).sum() / len(y)
        grad_t = weight * (p - y) / len(y)
        g = np.concatenate([z.T @ grad_t + l2 * w / len(y), [grad_t.sum()]])
        return ll + 0.5 * l2 * float(w @ w) / len(y), g

    res = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B")
    w, c = res.x[:-1], res.x[-1]
    coef = w / sd
    return coef, float(c - (mu / sd) @ w)


def evaluate(pairs: Sequence[Pair], model: PairModel) -> Counts:
    total = Counts()
    for p in pairs:
        found = align_articles(*bare(p), model=model)
        total += score({(x.a, x.b) for x in found.pairs}, p.gold)
    return total


def best_cutoff(pairs: Sequence[Pair], coef: np.ndarray, intercept: float) -> tuple[PairModel, Counts]:
    best: tuple[PairModel, Counts] | None = None
    for cutoff in np.arange(0.2, 0.91, 0.05):
        model = PairModel(tuple(round(float(v), 4) for v in coef), round(intercept, 4), round(float(cutoff), 2))
        c = evaluate(pairs, model)
        if best is None or c.f1 > best[1].f1 + 1e-9:
            best = (model, c)
    assert best is not None
    return best


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True, help="an index holding ToTA (read only)")
    ap.add_argument("--l2", type=float, default=1.0, help="L2 penalty")
    ap.add_argument("--no-cv", action="store_true", help="skip the leave-one-group-out estimate")
    ap.add_argument("--train", choices=("dev", "dev+heldout"), default="dev",
                    help="pairs to fit on: dev, or dev and the old (already seen) heldout split; never heldout2/3")
    args = ap.parse_args(argv)
    align_module.pair_features = _cached_features  # type: ignore[assignment]  # align_articles reuses them
    with ftadraft.open(Path(args.db), create=False) as corpus:
        splits = ("dev",) if args.train == "dev" else ("dev", "heldout")
        dev = [p for p in load_pairs(corpus) if p.split in splits]
        x, y, g = training_rows(dev)
        print(f"{len(dev)} dev pairs, {len(y)} judged article pairs, {int(y.sum())} gold")
        coef, intercept = fit(x, y, args.l2)
        model, counts = best_cutoff(dev, coef, intercept)
        for name, v in zip(FEATURES, coef, strict=True):
            print(f"  {name:12} {v:+.3f}")
        print(f"dev, in sample: {counts.text()}")
        print(f"MODEL = {model!r}")  # paste into align.py (wrapped)
        if not args.no_cv:
            groups = sorted({p.group for p in dev})
            cv = Counts()
            per_split: dict[str, Counts] = {}
            for k, group in enumerate(groups):
                c_k, i_k = fit(x[g != k], y[g != k], args.l2)
                rest = [p for p in dev if p.group != group]
                m_k, _ = best_cutoff(rest, c_k, i_k)
                for p in dev:
                    if p.group == group:
                        one = evaluate([p], m_k)
                        per_split.setdefault(p.split, Counts())
                        per_split[p.split] += one
                got = evaluate([p for p in dev if p.group == group], m_k)
                cv += got
                print(f"  without {group:20} -> {got.text()}")
            print(f"{args.train}, leave one family group out: {cv.text()}")
            for split, c in sorted(per_split.items()):
                print(f"  of which {split}: {c.text()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
