"""Benchmark: reuse reports and template families over the full ToTA index (issue 4 speed targets).

- ``ftadraft reuse AGREEMENT`` as a user runs it (one process, start-up included) for three agreements of
  different sizes, including TPP (508 articles, the largest) — target <= 5 s each;
- ``ftadraft families --chapter "Electronic Commerce"`` over all e-commerce chapters — target <= 10 s;
- the first run after an index change also builds the precedent index cache (reported apart: "cold").

Run:  python bench/provenance_bench.py --db PATH   (an index holding ToTA)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# A cache folder of this run only: the first look-up builds the precedent postings ("cold"), later ones load
# them, and the user's own cache folder is never touched.
_CACHE = tempfile.TemporaryDirectory(prefix="provenance-bench-")


def _run(db: Path, *args: str) -> tuple[float, str]:
    exe = Path(sys.executable).parent / "ftadraft"
    env = {**os.environ, "XDG_CACHE_HOME": _CACHE.name}
    t = time.perf_counter()
    out = subprocess.run([str(exe), "--db", str(db), *args], check=True, capture_output=True, text=True,
                         env=env).stdout
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    args = ap.parse_args()
    cold, _ = _run(args.db, "precedents", "--no-diff", "each party shall endeavour to accept electronic documents")
    print(f"first precedent look-up after an index change (builds the cache): {cold:.2f} s wall")
    for ref in ("korus", "tota-145", "tpp"):
        took, out = _run(args.db, "reuse", ref, "--json")
        data = json.loads(out)
        print(f"reuse {ref:<9} {len(data['articles']):>4} articles: {took:.2f} s wall; "
              f"{data['copied_share']:.1%} copied near-verbatim, {data['reused_share']:.1%} with an earlier source")
    took, out = _run(args.db, "families", "--chapter", "Electronic Commerce", "--json")
    data = json.loads(out)
    n = sum(len(f["members"]) for f in data["families"])
    print(f"families of {n} e-commerce chapters: {took:.2f} s wall, {len(data['families'])} families; largest: "
          + "; ".join(f"{f['name']} ({len(f['members'])})" for f in data["families"][:4]))


if __name__ == "__main__":
    main()
