"""Benchmark: clause comparison on real ToTA chapters.

1. DOCX redline of a 20-article chapter: TPP customs + e-commerce articles (ch. 5, 14) against KORUS's
   (ch. 7, 15), paired by order, first 20 pairs. Target <= 1 s; the file is checked and read back
   (Accept All = KORUS text, Reject All = TPP text).
2. compare_texts on long texts (13k tokens: TPP ch. 5, 14 and the start of 15) against a copy with
   three drafting edits (must find exactly those), and against the KORUS chapters (different texts).

Run:  python bench/compare_bench.py [TOTA_XML_DIR]   (default ../shared/corpus/tota/xml)
"""

from __future__ import annotations

import itertools
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import ftadraft
from ftadraft.compare.diff import tokenize
from ftadraft.compare.redline import (
    check_redline,
    read_redline,
    redline_paragraphs,
    write_redline_docx,
)
from ftadraft.compare.texts import compare_texts

TPP_CHAPTERS = ("Customs Administration And Trade Facilitation", "Electronic Commerce")


def chapters(path: Path, titles: tuple[str, ...]) -> list[ftadraft.Provision]:
    ps = ftadraft.load_file(path).provisions
    return [p for t in titles for p in ps if p.chapter_title == t]


def timed(fn, runs: int = 5) -> tuple[float, float, object]:
    """Best and median wall time of ``runs`` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), result


def main() -> None:
    tota = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared/corpus/tota/xml"
    tpp = chapters(tota / "pta_449.xml", TPP_CHAPTERS)
    korus = chapters(tota / "pta_159.xml", TPP_CHAPTERS)
    pairs = [(f"{a.label if a else '-'} / {b.label if b else '-'}", a.text if a else "", b.text if b else "")
             for a, b in itertools.islice(itertools.zip_longest(tpp, korus), 20)]
    words = sum(len(t.split()) for _, a, b in pairs for t in (a, b))

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "chapter-redline.docx"
        when = datetime(2024, 5, 1, tzinfo=UTC)
        best, t, _ = timed(lambda: write_redline_docx(pairs, out, author="bench", date=when, title="TPP vs KORUS"))
        problems = check_redline(out)
        accepted = read_redline(out, accept=True) == [(h, "\n".join(redline_paragraphs(b))) for h, _, b in pairs]
        rejected = read_redline(out, accept=False) == [(h, "\n".join(redline_paragraphs(a))) for h, a, _ in pairs]
        size = out.stat().st_size
    print(f"DOCX redline, {len(pairs)} article pairs ({words} words): {t:6.3f} s median, {best:.3f} s best of 5 "
          f"[target <= 1 s: {'OK' if t <= 1 else 'MISSED'}]; {size // 1024} KiB; "
          f"checks {'passed' if not problems else problems}; Accept All = B: {accepted}; Reject All = A: {rejected}")

    long_ps = tpp + chapters(tota / "pta_449.xml", ("Government Procurement",))
    texts: list[str] = []
    while sum(len(tokenize(t)) for t in texts) < 13_000:  # the notes' 13k-token case
        texts.append(long_ps[len(texts)].text)
    a = "\n\n".join(texts)
    i = a.index(" shall ", len(a) // 4) + 1
    j = a.index("48 hours")
    k = a.index("Article ", 3 * len(a) // 4)
    b = a[:i] + "may" + a[i + 5:j] + "72" + a[j + 2:k] + "Section" + a[k + 7:]
    best, t, c = timed(lambda: compare_texts(a, b))
    edits = [(op.a, op.b) for op in c.ops if op.kind != "equal"]
    right = edits == [("shall", "may"), ("48", "72"), ("Article", "Section")] and c.a == a and c.b == b
    print(f"compare_texts, {len(tokenize(a))} tokens vs an edited copy: {t:6.3f} s median, {best:.3f} s best; "
          f"edits found exactly: {right}; substantive: {[ch.kind for ch in c.changes]}")

    bk = "\n\n".join(p.text for p in korus)
    best, t, c = timed(lambda: compare_texts(a, bk))
    print(f"compare_texts, {len(tokenize(a))} vs {len(tokenize(bk))} tokens (TPP vs KORUS chapters): {t:6.3f} s "
          f"median, {best:.3f} s best; "
          f"round trip: {c.a == a and c.b == bk}; edit similarity {c.similarity.edit:.2f}; "
          f"{len(c.ops)} ops; {len(c.changes)} substantive changes flagged")


if __name__ == "__main__":
    main()
