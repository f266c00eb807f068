"""Clause search: query planning, BM25 ranking, the domain thesaurus, snippets and grouping.

- :mod:`.query` — query planning: lemmas from the index vocabulary, typo folding, thesaurus concepts, word weights.
- :mod:`.snippets` — the window of text shown with each hit, query words marked.
- :mod:`.engine` — :func:`search`, :class:`Filters`, :class:`Hit`, :func:`prepare` (builds or loads the in-memory
  BM25 counts of :mod:`ftadraft.index.bm25` and the phrase table; ``corpus add`` runs it last).
- :mod:`.presence` — the phrase table: the thesaurus as lemmas of the index and the provisions holding each phrase.
- :mod:`.state` — search's per-session structures, dropped with the corpus's session when the index changes.
- :mod:`.thesaurus` with ``thesaurus.toml`` — courier ↔ express shipments, servers ↔ computing facilities, ….

May import: the shared leaves, :mod:`ftadraft.ingest`, :mod:`ftadraft.index` and :mod:`ftadraft.tags`.
"""

from .engine import Filters, Hit, prepare, search, search_batch

__all__ = ["Filters", "Hit", "prepare", "search", "search_batch"]
