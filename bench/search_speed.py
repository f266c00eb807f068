"""Benchmark: search speed over the full ToTA index (issue 3 targets).

- in-process ``search()`` with ranking and snippets: p50/p95 over the 74 evaluation queries (target p95 <= 15 ms);
- a one-shot ``ftadraft search "..."`` including start-up (target <= 1 s wall);
- ``ftadraft search --batch`` with 100 queries (target <= 5 s wall).

Run:  python bench/search_speed.py --db PATH   (an index holding ToTA; build one with `ftadraft corpus add`)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import ftadraft
from ftadraft.search import search

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    args = ap.parse_args()
    queries = [q["query"] for q in tomllib.loads((HERE / "queries.toml").read_text())["query"]]
    with ftadraft.open(args.db, create=False) as c:
        for q in queries:  # warm the page cache and the per-index caches, as a running session would be
            search(c, q)
        wall, cpu = [], []
        for _ in range(3):
            for q in queries:
                t, p = time.perf_counter(), time.process_time()
                search(c, q)
                wall.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - p) * 1000)
    q95 = lambda xs: sorted(xs)[int(0.95 * (len(xs) - 1))]  # noqa: E731
    print(f"in-process search ({len(wall)} calls): wall p50 {statistics.median(wall):.1f} ms, p95 {q95(wall):.1f} ms; "
          f"CPU p50 {statistics.median(cpu):.1f} ms, p95 {q95(cpu):.1f} ms")
    exe = [str(Path(sys.executable).parent / "ftadraft")]
    one = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([*exe, "--db", str(args.db), "search", "express shipments"], check=True, capture_output=True)
        one.append(time.perf_counter() - t)
    print(f"one-shot CLI search: {min(one):.2f} s best, {statistics.median(one):.2f} s median wall")
    batch = (queries * 2)[:100]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(batch))
    t = time.perf_counter()
    subprocess.run([*exe, "--db", str(args.db), "search", "--batch", fh.name], check=True, capture_output=True)
    print(f"--batch of 100 queries: {time.perf_counter() - t:.2f} s wall")
    Path(fh.name).unlink()


if __name__ == "__main__":
    main()
