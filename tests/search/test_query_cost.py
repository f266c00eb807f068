"""The cost of a query is bounded before it runs (issue 16): 400 ``x*`` prefix terms joined by OR ran 104 s
on ToTA (FTS5 merges every expansion of every prefix). Too many terms, prefix terms or expansions are
refused with one line that says which bound and how to stay within it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import ftadraft
from conftest import RunCli
from ftadraft.errors import QueryError
from ftadraft.search import query as query_module


def test_four_hundred_prefix_terms_are_refused_at_once(run: RunCli, small_db: Path) -> None:
    q = " OR ".join(["x*"] * 400)
    start = time.perf_counter()
    r = run("search", q, db=small_db)
    assert time.perf_counter() - start < 5
    assert r.exit_code == 1
    assert r.stderr.startswith("ftadraft: query too costly") and r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr


def test_too_many_prefix_terms(small_db: Path) -> None:
    q = " OR ".join(f"{c}x*" for c in "abcdefghijklmnopq")  # 17 prefix terms, each matching nothing
    with ftadraft.open(small_db, readonly=True) as c, pytest.raises(QueryError, match=r"17 prefix\* terms"):
        c.search(q)


def test_prefix_expansions_are_counted_in_the_index(small_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with ftadraft.open(small_db, readonly=True) as c:
        expands = c.index.prefix_terms("c")
        assert expands > 50  # "c*" in four agreements: customs, cooperation, ...
        assert c.index.prefix_terms("customs") >= 1 and c.index.prefix_terms("zzzzq") == 0
        monkeypatch.setattr(query_module, "MAX_PREFIX_EXPANSIONS", 2 * expands)
        assert c.search("c* OR d*", limit=1) is not None  # within the bound
        with pytest.raises(QueryError, match="make the prefixes longer"):
            c.search("c* OR c* OR c*")


def test_ordinary_advanced_queries_still_run(small_db: Path) -> None:
    with ftadraft.open(small_db, readonly=True) as c:
        hits = c.search('custom* AND "rules of origin"', limit=3)
        assert hits and all("origin" in f"{h.provision.title} {h.provision.chapter_title} {h.provision.text}".lower()
                            for h in hits)
        assert c.search("customs procedures", limit=3)


def test_a_lone_surrogate_in_a_query_is_one_line(run: RunCli, small_db: Path) -> None:
    r = run("search", "customs \udc80", db=small_db)
    assert (r.exit_code, r.stderr.strip()) == (1, "ftadraft: query: not valid UTF-8 text (a lone surrogate or "
                                                   "undecodable bytes)")
