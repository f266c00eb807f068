"""How alike two clause texts are, by a few complementary measures (all 0..1, on normalised text).

Each measure answers a different question a drafter or researcher asks:

- ``edit``: how much character editing turns one text into the other (rapidfuzz ``ratio``);
  sensitive to every change, including word order.
- ``token_set``: do the texts use the same words, whatever their order, repetition and punctuation
  (rapidfuzz ``token_set_ratio``); 1.0 when one text's vocabulary is contained in the other's.
- ``jaccard5``: share of common 5-word sequences (word 5-gram Jaccard), the copy-detection measure of
  treaty text-as-data research (Alschner, Seiermann & Skougarevskiy); high only for shared phrasing.
- ``jaccard5_chars``: the same on 5-character shingles; more forgiving of inflection and small edits
  than word 5-grams.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import asdict, dataclass

from rapidfuzz import fuzz

from ..normalize import normalize_text

_WORD = re.compile(r"\w+")
N = 5


@dataclass(frozen=True)
class Similarity:
    """Similarity of text A and text B; every score is in [0, 1], 1 meaning the same."""

    edit: float
    token_set: float
    jaccard5: float
    jaccard5_chars: float

    def to_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in asdict(self).items()}


def similarity(a: str, b: str) -> Similarity:
    """All measures for texts ``a`` and ``b`` (normalised first: quotes, dashes, whitespace folded)."""
    na, nb = normalize_text(a), normalize_text(b)
    la, lb = na.lower(), nb.lower()
    return Similarity(
        edit=edit_similarity(na, nb, normalized=True),
        token_set=token_set_similarity(la, lb, normalized=True),
        jaccard5=jaccard(word_shingles(la), word_shingles(lb)),
        jaccard5_chars=jaccard(char_shingles(la), char_shingles(lb)),
    )


def edit_similarity(a: str, b: str, *, normalized: bool = False) -> float:
    """Character-level edit similarity: 1 - Indel distance / total length (rapidfuzz ``ratio``)."""
    if not normalized:
        a, b = normalize_text(a), normalize_text(b)
    if not a and not b:
        return 1.0
    return fuzz.ratio(a, b) / 100.0


def token_set_similarity(a: str, b: str, *, normalized: bool = False) -> float:
    """Word-set overlap, order, repetition, case and punctuation ignored (rapidfuzz ``token_set_ratio``)."""
    if not normalized:
        a, b = normalize_text(a), normalize_text(b)
    wa, wb = " ".join(_WORD.findall(a.lower())), " ".join(_WORD.findall(b.lower()))
    if not wa and not wb:
        return 1.0
    return fuzz.token_set_ratio(wa, wb) / 100.0


def word_shingles(text: str, n: int = N) -> frozenset[tuple[str, ...]]:
    """The set of n-word sequences of ``text``; a text shorter than n words is one shingle."""
    words = _WORD.findall(text.lower())
    if len(words) < n:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def char_shingles(text: str, n: int = N) -> frozenset[str]:
    """The set of n-character substrings of ``text`` (whitespace folded); a shorter text is one shingle."""
    t = " ".join(text.lower().split())
    if len(t) < n:
        return frozenset([t]) if t else frozenset()
    return frozenset(t[i:i + n] for i in range(len(t) - n + 1))


def jaccard(x: frozenset[Hashable], y: frozenset[Hashable]) -> float:
    """|x ∩ y| / |x ∪ y|, and 1.0 for two empty sets."""
    if not x and not y:
        return 1.0
    return len(x & y) / len(x | y)
