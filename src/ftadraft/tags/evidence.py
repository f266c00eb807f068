"""Why a provision carries its topics: for each topic, the sentences whose matching rules fired.

The tagger (:mod:`ftadraft.tags.topics`) scores a topic from phrase counts over the whole lemma string of
a provision. This module replays the same compiled phrase tables sentence by sentence: each sentence is
lemmatised exactly as the index lemmatises texts, its phrases are counted with the tagger's own counter
(cross-references and spelling variants included), and a sentence is evidence for a topic when it holds
one of the topic's positive phrases that is not part of a longer phrase of the same topic found there too
(the tagger counts such a phrase once); a long sentence is cut into its list items first, so the evidence
is the item that holds the phrase. Negative phrases found in the sentence are reported beside it.
A topic can also rest on the article's title ("Customs Valuation"): :attr:`TopicEvidence.title` says so.

The tables are only read; tagging decisions stay in :func:`ftadraft.tags.topics.tag_lemmas`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..model import Provision

__all__ = ["EvidenceSentence", "TopicEvidence", "provision_evidence", "topic_evidence"]


@dataclass(frozen=True)
class EvidenceSentence:
    """One sentence (as it appears in the text given) and the topic's phrases found in it."""

    text: str
    #: the topic's positive phrases found in the sentence, as lemmas ("customs valuation"), strongest first
    phrases: tuple[str, ...]
    #: the summed weight of those phrases (a sentence's share of the topic's evidence)
    weight: float
    #: the topic's negative phrases found in the sentence (they count against the topic)
    against: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "phrases": list(self.phrases), "weight": self.weight,
                "against": list(self.against)}


@dataclass(frozen=True)
class TopicEvidence:
    """A topic of a provision and what decides it: the sentences with its phrases, and whether the title
    names it (or holds its phrases)."""

    topic: str
    sentences: tuple[EvidenceSentence, ...]
    title: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"topic": self.topic, "title": self.title, "sentences": [s.to_dict() for s in self.sentences]}


def topic_evidence(
    text: str, topics: Sequence[str] | None = None, *, title: str | None = None, chapter: str | None = None,
    lang: str = "en",
) -> list[TopicEvidence]:
    """Each topic of ``text`` with its deciding sentences, in the order of ``topics``.

    ``topics`` are the provision's topic ids as stored by the index (None: tag the text now, with its title
    and chapter title as context). Sentences are the text's sentences in text order. A language without
    phrase tables (or an unknown topic id) gives an empty list (or no entry for that id).
    """
    from ..index import analysis
    from .obligation import split_sentences
    from .topics import _compiled, tag

    if topics is None:
        topics = [t.id for t in tag(text, title, chapter=chapter, lang=lang)]
    c = _compiled()
    tables = c.langs.get(lang)
    position = {t.id: i for i, t in enumerate(c.topics)}
    wanted = [(tid, position[tid]) for tid in topics if tid in position]
    if tables is None or not wanted or not text.strip():
        return []
    sentences = [text[s:e] for s, e in _units(text, split_sentences(text))]
    lemmas = [a.lemmas for a in analysis.analyze(sentences, lang, workers=1)]
    per_sentence = [c.counts(lem, lang) for lem in lemmas]

    named: set[int] = set()
    if title and title.strip():
        title_lemmas = analysis.lemmatize(title, lang)
        named = {ti for ti, _ in c.title_matches(title_lemmas, lang)}
        for pid in c.counts(title_lemmas, lang):
            named.update(ti for ti, _, _ in tables.positive.get(pid, ()))

    out: list[TopicEvidence] = []
    for tid, ti in wanted:
        negative = dict(tables.negative[ti])
        found: list[EvidenceSentence] = []
        for sentence, counts in zip(sentences, per_sentence, strict=True):
            hits: list[tuple[float, str]] = []
            for pid, n in counts.items():
                for t2, w, supers in tables.positive.get(pid, ()):
                    if t2 != ti:
                        continue
                    if supers and n - max(counts.get(q, 0) for q in supers) <= 0:
                        continue  # only inside a longer phrase of the topic, which is listed instead
                    hits.append((w, c.keys[pid].strip()))
            if hits:
                hits.sort(key=lambda h: (-h[0], h[1]))
                against = tuple(sorted(c.keys[pid].strip() for pid in counts if pid in negative))
                found.append(EvidenceSentence(sentence, tuple(dict.fromkeys(p for _, p in hits)),
                                              round(sum(w for w, _ in hits), 2), against))
        out.append(TopicEvidence(tid, tuple(found), ti in named))
    return out


#: Sentences longer than this are split into their list items (after "; " and ": "), so that the evidence
#: shown is the item that holds the phrase, not a whole run-on list of ten items.
LONG_SENTENCE = 300
_ITEM_BREAK = re.compile(r"[;:] +(?=\S)")


def _units(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentences of ``text`` (``spans``), long ones cut into their list items."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if e - s <= LONG_SENTENCE:
            out.append((s, e))
            continue
        start = s
        for m in _ITEM_BREAK.finditer(text, s, e):
            if m.start() + 1 - start >= 40:  # not a stub like "each Party shall:"
                out.append((start, m.start() + 1))
                start = m.end()
        out.append((start, e))
    return out


def provision_evidence(p: Provision, lang: str = "en") -> list[TopicEvidence]:
    """The evidence for each of an indexed provision's topics (``p.topics``), from its normalised text."""
    return topic_evidence(p.normalized or p.text, p.topics, title=p.title, chapter=p.chapter_title, lang=lang)
