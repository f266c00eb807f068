"""Search-quality evaluation: ftadraft's ``search()`` against a bm25s baseline on the full ToTA corpus.

Queries and relevance rules live in ``bench/queries.toml`` (see its header and bench/README.md). Relevance
is judged from ToTA article titles (the XML ``name`` attribute), narrowed by chapter names where a title is
ambiguous; a query file may also hold reading judgements (``[judged."<query id>"]`` tables, article id = grade,
from a pool read by a person: see bench/search_pool.py and queries_heldout4.toml), which win over the rules and
count even for untitled articles. Other articles without a title cannot be judged and count as NOT relevant;
the "titled only" variant drops untitled articles from both rankings before scoring, so neither system is
penalised for finding on-topic text that ToTA left untitled.

Both systems see the same 40,993 articles: ftadraft its own index (``ftadraft.open(db).add([xml])``), the
baseline ``bm25s`` (Snowball English stemmer via PyStemmer, bm25s's English stopwords, default BM25
parameters) the title + text of each article read from the same XML files.

Run:   python bench/search_eval.py [--db PATH] [--corpus DIR] [--queries FILE] [--json OUT] [--per-query]
       python bench/search_eval.py --check       # relevant-article counts per query only (no index)
       python bench/search_eval.py --explain ID  # the titles judged relevant for one query
Needs: pip install bm25s PyStemmer   (not ftadraft dependencies; the 'bench' extra)

Tune only on split = "dev". The per-query listing hides held-out queries unless --show-heldout is given.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import tempfile
import time
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parents[1] / "shared/corpus/tota/xml"
DEFAULT_QUERIES = HERE / "queries.toml"
K = 10  # cut-off for nDCG and P
DEEP = 200  # depth fetched for the titled-only variant (untitled hits are dropped, then the top K kept)
TIMING_ROUNDS = 3


# ---------------------------------------------------------------------------------------------- corpus --
@dataclass(frozen=True)
class Article:
    id: str  # ftadraft provision id: tota-<treaty>/<article_identifier>
    title: str  # ToTA `name` attribute, normalised for matching ("" = untitled)
    chapter: str  # ToTA chapter `name`, normalised
    text: str  # article text as in the XML


_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
                       "\u2010": "-", "\u2011": "-", "\u00a0": " "})


def norm(s: str | None) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", s or "").translate(_FOLD)).strip()


def read_tota(folder: Path) -> list[Article]:
    """Every article of every pta_*.xml, in file and document order (safe parser: no entities, no network)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    files = sorted(folder.glob("pta_*.xml"), key=lambda p: int(re.sub(r"\D", "", p.stem) or 0))
    if not files:
        sys.exit(f"search_eval: no ToTA files (pta_*.xml) in {folder}; pass --corpus")
    out: list[Article] = []
    for f in files:
        root = etree.parse(str(f), parser).getroot()
        treaty = (root.findtext("meta/treaty_identifier") or "").strip()
        for chapter in root.iter("chapter"):
            ch = norm(chapter.get("name"))
            for art in chapter.iter("article"):
                out.append(Article(f"tota-{treaty}/{art.get('article_identifier')}", norm(art.get("name")), ch,
                                   "".join(art.itertext())))
    return out


# --------------------------------------------------------------------------------------------- queries --
@dataclass(frozen=True)
class Rule:
    title: re.Pattern[str]
    chapter: re.Pattern[str] | None
    grade: int


@dataclass
class Query:
    id: str
    topic: str
    area: str
    style: str
    split: str
    text: str
    rules: list[Rule]
    qrels: dict[str, int] = field(default_factory=dict)  # article id -> grade (> 0 only)
    source: str = ""  # query file stem (queries, queries_blind, ...): one report block per file
    judged: dict[str, int] = field(default_factory=dict)  # article id -> grade from reading (wins over rules)


def load_queries(path: Path) -> list[Query]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    contexts = data.get("contexts", {})
    judged = data.get("judged", {})  # [judged."<query id>"] "<article id>" = grade: pool judgements by reading
    queries: list[Query] = []
    for q in data["query"]:
        rules = []
        for r in q["rules"]:
            chap = r.get("chapter") or (contexts[r["context"]] if "context" in r else None)
            rules.append(Rule(re.compile(r["title"], re.IGNORECASE), re.compile(chap, re.IGNORECASE) if chap else None,
                              int(r["grade"])))
        assert q["style"] in {"keyword", "descriptive"} and q["split"] in {"dev", "heldout"}, q["id"]
        marks = {str(k): int(v) for k, v in judged.get(q["id"], {}).items() if k != "judged_at"}
        queries.append(Query(q["id"], q["topic"], q["area"], q["style"], q["split"], q["query"], rules,
                             source=path.stem, judged=marks))
    ids = [q.id for q in queries]
    assert len(ids) == len(set(ids)), "duplicate query ids"
    return queries


def judge(queries: Sequence[Query], articles: Sequence[Article]) -> None:
    """Fill each query's qrels: a reading judgement (``judged``) gives an article's grade; otherwise the first
    rule matching its title (and chapter) does. Judged articles count even when untitled."""
    titled = [a for a in articles if a.title]
    known = {a.id for a in articles}
    for q in queries:
        unknown = sorted(set(q.judged) - known)
        if unknown:
            sys.exit(f"search_eval: query {q.id} judges articles not in the corpus: {', '.join(unknown[:3])}")
        q.qrels.update({d: g for d, g in q.judged.items() if g > 0})
        for a in titled:
            if a.id in q.judged:
                continue
            for r in q.rules:
                if r.title.search(a.title) and (r.chapter is None or r.chapter.search(a.chapter)):
                    if r.grade > 0:
                        q.qrels[a.id] = r.grade
                    break


# --------------------------------------------------------------------------------------------- metrics --
def dcg(gains: Iterable[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg(ranked: Sequence[str], qrels: dict[str, int], k: int = K) -> float:
    ideal = dcg(sorted(qrels.values(), reverse=True)[:k])
    return dcg(qrels.get(d, 0) for d in ranked[:k]) / ideal if ideal else 0.0


def precision(ranked: Sequence[str], qrels: dict[str, int], k: int = K) -> float:
    """Share of the top k that is relevant (grade >= 1); missing results count as misses."""
    return sum(1 for d in ranked[:k] if qrels.get(d, 0) > 0) / k


# --------------------------------------------------------------------------------------------- systems --
def ftadraft_index(db: Path | None, corpus: Path, articles: Sequence[Article], tmp: Path) -> Any:
    import ftadraft

    path = db or tmp / "tota.sqlite"
    t0 = time.perf_counter()
    c = ftadraft.open(path)
    report = c.add([corpus])
    took = time.perf_counter() - t0
    if report.failed:
        sys.exit(f"search_eval: ftadraft could not add {len(report.failed)} files, e.g. {report.failed[0][1]}")
    have = {r[0] for r in c.index.conn.execute("SELECT id FROM provisions")}
    want = {a.id for a in articles}
    if have != want:
        sys.exit(f"search_eval: index {path} holds {len(have)} provisions, {len(have - want)} not from {corpus} and "
                 f"{len(want - have)} missing; use an index holding exactly the ToTA corpus (or no --db)")
    what = "added" if report.added or report.replaced else "reused"
    print(f"ftadraft index: {path} ({what}, {len(have):,} provisions, {took:.1f} s)", file=sys.stderr, flush=True)
    return c


def run_ftadraft(c: Any, queries: Sequence[Query]) -> tuple[dict[str, list[str]], dict[str, list[str]], list[float],
                                                           list[float], dict[str, Any]]:
    """Rankings from a fresh session (candidates from FTS5's bm25()), then timing in a running session
    (in-memory scorer built), checking that both give the same top 10s."""
    import sqlite3

    from ftadraft.search.engine import prepare, search

    try:
        search(c, "warm up the query path", limit=K)
    except sqlite3.OperationalError as e:
        sys.exit(f"search_eval: search fails on {c.path} ({e}); the index was probably built by another ftadraft "
                 "version: delete it (or drop --db) and run again")
    top = {q.id: [h.provision.id for h in search(c, q.text, limit=K)] for q in queries}
    t0 = time.perf_counter()
    prepare(c)
    scorer = {"build_s": time.perf_counter() - t0, "identical_top10": 0}
    deep: dict[str, list[str]] = {}
    wall: list[float] = []
    cpu: list[float] = []  # CPU time is steadier than wall time when other processes share the machine
    for rnd in range(TIMING_ROUNDS):
        for q in queries:
            t0, c0 = time.perf_counter(), time.process_time()
            hits = search(c, q.text, limit=K)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            if rnd == 0:
                scorer["identical_top10"] += [h.provision.id for h in hits] == top[q.id]
    for q in queries:
        deep[q.id] = [h.provision.id for h in search(c, q.text, limit=DEEP)]
    return top, deep, wall, cpu, scorer


def run_bm25s(articles: Sequence[Article], queries: Sequence[Query]) -> tuple[dict[str, list[str]], float, list[float]]:
    try:
        import bm25s
        import Stemmer
    except ImportError:
        sys.exit("search_eval: the baseline needs bm25s and PyStemmer: .venv/bin/pip install bm25s PyStemmer")
    stemmer = Stemmer.Stemmer("english")
    t0 = time.perf_counter()
    tokens = bm25s.tokenize([f"{a.title}\n{a.text}" for a in articles], stopwords="en", stemmer=stemmer,
                            show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    build = time.perf_counter() - t0
    vocab = retriever.vocab_dict
    ranked: dict[str, list[str]] = {}
    times: list[float] = []
    for q in queries:
        t1 = time.perf_counter()
        qtok = [t for t in bm25s.tokenize(q.text, stopwords="en", stemmer=stemmer, return_ids=False,
                                          show_progress=False)[0] if t in vocab]
        if not qtok:
            ranked[q.id] = []
            continue
        docs, scores = retriever.retrieve([qtok], k=DEEP, show_progress=False, n_threads=1)
        times.append(time.perf_counter() - t1)
        # Stable order: score desc, then corpus order (bm25s' top-k order among ties is not specified).
        pairs = sorted(zip(docs[0].tolist(), scores[0].tolist(), strict=True), key=lambda p: (-p[1], p[0]))
        ranked[q.id] = [articles[i].id for i, s in pairs if s > 0]
    return ranked, build, times


# --------------------------------------------------------------------------------------------- report ---
def titled_only(ranked: Sequence[str], titled: set[str]) -> list[str]:
    return [d for d in ranked if d in titled][:K]


def pct(xs: Sequence[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, math.ceil(p / 100 * len(xs)) - 1))]


def rel_change(new: float, base: float) -> str:
    return f"{(new - base) / base * 100:+.0f}%" if base else "n/a"


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path,
                    help="ftadraft index to reuse (created and filled if missing); default: a temporary one")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                    help="ToTA xml folder (default ../shared/corpus/tota/xml)")
    ap.add_argument("--queries", type=Path, action="append",
                    help="query file (repeatable: one run, one block per file; default bench/queries.toml)")
    ap.add_argument("--json", metavar="OUT", help="write per-query metrics and rankings as JSON to OUT ('-' = stdout)")
    ap.add_argument("--per-query", action="store_true", help="print one line per dev query")
    ap.add_argument("--show-heldout", action="store_true", help="with --per-query, list held-out queries too")
    ap.add_argument("--check", action="store_true", help="only print relevant-article counts per query")
    ap.add_argument("--explain", metavar="QUERY_ID",
                    help="only list the titles (and chapters) judged relevant for a query")
    args = ap.parse_args(argv)
    out = sys.stderr if args.json == "-" else sys.stdout

    t_start = time.perf_counter()
    articles = read_tota(args.corpus)
    files = args.queries or [DEFAULT_QUERIES]
    for f in files:
        if not f.is_file():
            sys.exit(f"search_eval: no query file {f}")
    queries = [q for f in files for q in load_queries(f)]
    if len({q.id for q in queries}) != len(queries):
        sys.exit("search_eval: the same query id appears in two query files")
    judge(queries, articles)
    titled = {a.id for a in articles if a.title}
    few = [q.id for q in queries if len(q.qrels) < 3]
    if args.explain:
        by_id = {a.id: a for a in articles}
        (q,) = [q for q in queries if q.id == args.explain] or sys.exit(f"no query {args.explain!r}")
        seen = Counter((g, by_id[d].title, by_id[d].chapter) for d, g in q.qrels.items())
        print(f"{q.id}: {q.text!r} — {len(q.qrels)} relevant articles", file=out)
        for (g, title, chapter), n in sorted(seen.items(), key=lambda x: (-x[0][0], -x[1], x[0][1])):
            print(f"  grade {g} ×{n:<3} {title}  [{chapter or 'no chapter name'}]", file=out)
        return
    if args.check:
        print(f"{len(articles):,} articles, {len(titled):,} titled; {len(queries)} queries", file=out)
        for q in queries:
            g2 = sum(1 for g in q.qrels.values() if g == 2)
            print(f"  {q.id:26} {q.split:7} {q.style:11} grade2={g2:4}  grade1={len(q.qrels) - g2:4}", file=out)
        if few:
            sys.exit(f"queries with fewer than 3 relevant articles: {', '.join(few)}")
        return
    if few:
        sys.exit(f"search_eval: queries with fewer than 3 relevant articles: {', '.join(few)} (run --check)")

    with tempfile.TemporaryDirectory() as tmp:
        corpus = ftadraft_index(args.db, args.corpus, articles, Path(tmp))
        try:
            fta_top, fta_deep, fta_times, fta_cpu, scorer = run_ftadraft(corpus, queries)
        finally:
            corpus.close()
    bm_deep, bm_build, bm_times = run_bm25s(articles, queries)
    bm_top = {qid: r[:K] for qid, r in bm_deep.items()}

    per: list[dict[str, Any]] = []
    for q in queries:
        row: dict[str, Any] = {"id": q.id, "source": q.source, "topic": q.topic, "area": q.area, "style": q.style,
                               "split": q.split, "query": q.text, "relevant": len(q.qrels),
                               "relevant_grade2": sum(1 for g in q.qrels.values() if g == 2)}
        for name, top, deep in (("ftadraft", fta_top, fta_deep), ("bm25s", bm_top, bm_deep)):
            ranked, rt = top[q.id], titled_only(deep[q.id], titled)
            row[name] = {
                "ndcg": ndcg(ranked, q.qrels), "p": precision(ranked, q.qrels),
                "ndcg_titled": ndcg(rt, q.qrels), "p_titled": precision(rt, q.qrels),
                "untitled_in_top": sum(1 for d in ranked if d not in titled), "returned": len(ranked),
                # [provision id, grade] per rank; grade None = untitled (cannot be judged)
                "top": [[d, q.qrels.get(d, 0) if d in titled else None] for d in ranked],
            }
        per.append(row)

    kinds: list[tuple[str, Any]] = [
        ("all", lambda r: True), ("keyword", lambda r: r["style"] == "keyword"),
        ("descriptive", lambda r: r["style"] == "descriptive"), ("dev", lambda r: r["split"] == "dev"),
        ("heldout", lambda r: r["split"] == "heldout"),
        ("dev keyword", lambda r: r["split"] == "dev" and r["style"] == "keyword"),
        ("dev descr.", lambda r: r["split"] == "dev" and r["style"] == "descriptive"),
        ("held kw", lambda r: r["split"] == "heldout" and r["style"] == "keyword"),
        ("held descr.", lambda r: r["split"] == "heldout" and r["style"] == "descriptive")]
    sources = list(dict.fromkeys(q.source for q in queries))
    groups: list[tuple[str, Any]] = []
    for src in sources:  # one block per query file; a single file keeps the plain labels
        for label, pred in kinds:
            groups.append((label if len(sources) == 1 else f"{src}: {label}",
                           lambda r, src=src, pred=pred: r["source"] == src and pred(r)))

    def mean(rows: list[dict[str, Any]], system: str, metric: str) -> float:
        return statistics.fmean(r[system][metric] for r in rows)

    def p(*a: object) -> None:
        print(*a, file=out)

    width = max(12, *(len(label) for label, _ in groups))
    p(f"ToTA: {len(articles):,} articles ({len(titled):,} titled); {len(queries)} queries "
      f"({sum(q.style == 'keyword' for q in queries)} keyword, "
      f"{sum(q.style == 'descriptive' for q in queries)} descriptive; "
      f"{sum(q.split == 'dev' for q in queries)} dev, {sum(q.split == 'heldout' for q in queries)} held out)")
    for variant, sfx in (("all articles (untitled = not relevant)", ""),
                         ("titled only (untitled dropped from both rankings)", "_titled")):
        p(f"\n{variant}")
        p(f"  {'queries':{width}} {'n':>3}   {'nDCG@10 ftadraft':>16} {'bm25s':>6} {'Δ':>6}   "
          f"{'P@10 ftadraft':>13} {'bm25s':>6} {'Δ':>6}")
        for label, pred in groups:
            rows = [r for r in per if pred(r)]
            if not rows:  # e.g. a query file that is all held out (queries_fresh.toml) has no dev row
                continue
            fn, bn = mean(rows, "ftadraft", "ndcg" + sfx), mean(rows, "bm25s", "ndcg" + sfx)
            fp, bp = mean(rows, "ftadraft", "p" + sfx), mean(rows, "bm25s", "p" + sfx)
            p(f"  {label:{width}} {len(rows):3}   {fn:16.3f} {bn:6.3f} {rel_change(fn, bn):>6}   "
              f"{fp:13.3f} {bp:6.3f} {rel_change(fp, bp):>6}")
    unt_f = statistics.fmean(r["ftadraft"]["untitled_in_top"] for r in per)
    unt_b = statistics.fmean(r["bm25s"]["untitled_in_top"] for r in per)
    empty_f = sum(1 for r in per if r["ftadraft"]["returned"] == 0)
    p(f"\nuntitled articles in the top 10 (unjudgeable): ftadraft {unt_f:.1f}, bm25s {unt_b:.1f} per query; "
      f"queries with no ftadraft result: {empty_f}")
    p(f"timing: ftadraft search(limit={K}) wall p50 {pct(fta_times, 50) * 1000:.1f} ms, "
      f"p95 {pct(fta_times, 95) * 1000:.1f} ms; "
      f"CPU p50 {pct(fta_cpu, 50) * 1000:.1f} ms, p95 {pct(fta_cpu, 95) * 1000:.1f} ms ({len(fta_times)} calls, "
      "running session)")
    p(f"        in-memory scorer built in {scorer['build_s']:.1f} s; its top 10s equal the fresh session's (FTS5 bm25) "
      f"on {scorer['identical_top10']}/{len(queries)} queries")
    p(f"        bm25s build {bm_build:.1f} s (tokenise+stem+index), query p50 {pct(bm_times, 50) * 1000:.1f} ms; "
      f"total {time.perf_counter() - t_start:.0f} s")

    if args.per_query:
        p(f"\nper query (nDCG@10 ftadraft / bm25s, relevant count){'' if args.show_heldout else ' — dev only'}")
        for r in per:
            if r["split"] == "heldout" and not args.show_heldout:
                continue
            fr, br = r["ftadraft"], r["bm25s"]
            p(f"  {r['id']:26} {fr['ndcg']:.2f} / {br['ndcg']:.2f}  rel={r['relevant']:<4} {r['query']}")
    if args.json:
        doc: dict[str, Any] = {"k": K, "articles": len(articles), "titled": len(titled), "queries": per,
               "timing": {"ftadraft_search_ms": {"p50": pct(fta_times, 50) * 1000, "p95": pct(fta_times, 95) * 1000},
                          "ftadraft_search_cpu_ms": {"p50": pct(fta_cpu, 50) * 1000, "p95": pct(fta_cpu, 95) * 1000},
                          "ftadraft_scorer_build_s": scorer["build_s"],
                          "ftadraft_scorer_identical_top10": scorer["identical_top10"],
                          "bm25s_build_s": bm_build, "bm25s_query_ms_p50": pct(bm_times, 50) * 1000}}
        text = json.dumps(doc, indent=1)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
