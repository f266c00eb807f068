"""Query planning: a query's words lemmatised with the index's own vocabulary (typos and unknown forms
folded), thesaurus concepts recognised, and each word or concept weighted by its rarity.

A plain query becomes a :class:`QueryPlan` of :class:`Unit` s (what the query asks for) and the FTS5
expression that finds candidates; quoted phrases, AND/OR/NOT, parentheses and prefix* keep their FTS5
meaning (``advanced``).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import QueryError

if TYPE_CHECKING:
    from ..corpus import Corpus

WORD = re.compile(r"\w+")
#: Words found in more than this share of provisions do not generate candidates (they still re-rank).
COMMON_SHARE = 0.25
#: A query is taken to be about a topic when the tagger gives it at least this score; provisions
#: tagged with that topic join the candidates and gain up to ``engine.W_TOPIC`` in the re-ranking.
QUERY_TOPIC_MIN = 0.3
STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "into", "is", "it", "its",
    "of", "on", "or", "such", "that", "the", "their", "this", "to", "was", "were", "which", "with", "shall", "may",
    "any", "other", "there", "these", "those", "been", "being", "do", "does", "not", "no",
))

#: A plain query of at least this many words (stop words aside) is a sentence, not a list of terms.
SENTENCE_WORDS = 7

MAX_QUERY_CHARS = 10_000
#: Bounds on what an advanced query may ask FTS5 to do: its terms (words, phrases, prefixes), its prefix
#: terms, and the index terms those prefixes expand to (FTS5 merges the posting list of every expansion,
#: about 0.1 ms per expansion on ToTA: "c*" alone expands to 2,700 terms).
MAX_QUERY_TERMS = 64
MAX_PREFIX_TERMS = 16
MAX_PREFIX_EXPANSIONS = 20_000
_OPERATORS = {"AND", "OR", "NOT"}
_TOKEN = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
def check_query(query: str) -> str:
    """Refuse queries no one meant to type (huge, binary, not Unicode text); strip control characters."""
    if any("\ud800" <= ch <= "\udfff" for ch in query):  # undecodable bytes of an argument, or a lone surrogate
        raise QueryError("query: not valid UTF-8 text (a lone surrogate or undecodable bytes)")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long ({len(query):,} characters; the limit is {MAX_QUERY_CHARS:,})")
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


def dictionary_lemmas(words: Sequence[str], lang: str = "en") -> list[str]:
    """The dictionary lemma of each lower-case word (the table the index was lemmatised with), for texts
    outside the index such as the clause library; a word the table lacks stays as it is."""
    table = _language_lemmas(lang)
    return [table.get(w, w) for w in words]


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
    total = total_provisions(corpus)
    postings = session.scorer
    if postings is not None:
        return {t: postings.doc_freq(t) for t in terms}, total
    known = session.doc_freq
    missing = set(terms) - known.keys()
    if missing:
        known.update(corpus.index.doc_freq(missing))
    return {t: known[t] for t in terms}, total


def total_provisions(corpus: Corpus) -> int:
    """Provisions in the index (at least 1)."""
    session = corpus.session()
    if session.total is None:
        session.total = corpus.index.provision_count() or 1
    return session.total


def concept_table(corpus: Corpus, lang: str) -> list[tuple[tuple[str, ...], ...]]:
    """The thesaurus's concepts with their terms as lemmas of this index (English: kept in the phrase
    table of :mod:`.presence`, made once per index state instead of once per process)."""
    cache = corpus.session().concepts
    if lang not in cache:
        from .state import phrase_table, save_phrase_table

        saved = phrase_table(corpus) if lang == "en" else None
        if saved is not None:
            cache[lang] = saved.concepts
        else:
            from . import presence
            from .thesaurus import lemmatised_concepts

            cache[lang] = lemmatised_concepts(lambda ws: query_lemmas(corpus, ws, lang))
            if lang == "en":  # no phrases yet: prepare() adds them
                save_phrase_table(corpus, presence.make(presence.thesaurus_key(lang), cache[lang], {}))
    return cache[lang]


def _concepts_for(corpus: Corpus, lemmas: Sequence[str], lang: str) -> list[tuple[tuple[str, ...], ...]]:
    """The concepts (in thesaurus order) with a term whose lemmas all occur in the query: the only
    ones :func:`ftadraft.search.thesaurus.match` can find, so matching them alone gives the same matches."""
    cache = corpus.session().concepts_by_lemma
    table = concept_table(corpus, lang)
    if lang not in cache:
        by_lemma: dict[str, set[int]] = {}
        for ci, terms in enumerate(table):
            for term in terms:  # an empty term matches anywhere: key "" is looked up always
                by_lemma.setdefault(term[0] if term else "", set()).add(ci)
        cache[lang] = by_lemma
    present = set(lemmas)
    found = {ci for lem in (*present, "") for ci in cache[lang].get(lem, ())}
    return [table[ci] for ci in sorted(found) if any(set(term) <= present for term in table[ci])]


def _check_cost(corpus: Corpus, parts: Sequence[str]) -> None:
    """Refuse an advanced query (its FTS5 expression as ``parts``) that would cost FTS5 more than the
    bounds above, before it runs, with a message that says which bound and how to stay within it."""
    terms = [p for p in parts if p not in _OPERATORS and p not in ("(", ")")]
    if len(terms) > MAX_QUERY_TERMS:
        raise QueryError(f"query too costly: {len(terms)} search terms (the limit is {MAX_QUERY_TERMS}); "
                         "use fewer words, or search without AND/OR/NOT and quotes")
    prefixes = [_fold(p[1:-2]) for p in terms if p.endswith('"*')]
    if len(prefixes) > MAX_PREFIX_TERMS:
        raise QueryError(f"query too costly: {len(prefixes)} prefix* terms (the limit is {MAX_PREFIX_TERMS})")
    expansions = 0
    counted: dict[str, int] = {}
    for prefix in prefixes:
        if prefix not in counted:
            counted[prefix] = corpus.index.prefix_terms(prefix)
        expansions += counted[prefix]
        if expansions > MAX_PREFIX_EXPANSIONS:
            raise QueryError(f"query too costly: its prefix* terms expand to more than {MAX_PREFIX_EXPANSIONS:,} "
                             f"indexed words ({prefix}* alone: {counted[prefix]:,}); make the prefixes longer")


def _fold(text: str) -> str:
    """A prefix as FTS5's unicode61 tokenizer indexes it (lower case, no diacritics)."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def plan_query(corpus: Corpus, query: str, lang: str = "en") -> QueryPlan:
    """Turn a user query into candidate FTS5 expression + weighted units.

    Plain queries: thesaurus concepts are recognised and expanded, remaining content words are
    units of their own, and very common words are left out of the candidate search (they still
    count when re-ranking). Queries with quotes or AND/OR/NOT/prefix* keep their structure.
    """
    tokens = _TOKEN.findall(query)
    advanced = any(t in _OPERATORS or t.startswith('"') or t.endswith("*") or t in "()" for t in tokens)
    lemmas = query_lemmas(corpus, WORD.findall(query), lang)
    if advanced:
        parts: list[str] = []
        for token in tokens:
            if token in _OPERATORS or token in "()":
                parts.append(token)
            elif token.startswith('"'):
                inner = WORD.findall(token)
                if inner:
                    parts.append(_quote(" ".join(query_lemmas(corpus, inner, lang))))
            else:
                prefix = token.endswith("*")
                inner = WORD.findall(token)
                forms = [w.lower() for w in inner] if prefix else query_lemmas(corpus, inner, lang)
                for i, lemma in enumerate(forms):
                    parts.append(_quote(lemma) + ("*" if prefix and i == len(forms) - 1 else ""))
        _check_cost(corpus, parts)
        words = tuple(Unit((lem,), 1.0) for lem in dict.fromkeys(lemmas) if lem not in STOPWORDS)
        return QueryPlan(" ".join(parts), words, True)
    from .thesaurus import match

    matches = match(lemmas, _concepts_for(corpus, lemmas, lang))
    covered = {i for m in matches for i in range(m.start, m.end)}
    rest = [lem for i, lem in enumerate(lemmas) if i not in covered and lem not in STOPWORDS]
    if not rest and not matches:
        rest = list(lemmas)
    words_needed = list(dict.fromkeys([*rest, *(w for m in matches for ph in m.phrases for w in ph.split())]))
    df, total = _doc_freq(corpus, words_needed)

    def idf(term: str) -> float:
        return math.log(1 + total / (1 + df.get(term, 0)))

    units: list[Unit] = [Unit(m.phrases, max(idf(w) for w in m.phrases[0].split()) * 1.2, True) for m in matches]
    # In a sentence-long query, a word that is itself one of a found concept's phrases ("software" beside "e-books")
    # is that concept again: counted twice, the articles using that one word would outrank those using the concept's
    # other terms. A short query names what it wants term by term ("transit and transshipment"): each counts.
    if len(rest) + sum(m.end - m.start for m in matches) >= SENTENCE_WORDS:
        named = {ph for m in matches for ph in m.phrases}
        rest = [lem for lem in rest if lem not in named]
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


#: A translated topic phrase must weigh at least this much in the taxonomy (4-5: names the topic, 2-3: strong
#: evidence); weaker phrases ("by electronic means") would bring articles about other things.
TRANSLATED_PHRASE_MIN = 2.0


def translated(corpus: Corpus, plan: QueryPlan, lang: str) -> QueryPlan | None:
    """``plan`` (of an English query) for texts in ``lang``: the topics the query is about, each named by its
    ``lang`` titles and strong phrases in :mod:`ftadraft.tags`'s taxonomy, lemmatised with the index's ``lang``
    vocabulary. One concept unit per topic; None when the query names no topic with phrases in ``lang``."""
    if plan.advanced or not plan.topics:
        return None
    from .state import state

    ids = tuple(t for t, _ in plan.topics)
    cache = state(corpus).translations
    if (ids, lang) not in cache:
        cache[ids, lang] = _topic_phrases(corpus, ids, lang)
    per_topic = [ph.split("\t") for ph in cache[ids, lang]]
    units = [Unit(tuple(phrases), 1.0, True) for phrases in per_topic if phrases and phrases[0]]
    if not units:
        return None
    phrases = tuple(dict.fromkeys(ph for u in units for ph in u.phrases))
    return QueryPlan(" OR ".join(_quote(ph) for ph in phrases), tuple(units), False, plan.topics, phrases)


def _topic_phrases(corpus: Corpus, topic_ids: Sequence[str], lang: str) -> tuple[str, ...]:
    """Per topic, its ``lang`` titles and strong phrases as lemma phrases found in the index (tab-joined; the
    index's FTS5 tokens have no diacritics, its lemma strings do: the phrases keep them)."""
    from ..tags.topics import get

    out: list[str] = []
    for tid in topic_ids:
        rules = get(tid).rules(lang)
        terms = [] if rules is None else [*rules.titles, *(ph for ph, w in rules.phrases if w >= TRANSLATED_PHRASE_MIN)]
        words = [[w.lower() for w in WORD.findall(term)] for term in terms]
        known = corpus.index.lemmas_of([w for ws in words for w in ws], lang)
        lemma_phrases = [" ".join(known.get(w, w) for w in ws) for ws in words if ws]
        df, _ = _doc_freq(corpus, list({_fold(w) for ph in lemma_phrases for w in ph.split()}))
        usable = [ph for ph in dict.fromkeys(lemma_phrases) if all(df.get(_fold(w), 0) for w in ph.split())]
        out.append("\t".join(usable))
    return tuple(out)


# -- filters ------------------------------------------------------------------------------------
