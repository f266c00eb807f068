"""The domain thesaurus: trade-law expressions that mean the same thing (courier <-> express
shipment, servers <-> computing facilities, spam <-> unsolicited commercial electronic messages).

Concepts are package data (``thesaurus.toml``). Search matches them on lemmas, so the terms are
lemmatised with the index's own vocabulary before use.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Concept:
    """One group of equivalent expressions, in plain words as written in the thesaurus."""

    terms: tuple[str, ...]


@dataclass(frozen=True)
class ConceptMatch:
    """A concept found in a query: the lemma phrases to search for and the query span it covers."""

    phrases: tuple[str, ...]
    start: int
    end: int


@lru_cache(maxsize=1)
def concepts() -> tuple[Concept, ...]:
    """All concepts of the shipped thesaurus."""
    data = tomllib.loads(resources.files("ftadraft.search").joinpath("thesaurus.toml").read_text(encoding="utf-8"))
    return tuple(Concept(tuple(c["terms"])) for c in data.get("concept", []))


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def lemmatised_concepts(lemmatize: Callable[[Sequence[str]], list[str]]) -> list[tuple[tuple[str, ...], ...]]:
    """Each concept's terms as lemma tuples, using ``lemmatize`` (word list -> lemma list)."""
    vocab = sorted({w for c in concepts() for t in c.terms for w in words(t)})
    mapping = dict(zip(vocab, lemmatize(vocab), strict=True))
    return [tuple(dict.fromkeys(tuple(mapping[w] for w in words(t)) for t in c.terms)) for c in concepts()]


def match(query_lemmas: Sequence[str], table: Sequence[tuple[tuple[str, ...], ...]]) -> list[ConceptMatch]:
    """Concepts whose terms occur in the query (longest terms first; one concept per span)."""
    found: list[ConceptMatch] = []
    taken: set[int] = set()
    q = list(query_lemmas)
    candidates: list[tuple[int, int, int]] = []  # (-length, start, concept index)
    for ci, terms in enumerate(table):
        for term in terms:
            n = len(term)
            for i in range(len(q) - n + 1):
                if tuple(q[i : i + n]) == term:
                    candidates.append((-n, i, ci))
    seen_concepts: set[int] = set()
    for neg_n, start, ci in sorted(candidates):
        span = set(range(start, start - neg_n))
        if ci in seen_concepts or span & taken:
            continue
        seen_concepts.add(ci)
        taken |= span
        found.append(ConceptMatch(tuple(" ".join(t) for t in table[ci]), start, start - neg_n))
    return sorted(found, key=lambda m: m.start)
