"""Benchmark: add the full ToTA corpus to a fresh index, then add it again (idempotent re-run).

Targets (issue 2): first add <= 30 s wall and peak RSS <= 1.5 GB on a 2-core machine; re-run <= 3 s.
Run:  python bench/ingest_tota.py [PATH_TO_TOTA_XML]   (default ../shared/corpus/tota/xml)
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import ftadraft


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared/corpus/tota/xml"
    stages: dict[str, float] = {}
    start = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        stages.setdefault(stage, time.perf_counter())

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite"
        with ftadraft.open(db) as c:
            t0 = time.perf_counter()
            report = c.add([src], progress=progress)
            t1 = time.perf_counter()
            again = c.add([src])
            t2 = time.perf_counter()
            stats = c.stats()
        read_t = stages.get("analyse", t1) - t0
        analyse_t = stages.get("tag", t1) - stages.get("analyse", t0)
        tag_t = stages.get("write", t1) - stages.get("tag", t1)
        write_t = t1 - stages.get("write", t1)
        print(f"files: {len(report.added)} added, {len(report.failed)} failed; "
              f"{stats['agreements']} agreements, {stats['provisions']:,} provisions, "
              f"index {stats['size_bytes'] / 1e6:.0f} MB")
        print(f"first add:   {t1 - t0:6.2f} s wall (read+parse {read_t:.2f} s, analyse {analyse_t:.2f} s, "
              f"tag {tag_t:.2f} s, write {write_t:.2f} s)")
        print(f"re-run add:  {t2 - t1:6.2f} s wall ({len(again.unchanged)} unchanged, {len(again.added)} added)")
        rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak RSS:    {rss_self:.0f} MB main process, {rss_children:.0f} MB largest worker")
        print(f"total:       {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
