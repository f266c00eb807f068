"""Chapter alignment across template families on real chapters read straight from files (no index needed):
ToTA XML, a Word chapter written at test time from ToTA text, and the RCEP PDF. Titles are removed where the
point is alignment by content."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

import ftadraft
from conftest import RunCli
from ftadraft.compare.align import MODEL, PairModel, align_articles, chapter_provisions
from ftadraft.model import Provision
from pdfs import make_pdf


def _chapter(tota_dir: Path, file: str, chapter: str) -> list[Provision]:
    return chapter_provisions(ftadraft.load_file(tota_dir / file).provisions, chapter)


def _untitled(ps: list[Provision]) -> list[Provision]:
    return [dataclasses.replace(p, title=None) for p in ps]


def test_customs_chapters_of_two_families(tota_dir: Path) -> None:
    """EAEU-Viet Nam customs (20 articles) against Switzerland-China (23), titles removed: the articles a
    negotiator would pair by their (hidden) titles are found, and nothing is attached to several partners."""
    a, b = _chapter(tota_dir, "pta_447.xml", "5"), _chapter(tota_dir, "pta_376.xml", "4")
    assert len(a) == 20 and len(b) == 23
    got = {(x.a, x.b) for x in align_articles(_untitled(a), _untitled(b)).pairs}
    assert {("5.2", "4.2"),  # definitions
            ("5.9", "4.6"),  # advance rulings
            ("5.10", "4.8"), ("5.11", "4.9"),  # customs valuation, tariff classification
            ("5.15", "4.18"),  # inward and outward processing
            ("5.16", "4.21"), ("5.19", "4.20"),  # confidentiality, review and appeal
            ("5.5", "4.11"),  # risk management
            ("5.1", "4.1")} <= got  # scope: "This Chapter shall apply to" / "This Chapter applies to", few shared words
    assert len({x for x, _ in got}) == len(got) and len({y for _, y in got}) == len(got)


def test_definitions_articles_meet_wherever_they_stand(tota_dir: Path) -> None:
    """TPP puts its e-commerce definitions first (14.1), Korea-Australia near the end (15.10)."""
    a, b = _chapter(tota_dir, "pta_449.xml", "14"), _chapter(tota_dir, "pta_343.xml", "15")
    got = {(x.a, x.b) for x in align_articles(_untitled(a), _untitled(b)).pairs}
    assert ("14.1", "15.10") in got
    assert {("14.6", "15.5"), ("14.7", "15.6"), ("14.9", "15.7"), ("14.14", "15.9")} <= got
    assert not any(x == "14.1" and y != "15.10" for x, y in got)


def test_short_definitions_article_meets_a_long_one(tota_dir: Path) -> None:
    """Korea-Australia customs defines two terms in a 40-word article near its end (4.13); EAEU-Viet Nam has a
    full definitions article (5.2): they are paired, titles removed."""
    a, b = _chapter(tota_dir, "pta_343.xml", "4"), _chapter(tota_dir, "pta_447.xml", "5")
    got = {(x.a, x.b) for x in align_articles(_untitled(a), _untitled(b)).pairs}
    assert ("4.13", "5.2") in got


def test_an_opening_formula_alone_is_no_definitions_article() -> None:
    """"For the purposes of this Chapter, Article 73 of the TRIPS Agreement is incorporated" opens like a
    definitions article but defines nothing: the other side's definitions article is not forced onto it."""
    from ftadraft.compare.align import _definitions_article

    texts = ["Each Party shall protect trademarks in accordance with its laws and the TRIPS Agreement.",
             "For the purposes of this Chapter, Article 73 of the TRIPS Agreement is incorporated into this Agreement.",
             "Each Party shall provide for the protection of new varieties of plants."]
    assert _definitions_article(texts, weak=True) is None
    texts[0] = 'For the purposes of this Chapter, the term "intellectual property" refers to all its categories.'
    assert _definitions_article(texts, weak=True) == 0


def test_pair_model_refuses_bad_shapes() -> None:
    with pytest.raises(ValueError, match="coefficients"):
        PairModel(coef=(1.0, 2.0), intercept=0.0)
    with pytest.raises(ValueError, match="cutoff"):
        dataclasses.replace(MODEL, cutoff=1.5)


def _docx_chapter(provisions: list[Provision], path: Path, *, titles: bool) -> Path:
    """A Word chapter written at test time from real articles (never stored): "Article N[: Title]" headings."""
    import docx

    d = docx.Document()
    for p in provisions:
        d.add_heading(f"Article {p.number}" + (f": {p.title}" if titles and p.title else ""), level=2)
        for para in p.text.split("\n\n"):
            if para.strip():
                d.add_paragraph(" ".join(para.split()))
    d.save(str(path))
    return path


def test_pdf_chapter_against_untitled_docx_chapter(run: RunCli, tota_dir: Path, modern_dir: Path,
                                                   tmp_path: Path) -> None:
    """Their chapter as a PDF (RCEP e-commerce), ours as a Word file without article titles (TPP e-commerce):
    the counterparts are found by content, numbered as printed in each file, and the HTML and Word outputs
    cover every article."""
    tpp = _chapter(tota_dir, "pta_449.xml", "14")
    ours = _docx_chapter(tpp, tmp_path / "ours.docx", titles=False)
    pdf = modern_dir / "rcep-2020.pdf"
    db = tmp_path / "unused.sqlite"
    # --chapter-b "": our file has no chapter headings, so it is its own chapter
    r = run("compare", str(pdf), str(ours), "--chapter", "Electronic Commerce", "--chapter-b", "", "--json", db=db)
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    got = {(x["a"], x["b"]) for x in data["alignment"]}
    assert {("12.1", "14.1"),  # definitions
            ("12.5", "14.9"),  # paperless trading
            ("12.7", "14.7"),  # online consumer protection
            ("12.9", "14.14"),  # unsolicited commercial electronic messages
            ("12.14", "14.13"),  # location of computing facilities
            ("12.15", "14.11")} <= got  # cross-border transfer of information
    assert {x["b"] for x in data["alignment"]} | set(data["only_b"]) == {p.number for p in tpp}
    page, word = tmp_path / "ch.html", tmp_path / "ch.docx"
    r = run("compare", str(pdf), str(ours), "--chapter", "Electronic Commerce", "--html", str(page),
            "--docx", str(word), db=db)
    assert r.exit_code == 0, r.stderr
    from ftadraft.compare.redline import check_redline

    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "12.7 Online Consumer Protection → 14.7" in html
    assert html.count("<h2>") == len(data["alignment"]) + len(data["only_a"]) + len(data["only_b"])
    assert check_redline(word) == []


def _pdf_chapter(provisions: list[Provision], path: Path) -> Path:
    """A PDF chapter written at test time from real articles (never stored): bold "Article N: Title" headings,
    body text wrapped at 90 characters in Helvetica, 55 lines a page."""
    import textwrap

    lines: list[tuple[bool, str]] = []
    for p in provisions:
        lines.append((True, f"Article {p.number}: {p.title}"))
        for para in p.text.split("\n"):
            if para.strip():
                lines += [(False, x) for x in textwrap.wrap(" ".join(para.split()), 90)]
    pages = [lines[k:k + 55] for k in range(0, len(lines), 55)]
    path.write_bytes(make_pdf([[(60, 780 - 13 * k, [(bold, 10, 0, text.encode("latin-1", "replace").decode("latin-1"))])
                                for k, (bold, text) in enumerate(page)] for page in pages]))
    return path


def test_docx_chapter_against_pdf_chapter_redline(run: RunCli, tota_dir: Path, tmp_path: Path) -> None:
    """Ours as Word (TPP e-commerce, first 8 articles), theirs as PDF (KORUS e-commerce), both written at test
    time from ToTA text: the alignment pairs the definitions articles across the chapter (TPP puts them first,
    KORUS last: a moved article), and in the chapter redline Accept All gives the PDF's articles in order and
    Reject All the Word file's, one-sided articles included."""
    from ftadraft.compare.redline import HEADING_STYLE, check_redline, read_paragraphs, redline_paragraphs

    ours = _docx_chapter(_chapter(tota_dir, "pta_449.xml", "14")[:8], tmp_path / "ours.docx", titles=True)
    theirs = _pdf_chapter(_chapter(tota_dir, "pta_159.xml", "15"), tmp_path / "theirs.pdf")
    read_a, read_b = (ftadraft.load_file(f).provisions for f in (ours, theirs))
    assert [p.number for p in read_b] == [f"15.{k}" for k in range(1, 10)]
    db = tmp_path / "unused.sqlite"
    r = run("compare", str(ours), str(theirs), "--json", db=db)
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    got = {(x["a"], x["b"]) for x in data["alignment"]}
    assert {("14.1", "15.9"), ("14.2", "15.2"), ("14.4", "15.3")} <= got  # definitions, scope, digital products
    assert data["only_a"] and data["only_b"]
    out = tmp_path / "round.docx"
    r = run("compare", str(ours), str(theirs), "--docx", str(out), db=db)
    assert r.exit_code == 0, r.stderr
    assert check_redline(out) == []

    def body(accept: bool) -> str:
        return "\n".join(t for style, t in read_paragraphs(out, accept=accept)
                         if style not in (HEADING_STYLE, "Title") and t.strip() and not t.startswith("Sources:"))

    assert body(True) == "\n".join(x for p in read_b for x in redline_paragraphs(p.text) if x.strip())
    assert body(False) == "\n".join(x for p in read_a for x in redline_paragraphs(p.text) if x.strip())
