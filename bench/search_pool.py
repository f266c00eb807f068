"""Judging pool for a query file of bench/search_eval.py: the union of the top N of ftadraft, bm25s and a plain
SQLite FTS5 OR-query (porter stemmer, title + text), shuffled with a fixed seed and printed WITHOUT the system that
found each article, so a judge reads title, chapter and text and records grades under ``[judged."<query id>"]`` of
the query file (see bench/queries_heldout4.toml).

Run:   python bench/search_pool.py --db PATH --queries bench/queries_heldout4.toml [--depth 15] [--chars 600]
       [--only ID] [--unjudged]   # --unjudged: leave out articles the file already judges
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_eval import DEFAULT_CORPUS, ftadraft_index, judge, load_queries, read_tota, run_bm25s  # noqa: E402

STOP = {"a", "an", "the", "of", "in", "on", "for", "to", "and", "or", "by", "with", "be", "is", "are", "their",
        "its", "it", "as", "at", "from", "that", "this", "they", "them", "should", "must", "can", "so", "not", "no"}


def fts_pool(articles: list, queries: list, depth: int) -> dict[str, list[str]]:
    """Plain FTS5 (porter, unicode61) OR of the query's non-stopword words over title + text, bm25 order."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='porter unicode61 remove_diacritics 2')")
    db.executemany("INSERT INTO t(rowid, title, body) VALUES (?, ?, ?)",
                   ((i, a.title, a.text) for i, a in enumerate(articles)))
    out: dict[str, list[str]] = {}
    for q in queries:
        words = [w for w in re.findall(r"[a-z0-9]+", q.text.lower()) if w not in STOP]
        expr = " OR ".join(f'"{w}"' for w in words)
        rows = db.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t), rowid LIMIT ?", (expr, depth))
        out[q.id] = [articles[r].id for (r,) in rows]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--queries", type=Path, required=True)
    ap.add_argument("--depth", type=int, default=15)
    ap.add_argument("--chars", type=int, default=600)
    ap.add_argument("--only", help="one query id")
    ap.add_argument("--unjudged", action="store_true")
    args = ap.parse_args()
    articles = read_tota(args.corpus)
    queries = [q for q in load_queries(args.queries) if not args.only or q.id == args.only]
    judge(queries, articles)
    import tempfile

    from ftadraft.search.engine import search
    with tempfile.TemporaryDirectory() as tmp:
        c = ftadraft_index(args.db, args.corpus, articles, Path(tmp))
        fta = {q.id: [h.provision.id for h in search(c, q.text, limit=args.depth)] for q in queries}
        c.close()
    bm, _, _ = run_bm25s(articles, queries)
    fts = fts_pool(articles, queries, args.depth)
    by_id = {a.id: a for a in articles}
    for q in queries:
        pool = sorted(set(fta[q.id]) | set(bm[q.id][:args.depth]) | set(fts[q.id]))
        if args.unjudged:
            pool = [d for d in pool if d not in q.judged]
        random.Random(q.id).shuffle(pool)
        print(f"\n=== {q.id} ({q.style}): {q.text!r} — pool {len(pool)}")
        for d in pool:
            a = by_id[d]
            text = re.sub(r"\s+", " ", a.text).strip()[:args.chars]
            print(f"--- {d} | title: {a.title or '(untitled)'} | chapter: {a.chapter or '-'} | rule grade: "
                  f"{q.qrels.get(d, 0) if a.title else '-'}\n    {text}")


if __name__ == "__main__":
    main()
