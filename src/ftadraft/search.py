"""Full-text search over the index: FTS5 BM25 over lemmatised title, chapter and text.

The query is lemmatised exactly like the indexed texts, so "shipments" finds "shipment" and
"accorded" finds "accord". Quoted phrases, AND/OR/NOT and prefix* are passed through to FTS5;
a query FTS5 cannot parse falls back to its plain words.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from .analysis import lemma, lemmatize
from .corpus import Corpus
from .errors import FtadraftError
from .model import Agreement, Provision

#: BM25 column weights: title, chapter title, text.
WEIGHTS = (4.0, 1.5, 1.0)
_OPERATORS = {"AND", "OR", "NOT", "NEAR"}
_TOKEN = re.compile(r'"[^"]*"|\(|\)|[^\s()"]+')


@dataclass(frozen=True)
class Hit:
    """One search result: the provision, its agreement, score and a snippet of matched text."""

    rank: int
    score: float
    provision: Provision
    agreement: Agreement
    snippet: str

    def to_dict(self) -> dict[str, object]:
        p, a = self.provision, self.agreement
        return {
            "rank": self.rank,
            "score": round(self.score, 4),
            "agreement": {"id": a.id, "name": a.name, "signed": a.signed.isoformat() if a.signed else None,
                          "parties": list(a.parties)},
            "chapter": {"number": p.chapter_number, "title": p.chapter_title},
            "article": {"id": p.id, "number": p.number, "title": p.title},
            "topics": list(p.topics),
            "obligation": p.obligation,
            "snippet": self.snippet,
            "source": dict(p.source),
        }


def fts_query(query: str, lang: str = "en") -> str:
    """Translate a user query into an FTS5 expression over lemmas (operators kept)."""
    parts: list[str] = []
    for token in _TOKEN.findall(query):
        if token in _OPERATORS or token in "()":
            parts.append(token)
        elif token.startswith('"'):
            phrase = lemmatize(token.strip('"'), lang)
            if phrase:
                parts.append(f'"{phrase}"')
        else:
            prefix = token.endswith("*")
            lemmas = lemmatize(token.rstrip("*"), lang).split()
            for i, lemma in enumerate(lemmas):
                star = "*" if prefix and i == len(lemmas) - 1 else ""
                parts.append(f'"{lemma}"{star}')
    return " ".join(parts)


def _plain_query(query: str, lang: str) -> str:
    return " OR ".join(f'"{w}"' for w in dict.fromkeys(lemmatize(query, lang).split()))


def search(corpus: Corpus, query: str, *, limit: int = 10) -> list[Hit]:
    """Provisions matching ``query``, best first."""
    if not query.strip():
        raise FtadraftError("empty query: type some words to search for")
    conn = corpus.index.conn
    sql = (
        "SELECT p.id, bm25(provisions_fts, ?, ?, ?) AS score, p.normalized "
        "FROM provisions_fts JOIN provisions p ON p.rowid = provisions_fts.rowid "
        "WHERE provisions_fts MATCH ? ORDER BY score LIMIT ?"
    )
    expr = fts_query(query)
    try:
        rows = conn.execute(sql, (*WEIGHTS, expr, limit)).fetchall() if expr else []
    except sqlite3.OperationalError:
        rows = []
        expr = ""
    if not rows:
        plain = _plain_query(query, "en")
        if plain and plain != expr:
            rows = conn.execute(sql, (*WEIGHTS, plain, limit)).fetchall()
    words = set(lemmatize(query).split())
    hits: list[Hit] = []
    agreements: dict[str, Agreement] = {}
    for rank, (pid, score, normalized) in enumerate(rows, start=1):
        provision = corpus.index.provision(pid)
        assert provision is not None
        agreement = agreements.get(provision.agreement_id) or corpus.index.agreement(provision.agreement_id)
        assert agreement is not None
        agreements[agreement.id] = agreement
        hits.append(Hit(rank, -score, provision, agreement, snippet(normalized, words)))
    return hits


def snippet(text: str, lemmas: set[str], width: int = 240) -> str:
    """A window of ``text`` around the first word whose lemma is in ``lemmas``, matches in [brackets]."""
    tokens = list(re.finditer(r"\w+", text))
    if not tokens:
        return ""
    hits = [m for m in tokens if lemma(m.group()) in lemmas]
    start = max(0, hits[0].start() - width // 3) if hits else 0
    end = min(len(text), start + width)
    piece = text[start:end]
    for word in sorted({m.group() for m in hits if start <= m.start() < end}, key=len, reverse=True):
        piece = re.sub(rf"(?<![\w\[]){re.escape(word)}(?![\w\]])", f"[{word}]", piece)
    return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")
