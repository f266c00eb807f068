"""Align the articles of two chapters by content: which article of B is the counterpart of each of A.

Chapters from different template families (a Korea-Australia customs chapter against an EAEU-Viet Nam one)
share few literal phrases, so ``align_articles(a, b)`` works on weighted vocabulary rather than on copied text:

1. **Scores.** Each article becomes three TF-IDF vectors over the two chapters together (a word that every
   article uses, such as "Party" or "shall", weighs nothing): light-stemmed words, word pairs, and character
   4-grams of the stemmed text (spelling and inflection variants). Expressions of the domain thesaurus
   (``ftadraft.search.thesaurus``: express consignment / express shipment, spam / unsolicited commercial
   electronic messages) count as one more shared word. The pair score is a weighted blend of the three
   cosines; titles add to it when both articles carry one. 1.0 means the same text.
2. **Matching.** Each pair gets a probability of being counterparts from a logistic model (:data:`MODEL`,
   fitted by ``bench/align_fit.py`` on the dev pairs of ``bench/align_pairs.toml`` only) over lexical and
   structural cues (:data:`FEATURES`): the cosines and their blend; the blend corrected for "hub" articles
   that resemble everything (each score minus the typical top scores of its row and column); how far the
   pair stands above the best other pair of its row and of its column, and whether it is the best of both
   (mutual best); whether its neighbours on the diagonal match too; the distance between the relative
   positions in the chapters; the length ratio; the article openings ("This Chapter applies", "For the
   purposes of this Chapter", compared on letters alone because OCR glues words); n-grams of the letters
   alone; rapidfuzz's token-set ratio and the plain token-set assignment's choice; the cosine of the two
   most alike numbered paragraphs (an article that carries another's paragraph among paragraphs on other
   things). The two chapters' definitions articles (one per chapter that defines clearly more terms than any
   other; on the other side a short one will do when it really defines something) are paired wherever they
   stand, and so are the scope articles ("This Chapter applies to ...") and the objectives articles ("The
   objectives of this Chapter are ...") when exactly one article on each side opens so. An optimal
   one-to-one assignment (Hungarian) on the probabilities picks the pairs;
   a pair is kept when its probability reaches the model's cut-off and its blended score ``threshold``;
   other articles stay on one side only (``only_a`` / ``only_b``).
3. **Splits and merges.** An unmatched article of B is attached to the article of A it most resembles, as a
   split, only where the content really divides: it must score well with that article (≥ 0.3) and clearly
   better than with any other, most of its weighted vocabulary must be inside that article, and adding it
   must cover notably more of the A article than A's one-to-one counterpart does alone. Merges (several
   articles of A in one of B) are the same test the other way round.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
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


def _tfidf(bags: Sequence[Sequence[str]]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """(rows of L2-normalised sublinear TF-IDF, rows of IDF weights of the terms present) for one list of
    terms per article (repeats count)."""
    sizes = [len(bag) for bag in bags]
    if not sum(sizes):
        empty = sparse.csr_matrix((len(bags), 1))
        return empty, empty
    vocab: dict[str, int] = {}
    column = np.fromiter((vocab.setdefault(t, len(vocab)) for bag in bags for t in bag), dtype=np.int64,
                         count=sum(sizes))
    row = np.repeat(np.arange(len(bags), dtype=np.int64), sizes)
    cells, counts = np.unique(row * len(vocab) + column, return_counts=True)
    rows, cols = cells // len(vocab), cells % len(vocab)
    shape = (len(bags), len(vocab))
    present = sparse.csr_matrix((np.ones(len(cells)), (rows, cols)), shape=shape)
    df = np.asarray(present.sum(axis=0)).ravel()
    idf = np.log((len(bags) + 1) / (df + 0.5))
    weights = sparse.csr_matrix((1.0 + np.log(counts), (rows, cols)), shape=shape) @ sparse.diags(idf)
    norms = np.sqrt(np.asarray(weights.multiply(weights).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ weights), sparse.csr_matrix(present @ sparse.diags(idf))


def _title(p: Provision) -> str:
    return " ".join(_tokens(p.title or ""))


def _bags(tokens: Sequence[Sequence[str]]) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """Per article: words (with thesaurus concepts), word pairs, character n-grams of the stemmed text."""
    words: list[list[str]] = []
    pairs: list[list[str]] = []
    chars: list[list[str]] = []
    for t in tokens:
        words.append([*t, *(_concepts(t) * _CONCEPT_WEIGHT)])
        pairs.append([f"{x} {y}" for x, y in itertools.pairwise(t)])
        joined = " " + " ".join(t) + " "
        chars.append([joined[k:k + _CHARS] for k in range(len(joined) - _CHARS + 1)])
    return words, pairs, chars


Matrix = npt.NDArray[np.float64]


def _lexical(a: Sequence[Provision], b: Sequence[Provision]
             ) -> tuple[list[Matrix], Matrix, sparse.csr_matrix, list[list[str]]]:
    """(the three cosines, their blend with titles, A rows then B rows of word IDF weights, tokens per article)."""
    texts = [" ".join((p.normalized or p.text or "").split()) for p in (*a, *b)]
    tokens = [_tokens(t) for t in texts]
    n = len(a)
    score = np.zeros((n, len(b)))
    cosines = []
    present = sparse.csr_matrix((len(texts), 1))
    for k, (weight, bags) in enumerate(zip(_WEIGHTS, _bags(tokens), strict=True)):
        vectors, idf = _tfidf(bags)
        cosine = (vectors[:n] @ vectors[n:].T).toarray()
        cosines.append(cosine)
        score += weight * cosine
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
    return cosines, score, present, tokens


def _scores(a: Sequence[Provision], b: Sequence[Provision]) -> tuple[npt.NDArray[np.float64], sparse.csr_matrix]:
    """(pair scores, A rows then B rows: IDF weights of the words each article uses)."""
    _cosines, score, present, _tokens_ = _lexical(a, b)
    return score, present


_DEFINES = re.compile(r"\bmeans?\b|\bshall include\b|\brefers? to\b")
#: "X means ..." / "X includes ...", not "by electronic means" or "means of transport".
_MEANS = re.compile(r"(?<!\bby )(?<!\belectronic )(?<!\bother )(?<!\bany )(?<!\bappropriate )"
                    r"\b(?:means|includes|shall mean)\b(?! of\b)")
#: "the term \"X\"", "X refers to": how a short definitions article defines ("referred to in paragraph 1" does not).
_REFERS = re.compile(r"\bthe\s+terms?\s+[\"'\u201c\u2018]|\brefers\s+to\b")
#: The opening of a definitions article, on letters alone (OCR glues "ofthis"): "For the purposes of this Chapter".
_DEFINITIONS_OPENING = re.compile(r"for(?:the)?purposes?of(?:this|the)(?:chapter|section|agreement|article)")


def _definition_counts(texts: Sequence[str]) -> list[tuple[int, bool]]:
    """Per article: (terms it defines, plus 3 when it opens with "For the purposes of this Chapter"; whether it
    opens so)."""
    counts = []
    for t in texts:
        letters = "".join(_WORD.findall(t[:80].lower()))
        opens = bool(_DEFINITIONS_OPENING.match(letters))
        counts.append((len(_MEANS.findall(t.lower())) + (3 if opens else 0), opens))
    return counts


def _definitions_article(texts: Sequence[str], *, weak: bool = False) -> int | None:
    """Position of the chapter's definitions article: the one that defines clearly more terms than any other
    (at least five, twice the runner-up) and opens with "For the purposes of this Chapter" or defines at
    least eight. None when no article stands out so. ``weak``: a short definitions article will do (it defines
    something; at least two cues counting the opening as three, twice the runner-up, one per 40 words), for the
    side whose partner has a clear one."""
    counts = _definition_counts(texts)
    if not counts:
        return None
    order = sorted(range(len(counts)), key=lambda k: -counts[k][0])
    top = counts[order[0]]
    second = counts[order[1]][0] if len(order) > 1 else 0
    if top[0] >= 5 and top[0] >= 2 * second and (top[1] or top[0] >= 8):
        return order[0]
    if not weak:
        return None
    # a short definitions article: it defines something ("X means", "the term X refers to") and stands out
    cues = [len(_MEANS.findall(t.lower())) + len(_REFERS.findall(t.lower())) for t in texts]
    weak_counts = [cue + (3 if opens else 0) if cue else 0 for (_, opens), cue in zip(counts, cues, strict=True)]
    order = sorted(range(len(weak_counts)), key=lambda k: -weak_counts[k])
    top_k = order[0]
    runner = weak_counts[order[1]] if len(order) > 1 else 0
    best = weak_counts[top_k]
    if best >= 2 and best >= 2 * runner and best * 40 >= len(texts[top_k].split()):
        return top_k
    return None


#: Openings on letters alone (OCR glues words) that say what an article is, whatever the chapter's template:
#: its scope ("This Chapter applies to", "The provisions of this Chapter shall apply to") and its objectives.
_FORMULAS = (
    re.compile(r"(?:theprovisionsof)?thischapter(?:shall)?(?:apply|applies|doesnotapply|shallnotapply)to"),
    re.compile(r"the(?:objective|objectives|aim|aims|purpose|purposes)ofthischapter(?:is|are|shallbe)"),
)


def _formula_pairs(texts_a: Sequence[str], texts_b: Sequence[str]) -> list[tuple[int, int]]:
    """(i, j) for each opening formula that exactly one article of A and exactly one of B open with."""
    def openers(texts: Sequence[str], formula: re.Pattern[str]) -> list[int]:
        return [k for k, t in enumerate(texts)
                if formula.match("".join(_WORD.findall(re.sub(r"^\W*\d+\.\s*", "", t[:120]).lower())))]
    out = []
    for formula in _FORMULAS:
        xs, ys = openers(texts_a, formula), openers(texts_b, formula)
        if len(xs) == 1 and len(ys) == 1:
            out.append((xs[0], ys[0]))
    return out


#: Pair features, in the order of :data:`_COEF`.
FEATURES = ("words", "pairs", "chars", "score", "hub", "row_margin", "col_margin", "mutual", "position",
            "length", "definitions", "token_set", "opening", "letters", "row_rank", "col_rank",
            "token_set_row", "token_set_col", "neighbours", "token_set_pick", "paragraph")
_OPENING = 60  # letters of an article's opening compared ("This Chapter applies", "For the purposes of")
_LETTERS = 5  # n-grams of the letters alone (OCR glues words: "ofthis Chapter", "inrelationto")


def _margins(score: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Each score minus the best other score of its row, and of its column (> 0: the best of its row/column)."""
    n, m = score.shape
    out = []
    for s in (score, score.T):
        if s.shape[1] < 2:
            out.append(s.copy())
            continue
        top2 = -np.sort(-s, axis=1)[:, :2]
        best_other = np.where(s >= top2[:, :1], top2[:, 1:2], top2[:, :1])
        out.append(s - best_other)
    return out[0], out[1].T


def _ranks(score: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Rank of each score within its row (0 = the best of the row)."""
    return np.argsort(np.argsort(-score, axis=1, kind="stable"), axis=1).astype(float)


def _neighbours(hub: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Mean of the (hub-corrected) scores of the pairs just before and just after on the diagonal: articles
    whose neighbours match each other are likelier to match too."""
    padded = np.pad(hub, 1, constant_values=0.0)
    return (padded[:-2, :-2] + padded[2:, 2:]) / 2.0


#: Where an article's text (on one line: treaty texts break lines anywhere) starts a new numbered paragraph:
#: "2. " after the end of a sentence.
_PARAGRAPH = re.compile(r"(?<=[.;:])\s+(?=\d{1,2}\.\s)")


def _best_paragraph(a: Sequence[Provision], b: Sequence[Provision]) -> Matrix:
    """For each pair of articles, the TF-IDF cosine of their two most alike paragraphs (of at least 8 words):
    an article that carries another's paragraph nearly word for word, among paragraphs on other things (a
    "General Provisions" article that also grants national treatment), is found by it."""
    owner: list[int] = []
    bags: list[list[str]] = []
    for k, p in enumerate((*a, *b)):
        for piece in _PARAGRAPH.split(" ".join((p.normalized or p.text or "").split())):
            t = _tokens(piece)
            if len(t) >= 8:
                owner.append(k)
                bags.append(t)
    out = np.zeros((len(a), len(b)))
    if not bags:
        return out
    vectors, _ = _tfidf(bags)
    own = np.array(owner)
    in_a = np.flatnonzero(own < len(a))
    in_b = np.flatnonzero(own >= len(a))
    if not len(in_a) or not len(in_b):
        return out
    cos = (vectors[in_a] @ vectors[in_b].T).toarray()
    np.maximum.at(out, (own[in_a][:, None], own[in_b][None, :] - len(a)), cos)
    return out


def pair_features(a: Sequence[Provision], b: Sequence[Provision]) -> tuple[Matrix, Matrix, sparse.csr_matrix]:
    """(features of every pair, shape (len(a), len(b), len(FEATURES)); the lexical pair scores; word weights).

    Lexical: the three TF-IDF cosines, their blend, the blend corrected for hubs, how far each pair stands
    above the best other pair of its row and of its column, and whether it is the best of both (mutual).
    Structural: distance between the relative positions in the chapters, log length ratio, whether both
    articles define terms (a definitions article), and rapidfuzz's token-set ratio of the texts.
    """
    cosines, score, present, tokens = _lexical(a, b)
    n, m = score.shape
    row_margin, col_margin = _margins(score)
    hub = _hub_corrected(score)
    pos_a = np.arange(n) / max(n - 1, 1)
    pos_b = np.arange(m) / max(m - 1, 1)
    lengths = np.array([max(len(t), 1) for t in tokens], dtype=float)
    texts = [" ".join((p.normalized or p.text or "").lower().split()) for p in (*a, *b)]
    defines = np.array([min(len(_DEFINES.findall(t)) / 3.0, 1.0) for t in texts])
    word_sets = [" ".join(sorted(set(t.split()))) for t in texts]  # the same ratio, on much shorter strings
    token_set = process.cdist(word_sets[:n], word_sets[n:], scorer=fuzz.token_set_ratio, dtype=np.float32) / 100.0
    letters = ["".join(_WORD.findall(t)) for t in texts]
    openings = [{x[k:k + 4] for k in range(min(len(x), _OPENING) - 3)} for x in letters]
    opening = np.array([[len(x & y) / len(x | y) if x and y else 0.0 for y in openings[n:]] for x in openings[:n]])
    grams, _ = _tfidf([[x[k:k + _LETTERS] for k in range(len(x) - _LETTERS + 1)] for x in letters])
    letter_cos = (grams[:n] @ grams[n:].T).toarray()
    pick = np.zeros((n, m))
    pick[linear_sum_assignment(-token_set)] = 1.0  # the plain token-set assignment's choice
    f = np.stack([
        cosines[0], cosines[1], cosines[2], score, hub, row_margin, col_margin,
        ((row_margin >= 0) & (col_margin >= 0)).astype(float),
        np.abs(pos_a[:, None] - pos_b[None, :]),
        np.abs(np.log(lengths[:n, None] / lengths[None, n:])),
        np.outer(defines[:n], defines[n:]),
        token_set.astype(float), opening, letter_cos,
        1.0 / (1.0 + _ranks(score)), 1.0 / (1.0 + _ranks(score.T).T),
        *_margins(token_set.astype(float)), _neighbours(hub), pick, _best_paragraph(a, b),
    ], axis=2)
    return f, score, present


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


@dataclass(frozen=True)
class PairModel:
    """How pair features (:data:`FEATURES`) become the probability that two articles are counterparts:
    ``sigmoid(features @ coef + intercept)``; pairs below ``cutoff`` are not matched. Fitted by
    ``bench/align_fit.py`` on the dev pairs of ``bench/align_pairs.toml``."""

    coef: tuple[float, ...]
    intercept: float
    cutoff: float = 0.5

    def __post_init__(self) -> None:
        if len(self.coef) != len(FEATURES):
            raise ValueError(f"PairModel: {len(self.coef)} coefficients for {len(FEATURES)} features")
        if not 0 <= self.cutoff <= 1:
            raise ValueError(f"PairModel: cutoff {self.cutoff} outside 0..1")

    def probability(self, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Probability per pair for a ``(..., len(FEATURES))`` array of features."""
        z = features @ np.asarray(self.coef) + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)))


#: Fitted on the dev pairs (``.venv/bin/python bench/align_fit.py --db DB``).
MODEL = PairModel(coef=(
    2.1398, -4.493, -0.6532, 0.3463, 12.6641, 4.279, 5.0878, 0.9763, -3.8212, 0.5526,
    2.4606, -3.2208, 1.9579, -5.1609, 1.3754, 1.14, 5.341, -0.063, 7.2645, 1.0882, 2.2323,
), intercept=-1.3449, cutoff=0.35)


def align_articles(a: Sequence[Provision], b: Sequence[Provision], *, threshold: float = 0.08,
                   model: PairModel = MODEL) -> Alignment:
    """Pair each article of chapter ``a`` with its counterpart(s) in chapter ``b`` by content.

    ``threshold`` is the least lexical pair score (0..1) for a match, however well the pair ranks; ``model``
    turns pair features into match probabilities (the default is fitted on real chapter pairs).
    """
    if not a or not b:
        return Alignment((), tuple(article_label(p) for p in a), tuple(article_label(p) for p in b),
                         tuple(range(len(a))), tuple(range(len(b))))
    features, score, present = pair_features(a, b)
    n = len(a)
    wa, wb = present[:n], present[n:]
    prob = model.probability(features)
    prob[score >= 1.0] = 1.0
    texts = [p.normalized or p.text or "" for p in (*a, *b)]
    def_a, def_b = _definitions_article(texts[:n]), _definitions_article(texts[n:])
    if def_a is not None and def_b is None:
        def_b = _definitions_article(texts[n:], weak=True)
    elif def_b is not None and def_a is None:
        def_a = _definitions_article(texts[:n], weak=True)
    forced = [(def_a, def_b)] if def_a is not None and def_b is not None else []  # definitions answer each other
    forced += [(i, j) for i, j in _formula_pairs(texts[:n], texts[n:]) if i != def_a and j != def_b]
    for i, j in forced:  # and so do the scope articles, and the objectives articles, however few words they share
        prob[i, j] = 1.0
    rows, cols = linear_sum_assignment(-prob)
    pairs = zip(rows, cols, strict=True)
    match = {int(i): int(j) for i, j in pairs
             if prob[i, j] >= model.cutoff and (score[i, j] >= threshold or (i, j) in forced)}
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


def article_heading(p: Provision) -> str:
    """An article as a heading names it: its label, then its title when it has one."""
    return article_label(p) + (f" {p.title}" if p.title else "")


def redline_items(alignment: Alignment, a: Sequence[Provision], b: Sequence[Provision]) -> list[tuple[str, str, str]]:
    """(heading, text in A, text in B) per article in :meth:`Alignment.merged_order`, for
    :func:`~ftadraft.compare.redline.write_redline_docx`: an article on one side only has an empty other side,
    so Accept All gives B in its order and Reject All gives A in its order."""
    known = [(p.index_a, p.index_b) for p in alignment.pairs if p.index_a is not None and p.index_b is not None]
    partner_b = dict(known)  # a moved article is deleted at its old place
    partner_a = {j: i for i, j in known}  # and inserted at its new one: say so
    items = []
    for i, j in alignment.merged_order():
        left, right = (a[i] if i is not None else None), (b[j] if j is not None else None)
        if left is not None and right is not None:
            x, y = article_heading(left), article_heading(right)
            heading = x if x == y else f"{x} → {y}"
        elif left is not None:
            moved = partner_b.get(i) if i is not None else None
            heading = (f"{article_heading(left)} (moved: B has it as {article_label(b[moved])}; deleted here)"
                       if moved is not None else f"{article_heading(left)} (only in A: deleted)")
        else:
            assert right is not None
            moved = partner_a.get(j) if j is not None else None
            heading = (f"{article_heading(right)} (moved: A has it as {article_label(a[moved])}; inserted here)"
                       if moved is not None else f"{article_heading(right)} (only in B: inserted)")
        items.append((heading, left.text if left else "", right.text if right else ""))
    return items


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
