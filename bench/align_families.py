"""Chapter alignment across template families: ``align_articles`` against a plain baseline on real ToTA pairs.

The pairs, their template families and the four splits are fixed in ``align_pairs.toml`` (references only:
agreement ids, chapter names, article ranges; no treaty text): ``dev`` (tune on these), ``heldout`` (read during
the first tuning round, so no longer blind) and ``heldout2`` (14 pairs drawn later by a rule written down
first, ``align_select.py``; read once, at the end of the second round) and ``heldout3`` (14 pairs drawn by a rule
written before round 6 started tuning; read once, at its end: ``--split final``). For each pair both chapters are
read from an index holding ToTA, their titles are removed, and each aligner sees the article texts alone.

Gold: the article pairs whose original titles are equal after normalisation (case, punctuation, footnote
numbers glued to titles, British/American spelling, singular/plural, "co-operation"/"cooperation", "trade
mark"/"trademark") and after mapping the few title synonyms listed per topic in ``[synonyms.TOPIC]`` of the
pair file. An article whose title occurs twice on the other side has two gold partners. Splits and merges:
an article titled "X and Y" (or "X, Y and Z") is gold-paired with the other side's articles titled X and Y
when every part has exactly such an article and neither that article nor this one has an equal-title partner
(e.g. "Inward Processing And Outward Processing" against "Inward Processing" + "Outward Processing");
``extra_gold`` in a pair lists any further, hand-checked splits or merges. Nothing else counts as gold.

Scores, per pair and summed over the pairs of each family group (e.g. "EU–US"), each split and overall:
- recall = gold pairs predicted / gold pairs;
- precision = gold pairs predicted / predicted pairs that touch a gold article (an article with a gold
  partner, on either side). A pair of two articles that both lack a title twin cannot be judged: their
  counterpart may exist under another title. A predicted split or merge counts one pair per article pair;
- F1 of the two, from the summed counts.

Baseline (same run): rapidfuzz ``fuzz.token_set_ratio`` between the lower-cased normalised article texts,
optimal one-to-one assignment (``scipy.optimize.linear_sum_assignment``), pairs kept when the score is at
least a threshold tuned on the dev pairs only (best summed dev F1 on a 0.01 grid).

Speed: aligning two 20-article chapters (EAEU–Viet Nam customs, 20 articles, against the first 20 of
Switzerland–China customs, titles removed), best of five runs; target <= 0.5 s. And the Word redline of that
chapter pair (align with titles + write the tracked-changes DOCX, checked), best of three; target <= 1 s.

Run:
    .venv/bin/python bench/align_families.py --db PATH                  # dev pairs only (what to tune on)
    .venv/bin/python bench/align_families.py --db PATH --split heldout2 # blind held-out: read once, at the end
    .venv/bin/python bench/align_families.py --db PATH --split all -v   # all three, one line per pair
    .venv/bin/python bench/align_families.py --db PATH --misses ID      # wrong and missed pairs (not heldout2)
    .venv/bin/python bench/align_families.py --db PATH --check          # gold per pair, no aligner run

PATH is an index holding ToTA (``ftadraft --db PATH corpus add ../shared/corpus/tota/xml``); it is only read.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import time
import tomllib
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Self

import numpy as np
from rapidfuzz import fuzz, process
from scipy.optimize import linear_sum_assignment

import ftadraft
from ftadraft.compare.align import align_articles, article_label, chapter_provisions
from ftadraft.model import Provision

PAIRS_FILE = Path(__file__).with_name("align_pairs.toml")
SPEED_A = ("tota-447", "5")  # EAEU - Viet Nam, Customs Administration and Trade Facilitation (20 articles)
SPEED_B = ("tota-376", "4")  # Switzerland - China, Customs Procedures and Trade Facilitation (first 20 of 23)
TARGET_S = 0.5
TARGET_DOCX_S = 1.0

Labels = set[tuple[str, str]]


# ---------------------------------------------------------------- pairs and gold


@dataclasses.dataclass
class Pair:
    id: str
    split: str  # "dev", "heldout", "heldout2" or "heldout3"
    topic: str
    families: tuple[str, str]
    a: list[Provision]
    b: list[Provision]
    gold: Labels
    compound: Labels  # the part of gold that comes from the "X and Y" rule or extra_gold

    @property
    def group(self) -> str:
        return "–".join(sorted(self.families))


def _spelling(t: str) -> str:
    t = t.lower()
    t = re.sub(r"(?<=[a-z)])\d+\b", "", t)  # footnote numbers glued to a title: "Cancellation20"
    t = re.sub(r"\bco-?operat", "cooperat", t)
    t = re.sub(r"\be-commerce\b", "electronic commerce", t)
    t = re.sub(r"\btrade[\s-]+mark", "trademark", t)
    t = re.sub(r"\bprogramme", "program", t)
    t = re.sub(r"favour", "favor", t)
    t = re.sub(r"isation", "ization", t)
    t = re.sub(r"\bfor the purposes? of this chapter\b", "", t)
    words = re.findall(r"[a-z]+", t)
    words = [w for w in words if w not in ("the", "a", "an")]
    words = [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")) else w for w in words]
    return " ".join(words)


class TitleNormaliser:
    """Title -> comparable key: spelling normalised, then synonyms mapped to one key."""

    def __init__(self, synonyms: dict[str, list[str]]):
        self.map: dict[str, str] = {}
        for key, variants in synonyms.items():
            for v in [key, *variants]:
                self.map[_spelling(v)] = _spelling(key)

    def __call__(self, title: str | None) -> str:
        t = _spelling(title or "")
        return self.map.get(t, t)


def _parts(key: str) -> list[str]:
    """'inward processing and outward processing' -> ['inward processing', 'outward processing']."""
    bits = [b.strip() for b in re.split(r",| and ", key) if b.strip()]
    return bits if len(bits) >= 2 else []


def gold_pairs(pa: Sequence[Provision], pb: Sequence[Provision], norm: TitleNormaliser,
               extra: Sequence[Sequence[str]] = ()) -> tuple[Labels, Labels]:
    """(all gold pairs, the part of them that are splits/merges by the 'X and Y' rule or hand-listed)."""
    ta, tb = [norm(p.title) for p in pa], [norm(p.title) for p in pb]
    gold = {(i, j) for i, x in enumerate(ta) for j, y in enumerate(tb) if x and x == y}
    has_a, has_b = {i for i, _ in gold}, {j for _, j in gold}
    compound: set[tuple[int, int]] = set()
    sides = ((ta, tb, has_a, has_b, False), (tb, ta, has_b, has_a, True))
    for side_keys, other_keys, has_side, has_other, flip in sides:
        for i, key in enumerate(side_keys):
            parts = _parts(key)
            if not parts or i in has_side:
                continue
            hits = [[j for j, y in enumerate(other_keys) if y == part] for part in parts]
            if all(len(h) == 1 and h[0] not in has_other for h in hits):
                compound |= {(h[0], i) if flip else (i, h[0]) for h in hits}
    gold |= compound
    label_a, label_b = [article_label(p) for p in pa], [article_label(p) for p in pb]
    labelled = {(label_a[i], label_b[j]) for i, j in gold}
    labelled_compound = {(label_a[i], label_b[j]) for i, j in compound}
    for x, y in extra:
        if x not in label_a or y not in label_b:
            raise SystemExit(f"extra_gold {x}/{y}: no such article")
        labelled.add((x, y))
        labelled_compound.add((x, y))
    return labelled, labelled_compound


def _side(corpus: ftadraft.Corpus, spec: dict) -> list[Provision]:
    provisions = chapter_provisions(corpus.index.provisions(corpus.agreement(spec["agreement"]).id), spec["chapter"])
    if "first" in spec or "last" in spec:
        numbers = [p.number for p in provisions]
        lo = numbers.index(spec["first"]) if "first" in spec else 0
        hi = numbers.index(spec["last"]) if "last" in spec else len(provisions) - 1
        provisions = provisions[lo:hi + 1]
    return provisions


def load_pairs(corpus: ftadraft.Corpus, path: Path = PAIRS_FILE) -> list[Pair]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    norms = {topic: TitleNormaliser(table) for topic, table in data.get("synonyms", {}).items()}
    out = []
    for row in data["pair"]:
        norm = norms.get(row["topic"]) or TitleNormaliser({})
        pa, pb = _side(corpus, row["a"]), _side(corpus, row["b"])
        gold, compound = gold_pairs(pa, pb, norm, row.get("extra_gold", ()))
        out.append(Pair(row["id"], row["split"], row["topic"], (row["a"]["family"], row["b"]["family"]),
                        pa, pb, gold, compound))
    ids = [p.id for p in out]
    if len(set(ids)) != len(ids):
        raise SystemExit("duplicate pair ids in " + str(path))
    return out


def strip_titles(ps: Sequence[Provision]) -> list[Provision]:
    return [dataclasses.replace(p, title=None) for p in ps]


# ---------------------------------------------------------------- aligners


def ours(a: Sequence[Provision], b: Sequence[Provision]) -> Labels:
    return {(x.a, x.b) for x in align_articles(a, b).pairs}


def baseline_matrix(a: Sequence[Provision], b: Sequence[Provision]) -> np.ndarray:
    ta = [(p.normalized or p.text or "").lower() for p in a]
    tb = [(p.normalized or p.text or "").lower() for p in b]
    return process.cdist(ta, tb, scorer=fuzz.token_set_ratio, dtype=np.float32) / 100.0


def baseline_pairs(a: Sequence[Provision], b: Sequence[Provision], matrix: np.ndarray, threshold: float) -> Labels:
    if not len(a) or not len(b):
        return set()
    rows, cols = linear_sum_assignment(-matrix)
    pairs = zip(rows, cols, strict=True)
    return {(article_label(a[i]), article_label(b[j])) for i, j in pairs if matrix[i, j] >= threshold}


# ---------------------------------------------------------------- scoring


@dataclasses.dataclass
class Counts:
    tp: int = 0
    judged: int = 0
    gold: int = 0

    def __iadd__(self, o: Counts) -> Self:
        self.tp += o.tp
        self.judged += o.judged
        self.gold += o.gold
        return self

    @property
    def p(self) -> float:
        return self.tp / self.judged if self.judged else 1.0

    @property
    def r(self) -> float:
        return self.tp / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0

    def text(self) -> str:
        return f"P {self.p:.3f} R {self.r:.3f} F1 {self.f1:.3f}"


def score(pred: Labels, gold: Labels) -> Counts:
    gold_a, gold_b = {g[0] for g in gold}, {g[1] for g in gold}
    judged = {p for p in pred if p[0] in gold_a or p[1] in gold_b}
    return Counts(len(judged & gold), len(judged), len(gold))


def tune_threshold(pairs: Sequence[Pair], matrices: dict[str, np.ndarray]) -> float:
    best, best_f1 = 0.5, -1.0
    for t in np.arange(0.0, 1.0001, 0.01):
        total = Counts()
        for p in pairs:
            total += score(baseline_pairs(p.a, p.b, matrices[p.id], float(t)), p.gold)
        if total.f1 > best_f1 + 1e-9:
            best, best_f1 = float(round(t, 2)), total.f1
    return best


# ---------------------------------------------------------------- report


def speed(corpus: ftadraft.Corpus, aligner: Callable[[Sequence[Provision], Sequence[Provision]], object],
          repeat: int = 5) -> float:
    a = strip_titles(chapter_provisions(corpus.index.provisions(SPEED_A[0]), SPEED_A[1])[:20])
    b = strip_titles(chapter_provisions(corpus.index.provisions(SPEED_B[0]), SPEED_B[1])[:20])
    assert len(a) == len(b) == 20, (len(a), len(b))
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        aligner(a, b)
        best = min(best, time.perf_counter() - t)
    return best


def redline_speed(corpus: ftadraft.Corpus, repeat: int = 3) -> float:
    """Best wall time of aligning the speed pair (titles kept, as a user's files have them) and writing the
    whole-chapter Word redline, checked once."""
    import tempfile
    from datetime import UTC, datetime

    from ftadraft.compare.align import redline_items
    from ftadraft.compare.redline import check_redline, write_redline_docx

    a = chapter_provisions(corpus.index.provisions(SPEED_A[0]), SPEED_A[1])[:20]
    b = chapter_provisions(corpus.index.provisions(SPEED_B[0]), SPEED_B[1])[:20]
    best = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "chapter.docx"
        for _ in range(repeat):
            t = time.perf_counter()
            items = redline_items(align_articles(a, b), a, b)
            write_redline_docx(items, out, author="bench", date=datetime(2024, 5, 1, tzinfo=UTC),
                               title="chapter redline", whole_articles=True)
            best = min(best, time.perf_counter() - t)
        problems = check_redline(out)
        if problems:
            raise SystemExit(f"chapter redline fails its checks: {problems[:3]}")
    return best


def _table(title: str, rows: list[tuple[str, int, Counts, Counts]]) -> None:
    print(f"\n{title}")
    print(f"  {'family group':32} {'pairs':>5} {'gold':>5}   {'ftadraft':27}   {'baseline':27}")
    for name, n, o, b in rows:
        flag = "  < baseline" if o.f1 < b.f1 - 1e-9 else ""
        print(f"  {name:32} {n:5d} {o.gold:5d}   {o.text():27}   {b.text():27}{flag}")


def check(pairs: Sequence[Pair], verbose: bool = False) -> None:
    for split in sorted({p.split for p in pairs}):
        chosen = [p for p in pairs if p.split == split]
        print(f"{split}: {len(chosen)} pairs, {sum(len(p.gold) for p in chosen)} gold pairs, "
              f"{sum(len(p.compound) for p in chosen)} from splits/merges")
        for p in chosen:
            extra = f"  splits/merges {sorted(p.compound)}" if p.compound else ""
            print(f"  {p.id:30} {p.group:28} {len(p.a):3d} x {len(p.b):3d}  gold {len(p.gold):3d}{extra}")
            if verbose:
                ta = {article_label(x): x.title for x in p.a}
                tb = {article_label(x): x.title for x in p.b}
                for x, y in sorted(p.gold):
                    print(f"      = {ta[x]!s:50.50} | {tb[y]!s:50.50}")
                gold_a, gold_b = {g[0] for g in p.gold}, {g[1] for g in p.gold}
                print("      A only: " + "; ".join(str(t) for k, t in ta.items() if k not in gold_a))
                print("      B only: " + "; ".join(str(t) for k, t in tb.items() if k not in gold_b))
    by_group = defaultdict(set)
    for p in pairs:
        by_group[p.group].add(p.split)
    mixed = {g: s for g, s in by_group.items() if len(s) > 1}
    if mixed:
        print("family groups in both splits:", mixed)


def misses(p: Pair, pred: Labels) -> None:
    ta = {article_label(x): x.title for x in p.a}
    tb = {article_label(x): x.title for x in p.b}
    gold_a, gold_b = {g[0] for g in p.gold}, {g[1] for g in p.gold}
    print(f"{p.id} ({p.group}): {len(p.a)} x {len(p.b)} articles")
    for x, y in sorted(pred - p.gold):
        judged = "wrong" if x in gold_a or y in gold_b else "unjudged"
        print(f"  {judged:8} {x:>8} {ta[x]!s:45.45} -> {y:>8} {tb[y]!s:45.45}")
    for x, y in sorted(p.gold - pred):
        print(f"  {'missed':8} {x:>8} {ta[x]!s:45.45} -> {y:>8} {tb[y]!s:45.45}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", default=".bench/tota.sqlite", help="an index holding ToTA (read only)")
    ap.add_argument("--pairs", default=str(PAIRS_FILE))
    ap.add_argument("--split", choices=("dev", "heldout", "heldout2", "heldout3", "all", "final"), default="dev",
                    help="which pairs to report (the baseline threshold is always tuned on dev); all = dev, heldout "
                         "and heldout2; final = all and heldout3 (blind: run once, at the end)")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per pair")
    ap.add_argument("--misses", metavar="ID", help="wrong and missed pairs of one dev or (already seen) heldout pair")
    ap.add_argument("--check", action="store_true", help="list the pairs and their gold, run no aligner")
    ap.add_argument("--json", metavar="FILE", help="write per-pair counts to FILE")
    ap.add_argument("--no-speed", action="store_true")
    args = ap.parse_args(argv)

    db = Path(args.db)
    if not db.exists():
        print(f"{db}: no such index; build one with `ftadraft --db {db} corpus add ../shared/corpus/tota/xml`",
              file=sys.stderr)
        return 2
    with ftadraft.open(db, create=False) as corpus:
        pairs = load_pairs(corpus, Path(args.pairs))
        if args.check:
            check(pairs, args.verbose)
            return 0
        if args.misses:
            p = next((x for x in pairs if x.id == args.misses), None)
            if p is None:
                raise SystemExit(f"{args.misses}: no such pair")
            if p.split in ("heldout2", "heldout3"):
                raise SystemExit(f"{p.id} is a {p.split} pair: its errors are not shown")
            misses(p, ours(strip_titles(p.a), strip_titles(p.b)))
            return 0

        bare = {p.id: (strip_titles(p.a), strip_titles(p.b)) for p in pairs}
        matrices = {p.id: baseline_matrix(*bare[p.id]) for p in pairs}
        threshold = tune_threshold([p for p in pairs if p.split == "dev"], matrices)
        print(f"baseline: token_set_ratio + linear_sum_assignment, threshold {threshold:.2f} (tuned on dev)")

        splits = {"all": ["dev", "heldout", "heldout2"],
                  "final": ["dev", "heldout", "heldout2", "heldout3"]}.get(args.split, [args.split])
        if args.split in ("heldout3", "final"):
            print("heldout3 is blind: this run is its one read", file=sys.stderr)
        rows_json: list[dict[str, object]] = []
        counts: dict[str, tuple[Counts, Counts]] = {}
        exit_code = 0
        for split in splits:
            chosen = [p for p in pairs if p.split == split]
            per_group: dict[str, list[Counts]] = defaultdict(lambda: [Counts(), Counts()])
            n_group: dict[str, int] = defaultdict(int)
            total_o, total_b = Counts(), Counts()
            if args.verbose:
                print(f"\n{split}: per pair")
            for p in chosen:
                a, b = bare[p.id]
                co = score(ours(a, b), p.gold)
                cb = score(baseline_pairs(a, b, matrices[p.id], threshold), p.gold)
                per_group[p.group][0] += co
                per_group[p.group][1] += cb
                n_group[p.group] += 1
                total_o += co
                total_b += cb
                counts[p.id] = (co, cb)
                rows_json.append({"id": p.id, "split": split, "group": p.group, "topic": p.topic,
                                  "ftadraft": dataclasses.asdict(co), "baseline": dataclasses.asdict(cb)})
                if args.verbose:
                    print(f"  {p.id:30} {p.group:28} gold {co.gold:3d}  ftadraft {co.text()}   baseline {cb.text()}")
            rows = [(g, n_group[g], o, b) for g, (o, b) in sorted(per_group.items())]
            rows.append(("ALL " + split, len(chosen), total_o, total_b))
            _table(f"{split}: {len(chosen)} pairs", rows)
            topic_rows = []
            for topic in sorted({p.topic for p in chosen}):
                t_ours, t_base = Counts(), Counts()
                for p in chosen:
                    if p.topic == topic:
                        t_ours += counts[p.id][0]
                        t_base += counts[p.id][1]
                topic_rows.append((f"topic {topic}", sum(1 for p in chosen if p.topic == topic), t_ours, t_base))
            _table(f"{split}: by topic", topic_rows)
        if args.json:
            Path(args.json).write_text(json.dumps({"threshold": threshold, "pairs": rows_json}, indent=1))
        if not args.no_speed:
            red = redline_speed(corpus)
            print(f"\nDOCX redline of a 20-article chapter (align + write, EAEU-Viet Nam customs against the first "
                  f"20 of Switzerland-China): {red * 1000:.0f} ms best of 3 (target <= {TARGET_DOCX_S * 1000:.0f} ms)")
            if red > TARGET_DOCX_S:
                exit_code = 1
            t = speed(corpus, align_articles)
            tb = speed(corpus, lambda a, b: baseline_pairs(a, b, baseline_matrix(a, b), threshold))
            print(f"\nalign two 20-article chapters: ftadraft {t * 1000:.0f} ms (target <= {TARGET_S * 1000:.0f} ms), "
                  f"baseline {tb * 1000:.0f} ms")
            if t > TARGET_S:
                exit_code = 1
        return exit_code


if __name__ == "__main__":
    sys.exit(main())
