"""Negotiation-ready Word proposals: a :class:`~ftadraft.drafting.proposal.Proposal` as a .docx negotiators can work in.

What a delegation sends across the table: a title block, a table of contents, articles numbered by Word
itself ("Article 19.3: Customs Duties", paragraphs "1." and "(a)", so inserting an article renumbers the
rest), unagreed language in visibly marked square brackets, competing wordings inline ("[US: …] [EU: …]")
or stacked ("Alt 1 (US)" / "Alt 2 (EU)"), drafting notes as Word comments, precedents (when the proposal
carries them) as a footnote per article and/or an annex table, and a "DRAFT — round — date — Without
prejudice" header. ``clean=True`` gives the clean text of one chosen wording per article, without brackets
or apparatus. Every document starts from ftadraft's own template (:mod:`.house`: Times New Roman, black
headings, A4 or Letter, our own document properties).

Writing happens in two steps. :func:`lay_out` turns the proposal into :class:`Line` objects (one per
paragraph: style, numbering, formatted pieces of text, bookmarks, notes, footnote), plain data that says
everything the document shows; :class:`DocumentWriter` then writes lines into the package. The round-to-round
redline (:mod:`.redline`) lays out both rounds the same way and writes the differences between their lines
as tracked changes, so a redline shows exactly what the two proposals show.

python-docx has no API for numbering definitions, footnotes, fields or revisions, so those are written with
lxml following ``shared/notes/docx.md``; the result is self-checked (:func:`check_proposal`) before it is
written. Output is reproducible: the same proposal gives the same bytes (fixed ids, comment and zip dates
taken from the proposal date, no timestamps).
"""

from __future__ import annotations

import io
import math
import os
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from lxml import etree

from ..atomic import write_bytes
from ..compare.redline import add_text, check_redline, fix_settings, one_line
from ..errors import InputError
from . import house
from .proposal import LIBRARY, Alternatives, Article, Note, Paragraph, Proposal

SHADE = "D9D9D9"       # grey run shading of bracketed text, depth 1
SHADE_DEEP = "BFBFBF"  # darker grey for text inside nested brackets (depth ≥ 2)
STYLE_CHAPTER = "Heading1"
STYLE_ARTICLE = "Heading2"
STYLE_PARA = "ProposalParagraph"
STYLE_SUBPARA = "ProposalSubparagraph"
STYLE_ALT = "ProposalAlternative"
STYLE_ANNEX = "ProposalAnnexHeading"
STYLE_INFO = "ProposalInfo"
TOC_INSTRUCTION = ' TOC \\o "1-2" \\h \\z \\u '
# "Annex:" makes the table a provision of its own when the file is read back (``ftadraft corpus add``):
# any reader then sees where the last article ends, instead of taking the table into it.
ANNEX_TITLE = "Annex: Sources and precedents"
LIBRARY_AUTHOR = "ftadraft"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_LEVEL_STYLE = {1: STYLE_PARA, 2: STYLE_SUBPARA}

# Child order of w:rPr (CT_ParaRPr: the mark's revision first, rPrChange last) and w:pPr (CT_PPr).
RPR_ORDER = tuple(qn(f"w:{t}") for t in (
    "ins", "del", "moveFrom", "moveTo", "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps",
    "strike", "dstrike", "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish",
    "webHidden", "color", "spacing", "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr",
    "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath",
    "rPrChange"))
PPR_ORDER = tuple(qn(f"w:{t}") for t in (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid",
    "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
    "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange"))
LVL_ORDER = tuple(qn(f"w:{t}") for t in (
    "start", "numFmt", "lvlRestart", "pStyle", "isLgl", "suff", "lvlText", "lvlPicBulletId", "legacy",
    "lvlJc", "pPr", "rPr"))
STYLE_ORDER = tuple(qn(f"w:{t}") for t in (
    "name", "aliases", "basedOn", "next", "link", "autoRedefine", "hidden", "uiPriority", "semiHidden",
    "unhideWhenUsed", "qFormat", "locked", "personal", "personalCompose", "personalReply", "rsid", "pPr", "rPr",
    "tblPr", "trPr", "tcPr", "tblStylePr"))
# CT_SectPr: up to six header/footer references in any order among themselves, then EG_SectPrContents.
SECTPR_ORDER = tuple(qn(f"w:{t}") for t in (
    "headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz", "pgMar", "paperSrc",
    "pgBorders", "lnNumType", "pgNumType", "cols", "formProt", "vAlign", "noEndnote", "titlePg", "textDirection",
    "bidi", "rtlGutter", "docGrid", "printerSettings", "sectPrChange"))
# CT_TblPr (CT_TblPrBase, then tblPrChange) and CT_TcPr (CT_TcPrBase, a cell revision mark, tcPrChange).
TBLPR_ORDER = tuple(qn(f"w:{t}") for t in (
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW", "jc",
    "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption",
    "tblDescription", "tblPrChange"))
TCPR_ORDER = tuple(qn(f"w:{t}") for t in (
    "cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar", "textDirection",
    "tcFitText", "vAlign", "hideMark", "headers", "cellIns", "cellDel", "cellMerge", "tcPrChange"))
_ORDERS = {qn("w:rPr"): RPR_ORDER, qn("w:pPr"): PPR_ORDER, qn("w:lvl"): LVL_ORDER, qn("w:style"): STYLE_ORDER,
           qn("w:sectPr"): SECTPR_ORDER, qn("w:tblPr"): TBLPR_ORDER, qn("w:tcPr"): TCPR_ORDER}
# Children that share one place in the sequence (a choice) and may repeat there.
_SAME_PLACE = {qn("w:footerReference"): qn("w:headerReference"), qn("w:cellDel"): qn("w:cellIns"),
               qn("w:cellMerge"): qn("w:cellIns")}
_REPEATABLE = frozenset({qn("w:headerReference"), qn("w:tblStylePr")})

# The proposal's own paragraph styles (the house template has the rest: headings, TOC, comments, footnotes).
_STYLES = f"""<w:styles {nsdecls("w")}>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="{STYLE_PARA}"><w:name w:val="Proposal Paragraph"/>
 <w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="120"/><w:jc w:val="both"/></w:pPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="{STYLE_SUBPARA}"><w:name w:val="Proposal Subparagraph"/>
 <w:basedOn w:val="{STYLE_PARA}"/><w:qFormat/></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="{STYLE_ALT}"><w:name w:val="Proposal Alternative"/>
 <w:basedOn w:val="Normal"/><w:next w:val="{STYLE_PARA}"/><w:qFormat/>
 <w:pPr><w:keepNext/><w:spacing w:before="120" w:after="60"/><w:ind w:left="567"/></w:pPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="{STYLE_ANNEX}"><w:name w:val="Proposal Annex Heading"/>
 <w:basedOn w:val="Heading1"/><w:next w:val="Normal"/><w:qFormat/>
 <w:pPr><w:pageBreakBefore/><w:numPr><w:numId w:val="0"/></w:numPr></w:pPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="{STYLE_INFO}"><w:name w:val="Proposal Information"/>
 <w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="120"/><w:jc w:val="center"/></w:pPr></w:style>
</w:styles>"""

_FOOTNOTES = f"""<w:footnotes {nsdecls("w", "r")}>
<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
 <w:r><w:separator/></w:r></w:p></w:footnote>
<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" w:line="240"
 w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>
</w:footnotes>"""


def _lvl(ilvl: int, start: int, fmt: str, text: str, style: str, *, suffix: str = "tab", left: int = 0,
         hanging: int = 0) -> str:
    suff = "" if suffix == "tab" else f'<w:suff w:val="{suffix}"/>'
    ind = f'<w:pPr><w:ind w:left="{left}" w:hanging="{hanging}"/></w:pPr>' if left else ""
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
            f'<w:pStyle w:val="{style}"/>{suff}<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>{ind}</w:lvl>')


def _numbering_xml(abstract_id: int, chapter: int) -> str:
    """The one multilevel list: chapter (fixed at the chapter number), article, paragraph, sub-paragraph.

    Each level restarts after its parent (Word's default without ``w:lvlRestart``), and each is bound to
    a paragraph style, so a paragraph gets its number from its style alone."""
    return (f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}"><w:nsid w:val="4654414E"/>'
            '<w:multiLevelType w:val="multilevel"/><w:tmpl w:val="46544150"/>'
            + _lvl(0, chapter, "decimal", "CHAPTER %1:", STYLE_CHAPTER, suffix="space")
            + _lvl(1, 1, "decimal", "Article %1.%2:", STYLE_ARTICLE, suffix="space")
            + _lvl(2, 1, "decimal", "%3.", STYLE_PARA, left=567, hanging=567)
            + _lvl(3, 1, "lowerLetter", "(%4)", STYLE_SUBPARA, left=1134, hanging=567)
            + "</w:abstractNum>")


def clean_text(text: str) -> str:
    """``text`` as the clean version shows it: bracket characters removed, the words kept."""
    return one_line(text.replace("[", "").replace("]", ""))


def article_number_text(chapter: int, index: int) -> str:
    """The number Word shows in front of the ``index``-th (0-based) article's title: "Article 19.3:"."""
    return f"Article {chapter}.{index + 1}:"


def _choices(p: Proposal, choose: Mapping[int, int] | None) -> list[int]:
    """The wording shown per article in the clean text: ``choose[article index]`` (both 0-based), else 0."""
    picks = [0] * len(p.articles)
    for k, v in (choose or {}).items():
        if not isinstance(k, int) or not 0 <= k < len(p.articles):
            raise ValueError(f"choose: no article with index {k!r} (0-{len(p.articles) - 1})")
        blocks = list(p.articles[k].alternatives())
        if not blocks:
            raise ValueError(f"choose: article {k} ({p.articles[k].title!r}) has no alternatives")
        for alts in blocks:
            if not isinstance(v, int) or not 0 <= v < len(alts.options):
                raise ValueError(f"choose: article {k} ({p.articles[k].title!r}) has no alternative {v!r} "
                                 f"(0-{len(alts.options) - 1})")
        picks[k] = v
    return picks


# --- layout: what the document shows, as data ------------------------------------------------------------

@dataclass(frozen=True)
class Fmt:
    """Run formatting: bold, grey shading (a fill colour) and a character style."""

    bold: bool = False
    shade: str | None = None
    style: str | None = None


PLAIN = Fmt()
Piece = tuple[str, Fmt]


class NumStart:
    """An explicit ``w:num`` on the proposal's list whose levels (ilvl → number) start at given numbers.

    Compared by identity: every paragraph that holds the same object shares one ``w:num``."""

    __slots__ = ("starts",)

    def __init__(self, starts: Mapping[int, int]) -> None:
        self.starts = dict(starts)


@dataclass(eq=False)
class Line:
    """One paragraph as the document shows it.

    ``pieces`` are its text runs; ``num`` puts it on an explicit ``w:num`` (ilvl, list), else it numbers
    through its style; ``bookmark`` names it for the table of contents; a TOC entry (``toc_target``) ends
    with a tab and the page number of that bookmark (``page`` is the estimate stored until fields update);
    ``field`` starts a complex field (the TOC) in front of the text and ``field_end`` closes it; ``notes``
    become comments anchored on the text and ``footnote`` a footnote at its end.
    """

    style: str | None
    pieces: list[Piece] = field(default_factory=list)
    num: tuple[int, NumStart] | None = None
    page_break: bool = False
    bookmark: str | None = None
    toc_target: str | None = None
    page: int = 1
    field: str | None = None
    field_end: bool = False
    notes: tuple[Note, ...] = ()
    footnote: str | None = None

    @property
    def text(self) -> str:
        return "".join(t for t, _f in self.pieces)


@dataclass(frozen=True)
class AnnexRow:
    """A row of the sources annex: the article (index), its label as pieces, its citations."""

    article: int
    label: tuple[Piece, ...]
    citations: tuple[str, ...]


@dataclass
class Layout:
    """A proposal laid out: title block (ending with the "Contents" heading), TOC entries and the paragraph
    that closes the TOC field, the chapter heading, each article's lines (heading first), the annex heading
    and rows (when shown), and the header text."""

    proposal: Proposal
    clean: bool
    front: list[tuple[str, Line]]
    toc: list[Line]
    toc_end: Line
    chapter: Line
    articles: list[list[Line]]
    annex: Line | None
    annex_rows: list[AnnexRow]
    header: list[Piece]

    def lines(self) -> Iterable[Line]:
        """Every body paragraph in document order (annex rows excluded)."""
        yield from (line for _key, line in self.front)
        yield from self.toc
        yield self.toc_end
        yield self.chapter
        for article in self.articles:
            yield from article
        if self.annex is not None:
            yield self.annex


def _shade(depth: int) -> str:
    return SHADE if depth <= 1 else SHADE_DEEP


def bracketed_pieces(text: str, depth: int = 0, *, clean: bool = False, bold: bool = False) -> list[Piece]:
    """Pieces for ``text`` whose square brackets are marked: each bracket bold and shaded, the text inside
    shaded (darker when nested); ``depth`` is the nesting ``text`` starts at (text inside a bracketed
    alternative starts at 1). With ``clean``, brackets are dropped and nothing is shaded."""
    text = one_line(text)
    base = Fmt(bold=bold)
    if clean:
        text = text.replace("[", "").replace("]", "")
        return [(text, base)] if text else []
    out: list[Piece] = []
    for piece in re.findall(r"\[|\]|[^\[\]]+", text):
        if piece == "[":
            depth += 1
            out.append((piece, Fmt(True, _shade(depth))))
        elif piece == "]":
            out.append((piece, Fmt(True, _shade(depth))))
            depth -= 1
        else:
            out.append((piece, Fmt(bold, _shade(depth) if depth else None)))
    return out


@dataclass
class _Counters:
    """The numbers Word shows for one article's paragraphs, and the ``w:num`` those paragraphs use.

    Paragraphs number themselves through their style's list. Stacked alternatives break that: Alt 2
    repeats Alt 1's numbers, and what follows must go on from Alt 1. Such paragraphs get a ``w:num`` of
    their own whose ``w:startOverride`` says where to start, so the numbers come out right whether a
    viewer counts per ``w:num`` (LibreOffice) or per abstract list.
    """

    para: int = 0
    sub: int = 0
    num: NumStart | None = None  # the explicit w:num in use (None: the style's list)
    explicit: bool = False       # paragraphs from here on need an explicit w:num
    entry: int = 0               # the level the explicit w:num was entered at (0: a new one is needed)

    def numbered(self, level: int) -> tuple[int, NumStart] | None:
        """Count a paragraph at ``level`` (1: "1.", 2: "(a)"); its explicit numbering, if it needs one."""
        if level == 1:
            self.para, self.sub = self.para + 1, 0
        else:
            self.sub += 1
        if not self.explicit:
            return None
        if self.num is None or self.entry == 0 or level < self.entry:
            self.num = NumStart({level + 1: self.para if level == 1 else self.sub})
            self.entry = level
        return (level + 1, self.num)


def lay_out(p: Proposal, *, clean: bool = False, choose: Mapping[int, int] | None = None,
            footnotes: bool = True, annex: bool = True, bookmark_prefix: str = "_Toc") -> Layout:
    """The paragraphs ``p`` shows (see :class:`Layout`); ``footnotes``/``annex`` say whether the articles'
    precedents appear as footnotes and/or as the sources annex (never in the clean text)."""
    picks = _choices(p, choose)
    front: list[tuple[str, Line]] = [
        ("title", Line("Title", bracketed_pieces(p.agreement, clean=clean))),
        ("subtitle", Line("Subtitle", bracketed_pieces(f"Chapter {p.chapter_number}: {p.chapter_title}", clean=clean))),
        ("round", Line(STYLE_INFO, [(f"{p.round} — {p.display_date}", PLAIN)])),
        ("by", Line(STYLE_INFO, [(f"Proposal by {p.party_in_text(p.author)}", Fmt(bold=True))])),
    ]
    if not clean:
        front.append(("notice", Line(STYLE_INFO, [("Text in square brackets is not agreed. Alternatives show each "
                                                   "party's proposed wording.", PLAIN)])))
    front.append(("contents", Line("TOCHeading", [("Contents", PLAIN)])))
    chapter = Line(STYLE_CHAPTER, bracketed_pieces(p.chapter_title, clean=clean), page_break=True,
                   bookmark=f"{bookmark_prefix}C")
    articles = []
    for k, article in enumerate(p.articles):
        lines = _article_lines(p, k, article, clean=clean, pick=picks[k], footnotes=footnotes and not clean)
        lines[0].bookmark = f"{bookmark_prefix}A{k + 1}"
        articles.append(lines)
    rows = [] if clean or not annex else [
        AnnexRow(k, tuple([(article_number_text(p.chapter_number, k) + " ", PLAIN)] + bracketed_pieces(a.title)),
                 tuple(one_line(c) for c in a.precedents))
        for k, a in enumerate(p.articles) if a.precedents]
    annex_line = Line(STYLE_ANNEX, [(ANNEX_TITLE, PLAIN)], bookmark=f"{bookmark_prefix}X") if rows else None
    title = clean_text if clean else one_line
    toc = [Line("TOC1", [(f"CHAPTER {p.chapter_number}: {title(p.chapter_title)}", PLAIN)],
                toc_target=chapter.bookmark, field=TOC_INSTRUCTION)]
    toc += [Line("TOC2", [(f"{article_number_text(p.chapter_number, k)} {title(a.title)}", PLAIN)],
                 toc_target=articles[k][0].bookmark) for k, a in enumerate(p.articles)]
    if annex_line is not None:
        toc.append(Line("TOC1", [(ANNEX_TITLE, PLAIN)], toc_target=annex_line.bookmark))
    layout = Layout(p, clean, front, toc, Line(None, field_end=True), chapter, articles, annex_line, rows,
                    [(f"DRAFT — {p.round} — {p.display_date} — Without prejudice", PLAIN)])
    _estimate_pages(layout)
    return layout


def _article_lines(p: Proposal, index: int, article: Article, *, clean: bool, pick: int,
                   footnotes: bool) -> list[Line]:
    heading = Line(STYLE_ARTICLE, bracketed_pieces(article.title, clean=clean),
                   notes=() if clean else article.notes)
    lines = [heading]
    counters = _Counters()
    label = p.party_label
    for block in article.body:
        if isinstance(block, Paragraph):
            lines.append(Line(_LEVEL_STYLE[block.level], bracketed_pieces(block.text, clean=clean),
                              num=counters.numbered(block.level)))
        elif clean:
            for para in block.options[pick].blocks:
                lines.append(Line(_LEVEL_STYLE[para.level], bracketed_pieces(para.text, clean=True),
                                  num=counters.numbered(para.level)))
        elif block.style == "inline":
            lines.append(_inline(block, counters, label))
        else:
            lines.extend(_stacked(block, counters, label))
    if footnotes and article.precedents:  # one footnote per article: adjacent references would read as "¹²"
        lines[-1].footnote = "; ".join(one_line(c) for c in article.precedents)
    return lines


def _inline(block: Alternatives, counters: _Counters, label: Any) -> Line:
    """One numbered paragraph: "[US: wording] [EU: wording]"."""
    level = block.options[0].blocks[0].level
    pieces: list[Piece] = []
    for k, option in enumerate(block.options):
        if k:
            pieces.append((" ", PLAIN))
        pieces += [("[", Fmt(True, SHADE)), (f"{label(option.party)}: ", Fmt(True, SHADE))]
        pieces += bracketed_pieces(option.blocks[0].text, 1)
        pieces.append(("]", Fmt(True, SHADE)))
    return Line(_LEVEL_STYLE[level], pieces, num=counters.numbered(level))


def _stacked(block: Alternatives, counters: _Counters, label: Any) -> list[Line]:
    """Each wording as "[Alt n (PARTY):" then its numbered paragraphs, the last one closing "]".

    Every alternative numbers from where the article stood before the block; what follows the block goes
    on from the first alternative's numbers."""
    before = (counters.para, counters.sub)
    out: list[Line] = []
    for k, option in enumerate(block.options):
        out.append(Line(STYLE_ALT, [("[", Fmt(True, SHADE)),
                                    (f"Alt {k + 1} ({label(option.party)}):", Fmt(True, SHADE))]))
        if k == 0:
            state = counters
        else:
            state = _Counters(before[0], before[1], explicit=True)
        for para in option.blocks:
            out.append(Line(_LEVEL_STYLE[para.level], bracketed_pieces(para.text, 1), num=state.numbered(para.level)))
        out[-1].pieces.append(("]", Fmt(True, SHADE)))
    counters.num, counters.entry, counters.explicit = None, 0, True  # what follows needs a w:num of its own
    return out


# --- page estimate for the stored TOC ---------------------------------------------------------------------

# Times New Roman 12 pt: a character of running English text is about 4.5 pt wide (91 twips; calibrated against
# LibreOffice renderings of five chapters: 95% of article pages right); a line is 13.8 pt (276 twips). Headings are
# larger. Spacing as in the styles.
_CHAR_TWIPS = 91
_LINE = 276
_SPACE = {"Title": (240, 240, 368), "Subtitle": (0, 240, 322), STYLE_INFO: (0, 120, _LINE),
          "TOCHeading": (240, 240, 322), "TOC1": (120, 60, _LINE), "TOC2": (0, 60, _LINE),
          STYLE_CHAPTER: (360, 240, 322), STYLE_ARTICLE: (240, 120, _LINE), STYLE_ANNEX: (360, 240, 322),
          STYLE_PARA: (0, 120, _LINE), STYLE_SUBPARA: (0, 120, _LINE), STYLE_ALT: (120, 60, _LINE)}
_INDENT = {STYLE_PARA: 567, STYLE_SUBPARA: 1134, STYLE_ALT: 567, "TOC2": 284}


def _estimate_pages(layout: Layout) -> None:
    """Put an estimated page number on every TOC entry: the stored result viewers show until the fields are
    updated (Word does so on opening, asked by ``w:updateFields``; a plain LibreOffice conversion does not)."""
    width, height = house.PAPERS[layout.proposal.paper]
    text_width = width - 2 * house.MARGIN
    page_height = height - 2 * house.MARGIN
    page, used = 1, 0
    pages: dict[str, int] = {}
    for line in layout.lines():
        before, after, step = _SPACE.get(line.style or "", (0, 120, _LINE))
        chars = max(len(line.text) + (4 if line.num or line.style in (STYLE_ARTICLE, STYLE_CHAPTER) else 0), 1)
        per_line = max((text_width - _INDENT.get(line.style or "", 0)) // _CHAR_TWIPS, 20)
        height_needed = before + step * math.ceil(chars / per_line) + after
        keep = line.style in (STYLE_ARTICLE, STYLE_CHAPTER, STYLE_ALT)  # keep with next: room for one more line
        if line.page_break and used:
            page, used = page + 1, 0
        elif used and used + height_needed + (2 * _LINE if keep else 0) > page_height:
            page, used = page + 1, 0
        if line.bookmark:
            pages[line.bookmark] = page
        used += height_needed
    for entry in layout.toc:
        entry.page = pages.get(entry.toc_target or "", 1)


# --- writing --------------------------------------------------------------------------------------------

class DocumentWriter:
    """Writes laid-out lines into one python-docx document; one instance per document.

    It owns the document's counters: bookmark ids, footnote ids (1..F) and the ``w:num`` made for each
    :class:`NumStart`. Comments are numbered from ``first_comment`` (above every footnote id: LibreOffice
    7.4 drops the text of footnotes when comment ids overlap them or include 0). Revision ids belong to
    the redline writer (:mod:`.redline`), which extends this class."""

    def __init__(self, p: Proposal, *, paper: str | None = None, update_fields: bool, first_comment: int,
                 track_revisions: bool = False) -> None:
        self.p = p
        self.when = datetime.strptime(p.date, "%Y-%m-%d").replace(tzinfo=UTC)
        self.paper = paper or p.paper
        self.doc = house.new_document(self.paper, update_fields=update_fields)
        self.body = self.doc.element.body
        fix_settings(self.doc, track_revisions)
        self.footnote_count = 0
        self.footnotes_el: etree._Element | None = None
        self.first_comment = first_comment
        self.next_bookmark = 1
        self.nums: dict[int, int] = {}
        styles = self.doc.styles.element
        for style in parse_xml(_STYLES):
            styles.append(style)
        self._numbering()

    # --- document-wide parts -------------------------------------------------------------------------

    def _numbering(self) -> None:
        numbering = self.doc.part.numbering_part.element
        self.abstract_id = 0
        self.next_num = 1
        numbering.insert(0, parse_xml(_numbering_xml(self.abstract_id, self.p.chapter_number)))
        self.num_id = self._new_num({})
        styles = self.doc.styles.element
        for sid, ilvl in ((STYLE_CHAPTER, 0), (STYLE_ARTICLE, 1), (STYLE_PARA, 2), (STYLE_SUBPARA, 3)):
            style = styles.xpath(f'w:style[@w:styleId="{sid}"]')[0]
            num_pr = style.get_or_add_pPr().get_or_add_numPr()
            num_pr.get_or_add_ilvl().val = ilvl
            num_pr.get_or_add_numId().val = self.num_id

    def _new_num(self, starts: Mapping[int, int]) -> int:
        """A new ``w:num`` on the proposal's list, levels in ``starts`` (ilvl → number) starting there."""
        num_id = self.next_num
        self.next_num += 1
        overrides = "".join(f'<w:lvlOverride w:ilvl="{ilvl}"><w:startOverride w:val="{start}"/></w:lvlOverride>'
                            for ilvl, start in sorted(starts.items()))
        self.doc.part.numbering_part.element.append(parse_xml(
            f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{self.abstract_id}"/>'
            f"{overrides}</w:num>"))
        return num_id

    def footnotes_part(self) -> etree._Element:
        if self.footnotes_el is None:
            part = XmlPart(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, parse_xml(_FOOTNOTES),
                           self.doc.part.package)
            self.doc.part.relate_to(part, RT.FOOTNOTES)
            self.footnotes_el = part.element
            settings = self.doc.settings.element  # footnotePr goes right before w:compat (CT_Settings)
            pr = parse_xml(f'<w:footnotePr {nsdecls("w")}><w:footnote w:id="-1"/><w:footnote w:id="0"/>'
                           "</w:footnotePr>")
            compat = settings.find(qn("w:compat"))
            if compat is not None:
                compat.addprevious(pr)
        return self.footnotes_el

    # --- runs ----------------------------------------------------------------------------------------

    @staticmethod
    def rpr(fmt: Fmt) -> etree._Element | None:
        """``w:rPr`` for ``fmt`` in CT_RPr order (rStyle, b, bCs, shd), or None for plain text."""
        if not (fmt.bold or fmt.shade or fmt.style):
            return None
        rpr = OxmlElement("w:rPr")
        if fmt.style:
            etree.SubElement(rpr, qn("w:rStyle")).set(qn("w:val"), fmt.style)
        if fmt.bold:
            etree.SubElement(rpr, qn("w:b"))
            etree.SubElement(rpr, qn("w:bCs"))
        if fmt.shade:
            shd = etree.SubElement(rpr, qn("w:shd"))
            shd.set(qn("w:val"), "clear")
            shd.set(qn("w:color"), "auto")
            shd.set(qn("w:fill"), fmt.shade)
        return rpr

    def run(self, parent: etree._Element, text: str = "", fmt: Fmt = PLAIN, *, deleted: bool = False
            ) -> etree._Element:
        """A ``w:r`` holding ``text`` (``w:delText`` when ``deleted``), tabs as ``w:tab``."""
        r = OxmlElement("w:r")
        rpr = self.rpr(fmt)
        if rpr is not None:
            r.append(rpr)
        add_text(r, text, deleted=deleted)
        parent.append(r)
        return r

    def field_start(self, parent: etree._Element, instruction: str, *, deleted: bool = False) -> None:
        """The begin, instruction and separate runs of a complex field; its stored result follows."""
        self.fld_char(parent, "begin")
        it = etree.SubElement(self.run(parent), qn("w:delInstrText" if deleted else "w:instrText"))
        it.text = instruction
        it.set(_XML_SPACE, "preserve")
        self.fld_char(parent, "separate")

    def fld_char(self, parent: etree._Element, kind: str) -> None:
        etree.SubElement(self.run(parent), qn("w:fldChar")).set(qn("w:fldCharType"), kind)

    def field(self, parent: etree._Element, instruction: str, result: str, *, deleted: bool = False) -> None:
        self.field_start(parent, f" {instruction} ", deleted=deleted)
        self.run(parent, result, deleted=deleted)
        self.fld_char(parent, "end")

    def bookmark(self, p: etree._Element, name: str) -> tuple[etree._Element, etree._Element]:
        """``w:bookmarkStart``/``End`` named ``name``; the caller places them around the text."""
        bid = str(self.next_bookmark)
        self.next_bookmark += 1
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), bid)
        start.set(qn("w:name"), name)
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), bid)
        return start, end

    def footnote(self, anchor: etree._Element, citation: str | None = None) -> etree._Element:
        """A footnote reference run in ``anchor``; returns the note's paragraph (holding the
        ``w:footnoteRef`` run), to which ``citation`` is added when given."""
        footnotes = self.footnotes_part()
        self.footnote_count += 1
        fid = self.footnote_count
        etree.SubElement(self.run(anchor, fmt=Fmt(style="FootnoteReference")),
                         qn("w:footnoteReference")).set(qn("w:id"), str(fid))
        note = parse_xml(f'<w:footnote {nsdecls("w")} w:id="{fid}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/>'
                         '</w:pPr><w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>'
                         "</w:p></w:footnote>")
        footnotes.append(note)
        if citation is not None:
            self.run(note[0], " " + one_line(citation))
        return note[0]

    def comment(self, p: etree._Element, note: Note, *, first: etree._Element | None = None) -> None:
        """``note`` as a comment anchored on the content of paragraph ``p`` (from ``first``, else from its
        first content element, to its end), authored by the party's short name or the clause library."""
        author = LIBRARY_AUTHOR if note.party == LIBRARY else self.p.party_label(note.party)
        initials = "FTA" if note.party == LIBRARY else author
        text = ("Internal — " if note.internal else "") + one_line(note.text)
        comment = self.doc.comments.add_comment(text=text, author=author, initials=initials)
        if comment.comment_id < self.first_comment:
            comment._comment_elm.id = self.first_comment  # later ones follow: python-docx takes max + 1
        comment._comment_elm.date = self.when
        cid = str(comment.comment_id)
        start = OxmlElement("w:commentRangeStart")
        start.set(qn("w:id"), cid)
        end = OxmlElement("w:commentRangeEnd")
        end.set(qn("w:id"), cid)
        if first is None:
            first = next((c for c in p if c.tag != qn("w:pPr")), None)
        if first is None:
            p.append(start)
        else:
            first.addprevious(start)
        p.append(end)
        ref = self.run(p, fmt=Fmt(style="CommentReference"))
        etree.SubElement(ref, qn("w:commentReference")).set(qn("w:id"), cid)

    # --- paragraphs ----------------------------------------------------------------------------------

    def ppr(self, line: Line) -> etree._Element | None:
        """``w:pPr`` for ``line``'s style, page break and explicit numbering (None if it needs none)."""
        if not (line.style or line.page_break or line.num):
            return None
        ppr = OxmlElement("w:pPr")
        if line.style:
            etree.SubElement(ppr, qn("w:pStyle")).set(qn("w:val"), line.style)
        if line.page_break:
            etree.SubElement(ppr, qn("w:pageBreakBefore"))
        if line.num:
            ilvl, start = line.num
            num_id = self.nums.get(id(start))
            if num_id is None:
                num_id = self.nums[id(start)] = self._new_num(start.starts)
            num_pr = etree.SubElement(ppr, qn("w:numPr"))
            etree.SubElement(num_pr, qn("w:ilvl")).set(qn("w:val"), str(ilvl))
            etree.SubElement(num_pr, qn("w:numId")).set(qn("w:val"), str(num_id))
        return ppr

    def paragraph(self, line: Line) -> etree._Element:
        """An empty ``w:p`` (with its properties) at the end of the body."""
        p = self.body.add_p()
        ppr = self.ppr(line)
        if ppr is not None:
            p.insert(0, ppr)
        return p

    def toc_tail(self, p: etree._Element, line: Line, *, deleted: bool = False) -> list[etree._Element]:
        """A TOC entry's tab and PAGEREF field (into ``p``, or a revision wrapper); returns the runs made."""
        before = len(p)
        self.run(p, "\t", deleted=deleted)
        self.field(p, f"PAGEREF {line.toc_target} \\h", str(line.page), deleted=deleted)
        return list(p)[before:]

    def write(self, line: Line) -> etree._Element:
        """``line`` as a paragraph (no revisions)."""
        p = self.paragraph(line)
        if line.field:
            self.field_start(p, line.field)
        marks = self.bookmark(p, line.bookmark) if line.bookmark else None
        if marks:
            p.append(marks[0])
        for text, fmt in line.pieces:
            self.run(p, text, fmt)
        if marks:
            p.append(marks[1])
        if line.toc_target:
            self.toc_tail(p, line)
        if line.field_end:
            self.fld_char(p, "end")
        if line.footnote:
            self.footnote(p, line.footnote)
        for note in line.notes:
            self.comment(p, note)
        return p

    def table(self, rows: int) -> Any:
        """The annex table (header row + ``rows``): grid style, header repeated on each page, no row split
        across pages."""
        table = self.doc.add_table(rows=1 + rows, cols=2)
        table.style = "Table Grid"
        for k, row in enumerate(table.rows):
            tr_pr = row._tr.get_or_add_trPr()
            etree.SubElement(tr_pr, qn("w:cantSplit"))
            if k == 0:
                etree.SubElement(tr_pr, qn("w:tblHeader"))
        for cell, text in zip(table.rows[0].cells, ("Article", "Precedents"), strict=False):
            self.run(cell.paragraphs[0]._p, text, Fmt(bold=True))
        return table

    def header_paragraph(self) -> etree._Element:
        return self.doc.sections[0].header.paragraphs[0]._p

    def footer(self) -> None:
        """The footer: "Page X of Y" (PAGE and NUMPAGES fields)."""
        fp = self.doc.sections[0].footer.paragraphs[0]._p
        self.run(fp, "Page ")
        self.field(fp, "PAGE", "1")
        self.run(fp, " of ")
        self.field(fp, "NUMPAGES", "1")

    def header_footer(self, header: Sequence[Piece]) -> None:
        """Header text and the "Page X of Y" footer."""
        hp = self.header_paragraph()
        for text, fmt in header:
            self.run(hp, text, fmt)
        self.footer()

    def properties(self, *, kind: str, subject: str | None = None) -> None:
        p = self.p
        house.set_properties(
            self.doc, title=clean_text(f"{p.agreement} — Chapter {p.chapter_number}: {p.chapter_title}"),
            when=self.when, subject=subject or p.round, category=kind, keywords=p.party_label(p.author),
            description=f"{kind.capitalize()}: proposal by {p.party_in_text(p.author)}, {p.round}, "
                        f"{p.display_date}. Without prejudice.",
            last_modified_by=p.party_label(p.author))

    def save(self, day: str) -> bytes:
        raw = io.BytesIO()
        self.doc.save(raw)
        return house.reproducible_zip(raw.getvalue(), day)


def _comment_base(layout: Layout) -> int:
    """The first comment id: one above the footnotes the layout will make."""
    return sum(1 for line in layout.lines() if line.footnote) + 1


def render_proposal(p: Proposal, *, clean: bool = False, choose: Mapping[int, int] | None = None,
                    footnotes: bool = True, annex: bool = True, paper: str | None = None) -> bytes:
    """The .docx bytes of ``p`` (see :func:`write_proposal`); the same proposal gives the same bytes."""
    if not isinstance(p, Proposal):
        raise TypeError(f"render_proposal needs a Proposal, not {type(p).__name__}")
    if paper is not None and paper != p.paper:
        p = replace(p, paper=paper)  # type: ignore[arg-type]  # the model checks the value
    layout = lay_out(p, clean=clean, choose=choose, footnotes=footnotes, annex=annex)
    writer = DocumentWriter(layout.proposal, update_fields=True, first_comment=_comment_base(layout))
    for line in layout.lines():
        writer.write(line)
    if layout.annex_rows:
        table = writer.table(len(layout.annex_rows))
        for row, annex_row in zip(table.rows[1:], layout.annex_rows, strict=False):
            label, cites = row.cells
            for text, fmt in annex_row.label:
                writer.run(label.paragraphs[0]._p, text, fmt)
            for j, citation in enumerate(annex_row.citations):
                para = cites.paragraphs[0] if j == 0 else cites.add_paragraph()
                writer.run(para._p, citation)
    writer.header_footer(layout.header)
    writer.properties(kind="clean text" if clean else "negotiating text")
    data = writer.save(p.date)
    problems = check_proposal(data)
    if problems:  # a bug here, never the input's fault: refuse to write a file Word would misread
        raise RuntimeError("proposal failed its own checks: " + "; ".join(problems[:5]))
    return data


def check_output_path(out: Path, force: bool) -> Path:
    """``out`` as a path we may write: its folder exists and is writable, it is not a folder, and it does
    not exist unless ``force``; otherwise :class:`~ftadraft.errors.InputError` naming the problem."""
    out = Path(out)
    folder = out.parent
    if not folder.is_dir():
        raise InputError(folder, f"folder does not exist (writing {out.name})")
    if out.is_dir():
        raise InputError(out, "is a folder, not a file name")
    if out.exists() and not force:
        raise InputError(out, "exists already; pass force=True to overwrite")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(folder, "folder is not writable")
    return out


def write_docx_bytes(out: Path, data: bytes) -> None:
    """Write ``data`` to ``out`` atomically (a temporary file beside it, then moved into place)."""
    try:
        write_bytes(out, data)
    except PermissionError as e:
        raise InputError(out.parent, f"folder is not writable ({e.strerror})") from None
    except OSError as e:
        raise InputError(out, f"cannot write: {e.strerror or e}") from None


def write_proposal(p: Proposal, out: Path, *, clean: bool = False, choose: Mapping[int, int] | None = None,
                   force: bool = False, footnotes: bool = True, annex: bool = True, paper: str | None = None) -> None:
    """Write ``p`` as a negotiation-ready .docx at ``out``.

    The articles' precedents (if the proposal carries any) appear as a footnote per article (``footnotes``)
    and in the sources annex (``annex``). ``clean=True`` writes the clean text instead: for each article the
    wording ``choose[article index]`` (0-based article and option; default the first), bracket characters
    removed, and no comments, footnotes or annex. ``paper`` ("A4" or "Letter") overrides the proposal's.
    The file goes to a temporary file beside ``out`` and is moved into place, so ``out`` is never
    half-written; an existing ``out`` is refused unless ``force``. A missing or unwritable folder raises
    :class:`~ftadraft.errors.InputError` naming it.
    """
    out = check_output_path(out, force)
    write_docx_bytes(out, render_proposal(p, clean=clean, choose=choose, footnotes=footnotes, annex=annex,
                                          paper=paper))


# --- checking ---------------------------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = {"w": _W}


def check_proposal(source: Path | bytes) -> list[str]:
    """Problems in a proposal .docx (path or bytes), by the rules the schema cannot express or that
    Word is strict about; an empty list means it passed.

    Every XML part well-formed and every main-document rule of :func:`ftadraft.compare.redline.check_redline`;
    ``w:rPr``/``w:pPr``/``w:sectPr``/``w:tblPr``/``w:tcPr``/``w:lvl``/``w:style`` children in schema
    order; revision marks in any part with a package-unique ``w:id``, an author and a UTC date; zoom
    with a percent; numbering with all abstractNums before nums, every numId and style used defined;
    comment ids present and unique, each comment anchored once (range start, end and reference) and
    authored; footnote ids present and unique, references resolved, each footnote used once, the
    separator (-1) and continuationSeparator (0) present; complex fields balanced; bookmarks paired.
    """
    raw = io.BytesIO(source) if isinstance(source, bytes) else source
    problems = check_redline(raw)  # type: ignore[arg-type]
    if problems:
        return problems
    if isinstance(raw, io.BytesIO):
        raw.seek(0)
    with zipfile.ZipFile(raw) as z:
        names = set(z.namelist())
        parts = {n: etree.fromstring(z.read(n)) for n in names if n.startswith("word/") and n.endswith(".xml")}
        rels = etree.fromstring(z.read("word/_rels/document.xml.rels"))
        types = z.read("[Content_Types].xml").decode()
    for name, root in sorted(parts.items()):
        problems += [f"{name}: {p}" for p in _check_order(root)]
    problems += _check_settings(parts.get("word/settings.xml"))
    problems += _check_numbering_and_styles(parts)
    problems += _check_revisions(parts)
    problems += _check_comments(parts)
    problems += _check_footnotes(parts, rels, types)
    problems += _check_bookmarks(parts["word/document.xml"])
    for name, root in sorted(parts.items()):
        if name.startswith(("word/document", "word/header", "word/footer")):
            problems += [f"{name}: {p}" for p in _check_fields(root)]
    for rel in rels:
        target = rel.get("Target", "")
        if rel.get("TargetMode") != "External" and "word/" + target not in names and target.lstrip("/") not in names \
                and not target.startswith("../"):
            problems.append(f"relationship {rel.get('Id')} points at missing part {target}")
    return problems


def _check_order(root: etree._Element) -> list[str]:
    """Children of the property elements in :data:`_ORDERS` in their schema sequence, each at most once
    (except the repeatable ones), with nothing the sequence does not name."""
    problems = []
    for tag, order in _ORDERS.items():
        rank = {t: k for k, t in enumerate(order)}
        rank.update({t: rank[place] for t, place in _SAME_PLACE.items() if place in rank})
        repeatable = {rank[t] for t in _REPEATABLE if t in rank}
        for el in root.iter(tag):
            seq = [rank.get(c.tag, -1) for c in el if isinstance(c.tag, str)]
            once = [k for k in seq if k not in repeatable]
            if -1 in seq:
                problems.append(f"unexpected child of {etree.QName(tag).localname}: "
                                f"{[etree.QName(c).localname for c in el if c.tag not in rank]}")
            elif seq != sorted(seq) or len(set(once)) != len(once):
                problems.append(f"{etree.QName(tag).localname} children out of schema order: "
                                f"{[etree.QName(c).localname for c in el]}")
    return problems


def _check_settings(settings: etree._Element | None) -> list[str]:
    if settings is None:
        return ["no word/settings.xml"]
    zoom = settings.find(qn("w:zoom"))
    if zoom is not None and zoom.get(qn("w:percent")) is None:
        return ["settings.xml: w:zoom without the required w:percent"]
    return []


def _check_numbering_and_styles(parts: Mapping[str, etree._Element]) -> list[str]:
    problems = []
    numbering, styles = parts.get("word/numbering.xml"), parts.get("word/styles.xml")
    if numbering is None or styles is None:
        return ["numbering.xml or styles.xml missing"]
    kinds = [etree.QName(c).localname for c in numbering if isinstance(c.tag, str)]
    if "num" in kinds and "abstractNum" in kinds[kinds.index("num"):]:
        problems.append("numbering.xml: an abstractNum after a num")
    abstract = {a.get(qn("w:abstractNumId")) for a in numbering.iterfind("w:abstractNum", _NS)}
    nums = {n.get(qn("w:numId")) for n in numbering.iterfind("w:num", _NS)}
    for n in numbering.iterfind("w:num", _NS):
        if n.find("w:abstractNumId", _NS).get(qn("w:val")) not in abstract:
            problems.append(f"numbering.xml: num {n.get(qn('w:numId'))} points at a missing abstractNum")
    style_ids = {s.get(qn("w:styleId")) for s in styles.iterfind("w:style", _NS)}
    if len(style_ids) != len(styles.findall("w:style", _NS)):
        problems.append("styles.xml: a styleId repeats")
    for name, root in sorted(parts.items()):
        for num_id in root.iter(qn("w:numId")):
            if num_id.get(qn("w:val")) not in nums | {"0"}:
                problems.append(f"{name}: numId {num_id.get(qn('w:val'))} is not defined")
        if name in ("word/styles.xml", "word/numbering.xml") or name.startswith("word/theme"):
            continue
        for tag in ("w:pStyle", "w:rStyle", "w:tblStyle"):
            for el in root.iter(qn(tag)):
                if el.get(qn("w:val")) not in style_ids:
                    problems.append(f"{name}: style {el.get(qn('w:val'))} is not defined")
    return problems


_REVISION_TAGS = tuple(qn(f"w:{t}") for t in (
    "ins", "del", "moveFrom", "moveTo", "rPrChange", "pPrChange", "sectPrChange", "tblPrChange", "trPrChange",
    "tcPrChange", "numberingChange", "cellIns", "cellDel"))
_WORD_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _check_revisions(parts: Mapping[str, etree._Element]) -> list[str]:
    """Revision marks in every part (the document's own are also checked by ``check_redline``): a
    ``w:id`` unique across the whole package (one counter), ``w:author``, and a UTC ``w:date``."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for name, root in sorted(parts.items()):
        for el in root.iter(*_REVISION_TAGS):
            what = f"{name}: {etree.QName(el).localname} {el.get(qn('w:id'))!r}"
            rid = el.get(qn("w:id"))
            if rid is None or rid in seen:
                problems.append(f"{what}: revision id missing or repeated" + (f" (also in {seen[rid]})" if rid else ""))
            seen.setdefault(rid or "", name)
            if not el.get(qn("w:author")):
                problems.append(f"{what}: revision without w:author")
            if not _WORD_DATE.match(el.get(qn("w:date")) or ""):
                problems.append(f"{what}: revision w:date {el.get(qn('w:date'))!r} is not YYYY-MM-DDTHH:MM:SSZ")
    return problems


def _ids(root: etree._Element | None, tag: str) -> list[str]:
    """The ``w:id`` of each ``tag`` element ("" where it has none)."""
    return [] if root is None else [el.get(qn("w:id")) or "" for el in root.iter(qn(tag))]


def _check_comments(parts: Mapping[str, etree._Element]) -> list[str]:
    problems = []
    document, comments = parts["word/document.xml"], parts.get("word/comments.xml")
    defined = _ids(comments, "w:comment")
    if len(set(defined)) != len(defined):
        problems.append("comments.xml: a comment id repeats")
    for tag in ("w:commentRangeStart", "w:commentRangeEnd", "w:commentReference"):
        used = _ids(document, tag)
        if sorted(used) != sorted(defined):
            problems.append(f"document.xml: {tag} ids {sorted(used)} do not match the comments {sorted(defined)}")
    if comments is not None:
        for c in comments.iter(qn("w:comment")):
            if c.get(qn("w:id")) is None:
                problems.append("comments.xml: a comment without w:id")
            if not c.get(qn("w:author")):
                problems.append(f"comment {c.get(qn('w:id'))} has no author")
    return problems


def _check_footnotes(parts: Mapping[str, etree._Element], rels: etree._Element, types: str) -> list[str]:
    problems = []
    document, footnotes = parts["word/document.xml"], parts.get("word/footnotes.xml")
    used = _ids(document, "w:footnoteReference")
    if footnotes is None:
        return ["document.xml: footnote references but no footnotes part"] if used else []
    if not any(r.get("Type") == RT.FOOTNOTES for r in rels):
        problems.append("footnotes.xml is not related from the document")
    if "/word/footnotes.xml" not in types:
        problems.append("footnotes.xml has no content type")
    kinds = {f.get(qn("w:type")): f.get(qn("w:id")) for f in footnotes.iter(qn("w:footnote"))}
    if kinds.get("separator") != "-1" or kinds.get("continuationSeparator") != "0":
        problems.append("footnotes.xml: separator -1 / continuationSeparator 0 missing")
    all_ids = _ids(footnotes, "w:footnote")
    if "" in all_ids:
        problems.append("footnotes.xml: a footnote without w:id")
    if len(set(all_ids)) != len(all_ids):
        problems.append("footnotes.xml: a footnote id repeats")
    normal = [f.get(qn("w:id")) for f in footnotes.iter(qn("w:footnote")) if f.get(qn("w:type")) is None]
    if sorted(used) != sorted(normal):
        problems.append(f"footnote references {sorted(used)} do not match the footnotes {sorted(normal)}")
    return problems


def _check_bookmarks(document: etree._Element) -> list[str]:
    starts = {el.get(qn("w:id")): el.get(qn("w:name")) for el in document.iter(qn("w:bookmarkStart"))}
    ends = [el.get(qn("w:id")) for el in document.iter(qn("w:bookmarkEnd"))]
    names = list(starts.values())
    problems = []
    if sorted(starts) != sorted(ends):
        problems.append("document.xml: bookmark starts and ends do not pair up")
    if len(set(names)) != len(names):
        problems.append("document.xml: a bookmark name repeats")
    refs = {m.group(1) for t in document.iter(qn("w:instrText"), qn("w:delInstrText"))
            for m in re.finditer(r"PAGEREF\s+(\S+)", t.text or "")}
    missing = sorted(refs - set(names))
    if missing:
        problems.append(f"document.xml: PAGEREF to missing bookmarks {missing}")
    return problems


def _check_fields(root: etree._Element) -> list[str]:
    state = []
    for fc in root.iter(qn("w:fldChar")):
        kind = fc.get(qn("w:fldCharType"))
        if kind == "begin":
            state.append("begin")
        elif kind == "separate" and state and state[-1] == "begin":
            state[-1] = "separate"
        elif kind == "end" and state:
            state.pop()
        else:
            return [f"complex field: unexpected {kind}"]
    return ["complex field not closed"] if state else []


__all__ = [
    "AnnexRow", "DocumentWriter", "Fmt", "Layout", "Line", "NumStart", "article_number_text", "bracketed_pieces",
    "check_output_path", "check_proposal", "clean_text", "lay_out", "render_proposal", "write_proposal",
]
