"""The clause-library clauses closest to a text: which model clause an indexed article (or a pasted clause)
reads most like, to start a draft from the library rather than from a precedent's wording."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from rapidfuzz import fuzz, process

from ..normalize import normalize_text
from .clauses import Clause, ClauseError, ClauseLibrary, render

if TYPE_CHECKING:
    from ..corpus import Corpus

_WORD = re.compile(r"\w+")  # as compare.similarity splits words


@dataclass(frozen=True)
class NearClause:
    """A library clause and how much of its wording the text shares (word-set overlap, 0..1); ``same_topic``
    when the clause's topic is one of the text's."""

    clause: Clause
    similarity: float
    same_topic: bool

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.clause.id, "title": self.clause.title, "topic": self.clause.topic,
                "level": self.clause.level, "similarity": round(self.similarity, 4), "same_topic": self.same_topic}


def _words(text: str) -> str:
    """The form :func:`~ftadraft.compare.similarity.token_set_similarity` compares: normalised, lower-case
    words joined by single spaces."""
    return " ".join(_WORD.findall(normalize_text(text).lower()))


class ClauseWordings:
    """Every library clause's default wording, rendered and split into words once (a server keeps one and
    asks it many times); scores equal :func:`~ftadraft.compare.similarity.token_set_similarity`."""

    def __init__(self, library: ClauseLibrary, corpus: Corpus | None = None) -> None:
        self.clauses: list[Clause] = []
        self.words: list[str] = []
        for c in library:
            try:
                wording = render(c, corpus=corpus)
            except ClauseError:
                continue  # a text_from clause without an index, or a clause that needs values
            self.clauses.append(c)
            self.words.append(_words(wording))

    def closest(self, text: str, topics: tuple[str, ...] = (), *, limit: int = 5) -> list[NearClause]:
        """The ``limit`` clauses whose wording is closest to ``text``; clauses of one of ``topics`` rank first
        (a topic match says more than shared words)."""
        if not self.clauses:
            return []
        mine = _words(text)
        scores = process.cdist([mine], self.words, scorer=fuzz.token_set_ratio, dtype=np.float64, workers=1)[0]
        out = [NearClause(c, 1.0 if not mine and not w else float(score) / 100.0, c.topic in topics)
               for c, w, score in zip(self.clauses, self.words, scores, strict=True)]
        out.sort(key=lambda n: (not n.same_topic, -n.similarity, n.clause.id))
        return out[:limit]


def closest_clauses(library: ClauseLibrary, text: str, topics: tuple[str, ...] = (), *, limit: int = 5,
                    corpus: Corpus | None = None) -> list[NearClause]:
    """The ``limit`` library clauses whose default wording is closest to ``text`` (see :class:`ClauseWordings`,
    which renders the library once for many look-ups)."""
    return ClauseWordings(library, corpus).closest(text, topics, limit=limit)
