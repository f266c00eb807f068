"""Snippets: a window of an article around the densest cluster of the query's words, matches marked.

Words are marked in every surface form the index knows for the query's lemmas ("shipment" marks
"Shipments"), as whole words, in any case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..corpus import Corpus

_WORD = re.compile(r"\w+")

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


