"""How much of an agreement is copied from earlier agreements, article by article, and from which.

The measure of copy-and-paste treaty making: for each article, its closest source among agreements
signed earlier (the precedent containing the largest share of the article's words) and, over the
whole agreement, the share of its words found near-verbatim in earlier texts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import fingerprint
from ..errors import InputError
from ..model import Agreement, Provision
from .precedents import MAX_QUERY_CHARS, MIN_SIMILARITY, Precedent, precedents

if TYPE_CHECKING:
    import pandas as pd

    from ..corpus import Corpus

#: An article whose closest earlier source contains this share of its words is copied near-verbatim.
NEAR_VERBATIM = 0.8


@dataclass(frozen=True)
class ArticleReuse:
    """One article and its closest earlier source (None when nothing earlier holds half its words)."""

    provision: Provision
    words: int
    source: Precedent | None
    #: Left out of the measure: longer than a precedent query takes (a tariff schedule, not a clause).
    skipped: bool = False

    @property
    def similarity(self) -> float:
        return self.source.similarity if self.source else 0.0

    def copied(self, threshold: float = NEAR_VERBATIM) -> bool:
        return self.source is not None and self.source.similarity >= threshold

    def to_dict(self) -> dict[str, Any]:
        s = self.source
        return {"article": self.provision.brief(), "words": self.words, "skipped": self.skipped,
                "similarity": round(self.similarity, 4),
                "source": None if s is None else {"agreement": s.agreement.brief(), "article": s.provision.brief(),
                                                  "source": dict(s.provision.source)}}


@dataclass(frozen=True)
class SourceShare:
    """An earlier agreement and the words of the studied agreement copied near-verbatim from it."""

    agreement: Agreement
    articles: int
    words: int
    share: float


@dataclass(frozen=True)
class ReuseReport:
    agreement: Agreement
    articles: tuple[ArticleReuse, ...]
    threshold: float = NEAR_VERBATIM

    @property
    def words(self) -> int:
        """Words of the articles measured (skipped ones left out)."""
        return sum(a.words for a in self.articles if not a.skipped)

    @property
    def copied_words(self) -> int:
        """Words of near-verbatim copied articles that their source contains."""
        return sum(round(a.similarity * a.words) for a in self.articles if a.copied(self.threshold))

    @property
    def copied_share(self) -> float:
        return self.copied_words / self.words if self.words else 0.0

    @property
    def reused_share(self) -> float:
        """Share of words in articles with any earlier source (half their words or more)."""
        return sum(round(a.similarity * a.words) for a in self.articles if a.source) / self.words if self.words else 0.0

    def sources(self) -> list[SourceShare]:
        """Earlier agreements by the share of this agreement's words copied from them, largest first."""
        words: dict[str, int] = defaultdict(int)
        count: dict[str, int] = defaultdict(int)
        by_id: dict[str, Agreement] = {}
        for a in self.articles:
            if a.copied(self.threshold) and a.source:
                aid = a.source.agreement.id
                by_id[aid] = a.source.agreement
                words[aid] += round(a.similarity * a.words)
                count[aid] += 1
        total = self.words or 1
        return sorted((SourceShare(by_id[k], count[k], w, w / total) for k, w in words.items()),
                      key=lambda s: (-s.words, s.agreement.id))

    def to_dict(self) -> dict[str, Any]:
        return {
            "agreement": self.agreement.brief(), "threshold": self.threshold, "words": self.words,
            "copied_words": self.copied_words, "copied_share": round(self.copied_share, 4),
            "skipped": [a.provision.id for a in self.articles if a.skipped],
            "reused_share": round(self.reused_share, 4),
            "sources": [{"agreement": s.agreement.brief(), "articles": s.articles, "words": s.words,
                         "share": round(s.share, 4)} for s in self.sources()],
            "articles": [a.to_dict() for a in self.articles],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per article: its number, title, words, closest earlier source and similarity."""
        from ..optional import require_pandas

        pd = require_pandas()
        return pd.DataFrame([{
            "article_id": a.provision.id, "number": a.provision.number, "title": a.provision.title, "words": a.words,
            "similarity": round(a.similarity, 4), "copied": a.copied(self.threshold),
            "source_agreement": a.source.agreement.id if a.source else None,
            "source_name": a.source.agreement.name if a.source else None,
            "source_year": a.source.agreement.year if a.source else None,
            "source_article": a.source.provision.id if a.source else None,
        } for a in self.articles])


def reuse(corpus: Corpus, ref: str, *, threshold: float = NEAR_VERBATIM) -> ReuseReport:
    """Each article of agreement ``ref`` with its closest source among agreements signed before it."""
    agreement = corpus.agreement(ref)
    if agreement.signed is None:
        raise InputError(ref, "the agreement has no signature date, so earlier agreements cannot be told apart")
    out = []
    for p in corpus.index.provisions(agreement.id):
        words = len(fingerprint.canonical_words(p.normalized))
        source = None
        if len(p.normalized) > MAX_QUERY_CHARS:
            out.append(ArticleReuse(p, words, None, skipped=True))
            continue
        if words >= fingerprint.SHINGLE:
            found = precedents(corpus, p.normalized, limit=10, min_similarity=MIN_SIMILARITY, before=agreement.signed,
                                order_copies=False)
            if found:
                # the closest source; among equally close ones the latest, the text most likely copied
                best = max(found, key=lambda h: (round(h.similarity, 3), h.agreement.signed, h.mutual))
                source = best
        out.append(ArticleReuse(p, words, source))
    return ReuseReport(agreement, tuple(out), threshold)
