"""Tag provisions with taxonomy topics and obligation strength, at index time and on re-tag.

Runs the topic tagger (:mod:`ftadraft.tags.topics`, from lemmas) and the obligation classifier
(:mod:`ftadraft.tags.obligation`, from normalised text and sentence offsets) over many provisions,
spread over worker processes for large batches like the full ToTA corpus.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from ..index.analysis import TagInput
from ..index.workers import pool as worker_pool

_PARALLEL_MIN = 5_000
_CHUNK = 2_500


@dataclass(frozen=True)
class Tags:
    """Topics (id, score) best first, and the obligation label."""

    topics: tuple[tuple[str, float], ...]
    obligation: str


@dataclass(frozen=True)
class TextTags:
    """Why any text (a pasted clause, a draft article) gets its tags: topics (id, score) best first, the
    obligation label and the binding and soft sentences that decided it."""

    topics: tuple[tuple[str, float], ...]
    obligation: str
    binding: tuple[str, ...]
    soft: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"topics": [{"id": t, "score": round(s, 3)} for t, s in self.topics], "obligation": self.obligation,
                "basis": {"binding": list(self.binding), "soft": list(self.soft)}}


def tag_text(text: str, title: str | None = None) -> TextTags:
    """Tag one text that is not in the index with topics and obligation strength (``ftadraft topics tag``)."""
    from ..normalize import normalize_text
    from .obligation import classify
    from .topics import tag

    normalized = normalize_text(text)
    ob = classify(normalized, None, title)
    return TextTags(tuple((t.id, t.score) for t in tag(normalized, title)), ob.label, tuple(ob.binding), tuple(ob.soft))


def _tag_chunk(items: Sequence[TagInput]) -> list[Tags]:
    from .obligation import classify_many
    from .topics import tag_lemmas

    obligations = classify_many((i.normalized, i.sentences or None, i.title) for i in items)
    return [
        Tags(() if _definitions(i, o.label) else
             tuple((t.id, round(t.score, 4))
                   for t in tag_lemmas(i.lemmas, i.title_lemmas, i.chapter_lemmas, i.lang)), o.label)
        for i, o in zip(items, obligations, strict=True)
    ]


def _definitions(item: TagInput, obligation: str) -> bool:
    """A definitions article mentions every term of its chapter without regulating any of them:
    it carries no topic (a spot check found such articles behind false coverage cells)."""
    title = f" {item.title_lemmas} "
    if any(f" {w}" in title for w in ("definition", "definición", "definicion", "définition")):
        return True
    return obligation == "none" and item.normalized[:40].lower().startswith(_DEFINITIONS_OPEN)


#: How definitions articles open, in English, Spanish and French.
_DEFINITIONS_OPEN = ("for the purposes of", "for purposes of", "para los efectos", "para efectos", "para fines",
                     "se entenderá por", "se entiende por", "aux fins", "au sens", "on entend par")


def tag_all(items: Sequence[TagInput], *, workers: int | None = None) -> list[Tags]:
    """Tags for every item, in order."""
    if not items:
        return []
    n = workers or int(os.environ.get("FTADRAFT_WORKERS") or os.cpu_count() or 1)
    if n <= 1 or len(items) < _PARALLEL_MIN:
        return _tag_chunk(items)
    chunks = [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]
    out: list[Tags] = []
    with worker_pool(n) as pool:
        for done in pool.map(_tag_chunk, chunks):
            out.extend(done)
    return out
