"""Text analysis for the index: tokens, lookup lemmas and sentence boundaries with spaCy.

A blank spaCy pipeline per language (a tokenizer tuned for treaty text, rule-based sentence
boundaries over its tokens) and the lemma lookup
tables of ``spacy-lookups-data``: no model download, deterministic output. spaCy is imported
lazily so commands that do not analyse text start fast. Large batches are spread over worker
processes (``FTADRAFT_WORKERS``, default: the number of CPUs).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from .workers import pool as worker_pool

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


class _Pipeline:
    """One language's tokenizer and lemma lookup, with a per-process lemma cache."""

    def __init__(self, lang: str) -> None:
        from spacy.lang.lex_attrs import LEX_ATTRS
        from spacy.lookups import load_lookups
        from spacy.vocab import Vocab

        self.vocab = Vocab(lex_attr_getters=dict(LEX_ATTRS))  # lower case, punctuation and space flags
        self.tokenizer = _treaty_tokenizer(self.vocab, lang)
        self.table: Any = None
        if lang in LEMMA_LANGUAGES:  # the lookup lemmatiser's table, from spacy-lookups-data
            self.table = load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup")
        self.cache: dict[str, str] = dict(LEMMA_OVERRIDES.get(lang, {}))

    def lemma(self, lower: str) -> str:
        value = self.cache.get(lower)
        if value is None:
            found = self.table.get(lower, lower) if self.table is not None else lower
            if isinstance(found, list):  # some languages' tables list several lemmas: take the first
                found = found[0] if found else lower
            value = self.cache[lower] = str(found).lower()
        return value

    def run(self, texts: Sequence[str], vocabulary: dict[str, str] | None = None) -> list[Analysis]:
        """Analyse texts in batches; lemmas are looked up once per distinct word form per batch.
        ``vocabulary`` receives every word form met (lower case) -> its lemma."""
        import numpy as np
        from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LOWER, ORTH

        from .. import fingerprint  # numpy too: loaded when analysing, not on import

        strings = self.vocab.strings
        terminal = np.array([strings.add(c) for c in _SENTENCE_END], dtype=np.uint64)
        out: list[Analysis] = []
        for i in range(0, len(texts), 256):
            batch = texts[i : i + 256]
            arrays = [
                doc.to_array([LOWER, IS_SPACE, IS_PUNCT, ORTH, IDX])
                for doc in self.tokenizer.pipe(batch)
            ]
            stacked = np.concatenate(arrays) if arrays else np.zeros((0, 5), dtype=np.uint64)
            keep = (stacked[:, 1] == 0) & (stacked[:, 2] == 0)
            forms, inverse = np.unique(stacked[:, 0], return_inverse=True)
            form_strings = [strings[int(h)] for h in forms.tolist()]
            form_lemmas = [self.lemma(f) for f in form_strings]
            if vocabulary is not None:
                vocabulary.update(zip(form_strings, form_lemmas, strict=True))
            lemmas = np.array(form_lemmas, dtype=object)[inverse.ravel()]
            pos = 0
            for text, arr in zip(batch, arrays, strict=True):
                n = len(arr)
                words = lemmas[pos : pos + n][keep[pos : pos + n]]
                starts = _sentence_starts(arr, terminal) if text else []
                ends = starts[1:] + [len(text)]
                sentences = tuple(
                    (s, s + len(text[s:e].rstrip())) for s, e in zip(starts, ends, strict=False) if text[s:e].strip()
                )
                fp = fingerprint.to_bytes(fingerprint.hashes(text))
                out.append(Analysis(" ".join(words.tolist()), sentences, fp))
                pos += n
        return out


#: Tokens that end a sentence (the rule of spaCy's sentencizer, applied to token arrays at C speed:
#: the Python-level sentencizer cost as much as tokenising).
_SENTENCE_END = (".", "!", "?")


def _sentence_starts(arr: Any, terminal: Any) -> list[int]:
    """Character offsets where sentences start: the first word after a run of sentence-ending
    punctuation (closing quotes and brackets stay with the sentence they close)."""
    import numpy as np

    words = np.flatnonzero((arr[:, 1] == 0) & (arr[:, 2] == 0))  # not space, not punctuation
    if len(words) == 0:
        return [0]
    ends = np.flatnonzero(np.isin(arr[:, 3], terminal))
    nxt = np.searchsorted(words, ends + 1)
    nxt = np.unique(nxt[nxt < len(words)])
    first = [int(arr[words[0], 4])]
    return first + [int(x) for x in arr[words[nxt], 4].tolist() if int(x) > first[0]]


@cache
def _pipeline(lang: str) -> _Pipeline:
    return _Pipeline(lang)


def _run_chunk(lang: str, texts: Sequence[str]) -> tuple[list[Analysis], dict[str, str]]:
    """Analyse one chunk; also return the word forms met (-> lemma), for the index vocabulary."""
    forms: dict[str, str] = {}
    return _pipeline(lang).run(texts, forms), forms


def _workers() -> int:
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
    # Loading a language's lemma table costs seconds (French: ~5 s), so each language other than the
    # largest one goes to a single worker, and first: it loads while the other worker starts on the rest.
    by_lang: dict[str, list[int]] = {}
    for pos, (lang, _text) in enumerate(items):
        by_lang.setdefault(lang, []).append(pos)
    main_lang = max(by_lang, key=lambda lang: sum(len(items[p][1]) for p in by_lang[lang]))
    chunks: list[tuple[str, list[int], list[str]]] = [
        (lang, positions, [items[p][1] for p in positions]) for lang, positions in by_lang.items() if lang != main_lang
    ]
    positions_: list[int] = []
    size = 0
    for pos in by_lang[main_lang]:
        positions_.append(pos)
        size += len(items[pos][1])
        if size >= _CHUNK_CHARS:
            chunks.append((main_lang, positions_, [items[p][1] for p in positions_]))
            positions_, size = [], 0
    if positions_:
        chunks.append((main_lang, positions_, [items[p][1] for p in positions_]))
    total_chars = sum(len(t) for _, t in items)
    n_workers = min(workers or _workers(), len(chunks))
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
