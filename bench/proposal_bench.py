"""Benchmark: a 40-article consolidated chapter written as a negotiation-ready DOCX proposal, and a
round-to-round redline of a 20-article chapter.

The chapter is generated (invented clause text, no treaty text): every article has 2-6 numbered
paragraphs with sub-paragraphs and nested brackets, every third article inline alternatives, every
fourth stacked alternatives (uneven lengths), drafting notes by several parties, and precedents.
Measures write_proposal (build + self-check + atomic write) for the bracketed text (footnotes and
sources annex included) and the clean text, median of 5 runs each. Target: <= 2 s wall for the
bracketed 40-article chapter.

The redline takes the first 20 articles as one round and makes the next: an article dropped, one moved
to the end, a party's stacked alternative added, a bracket resolved, a number changed, an article added.
Measures write_redline (lay out both rounds, pair articles by content, diff, self-check, atomic write),
median of 5 runs. Target: <= 1 s.

Run:  python bench/proposal_bench.py [--articles N] [--redline-articles N] [--keep OUT.docx]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
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
from ftadraft.drafting.redline import write_redline

TARGET_S = 2.0
REDLINE_TARGET_S = 1.0
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


def next_round(p: Proposal) -> Proposal:
    """The round after ``p``: article 5 dropped, article 10 moved to the end, a stacked alternative by EU/KOR
    added to article 3, a bracket resolved in article 7, a number changed in article 12, an article added."""
    arts = list(p.articles)
    a3 = arts[2]
    arts[2] = replace(a3, body=a3.body + (Alternatives((
        Alternative("USA", (Paragraph("Each Party shall publish its widget rules."),)),
        Alternative("EU/KOR", (Paragraph("Each Party shall publish its widget rules and gadget rules:"),
                               Paragraph("within 30 days;", 2), Paragraph("on a single website.", 2)))),
        "stacked"),))
    first = arts[6].body[0]
    assert isinstance(first, Paragraph)
    arts[6] = replace(arts[6], body=(Paragraph(first.text.replace("[endeavour to] ", "")),) + arts[6].body[1:])
    first = arts[11].body[0]
    assert isinstance(first, Paragraph)
    arts[11] = replace(arts[11], body=(Paragraph(first.text.replace("type 11.0", "type 11.5")),) + arts[11].body[1:])
    moved = arts.pop(9)
    del arts[4]
    arts += [moved, Article("New Widget Cooperation", (Paragraph("The Parties shall cooperate on new widgets."),))]
    return replace(p, round="Round 6", date="2027-02-01", articles=tuple(arts))


def timed_redline(old: Proposal, new: Proposal, out: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        write_redline(old, new, out, force=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


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
    ap.add_argument("--redline-articles", type=int, default=20)
    ap.add_argument("--keep", type=Path, help="also write the bracketed chapter here")
    args = ap.parse_args()
    p = chapter(args.articles)
    paragraphs = sum(len(a.body) for a in p.articles)
    old = chapter(args.redline_articles)
    new = next_round(old)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "chapter.docx"
        timed(p, out, 1)  # warm-up: imports, template load
        bracketed = timed(p, out, args.runs)
        size = out.stat().st_size
        problems = check_proposal(out)
        clean = timed(p, out, args.runs, clean=True)
        red = Path(tmp) / "redline.docx"
        timed_redline(old, new, red, 1)
        redline = timed_redline(old, new, red, args.runs)
        problems += check_proposal(red)
        if args.keep:
            write_proposal(p, args.keep, force=True)
    ok = bracketed <= TARGET_S and redline <= REDLINE_TARGET_S and not problems
    print(f"{args.articles} articles, {paragraphs} body blocks, "
          f"{sum(len(a.notes) for a in p.articles)} notes, {sum(1 for a in p.articles if a.precedents)} footnotes")
    print(f"bracketed: {bracketed:.3f} s median of {args.runs} ({size / 1024:.0f} KiB)  target <= {TARGET_S} s"
          f"  {'OK' if ok else 'MISSED'}")
    print(f"clean:     {clean:.3f} s median of {args.runs}")
    print(f"redline:   {redline:.3f} s median of {args.runs} ({args.redline_articles} articles, round to round)"
          f"  target <= {REDLINE_TARGET_S} s  {'OK' if redline <= REDLINE_TARGET_S else 'MISSED'}")
    if problems:
        print("check_proposal:", *problems[:5], sep="\n  ")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
