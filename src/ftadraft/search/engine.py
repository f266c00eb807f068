"""Clause search: fielded BM25 over lemmas (FTS5), filters, browsing, grouping of template copies.

Queries are lemmatised with the index's own vocabulary (word form -> lemma, recorded when texts were
analysed), so "shipments" finds "shipment" without loading spaCy at query time. Plain queries are
ranked as a bag of words (any word may match, more and rarer matches rank higher); quoted phrases,
AND/OR/NOT, parentheses and prefix* are passed to FTS5, and a query FTS5 cannot parse falls back to
its plain words. Filters work with or without a query (browsing).

Speed: ``corpus add`` ends with :func:`prepare`, which builds and saves :mod:`ftadraft.index.bm25`'s
in-memory counts and the phrase table of :mod:`.presence`. A plain query's BM25 candidates come from
FTS5's bm25() until the session has spent about as long in it as loading the counts takes (a few
queries); from then on they come from those counts, with the same scores and the same order. Re-ranking
looks thesaurus phrases up in the phrase table instead of searching lemma strings, and a one-shot search
imports no numpy. Per-index data (reverse vocabulary, document frequencies, the counts) lives in the
corpus's :class:`~ftadraft.corpus.SessionCache` (and :mod:`.state`), renewed when the index changes. Every
SQL statement is the store's (:class:`~ftadraft.index.store.Index`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import FtadraftError
from ..index.filters import AgreementFilter
from ..index.store import ProvisionFilter
from ..model import Agreement, Provision
from ..tags.labels import LABELS as OBLIGATIONS
from .query import (
    STOPWORDS,
    WORD,
    QueryPlan,
    Unit,
    check_query,
    concept_table,
    plan_query,
    total_provisions,
    translated,
)
from .snippets import Forms, _snippet, snippet_paragraphs, surface_forms
from .state import phrase_table, save_phrase_table, state

if TYPE_CHECKING:
    from ..corpus import Corpus, SessionCache
    from ..index.bm25 import Postings

#: BM25 column weights: title, chapter title, text.
WEIGHTS = (4.0, 1.5, 1.0)
#: Queries are read as English (the thesaurus and the taxonomy's main phrases are English).
QUERY_LANGUAGE = "en"
#: Texts in these languages are also searched through the taxonomy's phrases in that language for the topics
#: the query is about (:func:`.query.translated`): an English query finds the Spanish and French articles on
#: the same concept.
OTHER_LANGUAGES = ("es", "fr")
#: Such a hit counts this share of its translated score in mixed results, so that it ranks below same-language
#: articles with as much evidence (under ``--lang es`` it counts whole).
W_OTHER_LANGUAGE = 0.5


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
    """One search result: the provision, its agreement, score, near-identical copies, and a snippet.

    The snippet is made when it is first read (:attr:`snippet`) from the query's word forms (``marks``), so
    that a caller who only counts or pages hits (facets, the 100 hits behind a search page) does not pay
    for the snippets of hits it never shows."""

    rank: int
    score: float
    provision: Provision
    agreement: Agreement
    others: tuple[tuple[Agreement, Provision], ...] = field(default=())
    #: The lower-case word forms the snippet marks (the query's words, in every form the index knows).
    marks: Forms = field(default=Forms.of(()), repr=False, compare=False)

    @cached_property
    def snippet(self) -> str:
        """A window of the article around the densest cluster of the query's words, matches in [brackets]."""
        return _snippet(self.provision.normalized, self.marks)

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
            "snippet_paragraphs": self.snippet_paragraphs(),
            "source": dict(p.source),
        }
        if self.others:
            out["also_in"] = [{"agreement": _agreement_dict(oa), "article": {"id": op.id, "number": op.number,
                                                                           "title": op.title}}
                              for oa, op in self.others]
        return out

    def snippet_paragraphs(self) -> list[str]:
        """The snippet cut where the published text starts a paragraph or list item (matches in [brackets])."""
        return snippet_paragraphs(self.snippet, self.provision)

    def _repr_html_(self) -> str:
        p, a = self.provision, self.agreement
        tags = " ".join(f"<code>{escape(t)}</code>" for t in (*p.topics, p.obligation or "") if t)
        n = len(self.others)
        more = f"<br><i>and {n} other agreement{'s' if n != 1 else ''}</i>" if n else ""
        lang = f" [{escape(a.language)}]" if a.language and a.language != QUERY_LANGUAGE else ""
        return (f"<div><b>{self.rank}. {escape(a.name)} ({a.year or 'n.d.'}){lang}</b> · {escape(p.label)} {tags}"
                f"<br><small>{escape(p.id)} · score {self.score:.2f}</small>"
                + "".join(f"<br>{escape(para)}" for para in self.snippet_paragraphs()) + f"{more}</div>")


def _agreement_dict(a: Agreement) -> dict[str, Any]:
    return {"id": a.id, "name": a.name, "signed": a.signed.isoformat() if a.signed else None,
            "parties": list(a.parties), "language": a.language or QUERY_LANGUAGE}


# -- query understanding ------------------------------------------------------------------------
#: Filters in the store's form a session keeps (:attr:`.state.SearchState.filters`; a server sees the same few often).
FILTERS_KEPT = 1024


def _filter(corpus: Corpus, f: Filters) -> ProvisionFilter:
    """The store's form of ``f`` (topics and agreement references resolved, parties and obligation checked),
    made once per session."""
    known = state(corpus).filters
    flt = known.get(f)
    if flt is None:
        flt = _make_filter(corpus, f)
        if len(known) >= FILTERS_KEPT:
            known.clear()
        known[f] = flt
    return flt


def _make_filter(corpus: Corpus, f: Filters) -> ProvisionFilter:
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
    rows: list[tuple[int, float]] | None = None
    if query:
        plan = plan_query(corpus, query)
        if plan.advanced:
            rows = _run_fts(corpus, plan.fts, flt, want)
            if rows is None:  # FTS5 could not parse it: run the plain words instead
                plan = plan_query(corpus, " ".join(w.lower() for w in WORD.findall(query)))
        if not plan.advanced:
            rows = _rerank(corpus, plan, _candidates(corpus, plan, flt, may_build))
            rows = _merge(rows, _other_languages(corpus, plan, f, rows, want))[:want]
        words = {w for w in plan.words if w not in STOPWORDS}  # "the", "of" inside phrases: not worth marking
    else:
        rows = [(rowid, 0.0) for rowid in corpus.index.browse(flt, want)]
    found = _versions_first(_load(corpus, rows or []))
    groups: list[tuple[_Found, _Others]] = _group(found) if group else [(item, ()) for item in found]
    forms = Forms.of(surface_forms(corpus, words))  # snippets are made when read (Hit.snippet)
    return [Hit(i, score, p, a, others, forms) for i, ((score, p, a), others) in enumerate(groups[:limit], 1)]


#: How many BM25 candidates a plain query re-ranks, and the weights of the re-ranking features.
CANDIDATES = 200
TOPIC_CANDIDATES = 100
# Filter sets whose scorer masks a session keeps (~41 KB each on ToTA): a shared server sees hundreds.
FILTER_MASKS = 256
W_TOPIC = 0.25
W_BM25, W_COVERAGE, W_TITLE = 0.45, 0.45, 0.10
#: Lost by an article whose title names a framing or procedural provision (definitions, scope, objectives,
#: consultations, dispute settlement, ...) and none of the query: such articles repeat the chapter's vocabulary
#: (a definitions article holds every term of its chapter) without being about any of it.
W_STRUCTURE = 0.20
#: How many of the best re-ranked candidates are checked for framing titles.
FRAMING_CHECK = 40
#: Title words (lemmas, single plain words: looked up in the scorer's counts, not in the texts) of framing and
#: procedural provisions; a query naming one of them lifts the penalty (its title then covers part of the query).
STRUCTURE_TITLES = ("definition", "scope", "objective", "purpose", "interpretation", "coverage", "provision", "force",
                    "consultation", "dispute", "transitional")
#: Building the in-memory scorer costs about this much time per provision (ToTA: 4-5 s of CPU on the
#: busy 2-core benchmark machine). ``corpus add`` builds and saves it; a session on an index changed
#: some other way builds it once its plain queries have spent as long in FTS5's bm25() (about 150
#: queries for ToTA): then the session never spends much more than twice what it would have spent
#: either way. A one-shot CLI search never gets there.
BUILD_SECONDS_PER_PROVISION = 90e-6
#: Loading a scorer that an earlier process built and saved (:mod:`ftadraft.index.derived`) costs about this
#: much per provision (ToTA: 0.2 s with numpy's import); a session loads it once its queries have spent that
#: long in FTS5 (a handful of queries).
LOAD_SECONDS_PER_PROVISION = 5e-6
#: A plain query spends about this long in FTS5's bm25() on ToTA (mean over bench/queries.toml);
#: search_batch() builds the scorer first when its queries would spend longer than the build takes.
FTS_SECONDS_PER_QUERY = 0.02

#: Progress as ``corpus add`` reports it: progress(stage, done, total).
Progress = Callable[[str, int, int], None]


def prepare(corpus: Corpus, progress: Progress | None = None) -> bool:
    """Build the in-memory BM25 scorer and the phrase table now (``corpus add`` does, so that no query
    pays for them; so does a long session or a large batch), or load what an earlier process saved for
    this index state. False when this index's FTS5 table cannot be reproduced. ``progress`` is told
    (stage "rank") how far the build is."""
    session = corpus.session()
    if not session.scorer_tried:
        from ..index import bm25 as ranking
        from ..index import derived  # numpy: only for the in-memory scorer, not for a one-shot query

        saved = derived.search_cache_file(corpus, "bm25", ranking.LAYOUT)
        postings = _load_postings(corpus, saved)
        if postings is None and ranking.usable(WEIGHTS):
            total = total_provisions(corpus)

            def tick(done: int, of: int) -> None:
                if progress:
                    progress("rank", round(total * done / of) if of else total, total)

            postings = ranking.build(corpus.index, progress=tick)
            if postings is not None:
                derived.write(saved, ranking.to_arrays(postings))
        if postings is not None:
            _complete_phrase_table(corpus, postings)
            postings.texts = None  # the phrase table answers what they were kept for
            for terms in concept_table(corpus, "en"):  # FTS5 scores the thesaurus phrases now (0.2 s), not in a query
                for term in terms:
                    postings.phrase_scores(corpus.index, " ".join(term), WEIGHTS)
        _use_scorer(session, postings)
    return session.scorer is not None


def _complete_phrase_table(corpus: Corpus, postings: Postings) -> None:
    """Save the phrase table with the provisions of every thesaurus phrase of several words, unless the
    saved one has them all."""
    from ..index.bm25 import ascii_tokens
    from . import presence

    concepts = concept_table(corpus, "en")
    wanted = [ph for ph in presence.multiword_phrases(concepts) if ascii_tokens(ph)]  # the others: never in it
    table = phrase_table(corpus)
    if table is not None and all(ph in table.spans for ph in wanted):
        return
    save_phrase_table(corpus, presence.make(presence.thesaurus_key("en"), concepts,
                                            _rows_with_phrases(corpus, postings, wanted)))


def _rows_with_phrases(corpus: Corpus, postings: Postings,
                       phrases: Sequence[str]) -> dict[str, tuple[list[int], list[int]]]:
    """Per phrase, the rowids whose lemma strings contain it as whole words (" phrase " in
    " title chapter text "), and those whose title does. The counts narrow each phrase to the rows holding
    all its tokens; the strings decide. Phrases with characters other than ASCII are left out (the strings
    decide those in each query)."""
    import numpy as np

    from ..index.bm25 import ascii_tokens

    by_doc: dict[int, list[str]] = {}
    out: dict[str, tuple[list[int], list[int]]] = {}
    for ph in phrases:
        tokens = ascii_tokens(ph)
        if not tokens:
            continue
        docs: Any = None
        for token in dict.fromkeys(tokens):
            t = postings.terms.get(token)
            held = postings.docs[postings.indptr[t]:postings.indptr[t + 1]] if t is not None else postings.docs[:0]
            docs = held if docs is None else np.intersect1d(docs, held, assume_unique=True)
        out[ph] = ([], [])
        for d in docs.tolist():
            by_doc.setdefault(d, []).append(ph)
    texts = postings.texts
    ordered = sorted(by_doc)
    fetched: dict[int, tuple[str, str, str]] = {}
    for lo in range(0, len(ordered), 2000):
        part = ordered[lo:lo + 2000]
        if texts is None:  # a loaded scorer keeps no texts: the store has them
            fetched = corpus.index.lemma_strings(postings.rowids[part].tolist())
        for d in part:
            rowid = int(postings.rowids[d])
            title, chapter, body = texts[d] if texts is not None else fetched.get(rowid, ("", "", ""))
            full, head = f" {title} {chapter} {body} ", f" {title} "
            for ph in by_doc[d]:
                needle = f" {ph} "
                if needle in full:
                    out[ph][0].append(rowid)
                    if needle in head:
                        out[ph][1].append(rowid)
    return out


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
    arrays = derived.read(saved or derived.search_cache_file(corpus, "bm25", ranking.LAYOUT))
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


def _candidates(corpus: Corpus, plan: QueryPlan, flt: ProvisionFilter, may_build: bool = True,
                limit: int = CANDIDATES, tagged: bool = True) -> list[tuple[int, float]]:
    """(rowid, BM25) candidates, plus (``tagged``) the provisions best tagged with the query's topics (BM25 0)."""
    postings = _postings(corpus, may_build)
    rows: list[tuple[int, float]] | None = None
    if postings is not None and plan.phrases:
        from ..index.bm25 import StaleError

        try:
            allowed = _allowed(corpus, postings, flt)
            rows = postings.top(corpus.index, plan.phrases, WEIGHTS, limit, allowed)
        except StaleError:  # the index changed under the counts without this Corpus noticing
            corpus.forget()
    if rows is None:
        t = time.perf_counter()
        rows = _run_fts(corpus, plan.fts, flt, limit) or []
        corpus.session().fts_seconds += time.perf_counter() - t
    if plan.topics and tagged:
        seen = {rowid for rowid, _ in rows}
        topic_ids = [t for t, _ in plan.topics]
        extra = [r for r in corpus.index.best_tagged(topic_ids, flt, TOPIC_CANDIDATES) if r not in seen]
        rows += [(rowid, 0.0) for rowid in extra]
    return rows


def _allowed(corpus: Corpus, postings: Postings, flt: ProvisionFilter) -> Any:
    """Which provisions the filters let through, as the scorer's mask (None: all): the rows that pass every
    condition of ``flt`` (party, obligation, language, years ...), each condition's mask kept for the session
    (the last FILTER_MASKS, least recently used dropped first), so that a server's many combinations of a few
    conditions each cost a scan of the index only once per condition."""
    if not flt.where:
        return None
    cache = corpus.session().filter_masks
    mask: Any = None
    for part in flt.parts():
        bits = cache.pop(part, None)  # re-inserted below: a dict keeps insertion order, so the first key is the oldest
        if bits is None:
            while len(cache) >= FILTER_MASKS:
                del cache[next(iter(cache))]
            bits = postings.mask(corpus.index.rowids_matching(part))
        cache[part] = bits
        mask = bits if mask is None else mask & bits
    return mask


def _rerank(corpus: Corpus, plan: QueryPlan, rows: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Order BM25 candidates (rowid, score) by how much of the query they cover (weighted by rarity),
    not only by term statistics: a short title that matches one word no longer beats an article
    that matches the whole request. A unit is covered when one of its phrases occurs, as whole
    space-separated words, in the lemmas of the title, chapter title and text. (Plain floats, in the
    order of the formula: a few hundred candidates do not need numpy, and a one-shot search does not
    import it.)"""
    if not rows or not plan.units:
        return rows
    n = len(rows)
    rowids = [r for r, _ in rows]
    in_full, in_title = _phrase_presence(corpus, rowids, [ph for u in plan.units for ph in u.phrases])
    covered, titled = [0.0] * n, [0.0] * n
    unit_full: list[set[int]] = []
    unit_title: list[set[int]] = []
    for u in plan.units:  # in unit order, as sum() over the covered units adds their weights
        unit_full.append(set().union(*(in_full[ph] for ph in u.phrases)))
        unit_title.append(set().union(*(in_title[ph] for ph in u.phrases)))
        for i in unit_full[-1]:
            covered[i] += u.weight
        for i in unit_title[-1]:
            titled[i] += u.weight
    topic = [0.0] * n
    if plan.topics:
        best = corpus.index.weighted_topic_scores(rowids, dict(plan.topics))
        topic = [max(best.get(r, 0.0), 0.0) for r in rowids]
    top = max([score for _, score in rows]) or 1.0
    total = sum(u.weight for u in plan.units) or 1.0
    final = [W_BM25 * bm25 / top + W_COVERAGE * covered[i] / total + W_TITLE * titled[i] / total + W_TOPIC * topic[i]
             for i, (_, bm25) in enumerate(rows)]
    order = sorted(range(n), key=final.__getitem__, reverse=True)  # stable: ties keep BM25 order
    # Framing articles among the best rows (the only ones a penalty can move out of the first page).
    head = [i for i in order[:FRAMING_CHECK] if not titled[i]]
    framing = _framing(corpus, [rowids[i] for i in head])
    if framing:
        for k in framing:
            final[head[k]] -= W_STRUCTURE
        order = sorted(range(n), key=final.__getitem__, reverse=True)
    # A concept found in an article's text only as the title of another article it refers to ("Article 14.13
    # (Location of Computing Facilities) shall not apply ...") is not what the article is about.
    # Checked: the best rows whose title meets none of the query (a title that does says what the article is about).
    check: dict[int, list[Unit]] = {}
    for i in (i for i in order[:XREF_CHECK] if not titled[i]):
        named = [u for u, full, title in zip(plan.units, unit_full, unit_title, strict=True)
                 if u.concept and i in full and i not in title]
        if named:
            check[i] = named
    if check:
        texts = _lemma_texts(corpus, [rowids[i] for i in check])
        for i, units in check.items():
            full_text = texts.get(rowids[i], ("", ""))[1]
            for u in units:
                if _only_cross_references(full_text, u.phrases):
                    final[i] -= W_COVERAGE * u.weight / total
        order = sorted(range(n), key=final.__getitem__, reverse=True)
    return [(rowids[i], final[i]) for i in order]


def _framing(corpus: Corpus, rowids: list[int]) -> set[int]:
    """Positions in ``rowids`` whose title has one of :data:`STRUCTURE_TITLES`: from the scorer's counts when it
    is loaded (bit 1 of a word's columns is the title, the same test as " word " in the title's lemma string),
    else (and for rows the counts do not know) from the title lemma strings."""
    if not rowids:
        return set()
    postings = corpus.session().scorer
    unknown = list(range(len(rowids)))
    out: set[int] = set()
    if postings is not None and postings.columns == _TEXT_COLUMNS:
        import numpy as np

        docs = postings.doc_numbers(np.asarray(rowids, dtype=np.int64))
        known = docs >= 0
        hit = np.zeros(len(rowids), dtype=np.uint8)
        for word in STRUCTURE_TITLES:
            hit[known] |= postings.words_in(word, docs[known])
        out = set(np.flatnonzero(hit & 1).tolist())
        unknown = np.flatnonzero(~known).tolist()
    if unknown:
        texts = _lemma_texts(corpus, [rowids[i] for i in unknown])
        out |= {i for i in unknown if any(f" {w} " in texts.get(rowids[i], ("", ""))[0] for w in STRUCTURE_TITLES)}
    return out


#: How many of the best re-ranked candidates are checked for concepts that occur only in cross-references.
XREF_CHECK = 6
#: Text right before a cross-referenced title: a numbered provision ("14.13") or "article"/"chapter" + number.
_XREF_NUMBER = re.compile(r"\d+(?:[.\-]\d+)+[a-z]?")
_XREF_WORDS = frozenset({"article", "articles", "chapter", "annex", "paragraph", "section"})
_XREF_CLAUSE = frozenset({"shall", "may", "must", "will", "party", "parties", "each", "the", "a", "an", "this", "that"})
#: A phrase up to this many words after a reference is still the referenced provision's title.
XREF_TITLE_WORDS = 3


def _only_cross_references(padded: str, phrases: Sequence[str]) -> bool:
    """True when every occurrence of the phrases in ``padded`` (" lemma text ") follows a numbered reference
    ("article 14.13 location of compute facility"): the text names another provision, not its own subject."""
    seen = False
    for ph in phrases:
        key = f" {ph} "
        pos = padded.find(key)
        while pos >= 0:
            seen = True
            before = padded[max(0, pos - 60):pos + 1].split()[-XREF_TITLE_WORDS - 1:]
            for j in range(len(before) - 1, -1, -1):
                word = before[j]
                if word in _XREF_CLAUSE:
                    return False
                if _XREF_NUMBER.fullmatch(word) or (j and before[j - 1] in _XREF_WORDS and word[:1].isdigit()):
                    break
            else:
                return False
            pos = padded.find(key, pos + 1)
    return seen


def _other_languages(corpus: Corpus, plan: QueryPlan, f: Filters, rows: list[tuple[int, float]],
                     want: int) -> list[tuple[int, float]]:
    """(rowid, score) of the articles in the other languages ``f`` lets through that carry the query's topics
    in their language, scored with the re-ranking's weights and scaled by :data:`W_OTHER_LANGUAGE`
    unless ``--lang`` asked for that language. Not looked for when the query's own ``rows`` already hold
    ``want`` scores that no scaled score can reach (the result would be the same). Uses the in-memory scorer
    only if the query's own candidates already did (a query loads or builds it at one point only)."""
    if f.lang is None:
        ceiling = W_OTHER_LANGUAGE * (W_BM25 + W_COVERAGE + W_TITLE + W_TOPIC)
        if sum(1 for _, score in rows if score >= ceiling) >= want:
            return []
    out: list[tuple[int, float]] = []
    for lang in OTHER_LANGUAGES:
        if f.lang not in (None, lang):
            continue
        other = translated(corpus, plan, lang)
        if other is None:
            continue
        scale = 1.0 if f.lang == lang else W_OTHER_LANGUAGE
        # The rows the topic's phrases in ``lang`` find (each meets the one unit per topic, so coverage needs no
        # text search), best BM25 first: the first ``want`` are the only ones that can be shown.
        found = _candidates(corpus, other, _filter(corpus, replace(f, lang=lang)), False, want, tagged=False)
        if not found:
            continue
        best = corpus.index.weighted_topic_scores([r for r, _ in found], dict(other.topics))
        top = found[0][1] or 1.0
        out += [(rowid, scale * (W_BM25 * bm25 / top + W_COVERAGE + W_TOPIC * max(best.get(rowid, 0.0), 0.0)))
                for rowid, bm25 in found]
    return sorted(out, key=lambda item: -item[1])


def _merge(rows: list[tuple[int, float]], more: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Both rankings as one, best score per row, best first (ties: ``rows`` before ``more``, each in order)."""
    if not more:
        return rows
    best: dict[int, float] = {}
    for rowid, score in (*rows, *more):
        if score > best.get(rowid, float("-inf")):
            best[rowid] = score
    return sorted(best.items(), key=lambda item: -item[1])  # stable: dict order is first appearance


def _version_key(a: Agreement) -> tuple[str, str, frozenset[str]] | None:
    """What makes agreements language versions of one (as :func:`ftadraft.research.views.version_groups`)."""
    if a.signed is None or not a.parties:
        return None
    return (" ".join(a.name.lower().split()), a.signed.isoformat(), frozenset(a.parties))


def _versions_first(found: list[_Found], lang: str = QUERY_LANGUAGE) -> list[_Found]:
    """``found`` with each hit from another language version of an agreement moved just after the same article
    (same number) of its ``lang`` version when that one ranks lower: the query's language version comes first."""
    if all((a.language or lang) == lang for _, _, a in found):
        return found
    versions: dict[str, tuple[str, str, frozenset[str]] | None] = {}  # per agreement: made once
    keys: list[tuple[str, tuple[str, str, frozenset[str]] | None]] = []
    for _, p, a in found:
        if p.number and a.id not in versions:
            versions[a.id] = _version_key(a)
        keys.append((p.number or "", versions[a.id] if p.number else None))
    own = {k: i for i, (k, item) in enumerate(zip(keys, found, strict=True))
           if (item[2].language or lang) == lang and k[1]}
    if not own:
        return found
    slots: dict[int, list[_Found]] = {}
    out: list[_Found] = []
    for i, item in enumerate(found):
        at = own.get(keys[i], -1) if (item[2].language or lang) != lang else -1
        if at > i:
            slots.setdefault(at, []).append(item)
            continue
        out.append(item)
        out += slots.pop(i, [])
    return out


_TEXT_COLUMNS = ("title_lemmas", "chapter_lemmas", "lemmas")


def _phrase_presence(corpus: Corpus, rowids: list[int],
                     phrases: Sequence[str]) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """For each phrase, two sets of positions in ``rowids`` (which are distinct): where " phrase " occurs
    in " title chapter text " (the lemma strings), and where it occurs in " title ".

    Thesaurus phrases of several words are looked up in the phrase table; with the in-memory counts,
    single plain words are looked up there, and another phrase of several words is searched for in the
    strings only where all its words occur; else the strings are searched."""
    n = len(rowids)
    phrases = list(dict.fromkeys(phrases))
    at = {r: i for i, r in enumerate(rowids)}
    in_full: dict[str, set[int]] = {ph: set() for ph in phrases}
    in_title: dict[str, set[int]] = {ph: set() for ph in phrases}
    search_in: dict[str, list[int]] = {}  # positions where the strings must decide
    table = phrase_table(corpus)
    postings = corpus.session().scorer
    scorer = postings if postings is not None and postings.columns == _TEXT_COLUMNS else None
    docs: Any = None
    bits: dict[str, Any] = {}
    for ph in phrases:
        words = ph.split(" ")
        found = table.rows(ph) if table is not None and len(words) > 1 else None
        if found is not None:
            full, title = found
            in_full[ph] = {at[r] for r in at.keys() & full}
            in_title[ph] = {at[r] for r in at.keys() & title}
        elif scorer is not None and all(_PLAIN.fullmatch(w) for w in words):
            import numpy as np

            if docs is None:
                docs = scorer.doc_numbers(np.asarray(rowids, dtype=np.int64))
                known = docs >= 0
                unknown = np.flatnonzero(~known).tolist()
            for w in words:
                if w not in bits:
                    bits[w] = np.zeros(n, dtype=np.uint8)
                    bits[w][known] = scorer.words_in(w, docs[known])
            if len(words) == 1:
                in_full[ph] = set(np.flatnonzero(bits[ph]).tolist())
                in_title[ph] = set(np.flatnonzero(bits[ph] & 1).tolist())
                search_in[ph] = unknown
            else:
                everywhere = np.logical_and.reduce([bits[w] != 0 for w in words])
                search_in[ph] = sorted({*unknown, *np.flatnonzero(everywhere).tolist()})
        else:
            search_in[ph] = list(range(n))
    need = sorted({i for where in search_in.values() for i in where})
    if need:
        texts = _lemma_texts(corpus, [rowids[i] for i in need])
        for ph, where in search_in.items():
            needle = f" {ph} "
            for i in where:
                head, full_text = texts.get(rowids[i], ("", ""))
                if needle in full_text:
                    in_full[ph].add(i)
                    if needle in head:
                        in_title[ph].add(i)
    return in_full, in_title


_PLAIN = re.compile(r"[a-z0-9]+")


def _lemma_texts(corpus: Corpus, rowids: list[int]) -> dict[int, tuple[str, str]]:
    """rowid -> (" title ", " title chapter text "), from the lemma strings of the index."""
    return {rowid: (f" {title} ", f" {title} {chapter} {body} ")
            for rowid, (title, chapter, body) in corpus.index.lemma_strings(rowids).items()}


def _run_fts(corpus: Corpus, expr: str, flt: ProvisionFilter, limit: int) -> list[tuple[int, float]] | None:
    """(rowid, BM25) of the best rows FTS5 finds for ``expr``; None if FTS5 cannot parse it."""
    if not expr:
        return []
    return corpus.index.fts_top(expr, WEIGHTS, flt, limit)


_Found = tuple[float, Provision, Agreement]


def _load(corpus: Corpus, rows: Sequence[tuple[int, float]]) -> list[_Found]:
    """(score, provision, agreement) of each (rowid, score), in order: the provisions in two queries, the
    agreements from the session once seen."""
    provisions = corpus.index.hit_provisions([r for r, _ in rows])
    agreements = state(corpus).agreements
    out: list[_Found] = []
    for rowid, score in rows:
        p = provisions.get(rowid)
        if p is None:
            continue
        a = agreements.get(p.agreement_id)
        if a is None:
            a = corpus.index.agreement(p.agreement_id)
            assert a is not None
            agreements[a.id] = a
        out.append((score, p, a))
    return out


_Others = tuple[tuple[Agreement, Provision], ...]


def _group(found: list[_Found], threshold: float = 90.0) -> list[tuple[_Found, _Others]]:
    """Collapse near-identical texts (template copies) into the best-ranked one."""
    from rapidfuzz import fuzz

    groups: list[tuple[_Found, list[tuple[Agreement, Provision]]]] = []
    for item in found:
        _, p, a = item
        text = p.normalized[:3000]
        for lead, members in groups:
            if fuzz.ratio(text, lead[1].normalized[:3000]) >= threshold:
                members.append((a, p))
                break
        else:
            groups.append((item, []))
    return [(lead, tuple(members)) for lead, members in groups]


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
