"""The phrase table: the thesaurus as lemmas, and which provisions contain each of its phrases, saved per index.

Re-ranking asks, for each phrase of a query, which candidates contain it as whole words of their lemma
strings (" phrase " in " title chapter text ", and in " title "). Thesaurus concepts expand a query to
dozens of phrases of several words, and searching the candidates' lemma strings for each of them was
most of a query's time. They are a bounded set (the thesaurus as the index's vocabulary lemmatises it),
so :func:`ftadraft.search.engine.prepare` (run at the end of ``corpus add``) finds each one's provisions
once, and saves them with the lemmatised thesaurus itself, which a one-shot search would otherwise
compute (0.2-0.4 s).

The file is plain data read without numpy: a first line naming the format, a JSON header (the key of
the thesaurus and code it was made from, the concepts, and per phrase where its row ids are), and the
row ids as little-endian 32-bit integers. A damaged, foreign or stale file is ignored; a phrase the
file does not list is searched for in the lemma strings as before, so the results never depend on it.
"""

from __future__ import annotations

import hashlib
import json
import sys
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

MAGIC = b"ftadraft phrase table 1\n"
#: The file name carries it: changes when the file's meaning changes.
LAYOUT = "p1"

#: A lemmatised concept table: per concept, its terms as lemma tuples (see :func:`~.thesaurus.lemmatised_concepts`).
ConceptTable = list[tuple[tuple[str, ...], ...]]


@dataclass
class PhraseTable:
    """The lemmatised thesaurus of one index, and the row ids of the provisions containing its phrases."""

    key: str  # :func:`thesaurus_key` of the thesaurus and code the concepts were made with
    concepts: ConceptTable
    #: phrase -> (offset, rows containing it in title, chapter title or text, rows containing it in the title);
    #: as read from a file, checked when looked up
    spans: dict[str, Any]
    data: bytes  # the row ids, int32 little-endian
    _sets: dict[str, tuple[frozenset[int], frozenset[int]]] = field(default_factory=dict, repr=False)

    def rows(self, phrase: str) -> tuple[frozenset[int], frozenset[int]] | None:
        """(rows containing ``phrase`` anywhere, rows containing it in the title), or None when the table
        does not know the phrase."""
        found = self._sets.get(phrase)
        if found is None:
            span = self.spans.get(phrase)
            if not (isinstance(span, list | tuple) and len(span) == 3 and all(type(v) is int and v >= 0 for v in span)
                    and (span[0] + span[1] + span[2]) * 4 <= len(self.data)):
                return None  # unknown, or not what a table holds: the lemma strings decide
            offset, n_full, n_title = span
            ids = array("i")
            ids.frombytes(self.data[offset * 4:(offset + n_full + n_title) * 4])
            if sys.byteorder != "little":  # pragma: no cover - big-endian machines
                ids.byteswap()
            found = (frozenset(ids[:n_full]), frozenset(ids[n_full:]))
            if len(self._sets) >= 256:
                self._sets.clear()
            self._sets[phrase] = found
        return found

    def to_bytes(self) -> bytes:
        header = {"key": self.key, "concepts": self.concepts, "phrases": self.spans}
        return MAGIC + json.dumps(header, separators=(",", ":")).encode() + b"\n" + self.data


def make(key: str, concepts: ConceptTable, presence: Mapping[str, tuple[Sequence[int], Sequence[int]]]) -> PhraseTable:
    """A table of ``concepts`` and, per phrase, (row ids containing it, row ids containing it in the title)."""
    data = array("i")
    spans: dict[str, tuple[int, int, int]] = {}
    for phrase, (full, title) in presence.items():
        spans[phrase] = (len(data), len(full), len(title))
        data.extend(sorted(full))
        data.extend(sorted(title))
    if sys.byteorder != "little":  # pragma: no cover
        data.byteswap()
    return PhraseTable(key, concepts, spans, data.tobytes())


def parse(raw: bytes | None, key: str) -> PhraseTable | None:
    """The table stored in ``raw`` if it was made for ``key`` and holds what it should, else None."""
    if not raw or not raw.startswith(MAGIC):
        return None
    end = raw.find(b"\n", len(MAGIC))
    if end < 0:
        return None
    try:
        header = json.loads(raw[len(MAGIC):end])
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(header, dict) or header.get("key") != key:
        return None
    data = raw[end + 1:]
    concepts, phrases = header.get("concepts"), header.get("phrases")
    if not (isinstance(concepts, list) and isinstance(phrases, dict) and len(data) % 4 == 0):
        return None
    if not all(type(terms) is list and all(type(t) is list for t in terms) for terms in concepts):
        return None
    table: ConceptTable = [tuple(tuple(t) for t in terms) for terms in concepts]
    if not all(type(w) is str for terms in table for t in terms for w in t):
        return None
    # Spans are checked when a phrase is looked up (:meth:`PhraseTable.rows`): a query uses a few of them.
    return PhraseTable(key, table, phrases, data)


def thesaurus_key(lang: str) -> str:
    """What the lemmatised thesaurus of ``lang`` depends on besides the index: the thesaurus, the code that
    lemmatises it, and the language's lemma table (found, not imported)."""
    h = hashlib.sha256(lang.encode())
    here = Path(__file__).parent
    for part in (resources.files("ftadraft.search").joinpath("thesaurus.toml").read_bytes(),
                 (here / "thesaurus.py").read_bytes(), (here / "query.py").read_bytes()):
        h.update(len(part).to_bytes(8, "big") + part)
    h.update(_lookups_stamp(lang).encode())
    return h.hexdigest()[:32]


def _lookups_stamp(lang: str) -> str:
    from importlib.util import find_spec

    try:
        spec = find_spec("spacy_lookups_data")
    except (ImportError, ValueError):
        return "-"
    if spec is None or not spec.submodule_search_locations:
        return "-"
    for folder in spec.submodule_search_locations:
        f = Path(folder) / "data" / f"{lang}_lemma_lookup.json.gz"
        try:
            st = f.stat()
        except OSError:
            continue
        return f"{st.st_size}/{st.st_mtime_ns}"
    return "-"


def multiword_phrases(concepts: Iterable[tuple[tuple[str, ...], ...]]) -> list[str]:
    """The phrases of several words of a concept table, as re-ranking spells them."""
    return list(dict.fromkeys(" ".join(t) for terms in concepts for t in terms if len(t) > 1))
