"""Clause search: fielded BM25 over lemmas (FTS5), filters, browsing, grouping of template copies.

Queries are lemmatised with the index's own vocabulary (word form -> lemma, recorded when texts were
analysed), so "shipments" finds "shipment" without loading spaCy at query time. Plain queries are
ranked as a bag of words (any word may match, more and rarer matches rank higher); quoted phrases,
AND/OR/NOT, parentheses and prefix* are passed to FTS5, and a query FTS5 cannot parse falls back to
its plain words. Filters work with or without a query (browsing).

Speed: a plain query's BM25 candidates come from FTS5's bm25() until the session has spent about
as long in it as building :mod:`ftadraft.index.bm25`'s in-memory counts takes; from then on they come
from those counts, with the same scores and the same order. Per-index data (reverse vocabulary,
document frequencies, the counts) lives in the corpus's :class:`~ftadraft.corpus.SessionCache`, renewed when
the index changes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import FtadraftError
from ..index.filters import AgreementFilter
from ..index.store import ProvisionFilter
from ..model import Agreement, Provision
from ..tags.labels import LABELS as OBLIGATIONS
from .query import STOPWORDS, WORD, QueryPlan, check_query, concept_table, plan_query, total_provisions
from .snippets import _Forms, _snippet, surface_forms

if TYPE_CHECKING:
    from ..corpus import Corpus, SessionCache
    from ..index.bm25 import Postings

#: BM25 column weights: title, chapter title, text.
WEIGHTS = (4.0, 1.5, 1.0)


@dataclass(frozen=True)
class Filters:
    """Restrictions that combine with a query, or stand alone to browse."""

    topics: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    all_parties: bool = False
    agreement: str | None = None  # id or alias
    chapter: str | None = None  # number or part of the chapter title
    since: int | None = None
    until: int | None = None
    obligation: str | None = None
    lang: str | None = None

    def is_empty(self) -> bool:
        return not (self.topics or self.parties or self.agreement or self.chapter or self.since or self.until
                    or self.obligation or self.lang)

    def agreements(self) -> AgreementFilter:
        """The conditions on agreements (years, parties, chapter), checked (since ≤ until)."""
        return AgreementFilter(since=self.since, until=self.until, parties=self.parties,
                               all_parties=self.all_parties, chapter=self.chapter or None)


@dataclass(frozen=True)
class Hit:
    """One search result: the provision, its agreement, score, a snippet, and near-identical copies."""

    rank: int
    score: float
    provision: Provision
    agreement: Agreement
    snippet: str
    others: tuple[tuple[Agreement, Provision], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        p, a = self.provision, self.agreement
        out: dict[str, Any] = {
            "rank": self.rank,
            "score": round(self.score, 4),
            "agreement": _agreement_dict(a),
            "chapter": {"number": p.chapter_number, "title": p.chapter_title},
            "article": {"id": p.id, "number": p.number, "title": p.title},
            "topics": list(p.topics),
            "obligation": p.obligation,
            "snippet": self.snippet,
            "source": dict(p.source),
        }
        if self.others:
            out["also_in"] = [{"agreement": _agreement_dict(oa), "article": {"id": op.id, "number": op.number,
                                                                           "title": op.title}}
                              for oa, op in self.others]
        return out

    def _repr_html_(self) -> str:
        p, a = self.provision, self.agreement
        tags = " ".join(f"<code>{escape(t)}</code>" for t in (*p.topics, p.obligation or "") if t)
        more = f"<br><i>and {len(self.others)} other agreements</i>" if self.others else ""
        return (f"<div><b>{self.rank}. {escape(a.name)} ({a.year or 'n.d.'})</b> · {escape(p.label)} {tags}"
                f"<br><small>{escape(p.id)} · score {self.score:.2f}</small><br>{escape(self.snippet)}{more}</div>")


def _agreement_dict(a: Agreement) -> dict[str, Any]:
    return {"id": a.id, "name": a.name, "signed": a.signed.isoformat() if a.signed else None,
            "parties": list(a.parties)}


# -- query understanding ------------------------------------------------------------------------
def _filter(corpus: Corpus, f: Filters) -> ProvisionFilter:
    """The store's form of ``f`` (topics and agreement references resolved, obligation checked)."""
    topic_ids: list[str] = []
    if f.topics:
        from ..tags.topics import get as get_topic

        topic_ids = [get_topic(t).id for t in f.topics]
    if f.obligation and f.obligation not in OBLIGATIONS:
        raise FtadraftError(f"--obligation {f.obligation}: use one of {', '.join(OBLIGATIONS)}")
    return corpus.index.provision_filter(
        f.agreements(), topics=topic_ids, agreement_id=corpus.agreement(f.agreement).id if f.agreement else None,
        obligation=f.obligation or None, lang=f.lang or None)


# -- search -------------------------------------------------------------------------------------
def search(
    corpus: Corpus,
    query: str = "",
    *,
    limit: int = 10,
    filters: Filters | None = None,
    group: bool = False,
) -> list[Hit]:
    """Provisions matching ``query`` and ``filters``, best first (browse order without a query)."""
    return _search(corpus, query, limit, filters, group, may_build=True)


def _search(
    corpus: Corpus, query: str, limit: int, filters: Filters | None, group: bool, *, may_build: bool
) -> list[Hit]:
    f = filters or Filters()
    query = check_query(query)
    if not query and f.is_empty():
        raise FtadraftError("empty query: give words to search for, or a filter such as --topic to browse")
    flt = _filter(corpus, f)
    want = limit * 5 if group else limit
    words: set[str] = set()
    rows: list[tuple[str, float]] | None = None
    if query:
        plan = plan_query(corpus, query)
        if plan.advanced:
            rows = _run_fts(corpus, plan.fts, flt, want)
            if rows is None:  # FTS5 could not parse it: run the plain words instead
                plan = plan_query(corpus, " ".join(w.lower() for w in WORD.findall(query)))
        if not plan.advanced:
            ranked = _rerank(corpus, plan, _candidates(corpus, plan, flt, may_build))[:want]
            rows = _provision_ids(corpus, ranked)
        words = {w for w in plan.words if w not in STOPWORDS}  # "the", "of" inside phrases: not worth marking
    else:
        rows = [(pid, 0.0) for pid in corpus.index.browse(flt, want)]
    hits = _hits(corpus, rows or [], words)
    if group:
        hits = _group(hits)
    return [Hit(i, h.score, h.provision, h.agreement, h.snippet, h.others) for i, h in enumerate(hits[:limit], 1)]


def _provision_ids(corpus: Corpus, rows: list[tuple[int, float]]) -> list[tuple[str, float]]:
    """(rowid, score) -> (provision id, score), in the same order."""
    if not rows:
        return []
    ids = corpus.index.ids_of_rowids([r for r, _ in rows])
    return [(ids[r], score) for r, score in rows if r in ids]


#: How many BM25 candidates a plain query re-ranks, and the weights of the re-ranking features.
CANDIDATES = 200
TOPIC_CANDIDATES = 100
W_TOPIC = 0.25
W_BM25, W_COVERAGE, W_TITLE = 0.45, 0.45, 0.10
#: Building the in-memory scorer costs about this much time per provision (ToTA: 4-5 s of CPU on the
#: busy 2-core benchmark machine). A session builds it once its plain queries have spent as long in
#: FTS5's bm25() (about 150 queries for ToTA): then the session never spends much more than twice what
#: it would have spent either way. A one-shot CLI search never gets there.
BUILD_SECONDS_PER_PROVISION = 90e-6
#: Loading a scorer that an earlier process built and saved (:mod:`ftadraft.index.derived`) costs about this
#: much per provision (ToTA: 0.3 s); a session loads it once its queries have spent that long in FTS5.
LOAD_SECONDS_PER_PROVISION = 8e-6
#: A plain query spends about this long in FTS5's bm25() on ToTA (mean over bench/queries.toml);
#: search_batch() builds the scorer first when its queries would spend longer than the build takes.
FTS_SECONDS_PER_QUERY = 0.02


def prepare(corpus: Corpus) -> bool:
    """Build the in-memory BM25 scorer now (a long session or a large batch ahead) instead of when
    the session has spent as long in FTS5; False when this index's FTS5 table cannot be reproduced."""
    session = corpus.session()
    if not session.scorer_tried:
        from ..index import bm25 as ranking
        from ..index import derived  # numpy: only for the in-memory scorer, not for a one-shot query

        saved = derived.cache_file(corpus, "bm25", ranking.LAYOUT)
        postings = _load_postings(corpus, saved)
        if postings is None and ranking.usable(WEIGHTS):
            postings = ranking.build(corpus.index.conn)
            if postings is not None:
                derived.write(saved, ranking.to_arrays(postings))
        if postings is not None:  # FTS5 scores the thesaurus phrases now (0.2 s), not in a query
            for terms in concept_table(corpus, "en"):
                for term in terms:
                    postings.phrase_scores(corpus.index.conn, " ".join(term), WEIGHTS)
        _use_scorer(session, postings)
    return session.scorer is not None


def _use_scorer(session: SessionCache, postings: Postings | None) -> None:
    """From now on the scorer (None: FTS5, for good) answers; it also answers document frequencies."""
    session.scorer, session.scorer_tried = postings, True
    session.doc_freq.clear()


def _load_postings(corpus: Corpus, saved: Path | None = None) -> Postings | None:
    """The scorer as an earlier process built it for this index state (file ``saved``, else looked up),
    or None."""
    from ..index import bm25 as ranking
    from ..index import derived

    if not ranking.usable(WEIGHTS):
        return None
    arrays = derived.read(saved or derived.cache_file(corpus, "bm25", ranking.LAYOUT))
    return ranking.from_arrays(arrays) if arrays is not None else None


def _postings(corpus: Corpus, may_build: bool = False) -> Postings | None:
    """The in-memory scorer if it is built, or (``may_build``) once the FTS5 time spent on plain
    queries would have paid for it."""
    session = corpus.session()
    if may_build and not session.scorer_tried:
        spent = session.fts_seconds
        if spent >= LOAD_SECONDS_PER_PROVISION * total_provisions(corpus) and not session.no_saved_scorer:
            postings = _load_postings(corpus)  # an earlier process built it: loading pays off soon
            if postings is not None:
                _use_scorer(session, postings)
            else:
                session.no_saved_scorer = True
        if not session.scorer_tried and spent >= BUILD_SECONDS_PER_PROVISION * total_provisions(corpus):
            prepare(corpus)
    return session.scorer


def _candidates(corpus: Corpus, plan: QueryPlan, flt: ProvisionFilter,
                may_build: bool = True) -> list[tuple[int, float]]:
    """(rowid, BM25) candidates, plus the provisions best tagged with the query's topics (BM25 0)."""
    from ..index.bm25 import StaleError

    postings = _postings(corpus, may_build)
    rows: list[tuple[int, float]] | None = None
    if postings is not None and plan.phrases:
        try:
            allowed = _allowed(corpus, postings, flt)
            rows = postings.top(corpus.index.conn, plan.phrases, WEIGHTS, CANDIDATES, allowed)
        except StaleError:  # the index changed under the counts without this Corpus noticing
            corpus.forget()
    if rows is None:
        t = time.perf_counter()
        rows = _run_fts(corpus, plan.fts, flt, CANDIDATES, rowids=True) or []
        corpus.session().fts_seconds += time.perf_counter() - t
    if plan.topics:
        seen = {rowid for rowid, _ in rows}
        topic_ids = [t for t, _ in plan.topics]
        extra = [r for r in corpus.index.best_tagged(topic_ids, flt, TOPIC_CANDIDATES) if r not in seen]
        rows += [(rowid, 0.0) for rowid in extra]
    return rows


def _allowed(corpus: Corpus, postings: Postings, flt: ProvisionFilter) -> Any:
    """Which provisions the filters let through, as the scorer's mask (None: all); kept per filter set."""
    if not flt.where:
        return None
    cache = corpus.session().filter_masks
    if flt not in cache:
        if len(cache) >= 16:
            cache.clear()
        cache[flt] = postings.mask(corpus.index.rowids_matching(flt))
    return cache[flt]


def _rerank(corpus: Corpus, plan: QueryPlan, rows: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Order BM25 candidates (rowid, score) by how much of the query they cover (weighted by rarity),
    not only by term statistics: a short title that matches one word no longer beats an article
    that matches the whole request. A unit is covered when one of its phrases occurs, as whole
    space-separated words, in the lemmas of the title, chapter title and text."""
    if not rows or not plan.units:
        return rows
    import numpy as np

    n = len(rows)
    rowids = np.fromiter((r for r, _ in rows), dtype=np.int64, count=n)
    bm25 = np.fromiter((s for _, s in rows), dtype=np.float64, count=n)
    in_full, in_title = _phrase_presence(corpus, rowids, [ph for u in plan.units for ph in u.phrases])
    covered, titled = np.zeros(n), np.zeros(n)
    for u in plan.units:  # in unit order, as sum() over the covered units adds their weights
        has = np.logical_or.reduce([in_full[ph] for ph in u.phrases])
        covered += np.where(has, u.weight, 0.0)
        titled += np.where(np.logical_or.reduce([in_title[ph] for ph in u.phrases]), u.weight, 0.0)
    topic = np.zeros(n)
    if plan.topics:
        weights = dict(plan.topics)
        best: dict[int, float] = {}
        ids = rowids.tolist()
        for rowid, t, score in corpus.index.topic_scores(ids, list(weights)):
            best[rowid] = max(best.get(rowid, 0.0), score * weights[t])
        topic = np.fromiter((best.get(r, 0.0) for r in ids), dtype=np.float64, count=n)
    top = max(score for _, score in rows) or 1.0
    total = sum(u.weight for u in plan.units) or 1.0
    final = W_BM25 * bm25 / top + W_COVERAGE * covered / total + W_TITLE * titled / total + W_TOPIC * topic
    order = np.argsort(-final, kind="stable")
    return list(zip(rowids[order].tolist(), final[order].tolist(), strict=True))


_TEXT_COLUMNS = ("title_lemmas", "chapter_lemmas", "lemmas")


def _phrase_presence(corpus: Corpus, rowids: Any, phrases: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """For each phrase, two bool arrays over ``rowids``: whether " phrase " occurs in
    " title chapter text " (the lemma strings), and whether it occurs in " title ".

    With the in-memory counts, single plain words are looked up there, and a phrase of several
    words is searched for in the strings only where all its words occur; else every string is searched."""
    import numpy as np

    n = len(rowids)
    phrases = list(dict.fromkeys(phrases))
    in_full = {ph: np.zeros(n, dtype=bool) for ph in phrases}
    in_title = {ph: np.zeros(n, dtype=bool) for ph in phrases}
    search_in = {ph: np.ones(n, dtype=bool) for ph in phrases}  # where the strings must decide
    postings = corpus.session().scorer
    if postings is not None and postings.columns == _TEXT_COLUMNS:
        docs = postings.doc_numbers(rowids)
        known = docs >= 0
        bits: dict[str, Any] = {}
        for ph in phrases:
            words = ph.split(" ")
            if not all(_PLAIN.fullmatch(w) for w in words):
                continue
            for w in words:
                if w not in bits:
                    bits[w] = postings.words_in(w, docs[known])
            if len(words) == 1:
                in_full[ph][known] = bits[ph] != 0
                in_title[ph][known] = (bits[ph] & 1) != 0
                search_in[ph] = ~known
            else:
                search_in[ph] = ~known
                search_in[ph][known] = np.logical_and.reduce([bits[w] != 0 for w in words])
    need = np.logical_or.reduce(list(search_in.values())) if search_in else np.zeros(n, dtype=bool)
    if need.any():
        if postings is not None and postings.columns == _TEXT_COLUMNS:
            texts = {}
            for i in np.flatnonzero(need & known).tolist():
                title, chapter, body = postings.texts[docs[i]]
                texts[int(rowids[i])] = (f" {title} ", f" {title} {chapter} {body} ")
            if not known.all():
                texts.update(_lemma_texts(corpus, rowids[need & ~known].tolist()))
        else:
            texts = _lemma_texts(corpus, rowids[need].tolist())
        for ph, where in search_in.items():
            needle = f" {ph} "
            for i in np.flatnonzero(where).tolist():
                title, full = texts.get(int(rowids[i]), ("", ""))
                if needle in full:
                    in_full[ph][i] = True
                    in_title[ph][i] = needle in title
    return in_full, in_title


_PLAIN = re.compile(r"[a-z0-9]+")


def _lemma_texts(corpus: Corpus, rowids: list[int]) -> dict[int, tuple[str, str]]:
    """rowid -> (" title ", " title chapter text "), from the lemma strings of the index."""
    return {rowid: (f" {title} ", f" {title} {chapter} {body} ")
            for rowid, (title, chapter, body) in corpus.index.lemma_strings(rowids).items()}


def _run_fts(corpus: Corpus, expr: str, flt: ProvisionFilter, limit: int,
             rowids: bool = False) -> list[tuple[Any, float]] | None:
    """(provision id or rowid, BM25) of the best rows FTS5 finds for ``expr``; None if FTS5 cannot parse it."""
    if not expr:
        return []
    return corpus.index.fts_top(expr, WEIGHTS, flt, limit, rowids=rowids)


def _hits(corpus: Corpus, rows: Iterable[tuple[str, float]], lemmas: set[str]) -> list[Hit]:
    agreements: dict[str, Agreement] = {}
    forms = _Forms.of(surface_forms(corpus, lemmas))
    hits: list[Hit] = []
    for rank, (pid, score) in enumerate(rows, start=1):
        p = corpus.index.provision(pid)
        if p is None:
            continue
        a = agreements.get(p.agreement_id) or corpus.index.agreement(p.agreement_id)
        assert a is not None
        agreements[a.id] = a
        hits.append(Hit(rank, score, p, a, _snippet(p.normalized, forms)))
    return hits


def _group(hits: list[Hit], threshold: float = 90.0) -> list[Hit]:
    """Collapse near-identical texts (template copies) into the best-ranked one."""
    from rapidfuzz import fuzz

    groups: list[tuple[Hit, list[tuple[Agreement, Provision]]]] = []
    for h in hits:
        text = h.provision.normalized[:3000]
        for lead, members in groups:
            if fuzz.ratio(text, lead.provision.normalized[:3000]) >= threshold:
                members.append((h.agreement, h.provision))
                break
        else:
            groups.append((h, []))
    return [Hit(h.rank, h.score, h.provision, h.agreement, h.snippet, tuple(m)) for h, m in groups]


def search_batch(
    corpus: Corpus, queries: Iterable[str], *, limit: int = 10, filters: Filters | None = None, group: bool = False
) -> list[tuple[str, list[Hit]]]:
    """Run many queries with the same filters (one result list per query, in order). A batch large
    enough to pay for the in-memory scorer loads it (saved by an earlier process) or builds it first."""
    if isinstance(queries, Collection):
        expected = len(queries) * FTS_SECONDS_PER_QUERY
        session = corpus.session()
        if not session.scorer_tried and expected >= LOAD_SECONDS_PER_PROVISION * total_provisions(corpus):
            saved = _load_postings(corpus)
            if saved is not None:
                _use_scorer(session, saved)
        if expected >= BUILD_SECONDS_PER_PROVISION * total_provisions(corpus):
            prepare(corpus)
    # A batch too small to pay for the scorer up front does not build it midway either: that would
    # cost more than the rest of the batch saves.
    return [(q, _search(corpus, q, limit, filters, group, may_build=False)) for q in queries]
