"""FTS5's bm25() in memory: per-term, per-column counts of the index in numpy arrays, for fast candidates.

SQLite evaluates bm25() row by row, reading the size and the position lists of every row that
matches, so an OR query of a dozen words that match 20,000 provisions costs 20-70 ms. A row's
bm25 is a sum, phrase by phrase, of a term that depends only on that phrase's (column-weighted)
frequency in the row, the row's length and corpus-wide counts. :class:`Postings` holds those
counts for every term and evaluates the formula of SQLite's ``fts5_aux.c`` with the same float64
operations in the same order, so scores are bit-identical to ``bm25()`` and ties keep FTS5's order
(ascending rowid): a query costs well under a millisecond. Phrases of several tokens, and phrases
with characters other than ASCII, are scored by FTS5 itself, once per phrase. The counts are checked
against FTS5's own vocabulary when they are built; if they differ, nothing is built.

For ToTA the counts take 35 MB (3.1 M (term, provision) pairs) and building them 4-5 s of CPU (reading
and tokenising 7 M lemmas); ``corpus add`` builds and saves them (:func:`ftadraft.search.engine.prepare`),
so sessions load them (0.2 s) once their queries have spent that long in FTS5. They live in the corpus's
:class:`~ftadraft.corpus.SessionCache`, renewed whenever the index changes. All SQL is the store's: this
module asks :class:`~ftadraft.index.store.Index` for the FTS table's layout, content and vocabulary.
"""

from __future__ import annotations

import ctypes
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .store import Index

#: BM25 parameters of FTS5's bm25() (fixed in SQLite's fts5_aux.c).
K1 = 1.2
B = 0.75
#: ASCII as FTS5's unicode61 tokenizer sees it: letters and digits are token characters (folded to
#: lower case), everything else separates tokens.
_ASCII_FOLD = str.maketrans({chr(i): (chr(i).lower() if chr(i).isalnum() else " ") for i in range(128)})
_BYTES_FOLD = bytes(ord(chr(i).lower()) if chr(i).isalnum() else 32 for i in range(128)) + bytes(range(128, 256))
_TOKENIZE = re.compile(r"""tokenize\s*=\s*(['"])(.*?)\1""", re.IGNORECASE | re.DOTALL)
_CHUNK = 4096
_CONTENT = re.compile(r"""content\s*=\s*(['"]?)(\w+)\1""", re.IGNORECASE)
_CONTENT_ROWID = re.compile(r"""content_rowid\s*=\s*(['"]?)(\w+)\1""", re.IGNORECASE)


class StaleError(Exception):
    """The FTS5 table holds rows the in-memory counts do not know: the index changed under them."""


@dataclass
class Postings:
    """Per-term, per-column occurrence counts of an FTS5 table, and bm25() computed from them."""

    table: str  # the FTS5 table (for phrases the counts cannot answer)
    columns: tuple[str, ...]  # its columns, in order
    rowids: np.ndarray  # int64, ascending; a row's position here is its "doc" number
    lengths: np.ndarray  # float64: tokens of each row over all columns (FTS5's D)
    total_tokens: int
    terms: dict[str, int]  # FTS5 token -> term number
    indptr: np.ndarray  # int64: term t's pairs are [indptr[t], indptr[t + 1])
    docs: np.ndarray  # int32 doc numbers, ascending within each term
    counts: np.ndarray  # (columns, pairs): occurrences of the term in each column of the doc
    spaced: np.ndarray  # uint8 per pair: bit c set if the term is a space-separated word of column c's text
    #: (FTS5 also finds tokens inside "14.3", "(a)" or "Party"; a text search for " word " does not)
    #: Each row's column texts as stored: only while building (for the phrase table), never saved.
    texts: list[tuple[str, ...]] | None = None
    _phrases: dict[tuple[str, tuple[float, ...]], tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, repr=False
    )

    @property
    def n_rows(self) -> int:
        return len(self.rowids)

    def doc_freq(self, term: str) -> int:
        """Rows that contain ``term`` (an FTS5 token), as fts5vocab reports it."""
        t = self.terms.get(term)
        return 0 if t is None else int(self.indptr[t + 1] - self.indptr[t])

    def words_in(self, term: str, docs: np.ndarray) -> np.ndarray:
        """For each of ``docs``: the bits of the columns whose stored text has ``term`` as a
        space-separated word (0 where it does not occur), i.e. where " term " is found in " text "."""
        t = self.terms.get(term)
        out = np.zeros(len(docs), dtype=np.uint8)
        if t is None or not len(docs):
            return out
        lo, hi = int(self.indptr[t]), int(self.indptr[t + 1])
        pos = np.searchsorted(self.docs[lo:hi], docs)
        ok = pos < hi - lo
        ok[ok] = self.docs[lo + pos[ok]] == docs[ok]
        out[ok] = self.spaced[lo + pos[ok]]
        return out

    def doc_numbers(self, rowids: np.ndarray) -> np.ndarray:
        """The doc number of each rowid, -1 for rowids the counts do not know."""
        pos = np.searchsorted(self.rowids, rowids)
        ok = pos < self.n_rows
        ok[ok] = self.rowids[pos[ok]] == rowids[ok]
        return np.where(ok, pos, -1)

    def phrase_scores(self, index: Index, phrase: str, weights: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """Doc numbers and bm25() contributions of one query phrase (the text between the quotes of
        ``"phrase"`` in an FTS5 query): exactly what that phrase adds to a row's bm25()."""
        tokens = ascii_tokens(phrase)
        if tokens is not None and len(tokens) == 1 and len(weights) == self.counts.shape[0]:
            return self._term_scores(tokens[0], weights)  # a few array operations: not worth keeping
        key = (phrase, tuple(weights))
        found = self._phrases.get(key)
        if found is None:  # FTS5 scores it once (phrases come from the thesaurus, mostly: a bounded set)
            found = self._fts_scores(index, phrase, weights)
            if len(self._phrases) >= 4096:  # keep memory bounded all the same
                self._phrases.clear()
            self._phrases[key] = found
        return found

    def _term_scores(self, term: str, weights: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        t = self.terms.get(term)
        if t is None:
            return self.docs[:0], np.zeros(0)
        lo, hi = self.indptr[t], self.indptr[t + 1]
        docs = self.docs[lo:hi]
        # aFreq: the weights of all instances, summed. Exact here (small multiples of dyadic
        # weights, checked by usable()), so the order of the additions does not matter.
        freq = np.zeros(hi - lo)
        for c, w in enumerate(weights):
            freq += self.counts[c, lo:hi] * float(w)
        n_rows, n_hit = self.n_rows, int(hi - lo)
        idf = math.log((n_rows - n_hit + 0.5) / (n_hit + 0.5))
        if idf <= 0.0:
            idf = 1e-6
        avgdl = self.total_tokens / n_rows
        # the expression of fts5Bm25Function, operation for operation
        d = self.lengths[docs]
        return docs, idf * ((freq * (K1 + 1.0)) / (freq + K1 * ((1 - B) + (B * d) / avgdl)))

    def _fts_scores(self, index: Index, phrase: str, weights: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        rows = index.fts_phrase_scores(phrase, weights)
        if not rows:
            return self.docs[:0], np.zeros(0)
        rowids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        # bm25() of a one-phrase query is -1.0 * (0.0 + that phrase's contribution): exact
        scores = -np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
        order = np.argsort(rowids, kind="stable")
        rowids, scores = rowids[order], scores[order]
        docs = np.searchsorted(self.rowids, rowids)
        if docs[-1] >= self.n_rows or not np.array_equal(self.rowids[docs], rowids):
            raise StaleError(f"{self.table} has rows the in-memory counts do not know")
        return docs.astype(np.int32), scores

    def top(
        self,
        index: Index,
        phrases: Sequence[str],
        weights: Sequence[float],
        limit: int,
        allowed: np.ndarray | None = None,
    ) -> list[tuple[int, float]]:
        """(rowid, bm25) of the ``limit`` best rows matching any of ``phrases`` — what
        ``SELECT rowid, -bm25(...) ... MATCH '"p1" OR "p2" ...' ORDER BY bm25 LIMIT n`` returns,
        ties in ascending rowid. ``allowed`` (bool per doc) restricts the rows, like a WHERE clause."""
        acc = np.zeros(self.n_rows)
        for ph in phrases:  # FTS5 adds the phrases' contributions in query order
            docs, scores = self.phrase_scores(index, ph, weights)
            acc[docs] += scores
        cand = np.flatnonzero(acc)
        if allowed is not None:
            cand = cand[allowed[cand]]
        vals = acc[cand]
        if len(cand) > limit > 0:
            kth = np.partition(vals, len(vals) - limit)[len(vals) - limit]
            keep = vals >= kth  # the limit best, and rows tied with the last of them
            cand, vals = cand[keep], vals[keep]
        order = np.lexsort((cand, -vals))[: max(limit, 0)]
        return list(zip(self.rowids[cand[order]].tolist(), vals[order].tolist(), strict=True))

    def mask(self, rowids: Iterable[int]) -> np.ndarray:
        """A bool per doc: True for the given rowids (unknown rowids are ignored)."""
        r = np.fromiter(rowids, dtype=np.int64)
        out = np.zeros(self.n_rows, dtype=bool)
        if len(r):
            pos = np.searchsorted(self.rowids, r)
            ok = pos < self.n_rows
            ok[ok] = self.rowids[pos[ok]] == r[ok]
            out[pos[ok]] = True
        return out


#: Changes when the arrays below change meaning (the cache file name carries it).
LAYOUT = "v2"
_ARRAYS = ("rowids", "lengths", "indptr", "docs", "counts", "spaced")


def to_arrays(p: Postings) -> dict[str, np.ndarray]:
    """The counts as plain arrays, for :mod:`ftadraft.index.derived` to keep between processes."""
    from ..index.derived import pack_strings

    out = {name: getattr(p, name) for name in _ARRAYS}
    meta = json.dumps({"table": p.table, "columns": list(p.columns), "total_tokens": p.total_tokens})
    out["meta"] = np.frombuffer(meta.encode(), dtype=np.uint8)
    out["terms"], out["term_offsets"] = pack_strings(list(p.terms))  # dict order is term-number order
    return out


def from_arrays(a: dict[str, np.ndarray]) -> Postings | None:
    """:func:`to_arrays` undone; None when the arrays do not fit together."""
    from ..index.derived import unpack_strings

    try:
        meta = json.loads(a["meta"].tobytes().decode())
        columns = tuple(meta["columns"])
        terms = {t: i for i, t in enumerate(unpack_strings(a["terms"], a["term_offsets"]))}
        p = Postings(table=meta["table"], columns=columns, rowids=a["rowids"], lengths=a["lengths"],
                     total_tokens=int(meta["total_tokens"]), terms=terms, indptr=a["indptr"], docs=a["docs"],
                     counts=a["counts"], spaced=a["spaced"])
    except (KeyError, ValueError, TypeError, UnicodeDecodeError):
        return None
    ok = (len(p.indptr) == len(terms) + 1 and p.n_rows == len(p.lengths)
          and p.counts.shape == (len(columns), len(p.docs)) == (len(columns), len(p.spaced)))
    return p if ok else None


def usable(weights: Sequence[float]) -> bool:
    """Whether column weights let in-memory sums equal FTS5's instance-by-instance sums exactly
    (weights that are multiples of 1/64, like 4, 1.5 and 1)."""
    return all(w >= 0 and float(w * 64).is_integer() and w < 2**20 for w in weights)


def ascii_tokens(text: str) -> list[str] | None:
    """FTS5 unicode61 tokens of an ASCII text (None for other text: the tokenizer decides those)."""
    return text.translate(_ASCII_FOLD).split() if text.isascii() else None


def fts_spec(index: Index, table: str) -> tuple[str, str, str, list[str]] | None:
    """(content table, its rowid column, tokenizer arguments, columns) of an external-content FTS5
    table whose tokenizer this module reproduces (unicode61, with or without diacritics folding),
    else None."""
    layout = index.fts_layout(table)
    if layout is None or "fts5" not in layout[0].lower():
        return None
    sql, columns = layout
    m = _TOKENIZE.search(sql)
    spec = m.group(2).strip() if m else "unicode61"
    words = spec.split()
    # only unicode61 with remove_diacritics: other options change which ASCII characters are tokens
    if not words or words[0] != "unicode61" or any(
        w not in ("remove_diacritics", "0", "1", "2") for w in words[1:]
    ):
        return None
    if re.search(r"columnsize\s*=|contentless|detail\s*=\s*['\"]?none", sql, re.IGNORECASE):
        return None
    c = _CONTENT.search(sql)
    if c is None:
        return None
    r = _CONTENT_ROWID.search(sql)
    return c.group(2), r.group(2) if r else "rowid", spec, columns


def build(index: Index, table: str = "provisions_fts",
          progress: Callable[[int, int], None] | None = None) -> Postings | None:
    """Read every row of ``table``'s content and count its tokens the way FTS5 does (ASCII here,
    words with other characters by an in-memory FTS5 table with the same tokenizer); None when the
    table's tokenizer is not one this module reproduces. ``progress(done, total)`` is told the rows
    counted (once per column)."""
    spec = fts_spec(index, table)
    if spec is None:
        return None
    content, rowid, tokenizer, columns = spec
    rows = index.fts_content(content, rowid, columns)
    n = len(rows)
    rowids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
    # Texts with characters other than ASCII are few (6,000 of 123,000 in ToTA), and so are their words
    # with such characters (3,000 different ones): FTS5's own tokenizer splits those words.
    non_ascii = {(d, c): _words(s) for d, r in enumerate(rows) for c, s in enumerate(r[1:]) if s and not s.isascii()}
    special = index.fts_tokens({w for ws in non_ascii.values() for w in ws if not w.isascii()}, tokenizer)
    # FTS5's own vocabulary: the terms (allocated once, up front) and, to check the counts against,
    # how many rows and instances each has. A token it does not know means the tokenizers differ.
    listed = index.fts_vocabulary(table)
    terms = {t: i for i, (t, _, _) in enumerate(listed)}
    lengths = np.zeros(n, dtype=np.float64)
    keys: list[np.ndarray] = []  # term * n + doc, one per (term, doc, column) that occurs
    counts: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    spaced: list[np.ndarray] = []  # whether the term is also a space-separated word of the stored text
    for c in range(len(columns)):
        if progress:
            progress(c * n, len(columns) * n)
        for lo in range(0, n, _CHUNK):  # in slices, so that only a slice's token strings exist at once
            per_doc: list[Counter[str]] = []
            odd: list[tuple[int, list[bool]]] = []  # docs whose text is not just its tokens, space-separated
            at = 0
            for d, r in enumerate(rows[lo:lo + _CHUNK], start=lo):
                text = r[c + 1]
                if not text:
                    per_doc.append(Counter())
                    continue
                if (d, c) in non_ascii:
                    tokens = [t for w in non_ascii[d, c] for t in ((w,) if w.isascii() else special[w])]
                    plain = " ".join(tokens) == text
                else:
                    folded = text.encode().translate(_BYTES_FOLD).decode()
                    tokens = folded.split()
                    plain = folded == text and "  " not in text and text[0] != " " and text[-1] != " "
                found_here = Counter(tokens)
                if not plain:  # "14.3", "(a)", "Party": tokens that are not space-separated words
                    words = set(text.split(" "))
                    odd.append((at, [t in words for t in found_here]))
                per_doc.append(found_here)
                at += len(found_here)
            lengths[lo:lo + len(per_doc)] += [sum(d.values()) for d in per_doc]
            found = list(chain.from_iterable(per_doc))
            if not found:
                continue
            try:
                ids = np.array(itemgetter(*found)(terms) if len(found) > 1 else [terms[found[0]]], dtype=np.int64)
            except KeyError:
                return None
            docs = np.repeat(np.arange(lo, lo + len(per_doc), dtype=np.int64), [len(d) for d in per_doc])
            keys.append(ids * n + docs)
            counts.append(
                np.fromiter(chain.from_iterable(d.values() for d in per_doc), dtype=np.int64, count=len(found))
            )
            cols.append(np.full(len(found), c, dtype=np.uint8))
            flags = np.ones(len(found), dtype=bool)
            for start, f in odd:
                flags[start:start + len(f)] = f
            spaced.append(flags)
    texts = [tuple(t or "" for t in r[1:]) for r in rows]
    del rows
    key = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = np.ones(len(key), dtype=bool)
    np.not_equal(key[1:], key[:-1], out=first[1:])
    pair = np.cumsum(first) - 1  # each (term, doc, column) -> its (term, doc) pair
    col = np.concatenate(cols)[order] if cols else np.zeros(0, dtype=np.uint8)
    cnt = np.concatenate(counts)[order] if counts else np.zeros(0, dtype=np.int64)
    small = cnt.max(initial=0) < 2**16
    table_counts = np.zeros((len(columns), int(first.sum())), dtype=np.uint16 if small else np.uint32)
    table_counts[col, pair] = cnt
    bits = np.zeros(len(table_counts[0]), dtype=np.uint8)
    flag = np.concatenate(spaced)[order] if spaced else np.zeros(0, dtype=bool)
    for c in range(len(columns)):  # a (term, doc) pair occurs once per column: plain assignment suffices
        sel = (col == c) & flag
        bits[pair[sel]] |= np.uint8(1 << c)
    pairs = key[first]
    indptr = np.searchsorted(pairs // max(n, 1), np.arange(len(terms) + 1)).astype(np.int64)
    rows_per_term = np.fromiter((d for _, d, _ in listed), dtype=np.int64, count=len(listed))
    instances = np.fromiter((c for _, _, c in listed), dtype=np.int64, count=len(listed))
    if not (np.array_equal(np.diff(indptr), rows_per_term)
            and np.array_equal(np.add.reduceat(table_counts.sum(axis=0, dtype=np.int64), indptr[:-1]) if len(pairs) else
                               instances, instances)):
        return None  # not what FTS5 counted: leave the scoring to FTS5
    built = Postings(
        table=table, columns=tuple(columns), rowids=rowids, lengths=lengths, total_tokens=int(lengths.sum()),
        terms=terms, indptr=indptr, docs=(pairs % max(n, 1)).astype(np.int32), counts=table_counts, spaced=bits,
        texts=texts,
    )
    del key, order, first, pair, col, cnt, flag, pairs, keys, counts, cols, spaced
    _give_back_memory()
    if progress:
        progress(len(columns) * n, len(columns) * n)
    return built


def _give_back_memory() -> None:
    """Return freed heap memory to the system (glibc keeps it otherwise: for ToTA, 200 MB of
    counting scratch would stay resident for the rest of the session); a no-op elsewhere."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
            pass


def _words(text: str) -> list[str]:
    """``text`` split at whitespace and ASCII punctuation (which always separate FTS5 tokens), ASCII
    letters in lower case: ASCII words are FTS5 tokens as they are."""
    return text.encode().translate(_BYTES_FOLD).decode().split()
