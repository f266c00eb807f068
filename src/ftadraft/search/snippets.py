"""Snippets: a window of an article around the densest cluster of the query's words, matches marked.

Words are marked in every surface form the index knows for the query's lemmas ("shipment" marks
"Shipments"), as whole words, in any case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from ..normalize import normalize_text, paragraphs

if TYPE_CHECKING:
    from ..corpus import Corpus
    from ..model import Provision

_WORD = re.compile(r"\w+")
#: Queries of a session that scan the vocabulary for their words' forms (about 10 ms each on ToTA) before
#: it is read whole (about 60 ms, then nothing per query).
FORM_SCANS = 6

def surface_forms(corpus: Corpus, lemmas: set[str], lang: str = "en") -> set[str]:
    """Every lower-case word form in the index whose lemma is one of ``lemmas`` (for highlighting)."""
    if not lemmas:
        return set()
    from .state import state

    cache = corpus.session().forms_of_lemma
    if lang not in cache:
        scans = state(corpus).form_scans
        if scans.get(lang, 0) < FORM_SCANS:  # the first queries (a one-shot CLI): a scan each is cheaper
            scans[lang] = scans.get(lang, 0) + 1
            return corpus.index.forms_of(sorted(lemmas), lang) | set(lemmas)
    table = read_forms(corpus, lang)  # more queries: the vocabulary read once instead of scanned per query
    return {form for lemma in lemmas for form in table.get(lemma, ())} | set(lemmas)


def read_forms(corpus: Corpus, lang: str = "en") -> dict[str, list[str]]:
    """Lemma → the word forms the index knows for it, read once per session (about 60 ms on ToTA): a session
    that will run many queries (a server) reads it at its start rather than during a visitor's search."""
    cache = corpus.session().forms_of_lemma
    if lang not in cache:
        table: dict[str, list[str]] = {}
        for form, lemma in corpus.index.vocabulary(lang):
            table.setdefault(lemma, []).append(form)
        cache[lang] = table
    return cache[lang]


def snippet(text: str, forms: set[str], width: int = 240) -> str:
    """A window of ``text`` around the densest cluster of query words (given as lower-case surface
    ``forms``), matches in [brackets]."""
    return _snippet(text, Forms.of(forms), width)


@dataclass(frozen=True)
class Forms:
    """Lower-case surface forms to mark, those of them that are whole words (\\w+), and the prefixes
    that find those (a form's first letters, none the start of another: "infring" for "infringe",
    "infringement", "infringer" ...)."""

    all: frozenset[str]
    words: tuple[str, ...]
    prefixes: tuple[str, ...] = ()

    @classmethod
    def of(cls, forms: Iterable[str]) -> Forms:
        every = frozenset(forms)
        words = tuple(sorted(f for f in every if _WORD.fullmatch(f)))
        prefixes: list[str] = []
        for start in sorted({w[:_PREFIX] for w in words}):  # sorted: a prefix comes right before its extensions
            if not (prefixes and start.startswith(prefixes[-1])):
                prefixes.append(start)
        return cls(every, words, tuple(prefixes))

    @cached_property
    def endings(self) -> tuple[re.Pattern[str], ...]:
        """Per prefix, a pattern of its whole-word forms ending a word ("infring(?:ement|er|e)(?!\\w)"): on long
        texts the regular expression engine skips in C the occurrences that are not one of the forms."""
        groups: dict[str, list[str]] = {}
        for w in self.words:
            pre = next(p for p in self.prefixes if w.startswith(p))
            groups.setdefault(pre, []).append(w[len(pre):])
        return tuple(_ending_pattern(pre, tuple(sorted(ends, key=len, reverse=True))) for pre, ends in groups.items())


@lru_cache(maxsize=4096)
def _ending_pattern(prefix: str, ends: tuple[str, ...]) -> re.Pattern[str]:
    """The pattern of the words ``prefix`` + one of ``ends`` (longest first) ending a word; kept for the
    process: the queries of a session share many words ("party", "customs", "infringement"), and compiling
    costs more than scanning a long text with it."""
    return re.compile(re.escape(prefix) + "(?:" + "|".join(map(re.escape, ends)) + r")(?!\w)")


#: Letters of the prefixes :func:`_matches` searches for (fewer scans of long texts than one per form).
_PREFIX = 4
#: Texts at least this long are searched with :attr:`Forms.endings` (compiling them costs about as much as
#: scanning a text this long).
_LONG = 10_000


def _matches(text: str, forms: Forms) -> list[tuple[int, int]]:
    """Spans of the words (maximal \\w+ runs) of ``text`` whose lower case is one of ``forms``."""
    if not forms.all:
        return []
    low = text.lower()
    if len(low) != len(text) or "Σ" in text:  # lower() is not letter by letter here: look at every word
        return [m.span() for m in _WORD.finditer(text) if m.group().lower() in forms.all]
    # Letter by letter, the lower case of a word is a word (and a character is a word character exactly
    # when its lower case is): only whole-word forms can match, and each match starts with a prefix.
    spans: list[tuple[int, int]] = []
    if len(low) >= _LONG:
        for pattern in forms.endings:  # a form ends here: the whole word when no \\w character comes before
            for ending in pattern.finditer(low):
                i = ending.start()
                if i == 0 or not (low[i - 1].isalnum() or low[i - 1] == "_"):
                    spans.append(ending.span())
        spans.sort()
        return spans
    word_at = _WORD.match
    whole = forms.all
    for pre in forms.prefixes:  # str.find runs in C; a prefix occurs a few times at most, mostly
        i = low.find(pre)
        while i >= 0:
            # a word starts here unless a \w character (alphanumeric or "_") comes before
            if i == 0 or not (low[i - 1].isalnum() or low[i - 1] == "_"):
                m = word_at(low, i)
                e = m.end() if m else i + len(pre)
                if low[i:e] in whole:
                    spans.append((i, e))
            else:
                e = i + len(pre)  # inside a word: no word starts before its end
            i = low.find(pre, e)
    spans.sort()
    return spans


def _snippet(text: str, forms: Forms, width: int = 240) -> str:
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


def snippet_paragraphs(snippet: str, p: Provision) -> list[str]:
    """A snippet (a window of ``p.normalized``, matches in [brackets]) cut where the published text of ``p``
    starts a paragraph or list item ("… communications." / "2. No Party shall …"). The snippet whole when
    the window cannot be placed in the text."""
    folded = [f for f in (normalize_text(para) for para in paragraphs(p.text)) if f]
    if " ".join(folded) != p.normalized:  # e.g. a word hyphenated across a paragraph break: no safe cut
        return [snippet]
    starts, at = set(), 0
    for f in folded:
        starts.add(at)
        at += len(f) + 1
    body = snippet.removeprefix("…").removesuffix("…")
    offset = p.normalized.find(re.sub(r"\[([^\]]+)\]", r"\1", body))
    if offset < 0:
        return [snippet]
    out, current, j = [], [snippet[: len(snippet) - len(snippet.removeprefix("…"))]], offset
    for ch in body:
        if j < len(p.normalized) and ch == p.normalized[j]:
            if j in starts and j > offset and current:
                out.append("".join(current).rstrip())
                current = []
            j += 1
        current.append(ch)
    out.append("".join(current) + snippet[len(snippet.removesuffix("…")):])
    return [x for x in out if x.strip()]
