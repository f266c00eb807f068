"""Align the articles of two chapters by content: which article of B is the counterpart of each of A.

``align_articles(a, b)`` scores every pair of articles (a blend of word 3-gram and 5-gram Jaccard and
rapidfuzz ``token_set_ratio`` on the first 2000 characters of the normalised texts, plus a small bonus
for equal titles when both sides carry titles), then matches pairs greedily, best score first, so that
articles may be reordered. Articles whose best remaining score is below ``threshold`` stay unmatched
(``only_a`` / ``only_b``). An unmatched article of B whose best counterpart in A is already matched,
with a score above the threshold, is attached to it as a split (one article of A became several in B);
likewise an unmatched article of A is attached to B's article it best matches as a merge (several
articles of A became one in B).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rapidfuzz import fuzz

from .. import fingerprint
from ..model import Provision
from .similarity import jaccard, word_shingles

Status = Literal["identical", "changed"]

_WORD = re.compile(r"\w+")
_HEAD = 2000  # characters of each text that token_set_ratio reads
_TITLE_WEIGHT = 0.15  # share of the score given to titles when both articles have one
_MERGE_CONTAINED = 0.8  # share of an unmatched article of A that B's article must contain to count as a merge


@dataclass(frozen=True)
class AlignedPair:
    """Article ``a`` of A matched with article ``b`` of B (numbers as printed, or ids when unnumbered)."""

    a: str
    b: str
    similarity: float
    status: Status

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "similarity": self.similarity, "status": self.status}


@dataclass(frozen=True)
class Alignment:
    """Matched pairs in A's order, then the articles found on one side only."""

    pairs: tuple[AlignedPair, ...]
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"alignment": [p.to_dict() for p in self.pairs], "only_a": list(self.only_a),
                "only_b": list(self.only_b)}


@dataclass(frozen=True)
class _Features:
    words: str  # lower-case words joined by spaces (whole text)
    head: str  # the same, cut to _HEAD characters
    grams3: frozenset[tuple[str, ...]]
    grams5: frozenset[tuple[str, ...]]
    title: str


def article_label(p: Provision) -> str:
    """How an article is named in an alignment: its printed number, else its id."""
    return p.number or p.id


def _features(p: Provision) -> _Features:
    text = (p.normalized or p.text or "").lower()
    words = " ".join(_WORD.findall(text))
    return _Features(words, words[:_HEAD], word_shingles(words, 3), word_shingles(words, 5),
                     " ".join(_WORD.findall((p.title or "").lower())))


def _text_score(x: _Features, y: _Features) -> float:
    """Content similarity in [0, 1]."""
    if not x.words or not y.words:
        return 1.0 if x.words == y.words else 0.0
    if x.words == y.words:
        return 1.0
    tsr = fuzz.token_set_ratio(x.head, y.head) / 100.0
    j3 = jaccard(x.grams3, y.grams3)  # type: ignore[arg-type]
    j5 = jaccard(x.grams5, y.grams5)  # type: ignore[arg-type]
    blended = 0.5 * tsr + 0.3 * j3 + 0.2 * j5
    return max(blended, j5)


def pair_score(x: _Features, y: _Features) -> float:
    """Text score, with the titles counting for a little when both articles have one."""
    s = _text_score(x, y)
    if x.title and y.title:
        t = fuzz.token_set_ratio(x.title, y.title) / 100.0
        s = (1 - _TITLE_WEIGHT) * s + _TITLE_WEIGHT * t
    return s


def similarity_matrix(a: Sequence[Provision], b: Sequence[Provision]) -> list[list[float]]:
    """Scores of every article of ``a`` (rows) against every article of ``b`` (columns)."""
    fa, fb = [_features(p) for p in a], [_features(p) for p in b]
    return [[pair_score(x, y) for y in fb] for x in fa]


def greedy_match(matrix: Sequence[Sequence[float]], threshold: float) -> dict[int, int]:
    """Best-first one-to-one matching of rows to columns with score ≥ ``threshold``.

    Ties (and near ties) are broken in favour of pairs at similar relative positions in their chapters.
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


def align_matrix(matrix: Sequence[Sequence[float]], threshold: float,
                 contained: Callable[[int, int], bool] | None = None) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """(pairs of indices in A's order, unmatched rows, unmatched columns), with splits attached, and merges
    where ``contained(i, j)`` says that most of A's article ``i`` is in B's article ``j``."""
    n = len(matrix)
    m = len(matrix[0]) if n else 0
    match = greedy_match(matrix, threshold)
    matched_b = set(match.values())
    pairs = [(i, j) for i, j in match.items()]
    only_b = []
    for j in range(m):
        if j in matched_b:
            continue
        best = max(range(n), key=lambda i: matrix[i][j], default=None)
        if best is not None and best in match and matrix[best][j] >= threshold:
            pairs.append((best, j))  # a split: A's article `best` became several articles of B
        else:
            only_b.append(j)
    only_a = []
    for i in range(n):
        if i in match:
            continue
        best = max(range(m), key=lambda j: matrix[i][j], default=None)
        if best is not None and best in matched_b and matrix[i][best] >= threshold and contained and contained(i, best):
            pairs.append((i, best))  # a merge: several articles of A became B's article `best`
        else:
            only_a.append(i)
    pairs.sort()
    return pairs, only_a, only_b


def align_articles(a: Sequence[Provision], b: Sequence[Provision], *, threshold: float = 0.3) -> Alignment:
    """Pair each article of chapter ``a`` with its counterpart(s) in chapter ``b`` by content."""
    matrix = similarity_matrix(a, b)

    def contained(i: int, j: int) -> bool:
        x = fingerprint.hashes(a[i].normalized)
        covered, _ = fingerprint.coverage(x, fingerprint.hashes(b[j].normalized))
        return len(x) > 0 and covered >= _MERGE_CONTAINED * len(x)

    pairs, only_a, only_b = align_matrix(matrix, threshold, contained)
    out = []
    for i, j in pairs:
        same = " ".join((a[i].normalized or "").split()) == " ".join((b[j].normalized or "").split())
        out.append(AlignedPair(article_label(a[i]), article_label(b[j]), round(matrix[i][j], 4),
                               "identical" if same else "changed"))
    return Alignment(tuple(out), tuple(article_label(a[i]) for i in only_a),
                     tuple(article_label(b[j]) for j in only_b))


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
    by_number = [k for k in chapters if _chapter_number(k[0]) is not None and _chapter_number(k[0]) == _chapter_number(want)]
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
