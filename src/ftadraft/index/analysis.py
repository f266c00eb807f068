"""Text analysis for the index: tokens, lookup lemmas and sentence boundaries with spaCy.

A blank spaCy pipeline per language (a tokenizer tuned for treaty text, rule-based sentence
boundaries over its tokens) and the lemma lookup
tables of ``spacy-lookups-data``: no model download, deterministic output. spaCy is imported
lazily so commands that do not analyse text start fast. Large batches are spread over worker
processes (``FTADRAFT_WORKERS``, default: the number of CPUs).

spaCy's tokenizer splits a text at whitespace and tokenises every space-delimited chunk ("span") on
its own, and most spans repeat (70,000 distinct spans make up the 5.6 million of ToTA's English
texts). So each distinct span is tokenised by spaCy once per process, and what the index needs of it
is kept: the lemmas of its words, where its first word starts, and where sentences end inside it. A
text is then analysed by splitting it and looking its spans up, without building a spaCy ``Doc``;
texts with other whitespace than single spaces go through spaCy whole. Both give the same lemmas and
sentences (``tests/index/test_ingest_equivalence.py`` compares them on real treaties).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, compress
from typing import Any

#: Languages with a tokenizer and a lemma table; anything else is tokenised as English without lemmas.
LEMMA_LANGUAGES = ("en", "es", "fr")
#: Corrections to the generic lookup tables where they damage trade-law vocabulary.
LEMMA_OVERRIDES = {"en": {"customs": "customs", "taxes": "tax", "data": "data", "goods": "goods"}}
_PARALLEL_MIN_CHARS = 2_000_000
_CHUNK_CHARS = 1_000_000


@dataclass(frozen=True)
class Analysis:
    """Lemmatised form of a text (lower-case lemmas joined by spaces, punctuation dropped) and its
    sentences as ``(start, end)`` character offsets into the analysed text."""

    lemmas: str
    sentences: tuple[tuple[int, int], ...]
    #: The canonical word-hash sequence for precedent matching (:mod:`ftadraft.fingerprint`).
    fingerprint: bytes = b""


#: Abbreviations in treaty text whose full stop does not end a sentence.
_ABBREVIATIONS = ("art.", "arts.", "no.", "nos.", "para.", "paras.", "subpara.", "u.s.", "e.g.", "i.e.", "etc.",
                  "cf.", "viz.", "ch.", "chap.", "sec.", "vol.", "p.", "pp.", "approx.", "incl.", "inc.", "ltd.",
                  "co.", "corp.", "jan.", "feb.", "mar.", "apr.", "jun.", "jul.", "aug.", "sep.", "sept.", "oct.",
                  "nov.", "dec.", "núm.", "pág.")


def _treaty_tokenizer(vocab: Any, lang: str) -> Any:
    """A spaCy tokenizer with treaty abbreviations ("Art.", "e.g.", "U.S.") — plus spaCy's English
    exceptions for English — and plain punctuation rules: twice as fast as the default on treaty
    text and the same tokens for it (brackets, quotes and trailing punctuation split off; hyphens
    and slashes split words; "14.3" kept). Other languages' exception lists are not loaded: French
    alone takes three seconds to build, for no gain on treaty text."""
    import re

    from spacy.symbols import ORTH
    from spacy.tokenizer import Tokenizer

    rules: dict[str, Any] = {}
    if lang == "en":
        from spacy.lang.en import English

        rules.update(English.Defaults.tokenizer_exceptions)
    for abbr in _ABBREVIATIONS:
        for form in {abbr, abbr.capitalize(), abbr.upper()}:
            rules[form] = [{ORTH: form}]
    return Tokenizer(
        vocab,
        rules=rules,
        prefix_search=re.compile(r"""^[\(\[\{"'“‘«¿¡]""").search,
        suffix_search=re.compile(r"""(?:[\)\]\}"'”’».,;:!?]|'s)$""").search,
        infix_finditer=re.compile(r"""[-–—/]|(?<=[a-z])\.(?=[A-Z])""").finditer,
    )


@dataclass(frozen=True)
class ProvisionAnalysis:
    """What the index stores for one provision: lemmas of text, title and chapter title, the
    sentence offsets into the provision's normalised text, and its topic and obligation tags."""

    lemmas: str
    title_lemmas: str
    chapter_lemmas: str
    sentences: tuple[tuple[int, int], ...]
    topics: tuple[tuple[str, float], ...] = ()
    obligation: str | None = None
    fingerprint: bytes = b""


@dataclass(frozen=True)
class TagInput:
    """What tagging needs of one provision: its analysed text (all of it is in the index once stored)."""

    normalized: str
    sentences: tuple[tuple[int, int], ...]
    title: str | None
    lemmas: str
    title_lemmas: str
    chapter_lemmas: str
    #: the language the lemmas are in (its phrase tables tag them)
    lang: str = "en"


#: Tokens that end a sentence (the rule of spaCy's sentencizer).
_SENTENCE_END = frozenset((".", "!", "?"))
#: Whitespace other than the space character (texts with it are tokenised whole).
_OTHER_SPACE = re.compile(r"[^\S ]")


@dataclass(frozen=True)
class _Ends:
    """Where sentences end inside one span that holds a sentence-ending token: the offset of its first
    word (None: no word), whether an ending token comes before that word, the offsets of its other
    words that follow an ending token, and whether one follows its last word."""

    first: int | None
    before_first: bool
    starts: tuple[int, ...]
    after_last: bool


class _Pipeline:
    """One language's tokenizer and lemma lookup, with per-process caches of lemmas and of spans."""

    def __init__(self, lang: str) -> None:
        from spacy.attrs import IS_PUNCT, IS_SPACE, LOWER
        from spacy.lang.lex_attrs import LEX_ATTRS
        from spacy.vocab import Vocab

        # Only the attributes analysis reads (lower case, punctuation and space flags): computing
        # spaCy's other lexical attributes for every new word form cost more than tokenising.
        self.vocab = Vocab(lex_attr_getters={a: LEX_ATTRS[a] for a in (LOWER, IS_PUNCT, IS_SPACE)})
        self.tokenizer = _treaty_tokenizer(self.vocab, lang)
        self.table: dict[str, Any] | None = _lemma_table(lang) if lang in LEMMA_LANGUAGES else None
        self.cache: dict[str, str] = dict(LEMMA_OVERRIDES.get(lang, {}))
        #: span -> the lemmas of its words joined by spaces ("" when it has none)
        self.pieces: dict[str, str] = {}
        #: span -> offset of its first word (spans with a word only)
        self.first_word: dict[str, int] = {}
        #: span -> sentence ends inside it (spans with a sentence-ending token only)
        self.ends: dict[str, _Ends] = {}
        #: span -> (lower-case form, lemma) of each of its tokens, for the index vocabulary
        self.forms: dict[str, tuple[tuple[str, str], ...]] = {}
        #: spans whose lemmas cannot be joined span by span (a word whose lemma is empty)
        self.odd: set[str] = set()

    def lemma(self, lower: str) -> str:
        value = self.cache.get(lower)
        if value is None:
            found = self.table.get(lower, lower) if self.table is not None else lower
            if isinstance(found, list):  # some languages' tables list several lemmas: take the first
                found = found[0] if found else lower
            value = self.cache[lower] = str(found).lower()
        return value

    def _learn(self, spans: Sequence[str]) -> None:
        """Tokenise new spans (no whitespace in them), each on its own as spaCy tokenises it inside a text:
        a few thousand at a time in one text, kept apart by a line break (a whitespace token that no
        special case of the tokenizer can span), then each span's tokens by their offsets."""
        for i in range(0, len(spans), 4096):
            chunk = spans[i : i + 4096]
            offsets = list(accumulate((len(s) + 3 for s in chunk), initial=0))
            tokens: list[list[Any]] = [[] for _ in chunk]
            k = 0
            for tok in self.tokenizer(" \n ".join(chunk)):
                if tok.is_space:
                    continue
                while tok.idx >= offsets[k + 1]:
                    k += 1
                tokens[k].append(tok)
            for span, toks, offset in zip(chunk, tokens, offsets, strict=False):
                self._learn_span(span, toks, offset)

    def _learn_span(self, span: str, toks: list[Any], offset: int) -> None:
        """What analysis keeps of one span, from its tokens (``offset``: where the span starts in their text)."""
        words: list[str] = []
        forms: list[tuple[str, str]] = []
        first: int | None = None
        before_first = pending = has_end = False
        starts: list[int] = []
        for tok in toks:
            lemma = self.lemma(tok.lower_)
            forms.append((tok.lower_, lemma))
            if tok.text in _SENTENCE_END:
                pending = has_end = True
            if tok.is_space or tok.is_punct:
                continue
            words.append(lemma)
            if first is None:
                first, before_first = tok.idx - offset, pending
            elif pending:
                starts.append(tok.idx - offset)
            pending = False
        self.pieces[span] = " ".join(words)
        self.forms[span] = tuple(forms)
        if first is not None:
            self.first_word[span] = first
        if has_end:
            self.ends[span] = _Ends(first, before_first, tuple(starts), pending)
        if "" in words:
            self.odd.add(span)

    def run(self, texts: Sequence[str], vocabulary: dict[str, str] | None = None) -> list[Analysis]:
        """Analyse texts; ``vocabulary`` receives every word form met (lower case) -> its lemma."""
        from .. import fingerprint  # numpy: loaded when analysing, not on import

        split: list[list[str] | None] = []
        met: set[str] = set()
        for text in texts:
            # Words separated by single spaces (normalised text): spaCy's spans are exactly these.
            if text and text[0] != " " and text[-1] != " " and "  " not in text and not _OTHER_SPACE.search(text):
                spans = text.split(" ")
                met.update(spans)
                split.append(spans)
            else:
                split.append(None)
        self._learn(sorted(s for s in met if s not in self.pieces))
        out: list[Analysis] = []
        odd = self.odd
        for text, words in zip(texts, split, strict=True):
            if words is None or (odd and not odd.isdisjoint(words)):
                lemmas, sentences = self._run_whole(text, vocabulary)
            else:
                lemmas, sentences = self._from_spans(text, words)
            out.append(Analysis(lemmas, sentences, fingerprint.stored_hashes(text, words)))
        if vocabulary is not None:
            forms = self.forms
            for span in met:
                vocabulary.update(forms[span])
        return out

    def _from_spans(self, text: str, spans: list[str]) -> tuple[str, tuple[tuple[int, int], ...]]:
        """Lemmas and sentences of a text made of ``spans`` joined by single spaces (all learnt)."""
        pieces = list(map(self.pieces.__getitem__, spans))
        lemmas = " ".join(filter(None, pieces))
        first_word = self.first_word
        n = len(spans)
        i = 0
        while i < n and not pieces[i]:
            i += 1
        if i == n:
            return lemmas, _sentences(text, [0])
        ends = self.ends
        marked = list(compress(range(n), map(ends.__contains__, spans)))
        if not marked:
            offset = sum(map(len, spans[:i])) + i
            return lemmas, _sentences(text, [offset + first_word[spans[i]]])
        cum = list(accumulate(map(len, spans), initial=0))  # offset of span j: cum[j] + j
        starts = [cum[i] + i + first_word[spans[i]]]
        pending = False
        info = ends.get(spans[i])
        if info is not None:
            starts.extend(cum[i] + i + x for x in info.starts)
            pending = info.after_last
        k = i + 1  # spans before k are done
        for m in marked:
            if m < k:
                continue
            if pending:
                j = k
                while j < m and not pieces[j]:
                    j += 1
                if j < m:  # a span with words and no ending token starts the sentence
                    starts.append(cum[j] + j + first_word[spans[j]])
                    pending = False
            info = ends[spans[m]]
            if info.first is None:
                pending = True
            else:
                if pending or info.before_first:
                    starts.append(cum[m] + m + info.first)
                starts.extend(cum[m] + m + x for x in info.starts)
                pending = info.after_last
            k = m + 1
        if pending:
            j = k
            while j < n and not pieces[j]:
                j += 1
            if j < n:
                starts.append(cum[j] + j + first_word[spans[j]])
        return lemmas, _sentences(text, starts)

    def _run_whole(self, text: str, vocabulary: dict[str, str] | None) -> tuple[str, tuple[tuple[int, int], ...]]:
        """Lemmas and sentences of one text tokenised whole by spaCy (texts with other whitespace)."""
        words: list[str] = []
        starts: list[int] = []
        pending = False
        for tok in self.tokenizer(text):
            lemma = self.lemma(tok.lower_)
            if vocabulary is not None:
                vocabulary[tok.lower_] = lemma
            if tok.text in _SENTENCE_END:
                pending = True
            if tok.is_space or tok.is_punct:
                continue
            words.append(lemma)
            if not starts or pending:
                starts.append(tok.idx)
            pending = False
        return " ".join(words), (_sentences(text, starts or [0]) if text else ())


def _sentences(text: str, starts: list[int]) -> tuple[tuple[int, int], ...]:
    """Sentences from their start offsets: each runs to the next start, trailing space trimmed; empty
    ones dropped."""
    ends = starts[1:] + [len(text)]
    return tuple((s, s + len(text[s:e].rstrip())) for s, e in zip(starts, ends, strict=True) if text[s:e].strip())


def _lemma_table(lang: str) -> dict[str, Any]:
    """The lookup lemmatiser's table from spacy-lookups-data, as a plain dict (spaCy's ``Table`` holds
    the same pairs by string hash and takes seconds longer to build)."""
    from spacy.util import load_language_data, registry

    return dict(load_language_data(registry.lookups.get(lang)["lemma_lookup"]))


@cache
def _pipeline(lang: str) -> _Pipeline:
    return _Pipeline(lang)


def _run_chunk(lang: str, texts: Sequence[str]) -> tuple[list[Analysis], dict[str, str]]:
    """Analyse one chunk; also return the word forms met (-> lemma), for the index vocabulary."""
    forms: dict[str, str] = {}
    return _pipeline(lang).run(texts, forms), forms


def worker_count() -> int:
    """How many worker processes large batches use: ``$FTADRAFT_WORKERS``, or the number of CPUs."""
    env = os.environ.get("FTADRAFT_WORKERS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, os.cpu_count() or 1)


def analyze(
    texts: Sequence[str],
    lang: str = "en",
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Analysis]:
    """Analyse ``texts`` (in order); ``progress`` is called with the number of texts just done."""
    return analyze_mixed([(lang, t) for t in texts], workers=workers, progress=progress)


def analyze_mixed(
    items: Sequence[tuple[str, str]],
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    vocabulary: dict[tuple[str, str], str] | None = None,
) -> list[Analysis]:
    """Analyse ``(lang, text)`` pairs in order, all languages in one pool of worker processes.

    If ``vocabulary`` is given, it receives ``(lang, word form) -> lemma`` for the forms met, so the
    index can lemmatise queries later without loading spaCy.
    """
    if not items:
        return []
    by_lang: dict[str, list[int]] = {}
    for pos, (lang, _text) in enumerate(items):
        by_lang.setdefault(lang, []).append(pos)
    chunks: list[tuple[str, list[int], list[str]]] = []
    for lang, positions in by_lang.items():
        start, size = 0, 0
        for n, pos in enumerate(positions, start=1):
            size += len(items[pos][1])
            if size >= _CHUNK_CHARS or n == len(positions):
                chunk = positions[start:n]
                chunks.append((lang, chunk, [items[p][1] for p in chunk]))
                start, size = n, 0
    total_chars = sum(len(t) for _, t in items)
    n_workers = min(workers or worker_count(), len(chunks))
    results: list[Analysis | None] = [None] * len(items)

    def collect(lang: str, positions: list[int], chunk: tuple[list[Analysis], dict[str, str]]) -> None:
        done, forms = chunk
        if vocabulary is not None:
            vocabulary.update(((lang, form), lemma) for form, lemma in forms.items())
        for pos, an in zip(positions, done, strict=True):
            results[pos] = an
        if progress:
            progress(len(positions))

    if n_workers <= 1 or total_chars < _PARALLEL_MIN_CHARS:
        for lang, positions, texts in chunks:
            collect(lang, positions, _run_chunk(lang, texts))
    else:
        from .workers import pool as worker_pool

        with worker_pool(n_workers) as pool:
            langs = [c[0] for c in chunks]
            texts_list = [c[2] for c in chunks]
            for (lang, positions, _), done in zip(chunks, pool.map(_run_chunk, langs, texts_list), strict=True):
                collect(lang, positions, done)
    return results  # type: ignore[return-value]


def lemma(word: str, lang: str = "en") -> str:
    """The lookup lemma of one word (lower-cased), as the index stores it."""
    return _pipeline(lang).lemma(word.lower())


def lemmatize(text: str, lang: str = "en") -> str:
    """The lemma string of one text (e.g. a query), analysed exactly as indexed texts are."""
    return _pipeline(lang).run([text])[0].lemmas
