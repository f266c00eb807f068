"""Clause search: fielded BM25 over lemmas (FTS5), filters, browsing, grouping of template copies.

Queries are lemmatised with the index's own vocabulary (word form -> lemma, recorded when texts were
analysed), so "shipments" finds "shipment" without loading spaCy at query time. Plain queries are
ranked as a bag of words (any word may match, more and rarer matches rank higher); quoted phrases,
AND/OR/NOT, parentheses and prefix* are passed to FTS5, and a query FTS5 cannot parse falls back to
its plain words. Filters work with or without a query (browsing).

Speed: a plain query's BM25 candidates come from FTS5's bm25() until the session has spent about
as long in it as building :mod:`ftadraft.index.bm25`'s in-memory counts takes; from then on they come
from those counts, with the same scores and the same order. Per-index data (reverse vocabulary,
document frequencies, the counts) lives in the corpus's :class:`~ftadraft.corpus.SessionCache`, renewed when the index changes.
"""

from __future__ import annotations

import functools
import math
import re
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import FtadraftError
from ..index import derived
from ..index.filters import AgreementFilter
from ..index.store import ProvisionFilter
from ..model import Agreement, Provision

if TYPE_CHECKING:
    from ..corpus import Corpus, SessionCache
    from ..index.bm25 import Postings

#: BM25 column weights: title, chapter title, text.
WEIGHTS = (4.0, 1.5, 1.0)
MAX_QUERY_CHARS = 10_000
OBLIGATIONS = ("binding", "mixed", "soft", "none")
_OPERATORS = {"AND", "OR", "NOT"}
_TOKEN = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')
_WORD = re.compile(r"\w+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "into", "is", "it", "its",
    "of", "on", "or", "such", "that", "the", "their", "this", "to", "was", "were", "which", "with", "shall", "may",
    "any", "other", "there", "these", "those", "been", "being", "do", "does", "not", "no",
))


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
def check_query(query: str) -> str:
    """Refuse queries no one meant to type (huge, binary); strip control characters."""
    if len(query) > MAX_QUERY_CHARS:
        raise FtadraftError(f"query too long ({len(query):,} characters; the limit is {MAX_QUERY_CHARS:,})")
    return " ".join(_CONTROL.sub(" ", query).split())


def query_lemmas(corpus: Corpus, words: Sequence[str], lang: str = "en") -> list[str]:
    """Lemmas of query words from the index vocabulary; unknown forms get a light plural/tense fold."""
    lower = [w.lower() for w in words]
    known = corpus.index.lemmas_of(lower, lang)
    out: list[str] = []
    for w in lower:
        lemma = known.get(w)
        if lemma is None:
            lemma = _fold_unknown(corpus, w, lang)
        out.append(lemma)
    return out


def _fold_unknown(corpus: Corpus, word: str, lang: str) -> str:
    """A word the index never saw: a real word of the language gets its dictionary lemma ("suing" ->
    "sue", not the treaty word "sing"); otherwise try plural/tense folds, then the closest
    frequent-enough spelling (typos and OCR damage such as "paperles", "custorns")."""
    known = _language_lemmas(lang)
    if word in known:
        return known[word]
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ing", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)] + repl
            found = corpus.index.lemmas_of([stem], lang)
            if found:
                return found[stem]
    if len(word) < 5 or not word.isalpha():
        return word
    from rapidfuzz import fuzz, process

    forms = _forms_by_initial(corpus, lang).get(word[0], [])
    best = process.extractOne(word, forms, scorer=fuzz.ratio, score_cutoff=85)
    return corpus.index.lemmas_of([best[0]], lang).get(best[0], word) if best else word


@functools.lru_cache(maxsize=4)
def _language_lemmas(lang: str) -> dict[str, str]:
    """Inflected form -> lemma of the language (spacy-lookups-data's table, the one the index was
    lemmatised with, read directly: 40 ms, no spaCy import); base forms map to themselves."""
    import gzip
    import importlib.resources
    import json

    try:
        data = (importlib.resources.files("spacy_lookups_data") / "data" / f"{lang}_lemma_lookup.json.gz").read_bytes()
        table: dict[str, str] = json.loads(gzip.decompress(data))
    except (ModuleNotFoundError, FileNotFoundError, OSError, ValueError):
        return {}
    table.update((lemma, lemma) for lemma in list(table.values()) if lemma not in table)
    return table


def _forms_by_initial(corpus: Corpus, lang: str) -> dict[str, list[str]]:
    """Alphabetic word forms of the index by first letter (loaded once per open index)."""
    cache = corpus.session().forms_by_initial
    if lang not in cache:
        table: dict[str, list[str]] = {}
        for form in corpus.index.word_forms(lang, min_length=4):
            if form.isalpha():
                table.setdefault(form[0], []).append(form)
        cache[lang] = table
    return cache[lang]


def _quote(term: str) -> str:
    return '"' + term.replace('"', "") + '"'


@dataclass(frozen=True)
class Unit:
    """One thing the query asks for: a word, or a thesaurus concept with its equivalent phrases."""

    phrases: tuple[str, ...]  # lemma phrases, any of which satisfies the unit
    weight: float  # inverse document frequency: rare words count more
    concept: bool = False


@dataclass(frozen=True)
class QueryPlan:
    """How a query is run: the FTS5 candidate expression and the units used to re-rank."""

    fts: str
    units: tuple[Unit, ...]
    advanced: bool
    topics: tuple[tuple[str, float], ...] = ()  # what the query is about, from its words and their synonyms
    phrases: tuple[str, ...] = ()  # plain queries: the phrases of ``fts`` (it is "p1" OR "p2" OR ...)

    @property
    def words(self) -> set[str]:
        return {w for u in self.units for ph in u.phrases for w in ph.split()}


def _doc_freq(corpus: Corpus, terms: Sequence[str]) -> tuple[dict[str, int], int]:
    """Provisions containing each term (as FTS5's vocabulary counts them), and all provisions."""
    session = corpus.session()
    total = _total(corpus)
    postings = session.scorer
    if postings is not None:
        return {t: postings.doc_freq(t) for t in terms}, total
    known = session.doc_freq
    missing = set(terms) - known.keys()
    if missing:
        known.update(corpus.index.doc_freq(missing))
    return {t: known[t] for t in terms}, total


def _total(corpus: Corpus) -> int:
    """Provisions in the index (at least 1)."""
    session = corpus.session()
    if session.total is None:
        session.total = corpus.index.provision_count() or 1
    return session.total


def _concept_table(corpus: Corpus, lang: str) -> list[tuple[tuple[str, ...], ...]]:
    cache = corpus.session().concepts
    if lang not in cache:
        from .thesaurus import lemmatised_concepts

        cache[lang] = lemmatised_concepts(lambda ws: query_lemmas(corpus, ws, lang))
    return cache[lang]


def _concepts_for(corpus: Corpus, lemmas: Sequence[str], lang: str) -> list[tuple[tuple[str, ...], ...]]:
    """The concepts (in thesaurus order) with a term whose lemmas all occur in the query: the only
    ones :func:`ftadraft.search.thesaurus.match` can find, so matching them alone gives the same matches."""
    cache = corpus.session().concepts_by_lemma
    table = _concept_table(corpus, lang)
    if lang not in cache:
        by_lemma: dict[str, set[int]] = {}
        for ci, terms in enumerate(table):
            for term in terms:  # an empty term matches anywhere: key "" is looked up always
                by_lemma.setdefault(term[0] if term else "", set()).add(ci)
        cache[lang] = by_lemma
    present = set(lemmas)
    found = {ci for lem in (*present, "") for ci in cache[lang].get(lem, ())}
    return [table[ci] for ci in sorted(found) if any(set(term) <= present for term in table[ci])]


def plan_query(corpus: Corpus, query: str, lang: str = "en") -> QueryPlan:
    """Turn a user query into candidate FTS5 expression + weighted units.

    Plain queries: thesaurus concepts are recognised and expanded, remaining content words are
    units of their own, and very common words are left out of the candidate search (they still
    count when re-ranking). Queries with quotes or AND/OR/NOT/prefix* keep their structure.
    """
    tokens = _TOKEN.findall(query)
    advanced = any(t in _OPERATORS or t.startswith('"') or t.endswith("*") or t in "()" for t in tokens)
    lemmas = query_lemmas(corpus, _WORD.findall(query), lang)
    if advanced:
        parts: list[str] = []
        for token in tokens:
            if token in _OPERATORS or token in "()":
                parts.append(token)
            elif token.startswith('"'):
                inner = _WORD.findall(token)
                if inner:
                    parts.append(_quote(" ".join(query_lemmas(corpus, inner, lang))))
            else:
                prefix = token.endswith("*")
                inner = _WORD.findall(token)
                forms = [w.lower() for w in inner] if prefix else query_lemmas(corpus, inner, lang)
                for i, lemma in enumerate(forms):
                    parts.append(_quote(lemma) + ("*" if prefix and i == len(forms) - 1 else ""))
        words = tuple(Unit((lem,), 1.0) for lem in dict.fromkeys(lemmas) if lem not in _STOPWORDS)
        return QueryPlan(" ".join(parts), words, True)
    from .thesaurus import match

    matches = match(lemmas, _concepts_for(corpus, lemmas, lang))
    covered = {i for m in matches for i in range(m.start, m.end)}
    rest = [lem for i, lem in enumerate(lemmas) if i not in covered and lem not in _STOPWORDS]
    if not rest and not matches:
        rest = list(lemmas)
    words_needed = list(dict.fromkeys([*rest, *(w for m in matches for ph in m.phrases for w in ph.split())]))
    df, total = _doc_freq(corpus, words_needed)

    def idf(term: str) -> float:
        return math.log(1 + total / (1 + df.get(term, 0)))

    units: list[Unit] = [Unit(m.phrases, max(idf(w) for w in m.phrases[0].split()) * 1.2, True) for m in matches]
    units += [Unit((lem,), idf(lem)) for lem in dict.fromkeys(rest)]
    # Very common words are left to the re-ranking (which sees all units): BM25 over every document
    # that contains "party" costs time and brings no candidate worth keeping.
    common = {lem for lem in rest if df.get(lem, 0) > COMMON_SHARE * total}
    searchable = [u for u in units if u.concept or u.phrases[0] not in common] or units
    phrases = tuple(ph.replace('"', "") for u in searchable for ph in u.phrases
                    if all(df.get(w, 0) for w in ph.split()) or len(u.phrases) == 1)
    fts = " OR ".join(_quote(ph) for ph in phrases)
    from ..tags.topics import tag_lemmas

    about = tag_lemmas(" . ".join(ph for u in units for ph in u.phrases))
    topics = tuple((t.id, t.score) for t in about if t.score >= QUERY_TOPIC_MIN)[:2]
    return QueryPlan(fts, tuple(units), False, topics, phrases)


# -- filters ------------------------------------------------------------------------------------
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
                plan = plan_query(corpus, " ".join(w.lower() for w in _WORD.findall(query)))
        if not plan.advanced:
            ranked = _rerank(corpus, plan, _candidates(corpus, plan, flt, may_build))[:want]
            rows = _provision_ids(corpus, ranked)
        words = {w for w in plan.words if w not in _STOPWORDS}  # "the", "of" inside phrases: not worth marking
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
#: Words found in more than this share of provisions do not generate candidates (they still re-rank).
COMMON_SHARE = 0.25
#: A query is taken to be about a topic when the tagger gives it at least this score; provisions
#: tagged with that topic join the candidates and gain up to W_TOPIC in the re-ranking.
QUERY_TOPIC_MIN = 0.3
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

        saved = derived.cache_file(corpus, "bm25", ranking.LAYOUT)
        postings = _load_postings(corpus, saved)
        if postings is None and ranking.usable(WEIGHTS):
            postings = ranking.build(corpus.index.conn)
            if postings is not None:
                derived.write(saved, ranking.to_arrays(postings))
        if postings is not None:  # FTS5 scores the thesaurus phrases now (0.2 s), not in a query
            for terms in _concept_table(corpus, "en"):
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
        if spent >= LOAD_SECONDS_PER_PROVISION * _total(corpus) and not session.no_saved_scorer:
            postings = _load_postings(corpus)  # an earlier process built it: loading pays off soon
            if postings is not None:
                _use_scorer(session, postings)
            else:
                session.no_saved_scorer = True
        if not session.scorer_tried and spent >= BUILD_SECONDS_PER_PROVISION * _total(corpus):
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
    return list(zip(rowids[order].tolist(), final[order].tolist()))


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


def surface_forms(corpus: Corpus, lemmas: set[str], lang: str = "en") -> set[str]:
    """Every lower-case word form in the index whose lemma is one of ``lemmas`` (for highlighting)."""
    if not lemmas:
        return set()
    session = corpus.session()
    cache = session.forms_of_lemma
    if lang not in cache:
        if lang not in session.forms_asked:  # a first query (one-shot CLI): one scan is cheaper
            session.forms_asked.add(lang)
            return corpus.index.forms_of(sorted(lemmas), lang) | set(lemmas)
        # more queries: read the vocabulary once instead of scanning it (no index on lemma) per query
        table: dict[str, list[str]] = {}
        for form, lemma in corpus.index.vocabulary(lang):
            table.setdefault(lemma, []).append(form)
        cache[lang] = table
    table = cache[lang]
    return {form for lemma in lemmas for form in table.get(lemma, ())} | set(lemmas)


def snippet(text: str, forms: set[str], width: int = 240) -> str:
    """A window of ``text`` around the densest cluster of query words (given as lower-case surface
    ``forms``), matches in [brackets]."""
    return _snippet(text, _Forms.of(forms), width)


@dataclass(frozen=True)
class _Forms:
    """Lower-case surface forms to mark, and those of them that are whole words (\\w+)."""

    all: frozenset[str]
    words: tuple[str, ...]

    @classmethod
    def of(cls, forms: Iterable[str]) -> _Forms:
        every = frozenset(forms)
        return cls(every, tuple(sorted(f for f in every if _WORD.fullmatch(f))))


def _matches(text: str, forms: _Forms) -> list[tuple[int, int]]:
    """Spans of the words (maximal \\w+ runs) of ``text`` whose lower case is one of ``forms``."""
    if not forms.all:
        return []
    low = text.lower()
    if len(low) != len(text) or "Σ" in text:  # lower() is not letter by letter here: look at every word
        return [m.span() for m in _WORD.finditer(text) if m.group().lower() in forms.all]
    # Letter by letter, the lower case of a word is a word: only whole-word forms can match.
    spans: list[tuple[int, int]] = []
    n = len(text)
    for f in forms.words:  # str.find runs in C; most forms occur a few times at most
        i = low.find(f)
        while i >= 0:
            e = i + len(f)
            # whole words only: no \w character (alphanumeric or "_") on either side
            if (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")) and (
                e == n or not (text[e].isalnum() or text[e] == "_")
            ):
                spans.append((i, e))
            i = low.find(f, e)
    spans.sort()
    return spans


def _snippet(text: str, forms: _Forms, width: int = 240) -> str:
    if not _WORD.search(text):
        return ""
    matched = _matches(text, forms)
    start = 0
    if matched:
        reach = width * 2 // 3
        best, best_n, j = matched[0], 0, 0
        for i, (m_start, _) in enumerate(matched):  # sliding window: most matches within `reach` characters
            while matched[j][0] < m_start - reach:
                j += 1
            if i - j + 1 > best_n:
                best, best_n = matched[j], i - j + 1
        start = max(0, best[0] - width // 4)
        start = text.rfind(" ", 0, start) + 1 if start else 0
    end = min(len(text), start + width)
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start else end
    spans = [(s_ - start, e_ - start) for s_, e_ in matched if start <= s_ and e_ <= end]
    piece = text[start:end]
    for s_, e_ in reversed(spans):
        piece = piece[:s_] + "[" + piece[s_:e_] + "]" + piece[e_:]
    return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")


def search_batch(
    corpus: Corpus, queries: Iterable[str], *, limit: int = 10, filters: Filters | None = None, group: bool = False
) -> list[tuple[str, list[Hit]]]:
    """Run many queries with the same filters (one result list per query, in order). A batch large
    enough to pay for the in-memory scorer loads it (saved by an earlier process) or builds it first."""
    if isinstance(queries, Collection):
        expected = len(queries) * FTS_SECONDS_PER_QUERY
        session = corpus.session()
        if not session.scorer_tried and expected >= LOAD_SECONDS_PER_PROVISION * _total(corpus):
            saved = _load_postings(corpus)
            if saved is not None:
                _use_scorer(session, saved)
        if expected >= BUILD_SECONDS_PER_PROVISION * _total(corpus):
            prepare(corpus)
    # A batch too small to pay for the scorer up front does not build it midway either: that would
    # cost more than the rest of the batch saves.
    return [(q, _search(corpus, q, limit, filters, group, may_build=False)) for q in queries]
