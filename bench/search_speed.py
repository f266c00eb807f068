"""Benchmark: search speed on the full ToTA index, ftadraft beside bm25s and tantivy in one run (issue 17).

Queries: every query of ``bench/queries*.toml`` (the negotiator queries of the quality evaluation, keyword
and descriptive; 211 distinct). Printed, each with its peers measured in the same run:

- **warm in-process** ``search(corpus, q)`` (limit 10, ranking and the snippets of the 10 hits read, the scorer
  that ``corpus add`` saved loaded) — target p95 ≤ 8 ms; peers: bm25s (title + text, Snowball stemmer,
  ``retrieve(k=10)``) and tantivy (in-memory index, title + text, ``en_stem``, top 10), indexed from the same
  provisions.
- **fresh session, FTS5 path**: a new process and a new ``Corpus`` running the queries with candidates from
  FTS5's bm25() (the scorer never loaded), first query included — target p95 ≤ 40 ms; peer: the raw FTS5
  OR-query (the same expressions, ``ORDER BY bm25 LIMIT 200``, nothing else) in the same process. Also shown:
  the same fresh session left to itself (it loads the saved scorer once its FTS5 time pays for that).
- **one-shot CLI** ``ftadraft search "express shipments"`` wall time, best and median of 5 — target ≤ 0.3 s;
  peer: a Python script that runs one raw FTS5 query.
- **ranking check** (``--reference FILE``): the ids, scores and snippets (as hashes) of every query, warm and
  fresh, against a file written by ``--write-reference`` (ids and hashes only, no treaty text); the script
  exits 1 when they differ.

Run:  python bench/search_speed.py --db PATH [--reference FILE | --write-reference FILE] [--no-peers]
Needs: pip install -e '.[bench]'  (bm25s, PyStemmer, tantivy)
Timings on a shared machine vary by ±30 % or more between runs: compare ftadraft with its peers of the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def queries() -> list[str]:
    out: list[str] = []
    for f in sorted(HERE.glob("queries*.toml")):
        out += [q["query"] for q in tomllib.loads(f.read_text())["query"]]
    return list(dict.fromkeys(out))


def _q95(xs: Sequence[float]) -> float:
    return sorted(xs)[int(0.95 * (len(xs) - 1))]


def _line(label: str, ms: Sequence[float], cpu: Sequence[float] = ()) -> str:
    out = f"  {label:<40} wall p50 {statistics.median(ms):6.1f} ms  p95 {_q95(ms):6.1f} ms"
    if cpu:
        out += f" | CPU p50 {statistics.median(cpu):6.1f} ms  p95 {_q95(cpu):6.1f} ms"
    return out + f"  ({len(ms)} calls)"


def _timed(fn: Callable[[str], Any], qs: Sequence[str], rounds: int = 1) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each call (CPU time: less disturbed by other processes on a busy machine)."""
    ms: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        for q in qs:
            t, c = time.perf_counter(), time.process_time()
            fn(q)
            ms.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
    return ms, cpu


def _fingerprint(hits: Sequence[Any]) -> list[list[str]]:
    """What the ranking check compares: id, score and a hash of the snippet of each hit, in order."""
    return [[h.provision.id, repr(h.score), hashlib.sha256(h.snippet.encode()).hexdigest()[:16]] for h in hits]


# -- peers ------------------------------------------------------------------------------------------------
def _documents(c: Any) -> list[tuple[str, str]]:
    """(title, text) of every provision of the index, through the public API."""
    return [(p.title or "", p.normalized) for a in c.agreements() for p in c.index.provisions(a.id)]


def _bm25s(docs: list[tuple[str, str]]) -> Callable[[str], Any] | None:
    try:
        import bm25s
        import Stemmer
    except ImportError:
        return None
    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([f"{t} {x}" for t, x in docs], stopwords="en", stemmer=stemmer,
                                   show_progress=False), show_progress=False)

    def run(q: str) -> Any:
        tokens = bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False)
        return retriever.retrieve(tokens, k=10, show_progress=False)

    return run


def _tantivy(docs: list[tuple[str, str]]) -> Callable[[str], Any] | None:
    try:
        import tantivy
    except ImportError:
        return None
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("title", stored=False, tokenizer_name="en_stem")
    sb.add_text_field("text", stored=False, tokenizer_name="en_stem")
    sb.add_integer_field("n", stored=True)
    index = tantivy.Index(sb.build())
    writer = index.writer(heap_size=200_000_000, num_threads=1)
    for i, (t, x) in enumerate(docs):
        writer.add_document(tantivy.Document(title=t, text=x, n=i))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()

    def run(q: str) -> Any:
        words = " ".join(re.findall(r"\w+", q.lower()))
        return searcher.search(index.parse_query(words, ["title", "text"]), 10).hits

    return run


# -- the parts ---------------------------------------------------------------------------------------------
def warm(db: Path, qs: list[str], peers: bool) -> dict[str, list[list[str]]]:
    import ftadraft
    from ftadraft.search.engine import prepare, search

    print("warm, in-process (a running session; 3 rounds after one warm-up round):")
    with ftadraft.open(db, create=False, readonly=True) as c:
        t = time.perf_counter()
        ok = prepare(c)
        print(f"  scorer: {'loaded or built' if ok else 'NOT AVAILABLE'} in {time.perf_counter() - t:.2f} s")
        results = {q: _fingerprint(search(c, q)) for q in qs}
        # snippets are made when read (Hit.snippet): read them, as every caller that shows hits does
        print(_line("ftadraft search()", *_timed(lambda q: [h.snippet for h in search(c, q)], qs, 3)))
        docs = _documents(c) if peers else []
    for name, make in (("bm25s retrieve(k=10)", _bm25s), ("tantivy top 10", _tantivy)):
        if not peers:
            continue
        t = time.perf_counter()
        run = make(docs)
        if run is None:
            print(f"  {name}: not installed (pip install -e '.[bench]')")
            continue
        built = time.perf_counter() - t
        for q in qs:
            run(q)
        print(_line(name, *_timed(run, qs, 3)) + f"  [indexed in {built:.1f} s]")
    return results


_FRESH = r"""
import hashlib, json, sqlite3, sys, time
t0 = time.perf_counter()
import ftadraft
import ftadraft.search.engine as S
mode, db, qs = sys.argv[1], sys.argv[2], json.loads(sys.stdin.read())
if mode == "fts":
    S.LOAD_SECONDS_PER_PROVISION = S.BUILD_SECONDS_PER_PROVISION = float("inf")
out = {"import": time.perf_counter() - t0, "ms": [], "cpu": [], "raw": [], "raw_cpu": [], "results": {},
       "scorer_at": None}
with ftadraft.open(db, create=False, readonly=True) as c:
    for i, q in enumerate(qs):
        t, p = time.perf_counter(), time.process_time()
        hits = S.search(c, q)
        snippets = [h.snippet for h in hits]  # made when read: part of the time
        out["ms"].append((time.perf_counter() - t) * 1000)
        out["cpu"].append((time.process_time() - p) * 1000)
        out["results"][q] = [[h.provision.id, repr(h.score), hashlib.sha256(s.encode()).hexdigest()[:16]]
                             for h, s in zip(hits, snippets)]
        if out["scorer_at"] is None and c.session().scorer is not None:
            out["scorer_at"] = i + 1
    if mode == "fts":  # the peer: the same FTS5 expressions, asked raw
        from ftadraft.search.query import plan_query
        exprs = [plan_query(c, q).fts for q in qs]
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        sql = ("SELECT rowid, bm25(provisions_fts, 4.0, 1.5, 1.0) AS s FROM provisions_fts "
               "WHERE provisions_fts MATCH ? ORDER BY s LIMIT 200")
        for e in exprs:
            t, p = time.perf_counter(), time.process_time()
            conn.execute(sql, (e,)).fetchall()
            out["raw"].append((time.perf_counter() - t) * 1000)
            out["raw_cpu"].append((time.process_time() - p) * 1000)
print(json.dumps(out))
"""


def fresh(db: Path, qs: list[str]) -> dict[str, list[list[str]]]:
    print("fresh session (a new process and Corpus; the first query included):")
    results: dict[str, list[list[str]]] = {}
    for mode, label in (("fts", "ftadraft search(), FTS5 path"), ("natural", "ftadraft search(), left to itself")):
        r = subprocess.run([sys.executable, "-c", _FRESH, mode, str(db)], input=json.dumps(qs), text=True,
                           capture_output=True, check=True)
        out = json.loads(r.stdout)
        print(_line(label, out["ms"], out["cpu"]) + f"  first query {out['ms'][0]:.0f} ms"
              + (f", scorer loaded at query {out['scorer_at']}" if out["scorer_at"] else ""))
        if mode == "fts":
            print(_line("  its first 20 queries", out["ms"][:20], out["cpu"][:20]))
            print(_line("raw FTS5 OR-query (same expressions)", out["raw"], out["raw_cpu"]))
            results = out["results"]
        elif out["results"] != results:
            print("  ! the FTS5 path and the session left to itself ranked differently")
    return results


def one_shot(db: Path) -> None:
    exe = Path(sys.executable).parent / "ftadraft"
    raw = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"SELECT rowid, bm25(provisions_fts, "
           "4.0, 1.5, 1.0) s FROM provisions_fts WHERE provisions_fts MATCH '\\\"express\\\" OR \\\"shipment\\\"' "
           "ORDER BY s LIMIT 10\").fetchall()")
    print("one-shot (best / median of 5; CPU: user + system of the process):")
    for label, cmd in (("ftadraft search \"express shipments\"", [str(exe), "--db", str(db), "search",
                                                                  "express shipments"]),
                       ("python + raw FTS5 query", [sys.executable, "-c", raw, str(db)])):
        runs, cpu = [], []
        for _ in range(5):
            t, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(cmd, check=True, capture_output=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            runs.append(time.perf_counter() - t)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        print(f"  {label:<40} wall {min(runs):.2f} s / {statistics.median(runs):.2f} s | "
              f"CPU {min(cpu):.2f} s / {statistics.median(cpu):.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--reference", type=Path, help="compare rankings with this file (from --write-reference)")
    ap.add_argument("--write-reference", type=Path, help="write this run's rankings (ids and hashes only)")
    ap.add_argument("--no-peers", action="store_true", help="skip bm25s and tantivy")
    args = ap.parse_args()
    if not args.db.is_file():
        sys.exit(f"search_speed: {args.db}: no such index (build one with `ftadraft corpus fetch tota`)")
    qs = queries()
    print(f"{len(qs)} queries from bench/queries*.toml; index {args.db}; {os.cpu_count()} cores\n")
    ranked_warm = warm(args.db, qs, not args.no_peers)
    ranked_fresh = fresh(args.db, qs)
    one_shot(args.db)
    same = ranked_warm == ranked_fresh
    print(f"\nranking: warm session and fresh FTS5 path {'identical' if same else 'DIFFER'}")
    if args.write_reference:
        args.write_reference.write_text(json.dumps(ranked_warm, indent=0, sort_keys=True))
    if args.reference:
        ref = json.loads(args.reference.read_text())
        differ = [q for q in qs if ref.get(q) != ranked_warm[q]]
        print(f"ranking against {args.reference}: " + ("identical" if not differ else
                                                       f"{len(differ)} queries DIFFER, e.g. {differ[:3]}"))
        same = same and not differ
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
