"""What search keeps per session beyond the corpus's :class:`~ftadraft.corpus.SessionCache`: the agreements of
hits already shown and the phrase table (:mod:`.presence`). Held beside that session object, so it is dropped
with it whenever the index changes: the same freshness check as everything else derived from the index."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from ..index import derived
from . import presence

if TYPE_CHECKING:
    from ..corpus import Corpus, SessionCache
    from ..index.store import ProvisionFilter
    from ..model import Agreement
    from .engine import Filters


@dataclass(eq=False)
class SearchState:
    """Search's per-session structures (valid for the session's index state)."""

    agreements: dict[str, Agreement] = field(default_factory=dict)
    phrases: presence.PhraseTable | None = None
    phrases_tried: bool = False
    #: Per language: queries that scanned the vocabulary for their words' surface forms (see :mod:`.snippets`).
    form_scans: dict[str, int] = field(default_factory=dict)
    #: (topic ids, language) -> the lemmatised phrases naming those topics in that language (:func:`.query.translated`)
    translations: dict[tuple[tuple[str, ...], str], tuple[str, ...]] = field(default_factory=dict)
    #: Search filters already put in the store's form (:func:`.engine._filter`)
    filters: dict[Filters, ProvisionFilter] = field(default_factory=dict)


_STATES: WeakKeyDictionary[SessionCache, SearchState] = WeakKeyDictionary()


def state(corpus: Corpus) -> SearchState:
    """Search's structures for the corpus's current session (new and empty after any index change)."""
    session = corpus.session()
    found = _STATES.get(session)
    if found is None:
        found = _STATES[session] = SearchState()
    return found


def phrase_file(corpus: Corpus) -> Path | None:
    """Where the phrase table of this index in its current state is kept."""
    return derived.search_cache_file(corpus, "phrases", presence.LAYOUT, ".bin")


def phrase_table(corpus: Corpus) -> presence.PhraseTable | None:
    """The saved phrase table of this index state (read once per session), or None."""
    st = state(corpus)
    if not st.phrases_tried:
        st.phrases_tried = True
        st.phrases = presence.parse(derived.read_bytes(phrase_file(corpus)), presence.thesaurus_key("en"))
    return st.phrases


def save_phrase_table(corpus: Corpus, table: presence.PhraseTable) -> None:
    """Keep ``table`` for this session and for later processes."""
    derived.write_bytes(phrase_file(corpus), table.to_bytes())
    st = state(corpus)
    st.phrases, st.phrases_tried = table, True
