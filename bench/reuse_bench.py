"""Benchmark: the corpus-wide copy-and-paste table (issue 19) on the full ToTA index -- target <= 5 minutes.

- ``reuse_table(corpus)`` cold: every article measured against every agreement signed before it (the exact
  containment pass), the result cached; wall and CPU time, with the precedent postings already loaded;
- the same warm (from the cache), and three chapter-type tables (ip, customs, e-commerce) from it;
- ``ftadraft reuse --all --csv`` and ``ftadraft reuse AGREEMENT`` as a user runs them (one process each);
- ``--baseline``: the per-article pass the table replaces -- ``precedents()`` for every article of every
  agreement (its closest earlier sources, as ``reuse`` computed them before), timed on every ``--every``-th
  agreement and extrapolated to the corpus by articles.

Run:  python bench/reuse_bench.py --db PATH [--baseline] [--every 10]   (an index holding ToTA)
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ftadraft.corpus import Corpus


def _cli(db: Path, *args: str) -> float:
    exe = Path(sys.executable).parent / "ftadraft"
    t = time.perf_counter()
    subprocess.run([str(exe), "--db", str(db), *args], check=True, capture_output=True, text=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--baseline", action="store_true", help="also time the per-article precedents() pass")
    ap.add_argument("--every", type=int, default=10, help="baseline: time every N-th agreement (default 10)")
    args = ap.parse_args()
    from platformdirs import user_cache_dir

    import ftadraft
    from ftadraft.provenance.corpus_reuse import reuse_table
    from ftadraft.provenance.precedents import precedent_index

    shutil.rmtree(Path(user_cache_dir("ftadraft", appauthor=False)) / "reuse", ignore_errors=True)
    with ftadraft.open(args.db, create=False) as c:
        t = time.perf_counter()
        pidx = precedent_index(c)
        print(f"precedent postings loaded (or built): {time.perf_counter() - t:.1f} s; {len(pidx):,} articles")
        wall, cpu = time.perf_counter(), time.process_time()
        table = reuse_table(c)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"corpus-wide table, cold: {wall:.1f} s wall, {cpu:.1f} s CPU for {len(table.rows)} agreements "
              f"(target <= 300 s)")
        counts = table.counts()
        print("  " + "; ".join(f">= {k}: {v['best_source']} from one treaty, {v['any_earlier']} from any"
                               for k, v in counts.items()))
        t = time.perf_counter()
        reuse_table(c)
        print(f"corpus-wide table, warm (cached): {time.perf_counter() - t:.2f} s")
        for kind in ("ip", "customs", "e-commerce"):
            t = time.perf_counter()
            ct = reuse_table(c, chapter=kind)
            print(f"  chapter type {kind:<10} {time.perf_counter() - t:.2f} s: {len(ct.rows)} agreements, "
                  f"{ct.count(0.8)} >= 80 %, {ct.count(0.95)} >= 95 % from one treaty")
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            took = _cli(args.db, "reuse", "--all", "--csv", str(out / "t.csv"), "--plot", str(out / "t.png"))
        print(f"ftadraft reuse --all --csv --plot (one process, cached): {took:.2f} s wall")
        for ref in ("tota-300", "korus", "tpp"):
            print(f"ftadraft reuse {ref:<9} (one process): {_cli(args.db, 'reuse', ref, '--json'):.2f} s wall")
        if args.baseline:
            _baseline(c, args.every)


def _baseline(c: Corpus, every: int) -> None:
    from ftadraft.errors import InputError
    from ftadraft.provenance.precedents import MAX_QUERY_CHARS, MIN_SIMILARITY, precedents

    agreements = [a for a in c.agreements() if a.signed]
    articles = sum(len(c.index.provisions(a.id)) for a in agreements)
    measured, wall, cpu = 0, time.perf_counter(), time.process_time()
    for a in agreements[::every]:
        for p in c.index.provisions(a.id):
            measured += 1
            if len(p.normalized) > MAX_QUERY_CHARS:
                continue
            try:
                precedents(c, p.normalized, limit=10, min_similarity=MIN_SIMILARITY, before=a.signed,
                           order_copies=False)
            except InputError:  # shorter than a shingle: no source, as reuse() has it
                pass
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    scale = articles / max(1, measured)
    print(f"baseline per-article precedents() pass: {measured:,} articles of every {every}th agreement in "
          f"{wall:.1f} s wall, {cpu:.1f} s CPU; extrapolated to all {articles:,} articles: {wall * scale:.0f} s "
          f"wall, {cpu * scale:.0f} s CPU")


if __name__ == "__main__":
    main()
