"""What a server's searches rely on, on a real (small) index: snippets made when read are the snippets made at
once, filter masks built per condition let through exactly the rows of the whole filter, hits load the stored
provisions, and a deep search's first hits are a shallow search's hits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import ftadraft
from ftadraft.index.store import ProvisionFilter
from ftadraft.research.facets import facets
from ftadraft.search.engine import Filters, prepare, search
from ftadraft.search.snippets import snippet

QUERIES = ["customs procedures", "origin of goods", "express shipments", "dispute settlement panel",
           "national treatment", "sanitary measures", "transparency publication of laws", "customs valuation"]
FILTERS = [None, Filters(parties=("JPN",)), Filters(obligation="binding"), Filters(obligation="soft", since=2000),
           Filters(parties=("CMR",), obligation="binding"), Filters(lang="fr"), Filters(lang="en", until=2005)]


def _fingerprint(hits: list[Any]) -> list[tuple[str, float, str]]:
    return [(h.provision.id, h.score, h.snippet) for h in hits]


def test_snippets_made_when_read_equal_snippets_made_at_once(small_db: Path) -> None:
    """A hit's snippet is the same whether it is read at once or after the session has run other searches
    (which changes how it finds word forms), and it marks the query's words in the article's own text."""
    with ftadraft.open(small_db, create=False) as now, ftadraft.open(small_db, create=False) as later:
        at_once = [_fingerprint(search(now, q, limit=10)) for q in QUERIES]
        unread = [search(later, q, limit=10) for q in QUERIES]
        assert not any("snippet" in h.__dict__ for hits in unread for h in hits)  # nothing made yet
        for q in QUERIES * 2:  # more than snippets.FORM_SCANS queries: the vocabulary is read whole meanwhile
            search(later, q, limit=3)
        assert [_fingerprint(hits) for hits in reversed(unread)][::-1] == at_once
    marked = 0
    for hits in at_once:
        for pid, _, text in hits:
            marked += text.count("[")
            assert text.replace("[", "").replace("]", "").strip("…") in _normalized(small_db, pid)
    assert marked > 50


def _normalized(db: Path, pid: str) -> str:
    with ftadraft.open(db, create=False) as c:
        return c.provision(pid).normalized


def test_snippet_of_a_hit_is_the_library_snippet_of_its_text(small_db: Path) -> None:
    with ftadraft.open(small_db, create=False) as c:
        hits = search(c, "customs procedures for goods", limit=10)
        assert hits
        for h in hits:
            assert h.snippet == snippet(h.provision.normalized, set(h.marks.all))
            assert h.to_dict()["snippet"] == h.snippet and "[" in h.snippet


@pytest.mark.parametrize("scorer", [False, True], ids=["fts5", "in-memory"])
def test_deep_search_begins_with_the_shallow_search(small_db: Path, scorer: bool) -> None:
    """A server fetches 100 hits once for every page of a search and its facets: the first hits are exactly
    those of a search for fewer, snippets included, with and without filters."""
    with ftadraft.open(small_db, create=False) as c:
        if scorer:
            assert prepare(c)
        for q in QUERIES:
            for f in FILTERS:
                deep = search(c, q, limit=100, filters=f)
                for n in (10, 21):
                    assert _fingerprint(deep[:n]) == _fingerprint(search(c, q, limit=n, filters=f)), (q, f, n)


def test_facets_do_not_read_snippets(small_db: Path) -> None:
    with ftadraft.open(small_db, create=False) as c:
        hits = search(c, "each party shall ensure", limit=100)
        counts = facets(hits)
        assert counts.hits == len(hits) > 20
        assert not any("snippet" in h.__dict__ for h in hits)
        assert facets(hits) == counts


def test_filter_masks_per_condition_equal_the_whole_filter(small_db: Path) -> None:
    """The in-memory scorer's mask of a filter, built from one mask per condition, lets through exactly the rows
    the store's SQL of the whole filter selects."""
    from ftadraft.search.engine import _allowed, _filter

    with ftadraft.open(small_db, create=False) as c:
        assert prepare(c)
        postings = c.session().scorer
        some_topic = c.index.topic_rows()[0].topic
        cases = [*FILTERS[1:], Filters(parties=("JPN", "CMR")), Filters(parties=("JPN", "THA"), all_parties=True),
                 Filters(chapter="customs", obligation="binding"), Filters(topics=(some_topic,), obligation="mixed"),
                 Filters(since=1990, until=2010, lang="en", obligation="binding", parties=("JPN",))]
        seen = 0
        for f in cases * 2:  # the second time from the cached masks
            flt = _filter(c, f)
            assert len(flt.parts()) == len(flt.where) >= 1
            whole = postings.mask(c.index.rowids_matching(flt))
            got = _allowed(c, postings, flt)
            assert (got == whole).all(), f
            seen += int(whole.sum())
        assert seen > 0


def test_provision_filter_parts_take_their_own_arguments() -> None:
    f = ProvisionFilter(("a.id IN (?,?)", "p.obligation = ?", "a.signed >= ?"), ("x", "y", "binding", "2000"))
    assert f.parts() == (ProvisionFilter(("a.id IN (?,?)",), ("x", "y")),
                         ProvisionFilter(("p.obligation = ?",), ("binding",)),
                         ProvisionFilter(("a.signed >= ?",), ("2000",)))
    assert ProvisionFilter().parts() == ()
    with pytest.raises(ValueError, match="arguments"):
        ProvisionFilter(("p.obligation = ?",), ("binding", "extra")).parts()


def test_hit_provisions_are_the_stored_provisions(small_db: Path) -> None:
    """The provisions search loads for its hits (plain tuples) equal those every other read makes, flags,
    source and topics included."""
    with ftadraft.open(small_db, create=False) as c:
        rowids = [r for a in c.agreements() for r in c.index.rowids_matching(
            c.index.provision_filter(Filters(agreement=a.id).agreements(), agreement_id=a.id))]
        assert len(rowids) > 100
        loaded = c.index.hit_provisions(rowids)
        stored = c.index.provisions_by_rowid(rowids)
        assert loaded == stored and loaded.keys() == set(rowids)
        assert any(p.flags for p in loaded.values()) and any(p.topics for p in loaded.values())


def test_best_tagged_without_conditions_is_the_joined_query(small_db: Path) -> None:
    """Asked without conditions, the topics table alone gives the rows, in the order, that the query joined to
    provisions and agreements gives (ties included)."""
    joined = ("SELECT p.rowid FROM provision_topics pt JOIN provisions p ON p.rowid = pt.provision_rowid "
              "JOIN agreements a ON a.id = p.agreement_id WHERE pt.topic IN ({}) ORDER BY pt.score DESC LIMIT ?")
    with ftadraft.open(small_db, create=False) as c:
        topics = sorted({t.topic for t in c.index.topic_rows()})
        assert len(topics) > 10
        for ts in [[t] for t in topics] + [list(pair) for pair in zip(topics, topics[3:], strict=False)]:
            for limit in (5, 100):
                want = [r for (r,) in c.index.conn.execute(joined.format(",".join("?" * len(ts))), (*ts, limit))]
                assert c.index.best_tagged(ts, ProvisionFilter(), limit) == want != []
