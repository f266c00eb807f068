"""Plain-text/Markdown reader and heading segmentation.

Unit tests use invented sentences only; the WTO e-commerce text is read from ../shared at test time
(never copied into the repository). Without the corpus these tests skip locally and fail under CI.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ftadraft.errors import InputError
from ftadraft.ingest import text as text_reader
from ftadraft.ingest.segment import Block, parse_heading, segment


def read_text(source: str, name: str = "agreement.txt") -> tuple:
    ex = text_reader.read(source.encode("utf-8"), Path(name))
    return ex, [p for p in ex.provisions if p.number]


# --------------------------------------------------------------------------- heading forms
@pytest.mark.parametrize(
    "line, kind, number, title",
    [
        ("CHAPTER 12", "chapter", "12", None),
        ("CHAPTER 12: WIDGET TRADE", "chapter", "12", "WIDGET TRADE"),
        ("Chapter 12 Widget Trade", "chapter", "12", "Widget Trade"),
        ("SECTION A", "section", "A", None),
        ("Section A: General Rules", "section", "A", "General Rules"),
        ("Article 12.3: Spare Parts", "article", "12.3", "Spare Parts"),
        ("Article 12.3 Spare Parts", "article", "12.3", "Spare Parts"),
        ("ARTICLE 5", "article", "5", None),
        ("Art. 5.2 —  Spare Parts", "article", "5.2", "Spare Parts"),
        ("Article 5 bis", "article", "5 bis", None),
        ("Article 5bis: Extra Widgets", "article", "5 bis", "Extra Widgets"),
        ("Artículo 5", "article", "5", None),
        ("Artículo 7: Cooperación", "article", "7", "Cooperación"),
        ("Capítulo IV", "chapter", "IV", None),
        ("Article premier", "article", "1", None),
        ("ANNEX 4A", "annex", "4A", None),
        ("PREAMBLE", "preamble", None, None),
        ("Article 9: Gadget Safety[^4]", "article", "9", "Gadget Safety"),
        ("Article 23: Gadget Exception - 3 -", "article", "23", "Gadget Exception"),
        ("SECTION F..........", "section", "F", None),
    ],
)
def test_heading_forms(line: str, kind: str, number: str | None, title: str | None) -> None:
    head = parse_heading(line)
    assert head is not None, line
    assert (head.kind, head.number, head.title) == (kind, number, title)


@pytest.mark.parametrize(
    "line",
    [
        "12.3 The Parties shall cooperate on widgets.",  # WTO-style paragraph number
        "1. Each Party shall publish its widget rules.",
        "(a) spare parts;",
        "Article 12.14 (Gadget Rules) and Article 12.15 (Widget Rules) shall not apply",  # wrapped cross-reference
        "Article 32; and",
        "Article 27 shall not apply to disputes about widgets",
        "Article XXIV of the widget convention",
        "Annex I (Widget Schedules). Each Party shall apply it.",
        "Chapter 8 (Trade in Widgets); and",
    ],
)
def test_not_headings(line: str) -> None:
    assert parse_heading(line) is None


def test_marked_heading_accepts_lower_case_and_parenthesised_title() -> None:
    head = parse_heading("article 8: gadget trading", strong=True)
    assert head is not None and (head.number, head.title) == ("8", "gadget trading")
    assert parse_heading("Section on widgets", strong=True) is None


# --------------------------------------------------------------------------- segmentation
def test_plain_text_structure_with_titles_on_next_line() -> None:
    source = """AGREEMENT ON WIDGET TRADE

The Parties, wishing to trade widgets freely,

Have agreed as follows:

CHAPTER 1
GENERAL PROVISIONS

Article 1
Scope of Widgets

1. This Agreement applies to widgets.
1.2 A paragraph numbered like this stays inside the article.

ARTICLE 2 - Definitions

For the purposes of this Agreement, a widget is a small device.

Article 2 bis: Extra Widgets

Each Party shall treat extra widgets like widgets.

CHAPTER 2: FINAL PROVISIONS

Section A: Entry into Force

Art. 3 —  Entry into Force

This Agreement enters into force on signature.
"""
    ex, arts = read_text(source)
    assert ex.title == "AGREEMENT ON WIDGET TRADE"
    assert [p.number for p in arts] == ["1", "2", "2 bis", "3"]
    assert [p.title for p in arts] == ["Scope of Widgets", "Definitions", "Extra Widgets", "Entry into Force"]
    assert [p.chapter_number for p in arts] == ["1", "1", "1", "2"]
    assert arts[0].chapter_title == "GENERAL PROVISIONS"
    assert arts[3].chapter_title == "FINAL PROVISIONS"
    assert arts[3].section == "A: Entry into Force"
    assert arts[0].text.splitlines() == [
        "1. This Agreement applies to widgets.",
        "1.2 A paragraph numbered like this stays inside the article.",
    ]
    pre = ex.provisions[0]
    assert (pre.number, pre.title) == (None, "Preamble")
    assert "wishing to trade widgets" in pre.text


def test_spanish_and_french_headings() -> None:
    _, arts = read_text("Capítulo 1\nDisposiciones Iniciales\n\nArtículo 1\nObjetivos\n\nLas Partes cooperan.\n\n"
                         "Artículo 2: Definiciones\n\nUn artilugio es un aparato.\n")
    assert [(p.number, p.title, p.chapter_number) for p in arts] == [
        ("1", "Objetivos", "1"), ("2", "Definiciones", "1")]
    _, arts = read_text("Article premier\nObjet\n\nLes Parties coopèrent.\n\nArticle 2\nDéfinitions\n\nUn gadget.\n")
    assert [(p.number, p.title) for p in arts] == [("1", "Objet"), ("2", "Définitions")]


def test_wrapped_cross_reference_is_not_a_heading() -> None:
    source = ("Article 1: Widgets\n\nEach Party shall apply the rules set out in\n"
              "Article 2 Definitions of Widgets when it regulates gadgets.\n\n"
              "Article 2: Definitions\n\nA widget is a device.\n")
    _, arts = read_text(source)
    assert [p.number for p in arts] == ["1", "2"]
    assert "set out in Article 2 Definitions of Widgets when" in arts[0].text


def test_no_structure_is_kept_flagged_and_warned() -> None:
    ex = text_reader.read(b"A memorandum about widgets.\n\nIt has no articles at all.\n", Path("m.txt"))
    assert len(ex.provisions) == 1
    only = ex.provisions[0]
    assert only.flags == ("no-structure",)
    assert only.number is None
    assert "memorandum about widgets" in only.text and "no articles at all" in only.text
    assert any("no article headings" in w for w in ex.warnings)


def test_segment_blocks_and_footnote_attachment() -> None:
    blocks = [
        Block("CHAPTER 3", heading_level=2),
        Block("WIDGETS", heading_level=2),
        Block("Article 3.1: Scope[^1]", heading_level=3, source={"page": "7"}),
        Block("1. Widgets are covered.[^2]"),
        Block("Article 3.2: Gadgets", heading_level=3, source={"page": "8"}),
        Block("Gadgets are covered too.[^1]"),
        Block("[^1]: A note about widgets."),  # page-bottom note printed after the next heading
        Block("[^2]: A note about coverage."),
        Block("[^1]: A second note numbered one."),
    ]
    provisions, _, _ = segment(blocks)
    a, b = provisions
    assert (a.number, a.title, a.chapter_number, a.chapter_title) == ("3.1", "Scope", "3", "WIDGETS")
    assert dict(a.source) == {"page": "7"}
    assert [f.marker for f in a.footnotes] == ["2", "1"] or [f.marker for f in a.footnotes] == ["1", "2"]
    assert {f.text for f in a.footnotes} == {"A second note numbered one.", "A note about coverage."}
    assert [(f.marker, f.text) for f in b.footnotes] == [("1", "A note about widgets.")]
    assert "[^1]:" not in a.text + b.text


def test_unconfirmed_chapters_stay_text() -> None:
    # chapter headings with no article after them (e.g. tariff chapters in an annex) are not structure
    source = ("Article 1: Rules\n\nThe rules apply.\n\nANNEX 1\nPRODUCT RULES\n\n"
              "Chapter 1: Live Widgets\n\nRule one.\n\n"
              "Chapter 2: Dead Widgets\n\nRule two.\n")
    ex, arts = read_text(source)
    assert [p.number for p in arts] == ["1"]
    annex = ex.provisions[-1]
    assert annex.title == "Annex 1: PRODUCT RULES" and annex.flags == ("annex",)
    assert "Chapter 2: Dead Widgets" in annex.text and annex.chapter_number is None


def test_table_of_contents_is_skipped() -> None:
    source = ("AGREEMENT ON WIDGETS\n\nTABLE OF CONTENTS\n\n"
              "Preamble\nChapter 1 General Provisions\nChapter 2 Final Provisions\n\n"
              "PREAMBLE\n\nThe Parties agree.\n\nCHAPTER 1\nGENERAL PROVISIONS\n\nArticle 1.1: Scope\n\nIt applies.\n\n"
              "CHAPTER 2\nFINAL PROVISIONS\n\nArticle 2.1: Entry into Force\n\nIt starts.\n")
    ex, arts = read_text(source)
    assert [(p.number, p.chapter_number, p.chapter_title) for p in arts] == [
        ("1.1", "1", "GENERAL PROVISIONS"), ("2.1", "2", "FINAL PROVISIONS")]
    assert ex.provisions[0].title == "Preamble" and ex.provisions[0].text == "The Parties agree."
    assert any("table of contents" in w for w in ex.warnings)


# --------------------------------------------------------------------------- Markdown debris
def test_markdown_debris_and_footnotes() -> None:
    source = (
        "# AGREEMENT ON GADGETS\r\n\r\n<!-- converted by a tool -->\r\n"
        "### Article 1: Scope\r\n\r\n1.1 This Agreement covers gadgets[^1] and widgets.^2\r\n\r\n"
        "[^1]: Gadgets include toy gadgets.\r\n\r\n"
        "1.2 Each Party shall publish its gadget rules in a\r\n\r\n"
        "(^2) Widgets include spare widgets and\r\ntheir parts.\r\n\r\n### - 4 -\r\n\r\n"
        "```\r\ntimely manner.\r\n```\r\n\r\n"
        "## Article 2: Definitions...........\r\n\r\n2 .1 A \\(c\\) gadget is _small_ and **useful**.\r\n"
    )
    ex, arts = read_text(source, "agreement.md")
    assert ex.title == "AGREEMENT ON GADGETS"
    assert [(p.number, p.title) for p in arts] == [("1", "Scope"), ("2", "Definitions")]
    first, second = arts
    assert first.text.splitlines() == [
        "1.1 This Agreement covers gadgets[^1] and widgets.[^2]",
        "1.2 Each Party shall publish its gadget rules in a timely manner.",  # rejoined across page debris
    ]
    assert [(f.marker, f.text) for f in first.footnotes] == [
        ("1", "Gadgets include toy gadgets."), ("2", "Widgets include spare widgets and their parts.")]
    assert second.text == "2.1 A (c) gadget is small and useful."
    everything = "\n".join(p.text for p in ex.provisions)
    assert "```" not in everything and "- 4 -" not in everything and "converted" not in everything


def test_running_headers_removed_in_paged_text() -> None:
    pages = []
    for n in range(1, 5):
        pages.append(f"Widget Accord - Draft\n\nArticle {n}: Rule {n}\n\n"
                     f"Rule {n} applies to widgets.\n\nPage {n} of 4\n")
    ex, arts = read_text("\f".join(pages))
    assert [p.number for p in arts] == ["1", "2", "3", "4"]
    assert all("Widget Accord" not in p.text and "Page" not in p.text for p in ex.provisions)


def test_bad_encoding_is_refused() -> None:
    with pytest.raises(InputError, match="not valid UTF-8"):
        text_reader.read("Article 1: Café".encode("cp1252"), Path("x.txt"))
    ex = text_reader.read("Article 1: Café\n\nText.".encode("cp1252"), Path("x.txt"), encoding="cp1252")
    assert ex.provisions[0].title == "Café"


# --------------------------------------------------------------------------- the WTO e-commerce text
@pytest.fixture(scope="module")
def wto(modern_dir: Path):
    path = modern_dir / "wto-jsi-ecommerce-2024.md"
    return text_reader.read(path.read_bytes(), path)


def test_wto_articles(wto) -> None:
    ex = wto
    arts = [p for p in ex.provisions if p.number]
    assert [p.number for p in arts] == [str(n) for n in range(1, 39)]
    titles = {p.number: p.title for p in arts}
    assert titles["1"] == "Scope"
    assert titles["5"] == "Electronic Authentication and Electronic Signatures"  # heading carries a footnote
    assert titles["8"] == "Paperless Trading"
    assert titles["23"] == "Security Exception"  # page number glued to the heading in the file
    assert titles["28"] == "Committee on Trade-Related Aspects of Electronic Commerce"  # dot leaders
    assert titles["38"] == "Registration"
    assert all(t and not re.search(r"\d|\.\.|\[\^", t) for t in titles.values())
    assert ex.title == "AGREEMENT ON ELECTRONIC COMMERCE"


def test_wto_sections_and_preamble(wto) -> None:
    ex = wto
    arts = {p.number: p for p in ex.provisions if p.number}
    letters = [arts[str(n)].section.split(":")[0] for n in range(1, 39)]
    assert sorted(set(letters)) == list("ABCDEFGH")
    assert letters[0] == "A" and letters[20] == "F" and letters[37] == "H"
    assert letters == sorted(letters)
    assert arts["1"].section.startswith("A: ")
    titles = [p.title for p in ex.provisions if p.number is None]
    assert "Preamble" in titles


def test_wto_footnotes_detached(wto) -> None:
    ex = wto
    arts = {p.number: p for p in ex.provisions if p.number}
    assert [f.marker for f in arts["5"].footnotes] == ["3"]
    assert [f.marker for f in arts["6"].footnotes] == ["4"]
    assert sorted(f.marker for f in arts["10"].footnotes) == ["5", "6", "7"]  # two defined after Article 11's heading
    assert [f.marker for f in arts["11"].footnotes] == []
    for p in ex.provisions:
        for f in p.footnotes:
            assert f.text and f.text not in p.text
        assert not re.search(r"^\(\^\d+\)|^\[\^\d+\]:", p.text, re.MULTILINE)
        assert "```" not in p.text and not re.search(r"^#+ |^- \d+ -$", p.text, re.MULTILINE)
    total = sum(len(p.footnotes) for p in ex.provisions)
    assert total == 21


def test_wto_paragraphs_clean(wto) -> None:
    ex = wto
    arts = {p.number: p for p in ex.provisions if p.number}
    assert arts["10"].text.startswith("10.1 ")  # "10 .1" conversion split repaired
    assert arts["12"].text.splitlines()[3].startswith("12.4 ")
    for p in ex.provisions:
        for para in p.text.splitlines():
            assert not para[:1].islower(), (p.number, para[:40])  # page breaks inside sentences rejoined
