"""ftadraft's own Word template: serif body, black headings, A4 (or Letter), a TOC refreshed on opening, annex
rows that never split, our own document properties, nothing left of python-docx's template; and compare
outputs with a readable title and a source and licence line."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from ftadraft.compare.redline import read_redline
from ftadraft.drafting.clauses import load_library
from ftadraft.drafting.docx_writer import render_proposal
from ftadraft.drafting.house import PAPERS, new_document
from ftadraft.drafting.proposal import Article, Paragraph, PartyName, Proposal
from ftadraft.drafting.redline import render_redline
from ftadraft.drafting.spec import build_proposal, load_spec

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.fixture(scope="module")
def outputs() -> dict[str, bytes]:
    lib = load_library()
    old = build_proposal(load_spec(EXAMPLES / "draft-ecommerce.yaml"), lib, precedents=True)
    new = build_proposal(load_spec(EXAMPLES / "draft-ecommerce-round4.yaml"), lib, precedents=True)
    plain = Proposal("Invented Agreement", (PartyName("USA", "United States"), PartyName("EU", "European Union")),
                     3, "Widgets", "Round 1", "2026-02-01", "EU",
                     (Article("Widgets", (Paragraph("Each Party shall."),)),))
    return {"proposal": render_proposal(old), "clean": render_proposal(old, clean=True),
            "redline": render_redline(old, new), "a4": render_proposal(plain),
            "letter": render_proposal(plain, paper="Letter")}


@pytest.mark.parametrize("kind", ["proposal", "clean", "redline", "a4"])
def test_nothing_of_python_docx_template_is_left(outputs: dict[str, bytes], kind: str) -> None:
    parts = _parts(outputs[kind])
    assert "docProps/thumbnail.jpeg" not in parts and "word/stylesWithEffects.xml" not in parts
    everything = b"".join(parts.values())
    for stale in (b"python-docx", b"Macintosh", b"Calibri", b"Cambria", b"asciiTheme", b"4F81BD", b"365F91"):
        assert stale not in everything, stale
    app = etree.fromstring(parts["docProps/app.xml"])
    assert app.findtext("{*}Application") == "ftadraft"
    core = etree.fromstring(parts["docProps/core.xml"])
    assert core.findtext("{http://purl.org/dc/elements/1.1/}creator") == "ftadraft"
    assert " — Chapter " in core.findtext("{http://purl.org/dc/elements/1.1/}title")
    assert len(parts["word/styles.xml"]) < 20_000  # our styles only, not a 350 KB style sheet


def test_serif_body_and_black_headings(outputs: dict[str, bytes]) -> None:
    styles = etree.fromstring(_parts(outputs["proposal"])["word/styles.xml"])
    fonts = styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:rFonts", NS)
    assert {fonts.get(f"{W}{k}") for k in ("ascii", "hAnsi", "cs", "eastAsia")} == {"Times New Roman"}
    assert styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:sz", NS).get(f"{W}val") == "24"  # 12 pt
    for sid in ("Title", "Heading1", "Heading2", "TOCHeading"):
        color = styles.find(f"w:style[@w:styleId='{sid}']/w:rPr/w:color", NS)
        assert color is not None and color.get(f"{W}val") == "000000", sid
    assert not styles.xpath("//w:color[@w:val!='000000' and @w:val!='auto']", namespaces=NS)


def test_a4_by_default_letter_as_an_option(outputs: dict[str, bytes]) -> None:
    for kind, paper in (("a4", "A4"), ("letter", "Letter"), ("proposal", "Letter")):  # the example asks for Letter
        size = etree.fromstring(_parts(outputs[kind])["word/document.xml"]).find(".//w:sectPr/w:pgSz", NS)
        assert (int(size.get(f"{W}w")), int(size.get(f"{W}h"))) == PAPERS[paper], kind
    with pytest.raises(ValueError, match="paper"):
        new_document("A3")


def test_the_toc_is_refreshed_on_opening_and_prefilled(outputs: dict[str, bytes]) -> None:
    parts = _parts(outputs["proposal"])
    settings = etree.fromstring(parts["word/settings.xml"])
    assert settings.find("w:updateFields", NS).get(f"{W}val") == "true"
    document = etree.fromstring(parts["word/document.xml"])
    entries = document.xpath("//w:p[w:pPr/w:pStyle/@w:val='TOC2']", namespaces=NS)
    assert len(entries) == 8
    assert all(e.xpath(".//w:instrText[starts-with(normalize-space(.), 'PAGEREF _Toc')]", namespaces=NS)
               for e in entries)
    redline_settings = etree.fromstring(_parts(outputs["redline"])["word/settings.xml"])
    assert redline_settings.find("w:updateFields", NS) is None  # a field update would rewrite tracked text
    assert redline_settings.find("w:trackRevisions", NS) is not None


def test_annex_rows_never_split_across_pages(tmp_path: Path) -> None:
    lib = load_library()
    p = build_proposal(load_spec(EXAMPLES / "draft-ecommerce.yaml"), lib, precedents=True)
    document = etree.fromstring(_parts(render_proposal(p, annex=True))["word/document.xml"])
    rows = document.findall(".//w:tbl/w:tr", NS)
    assert len(rows) > 2
    assert all(r.find("w:trPr/w:cantSplit", NS) is not None for r in rows)
    assert rows[0].find("w:trPr/w:tblHeader", NS) is not None


def test_compare_docx_has_a_readable_title_and_its_sources(run, tota_db: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "c.docx"
    r = run("compare", "tpp:14.3", "korus:15.3", "--docx", str(out), db=tota_db)
    assert r.exit_code == 0, r.stderr
    parts = _parts(out.read_bytes())
    body = etree.fromstring(parts["word/document.xml"]).find("w:body", NS)
    paragraphs = [("".join(t.text or "" for t in p.iter(f"{W}t")),
                   (p.find("w:pPr/w:pStyle", NS).get(f"{W}val") if p.find("w:pPr/w:pStyle", NS) is not None else ""))
                  for p in body.iterfind("w:p", NS)]
    title, source = paragraphs[0], paragraphs[1]
    assert title[1] == "Title" and "Trans-Pacific Partnership" in title[0] and "compared with" in title[0]
    assert source[1] == "SourceLine"
    assert "ToTA" in source[0] and "pta_449.xml" in source[0] and "CC BY" in source[0]
    assert b"Times New Roman" in parts["word/styles.xml"] and b"Calibri" not in b"".join(parts.values())
    [(heading, _text)] = read_redline(out, accept=True)
    assert heading == "Art. 14.3 Customs Duties → Art. 15.3 Digital Products"
