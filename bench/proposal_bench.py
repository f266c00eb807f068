"""Benchmark: a 40-article consolidated chapter written as a negotiation-ready DOCX proposal.

The chapter is generated (invented clause text, no treaty text): every article has 2-6 numbered
paragraphs with sub-paragraphs and nested brackets, every third article inline alternatives, every
fourth stacked alternatives (uneven lengths), drafting notes by several parties, and precedents.
Measures write_proposal (build + self-check + atomic write) for the bracketed text and the clean text,
median of 5 runs each. Target: <= 2 s wall for the bracketed 40-article chapter.

Run:  python bench/proposal_bench.py [--articles N] [--keep OUT.docx]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from ftadraft.drafting.docx_writer import check_proposal, write_proposal
from ftadraft.drafting.proposal import (
    Alternative,
    Alternatives,
    Article,
    Note,
    Paragraph,
    PartyName,
    Proposal,
)

TARGET_S = 2.0
PARTIES = (PartyName("USA", "United States"), PartyName("EU", "European Union"), PartyName("JPN", "Japan"),
           PartyName("KOR", "Korea"))
NOUNS = ("widget", "gadget", "sprocket", "doohickey", "gizmo", "contraption")


def invented_article(k: int) -> Article:
    """Article ``k`` of the invented chapter (deterministic)."""
    noun = NOUNS[k % len(NOUNS)]
    body: list[Paragraph | Alternatives] = []
    for j in range(2 + k % 5):
        body.append(Paragraph(f"Each Party shall [endeavour to] ensure that measures affecting {noun}s of type "
                              f"{k}.{j} are [administered [promptly and] in a reasonable manner]."))
        if j % 2:
            body.append(Paragraph(f"for the purposes of this paragraph, a {noun} includes [invented] parts;", 2))
            body.append(Paragraph(f"a {noun} does not include imaginary accessories.", 2))
    if k % 3 == 0:
        body.insert(1, Alternatives((
            Alternative("USA", (Paragraph(f"No Party shall impose fees on {noun}s."),)),
            Alternative("EU/KOR", (Paragraph(f"A Party may impose [reasonable] fees on {noun}s."),)),
        ), "inline"))
    if k % 4 == 1:
        body.append(Alternatives((
            Alternative("USA/JPN", (Paragraph(f"The Parties shall cooperate on {noun} trade, including:"),
                                    Paragraph("exchanges of invented information;", 2),
                                    Paragraph("joint workshops.", 2))),
            Alternative("EU", (Paragraph(f"Each Party shall designate a contact point for {noun}s."),)),
        ), "stacked"))
        body.append(Paragraph("Each Party shall bear its own costs under this Article."))
    notes: tuple[Note, ...] = (Note("EU", f"EU: article {k + 1} subject to internal consultation."),)
    if k % 2:
        notes += (Note("USA", f"USA: see non-paper {k}."),)
    precedents = () if k % 5 == 4 else (f"Invented Model Agreement (2001), Art. {k}.1",
                                         f"Imaginary Partnership Treaty (2019), Art. {k % 7}.{k % 3 + 1}")
    title = f"Treatment of {noun.title()}s {k + 1}" if k % 6 else f"[{noun.title()} Cooperation {k + 1}]"
    return Article(title, tuple(body), notes, precedents)


def chapter(n: int) -> Proposal:
    return Proposal("Agreement between the Invented Parties on Widget Trade", PARTIES, 19,
                    "Digital Widget Trade", "Round 5", "2026-11-28", "USA",
                    tuple(invented_article(k) for k in range(n)))


def timed(p: Proposal, out: Path, runs: int, **kw: object) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        write_proposal(p, out, force=True, **kw)  # type: ignore[arg-type]
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=40)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="also write the bracketed chapter here")
    args = ap.parse_args()
    p = chapter(args.articles)
    paragraphs = sum(len(a.body) for a in p.articles)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "chapter.docx"
        timed(p, out, 1)  # warm-up: imports, template load
        bracketed = timed(p, out, args.runs)
        size = out.stat().st_size
        problems = check_proposal(out)
        clean = timed(p, out, args.runs, clean=True)
        if args.keep:
            write_proposal(p, args.keep, force=True)
    ok = bracketed <= TARGET_S and not problems
    print(f"{args.articles} articles, {paragraphs} body blocks, "
          f"{sum(len(a.notes) for a in p.articles)} notes, {sum(1 for a in p.articles if a.precedents)} footnotes")
    print(f"bracketed: {bracketed:.3f} s median of {args.runs} ({size / 1024:.0f} KiB)  target <= {TARGET_S} s"
          f"  {'OK' if ok else 'MISSED'}")
    print(f"clean:     {clean:.3f} s median of {args.runs}")
    if problems:
        print("check_proposal:", *problems[:5], sep="\n  ")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
