"""Audit of the topic tags by reading: precision per topic on a fixed random sample of tagged articles, and
the recall that can be measured on a fixed random sample of untagged articles that share the topic's key words.

For every topic the script draws, from an index (ToTA by default):
  - tagged:   up to N of the articles tagged with the topic;
  - untagged: up to M of the articles NOT tagged with it whose title or text contains one of its key words
              (``topics_audit_keywords.toml``, fixed lists in English, Spanish and French, independent of the
              tagger's rules).
Sampling is seeded and stable: each (topic, article) gets a rank from a hash of the seed, the topic and the
article id, and a sample is the lowest-ranked articles of its kind. An article that stays tagged after a rule
change stays in the sample; new tags only enter where they rank, so a rerun after a fix needs judgements only
for the articles that entered.

Judgements live in ``topics_audit.jsonl``, one per (topic, article): relevant true/false, a one-line reason
(paraphrase, never more than a few words of treaty text), who judged and when (AI sessions say so), the
article's text hash (a judgement of a text that has since changed is reported as stale and not used) and, for
held-out rounds, the seed of the sample it was drawn for (``sample``). A held-out round is drawn with a new seed
and ``--fresh`` BEFORE any further rule change: ``--fresh`` leaves out every (topic, article) pair an earlier
round judged, so the sample holds only articles the rules were never tuned on. Once its results have been used
to change rules it is tuning data; the next check needs a new seed. An article is RELEVANT to a
topic when it contains a provision whose subject is the topic as its taxonomy definition states -- a rule, a
commitment, a procedure or cooperation specifically on it. A mention in passing is not: the topic as one item in
a list of cooperation fields, a cross-reference, a definition, an exception that names it, or vocabulary shared
with another subject (telecommunications "access and use", copyright in software, tourism "flow of information").

Reported per topic: tagged articles, precision on the tagged sample, untagged key-word pool and the relevant
share of its sample, estimated recall = T*p / (T*p + U*u) (T tagged, p precision, U untagged pool, u relevant
share of its sample) -- recall among articles that share the key words; relevant articles without any key word
are invisible to it. Also: on ALL judged articles of the topic (whatever run drew them), how many judged
irrelevant are still tagged and how many judged relevant are untagged, so a fix can be checked on the articles
that motivated it; topic tags per 1,000 articles by language; and, for language versions of one agreement
(TPP in English and Spanish), how often the two versions of an article get the same topics.

Run:  python bench/topics_audit.py --db INDEX.sqlite                    # the report; exit 0 when every topic's
                                                                         # precision >= 0.9 and nothing is unjudged
      python bench/topics_audit.py --db INDEX.sqlite --pending [--topic T] [--full]   # sampled articles to judge
      python bench/topics_audit.py --db INDEX.sqlite --record FILE --judge "..."      # append judgements
      python bench/topics_audit.py --db INDEX.sqlite --show PROVISION_ID               # one article in full
      python bench/topics_audit.py --db INDEX.sqlite --seed held-out-1 --lang es --sample 4,0  # a held-out check
      python bench/topics_audit.py --db INDEX.sqlite --seed NEW --lang en --sample 3,2 --fresh --pending   # draw one
      python bench/topics_audit.py --db INDEX.sqlite --seed NEW --record FILE --judge "..."   # judgements of it
FILE lines: ``topic<TAB>provision id<TAB>y|n<TAB>reason``. Held-out rounds so far (seed, sizes): held-out-en-1
(en 3,0) and held-out-es-1 (es 4,0), both used for tuning since; held-out-tags-2026-12-08 (en 3,2, es 2,1,
--fresh), held-out-tags-3-2026-12-08 (en 2,0, es 2,0, --fresh), held-out-tags-4-2026-12-08 (en 2,0, es 2,0,
--fresh), held-out-tags-fr-2026-12-08 (fr 5,50, --fresh), and from session 6 (5 tagged and 2 untagged per topic):
held-out-tags-6-k7q and held-out-tags-7-m3w (en 5,2 and es 5,2, --fresh; each tuned on after it was judged) and
held-out-tags-8-p2d (en 5,2 and es 5,2, --fresh; drawn after the last rule change, not tuned on). The
agreement-level reference for personal information and data flows is ``topics_agreements.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sqlite3
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ftadraft.index import analysis
from ftadraft.tags import topics

HERE = Path(__file__).resolve().parent
JUDGEMENTS = HERE / "topics_audit.jsonl"
KEYWORDS = HERE / "topics_audit_keywords.toml"
SEED = "topics-audit-2026-12"
#: Sample sizes: tagged and untagged articles per topic; larger for the topics issue 14 names.
SAMPLE = (12, 6)
FOCUS = ("e-commerce/open-government-data", "e-commerce/source-code", "e-commerce/data-flows",
         "e-commerce/personal-information")
FOCUS_SAMPLE = (30, 15)
TARGET_PRECISION = 0.9


@dataclass(frozen=True)
class Article:
    id: str
    agreement_id: str
    agreement: str
    year: str
    language: str
    chapter: str
    number: str
    title: str
    text: str
    lemmas: str
    text_sha: str
    obligation: str


@dataclass(frozen=True)
class Judgement:
    topic: str
    provision: str
    relevant: bool
    reason: str
    judge: str
    date: str
    text_sha: str
    #: the seed of the sample the article was drawn for ("" for judgements recorded before samples were named)
    sample: str = ""


def rank(topic: str, provision_id: str, seed: str = SEED) -> str:
    return hashlib.sha256(f"{seed}|{topic}|{provision_id}".encode()).hexdigest()


def load(db: Path) -> tuple[dict[str, Article], dict[str, set[str]], dict[str, float]]:
    """Articles by id, the ids tagged with each topic, and (provision, topic) scores."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        arts = {}
        for r in conn.execute(
            "SELECT p.id, p.agreement_id, a.name, substr(a.signed, 1, 4), coalesce(a.language, 'en'), "
            "coalesce(p.chapter_title, ''), coalesce(p.number, ''), coalesce(p.title, ''), p.normalized, "
            "p.lemmas || ' | ' || p.title_lemmas, p.text_sha, coalesce(p.obligation, '') "
            "FROM provisions p JOIN agreements a ON a.id = p.agreement_id ORDER BY p.rowid"
        ):
            arts[r[0]] = Article(*r)
        tagged: dict[str, set[str]] = defaultdict(set)
        scores: dict[str, float] = {}
        for pid, topic, score in conn.execute(
            "SELECT p.id, t.topic, t.score FROM provision_topics t JOIN provisions p ON p.rowid = t.provision_rowid"
        ):
            tagged[topic].add(pid)
            scores[f"{pid}|{topic}"] = score
        return arts, tagged, scores
    finally:
        conn.close()


def keyword_rules() -> dict[str, dict[str, list[list[str]]]]:
    """topic -> language -> rules; a rule is a list of lemmatised phrases that must all occur."""
    raw = tomllib.loads(KEYWORDS.read_text(encoding="utf-8"))
    out: dict[str, dict[str, list[list[str]]]] = {}
    for topic, langs in raw.items():
        out[topic] = {lang: [[f" {analysis.lemmatize(part.strip(), lang)} " for part in rule.split("&")]
                             for rule in rules] for lang, rules in langs.items()}
    return out


def shares_keywords(art: Article, rules: dict[str, list[list[str]]]) -> bool:
    padded = f" {art.lemmas} "
    return any(all(p in padded for p in rule) for rule in rules.get(art.language, ()))


def load_judgements() -> dict[tuple[str, str], Judgement]:
    out: dict[tuple[str, str], Judgement] = {}
    if JUDGEMENTS.exists():
        for line in JUDGEMENTS.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            d = json.loads(line)
            j = Judgement(d["topic"], d["provision"], bool(d["relevant"]), d["reason"], d["judge"], d["date"],
                          d["text_sha"], d.get("sample", ""))
            out[(j.topic, j.provision)] = j  # a later line overrides an earlier one (a corrected judgement)
    return out


@dataclass
class Sample:
    topic: str
    tagged_ids: list[str]
    untagged_ids: list[str]
    n_tagged: int
    n_pool: int


def samples(arts: dict[str, Article], tagged: dict[str, set[str]], which: list[str], seed: str = SEED,
            lang: str | None = None, sizes: tuple[int, int] | None = None,
            exclude: dict[tuple[str, str], Judgement] | None = None) -> list[Sample]:
    """Per topic, the lowest-ranked tagged and untagged-with-key-words articles (only those in ``lang`` if
    given; ``sizes`` overrides the sample sizes). ``exclude``: judgements whose (topic, article) pairs are
    left out unless they were recorded for this very sample -- a held-out sample (``--fresh``) holds only
    articles that no earlier round judged, so rules tuned on earlier rounds never saw them."""
    rules = keyword_rules()
    out = []
    for t in which:
        n_tag, n_untag = sizes or (FOCUS_SAMPLE if t in FOCUS else SAMPLE)

        def drawable(pid: str, topic: str = t) -> bool:
            j = exclude.get((topic, pid)) if exclude is not None else None
            return j is None or j.sample == seed

        tag_ids = {i for i in tagged.get(t, set()) if lang is None or arts[i].language == lang}
        pool = [a.id for a in arts.values() if a.id not in tag_ids and (lang is None or a.language == lang)
                and shares_keywords(a, rules.get(t, {}))]
        out.append(Sample(t, sorted(filter(drawable, tag_ids), key=lambda i: rank(t, i, seed))[:n_tag],
                          sorted(filter(drawable, pool), key=lambda i: rank(t, i, seed))[:n_untag],
                          len(tag_ids), len(pool)))
    return out


def merge_spans(spans: list[tuple[int, int]]) -> list[list[int]]:
    """(start, end) spans sorted and merged where they overlap: the passages a judge reads, once each."""
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return merged


def excerpt(art: Article, full: bool, words: tuple[str, ...] = ()) -> str:
    """The article's opening, and (``words``) every passage around one of the words, so that a judge reads the
    sentences that name the topic wherever they stand; ``full``: the whole text."""
    text = " ".join(art.text.split())
    if full or len(text) <= 900:
        return text
    spans = [(0, 600)]
    low = text.lower()
    for w in words:
        pos = low.find(w)
        while pos >= 0:
            spans.append((max(0, pos - 250), pos + len(w) + 250))
            pos = low.find(w, pos + 1)
    merged = merge_spans(spans)
    out = " … ".join(text[a:b] for a, b in merged[:8])
    return out + (" …" if merged[-1][1] < len(text) else "")


def raw_keywords(topic: str, lang: str) -> tuple[str, ...]:
    """The topic's key words as written (unlemmatised, lower case) for finding passages in the text."""
    raw = tomllib.loads(KEYWORDS.read_text(encoding="utf-8"))
    parts = {part.strip().lower() for rule in raw.get(topic, {}).get(lang, []) for part in rule.split("&")}
    # a stem finds inflected forms ("publish" in "published"); generic context words are left out
    generic = {"customs", "aduana", "douane", "goods", "importation", "importación", "mercancías"}
    return tuple(sorted(w.rstrip("s") if len(w) > 4 else w for w in parts if w not in generic))


def head(art: Article, kind: str, topic: str, scores: dict[str, float]) -> str:
    score = scores.get(f"{art.id}|{topic}")
    return (f"[{kind}] {art.id} ({art.language}) {art.agreement[:40]} {art.year} | ch {art.chapter[:50]} | "
            f"{art.number} {art.title[:70]} | {art.obligation}" + (f" | score {score}" if score else ""))


def report(arts: dict[str, Article], tagged: dict[str, set[str]], smp: list[Sample],
           judged: dict[tuple[str, str], Judgement]) -> bool:
    ok = True
    print(f"{'topic':<44} {'tagged':>6} {'prec (judged/sample)':>21} {'pool':>6} {'untag rel':>10} "
          f"{'est.recall':>10} {'unjudged':>8} | all judged: irrel.tagged rel.untagged")
    tot = [0, 0, 0, 0]
    by_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for s in smp:
        def usable(pid: str, topic: str = s.topic) -> Judgement | None:
            j = judged.get((topic, pid))
            return j if j is not None and j.text_sha == arts[pid].text_sha else None

        jt = [j for j in map(usable, s.tagged_ids) if j]
        ju = [j for j in map(usable, s.untagged_ids) if j]
        unjudged = len(s.tagged_ids) + len(s.untagged_ids) - len(jt) - len(ju)
        prec = sum(j.relevant for j in jt) / len(jt) if jt else None
        urel = sum(j.relevant for j in ju) / len(ju) if ju else None
        recall = None
        if prec is not None and urel is not None:
            tp, fn = s.n_tagged * prec, s.n_pool * urel
            recall = tp / (tp + fn) if tp + fn else None
        elif s.n_tagged == 0 and urel is not None:
            recall = 0.0 if urel > 0 else None
        mine = [j for (t, pid), j in judged.items() if t == s.topic and pid in arts]
        irrel_tagged = sum(1 for j in mine if not j.relevant and j.provision in tagged.get(s.topic, ()))
        rel_untagged = sum(1 for j in mine if j.relevant and j.provision not in tagged.get(s.topic, ()))
        n_irrel = sum(1 for j in mine if not j.relevant)
        n_rel = len(mine) - n_irrel
        ok &= (prec is None or prec >= TARGET_PRECISION) and unjudged == 0
        tot[0] += sum(j.relevant for j in jt)
        tot[1] += len(jt)
        tot[2] += unjudged
        for j in jt:
            by_lang[arts[j.provision].language][0] += j.relevant
            by_lang[arts[j.provision].language][1] += 1
        ptxt = f"{prec:.2f} ({sum(j.relevant for j in jt)}/{len(jt)})" if prec is not None else "—"
        utxt = f"{sum(j.relevant for j in ju)}/{len(ju)}" if ju else "—"
        rtxt = f"{recall:.2f}" if recall is not None else "—"
        flag = " <" if prec is not None and prec < TARGET_PRECISION else ""
        print(f"{s.topic:<44} {s.n_tagged:>6} {ptxt:>21} {s.n_pool:>6} {utxt:>10} {rtxt:>10} {unjudged:>8} | "
              f"{irrel_tagged:>3} of {n_irrel:<3} {rel_untagged:>5} of {n_rel:<3}{flag}")
    if tot[1]:
        print(f"\nall sampled tagged articles: {tot[0]}/{tot[1]} relevant ({tot[0] / tot[1]:.3f}); unjudged: {tot[2]}")
        langs = sorted(by_lang.items())
        print("  by language: " + "; ".join(f"{lang} {r}/{n} ({r / n:.3f})" for lang, (r, n) in langs))
    return ok


def language_rates(arts: dict[str, Article], tagged: dict[str, set[str]]) -> None:
    per_lang: dict[str, int] = defaultdict(int)
    tags: dict[str, int] = defaultdict(int)
    with_tag: dict[str, set[str]] = defaultdict(set)
    for a in arts.values():
        per_lang[a.language] += 1
    for ids in tagged.values():
        for pid in ids:
            lang = arts[pid].language
            tags[lang] += 1
            with_tag[lang].add(pid)
    print("\ntopic tags per 1,000 articles, by language:")
    for lang in sorted(per_lang):
        n = per_lang[lang]
        print(f"  {lang}: {n:6} articles, {tags[lang]:5} tags = {1000 * tags[lang] / n:6.1f} per 1,000; "
              f"{len(with_tag[lang])} articles with a tag ({100 * len(with_tag[lang]) / n:.1f} %)")


def version_parity(db: Path, tagged: dict[str, set[str]]) -> None:
    """Language versions of one agreement (the research views' rule, ``version_groups``): for the articles both
    versions number alike (chapter and article number), how often their topic sets agree."""
    from ftadraft.model import Agreement
    from ftadraft.research.views import version_groups

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        agreements = [Agreement(id=r[0], name=r[1], parties=tuple(json.loads(r[2])),
                                signed=dt.date.fromisoformat(r[3]) if r[3] else None, language=r[4])
                      for r in conn.execute("SELECT id, name, parties, signed, language FROM agreements")]
        canon = version_groups(agreements)
        by_number: dict[str, dict[tuple[str, str], list[str]]] = defaultdict(lambda: defaultdict(list))
        wanted = {i for aid, head in canon.items() if aid != head for i in (aid, head)}
        for pid, aid, chapter, number in conn.execute(
                "SELECT id, agreement_id, coalesce(chapter_number, ''), coalesce(number, '') FROM provisions"):
            if aid in wanted and number:
                by_number[aid][(chapter, number)].append(pid)
    finally:
        conn.close()
    topics_of: dict[str, set[str]] = defaultdict(set)
    for topic, ids in tagged.items():
        for pid in ids:
            topics_of[pid].add(topic)
    print("\nlanguage versions of one agreement (chapter + article number matched):")
    for version, head in sorted(canon.items()):
        if version == head:
            continue
        a, b = by_number[head], by_number[version]
        both = sorted(set(a) & set(b))
        same = tagged_any = 0
        for key in both:
            ta = set().union(*(topics_of[p] for p in a[key]))
            tb = set().union(*(topics_of[p] for p in b[key]))
            same += ta == tb
            tagged_any += bool(ta or tb)
        print(f"  {head} / {version}: {len(both)} articles in both; same topics in {same} ({same / len(both):.1%}); "
              f"of the {tagged_any} with a topic in either, {tagged_any - (len(both) - same)} agree")


def record(path: Path, judge: str, arts: dict[str, Article], sample: str = "") -> int:
    today = dt.date.today().isoformat()
    known = {t.id for t in topics.taxonomy()}
    lines = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 4 or parts[2] not in ("y", "n") or parts[0] not in known or parts[1] not in arts:
            sys.exit(f"{path}:{n}: expected topic<TAB>provision id<TAB>y|n<TAB>reason with a known topic and id")
        topic, pid, verdict, reason = parts
        entry = {"topic": topic, "provision": pid, "relevant": verdict == "y", "reason": reason.strip(),
                 "judge": judge, "date": today, "text_sha": arts[pid].text_sha}
        if sample:
            entry["sample"] = sample
        lines.append(json.dumps(entry, ensure_ascii=False))
    with JUDGEMENTS.open("a", encoding="utf-8") as fh:
        fh.write("".join(line + "\n" for line in lines))
    return len(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", type=Path, required=True, help="an index holding ToTA, tagged")
    ap.add_argument("--topic", action="append", help="only this topic (repeatable; a prefix like 'e-commerce/')")
    ap.add_argument("--pending", action="store_true", help="print the sampled articles that have no judgement")
    ap.add_argument("--full", action="store_true", help="with --pending: whole texts")
    ap.add_argument("--show", metavar="PROVISION_ID", help="print one article in full")
    ap.add_argument("--record", type=Path, metavar="FILE", help="append judgements from FILE (see the docstring)")
    ap.add_argument("--judge", required=False, default=None, help="who judged, and how (with --record; required)")
    ap.add_argument("--seed", default=SEED, help="another seed draws a held-out sample (judgements are shared)")
    ap.add_argument("--lang", help="sample only articles in this language (en, es, fr)")
    ap.add_argument("--sample", metavar="T,U", help="sample sizes for every topic: tagged,untagged")
    ap.add_argument("--fresh", action="store_true",
                    help="held-out: draw only articles no earlier round judged (judgements of other samples excluded)")
    args = ap.parse_args()

    arts, tagged, scores = load(args.db)
    if args.show:
        a = arts[args.show]
        print(head(a, "article", "", scores))
        print(" ".join(a.text.split()))
        return 0
    if args.record:
        if not args.judge:
            ap.error("--record needs --judge: who judged (a person, or an AI session saying so) and how")
        sample = args.seed if args.seed != SEED else ""
        print(f"recorded {record(args.record, args.judge, arts, sample)} judgements in {JUDGEMENTS.name}")
        return 0
    all_ids = [t.id for t in topics.taxonomy()]
    which = [t for t in all_ids if not args.topic or any(t == w or t.startswith(w) for w in args.topic)]
    sizes = tuple(int(n) for n in args.sample.split(",")) if args.sample else None
    if sizes is not None and len(sizes) != 2:
        ap.error("--sample takes two numbers: tagged,untagged")
    judged = load_judgements()
    smp = samples(arts, tagged, which, args.seed, args.lang, sizes,  # type: ignore[arg-type]
                  judged if args.fresh else None)
    if args.pending:
        for s in smp:
            for kind, ids in (("tagged", s.tagged_ids), ("untagged", s.untagged_ids)):
                seen: dict[str, str] = {}
                for pid in ids:
                    j = judged.get((s.topic, pid))
                    if j is not None and j.text_sha == arts[pid].text_sha:
                        continue
                    a = arts[pid]
                    print(f"\n## {s.topic} " + head(a, kind, s.topic, scores))
                    if a.text_sha in seen:
                        print(f"   (same text as {seen[a.text_sha]})")
                        continue
                    seen[a.text_sha] = pid
                    print("   " + excerpt(a, args.full, raw_keywords(s.topic, a.language)))
        return 0
    print(f"Topic audit of {args.db} ({len(arts):,} articles); judgements: {JUDGEMENTS.name}; "
          f"samples: {SAMPLE[0]} tagged + {SAMPLE[1]} untagged per topic ({FOCUS_SAMPLE[0]} + {FOCUS_SAMPLE[1]} "
          f"for {', '.join(f.split('/')[1] for f in FOCUS)})" + (f" -- overridden: {args.sample}" if sizes else "")
          + f", seed {args.seed!r}" + (f", {args.lang} articles only" if args.lang else ""))
    ok = report(arts, tagged, smp, judged)
    if not args.topic and not args.lang:
        language_rates(arts, tagged)
        version_parity(args.db, tagged)
    print(f"precision >= {TARGET_PRECISION} on every topic's sample, nothing unjudged: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
