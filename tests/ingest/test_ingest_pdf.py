"""PDF reader: invented PDFs written by hand in the test, and the RCEP text from ../shared at test time.

Without the corpus the RCEP tests skip locally and fail under CI.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from ftadraft.errors import InputError
from ftadraft.ingest import pdf as pdf_reader
from pdfs import assemble, make_pdf


# --------------------------------------------------------------------------- hand-written PDFs
def B(text: str) -> tuple[bool, float, float, str]:
    return (True, 12, 0, text)


def R(text: str) -> tuple[bool, float, float, str]:
    return (False, 12, 0, text)


def SUP(marker: str) -> tuple[bool, float, float, str]:
    return (False, 8, 4, marker)


def NOTE(marker: str, text: str) -> list[tuple[bool, float, float, str]]:
    return [(False, 6, 4, marker), (False, 10, 0, " " + text)]


def _page(number: int, lines: list) -> list:
    header = (72, 810, [(False, 9, 0, "Widget Accord between Ruritania and Freedonia")])
    footer = (290, 30, [(False, 10, 0, f"{number}")])
    return [header] + lines + [footer]


WIDGET_PDF_PAGES = [
    _page(1, [
        (72, 760, [(True, 16, 0, "AGREEMENT ON WIDGETS")]),
        (72, 720, [B("CHAPTER 1")]),
        (72, 705, [B("GENERAL PROVISIONS")]),
        (72, 680, [B("Article 1.1: Scope"), SUP("1")]),
        (72, 656, [R("1. This Agreement applies to widgets and gadgets traded between the")]),
        (72, 642, [R("Parties, including spare parts and accessories for such widgets.")]),
        (72, 618, [R("2. Each Party shall publish its rules on widgets and shall refer to")]),
        (72, 604, [R("Article 1.2 (Definitions) when it drafts new rules on gadgets and wid-")]),
        (72, 590, [R("gets of any kind.")]),
        (72, 566, [B("Article 1.2: Definitions of Certain Terms Used in This")]),
        (72, 552, [B("Chapter")]),
        (72, 528, [R("For the purposes of this Chapter, widget means a small device.")]),
        (72, 504, [B("Article 1.3: Cooperation")]),
        (72, 480, [R("1. The Parties shall cooperate on widgets, including through"), SUP("2")]),
        (72, 466, [R("exchanges of information, and")]),
        (72, 80, NOTE("1", "For greater certainty, widgets include toy widgets.")),
        (72, 68, NOTE("2", "Cooperation may include joint workshops on widget safety.")),
    ]),
    _page(2, [
        (72, 760, [R("joint studies on gadgets.")]),
        (72, 736, [R("2. Each Party shall designate a contact point for widgets.")]),
        (72, 712, [B("Article 1.4: Transparency")]),
        (72, 688, [R("Each Party shall make its widget rules available on the internet."), SUP("3")]),
        (72, 664, [B("CHAPTER 2")]),
        (72, 649, [B("FINAL PROVISIONS")]),
        (72, 625, [B("Article 2.1: Entry into Force")]),
        (72, 601, [R("This Agreement enters into force sixty days after signature.")]),
        (72, 80, NOTE("3", "Each Party may also publish its widget rules in")),
    ]),
    _page(3, [
        (72, 760, [B("Article 2.2: Amendments")]),
        (72, 736, [R("The Parties may amend this Agreement by written agreement.")]),
        (72, 712, [B("ANNEX 2A")]),
        (72, 697, [B("SCHEDULE OF WIDGET TARIFFS")]),
        (72, 673, [R("Ruritania")]),
        (72, 659, [B("Article 1.3 Cooperation")]),  # a table cell naming an article, not a heading
        (72, 645, [R("Five years")]),
        (72, 80, [(False, 10, 0, "more than one language.")]),  # footnote 3 runs on from page 2
    ]),
]


@pytest.fixture(scope="module")
def widgets():
    return pdf_reader.read(make_pdf(WIDGET_PDF_PAGES), Path("widgets.pdf"))


def test_invented_pdf_structure(widgets) -> None:
    arts = [p for p in widgets.provisions if p.number]
    assert widgets.title == "AGREEMENT ON WIDGETS"
    assert [p.number for p in arts] == ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2"]
    assert [p.title for p in arts] == [
        "Scope", "Definitions of Certain Terms Used in This Chapter", "Cooperation", "Transparency",
        "Entry into Force", "Amendments"]
    assert [p.chapter_number for p in arts] == ["1", "1", "1", "1", "2", "2"]
    assert arts[0].chapter_title == "GENERAL PROVISIONS" and arts[-1].chapter_title == "FINAL PROVISIONS"
    assert [p.source["page"] for p in arts] == ["1", "1", "1", "2", "2", "3"]
    annex = widgets.provisions[-1]
    assert annex.number is None and annex.flags == ("annex",) and annex.title == "Annex 2A: SCHEDULE OF WIDGET TARIFFS"
    assert "Article 1.3 Cooperation" in annex.text


def test_invented_pdf_text_cleaned(widgets) -> None:
    arts = {p.number: p for p in widgets.provisions if p.number}
    assert arts["1.1"].text.splitlines() == [
        ("1. This Agreement applies to widgets and gadgets traded between the Parties, including spare parts and "
         "accessories for such widgets."),
        ("2. Each Party shall publish its rules on widgets and shall refer to Article 1.2 (Definitions) when it "
         "drafts new rules on gadgets and widgets of any kind."),  # hyphenated word rejoined
    ]
    # paragraph continued across the page break (and past the page-bottom footnotes)
    assert arts["1.3"].text.splitlines()[0] == (
        "1. The Parties shall cooperate on widgets, including through[^2] exchanges of information, and joint "
        "studies on gadgets.")
    everything = "\n".join(p.text for p in widgets.provisions)
    assert "Widget Accord between" not in everything  # running header
    assert not re.search(r"^\d+$", everything, re.MULTILINE)  # page numbers


def test_invented_pdf_footnotes(widgets) -> None:
    arts = {p.number: p for p in widgets.provisions if p.number}
    assert arts["1.1"].title == "Scope"  # superscript detached from the heading
    assert [(f.marker, f.text) for f in arts["1.1"].footnotes] == [
        ("1", "For greater certainty, widgets include toy widgets.")]
    assert [(f.marker, f.text) for f in arts["1.3"].footnotes] == [
        ("2", "Cooperation may include joint workshops on widget safety.")]
    assert [(f.marker, f.text) for f in arts["1.4"].footnotes] == [
        ("3", "Each Party may also publish its widget rules in more than one language.")]
    everything = "\n".join(p.text for p in widgets.provisions)
    assert "toy widgets" not in everything and "one language" not in everything


def test_pdf_without_text_layer() -> None:
    doc = pdfium.PdfDocument.new()
    doc.new_page(595, 842)
    doc.new_page(595, 842)
    buf = io.BytesIO()
    doc.save(buf)
    doc.close()
    with pytest.raises(InputError) as err:
        pdf_reader.read(buf.getvalue(), Path("scan.pdf"))
    assert str(err.value) == "scan.pdf: " + pdf_reader.NO_TEXT_LAYER
    assert "ocrmypdf" in str(err.value)


def test_hand_written_empty_pdf_has_no_text_layer() -> None:
    data = assemble([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"])
    with pytest.raises(InputError, match="no text layer"):
        pdf_reader.read(data, Path("empty.pdf"))


@pytest.mark.parametrize("data", [b"this is not a PDF at all", b"%PDF-1.7\n" + bytes(range(256)) * 4, b"%PDF-1.4\n"])
def test_garbage_is_refused(data: bytes) -> None:
    with pytest.raises(InputError) as err:
        pdf_reader.read(data, Path("junk.pdf"))
    message = str(err.value)
    assert message.startswith("junk.pdf: ") and "\n" not in message


def test_truncated_pdf_is_refused() -> None:
    data = make_pdf(WIDGET_PDF_PAGES)
    with pytest.raises(InputError):
        pdf_reader.read(data[: len(data) // 3], Path("cut.pdf"))


def test_encrypted_pdf_is_refused() -> None:
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
            b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -4 >>"]
    file_id = "<00112233445566778899aabbccddeeff>"
    data = assemble(objs, f"/Encrypt 4 0 R /ID [{file_id} {file_id}] ")
    with pytest.raises(InputError, match="encrypted"):
        pdf_reader.read(data, Path("locked.pdf"))


def test_page_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_reader, "MAX_PAGES", 2)
    with pytest.raises(InputError, match="3 pages"):
        pdf_reader.read(make_pdf(WIDGET_PDF_PAGES), Path("long.pdf"))


# --------------------------------------------------------------------------- RCEP
@pytest.fixture(scope="module")
def rcep(modern_dir: Path):
    path = modern_dir / "rcep-2020.pdf"
    return pdf_reader.read(path.read_bytes(), path)


def _chapter(ex, number: str) -> list:
    return [p for p in ex.provisions if p.number and p.chapter_number == number and "annex" not in p.flags]


def test_rcep_time_and_title(rcep) -> None:
    ex = rcep
    assert ex.title == "REGIONAL COMPREHENSIVE ECONOMIC PARTNERSHIP AGREEMENT"
    assert ex.provisions[0].title == "Preamble"


def test_rcep_article_lists(rcep) -> None:
    ex = rcep
    assert [p.number for p in _chapter(ex, "4")] == [f"4.{n}" for n in range(1, 22)]
    assert [p.number for p in _chapter(ex, "11")] == [f"11.{n}" for n in range(1, 84)]
    assert [p.number for p in _chapter(ex, "12")] == [f"12.{n}" for n in range(1, 18)]
    # the implementation-period table in Annex 4A names articles; those cells are not articles
    assert not any(p.number and p.number.startswith("4.") and "annex" in p.flags for p in ex.provisions)


def test_rcep_titles(rcep) -> None:
    ex = rcep
    titles = {p.number: p.title for p in ex.provisions if p.number and "annex" not in p.flags}
    assert titles["4.1"] == "Definitions"
    assert titles["4.13"] == "Trade Facilitation Measures for Authorised Operators"
    assert titles["4.21"] == "Implementation Arrangement"
    assert titles["11.1"] == "Objectives"
    assert titles["11.12"] == ("Protection of Broadcasting Organisations and Encrypted Programme-Carrying "
                               "Satellite Signals")
    assert titles["11.58"] == "General Obligations"
    assert titles["11.71"] == "Infringement Determination within Reasonable Period by Competent Authorities"
    assert titles["12.1"] == "Definitions"
    assert titles["12.3"] == "Scope"  # printed "Scope3": footnote number detached
    assert titles["12.14"] == "Location of Computing Facilities"
    assert titles["12.17"] == "Settlement of Disputes"
    for number in [p.number for c in ("4", "11", "12") for p in _chapter(ex, c)]:
        assert titles[number] and not re.search(r"\d$", titles[number]), number


def test_rcep_chapters_sections_pages(rcep) -> None:
    ex = rcep
    for number, title in (("4", "CUSTOMS PROCEDURES AND TRADE FACILITATION"), ("11", "INTELLECTUAL PROPERTY"),
                          ("12", "ELECTRONIC COMMERCE")):
        assert {p.chapter_title for p in _chapter(ex, number)} == {title}
    arts = {p.number: p for p in ex.provisions if p.number and "annex" not in p.flags}
    assert all(arts[f"11.{n}"].section.startswith("J: ") for n in range(58, 76))
    assert arts["11.57"].section.startswith("I: ") and arts["11.76"].section.startswith("K: ")
    assert arts["12.1"].section == "A: GENERAL PROVISIONS"
    assert arts["12.14"].section.startswith("D: ")
    assert dict(arts["12.1"].source) == {"page": "421"}
    assert all(isinstance(v, str) for p in ex.provisions for v in p.source.values())


def test_rcep_footnotes_and_furniture(rcep) -> None:
    ex = rcep
    arts = {p.number: p for p in ex.provisions if p.number and "annex" not in p.flags}
    assert [f.marker for f in arts["12.3"].footnotes] == ["3"]
    assert [f.marker for f in arts["12.1"].footnotes] == ["1", "2"]
    assert [f.marker for f in arts["11.71"].footnotes] == ["60"]  # marker printed on the wrapped title line
    for p in _chapter(ex, "4") + _chapter(ex, "11") + _chapter(ex, "12"):
        for f in p.footnotes:
            assert f.text and f.text not in p.text
        for line in p.text.splitlines():
            assert not re.fullmatch(r"\d+-\d+", line.strip()), (p.number, line)  # page footer "12-3"
    # every footnote of these chapters found once, numbering restarting per chapter
    for number, last in (("4", 8), ("11", 68), ("12", 14)):
        markers = [int(f.marker) for p in _chapter(ex, number) for f in p.footnotes]
        assert sorted(markers) == list(range(1, last + 1)), number
    assert not any("footnote" in w for w in ex.warnings)


def test_rcep_annex_articles_carry_their_annex(rcep) -> None:
    """Chapter 8's annexes number their articles 1–14 (8A) and 1–23 (8B) again: each carries its annex and the
    annex heading, so that references (``rcep:annex-8B:12``) and ``corpus show`` can tell them apart."""
    annexed = [p for p in rcep.provisions if p.number and p.source.get("annex")]
    by_annex: dict[str, list[str]] = {}
    for p in annexed:
        assert p.chapter_number == "8" and "annex" in p.flags, p.number
        by_annex.setdefault(p.source["annex"], []).append(p.number)
    assert by_annex == {"8A": [str(n) for n in range(1, 15)], "8B": [str(n) for n in range(1, 24)]}
    assert {p.source["annex"]: p.source["annex_title"] for p in annexed} == {
        "8A": "Annex 8A: FINANCIAL SERVICES", "8B": "Annex 8B: TELECOMMUNICATIONS SERVICES"}
    assert ("article numbers printed again in Annex 8A (14 articles), Annex 8B (23 articles): reference them "
            "with their annex, e.g. AGREEMENT:annex-8A:1") in rcep.warnings
    assert not any("printed more than once" in w for w in rcep.warnings)  # no chapter article is numbered twice
