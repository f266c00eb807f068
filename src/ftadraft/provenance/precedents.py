"""Where does this language come from: the provisions that contain a clause's wording, and its lineage.

Two stages keep a look-up over the whole corpus in milliseconds. Candidates come from an in-memory
inverted index of word 3-gram shingles over the canonical word sequences the index stores
(:mod:`ftadraft.fingerprint`: names, numbers and quotes folded away). Each candidate is then scored
exactly: ``similarity`` is the share of the query's words that lie in a run of words the provision
shares with it ("how much of the query text it contains"). An inserted hedge, a dropped sentence or a
softened modal costs only the words changed; common words scattered through a long article never count.
Among equally similar provisions the one that also shares the query's names and numbers ranks first,
and a provision quoting the query exactly ranks above all that do not: a pasted sentence finds its own
article even when a hundred others hold the same words with a comma or a capital letter changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from .. import fingerprint
from ..errors import IndexFileError, InputError
from ..index import derived
from ..index.filters import AgreementFilter
from ..model import Agreement, Provision, citation
from ..normalize import normalize_text

if TYPE_CHECKING:
    from ..compare.texts import Comparison
    from ..corpus import Corpus
    from ..index.store import Index

K = TypeVar("K")

#: Below this share of the query's words a provision is not reported as containing its language.
MIN_SIMILARITY = 0.5
#: A precedent containing this share of a clause holds it nearly verbatim: lineage's "likely origin".
NEAR_IDENTICAL = 0.9
#: Lineage lists the provisions holding at least this share of the clause (most of it).
LINEAGE_MIN_SIMILARITY = 0.8
#: Longest query accepted (characters): a chapter, not a whole agreement.
MAX_QUERY_CHARS = 200_000
# Candidates scored exactly per query; enough for a clause copied into every agreement of the corpus.
_CANDIDATES = 150
# Candidates whose literal words are compared, and whose characters break the last ties.
_LITERAL_HEAD = 20
# Weight of literal words in the ranking: enough to order copies of a template, not to outweigh wording.
_LITERAL_WEIGHT = 0.5
_CHARACTER_HEAD = 8
# A query shorter than this is a passage (a sentence or two) rather than a whole clause.
_PASSAGE_CHARS = 600
# A provision up to this many times longer than the query is compared with it whole.
_PASSAGE_WHOLE = 2.0
_BOUNDARY = re.compile(r"[.;:]\s+|\n")
# Candidates holding every shingle of the query (they may quote it verbatim), shortest first; a sentence
# found in more texts than this is boilerplate whose source no ranking can tell.
_COMPLETE = 500
# For lineage, which wants every copy: a clause can be in hundreds of agreements.
_ALL_CANDIDATES = 2000


@dataclass(frozen=True)
class Precedent:
    """A provision containing the language of a query clause."""

    rank: int
    provision: Provision
    agreement: Agreement
    #: Share of the query's (canonical) words found in order in the provision, 0..1.
    similarity: float
    #: Two-way similarity, 2·common / (query words + provision words): 1.0 only for the same text.
    mutual: float
    #: ``similarity`` on the literal words, names and numbers included (decides near ties).
    literal: float
    #: The provision quotes the query exactly (after normalising spaces, quotes and line breaks).
    verbatim: bool = False

    @property
    def citation(self) -> str:
        return citation(self.agreement, self.provision)

    def to_dict(self) -> dict[str, Any]:
        p = self.provision
        return {
            "rank": self.rank,
            "similarity": round(self.similarity, 4),
            "mutual": round(self.mutual, 4),
            "literal": round(self.literal, 4),
            "verbatim": self.verbatim,
            "agreement": self.agreement.brief(),
            "chapter": {"number": p.chapter_number, "title": p.chapter_title},
            "article": p.brief(),
            "source": dict(p.source),
        }

    def _repr_html_(self) -> str:
        from html import escape

        return (f"<div><b>{self.similarity:.0%}</b> {escape(self.citation)} <small>{escape(self.provision.id)}"
                f"</small></div>")


@dataclass(frozen=True)
class Lineage:
    """The provisions sharing a clause's language, oldest first, and the likely origin."""

    precedents: tuple[Precedent, ...]  # ordered by signature date (undated last)
    origin: Precedent | None  # the earliest text holding the clause nearly verbatim

    def summary(self) -> str:
        """'First seen in US–Singapore (2003), then in …' in one line."""
        if not self.precedents:
            return "No provision in the corpus contains this language."
        names = [f"{p.agreement.name} ({p.agreement.year or 'n.d.'})" for p in self.precedents]
        first = self.precedents[0]
        text = f"First seen in {names[0]}"
        if len(names) > 1:
            shown = names[1:6]
            text += ", then in " + ", ".join(shown) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        if self.origin is None:
            text += ". No earlier text holds it nearly verbatim: no likely origin in the corpus"
        elif self.origin is not first:
            text += (f". Earliest nearly verbatim text (likely origin): {self.origin.agreement.name} "
                     f"({self.origin.agreement.year})")
        return text + "."

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(),
                "origin": self.origin.to_dict() if self.origin else None,
                "precedents": [p.to_dict() for p in self.precedents]}


@dataclass(frozen=True)
class PrecedentReport:
    """One clause's precedents as ``ftadraft precedents`` reports them (:func:`precedent_report`): the
    provisions containing its language, optionally its lineage, and the passage of the best match that
    answers it (what a diff compares the clause with)."""

    clause: str  # the clause text asked about
    label: str  # what to call it in messages and diffs: the provision id, or the caller's label
    provision: Provision | None  # the indexed provision the clause is, when asked about one
    min_similarity: float  # the share of the clause's words a hit contains at least
    hits: tuple[Precedent, ...]  # most contained first; never from the clause's own agreement
    lineage: Lineage | None  # by signature date (the clause itself included), when asked for

    @property
    def best(self) -> Precedent | None:
        """The provision containing most of the clause, if any does."""
        return self.hits[0] if self.hits else None

    def passage(self) -> str | None:
        """The part of the best match that answers the clause (:func:`matching_passage`): its whole text,
        or the sentences around the matching window of a much longer article; None without a match."""
        return None if self.best is None else matching_passage(self.clause, self.best.provision)

    def comparison(self) -> Comparison | None:
        """The clause compared with :meth:`passage` (labelled with the best match's citation), or None."""
        best, passage = self.best, self.passage()
        if best is None or passage is None:
            return None
        from ..compare.texts import compare_texts

        whole = passage == best.provision.text
        return compare_texts(self.clause, passage, label_a=self.label,
                             label_b=best.citation + ("" if whole else " (the matching passage)"))

    def to_dict(self, *, diff: bool = True) -> dict[str, Any]:
        """Hits, lineage and (with ``diff``) the comparison with the best match, as JSON-ready data."""
        comparison = self.comparison() if diff else None
        return {"hits": [h.to_dict() for h in self.hits],
                "lineage": self.lineage.to_dict() if self.lineage else None,
                "diff": comparison.to_dict() if comparison else None}


class PrecedentIndex:
    """Shingle postings and canonical sequences of every indexed provision, held in memory.

    Built from the ``fingerprint`` column (about a second for the full ToTA corpus) and kept in the
    user cache folder, keyed by the index file and its state, so later processes load it in a
    fraction of that; once per open corpus it lives in its :meth:`~ftadraft.corpus.Corpus.session` (renewed on changes).
    """

    def __init__(self, corpus: Corpus) -> None:
        # Keyed by the cheap index state (agreements and their ingest keys, provision count and last row id):
        # every add, replace or remove changes it, and a one-shot look-up pays milliseconds for it.
        cached = derived.search_cache_file(corpus, "precedents", _LAYOUT, ".bin")
        arrays = _read_arrays(cached)
        self.agreements: list[Agreement] = corpus.agreements()
        owners = None if arrays is None else _owners(arrays, self.agreements)
        if arrays is None or owners is None:
            arrays = _build(corpus.index)
            _write_arrays(cached, arrays)
            self.agreements = corpus.agreements()
            owners = _owners(arrays, self.agreements)
            if owners is None:
                raise IndexFileError(corpus.path, "changed while its precedent postings were built; try again")
        self.rowids: npt.NDArray[np.int64] = arrays["rowids"]
        self.agreement_of: npt.NDArray[np.int32] = owners
        self.offsets, self.tokens, self.keys, self.docs = (arrays[k] for k in ("offsets", "tokens", "keys", "docs"))
        self.lengths = np.diff(self.offsets)
        self.copies: npt.NDArray[np.int32] = arrays["copies"]

    def __len__(self) -> int:
        return len(self.rowids)

    def sequence(self, doc: int) -> npt.NDArray[np.uint32]:
        return self.tokens[self.offsets[doc] : self.offsets[doc + 1]]

    def candidates(self, query: npt.NDArray[np.uint32], allowed: npt.NDArray[np.bool_] | None,
                   limit: int = _CANDIDATES, complete_limit: int = _COMPLETE) -> tuple[npt.NDArray[np.int64], int]:
        """Documents sharing the most shingles with ``query`` (best first), among ``allowed`` ones, and how
        many of the first hold every shingle of the query: the only ones that can contain it verbatim, kept
        however many (up to a cap, shortest first) so that a common sentence's true source is never cut."""
        qs = fingerprint.shingles(query)
        empty = np.zeros(0, dtype=np.int64)
        if len(qs) == 0 or len(self.keys) == 0:
            return empty, 0
        lo = np.searchsorted(self.keys, qs, "left")
        hi = np.searchsorted(self.keys, qs, "right")
        found = [self.docs[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True) if b > a]
        if not found:
            return empty, 0
        counts = np.bincount(np.concatenate(found), minlength=len(self.rowids))
        if allowed is not None:
            counts[~allowed] = 0
        complete = np.flatnonzero(counts == len(qs))
        complete = complete[np.argsort(self.lengths[complete], kind="stable")[:complete_limit]]
        counts[complete] = 0
        # A source keeps most of its shingles under drafting edits; one shared shingle is chance.
        floor = max(1, int(0.1 * len(qs)))
        eligible = np.flatnonzero(counts >= floor)
        if len(eligible) > limit:
            eligible = eligible[np.argpartition(-counts[eligible], limit)[:limit]]
        rest = eligible[np.argsort(-counts[eligible], kind="stable")]
        return np.concatenate([complete, rest]), len(complete)


# Bump when the cached arrays change meaning (fingerprint canonicalisation, shingle size, layout).
_LAYOUT = f"v4k{fingerprint.SHINGLE}"
_ARRAYS = ("rowids", "owner_ids", "owner_offsets", "owner", "offsets", "tokens", "keys", "docs", "copies")
_MAGIC = b"ftadraft-precedents\n"


def _write_arrays(path: Path | None, arrays: dict[str, npt.NDArray[Any]]) -> None:
    """Store the arrays as one plain data file: a magic line, the length of a JSON header, the header (each
    array's name, little-endian dtype and length), then the arrays' raw bytes, each 8-byte aligned. Nothing
    in it is ever unpickled, and a later process maps it instead of reading it (a look-up touches a few pages)."""
    if path is None:
        return
    parts = []
    for name in _ARRAYS:
        a = np.ascontiguousarray(arrays[name])
        a = a.astype(a.dtype.newbyteorder("<"), copy=False)
        parts.append((name, a))
    header = json.dumps([[name, a.dtype.str, len(a)] for name, a in parts]).encode()
    out = [_MAGIC, len(header).to_bytes(8, "little"), header]
    size = len(_MAGIC) + 8 + len(header)
    for _name, a in parts:
        out.append(b"\0" * (-size % 8))
        size += -size % 8
        out.append(a.tobytes())
        size += a.nbytes
    derived.write_bytes(path, b"".join(out))
    for old in path.parent.glob(path.name.split("-")[0] + "-*.npz"):  # this index's files of earlier layouts
        old.unlink(missing_ok=True)


def _read_arrays(path: Path | None) -> dict[str, npt.NDArray[Any]] | None:
    """The arrays of a file :func:`_write_arrays` made, as read-only views of the mapped file; None when it is
    missing, foreign, truncated or damaged (it is then rebuilt)."""
    import mmap

    if path is None:
        return None
    try:
        with path.open("rb") as fh:
            data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        if data[: len(_MAGIC)] != _MAGIC:
            return None
        start = len(_MAGIC) + 8
        end = start + int.from_bytes(data[len(_MAGIC) : start], "little")
        header = json.loads(data[start:end])
        out: dict[str, npt.NDArray[Any]] = {}
        pos = end
        for name, dtype, length in header:
            pos += -pos % 8
            a = np.frombuffer(data, dtype=np.dtype(dtype), count=int(length), offset=pos)
            pos += a.nbytes
            out[str(name)] = a
        if pos != len(data) or set(out) != set(_ARRAYS):
            return None
        return out
    except (OSError, ValueError, TypeError, KeyError):  # ValueError covers bad JSON and short buffers
        return None


def _build(index: Index) -> dict[str, npt.NDArray[Any]]:
    """The arrays of a :class:`PrecedentIndex`, in provision row-id order: row ids and agreements (ids
    packed as strings, so a later process needs no query for them), canonical sequences, shingle postings,
    and how many provisions share each text."""
    owners = index.provision_owners()
    texts = index.all_fingerprints()
    seqs = [fingerprint.from_bytes(fp) for fp in texts.fingerprints]
    # How many provisions carry each provision's exact text (a template copied into n agreements).
    _, group, size = np.unique(np.array(texts.text_shas, dtype=str), return_inverse=True, return_counts=True)
    offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in seqs], out=offsets[1:])
    tokens = np.concatenate(seqs) if seqs else np.zeros(0, dtype=np.uint32)
    keys, docs = _postings(tokens, offsets)
    ids = list(dict.fromkeys(owners.agreement_ids))
    number = {aid: i for i, aid in enumerate(ids)}
    owner_ids, owner_offsets = derived.pack_strings(ids)
    return {"rowids": np.array(owners.rowids, dtype=np.int64), "owner_ids": owner_ids, "owner_offsets": owner_offsets,
            "owner": np.array([number[aid] for aid in owners.agreement_ids], dtype=np.int32),
            "offsets": offsets, "tokens": tokens, "keys": keys, "docs": docs, "copies": size[group].astype(np.int32)}


def _owners(arrays: dict[str, npt.NDArray[Any]], agreements: list[Agreement]) -> npt.NDArray[np.int32] | None:
    """Each provision's agreement as its position in ``agreements`` (the open corpus's), or None when a stored
    agreement is no longer there."""
    position = {a.id: i for i, a in enumerate(agreements)}
    try:
        remap = [position[aid] for aid in derived.unpack_strings(arrays["owner_ids"], arrays["owner_offsets"])]
    except KeyError:
        return None
    return np.array(remap, dtype=np.int32)[arrays["owner"]] if len(remap) else np.zeros(0, dtype=np.int32)


def _postings(tokens: npt.NDArray[np.uint32], offsets: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.uint32],
                                                                                       npt.NDArray[np.int32]]:
    """Sorted (shingle hash, document) pairs over all sequences, each pair once."""
    n_docs = len(offsets) - 1
    if n_docs == 0 or len(tokens) == 0:
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.int32)
    k = fingerprint.SHINGLE
    h, start_doc, inside = fingerprint.rolling_many(tokens, offsets, k)
    hashes: list[npt.NDArray[np.uint32]] = [h[inside]]
    owners: list[npt.NDArray[np.int64]] = [start_doc[inside]]
    # A document shorter than a shingle is one shingle of all its words.
    lengths = np.diff(offsets)
    for d in np.flatnonzero((lengths > 0) & (lengths < k)).tolist():
        hashes.append(fingerprint.shingles(tokens[offsets[d] : offsets[d + 1]]))
        owners.append(np.array([d], dtype=np.int64))
    pairs = (np.concatenate(hashes).astype(np.uint64) << np.uint64(32)) | np.concatenate(owners).astype(np.uint64)
    pairs.sort()  # an in-place sort is several times faster than np.unique's hash table here
    if len(pairs) > 1:
        pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
    return (pairs >> np.uint64(32)).astype(np.uint32), (pairs & np.uint64(0xFFFFFFFF)).astype(np.int32)


def precedent_index(corpus: Corpus) -> PrecedentIndex:
    """The corpus's precedent index, built on first use."""
    session = corpus.session()
    if session.precedent_index is None:
        session.precedent_index = PrecedentIndex(corpus)
    return session.precedent_index


def check_text(text: str, where: str = "query") -> str:
    """The query clause, normalised; refuse empty, binary or oversized input with one clear line."""
    if "\x00" in text:
        raise InputError(where, "looks like a binary file, not a clause text")
    if len(text) > MAX_QUERY_CHARS:
        raise InputError(where, f"{len(text):,} characters is too long for a precedent query "
                                f"(limit {MAX_QUERY_CHARS:,}: one clause or chapter, not a whole agreement)")
    norm = normalize_text(text)
    if len(fingerprint.canonical_words(norm)) < fingerprint.SHINGLE:
        raise InputError(where, f"too short: give at least {fingerprint.SHINGLE} words of a clause")
    return norm


def precedents(
    corpus: Corpus,
    text: str,
    *,
    limit: int | None = 10,
    min_similarity: float = MIN_SIMILARITY,
    since: int | None = None,
    until: int | None = None,
    before: date | None = None,
    party: Sequence[str] = (),
    exclude: Sequence[str] = (),
    order_copies: bool = True,
) -> list[Precedent]:
    """Provisions containing the language of ``text``, most contained first.

    ``since``/``until`` are signature years (inclusive), ``before`` a signature date (exclusive, for
    "earlier sources only"), ``party`` ISO3 codes (any; an unknown code is a
    :class:`~ftadraft.errors.ReferenceNotFound`), ``exclude`` agreement ids to leave out.
    ``order_copies`` compares literal words and characters to put the closest of several copies of a
    template first; without it equally similar copies keep index order and ``literal`` is 0 (faster).
    """
    f = AgreementFilter(since=since, until=until, before=before, parties=tuple(party), exclude=tuple(exclude))
    corpus.index.check_parties(f.parties)
    norm = check_text(text)
    pidx = precedent_index(corpus)
    allowed = None if f.is_empty() else f.mask(pidx.agreements)[pidx.agreement_of]
    return _lookup(corpus, pidx, norm, allowed, limit, min_similarity, order_copies)


def _lookup(corpus: Corpus, pidx: PrecedentIndex, norm: str, allowed: npt.NDArray[np.bool_] | None,
            limit: int | None, min_similarity: float, order_copies: bool = True) -> list[Precedent]:
    query = fingerprint.hashes(norm)
    n = len(query)
    every = limit is None
    docs, n_complete = pidx.candidates(query, allowed, _ALL_CANDIDATES if every else _CANDIDATES,
                                       _ALL_CANDIDATES if every else _COMPLETE)
    seqs = [pidx.sequence(d) for d in docs.tolist()]
    in_query, in_doc = fingerprint.coverage_many(query, seqs)
    lengths = pidx.lengths[docs]
    sim = in_query / n
    mutual = (in_query + in_doc) / (n + lengths)
    # Quoting the query exactly outranks holding all of its words: a pasted sentence's own article first.
    exact = np.zeros(len(docs), dtype=bool)
    if n_complete:
        complete_rowids = pidx.rowids[docs[:n_complete]]
        verbatim = corpus.index.rowids_containing(complete_rowids.tolist(), norm)
        exact[:n_complete] = np.isin(complete_rowids, np.fromiter(verbatim, dtype=np.int64, count=len(verbatim)))
    keep = np.flatnonzero(sim >= min_similarity)
    if len(keep) == 0:
        return []
    keep = keep[np.lexsort((-_closeness(pidx.copies[docs], lengths, n, mutual, exact)[keep], -sim[keep], ~exact[keep]))]
    # Literal words (names, numbers) and characters only decide among the near-best: they cost a text fetch.
    head = keep if limit is None else keep[: max(limit, _LITERAL_HEAD) if order_copies else limit]
    rowids = [int(pidx.rowids[docs[i]]) for i in head.tolist()]
    provisions = corpus.index.provisions_by_rowid(rowids)
    found = [provisions[r] for r in rowids]
    if not order_copies:
        return [Precedent(rank=rank, provision=found[j], agreement=pidx.agreements[pidx.agreement_of[docs[i]]],
                          similarity=float(sim[i]), mutual=float(mutual[i]), literal=0.0, verbatim=bool(exact[i]))
                for rank, (j, i) in enumerate(enumerate(head.tolist()), 1)]
    literal_query = fingerprint.literal_hashes(norm)
    in_literal, _ = fingerprint.coverage_many(literal_query, [fingerprint.literal_hashes(p.normalized) for p in found])
    literal = in_literal / max(1, len(literal_query))
    score = sim[head] + _LITERAL_WEIGHT * literal + 0.01 * mutual[head]
    # Copies of one template often differ only in punctuation or spacing: the closest characters win.
    best = [j for j in np.argsort(-score, kind="stable").tolist() if not exact[head[j]]][:_CHARACTER_HEAD]
    # A passage is compared with the best-matching window of a longer text (how much of the query it holds);
    # a clause, or a text shorter than the query, as a whole (a window of the query would measure the text
    # inside the query instead, and windows over long texts cost too much).
    for j in best:
        text = found[j].normalized
        measure = fuzz.partial_ratio if len(norm) < _PASSAGE_CHARS and len(text) > len(norm) else fuzz.ratio
        score[j] += 0.05 * measure(norm, text) / 100
    quoted = [j for j in range(len(head)) if exact[head[j]]]  # already in their order (see _closeness)
    order = quoted + sorted((j for j in range(len(head)) if not exact[head[j]]), key=lambda j: (-score[j], rowids[j]))
    if limit is not None:
        order = order[:limit]
    return [
        Precedent(rank=rank, provision=found[j], agreement=pidx.agreements[pidx.agreement_of[docs[head[j]]]],
                  similarity=float(sim[head[j]]), mutual=float(mutual[head[j]]), literal=float(literal[j]),
                  verbatim=bool(exact[head[j]]))
        for rank, j in enumerate(order, 1)
    ]


def _closeness(copies: npt.NDArray[np.int32], lengths: npt.NDArray[np.int64], n: int,
               mutual: npt.NDArray[np.float64], exact: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """Which of equally similar candidates comes first. Near-matches: the two-way similarity. Texts quoting
    the query verbatim: the query's own text, then the texts where it is the likeliest to come from --
    short ones (the query is much of them) copied into many agreements (copies per canonical word)."""
    out = mutual.astype(np.float64)
    prior = copies[exact] / np.maximum(1, lengths[exact])
    out[exact] = np.where(lengths[exact] <= n, np.inf, prior)
    return out


def matching_passage(text: str, provision: Provision) -> str:
    """The part of ``provision`` that answers ``text``: whole sentences around the best-matching window when
    the provision is much longer than the query (a sentence pasted from a long article), else its text."""
    norm, full = normalize_text(text), provision.normalized
    if len(full) <= _PASSAGE_WHOLE * len(norm):
        return provision.text
    found = fuzz.partial_ratio_alignment(norm, full)
    if found is None:
        return provision.text
    # Snap the window's ends to the nearest sentence (or list item) boundaries.
    bounds = list(_BOUNDARY.finditer(full))
    start = min([0, *(m.end() for m in bounds)], key=lambda i: abs(i - found.dest_start))
    ends = [i for i in (*(m.start() + 1 for m in bounds), len(full)) if i > start]
    stop = min(ends, key=lambda i: abs(i - found.dest_end))
    return full[start:stop].strip()


def lineage(corpus: Corpus, text: str, *, min_similarity: float = LINEAGE_MIN_SIMILARITY,
            provision: Provision | None = None, since: int | None = None, until: int | None = None,
            before: date | None = None, party: Sequence[str] = (), exclude: Sequence[str] = ()) -> Lineage:
    """Every provision containing (most of) the clause, ordered by signature date, with the likely origin:
    the earliest text holding the clause nearly verbatim (at least :data:`NEAR_IDENTICAL`); None when no
    text does. When the clause is an indexed ``provision``, it stays in the chronology but is never its own
    origin, and an origin must come from another agreement signed before it. The filters are those of
    :func:`precedents`."""
    found = precedents(corpus, text, limit=None, min_similarity=min_similarity, since=since, until=until,
                       before=before, party=party, exclude=exclude)
    ordered = sorted(found, key=lambda p: (p.agreement.signed is None, p.agreement.signed or date.min, p.rank))
    own = None if provision is None else corpus.agreement(provision.agreement_id)

    def can_be_origin(p: Precedent) -> bool:
        if p.similarity < NEAR_IDENTICAL:
            return False
        if own is None:
            return True
        if p.agreement.id == own.id:
            return False
        return own.signed is None or (p.agreement.signed is not None and p.agreement.signed < own.signed)

    return Lineage(tuple(ordered), next((p for p in ordered if can_be_origin(p)), None))


def precedents_batch(
    corpus: Corpus, items: Iterable[tuple[K, str]], *, limit: int | None = 10, min_similarity: float | None = None,
    since: int | None = None, until: int | None = None, party: Sequence[str] = (), exclude: Sequence[str] = (),
) -> Iterator[tuple[K, list[Precedent] | InputError]]:
    """``(id, hits)`` for each ``(id, text)`` (options as for :func:`precedents`; ``exclude`` takes ids or
    aliases); a bad text yields its error instead of stopping the batch. The filters are checked before the
    first item is read."""
    AgreementFilter(since=since, until=until, parties=tuple(party))
    excluded = [corpus.agreement(e).id for e in exclude]
    for key, text in items:
        try:
            yield key, precedents(corpus, text, limit=limit, since=since, until=until, party=party, exclude=excluded,
                                  min_similarity=MIN_SIMILARITY if min_similarity is None else min_similarity)
        except InputError as e:
            yield key, e


def precedent_report(
    corpus: Corpus,
    clause: str | Provision,
    *,
    label: str = "query",
    limit: int = 10,
    min_similarity: float | None = None,
    since: int | None = None,
    until: int | None = None,
    parties: Sequence[str] = (),
    exclude: Sequence[str] = (),
    with_lineage: bool = False,
) -> PrecedentReport:
    """The precedents of ``clause`` (a text, or an indexed :class:`~ftadraft.model.Provision`) and, with
    ``with_lineage``, its lineage.

    An indexed provision is never its own precedent: its agreement is left out of the hits, while its
    lineage keeps it (in its place by date) but never names it, or anything signed after it, as the origin.
    ``min_similarity`` defaults to :data:`MIN_SIMILARITY` for the hits and :data:`LINEAGE_MIN_SIMILARITY`
    for the lineage; ``exclude`` takes agreement ids or aliases (an unknown one is a
    :class:`~ftadraft.errors.ReferenceNotFound`); ``since``/``until``/``parties`` as for :func:`precedents`.
    A clause too short, binary or too long is an :class:`~ftadraft.errors.InputError` naming ``label``.
    """
    AgreementFilter(since=since, until=until, parties=tuple(parties))  # an impossible year range fails first
    excluded = [corpus.agreement(e).id for e in exclude]
    provision = clause if isinstance(clause, Provision) else None
    if provision is not None:
        text, label = provision.text, provision.id
    else:
        text = str(clause)
    check_text(text, label)
    hits_min = MIN_SIMILARITY if min_similarity is None else min_similarity
    own = [provision.agreement_id] if provision is not None else []
    hits = precedents(corpus, text, limit=limit, min_similarity=hits_min, since=since, until=until, party=parties,
                      exclude=[*excluded, *own])
    chrono = None
    if with_lineage:
        chrono = lineage(corpus, text, min_similarity=LINEAGE_MIN_SIMILARITY if min_similarity is None
                         else min_similarity, provision=provision, since=since, until=until, party=parties,
                         exclude=excluded)
    return PrecedentReport(text, label, provision, hits_min, tuple(hits), chrono)
