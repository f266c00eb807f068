"""References as users type them: every "did you mean" suggestion opens exactly what it names, and annex
articles (RCEP chapter 8's annexes number theirs 1–14 and 1–23 again) are reached through their annex."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import ftadraft
from ftadraft.errors import ReferenceNotFound
from ftadraft.index.refs import annex_heading, reference


@pytest.fixture(scope="module")
def rcep(modern_dir: Path, tota_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> ftadraft.Corpus:
    """RCEP from the PDF, the WTO text (one unnumbered annex) and AANZFTA from ToTA (articles numbered per
    chapter: "Article 2" in every chapter)."""
    c = ftadraft.open(tmp_path_factory.mktemp("rcep") / "rcep.sqlite")
    report = c.add([modern_dir / "rcep-2020.pdf"], meta=ftadraft.build_meta(aliases=("rcep",)))
    assert report.ok, report.failed
    report = c.add([modern_dir / "wto-jsi-ecommerce-2024.md", tota_dir / "pta_327.xml"])
    assert report.ok, report.failed
    return c


def _assert_suggestions_open(c: ftadraft.Corpus, ref: str) -> tuple[str, ...]:
    with pytest.raises(ReferenceNotFound) as err:
        c.provision(ref)
    suggestions = err.value.suggestions
    assert suggestions, str(err.value)
    for s in suggestions:
        m = re.fullmatch(r"(\S+)(?: \((.*)\))?", s)
        assert m, s
        try:
            opened = c.provision(m.group(1))
        except ReferenceNotFound as again:  # a suggestion must open one article, not offer a choice again
            raise AssertionError(f"{ref}: suggestion {s!r} does not open: {again}") from None
        assert m.group(2) and opened.title == m.group(2), (ref, s, opened.id, opened.title)
    return suggestions


@pytest.mark.parametrize("ref", [
    "rcep-2020:12", "rcep-2020:1", "rcep-2020:8.99", "rcep-2020:Article 3", "rcep-2020:12.99", "rcep:99",
    "rcep-2020:annex-8A:15", "rcep-2020:annex-8Z:1", "rcep-2020:annex-8A", "rcep-2020:annex-8B:99",
    "tota-327:2", "tota-327:4.99", "wto-jsi-ecommerce-2024:99",
])
def test_every_suggestion_opens_what_it_names(rcep: ftadraft.Corpus, ref: str) -> None:
    _assert_suggestions_open(rcep, ref)


def test_an_ambiguous_number_offers_each_annex_article_by_its_annex(rcep: ftadraft.Corpus) -> None:
    assert _assert_suggestions_open(rcep, "rcep:12") == (
        "rcep-2020:annex-8A:12 (Consultations)",
        "rcep-2020:annex-8B:12 (Independent Telecommunications Regulatory Body)",
    )


@pytest.mark.parametrize(("ref", "title", "annex"), [
    ("rcep:annex-8A:12", "Consultations", "8A"),
    ("rcep:annex-8B:12", "Independent Telecommunications Regulatory Body", "8B"),
    ("rcep:Annex 8B, Article 12", "Independent Telecommunications Regulatory Body", "8B"),
    ("rcep:annex 8a:Article 1", "Definitions", "8A"),
    ("rcep:8B:23", "Resolution of Telecommunications Disputes", "8B"),
    ("rcep:8.12", "Transition", None),  # the chapter's own article, not an annex's Article 12
    ("rcep:8.1", "Definitions", None),
    ("rcep:annex-3A", "Annex 3A: PRODUCT-SPECIFIC RULES", "3A"),  # an annex's own text
    ("wto-jsi-ecommerce-2024:annex", "Annex", "annex"),  # an annex printed without a number
])
def test_annex_references_open_the_article_of_that_annex(rcep: ftadraft.Corpus, ref: str, title: str,
                                                         annex: str | None) -> None:
    p = rcep.provision(ref)
    assert (p.title, p.source.get("annex")) == (title, annex)


def test_every_provision_has_a_reference_that_opens_it(rcep: ftadraft.Corpus) -> None:
    for aid in ("rcep-2020", "wto-jsi-ecommerce-2024", "tota-327"):
        provisions = rcep.index.provisions(aid)
        typed = {p.id: reference(rcep.index, p) for p in provisions}
        for p in provisions:
            assert rcep.provision(typed[p.id]).id == p.id, (p.id, typed[p.id])
        # annex articles are named by their annex, not by a provision id or a bare number
        for p in provisions:
            if p.number and p.source.get("annex"):
                assert typed[p.id] == f"{aid}:annex-{p.source['annex']}:{p.number}"
    rcep_refs = {reference(rcep.index, p) for p in rcep.index.provisions("rcep-2020")}
    assert {"rcep-2020:8.12", "rcep-2020:14.1", "rcep-2020:preamble"} <= rcep_refs


def test_annex_heading_of_annex_articles(rcep: ftadraft.Corpus) -> None:
    assert annex_heading(rcep.provision("rcep:annex-8B:12")) == "Annex 8B: TELECOMMUNICATIONS SERVICES"
    assert annex_heading(rcep.provision("rcep:8.12")) is None
    with pytest.raises(ReferenceNotFound, match=r"no annex '8Z' in rcep-2020 \(its annexes: 3A, 3B,"):
        rcep.provision("rcep:annex-8Z:1")
    with pytest.raises(ReferenceNotFound, match="Annex 8A: FINANCIAL SERVICES has no text of its own"):
        rcep.provision("rcep:annex-8A")


@pytest.mark.parametrize("ref", ["tota-327:Article 4.2, paragraph 1", "tota-327:Article 4.2: Scope"])
def test_a_colon_or_comma_after_an_article_is_not_an_annex(rcep: ftadraft.Corpus, ref: str) -> None:
    with pytest.raises(ReferenceNotFound) as err:
        rcep.provision(ref)
    assert "no article" in str(err.value) and "no annex" not in str(err.value)
    assert err.value.suggestions[0] == "tota-327:4.2 (Scope)"  # the article the reference starts with, first
