"""Benchmark: ingest the RCEP PDF (510 pages) — extraction + segmentation, then a full add to an index.

Target (issue 2): RCEP PDF ingest <= 20 s.
Run:  python bench/ingest_rcep.py [PATH_TO_PDF]   (default ../shared/corpus/modern/rcep-2020.pdf)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import ftadraft


def main() -> None:
    default = Path(__file__).resolve().parents[2] / "shared/corpus/modern/rcep-2020.pdf"
    pdf = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    t0 = time.perf_counter()
    doc = ftadraft.load_file(pdf)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, ftadraft.open(Path(tmp) / "rcep.sqlite") as c:
        report = c.add([pdf])
        t2 = time.perf_counter()
    wanted = {f"{ch}.{n}" for ch, last in ((4, 21), (11, 83), (12, 17)) for n in range(1, last + 1)}
    numbers = {p.number for p in doc.provisions}
    print(f"{pdf.name}: {len(doc.provisions)} provisions, {len(doc.chapters)} chapters; "
          f"articles 4.1-4.21, 11.1-11.83, 12.1-12.17 present: {len(wanted & numbers)}/{len(wanted)}")
    print(f"read + segment: {t1 - t0:6.2f} s")
    print(f"full add:       {t2 - t1:6.2f} s wall (read, segment, analyse, write; {report.provisions} provisions)")


if __name__ == "__main__":
    main()
