"""Coverage over the full ToTA index must take at most 5 s (all topics × all agreements, plus the
long and wide tables).

    python bench/coverage_bench.py --db PATH      # or set FTADRAFT_DB
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import ftadraft
from ftadraft.research import views as research

LIMIT_S = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("FTADRAFT_DB"), help="index file (default: $FTADRAFT_DB)")
    args = parser.parse_args()
    with ftadraft.open(args.db, create=False) as corpus:
        start = time.perf_counter()
        cov = research.coverage(corpus)
        computed = time.perf_counter() - start
        rows = cov.to_rows()
        tables = time.perf_counter() - start
        try:
            frame = cov.to_frame()
            shape = frame.shape
        except ftadraft.FtadraftError:
            shape = None  # pandas not installed: time the library result only
        total = time.perf_counter() - start
    print(f"coverage: {len(cov.agreements)} agreements × {len(cov.topics)} topics, {len(cov.cells)} non-absent cells")
    print(f"  computed {computed:.2f} s; + long table ({len(rows)} rows) {tables:.2f} s; "
          f"+ DataFrame {shape} {total:.2f} s")
    ok = total <= LIMIT_S
    print(f"{'PASS' if ok else 'FAIL'}: {total:.2f} s (limit {LIMIT_S:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
