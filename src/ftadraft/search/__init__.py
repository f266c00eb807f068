"""Clause search: query planning, BM25 ranking, the domain thesaurus, snippets and grouping.

- :mod:`.query` — query planning: lemmas from the index vocabulary, typo folding, thesaurus concepts, word weights.
- :mod:`.snippets` — the window of text shown with each hit, query words marked.
- :mod:`.engine` — :func:`search`, :class:`Filters`, :class:`Hit`, :func:`prepare` (builds the in-memory
  BM25 counts of :mod:`ftadraft.index.bm25` for long sessions).
- :mod:`.thesaurus` with ``thesaurus.toml`` — courier ↔ express shipments, servers ↔ computing facilities, ….

May import: the shared leaves, :mod:`ftadraft.ingest`, :mod:`ftadraft.index` and :mod:`ftadraft.tags`.
"""

from .engine import Filters, Hit, prepare, search, search_batch

__all__ = ["Filters", "Hit", "prepare", "search", "search_batch"]
