"""Agreement-level check of two topics against a reference made by reading: does an agreement contain a rule on
the protection of personal information, and one on cross-border transfers of information (data flows)?

Issue 14 measures these two topics against a hidden, hand-coded agreement-level reference (Cohen's kappa >= 0.7
wanted). This script builds and uses our own one, independent of the tagger's rules:

  1. draw a seeded random sample of agreements (language versions of one agreement count once, as in the research
     views: TPP's English and Spanish texts are one agreement);
  2. for each sampled agreement, print every article of every version that contains one of a fixed list of key
     words (below; English, Spanish and French), with the passages around them (``--pending``);
  3. a reader decides, per agreement and topic, whether it contains a RULE on the topic -- a provision whose
     subject it is (an obligation, a commitment, a recognition or a cooperation article dedicated to it), not a
     mention in passing (a confidentiality clause of a customs protocol naming personal data, a general
     exception, a definition) -- and records it with who judged and when (``--record FILE --judge ...``);
  4. the report compares the tagger's agreement-level presence (a cell other than ``absent`` in
     ``research.coverage``, i.e. any article tagged) and binding presence (binding or mixed) with the
     reference: counts, precision, recall and Cohen's kappa, and lists the disagreements.

What counts (the taxonomy's definitions, as the topics audit reads them): personal information -- a legal
framework or safeguards protecting personal data or privacy (e-commerce users, a dedicated data-protection
article or chapter, privacy safeguards for financial data transfers); data flows -- allowing information to be
transferred across borders (e-commerce "cross-border transfer of information", the telecommunications
"movement of information ... across its borders" paragraph, financial data-processing transfers, a commitment to
maintain cross-border information flows).

The key-word list decides which articles a reader sees, so an article without any of these words is not read
(an agreement could hold a rule in other words: the reference's recall is bounded by the list, which is broad).

Two samples are judged: seed ``agreement-reference-2026-12-08`` (60 agreements of any year: mostly without either
topic) and seed ``agreement-reference-2000-2026-12-08`` with ``--since 2000 --size 40`` (where the rules are).

Run:  python bench/topics_agreements.py --db INDEX --pending [--size N]   # the sampled agreements' passages
      python bench/topics_agreements.py --db INDEX --record FILE --judge "..."   # FILE: id<TAB>topic<TAB>y|n<TAB>why
      python bench/topics_agreements.py --db INDEX                         # the report (kappa per topic)
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import sys
from pathlib import Path

import ftadraft
from ftadraft.research import views as research
from topics_audit import merge_spans

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "topics_agreements.jsonl"
SEED = "agreement-reference-2026-12-08"
SIZE = 60
TOPICS = ("e-commerce/personal-information", "e-commerce/data-flows")
#: key words (lower case, matched in the normalised text): broad on purpose, independent of taxonomy.toml
KEYWORDS = {
    "e-commerce/personal-information": (
        "personal data", "personal information", "privacy", "data protection", "protection of data",
        "datos personales", "información personal", "informaciòn personal", "privacidad", "protección de datos",
        "vida privada", "données personnelles", "données à caractère personnel", "vie privée",
        "protection des données"),
    "e-commerce/data-flows": (
        "transfer of information", "transfer information", "transfers of information", "flow of information",
        "flows of information", "information flow", "data flow", "movement of information", "transfer of data",
        "transfer data", "data processing", "across its borders", "across borders", "across their borders",
        "transferencia de información", "transferir información", "flujo de información", "flujos de información",
        "flujo transfronterizo", "transfronteriza de información", "procesamiento de datos",
        "a través de sus fronteras", "transmitir información", "transmitan información", "transfert de données",
        "flux de données", "transfert d'informations", "traitement des données", "circulation des informations"),
}


def rank(agreement_id: str, seed: str) -> str:
    return hashlib.sha256(f"{seed}|{agreement_id}".encode()).hexdigest()


def load_reference() -> dict[tuple[str, str], dict]:
    out: dict[tuple[str, str], dict] = {}
    if REFERENCE.exists():
        for line in REFERENCE.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                out[(d["agreement"], d["topic"])] = d  # a later line overrides (a corrected judgement)
    return out


def kappa(tp: int, fp: int, fn: int, tn: int) -> float | None:
    n = tp + fp + fn + tn
    if not n:
        return None
    po = (tp + tn) / n
    pe = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n)
    return None if pe == 1 else (po - pe) / (1 - pe)


def passages(text: str, words: tuple[str, ...], width: int = 260) -> str:
    low = text.lower()
    merged = merge_spans([(max(0, m.start() - width), m.end() + width)
                          for w in words for m in re.finditer(re.escape(w), low)])
    return " … ".join(text[a:b] for a, b in merged[:6])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True, help="an index holding ToTA, tagged")
    ap.add_argument("--seed", default=SEED)
    ap.add_argument("--size", type=int, default=SIZE, help="agreements in the sample")
    ap.add_argument("--since", type=int, help="draw only agreements signed in or after this year")
    ap.add_argument("--pending", action="store_true", help="print the key-word passages of unjudged agreements")
    ap.add_argument("--record", type=Path, metavar="FILE", help="append judgements from FILE")
    ap.add_argument("--judge", help="who judged, and how (with --record; required)")
    args = ap.parse_args()

    corpus = ftadraft.open(args.db, create=False)
    cov = research.coverage(corpus, topics=TOPICS)
    pool = [a for a in cov.agreements if args.since is None or (a.year is not None and a.year >= args.since)]
    sample = sorted(pool, key=lambda a: rank(a.id, args.seed))[: args.size]
    ref = load_reference()

    if args.record:
        if not args.judge:
            ap.error("--record needs --judge: who judged (a person, or an AI session saying so) and how")
        ids = {a.id for a in cov.agreements}
        today = dt.date.today().isoformat()
        rows = []
        for n, line in enumerate(args.record.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 4 or parts[0] not in ids or parts[1] not in TOPICS or parts[2] not in ("y", "n"):
                sys.exit(f"{args.record}:{n}: expected agreement id<TAB>topic<TAB>y|n<TAB>why (a sampled id)")
            rows.append(json.dumps({"agreement": parts[0], "topic": parts[1], "rule": parts[2] == "y",
                                    "why": parts[3].strip(), "judge": args.judge, "date": today,
                                    "sample": args.seed}, ensure_ascii=False))
        with REFERENCE.open("a", encoding="utf-8") as fh:
            fh.write("".join(r + "\n" for r in rows))
        print(f"recorded {len(rows)} judgements in {REFERENCE.name}")
        return 0

    if args.pending:
        conn = corpus.index.conn
        for a in sample:
            todo = [t for t in TOPICS if (a.id, t) not in ref]
            if not todo:
                continue
            ids = (a.id, *a.versions)
            versions = f" versions {', '.join(a.versions)}" if a.versions else ""
            print(f"\n######## {a.id} {a.name} ({a.year}){versions}")
            marks = ",".join("?" * len(ids))
            query = ("SELECT id, coalesce(number, ''), coalesce(title, ''), coalesce(chapter_title, ''), normalized "
                     f"FROM provisions WHERE agreement_id IN ({marks}) ORDER BY agreement_id, ord")
            for t in todo:
                words = KEYWORDS[t]
                shown = 0
                for pid, num, title, chapter, text in conn.execute(query, ids):
                    low = text.lower()
                    if any(w in low for w in words):
                        shown += 1
                        print(f"  [{t.split('/')[1]}] {pid} | {chapter[:40]} | {num} {title[:60]}")
                        print("     " + " ".join(passages(text, words).split()))
                if not shown:
                    print(f"  [{t.split('/')[1]}] no article with a key word")
        return 0

    print(f"Agreement-level reference {REFERENCE.name} (seed {args.seed!r}, {len(sample)} agreements"
          + (f" signed since {args.since}" if args.since else "") + "; language versions counted once) against the "
          "tagger's coverage cells")
    ok = True
    for t in TOPICS:
        rows = [(a, ref.get((a.id, t))) for a in sample]
        judged = [(a, r) for a, r in rows if r is not None]
        print(f"\n{t}: {len(judged)} of {len(rows)} agreements judged, {sum(r['rule'] for _, r in judged)} with a rule")
        for label, has in (("present (any tagged article)", lambda c: c.level != "absent"),
                           ("binding (binding or mixed article)", lambda c: c.binds)):
            tp = fp = fn = tn = 0
            wrong = []
            for a, r in judged:
                tagged = has(cov.cell(a.id, t))
                if tagged and r["rule"]:
                    tp += 1
                elif tagged:
                    fp += 1
                    wrong.append(f"    tagged, no rule: {a.id} {a.name[:50]} ({a.year}) -- {r['why'][:90]}")
                elif r["rule"]:
                    fn += 1
                    wrong.append(f"    rule, not tagged: {a.id} {a.name[:50]} ({a.year}) -- {r['why'][:90]}")
                else:
                    tn += 1
            k = kappa(tp, fp, fn, tn)
            prec = tp / (tp + fp) if tp + fp else None
            rec = tp / (tp + fn) if tp + fn else None
            print(f"  {label}: TP {tp} FP {fp} FN {fn} TN {tn}; precision "
                  f"{'—' if prec is None else f'{prec:.2f}'}, recall {'—' if rec is None else f'{rec:.2f}'}, "
                  f"kappa {'—' if k is None else f'{k:.2f}'}")
            if label.startswith("present"):
                ok &= k is not None and k >= 0.7 and len(judged) == len(rows)
                print("\n".join(wrong))
    print(f"\nkappa >= 0.7 for both topics (presence), every sampled agreement judged: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
