"""Clause search: fielded BM25 over lemmas (FTS5), filters, browsing, grouping of template copies.

Queries are lemmatised with the index's own vocabulary (word form -> lemma, recorded when texts were
analysed), so "shipments" finds "shipment" without loading spaCy at query time. Plain queries are
ranked as a bag of words (any word may match, more and rarer matches rank higher); quoted phrases,
AND/OR/NOT, parentheses and prefix* are passed to FTS5, and a query FTS5 cannot parse falls back to
its plain words. Filters work with or without a query (browsing).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from .corpus import Corpus
from .errors import FtadraftError
from .model import Agreement, Provision

#: BM25 column weights: title, chapter title, text.
WEIGHTS = (4.0, 1.5, 1.0)
MAX_QUERY_CHARS = 10_000
OBLIGATIONS = ("binding", "mixed", "soft", "none")
_OPERATORS = {"AND", "OR", "NOT"}
_TOKEN = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')
_WORD = re.compile(r"\w+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_STOPWORDS = frozenset(
    "a an and are as at be by for from has have in into is it its of on or such that the their this to was "
    "were which with shall may any other its there these those be been being do does not no".split()
)


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
    """A word the index never saw: try plural/tense folds, then the closest frequent-enough spelling
    (typos and OCR damage such as "paperles", "custorns")."""
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


def _forms_by_initial(corpus: Corpus, lang: str) -> dict[str, list[str]]:
    """Alphabetic word forms of the index by first letter (loaded once per open index)."""
    cache = corpus.cache.setdefault("forms_by_initial", {})
    if lang not in cache:
        table: dict[str, list[str]] = {}
        for (form,) in corpus.index.conn.execute(
            "SELECT form FROM vocabulary WHERE lang = ? AND length(form) >= 4", (lang,)
        ):
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

    @property
    def words(self) -> set[str]:
        return {w for u in self.units for ph in u.phrases for w in ph.split()}


def _doc_freq(corpus: Corpus, terms: Sequence[str]) -> tuple[dict[str, int], int]:
    conn = corpus.index.conn
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_vocab USING fts5vocab(main, provisions_fts, 'row')")
    total = conn.execute("SELECT count(*) FROM provisions").fetchone()[0] or 1
    cache: dict[str, int] = corpus.cache.setdefault("doc_freq", {})
    if cache.get("", -1) != total:  # the index changed (or first use): start afresh
        cache.clear()
        cache[""] = total
    for t in set(terms) - cache.keys():
        row = conn.execute("SELECT doc FROM temp.fts_vocab WHERE term = ?", (t,)).fetchone()
        cache[t] = row[0] if row else 0
    return {t: cache[t] for t in terms}, total


def _concept_table(corpus: Corpus, lang: str) -> list[tuple[tuple[str, ...], ...]]:
    cache = corpus.cache.setdefault("concepts", {})
    if lang not in cache:
        from .thesaurus import lemmatised_concepts

        cache[lang] = lemmatised_concepts(lambda ws: query_lemmas(corpus, ws, lang))
    return cache[lang]


def plan_query(corpus: Corpus, query: str, lang: str = "en") -> QueryPlan:
    """Turn a user query into candidate FTS5 expression + weighted units.

    Plain queries: thesaurus concepts are recognised and expanded, remaining content words are
    units of their own, and very common words are left out of the candidate search (they still
    count when re-ranking). Queries with quotes or AND/OR/NOT/prefix* keep their structure.
    """
    import math

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
        units = tuple(Unit((lem,), 1.0) for lem in dict.fromkeys(lemmas) if lem not in _STOPWORDS)
        return QueryPlan(" ".join(parts), units, True)
    from .thesaurus import match

    matches = match(lemmas, _concept_table(corpus, lang))
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
    fts = " OR ".join(_quote(ph) for u in searchable for ph in u.phrases
                      if all(df.get(w, 0) for w in ph.split()) or len(u.phrases) == 1)
    from .topics import tag_lemmas

    about = tag_lemmas(" . ".join(ph for u in units for ph in u.phrases))
    topics = tuple((t.id, t.score) for t in about if t.score >= QUERY_TOPIC_MIN)[:2]
    return QueryPlan(fts, tuple(units), False, topics)


# -- filters ------------------------------------------------------------------------------------
def _filter_sql(corpus: Corpus, f: Filters) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if f.since is not None and f.until is not None and f.since > f.until:
        raise FtadraftError(f"--since {f.since} is after --until {f.until}: no year can match")
    if f.topics:
        from .topics import get as get_topic

        ids = [get_topic(t).id for t in f.topics]
        where.append(f"p.rowid IN (SELECT provision_rowid FROM provision_topics WHERE topic IN ({_marks(ids)}))")
        args += ids
    if f.parties:
        codes = [c.strip().upper() for c in f.parties]
        known = {r[0] for r in corpus.index.conn.execute("SELECT DISTINCT party FROM agreement_parties")}
        for code in codes:
            if code not in known:
                from rapidfuzz import process

                close = [c for c, _s, _i in process.extract(code, sorted(known), limit=4, score_cutoff=50)]
                hint = f"; did you mean: {', '.join(close)}" if close else ""
                raise FtadraftError(f"--party {code}: no agreement in the index has this party (ISO 3166-1 alpha-3){hint}")
        if f.all_parties:
            where.append(f"p.agreement_id IN (SELECT agreement_id FROM agreement_parties WHERE party IN ({_marks(codes)})"
                         " GROUP BY agreement_id HAVING count(DISTINCT party) = ?)")
            args += [*codes, len(set(codes))]
        else:
            where.append(f"p.agreement_id IN (SELECT agreement_id FROM agreement_parties WHERE party IN ({_marks(codes)}))")
            args += codes
    if f.agreement:
        where.append("p.agreement_id = ?")
        args.append(corpus.agreement(f.agreement).id)
    if f.chapter:
        where.append("(p.chapter_number = ? OR p.chapter_title LIKE ? ESCAPE '\\')")
        args += [f.chapter, "%" + f.chapter.replace("%", "\\%").replace("_", "\\_") + "%"]
    if f.since is not None:
        where.append("a.signed >= ?")
        args.append(f"{f.since:04d}")
    if f.until is not None:
        where.append("a.signed < ?")
        args.append(f"{f.until + 1:04d}")
    if f.obligation:
        if f.obligation not in OBLIGATIONS:
            raise FtadraftError(f"--obligation {f.obligation}: use one of {', '.join(OBLIGATIONS)}")
        where.append("p.obligation = ?")
        args.append(f.obligation)
    if f.lang:
        where.append("a.language = ?")
        args.append(f.lang.lower())
    return where, args


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


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
    f = filters or Filters()
    query = check_query(query)
    if not query and f.is_empty():
        raise FtadraftError("empty query: give words to search for, or a filter such as --topic to browse")
    where, args = _filter_sql(corpus, f)
    want = limit * 5 if group else limit
    words: set[str] = set()
    if query:
        plan = plan_query(corpus, query)
        if plan.advanced:
            rows = _run_fts(corpus, plan.fts, where, args, want)
            if rows is None:  # FTS5 could not parse it: run the plain words instead
                plan = plan_query(corpus, " ".join(w.lower() for w in _WORD.findall(query)))
        if not plan.advanced:
            rows = _rerank(corpus, plan, _candidates(corpus, plan, where, args))[:want]
        words = plan.words
    else:
        rows = _browse(corpus, where, args, want)
    hits = _hits(corpus, rows, words)
    if group:
        hits = _group(hits)
    return [Hit(i, h.score, h.provision, h.agreement, h.snippet, h.others) for i, h in enumerate(hits[:limit], 1)]


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


def _candidates(corpus: Corpus, plan: QueryPlan, where: list[str], args: list[Any]) -> list[tuple[str, float]]:
    """BM25 candidates, plus the provisions best tagged with the query's topics."""
    rows = _run_fts(corpus, plan.fts, where, args, CANDIDATES) or []
    if plan.topics:
        seen = {pid for pid, _ in rows}
        topic_ids = [t for t, _ in plan.topics]
        sql = ("SELECT p.id FROM provision_topics pt JOIN provisions p ON p.rowid = pt.provision_rowid "
               "JOIN agreements a ON a.id = p.agreement_id "
               f"WHERE pt.topic IN ({_marks(topic_ids)})" + "".join(f" AND {w}" for w in where)
               + " ORDER BY pt.score DESC LIMIT ?")
        extra = [pid for (pid,) in corpus.index.conn.execute(sql, (*topic_ids, *args, TOPIC_CANDIDATES)) if pid not in seen]
        rows += [(pid, 0.0) for pid in extra]
    return rows


def _rerank(corpus: Corpus, plan: QueryPlan, rows: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Order BM25 candidates by how much of the query they cover (weighted by rarity), not only by
    term statistics: a short title that matches one word no longer beats an article that matches
    the whole request."""
    if not rows or not plan.units:
        return rows
    ids = [pid for pid, _ in rows]
    texts = {
        pid: (f" {title} ", f" {title} {chapter} {body} ")
        for pid, title, chapter, body in corpus.index.conn.execute(
            f"SELECT id, title_lemmas, chapter_lemmas, lemmas FROM provisions WHERE id IN ({_marks(ids)})", ids
        )
    }
    topic_score: dict[str, float] = {}
    if plan.topics:
        weights = dict(plan.topics)
        for pid, topic, score in corpus.index.conn.execute(
            f"SELECT p.id, pt.topic, pt.score FROM provision_topics pt JOIN provisions p ON p.rowid = pt.provision_rowid "
            f"WHERE p.id IN ({_marks(ids)}) AND pt.topic IN ({_marks(list(weights))})", (*ids, *weights)
        ):
            topic_score[pid] = max(topic_score.get(pid, 0.0), score * weights[topic])
    top = max(score for _, score in rows) or 1.0
    total = sum(u.weight for u in plan.units) or 1.0
    scored = []
    for pid, score in rows:
        title, full = texts.get(pid, ("", ""))
        covered = sum(u.weight for u in plan.units if any(f" {ph} " in full for ph in u.phrases))
        in_title = sum(u.weight for u in plan.units if any(f" {ph} " in title for ph in u.phrases))
        scored.append((pid, W_BM25 * score / top + W_COVERAGE * covered / total + W_TITLE * in_title / total
                       + W_TOPIC * topic_score.get(pid, 0.0)))
    scored.sort(key=lambda x: -x[1])
    return scored


def _run_fts(corpus: Corpus, expr: str, where: list[str], args: list[Any], limit: int) -> list[tuple[str, float]] | None:
    if not expr:
        return []
    sql = (
        "SELECT p.id, bm25(provisions_fts, ?, ?, ?) AS score FROM provisions_fts "
        "JOIN provisions p ON p.rowid = provisions_fts.rowid JOIN agreements a ON a.id = p.agreement_id "
        "WHERE provisions_fts MATCH ?" + "".join(f" AND {w}" for w in where) + " ORDER BY score LIMIT ?"
    )
    try:
        return [(pid, -score) for pid, score in corpus.index.conn.execute(sql, (*WEIGHTS, expr, *args, limit))]
    except sqlite3.OperationalError:
        return None


def _browse(corpus: Corpus, where: list[str], args: list[Any], limit: int) -> list[tuple[str, float]]:
    order = "CASE p.obligation WHEN 'binding' THEN 0 WHEN 'mixed' THEN 1 WHEN 'soft' THEN 2 ELSE 3 END"
    sql = ("SELECT p.id FROM provisions p JOIN agreements a ON a.id = p.agreement_id"
           + (" WHERE " + " AND ".join(where) if where else "")
           + f" ORDER BY {order}, a.signed DESC, p.agreement_id, p.ord LIMIT ?")
    return [(pid, 0.0) for (pid,) in corpus.index.conn.execute(sql, (*args, limit))]


def _hits(corpus: Corpus, rows: Iterable[tuple[str, float]], lemmas: set[str]) -> list[Hit]:
    agreements: dict[str, Agreement] = {}
    forms = surface_forms(corpus, lemmas)
    hits: list[Hit] = []
    for rank, (pid, score) in enumerate(rows, start=1):
        p = corpus.index.provision(pid)
        if p is None:
            continue
        a = agreements.get(p.agreement_id) or corpus.index.agreement(p.agreement_id)
        assert a is not None
        agreements[a.id] = a
        hits.append(Hit(rank, score, p, a, snippet(p.normalized, forms)))
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
    items = sorted(lemmas)
    rows = corpus.index.conn.execute(
        f"SELECT form FROM vocabulary WHERE lang = ? AND lemma IN ({_marks(items)})", (lang, *items)
    )
    return {form for (form,) in rows} | set(items)


def snippet(text: str, forms: set[str], width: int = 240) -> str:
    """A window of ``text`` around the densest cluster of query words (given as lower-case surface
    ``forms``), matches in [brackets]."""
    tokens = list(_WORD.finditer(text))
    if not tokens:
        return ""
    matched = [m for m in tokens if m.group().lower() in forms] if forms else []
    start = 0
    if matched:
        reach = width * 2 // 3
        best, best_n, j = matched[0], 0, 0
        for i, m in enumerate(matched):  # sliding window: most matches within `reach` characters
            while matched[j].start() < m.start() - reach:
                j += 1
            if i - j + 1 > best_n:
                best, best_n = matched[j], i - j + 1
        start = max(0, best.start() - width // 4)
        start = text.rfind(" ", 0, start) + 1 if start else 0
    end = min(len(text), start + width)
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start else end
    spans = [(m.start() - start, m.end() - start) for m in matched if start <= m.start() and m.end() <= end]
    piece = text[start:end]
    for s_, e_ in reversed(spans):
        piece = piece[:s_] + "[" + piece[s_:e_] + "]" + piece[e_:]
    return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")


def search_batch(
    corpus: Corpus, queries: Iterable[str], *, limit: int = 10, filters: Filters | None = None, group: bool = False
) -> list[tuple[str, list[Hit]]]:
    """Run many queries with the same filters (one result list per query, in order)."""
    return [(q, search(corpus, q, limit=limit, filters=filters, group=group)) for q in queries]
