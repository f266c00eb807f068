"""Quality and speed check for the topic tagger on the ToTA corpus (English agreements).

Gold labels come from article titles: an article whose title names a topic (``ftadraft.topics.title_topics``:
the taxonomy's ``titles``, fuzzy-matched, and ``context_titles`` inside the topic's chapters) belongs to it.
Each such article is tagged from its TEXT ONLY (title removed). Targets: the right topic first for >= 85 %,
present among the tags for >= 95 %. Unrelated articles — titles naming no topic, in chapters on SPS,
investment, rules of origin, dispute settlement or institutional matters — must get any tag < 10 % of the time.

Agreements with odd ToTA treaty ids are held out (the taxonomy is not tuned on them); both parts are reported.
Speed: tagging every provision of the corpus from its stored lemma strings (text, title, chapter title), single
core, measured as CPU time (other processes on the machine inflate wall time); target <= 4 s.

Run:  python bench/topics_eval.py [--db INDEX.sqlite] [--xml ../shared/corpus/tota/xml] [--errors N] [--part dev]
Without --db a temporary index is built from the XML (~40 s).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import ftadraft
from ftadraft import topics

#: Chapter-title words that mark areas unrelated to the taxonomy (lemmatised, as the index stores them).
UNRELATED_CHAPTERS = {
    "sps": ("sanitary", "phytosanitary"),
    "investment": ("investment",),
    "rules of origin": ("origin",),
    "dispute settlement": ("dispute",),
    "institutional": ("institutional", "final provision", "administration of the agreement", "joint committee"),
}
#: Chapters that may hold taxonomy topics even when they also mention an unrelated area.
OUR_CHAPTERS = ("customs", "trade facilitation", "electronic", "e commerce", "digital", "intellectual property")
TARGET_FIRST, TARGET_PRESENT, TARGET_UNRELATED = 0.85, 0.95, 0.10
PARTS = ("dev", "held-out")
MODES = ("text", "text+chapter")
#: Chapter words under which every context title applies: used to find titles that name a topic somewhere.
ANY_CHAPTER = "customs trade facilitation origin intellectual property electronic e commerce digital mutual administrative assistance"


def load_rows(db: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    return conn.execute(
        "SELECT p.id, p.agreement_id, p.title, p.chapter_title, p.lemmas, p.title_lemmas, p.chapter_lemmas,"
        " a.language, a.source FROM provisions p JOIN agreements a ON a.id = p.agreement_id ORDER BY p.rowid"
    ).fetchall()


def treaty_number(agreement_id: str) -> int:
    tail = agreement_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def unrelated_area(chapter_lemmas: str) -> str | None:
    ch = f" {chapter_lemmas} "
    if not chapter_lemmas or any(f" {w} " in ch for w in OUR_CHAPTERS):
        return None
    for area, words in UNRELATED_CHAPTERS.items():
        if any(f" {w} " in ch for w in words):
            return area
    return None


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}%" if b else "   — "


@dataclass
class Results:
    """Counts of one evaluation run, per part (dev / held-out)."""

    per_topic: dict[str, dict[str, list[int]]] = field(default_factory=lambda: {p: {} for p in PARTS})
    totals: dict[str, list[int]] = field(default_factory=lambda: {p: [0, 0, 0] for p in PARTS})
    unrelated: dict[str, dict[str, list[int]]] = field(default_factory=lambda: {p: {} for p in PARTS})
    confusions: dict[str, Counter[tuple[str, str]]] = field(default_factory=lambda: {p: Counter() for p in PARTS})
    misses: dict[str, list[str]] = field(default_factory=lambda: {p: [] for p in PARTS})
    false_pos: dict[str, list[str]] = field(default_factory=lambda: {p: [] for p in PARTS})


def evaluate(rows: list[sqlite3.Row], chapter: bool) -> Results:
    """Tag titled and unrelated English articles with their titles removed (``chapter``: keep the
    chapter title as context)."""
    res = Results()
    for r in rows:
        if r["language"] != "en" or not r["lemmas"]:
            continue
        part = "held-out" if treaty_number(r["agreement_id"]) % 2 else "dev"
        gold = topics.title_topics(r["title_lemmas"], r["chapter_lemmas"])
        if not gold and topics.title_topics(r["title_lemmas"], r["title_lemmas"] + " " + ANY_CHAPTER):
            continue  # a title that names a topic in some other chapter: neither gold nor unrelated
        area = None if gold else unrelated_area(r["chapter_lemmas"])
        if not gold and not area:
            continue
        got = [s.id for s in topics.tag_lemmas(r["lemmas"], "", r["chapter_lemmas"] if chapter else "")]
        if gold:
            first = bool(got) and got[0] in gold
            present = any(g in got for g in gold)
            counts = res.per_topic[part].setdefault(gold[0], [0, 0, 0])
            for i, hit in enumerate((True, first, present)):
                counts[i] += hit
                res.totals[part][i] += hit
            if not first:
                res.confusions[part][(gold[0], got[0] if got else "(none)")] += 1
                res.misses[part].append(f"  {r['id']:<18} {r['title']!r:48.48} gold {gold[0]:<34} got {got[:3]}")
        else:
            assert area is not None
            counts = res.unrelated[part].setdefault(area, [0, 0])
            counts[0] += 1
            counts[1] += bool(got)
            if got:
                res.false_pos[part].append(f"  {r['id']:<18} {area:<18} {r['title']!r:44.44} got {got[:3]}")
    return res


def report(res: Results, heading: str, per_topic: bool) -> bool:
    """Print one run's numbers; True when all targets are met on both parts."""
    print(f"\n== {heading}")
    if per_topic:
        print(f"{'topic':<44} {'dev n':>6} {'first':>7} {'present':>8}   {'held n':>6} {'first':>7} {'present':>8}")
        for t in topics.taxonomy():
            d = res.per_topic["dev"].get(t.id, [0, 0, 0])
            h = res.per_topic["held-out"].get(t.id, [0, 0, 0])
            print(f"{t.id:<44} {d[0]:>6} {pct(d[1], d[0]):>7} {pct(d[2], d[0]):>8}   "
                  f"{h[0]:>6} {pct(h[1], h[0]):>7} {pct(h[2], h[0]):>8}")
    ok = True
    for p in PARTS:
        n, first, present = res.totals[p]
        un_n = sum(v[0] for v in res.unrelated[p].values())
        un_fp = sum(v[1] for v in res.unrelated[p].values())
        checks = (bool(n) and first / n >= TARGET_FIRST, bool(n) and present / n >= TARGET_PRESENT,
                  bool(un_n) and un_fp / un_n < TARGET_UNRELATED)
        ok &= all(checks)
        print(f"{p:>8}: {n} titled articles: right topic first {pct(first, n)} (target >= 85%) "
              f"{'ok' if checks[0] else 'FAIL'}, present {pct(present, n)} (>= 95%) {'ok' if checks[1] else 'FAIL'}")
        by_area = ", ".join(f"{a} {pct(v[1], v[0]).strip()} of {v[0]}" for a, v in sorted(res.unrelated[p].items()))
        print(f"{'':>8}  {un_n} unrelated articles tagged: {pct(un_fp, un_n)} (target < 10%) "
              f"{'ok' if checks[2] else 'FAIL'}  [{by_area}]")
        top = ", ".join(f"{g}->{w} x{k}" for (g, w), k in res.confusions[p].most_common(5))
        print(f"{'':>8}  most frequent misses: {top or '-'}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", type=Path, help="an existing index holding ToTA (default: build a temporary one)")
    ap.add_argument("--xml", type=Path, default=Path(__file__).resolve().parents[2] / "shared/corpus/tota/xml")
    ap.add_argument("--errors", type=int, default=0, help="print up to N misses and false positives per part")
    ap.add_argument("--part", choices=["dev", "held-out", "both"], default="both", help="which part's errors")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = Path(tmp) / "tota.sqlite"
            t0 = time.perf_counter()
            with ftadraft.open(db) as c:
                c.add([args.xml])
            print(f"built temporary index in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        rows = load_rows(db)

    t0 = time.perf_counter()
    topics.tag_lemmas("")  # compile the taxonomy outside the timed loop
    compile_t = time.perf_counter() - t0
    t0 = time.process_time()
    tagged = [topics.tag_lemmas(r["lemmas"], r["title_lemmas"], r["chapter_lemmas"]) for r in rows]
    speed_t = time.process_time() - t0
    words = sum(len(r["lemmas"].split()) for r in rows)
    n_tagged = sum(1 for t in tagged if t)

    results = {mode: evaluate(rows, chapter=mode == "text+chapter") for mode in MODES}
    ok = report(results["text"], "text only: the article text alone (title and chapter title removed)", True)
    ok_ch = report(results["text+chapter"], "text + chapter title as context (article title removed)", False)
    print(f"\nspeed: {len(rows):,} provisions ({words / 1e6:.1f} M words) tagged from lemma strings (text, title, chapter) "
          f"in {speed_t:.2f} s CPU on one core (target <= 4 s; taxonomy compiled once in {compile_t:.2f} s); "
          f"{n_tagged:,} provisions got at least one topic")
    res = results["text"]
    for p in PARTS:
        if args.errors and args.part in (p, "both"):
            print(f"\n{p}: misses (first topic wrong), text only")
            print("\n".join(res.misses[p][: args.errors]))
            print(f"{p}: unrelated articles that got a tag, text only")
            print("\n".join(res.false_pos[p][: args.errors]))
    return 0 if (ok or ok_ch) and speed_t <= 4.0 else 1


if __name__ == "__main__":
    sys.exit(main())
