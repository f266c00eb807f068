"""Negotiation-ready DOCX proposals: numbering Word renumbers itself, marked brackets, alternatives,
comments, footnotes, annex, clean text, reproducible and atomic output (shared/notes/docx.md).

All clause text here is invented. The document is read back with this file's own reader (python-docx's
``Paragraph.text`` ignores numbering and fields), which also works out the list numbers a viewer shows.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import docx
import pytest
from lxml import etree

from ftadraft.drafting import docx_writer as dp
from ftadraft.drafting.docx_writer import check_proposal, render_proposal, write_proposal
from ftadraft.drafting.proposal import (
    Alternative,
    Alternatives,
    Article,
    Note,
    Paragraph,
    PartyName,
    Proposal,
    bracket_depth,
)
from ftadraft.errors import InputError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
RT_FOOTNOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
RT_COMMENTS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


PARTIES = (PartyName("USA", "United States"), PartyName("EU", "European Union"), PartyName("JPN", "Japan"))

ARTICLES = (
    Article(
        "Definitions",
        (Paragraph("For the purposes of this Chapter:"),
         Paragraph("widget means an invented object traded [electronically];", 2),
         Paragraph("gadget means a [small [portable]] invented device.", 2)),
        notes=(Note("EU", "EU to confirm the gadget definition."),),
        precedents=("Model Widget Agreement (2001), Art. 1.1", "Invented Treaty on Gadgets (2015), Art. 2"),
    ),
    Article(
        "Customs Duties",
        (Paragraph("No Party shall impose customs duties on widgets."),
         Alternatives((Alternative("USA", (Paragraph("This Article applies to [all] widgets."),)),
                       Alternative("EU", (Paragraph("This Article applies to widgets of the other Party."),))),
                      "inline"),
         Paragraph("Nothing in this Article shall prevent internal fees on gadgets.")),
        notes=(Note("USA", "USA prefers the inline wording."), Note("USA/JPN", "Joint note: revisit in Round 6.")),
        precedents=("Invented Treaty on Gadgets (2015), Art. 7",),
    ),
    Article(
        "[Cooperation]",
        (Paragraph("The Parties shall cooperate on widget trade."),
         Alternatives((Alternative("USA/JPN", (Paragraph("Cooperation may include:"),
                                               Paragraph("exchanges of invented information;", 2),
                                               Paragraph("joint gadget workshops.", 2))),
                       Alternative("EU", (Paragraph("Each Party shall designate a contact point."),))),
                      "stacked"),
         Paragraph("Each Party shall bear its own costs."),
         Paragraph("costs of gadget workshops; and", 2)),
    ),
    Article(
        "Sub-paragraph Alternatives",
        (Paragraph("A Party may adopt measures on:"),
         Paragraph("widgets;", 2),
         Alternatives((Alternative("EU", (Paragraph("gadgets;", 2),)),
                       Alternative("USA", (Paragraph("gadgets and doohickeys;", 2), Paragraph("thingamajigs;", 2)))),
                      "stacked"),
         Paragraph("sprockets.", 2),
         Paragraph("Paragraph 1 is without prejudice to invented rights.")),
        notes=(Note("JPN", "Japan reserves."),),
    ),
    Article("Reserved", ()),
)

PROPOSAL = Proposal(
    agreement="Agreement between the Invented Parties on Widget Trade",
    parties=PARTIES, chapter_number=19, chapter_title="Digital [Widget] Trade", round="Round 5",
    date="2026-11-28", author="USA", articles=ARTICLES,
)

# What a reader sees, paragraph by paragraph, after the title block and the TOC: (number, text).
EXPECTED_BODY = [
    ("CHAPTER 19:", "Digital [Widget] Trade"),
    ("Article 19.1:", "Definitions"),
    ("1.", "For the purposes of this Chapter:"),
    ("(a)", "widget means an invented object traded [electronically];"),
    ("(b)", "gadget means a [small [portable]] invented device.¹"),
    ("Article 19.2:", "Customs Duties"),
    ("1.", "No Party shall impose customs duties on widgets."),
    ("2.", "[US: This Article applies to [all] widgets.] [EU: This Article applies to widgets of the other Party.]"),
    ("3.", "Nothing in this Article shall prevent internal fees on gadgets.²"),
    ("Article 19.3:", "[Cooperation]"),
    ("1.", "The Parties shall cooperate on widget trade."),
    ("", "[Alt 1 (US/JP):"),
    ("2.", "Cooperation may include:"),
    ("(a)", "exchanges of invented information;"),
    ("(b)", "joint gadget workshops.]"),
    ("", "[Alt 2 (EU):"),
    ("2.", "Each Party shall designate a contact point.]"),
    ("3.", "Each Party shall bear its own costs."),
    ("(a)", "costs of gadget workshops; and"),
    ("Article 19.4:", "Sub-paragraph Alternatives"),
    ("1.", "A Party may adopt measures on:"),
    ("(a)", "widgets;"),
    ("", "[Alt 1 (EU):"),
    ("(b)", "gadgets;]"),
    ("", "[Alt 2 (US):"),
    ("(b)", "gadgets and doohickeys;"),
    ("(c)", "thingamajigs;]"),
    ("(c)", "sprockets."),
    ("2.", "Paragraph 1 is without prejudice to invented rights."),
    ("Article 19.5:", "Reserved"),
]


# --- a reader of our own ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunInfo:
    text: str
    bold: bool
    shade: str | None
    style: str | None


@dataclass(frozen=True)
class Para:
    style: str
    number: str
    text: str
    runs: tuple[RunInfo, ...]


def parts(path_or_bytes: Path | bytes) -> dict[str, bytes]:
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    with zipfile.ZipFile(src) as z:
        return {n: z.read(n) for n in z.namelist()}


def xml(data: dict[str, bytes], name: str) -> etree._Element:
    return etree.fromstring(data[name])


SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def run_info(r: etree._Element, footnote_numbers: dict[str, int]) -> RunInfo:
    rpr = r.find("w:rPr", NS)
    bold = rpr is not None and rpr.find("w:b", NS) is not None
    shd = rpr.find("w:shd", NS) if rpr is not None else None
    style = rpr.find("w:rStyle", NS) if rpr is not None else None
    text = ""
    for child in r:
        if child.tag == w("t"):
            text += child.text or ""
        elif child.tag == w("tab"):
            text += "\t"
        elif child.tag == w("footnoteReference"):
            text += str(footnote_numbers[child.get(w("id"))]).translate(SUPERSCRIPT)
    return RunInfo(text, bold, shd.get(w("fill")) if shd is not None else None,
                   style.get(w("val")) if style is not None else None)


class Numbering:
    """The list numbers a viewer shows, counted per w:num (LibreOffice) or per abstract list (``shared``)."""

    FORMATS: ClassVar[dict[str, Callable[[int], str]]] = {
        "decimal": str, "lowerLetter": lambda n: "abcdefghijklmnopqrstuvwxyz"[n - 1]}

    def __init__(self, data: dict[str, bytes], *, shared: bool) -> None:
        numbering, styles = xml(data, "word/numbering.xml"), xml(data, "word/styles.xml")
        self.levels = {a.get(w("abstractNumId")): {
            int(lvl.get(w("ilvl"))): (int(lvl.find("w:start", NS).get(w("val"))),
                                      lvl.find("w:numFmt", NS).get(w("val")),
                                      lvl.find("w:lvlText", NS).get(w("val")))
            for lvl in a.iterfind("w:lvl", NS)} for a in numbering.iterfind("w:abstractNum", NS)}
        self.nums = {n.get(w("numId")): (n.find("w:abstractNumId", NS).get(w("val")),
                                          {int(o.get(w("ilvl"))): int(o.find("w:startOverride", NS).get(w("val")))
                                           for o in n.iterfind("w:lvlOverride", NS)})
                     for n in numbering.iterfind("w:num", NS)}
        self.styles = {s.get(w("styleId")): s for s in styles.iterfind("w:style", NS)}
        self.shared = shared
        self.counters: dict[str, list[int | None]] = {}
        self.used: set[tuple[str, int]] = set()

    def style_num(self, style_id: str) -> tuple[str | None, int]:
        num_id, ilvl = None, None
        while style_id and (num_id is None or ilvl is None):
            style = self.styles[style_id]
            pr = style.find("w:pPr/w:numPr", NS)
            if pr is not None:
                if num_id is None and pr.find("w:numId", NS) is not None:
                    num_id = pr.find("w:numId", NS).get(w("val"))
                if ilvl is None and pr.find("w:ilvl", NS) is not None:
                    ilvl = int(pr.find("w:ilvl", NS).get(w("val")))
            based = style.find("w:basedOn", NS)
            style_id = based.get(w("val")) if based is not None else ""
        return num_id, ilvl or 0

    def number(self, p: etree._Element, style_id: str) -> str:
        num_id, ilvl = self.style_num(style_id)
        pr = p.find("w:pPr/w:numPr", NS)
        if pr is not None:
            num_id = pr.find("w:numId", NS).get(w("val"))
            ilvl = int(pr.find("w:ilvl", NS).get(w("val")))
        if num_id in (None, "0"):
            return ""
        abstract, overrides = self.nums[num_id]
        key = abstract if self.shared else num_id
        counters = self.counters.setdefault(key, [None] * 9)
        levels = self.levels[abstract]
        current = counters[ilvl]
        if ilvl in overrides and (num_id, ilvl) not in self.used:
            counters[ilvl] = overrides[ilvl]  # the first paragraph of a w:num with a startOverride
        else:
            counters[ilvl] = levels[ilvl][0] if current is None else current + 1
        self.used.add((num_id, ilvl))
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = None
        text = levels[ilvl][2]
        for k in range(ilvl + 1):
            value = counters[k]
            text = text.replace(f"%{k + 1}", self.FORMATS[levels[k][1]](levels[k][0] if value is None else value))
        return text


def read_body(path_or_bytes: Path | bytes, *, shared: bool = False) -> list[Para]:
    """Every body paragraph (tables included) with the number a viewer shows and its runs."""
    data = parts(path_or_bytes)
    body = xml(data, "word/document.xml").find("w:body", NS)
    numbering = Numbering(data, shared=shared)
    fn_numbers: dict[str, int] = {}
    for r in body.iter(w("footnoteReference")):
        fn_numbers[r.get(w("id"))] = len(fn_numbers) + 1
    out = []
    for p in body.iter(w("p")):
        style_el = p.find("w:pPr/w:pStyle", NS)
        style = style_el.get(w("val")) if style_el is not None else "Normal"
        runs = tuple(run_info(r, fn_numbers) for r in p.iter(w("r")))
        out.append(Para(style, numbering.number(p, style), "".join(r.text for r in runs), runs))
    return out


def chapter_body(paras: list[Para]) -> list[tuple[str, str]]:
    start = next(k for k, p in enumerate(paras) if p.style == "Heading1")
    end = next((k for k, p in enumerate(paras) if p.style == dp.STYLE_ANNEX), len(paras))
    return [(p.number, p.text) for p in paras[start:end]]


@pytest.fixture(scope="module")
def bracketed() -> bytes:
    return render_proposal(PROPOSAL)


@pytest.fixture(scope="module")
def clean() -> bytes:
    return render_proposal(PROPOSAL, clean=True)


# --- the text and its numbers -----------------------------------------------------------------------------

@pytest.mark.parametrize("shared", [False, True], ids=["per-num", "per-abstract-list"])
def test_reads_back_with_the_numbers_word_shows(bracketed: bytes, shared: bool) -> None:
    assert chapter_body(read_body(bracketed, shared=shared)) == EXPECTED_BODY


def test_python_docx_opens_it_and_sees_the_title_block(tmp_path: Path, bracketed: bytes) -> None:
    out = tmp_path / "p.docx"
    out.write_bytes(bracketed)
    document = docx.Document(str(out))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == PROPOSAL.agreement
    assert "Chapter 19: Digital [Widget] Trade" in texts
    assert "Proposal by United States" in texts and "Round 5 — 28 November 2026" in texts
    assert any(p.style is not None and p.style.style_id == "Heading2" and p.text == "Customs Duties"
               for p in document.paragraphs)
    props = document.core_properties
    assert (props.author, props.last_modified_by, props.category) == ("ftadraft", "US", "negotiating text")
    assert check_proposal(out) == []


def test_numbering_is_one_multilevel_list_bound_to_styles(bracketed: bytes) -> None:
    data = parts(bracketed)
    numbering = xml(data, "word/numbering.xml")
    kinds = [etree.QName(c).localname for c in numbering if isinstance(c.tag, str)]
    assert "abstractNum" not in kinds[kinds.index("num"):], "every abstractNum comes before the nums"
    ours = [a for a in numbering.iterfind("w:abstractNum", NS)
            if a.find("w:lvl/w:pStyle[@w:val='Heading2']", NS) is not None]
    assert len(ours) == 1
    abstract = ours[0]
    assert abstract.find("w:multiLevelType", NS).get(w("val")) == "multilevel"
    levels = {int(lvl.get(w("ilvl"))): lvl for lvl in abstract.iterfind("w:lvl", NS)}
    want = {0: ("19", "decimal", "CHAPTER %1:", "Heading1"), 1: ("1", "decimal", "Article %1.%2:", "Heading2"),
            2: ("1", "decimal", "%3.", dp.STYLE_PARA), 3: ("1", "lowerLetter", "(%4)", dp.STYLE_SUBPARA)}
    for ilvl, (start, fmt, text, style) in want.items():
        lvl = levels[ilvl]
        got = tuple(lvl.find(f"w:{t}", NS).get(w("val")) for t in ("start", "numFmt", "lvlText", "pStyle"))
        assert got == (start, fmt, text, style)
        assert lvl.find("w:lvlRestart", NS) is None, "lower levels restart after their parent (the default)"
    assert levels[1].find("w:suff", NS).get(w("val")) == "space"  # "Article 19.3: Customs Duties"
    # The styles carry the list: a paragraph is numbered by its style alone.
    abstract_id = abstract.get(w("abstractNumId"))
    main = [n.get(w("numId")) for n in numbering.iterfind("w:num", NS)
            if n.find("w:abstractNumId", NS).get(w("val")) == abstract_id and n.find("w:lvlOverride", NS) is None]
    assert len(main) == 1
    styles = xml(data, "word/styles.xml")
    for style_id, ilvl in (("Heading1", 0), ("Heading2", 1), (dp.STYLE_PARA, 2), (dp.STYLE_SUBPARA, 3)):
        pr = styles.find(f"w:style[@w:styleId='{style_id}']/w:pPr/w:numPr", NS)
        assert (pr.find("w:ilvl", NS).get(w("val")), pr.find("w:numId", NS).get(w("val"))) == (str(ilvl), main[0])
    # based on Heading 1, the annex heading must not say "CHAPTER n:"; the TOC heading is not based on it
    assert styles.find(f"w:style[@w:styleId='{dp.STYLE_ANNEX}']/w:pPr/w:numPr/w:numId", NS).get(w("val")) == "0"
    assert styles.find("w:style[@w:styleId='TOCHeading']/w:pPr/w:numPr", NS) is None
    assert styles.find("w:style[@w:styleId='TOCHeading']/w:basedOn", NS).get(w("val")) == "Normal"
    # No literal numbers in the headings: Word renumbers them.
    body = read_body(bracketed)
    assert all(not p.text.startswith(("Article", "CHAPTER")) for p in body if p.style.startswith("Heading"))


def test_chapter_number_is_the_start_of_the_chapter_level() -> None:
    p = Proposal(PROPOSAL.agreement, PARTIES, 7, "Customs", "Round 1", "2026-01-05", "EU", ARTICLES[:2])
    body = chapter_body(read_body(render_proposal(p)))
    assert [n for n, _ in body if n.startswith(("CHAPTER", "Article"))] == [
        "CHAPTER 7:", "Article 7.1:", "Article 7.2:"]


def test_toc_field_is_prefilled_with_the_headings(bracketed: bytes) -> None:
    paras = read_body(bracketed)
    toc = [p for p in paras if p.style in ("TOC1", "TOC2")]
    entries = [p.text.split("\t") for p in toc]
    assert [e[0] for e in entries] == (["CHAPTER 19: Digital [Widget] Trade"]
                                       + [f"Article 19.{k + 1}: {a.title}" for k, a in enumerate(ARTICLES)]
                                       + ["Annex: Sources and precedents"])
    pages = [int(e[1]) for e in entries]  # the stored page numbers: an estimate until fields update
    assert pages == sorted(pages) and pages[0] == 2
    document = xml(parts(bracketed), "word/document.xml")
    instructions = [t.text for t in document.iter(w("instrText"))]
    bookmarks = [b.get(w("name")) for b in document.iter(w("bookmarkStart"))]
    assert instructions == [' TOC \\o "1-2" \\h \\z \\u '] + [f" PAGEREF {b} \\h " for b in bookmarks]
    assert [f.get(w("fldCharType")) for f in document.iter(w("fldChar"))] == (
        ["begin", "separate"] + ["begin", "separate", "end"] * len(bookmarks) + ["end"])
    headings = [p for p in document.iter(w("p")) if p.find("w:bookmarkStart", NS) is not None]
    assert [p.find("w:pPr/w:pStyle", NS).get(w("val")) for p in headings] == (
        ["Heading1"] + ["Heading2"] * len(ARTICLES) + [dp.STYLE_ANNEX])
    settings = xml(parts(bracketed), "word/settings.xml")
    assert settings.find("w:updateFields", NS).get(w("val")) == "true"  # Word refreshes the TOC on opening


# --- brackets and alternatives ----------------------------------------------------------------------------

def bracket_runs(paras: list[Para]) -> Iterator[tuple[RunInfo, int]]:
    """Each run with the bracket depth it sits at, counted across paragraphs (stacked alternatives)."""
    depth = 0
    for p in paras:
        for r in p.runs:
            if r.text in ("[", "]"):
                if r.text == "[":
                    depth += 1
                yield r, depth
                if r.text == "]":
                    depth -= 1
            else:
                assert "[" not in r.text and "]" not in r.text, "a bracket shares a run with words"
                yield r, depth
    assert depth == 0


def test_brackets_are_bold_and_shaded_with_depth(bracketed: bytes) -> None:
    paras = [p for p in read_body(bracketed) if p.style not in ("TOC1", "TOC2")]
    seen_deep = False
    for run, depth in bracket_runs(paras):
        if run.text in ("[", "]"):
            assert run.bold, run
            assert run.shade == ("D9D9D9" if depth == 1 else "BFBFBF"), (run, depth)
        elif run.text and run.style is None:
            assert run.shade == (None if depth == 0 else "D9D9D9" if depth == 1 else "BFBFBF"), (run, depth)
        seen_deep |= depth >= 2
    assert seen_deep, "the sample nests brackets"
    document = xml(parts(bracketed), "word/document.xml")
    for shd in document.iter(w("shd")):
        assert (shd.get(w("val")), shd.get(w("color"))) == ("clear", "auto")


def test_inline_alternatives_label_each_party(bracketed: bytes) -> None:
    para = next(p for p in read_body(bracketed) if p.text.startswith("[US:"))
    labels = [r for r in para.runs if r.text.endswith(": ")]
    assert [r.text for r in labels] == ["US: ", "EU: "]  # short names, as delegations write them
    assert all(r.bold and r.shade == "D9D9D9" for r in labels)


def test_stacked_alternatives_get_their_own_list_instances(bracketed: bytes) -> None:
    data = parts(bracketed)
    numbering = xml(data, "word/numbering.xml")
    overrides = {n.get(w("numId")): [(o.get(w("ilvl")), o.find("w:startOverride", NS).get(w("val")))
                                     for o in n.iterfind("w:lvlOverride", NS)]
                 for n in numbering.iterfind("w:num", NS) if n.find("w:lvlOverride", NS) is not None}
    # Article 3: Alt 2 restarts at "2."; what follows the block at "3.".  Article 4: Alt 2 at "(b)", what
    # follows at "(c)", then a new instance for paragraph "2.".
    assert sorted(overrides.values()) == sorted([[("2", "2")], [("2", "3")], [("3", "2")], [("3", "3")],
                                                 [("2", "2")]])


def test_bracket_balance_is_checked_in_the_model() -> None:
    assert bracket_depth("a [b [c] d] e") == 2
    for bad in ("a [b", "a ]b[", "[[x]"):
        with pytest.raises(ValueError):
            Paragraph(bad)
    with pytest.raises(ValueError):
        Article("[Open title", ())


def test_model_rejects_what_the_writer_cannot_express() -> None:
    with pytest.raises(ValueError, match="inline"):
        Alternatives((Alternative("USA", (Paragraph("a"), Paragraph("b"))),), "inline")
    with pytest.raises(ValueError, match="level"):
        Alternatives((Alternative("USA", (Paragraph("a"),)), Alternative("EU", (Paragraph("b", 2),))))
    with pytest.raises(ValueError, match="level"):
        Paragraph("x", 3)
    with pytest.raises(ValueError, match="unknown parties"):
        Proposal("A", PARTIES, 1, "T", "R1", "2026-01-01", "USA", (Article("X", notes=(Note("KOR", "n"),)),))
    with pytest.raises(ValueError, match="author"):
        Proposal("A", PARTIES, 1, "T", "R1", "2026-01-01", "KOR", ())
    with pytest.raises(ValueError, match="date"):
        Proposal("A", PARTIES, 1, "T", "R1", "28/11/2026", "USA", ())
    with pytest.raises(ValueError, match="calendar"):
        Proposal("A", PARTIES, 1, "T", "R1", "2026-02-30", "USA", ())
    with pytest.raises(ValueError, match="style"):
        Alternatives((Alternative("USA", (Paragraph("a"),)),), "sideways")  # type: ignore[arg-type]
    # Lists are accepted and frozen as tuples.
    a = Article("T", [Paragraph("x")], precedents=["P"])  # type: ignore[arg-type]
    assert a.body == (Paragraph("x"),) and a.precedents == ("P",)
    hash(PROPOSAL)


# --- comments ---------------------------------------------------------------------------------------------

def test_drafting_notes_are_anchored_comments(bracketed: bytes) -> None:
    data = parts(bracketed)
    comments = xml(data, "word/comments.xml")
    notes = [(a.title, n) for a in ARTICLES for n in a.notes]
    got = comments.findall("w:comment", NS)
    assert len(got) == len(notes) == 4
    labels = [PROPOSAL.party_label(n.party) for _, n in notes]
    assert labels == ["EU", "US", "US/JP", "JP"]
    assert [(c.get(w("author")), c.get(w("initials"))) for c in got] == [(x, x) for x in labels]
    assert ["".join(c.itertext()) for c in got] == [n.text for _, n in notes]
    assert {c.get(w("date")) for c in got} == {"2026-11-28T00:00:00Z"}
    document = xml(data, "word/document.xml")
    by_id = {c.get(w("id")): c for c in got}
    for c in got:
        cid = c.get(w("id"))
        for tag in ("commentRangeStart", "commentRangeEnd", "commentReference"):
            found = document.xpath(f"//w:{tag}[@w:id='{cid}']", namespaces=NS)
            assert len(found) == 1, (tag, cid)
        heading = document.xpath(f"//w:commentRangeStart[@w:id='{cid}']/ancestor::w:p", namespaces=NS)[0]
        title = "".join(t.text for t in heading.iter(w("t")))
        assert (title, "".join(by_id[cid].itertext())) in [(t, n.text) for t, n in notes]
    rels = xml(data, "word/_rels/document.xml.rels")
    assert any(r.get("Type") == RT_COMMENTS for r in rels)
    styles = xml(data, "word/styles.xml")
    for sid in ("CommentText", "CommentReference"):
        assert styles.find(f"w:style[@w:styleId='{sid}']", NS) is not None


def test_comment_ids_stay_clear_of_footnote_ids(bracketed: bytes) -> None:
    """LibreOffice 7.4 loses footnote text when a comment id is 0 or equals a footnote id."""
    data = parts(bracketed)
    comment_ids = {int(i) for i in xml(data, "word/comments.xml").xpath("w:comment/@w:id", namespaces=NS)}
    footnote_ids = {int(i) for i in xml(data, "word/footnotes.xml").xpath("w:footnote/@w:id", namespaces=NS)}
    assert min(comment_ids) > max(footnote_ids) > 0


# --- footnotes and annex ----------------------------------------------------------------------------------

def test_precedents_are_footnotes_that_resolve(bracketed: bytes) -> None:
    data = parts(bracketed)
    assert "word/footnotes.xml" in data
    assert "/word/footnotes.xml" in data["[Content_Types].xml"].decode()
    assert "wordprocessingml.footnotes+xml" in data["[Content_Types].xml"].decode()
    rels = xml(data, "word/_rels/document.xml.rels")
    assert [r.get("Target") for r in rels if r.get("Type") == RT_FOOTNOTES] == ["footnotes.xml"]
    footnotes = xml(data, "word/footnotes.xml")
    special = {f.get(w("type")): f.get(w("id")) for f in footnotes.iterfind("w:footnote", NS) if f.get(w("type"))}
    assert special == {"separator": "-1", "continuationSeparator": "0"}
    assert footnotes.find("w:footnote[@w:id='-1']//w:separator", NS) is not None
    assert footnotes.find("w:footnote[@w:id='0']//w:continuationSeparator", NS) is not None
    notes = {f.get(w("id")): f for f in footnotes.iterfind("w:footnote", NS) if not f.get(w("type"))}
    document = xml(data, "word/document.xml")
    refs = [r.get(w("id")) for r in document.iter(w("footnoteReference"))]
    assert sorted(refs) == sorted(notes)
    expected = ["; ".join(a.precedents) for a in ARTICLES if a.precedents]
    assert [" ".join("".join(notes[i].itertext()).split()) for i in refs] == expected
    for note in notes.values():
        p = note.find("w:p", NS)
        assert p.find("w:pPr/w:pStyle", NS).get(w("val")) == "FootnoteText"
        assert p.find("w:r/w:footnoteRef", NS) is not None
    for r in document.iter(w("footnoteReference")):
        assert r.getparent().find("w:rPr/w:rStyle", NS).get(w("val")) == "FootnoteReference"
    settings = xml(data, "word/settings.xml")
    assert [f.get(w("id")) for f in settings.iterfind("w:footnotePr/w:footnote", NS)] == ["-1", "0"]


def test_annex_table_lists_precedents_by_article(tmp_path: Path, bracketed: bytes) -> None:
    out = tmp_path / "p.docx"
    out.write_bytes(bracketed)
    document = docx.Document(str(out))
    assert len(document.tables) == 1
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert rows == [["Article", "Precedents"],
                    ["Article 19.1: Definitions", "\n".join(ARTICLES[0].precedents)],
                    ["Article 19.2: Customs Duties", ARTICLES[1].precedents[0]]]
    annex = [p for p in read_body(bracketed) if p.style == dp.STYLE_ANNEX]
    assert [p.text for p in annex] == ["Annex: Sources and precedents"]


# --- header, footer ---------------------------------------------------------------------------------------

def test_header_and_footer(bracketed: bytes) -> None:
    data = parts(bracketed)
    header = xml(data, "word/header1.xml")
    assert "".join(header.itertext()) == "DRAFT — Round 5 — 28 November 2026 — Without prejudice"
    footer = xml(data, "word/footer1.xml")
    assert [t.text.strip() for t in footer.iter(w("instrText"))] == ["PAGE", "NUMPAGES"]
    assert [f.get(w("fldCharType")) for f in footer.iter(w("fldChar"))] == ["begin", "separate", "end"] * 2
    assert "".join(t.text for t in footer.iter(w("t"))) == "Page 1 of 1"
    for name, blob in data.items():
        assert b"DATE" not in blob and b"TIME " not in blob, name


# --- clean text -------------------------------------------------------------------------------------------

def test_clean_text_has_no_brackets_or_apparatus(clean: bytes) -> None:
    data = parts(clean)
    document = xml(data, "word/document.xml")
    texts = "".join(t.text or "" for t in document.iter(w("t")))
    assert "[" not in texts and "]" not in texts
    assert not list(document.iter(w("shd")))
    for tag in ("commentRangeStart", "commentReference", "footnoteReference"):
        assert not list(document.iter(w(tag)))
    assert "word/comments.xml" not in data and "word/footnotes.xml" not in data
    rels = data["word/_rels/document.xml.rels"].decode()
    assert "comments" not in rels and "footnotes" not in rels
    assert b"footnotePr" not in data["word/settings.xml"]
    assert not list(document.iter(w("tbl")))
    body = chapter_body(read_body(clean))
    assert body[:2] == [("CHAPTER 19:", "Digital Widget Trade"), ("Article 19.1:", "Definitions")]
    assert ("(b)", "gadget means a small portable invented device.") in body
    assert ("2.", "This Article applies to all widgets.") in body
    assert ("Article 19.3:", "Cooperation") in body
    assert not any(p.style == dp.STYLE_ALT for p in read_body(clean))
    assert check_proposal(clean) == []


def test_clean_text_takes_the_chosen_alternative() -> None:
    body = chapter_body(read_body(render_proposal(PROPOSAL, clean=True, choose={1: 1, 2: 1, 3: 1})))
    start = body.index(("Article 19.3:", "Cooperation")) + 1
    article3 = body[start:body.index(("Article 19.4:", "Sub-paragraph Alternatives"))]
    assert article3 == [("1.", "The Parties shall cooperate on widget trade."),
                        ("2.", "Each Party shall designate a contact point."),
                        ("3.", "Each Party shall bear its own costs."),
                        ("(a)", "costs of gadget workshops; and")]
    assert ("2.", "This Article applies to widgets of the other Party.") in body
    items = ("gadgets and doohickeys;", "thingamajigs;", "sprockets.")
    assert [n for n, t in body if t in items] == ["(b)", "(c)", "(d)"]
    default = chapter_body(read_body(render_proposal(PROPOSAL, clean=True)))
    assert ("(b)", "gadgets;") in default and ("(c)", "sprockets.") in default


@pytest.mark.parametrize("choose", [{9: 0}, {1: 2}, {-1: 0}, {0: 1}])
def test_clean_choice_must_exist(choose: dict[int, int]) -> None:
    # Article 0 has no alternatives, so only option 0 exists there.
    with pytest.raises(ValueError, match="choose"):
        render_proposal(PROPOSAL, clean=True, choose=choose)


# --- reproducible, checked, atomic ------------------------------------------------------------------------

def test_same_input_same_bytes(bracketed: bytes, clean: bytes) -> None:
    again = render_proposal(PROPOSAL)
    assert parts(again)["word/document.xml"] == parts(bracketed)["word/document.xml"]
    assert again == bracketed
    assert render_proposal(PROPOSAL, clean=True) == clean
    with zipfile.ZipFile(io.BytesIO(bracketed)) as z:
        assert {i.date_time for i in z.infolist()} == {(2026, 11, 28, 0, 0, 0)}
    core = parts(bracketed)["docProps/core.xml"].decode()
    assert core.count("2026-11-28T00:00:00Z") == 2  # created and modified


def test_output_passes_its_structural_checks(bracketed: bytes, clean: bytes) -> None:
    assert check_proposal(bracketed) == []
    settings = xml(parts(bracketed), "word/settings.xml")
    assert settings.find("w:zoom", NS).get(w("percent")) == "100"


def rewrite(data: bytes, name: str, edit) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            dst.writestr(info, edit(blob) if info.filename == name else blob)
    return out.getvalue()


@pytest.mark.parametrize(("name", "edit", "problem"), [
    ("word/document.xml", lambda b: re.sub(rb"<w:b/><w:bCs/>(<w:shd [^>]*/>)", rb"\1<w:b/><w:bCs/>", b, count=1),
     "out of schema order"),
    ("word/footnotes.xml", lambda b: b.replace(b'w:type="continuationSeparator"', b'w:type="normal"'),
     "continuationSeparator"),
    ("word/document.xml", lambda b: re.sub(rb'<w:footnoteReference w:id="2"/>', b'<w:footnoteReference w:id="9"/>', b),
     "footnote references"),
    ("word/document.xml", lambda b: re.sub(rb'<w:commentRangeEnd w:id="\d+"/>', b"", b, count=1), "commentRangeEnd"),
    ("word/comments.xml", lambda b: b.replace(b'w:author="EU"', b'w:author=""'), "no author"),
    ("word/settings.xml", lambda b: b.replace(b' w:percent="100"', b""), "zoom"),
    ("word/document.xml", lambda b: b.replace(b'w:val="ProposalParagraph"', b'w:val="NoSuchStyle"', 1), "NoSuchStyle"),
    ("word/document.xml", lambda b: b.replace(b'w:fldCharType="end"', b'w:fldCharType="begin"', 1), "field"),
    # schema sequences of section, table and cell properties
    ("word/document.xml", lambda b: re.sub(rb"(<w:pgSz [^>]*/>)(<w:pgMar [^>]*/>)", rb"\2\1", b, count=1),
     "sectPr children out of schema order"),
    ("word/document.xml", lambda b: re.sub(rb"(<w:footerReference [^>]*/>)", rb'\1<w:titlePg/><w:vAlign w:val="top"/>',
                                           b, count=1), "sectPr children out of schema order"),
    ("word/document.xml", lambda b: re.sub(rb"(<w:tblStyle [^>]*/>)(<w:tblW [^>]*/>)", rb"\2\1", b, count=1),
     "tblPr children out of schema order"),
    ("word/document.xml", lambda b: b.replace(b"<w:tcPr><w:tcW ", b'<w:tcPr><w:vAlign w:val="top"/><w:tcW ', 1),
     "tcPr children out of schema order"),
    ("word/document.xml", lambda b: b.replace(b"<w:tblPr>", b"<w:tblPr><w:tblBogus/>", 1), "unexpected child of tblPr"),
    # required attributes and id spaces
    ("word/comments.xml", lambda b: re.sub(rb'(<w:comment [^>]*?)w:id="\d+"', rb'\1w:id="0"', b), "comment id repeats"),
    ("word/comments.xml", lambda b: re.sub(rb'(<w:comment [^>]*?)w:id="\d+"', rb"\1", b, count=1), "without w:id"),
    ("word/footnotes.xml", lambda b: b.replace(b'w:id="2"', b'w:id="1"', 1), "footnote id repeats"),
    ("word/document.xml", lambda b: b.replace(b"<w:body>", b'<w:body><w:p><w:ins w:id="7" '
                                              b'w:date="2026-11-28T00:00:00Z">'
                                              b"<w:r><w:t>x</w:t></w:r></w:ins></w:p>", 1), "no author"),
    ("word/footnotes.xml", lambda b: b.replace(b'<w:footnoteRef/></w:r>', b'<w:footnoteRef/></w:r><w:ins w:id="7" '
                                               b'w:author="EU"><w:r><w:t>x</w:t></w:r></w:ins>', 1),
     "revision w:date None is not"),
    ("word/footnotes.xml", lambda b: b.replace(b'<w:footnoteRef/></w:r>', b'<w:footnoteRef/></w:r><w:del w:id="7" '
                                               b'w:date="2026-11-28T00:00:00Z">'
                                               b"<w:r><w:delText>x</w:delText></w:r></w:del>", 1),
     "revision without w:author"),
])
def test_checker_catches_broken_parts(bracketed: bytes, name: str, edit, problem: str) -> None:  # type: ignore[no-untyped-def]
    problems = check_proposal(rewrite(bracketed, name, edit))
    assert any(problem in p for p in problems), problems


def test_write_refuses_existing_output_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "proposal.docx"
    write_proposal(PROPOSAL, out)
    assert out.read_bytes() == render_proposal(PROPOSAL)
    with pytest.raises(InputError, match="exists already") as e:
        write_proposal(PROPOSAL, out, clean=True)
    assert e.value.path == str(out)
    write_proposal(PROPOSAL, out, clean=True, force=True)
    assert out.read_bytes() == render_proposal(PROPOSAL, clean=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proposal.docx"]
    assert oct(out.stat().st_mode & 0o777) == oct(0o666 & ~current_umask())


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_missing_folder_or_folder_as_output_is_an_input_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "p.docx"
    with pytest.raises(InputError) as e:
        write_proposal(PROPOSAL, missing)
    assert e.value.path == str(tmp_path / "nope")
    with pytest.raises(InputError, match="folder"):
        write_proposal(PROPOSAL, tmp_path)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(InputError) as e:
        write_proposal(PROPOSAL, a_file / "p.docx")
    assert e.value.path == str(a_file)


def test_unwritable_folder_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)  # root ignores mode bits, so simulate the refusal
    with pytest.raises(InputError, match="not writable") as e:
        write_proposal(PROPOSAL, tmp_path / "p.docx")
    assert e.value.path == str(tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_an_input_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(InputError, match="not writable"):
            write_proposal(PROPOSAL, folder / "p.docx")
    finally:
        folder.chmod(0o755)


def test_a_failed_write_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "p.docx"
    out.write_bytes(b"previous version")

    def fail(self: Path, data: bytes) -> None:  # the disk fills up half-way through the write
        with open(self, "wb") as fh:
            fh.write(b"PK half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", fail)
    with pytest.raises(InputError, match="No space left"):
        write_proposal(PROPOSAL, out, force=True)
    assert out.read_bytes() == b"previous version"
    assert [p.name for p in tmp_path.iterdir()] == ["p.docx"]


def test_xml_illegal_characters_and_whitespace_are_tidied(tmp_path: Path) -> None:
    art = Article("Odd\x01 Title", (Paragraph("Each  Party\tshall\x0b publish\nwidgets."),))
    p = Proposal("A", PARTIES, 2, "T", "R1", "2026-01-01", "EU", (art,))
    body = chapter_body(read_body(render_proposal(p)))
    assert body[1:] == [("Article 2.1:", "Odd Title"), ("1.", "Each Party shall publish widgets.")]


# --- rendering (optional) ---------------------------------------------------------------------------------

@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                    reason="LibreOffice (soffice) and poppler-utils are not installed")
def test_libreoffice_renders_numbers_footnotes_and_comments(tmp_path: Path, bracketed: bytes) -> None:
    src = tmp_path / "p.docx"
    src.write_bytes(bracketed)
    env = dict(os.environ, HOME=str(tmp_path))  # a private LibreOffice profile
    for fmt in ("pdf", "odt"):
        subprocess.run(["soffice", "--headless", "--convert-to", fmt, "--outdir", str(tmp_path), str(src)],
                       check=True, capture_output=True, timeout=180, env=env)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "p.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    flat = " ".join(text.split())
    for expected in ("CHAPTER 19: Digital [Widget] Trade", "Article 19.3: [Cooperation]", "(b) gadget means",
                     "[Alt 2 (EU):", "Page 1 of", "DRAFT — Round 5 — 28 November 2026 — Without prejudice",
                     "Model Widget Agreement (2001), Art. 1.1; Invented Treaty on Gadgets (2015), Art. 2",
                     "[Alt 2 (EU): 2. Each Party shall designate a contact point.] 3. Each Party shall bear",
                     "[Alt 2 (US): (b) gadgets and doohickeys; (c) thingamajigs;] (c) sprockets."):
        assert expected in flat, expected
    with zipfile.ZipFile(tmp_path / "p.odt") as z:
        content = z.read("content.xml").decode()
    assert sorted(re.findall(r"<dc:creator>([^<]*)</dc:creator>", content)) == sorted(
        PROPOSAL.party_label(n.party) for a in ARTICLES for n in a.notes)
