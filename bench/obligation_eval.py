"""Benchmark: obligation-strength labels (ftadraft.tags.obligation) on the ToTA corpus.

(a) accuracy and confusion matrix against hand labels in bench/obligation_gold.json (ToTA file
    + article_identifier + label; no treaty text is stored): a "dev" split labelled while the
    rules were written and a "heldout" split labelled blind afterwards;
(b) label distribution over all ToTA provisions, overall and by language;
(c) speed: classify_many over all provisions, single core, sentences split by the module
    itself (target <= 3 s), best of three runs, wall and CPU time;
(d) robustness: labels with spaCy sentence offsets (ftadraft.index.analysis) vs the built-in splitter
    on a sample of provisions.

Run:  python bench/obligation_eval.py [PATH_TO_TOTA_XML] [--analysis-sample N]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from pathlib import Path

import ftadraft
from ftadraft.model import Provision
from ftadraft.tags.obligation import LABELS, classify, classify_many

HERE = Path(__file__).resolve().parent
TARGET_SECONDS = 3.0


def load_corpus(src: Path) -> tuple[dict[tuple[str, str], Provision], dict[str, str]]:
    """All provisions keyed by (file name, article_identifier), and each agreement's language."""
    provisions: dict[tuple[str, str], Provision] = {}
    languages: dict[str, str] = {}
    for path in sorted(src.glob("*.xml"), key=lambda p: (len(p.stem), p.stem)):  # pta_2 before pta_10
        doc = ftadraft.load_file(path)
        languages[doc.agreement.id] = doc.agreement.language or "?"
        for p in doc.provisions:
            provisions[(path.name, p.source.get("article", ""))] = p
    return provisions, languages


def confusion(pairs: list[tuple[str, str]]) -> str:
    """A gold x predicted table with per-label precision and recall."""
    counts = Counter(pairs)
    width = max(len(x) for x in LABELS) + 2
    lines = ["gold \\ pred".ljust(width + 2) + "".join(p.rjust(width) for p in LABELS) + "   recall"]
    for g in LABELS:
        row = [counts[(g, p)] for p in LABELS]
        total = sum(row)
        recall = f"{counts[(g, g)] / total:7.0%}" if total else "      -"
        lines.append(g.ljust(width + 2) + "".join(str(n).rjust(width) for n in row) + "  " + recall)
    precision = []
    for p in LABELS:
        col = sum(counts[(g, p)] for g in LABELS)
        precision.append(f"{counts[(p, p)] / col:.0%}" if col else "-")
    lines.append("precision".ljust(width + 2) + "".join(x.rjust(width) for x in precision))
    return "\n".join(lines)


def evaluate_gold(provisions: dict[tuple[str, str], Provision]) -> None:
    gold = json.loads((HERE / "obligation_gold.json").read_text(encoding="utf-8"))["items"]
    by_split: dict[str, list[tuple[str, str]]] = {}
    misses: list[str] = []
    for item in gold:
        p = provisions.get((item["file"], item["article"]))
        if p is None:
            raise SystemExit(f"gold item not in corpus: {item['file']} article {item['article']}")
        got = classify(p.normalized, None, p.title).label
        by_split.setdefault(item["split"], []).append((item["label"], got))
        if got != item["label"]:
            where = f"{item['split']:8s} {item['file']:12s} art {item['article']:>6s}  {p.label[:60]:60s}"
            misses.append(f"  {where} gold={item['label']:8s} got={got}")
    print("(a) accuracy against hand labels")
    everything = [pair for pairs in by_split.values() for pair in pairs]
    for name, pairs in [*by_split.items(), ("all", everything)]:
        ok = sum(g == p for g, p in pairs)
        print(f"  {name:8s} {ok:4d}/{len(pairs):<4d} = {ok / len(pairs):.1%}")
    print(confusion(everything))
    if misses:
        print(f"  {len(misses)} disagreements:")
        print("\n".join(misses))


Item = tuple[str, None, str | None]


def distribution(provisions: dict[tuple[str, str], Provision], languages: dict[str, str]) -> list[Item]:
    items = [(p.normalized, None, p.title) for p in provisions.values()]
    results = classify_many(items)
    overall = Counter(o.label for o in results)
    by_lang: dict[str, Counter[str]] = {}
    for p, o in zip(provisions.values(), results, strict=True):
        by_lang.setdefault(languages.get(p.agreement_id, "?"), Counter())[o.label] += 1
    n = len(results)
    print(f"\n(b) labels over all {n:,} ToTA provisions")
    print("  all  " + "  ".join(f"{lab} {overall[lab]:6,} ({overall[lab] / n:5.1%})" for lab in LABELS))
    for lang, c in sorted(by_lang.items(), key=lambda kv: -sum(kv[1].values())):
        total = sum(c.values())
        print(f"  {lang:4s} " + "  ".join(f"{lab} {c[lab]:6,} ({c[lab] / total:5.1%})" for lab in LABELS))
    return items


def speed(items: list[Item]) -> None:
    chars = sum(len(t) for t, _, _ in items)
    runs = []
    for _ in range(3):
        wall, cpu = time.perf_counter(), time.process_time()
        classify_many(items)
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    best_wall = min(w for w, _ in runs)
    best_cpu = min(c for _, c in runs)
    verdict = "ok" if best_cpu <= TARGET_SECONDS else "OVER TARGET"
    print(f"\n(c) speed: classify_many over {len(items):,} provisions ({chars / 1e6:.1f} M chars), single core,")
    print("  sentences split by the module")
    print("  runs:  " + ", ".join(f"{w:.2f} s wall / {c:.2f} s CPU" for w, c in runs))
    rate = chars / best_cpu / 1e6
    print(f"  best:  {best_wall:.2f} s wall, {best_cpu:.2f} s CPU ({rate:.1f} M chars/s); "
          f"target <= {TARGET_SECONDS:.0f} s: {verdict}")


def analysis_agreement(provisions: dict[tuple[str, str], Provision], languages: dict[str, str], sample: int) -> None:
    from ftadraft.index.analysis import analyze_mixed

    if sample <= 0:
        return
    rng = random.Random(1)
    chosen = rng.sample(list(provisions.values()), min(sample, len(provisions)))
    analyses = analyze_mixed([(languages.get(p.agreement_id, "en"), p.normalized) for p in chosen], workers=1)
    own = classify_many([(p.normalized, None, p.title) for p in chosen])
    spacy = classify_many([(p.normalized, a.sentences, p.title) for p, a in zip(chosen, analyses, strict=True)])
    same = sum(a.label == b.label for a, b in zip(own, spacy, strict=True))
    print(f"\n(d) built-in sentence split vs spaCy offsets on {len(chosen):,} provisions: "
          f"{same / len(chosen):.1%} same label")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", nargs="?", default=str(HERE.parents[1] / "shared/corpus/tota/xml"))
    parser.add_argument("--analysis-sample", type=int, default=1000, help="provisions for check (d); 0 skips it")
    args = parser.parse_args()
    t0 = time.perf_counter()
    provisions, languages = load_corpus(Path(args.src))
    elapsed = time.perf_counter() - t0
    print(f"loaded {len(provisions):,} provisions from {len(languages)} agreements ({elapsed:.1f} s)\n")
    evaluate_gold(provisions)
    items = distribution(provisions, languages)
    speed(items)
    analysis_agreement(provisions, languages, args.analysis_sample)


if __name__ == "__main__":
    main()
