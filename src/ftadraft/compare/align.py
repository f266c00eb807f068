"""Align the articles of two chapters by content: which article of B is the counterpart of each of A.

Chapters from different template families (a Korea-Australia customs chapter against an EAEU-Viet Nam one)
share few literal phrases, so ``align_articles(a, b)`` works on weighted vocabulary rather than on copied text:

1. **Scores.** Each article becomes three TF-IDF vectors over the two chapters together (a word that every
   article uses, such as "Party" or "shall", weighs nothing): light-stemmed words, word pairs, and character
   4-grams of the stemmed text (spelling and inflection variants). Expressions of the domain thesaurus
   (``ftadraft.search.thesaurus``: express consignment / express shipment, spam / unsolicited commercial
   electronic messages) count as one more shared word. The pair score is a weighted blend of the three
   cosines; titles add to it when both articles carry one. 1.0 means the same text.
2. **Matching.** Scores are corrected for "hub" articles that resemble everything (a long definitions article,
   a general enforcement article): each score is compared with the best scores of its row and its column
   (cross-domain similarity local scaling), then an optimal one-to-one assignment (Hungarian) picks the
   pairs. A pair is kept when its corrected score is not below its neighbours' and its plain score is at
   least ``threshold``; other articles stay on one side only (``only_a`` / ``only_b``).
3. **Splits and merges.** An unmatched article of B is attached to the article of A it most resembles, as a
   split, only where the content really divides: it must score well with that article (≥ 0.3) and clearly
   better than with any other, most of its weighted vocabulary must be inside that article, and adding it
   must cover notably more of the A article than A's one-to-one counterpart does alone. Merges (several
   articles of A in one of B) are the same test the other way round.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from ..model import Provision

Status = Literal["identical", "changed"]

_WORD = re.compile(r"[^\W\d_]+")
_WEIGHTS = (0.5, 0.3, 0.2)  # words, word pairs, character 4-grams
_CHARS = 4  # character n-gram length
_CONCEPT_WEIGHT = 1  # a thesaurus expression counts like one more occurrence of one word
_TITLE_WEIGHT = 0.15  # share of the score given to titles when both articles have one
_HUB_K = 3  # neighbours whose mean score marks a row or column as a hub
_HUB_WEIGHT = 0.5  # a pair is kept when score >= _HUB_WEIGHT * (row hub level + column hub level)
_SPLIT_SCORE = 0.3  # a split/merge partner scores at least this with the article it attaches to
_SPLIT_MARGIN = 0.15  # ... and this much more than with the next best article of the other side
_SPLIT_CONTAINED = 0.6  # ... and this share of its weighted vocabulary is inside that article
_SPLIT_GAIN = 0.05  # ... and adding it covers this much more of that article than its counterpart alone


@dataclass(frozen=True)
class AlignedPair:
    """Article ``a`` of A matched with article ``b`` of B (numbers as printed, or ids when unnumbered)."""

    a: str
    b: str
    similarity: float
    status: Status
    #: Positions of the two articles in the sequences aligned (labels may repeat; positions do not).
    index_a: int = -1
    index_b: int = -1

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "similarity": self.similarity, "status": self.status}


@dataclass(frozen=True)
class Alignment:
    """Matched pairs in A's order, then the articles found on one side only."""

    pairs: tuple[AlignedPair, ...]
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    #: Positions of the one-sided articles in the sequences aligned.
    only_a_index: tuple[int, ...] = ()
    only_b_index: tuple[int, ...] = ()

    def merged_order(self) -> list[tuple[int | None, int | None]]:
        """One sequence for a redline of the whole chapter: ``(i, j)`` positions in A and B, ``(i, None)`` an
        article of A deleted, ``(None, j)`` one of B inserted. Articles matched in the same relative order stand
        in B's order; an article whose counterpart moved is deleted at its old place and inserted at the new.
        Taking every B side gives B in its order, every A side gives A in its order."""
        matched = sorted({(p.index_b, p.index_a) for p in self.pairs})
        keep = set(_increasing(matched))
        partner_b = {i: j for j, i in keep}
        moved_a = {i for _, i in matched if i not in partner_b}
        in_place_b = {j for j, _ in keep}
        n_a = max([i for _, i in matched] + list(self.only_a_index) + [-1]) + 1
        n_b = max([j for j, _ in matched] + list(self.only_b_index) + [-1]) + 1
        out: list[tuple[int | None, int | None]] = []
        next_a = 0
        for j in range(n_b):
            if j in in_place_b:
                i = next(i for jj, i in keep if jj == j)
                while next_a < i:
                    if next_a not in partner_b or next_a in moved_a:
                        out.append((next_a, None))
                    next_a += 1
                out.append((i, j))
                next_a = i + 1
            else:
                out.append((None, j))
        out += [(i, None) for i in range(next_a, n_a)]
        return out
    def to_dict(self) -> dict[str, Any]:
        return {"alignment": [p.to_dict() for p in self.pairs], "only_a": list(self.only_a),
                "only_b": list(self.only_b)}


def article_label(p: Provision) -> str:
    """How an article is named in an alignment: its printed number, else its id."""
    return p.number or p.id


# ---------------------------------------------------------------- scores

@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A light English suffix stripper: enough to fold plurals and verb forms (rulings/ruling, applied/apply)."""
    if len(word) <= 3:
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: len(word) - len(suffix)] + repl
    return word


def _tokens(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if len(w) > 1]


@lru_cache(maxsize=1)
def _concept_table() -> dict[str, tuple[tuple[tuple[str, ...], int], ...]]:
    """First stem of each thesaurus expression -> (expression as stems, concept number), longest first."""
    from ..search.thesaurus import concepts

    table: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for number, concept in enumerate(concepts()):
        for term in concept.terms:
            stems = tuple(_tokens(term))
            if stems:
                table.setdefault(stems[0], []).append((stems, number))
    return {k: tuple(sorted(v, key=lambda x: -len(x[0]))) for k, v in table.items()}


def _concepts(tokens: Sequence[str]) -> list[str]:
    table = _concept_table()
    found = []
    for k, word in enumerate(tokens):
        for stems, number in table.get(word, ()):
            if tuple(tokens[k:k + len(stems)]) == stems:
                found.append(f"\x00{number}")
                break
    return found


def _tfidf(bags: Sequence[Counter[Any]]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """(rows of L2-normalised sublinear TF-IDF, rows of IDF weights of the terms present)."""
    vocab: dict[Any, int] = {}
    rows, cols, tf = [], [], []
    for r, bag in enumerate(bags):
        for term, count in bag.items():
            rows.append(r)
            cols.append(vocab.setdefault(term, len(vocab)))
            tf.append(1.0 + math.log(count))
    shape = (len(bags), max(len(vocab), 1))
    present = sparse.csr_matrix((np.ones(len(tf)), (rows, cols)), shape=shape)
    df = np.asarray(present.sum(axis=0)).ravel()
    idf = np.log((len(bags) + 1) / (df + 0.5))
    weights = sparse.csr_matrix((np.array(tf), (rows, cols)), shape=shape) @ sparse.diags(idf)
    norms = np.sqrt(np.asarray(weights.multiply(weights).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ weights), sparse.csr_matrix(present @ sparse.diags(idf))


def _title(p: Provision) -> str:
    return " ".join(_tokens(p.title or ""))


def _bags(tokens: Sequence[Sequence[str]]) -> tuple[list[Counter[Any]], list[Counter[Any]], list[Counter[Any]]]:
    """Per article: words (with thesaurus concepts), word pairs, character n-grams of the stemmed text."""
    words: list[Counter[Any]] = []
    pairs: list[Counter[Any]] = []
    chars: list[Counter[Any]] = []
    for t in tokens:
        bag: Counter[Any] = Counter(t)
        bag.update(_concepts(t) * _CONCEPT_WEIGHT)
        words.append(bag)
        pairs.append(Counter(itertools.pairwise(t)))
        joined = " " + " ".join(t) + " "
        chars.append(Counter(joined[k:k + _CHARS] for k in range(len(joined) - _CHARS + 1)))
    return words, pairs, chars


def _scores(a: Sequence[Provision], b: Sequence[Provision]) -> tuple[npt.NDArray[np.float64], sparse.csr_matrix]:
    """(pair scores, A rows then B rows: IDF weights of the words each article uses)."""
    texts = [" ".join((p.normalized or p.text or "").split()) for p in (*a, *b)]
    n = len(a)
    score = np.zeros((n, len(b)))
    present = sparse.csr_matrix((len(texts), 1))
    for k, (weight, bags) in enumerate(zip(_WEIGHTS, _bags([_tokens(t) for t in texts]), strict=True)):
        vectors, idf = _tfidf(bags)
        score += weight * (vectors[:n] @ vectors[n:].T).toarray()
        if k == 0:
            present = idf
    score = np.minimum(score, 1.0)
    titles = [_title(p) for p in (*a, *b)]
    for i in range(n):
        for j in range(len(b)):
            if texts[i] == texts[n + j]:
                score[i, j] = 1.0
            elif titles[i] and titles[n + j]:
                t = fuzz.token_sort_ratio(titles[i], titles[n + j]) / 100.0
                score[i, j] = (1 - _TITLE_WEIGHT) * score[i, j] + _TITLE_WEIGHT * t
    return score, present


def similarity_matrix(a: Sequence[Provision], b: Sequence[Provision]) -> list[list[float]]:
    """Scores of every article of ``a`` (rows) against every article of ``b`` (columns), in [0, 1]."""
    if not a or not b:
        return [[] for _ in a]
    return _scores(a, b)[0].tolist()


def _hub_corrected(score: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Each score minus the typical top scores of its row and column: hubs that resemble everything sink."""
    n, m = score.shape
    rows = -np.sort(-score, axis=1)[:, :min(_HUB_K, m)].mean(axis=1)
    cols = -np.sort(-score, axis=0)[:min(_HUB_K, n), :].mean(axis=0)
    return score - _HUB_WEIGHT * (rows[:, None] + cols[None, :])


def _covered(x: sparse.csr_matrix, y: sparse.csr_matrix) -> float:
    """Share of the IDF weight of the words of ``x`` that ``y`` uses too."""
    total = x.sum()
    return float(x.multiply(y > 0).sum() / total) if total else 0.0


def greedy_match(matrix: Sequence[Sequence[float]], threshold: float) -> dict[int, int]:
    """Best-first one-to-one matching of rows to columns with score ≥ ``threshold``.

    Ties (and near ties) are broken in favour of pairs at similar relative positions in their chapters.
    (Kept for comparisons: :func:`align_articles` uses an optimal assignment.)
    """
    n = len(matrix)
    m = len(matrix[0]) if n else 0
    candidates = []
    for i, row in enumerate(matrix):
        for j, s in enumerate(row):
            if s >= threshold:
                position = abs(i / max(n - 1, 1) - j / max(m - 1, 1))
                candidates.append((s - 0.01 * position, i, j))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    taken_b: set[int] = set()
    out: dict[int, int] = {}
    for _s, i, j in candidates:
        if i not in out and j not in taken_b:
            out[i] = j
            taken_b.add(j)
    return out


def _attach(score: npt.NDArray[np.float64], mine: sparse.csr_matrix, theirs: sparse.csr_matrix,
            match: dict[int, int], taken: set[int]) -> list[tuple[int, int]]:
    """Splits: unmatched columns ``j`` attached to the matched row they belong to (see the module docstring).
    ``mine`` holds the rows' word weights, ``theirs`` the columns'."""
    n, m = score.shape
    out = []
    for j in range(m):
        if j in taken or n == 0:
            continue
        column = score[:, j]
        i = int(np.argmax(column))
        if i not in match or column[i] < _SPLIT_SCORE:
            continue
        second = float(np.partition(column, n - 2)[n - 2]) if n > 1 else 0.0
        if column[i] - second < _SPLIT_MARGIN or _covered(theirs[j], mine[i]) < _SPLIT_CONTAINED:
            continue
        j0 = match[i]
        alone = _covered(mine[i], theirs[j0])
        together = _covered(mine[i], theirs[j0].maximum(theirs[j]))
        if together - alone >= _SPLIT_GAIN:
            out.append((i, j))
    return out


def align_articles(a: Sequence[Provision], b: Sequence[Provision], *, threshold: float = 0.08) -> Alignment:
    """Pair each article of chapter ``a`` with its counterpart(s) in chapter ``b`` by content.

    ``threshold`` is the least pair score (0..1) for a match, however well the pair ranks.
    """
    if not a or not b:
        return Alignment((), tuple(article_label(p) for p in a), tuple(article_label(p) for p in b),
                         tuple(range(len(a))), tuple(range(len(b))))
    score, present = _scores(a, b)
    n = len(a)
    wa, wb = present[:n], present[n:]
    corrected = _hub_corrected(score)
    rows, cols = linear_sum_assignment(-corrected)
    pairs = zip(rows, cols, strict=True)
    match = {int(i): int(j) for i, j in pairs if corrected[i, j] >= 0 and score[i, j] >= threshold}
    inverse = {j: i for i, j in match.items()}
    found = set(match.items())
    found.update(_attach(score, wa, wb, match, set(inverse)))  # one article of A became several of B
    found.update((i, j) for j, i in _attach(score.T, wb, wa, inverse, set(match)))  # several of A became one of B
    out = []
    for i, j in sorted(found):
        same = " ".join((a[i].normalized or "").split()) == " ".join((b[j].normalized or "").split())
        out.append(AlignedPair(article_label(a[i]), article_label(b[j]), round(float(score[i, j]), 4),
                               "identical" if same else "changed", i, j))
    in_a, in_b = {i for i, _ in found}, {j for _, j in found}
    only_a = tuple(i for i in range(n) if i not in in_a)
    only_b = tuple(j for j in range(len(b)) if j not in in_b)
    return Alignment(tuple(out), tuple(article_label(a[i]) for i in only_a),
                     tuple(article_label(b[j]) for j in only_b), only_a, only_b)


def _increasing(pairs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of ``(j, i)`` pairs (sorted by j) whose i also increase, each i and j used once: the
    articles that kept their relative order (the others moved)."""
    best: list[list[tuple[int, int]]] = []
    for j, i in pairs:
        chain = max((c for c in best if c[-1][0] < j and c[-1][1] < i), key=len, default=[])
        best.append([*chain, (j, i)])
    return max(best, key=len, default=[])


def chapter_provisions(provisions: Sequence[Provision], chapter: str) -> list[Provision]:
    """The articles of the chapter named by number (``7``, ``SEVEN``, ``VII``) or title substring.

    Raises :class:`~ftadraft.errors.FtadraftError` when no chapter, or several chapters, match.
    """
    from ..errors import FtadraftError

    chapters: dict[tuple[str | None, str | None], list[Provision]] = {}
    for p in provisions:
        if p.chapter_number or p.chapter_title:
            chapters.setdefault((p.chapter_number, p.chapter_title), []).append(p)
    want = chapter.strip().lower()
    want = re.sub(r"^chapter\s+", "", want)
    if not want:
        raise FtadraftError("empty chapter name")
    number = _chapter_number(want)
    by_number = [k for k in chapters if number is not None and _chapter_number(k[0]) == number]
    if not by_number:
        by_number = [k for k in chapters if (k[0] or "").strip().lower() == want]
    if by_number:
        keys = by_number
    else:
        exact = [k for k in chapters if (k[1] or "").strip().lower() == want]
        keys = exact or [k for k in chapters if want in (k[1] or "").lower()]
    if len(keys) == 1:
        return chapters[keys[0]]
    names = [" ".join(filter(None, k)) for k in chapters]
    if not keys:
        raise FtadraftError(f"{chapter}: no such chapter; chapters: " + "; ".join(names[:12])
                            + ("; …" if len(names) > 12 else ""))
    raise FtadraftError(f"{chapter}: ambiguous chapter: " + "; ".join(" ".join(filter(None, k)) for k in keys[:8]))


_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
          "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50}


def _chapter_number(text: str | None) -> int | None:
    """``'7'``, ``'SEVEN'``, ``'twenty-one'``, ``'VII'`` -> the integer; None when not a number."""
    if not text:
        return None
    t = text.strip().lower().rstrip(".")
    if t.isdigit():
        return int(t)
    parts = re.split(r"[\s\-]+", t)
    if all(w in _TENS or w in _UNITS for w in parts) and len(parts) <= 2:
        total = 0
        for w in parts:
            total += _TENS.get(w, 0) or _UNITS.index(w)
        return total
    if t and all(ch in _ROMAN for ch in t):
        values = [_ROMAN[ch] for ch in t]
        return sum(-v if k + 1 < len(values) and v < values[k + 1] else v for k, v in enumerate(values))
    return None
