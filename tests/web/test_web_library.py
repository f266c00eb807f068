"""The library functions the workbench added: draft-spec editing, closest library clauses, facet counts and
chapter sides. Checked against the library's own readers and builders, not against internals."""

from __future__ import annotations

from pathlib import Path

import pytest

import ftadraft
from ftadraft.drafting.clauses import load_library
from ftadraft.drafting.docx_writer import render_proposal
from ftadraft.drafting.editing import MAX_ARTICLES, DraftEdit, apply_edit, spec_data
from ftadraft.drafting.nearest import closest_clauses
from ftadraft.drafting.spec import build_proposal, check_spec, new_spec, read_spec, read_spec_text
from ftadraft.errors import FtadraftError
from ftadraft.research.articles import chapter_side, source_line
from ftadraft.research.facets import decade, facets
from ftadraft.search.engine import search

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def lib():  # type: ignore[no-untyped-def]
    return load_library()


def _titles(text: str, lib) -> list[str]:  # type: ignore[no-untyped-def]
    spec, problems = read_spec_text(text)
    assert spec is not None and not [p for p in problems if p.is_error], problems
    assert not [p for p in check_spec(spec, lib) if p.is_error]
    return [a.title for a in build_proposal(spec, lib).articles]


def test_read_spec_text_equals_read_spec(tmp_path: Path) -> None:
    for path in sorted(EXAMPLES.glob("draft-*.yaml")):
        from_file, problems_file = read_spec(path)
        from_text, problems_text = read_spec_text(path.read_text(encoding="utf-8"), where=str(path))
        assert from_text == from_file and problems_text == problems_file


def test_each_edit_does_what_it_says(lib) -> None:  # type: ignore[no-untyped-def]
    text = new_spec(lib, "e-commerce", "standard", ["USA", "GBR"], today="2026-01-01")
    titles = _titles(text, lib)
    moved = apply_edit(text, DraftEdit("up", index=3), lib)
    assert _titles(moved, lib) == titles[:2] + [titles[3], titles[2]] + titles[4:]
    assert _titles(apply_edit(text, DraftEdit("down", index=len(titles) - 1), lib), lib) == titles  # at the end
    assert _titles(apply_edit(text, DraftEdit("remove", index=0), lib), lib) == titles[1:]
    added = apply_edit(text, DraftEdit("add-text", title="Review", text="1. The Parties shall review it."), lib)
    assert _titles(added, lib) == [*titles, "Review"]
    added = apply_edit(text, DraftEdit("add-clause", clause="e-commerce/spam/soft"), lib)
    assert spec_data(added)["articles"][-1] == {"clause": "e-commerce/spam/soft"}


def test_switching_level_keeps_the_article_and_its_values(lib) -> None:  # type: ignore[no-untyped-def]
    text = new_spec(lib, "e-commerce", "standard", ["USA", "GBR"], today="2026-01-01")
    arts = spec_data(text)["articles"]
    i = next(k for k, a in enumerate(arts) if a["clause"] == "e-commerce/data-flows/standard")
    text = apply_edit(text, DraftEdit("level", index=i, level="ambitious"), lib)
    assert spec_data(text)["articles"][i]["clause"] == "e-commerce/data-flows/ambitious"
    _titles(text, lib)
    with pytest.raises(FtadraftError, match="no ambitious clause"):
        j = next(k for k, a in enumerate(arts) if a["clause"] == "e-commerce/customs-duties/standard")
        apply_edit(text, DraftEdit("level", index=j, level="ambitious"), lib)


def test_set_value_reaches_the_built_text(lib) -> None:  # type: ignore[no-untyped-def]
    text = new_spec(lib, "e-commerce", "standard", ["USA", "GBR"], today="2026-01-01")
    arts = spec_data(text)["articles"]
    i = next(k for k, a in enumerate(arts) if a["clause"] == "e-commerce/cooperation/standard")
    text = apply_edit(text, DraftEdit("value", index=i, name="committee", value="Digital Trade Board"), lib)
    spec, _ = read_spec_text(text)
    assert spec is not None
    assert "Digital Trade Board" in " ".join(str(b) for b in build_proposal(spec, lib).articles[i].body)
    with pytest.raises(FtadraftError, match="no such variable"):
        apply_edit(text, DraftEdit("value", index=i, name="nope", value="1"), lib)


def test_a_partys_alternative_becomes_bracketed_wording(lib) -> None:  # type: ignore[no-untyped-def]
    text = new_spec(lib, "e-commerce", "standard", ["USA", "GBR"], today="2026-01-01")
    before = _titles(text, lib)
    text = apply_edit(text, DraftEdit("alternative", index=2, party="GBR", text="The Parties shall not impose "
                                      "customs duties on electronic transmissions."), lib)
    spec, _ = read_spec_text(text)
    assert spec is not None and spec.articles[2].kind == "alternatives"
    assert [a.party for a in spec.articles[2].alternatives] == ["USA", "GBR"]
    proposal = build_proposal(spec, lib)
    assert [a.title for a in proposal.articles] == before  # the article keeps its treaty title
    assert render_proposal(proposal)[:2] == b"PK"
    with pytest.raises(FtadraftError, match="not a party"):
        apply_edit(text, DraftEdit("alternative", index=2, party="FRA", text="x"), lib)
    with pytest.raises(FtadraftError, match="already has a wording"):
        apply_edit(text, DraftEdit("alternative", index=2, party="GBR", text="x"), lib)


def test_edits_are_bounded(lib) -> None:  # type: ignore[no-untyped-def]
    text = new_spec(lib, "clearance", "standard", ["USA", "GBR"], today="2026-01-01")
    with pytest.raises(FtadraftError, match="too long"):
        DraftEdit("add-text", title="x", text="y" * 30_000)
    with pytest.raises(FtadraftError, match="no such article"):
        apply_edit(text, DraftEdit("remove", index=99), lib)
    for _ in range(MAX_ARTICLES - len(spec_data(text)["articles"])):
        text = apply_edit(text, DraftEdit("add-text", title="T", text="1. Text."), lib)
    with pytest.raises(FtadraftError, match=f"at most {MAX_ARTICLES}"):
        apply_edit(text, DraftEdit("add-text", title="T", text="1. Text."), lib)


def test_closest_clauses_find_the_clause_a_text_was_written_from(lib) -> None:  # type: ignore[no-untyped-def]
    from ftadraft.drafting.clauses import render

    for clause_id in ("e-commerce/spam/standard", "clearance/advance-rulings/ambitious"):
        clause = lib.get(clause_id)
        near = closest_clauses(lib, render(clause), (clause.topic,), limit=3)
        assert near[0].clause.id == clause_id and near[0].similarity > 0.95


def test_facets_count_the_hits(small_db: Path) -> None:
    with ftadraft.open(small_db, readonly=True) as c:
        hits = search(c, "customs", limit=50)
    f = facets(hits, limit=100)
    assert f.hits == len(hits)
    assert dict(f.obligation) == {k: sum(h.provision.obligation == k for h in hits)
                                  for k in {h.provision.obligation for h in hits} if k}
    for topic, n in f.topics:
        assert n == sum(topic in h.provision.topics for h in hits)
    assert sum(n for _, n in f.decades) == sum(h.agreement.year is not None for h in hits)
    assert decade(2007) == 2000 and decade(None) is None


def test_chapter_side(small_db: Path) -> None:
    with ftadraft.open(small_db, readonly=True) as c:
        side = chapter_side(c, "tota-1", "1")
        assert side.name == "Japan - Thailand, Chapter 1 General Provisions"
        assert all(p.chapter_number == "1" for p in side.articles) and len(side.articles) > 5
        assert side.source == source_line(c.agreement("tota-1")) and "CC BY" in side.source
        assert chapter_side(c, "tota-1:1").articles == (c.provision("tota-1:1"),)
        with pytest.raises(FtadraftError, match="has chapters"):
            chapter_side(c, "tota-1")


def test_clause_wordings_score_like_token_set_similarity(lib, small_db: Path) -> None:  # type: ignore[no-untyped-def]
    from ftadraft.compare.similarity import token_set_similarity
    from ftadraft.drafting.clauses import render
    from ftadraft.drafting.nearest import ClauseWordings

    with ftadraft.open(small_db, readonly=True) as c:
        texts = [c.provision(r).text for r in ("tota-1:1", "tota-1:2")] + ["Each Party shall publish its laws."]
        wordings = ClauseWordings(lib, c)
        for text in texts:
            for near in wordings.closest(text, limit=len(lib)):
                expected = token_set_similarity(text, render(near.clause, corpus=c))
                assert near.similarity == pytest.approx(expected, abs=1e-9), near.clause.id
