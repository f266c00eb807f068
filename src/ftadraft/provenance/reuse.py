"""How much of an agreement is copied from earlier agreements: from each of them, and article by article.

The measure of copy-and-paste treaty making. An article is *copied near-verbatim* from an earlier
agreement when one of its provisions contains at least ``threshold`` (80 %) of the article's words (the
precedent measure: words in a 3-word run the two texts share, names and numbers folded away). Two views:

- **Per source**, the question the literature asks (Allee & Elsig 2019): for every agreement signed
  earlier, the share of this agreement's words it contains near-verbatim, whether or not it is any
  article's closest source; the largest is the *best single source* (:attr:`ReuseReport.best_source`). An
  agreement copied from a template that several earlier agreements share is credited in full to each.
- **Per article**: each article's closest source among all earlier provisions (equally close ones: the
  latest agreement, the text most likely copied), and over the whole agreement the share of its words
  copied near-verbatim from any earlier text (:attr:`ReuseReport.copied_share`).

Both come from one exact pass (:mod:`.containment`): every earlier provision reaching the floor is found,
so the best single source never holds more than the share copied from any earlier text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .. import fingerprint
from ..errors import FtadraftError, InputError
from ..model import Agreement, Provision
from .precedents import MAX_QUERY_CHARS, MIN_SIMILARITY, Precedent, PrecedentIndex, precedent_index

if TYPE_CHECKING:
    import pandas as pd

    from ..corpus import Corpus

#: An article whose earlier source contains this share of its words is copied near-verbatim.
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
    """An earlier agreement and the words of the studied agreement (or chapter) it holds near-verbatim."""

    agreement: Agreement
    articles: int
    words: int
    share: float

    def __post_init__(self) -> None:
        if self.articles < 0 or self.words < 0 or not 0.0 <= self.share <= 1.0 + 1e-9:
            raise ValueError(f"impossible source share: {self.articles} articles, {self.words} words, {self.share}")

    def to_dict(self) -> dict[str, Any]:
        return {"agreement": self.agreement.brief(), "articles": self.articles, "words": self.words,
                "share": round(self.share, 4)}


def rank_sources(shares: Iterable[SourceShare]) -> list[SourceShare]:
    """Largest first; among equal ones the latest agreement (the text most likely copied), then by id."""
    return sorted(shares, key=lambda s: (-s.words, -(s.agreement.signed or date.min).toordinal(), s.agreement.id))


@dataclass(frozen=True)
class ReuseReport:
    agreement: Agreement
    articles: tuple[ArticleReuse, ...]
    threshold: float = NEAR_VERBATIM
    #: Every earlier agreement holding some articles near-verbatim, by the share of words it holds, largest first.
    containing: tuple[SourceShare, ...] = field(default=())

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
        """Share of the words copied near-verbatim from any earlier text."""
        return self.copied_words / self.words if self.words else 0.0

    @property
    def reused_share(self) -> float:
        """Share of words in articles with any earlier source (half their words or more)."""
        return sum(round(a.similarity * a.words) for a in self.articles if a.source) / self.words if self.words else 0.0

    @property
    def best_source(self) -> SourceShare | None:
        """The earlier agreement holding the largest share of this one near-verbatim (None if none holds any)."""
        return self.containing[0] if self.containing else None

    def sources(self) -> list[SourceShare]:
        """Earlier agreements by the share of this agreement's words for which they are the closest source
        (each copied article credited to one source only), largest first."""
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
        best = self.best_source
        return {
            "agreement": self.agreement.brief(), "threshold": self.threshold, "words": self.words,
            "copied_words": self.copied_words, "copied_share": round(self.copied_share, 4),
            "skipped": [a.provision.id for a in self.articles if a.skipped],
            "reused_share": round(self.reused_share, 4),
            "best_source": best.to_dict() if best else None,
            "containing": [s.to_dict() for s in self.containing],
            "sources": [s.to_dict() for s in self.sources()],
            "articles": [a.to_dict() for a in self.articles],
        }

    def csv_text(self) -> str:
        """One CSV row per article: its number, title, words, similarity to its closest earlier source, whether
        that counts as copied, and the source."""
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["article_id", "number", "title", "words", "similarity", "copied", "source_agreement",
                    "source_name", "source_year", "source_article"])
        for r in self.articles:
            src = r.source
            w.writerow([r.provision.id, r.provision.number or "", r.provision.title or "", r.words,
                        f"{r.similarity:.4f}", int(r.copied(self.threshold)), src.agreement.id if src else "",
                        src.agreement.name if src else "", (src.agreement.year or "") if src else "",
                        src.provision.id if src else ""])
        return buf.getvalue()

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

    def sources_frame(self) -> pd.DataFrame:
        """One row per earlier agreement holding some of this one near-verbatim: the share it holds
        (``share``, over all its articles) and the share for which it is the closest source (``closest_share``)."""
        from ..optional import require_pandas

        pd = require_pandas()
        closest = {s.agreement.id: s for s in self.sources()}
        columns = ["agreement_id", "name", "year", "parties", "articles", "words", "share", "closest_articles",
                   "closest_share"]
        return pd.DataFrame([{
            "agreement_id": s.agreement.id, "name": s.agreement.name, "year": s.agreement.year,
            "parties": " ".join(s.agreement.parties), "articles": s.articles, "words": s.words,
            "share": round(s.share, 4),
            "closest_articles": closest[s.agreement.id].articles if s.agreement.id in closest else 0,
            "closest_share": round(closest[s.agreement.id].share, 4) if s.agreement.id in closest else 0.0,
        } for s in self.containing], columns=columns)


def check_threshold(threshold: float) -> float:
    if not 0.0 < threshold <= 1.0:
        raise InputError("threshold", f"{threshold} is not a share of an article's words (0 < threshold <= 1)")
    return float(threshold)


def reuse(corpus: Corpus, ref: str, *, threshold: float = NEAR_VERBATIM) -> ReuseReport:
    """How much of agreement ``ref`` each earlier agreement holds near-verbatim (``containing``, ``best_source``),
    and each article with its closest source among agreements signed before it."""
    from .containment import Scanner

    check_threshold(threshold)
    agreement = corpus.agreement(ref)
    if agreement.signed is None:
        raise InputError(ref, "the agreement has no signature date, so earlier agreements cannot be told apart")
    provisions = corpus.index.provisions(agreement.id)
    outline = corpus.index.provision_outline(agreement.id)
    rowid = dict(zip(outline.ids, outline.rowids, strict=True))
    pidx = precedent_index(corpus)
    rowids = np.array([rowid[p.id] for p in provisions], dtype=np.int64)
    docs = np.minimum(np.searchsorted(pidx.rowids, rowids), max(0, len(pidx) - 1)).astype(np.int64)
    if len(rowids) and not np.array_equal(pidx.rowids[docs], rowids):
        raise FtadraftError("the index changed while the report was being made; run it again")
    skipped = [len(p.normalized) > MAX_QUERY_CHARS for p in provisions]
    words = [int(pidx.lengths[d]) for d in docs.tolist()]
    measured = [i for i in range(len(provisions)) if not skipped[i] and words[i] >= fingerprint.SHINGLE]
    scanner = Scanner(pidx)
    found = scanner.contained(docs[measured], agreement.signed, min(MIN_SIMILARITY, threshold))
    # per article: its containing provisions
    per_article: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = {}
    order = np.argsort(found.article, kind="stable")
    bounds = np.searchsorted(found.article[order], np.arange(len(measured) + 1))
    for j in range(len(measured)):
        sel = order[bounds[j] : bounds[j + 1]]
        sel = sel[found.similarity[sel] >= MIN_SIMILARITY]  # a source holds at least half of the article
        if len(sel):
            per_article[measured[j]] = (found.doc[sel].astype(np.int64), found.similarity[sel])
    closest = {i: _closest(pidx, docs[i], *hits) for i, hits in per_article.items()}
    fetched = corpus.index.provisions_by_rowid([int(pidx.rowids[d]) for d, _, _ in closest.values()])
    out = []
    for i, p in enumerate(provisions):
        source = None
        if i in closest:
            d, sim, mutual = closest[i]
            src = fetched[int(pidx.rowids[d])]
            source = Precedent(rank=1, provision=src, agreement=pidx.agreements[pidx.agreement_of[d]], similarity=sim,
                               mutual=mutual, literal=0.0, verbatim=p.normalized in src.normalized)
        out.append(ArticleReuse(p, words[i], source, skipped=skipped[i]))
    total = sum(w for w, s in zip(words, skipped, strict=True) if not s)
    held: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    best = found.best_per_agreement(pidx.agreement_of)
    for j, d, sim in zip(best.article.tolist(), best.doc.tolist(), best.similarity.tolist(), strict=True):
        if sim >= threshold:
            h = held[int(pidx.agreement_of[d])]
            h[0] += 1
            h[1] += round(sim * words[measured[j]])
    containing = rank_sources(SourceShare(pidx.agreements[g], n, w, w / total) for g, (n, w) in held.items())
    return ReuseReport(agreement, tuple(out), threshold, tuple(containing))


def _closest(pidx: PrecedentIndex, doc: int, hits: npt.NDArray[np.int64],
             sims: npt.NDArray[np.float64]) -> tuple[int, float, float]:
    """The closest source of an article among the provisions containing it: the most similar, then the
    latest agreement, then the highest two-way similarity (then index order)."""
    top = np.flatnonzero(sims == sims.max())
    signed = [pidx.agreements[pidx.agreement_of[hits[t]]].signed or date.min for t in top.tolist()]
    latest = max(signed)
    top = np.array([t for t, s in zip(top.tolist(), signed, strict=True) if s == latest])
    query = pidx.sequence(doc)
    seqs = [pidx.sequence(int(hits[t])) for t in top.tolist()]
    in_q, in_d = fingerprint.coverage_many(query, seqs)
    mutual = (in_q + in_d) / (len(query) + np.array([len(s) for s in seqs]))
    k = int(top[int(np.argmax(mutual))])
    return int(hits[k]), float(sims[k]), float(mutual[int(np.argmax(mutual))])
