"""The shared state of one ``ftadraft serve`` process.

One process serves a team. It opens the index read-only, several times (a pool): a request borrows one
connection for its whole duration, so no SQLite connection is ever used by two threads at once. Each pooled
:class:`~ftadraft.corpus.Corpus` is warmed at start (the in-memory BM25 scorer, the precedent shingle index),
and small LRU caches keep the results of recent searches and article pages, keyed by everything that makes
them (and by the index's data version, so a re-indexed file is never served stale results).
"""

from __future__ import annotations

import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ..corpus import Corpus
    from ..drafting.clauses import ClauseLibrary
    from ..drafting.nearest import ClauseWordings

T = TypeVar("T")


class LRU:
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def peek(self, key: Hashable) -> Any:
        """The cached value for ``key`` (now the most recent), or None."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def get_or(self, key: Hashable, make: Callable[[], T]) -> T:
        """The cached value for ``key``, else ``make()`` (stored; errors are not)."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]  # type: ignore[no-any-return]
        value = make()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value


class Workbench:
    """The index (a pool of read-only connections), the clause library, and caches."""

    def __init__(self, db: Path, *, connections: int = 2) -> None:
        from ..corpus import open as open_corpus

        self.db = Path(db)
        self._pool: queue.Queue[Corpus] = queue.Queue()
        self._all: list[Corpus] = []
        for _ in range(max(1, connections)):
            c = open_corpus(self.db, create=False, readonly=True)
            self._all.append(c)
            self._pool.put(c)
        self.searches = LRU(128)  # 100 hits each (every page of a search and its facets), texts included: ~1 MB each
        self.articles = LRU(256)
        self.pages = LRU(256)
        # facet counts are small (a few hundred bytes) and cost a 100-hit search with snippets: kept for many
        # more searches than the hits themselves, apart from the pages so lineages never push them out
        self.facets = LRU(8192)
        self._lock = threading.Lock()
        self._wordings: ClauseWordings | None = None

    def warm(self, report: Callable[[str], None] | None = None) -> None:
        """Build (or load) the search scorer and the precedent index of every connection now, not during the
        first visitor's request."""
        from ..provenance.precedents import precedent_index
        from ..search.engine import prepare
        from ..search.snippets import read_forms

        self.library  # noqa: B018  (load the clause library once)
        for n, c in enumerate(self._all, start=1):
            if report:
                report(f"warming connection {n} of {len(self._all)}: search scorer, precedent index")
            prepare(c)
            read_forms(c)  # the word forms snippets mark, read now rather than in a visitor's search
            precedent_index(c)
            self.wordings(c)

    @contextmanager
    def corpus(self) -> Iterator[Corpus]:
        """Borrow a connection for one request."""
        c = self._pool.get()
        try:
            yield c
        finally:
            self._pool.put(c)

    def version(self, c: Corpus) -> tuple[int, int]:
        """The index's data version (part of every cache key)."""
        return c.index.data_version()

    def wordings(self, c: Corpus) -> ClauseWordings:
        """The library's clause wordings, rendered once (clauses quoting the index render with ``c``)."""
        with self._lock:
            if self._wordings is None:
                from ..drafting.nearest import ClauseWordings

                self._wordings = ClauseWordings(self.library, c)
            return self._wordings

    @cached_property
    def library(self) -> ClauseLibrary:
        from ..drafting.clauses import load_library

        return load_library()

    def close(self) -> None:
        for c in self._all:
            c.close()
