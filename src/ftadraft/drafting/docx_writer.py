"""Negotiation-ready Word proposals: a :class:`~ftadraft.drafting.proposal.Proposal` as a .docx negotiators can work in.

What a delegation sends across the table: a title block, a table of contents, articles numbered by Word
itself ("Article 19.3: Customs Duties", paragraphs "1." and "(a)", so inserting an article renumbers the
rest), unagreed language in visibly marked square brackets, competing wordings inline
("[USA: …] [EU: …]") or stacked ("Alt 1 (USA)" / "Alt 2 (EU)"), drafting notes as Word comments,
precedents as a footnote per article plus an annex table, and a "DRAFT — date — round — Without prejudice" header.
``clean=True`` gives the clean text of one chosen wording per article, without brackets or apparatus.

python-docx has no API for numbering definitions, footnotes or fields, so those are written with lxml
following ``shared/notes/docx.md``; the result is self-checked (:func:`check_proposal`) before it is
written. Output is reproducible: the same proposal gives the same bytes (fixed ids, comment and zip
dates taken from the proposal date, no timestamps).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run
from lxml import etree

from ..atomic import write_bytes
from ..compare.redline import check_redline, fix_settings, one_line
from ..errors import InputError
from .proposal import Alternatives, Article, Paragraph, Proposal

SHADE = "D9D9D9"       # grey run shading of bracketed text, depth 1
SHADE_DEEP = "BFBFBF"  # darker grey for text inside nested brackets (depth ≥ 2)
STYLE_CHAPTER = "Heading1"
STYLE_ARTICLE = "Heading2"
STYLE_PARA = "ProposalParagraph"
STYLE_SUBPARA = "ProposalSubparagraph"
STYLE_ALT = "ProposalAlternative"
STYLE_ANNEX = "ProposalAnnexHeading"
TOC_INSTRUCTION = ' TOC \\o "1-2" \\h \\z \\u '
# "Annex:" makes the table a provision of its own when the file is read back (``ftadraft corpus add``):
# any reader then sees where the last article ends, instead of taking the table into it.
ANNEX_TITLE = "Annex: Sources and precedents"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_LEVEL_STYLE = {1: STYLE_PARA, 2: STYLE_SUBPARA}
_PENDING = -1  # _Counters.num: explicit numbering from here on, the w:num not made yet

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

# Styles the default template lacks; Word's built-in names, so Word maps them onto its own.
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
<w:style w:type="paragraph" w:styleId="CommentText"><w:name w:val="annotation text"/><w:basedOn w:val="Normal"/>
 <w:uiPriority w:val="99"/><w:unhideWhenUsed/><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
 <w:rPr><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style>
<w:style w:type="character" w:styleId="CommentReference"><w:name w:val="annotation reference"/>
 <w:basedOn w:val="DefaultParagraphFont"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>
 <w:rPr><w:sz w:val="16"/><w:szCs w:val="16"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="FootnoteText"><w:name w:val="footnote text"/><w:basedOn w:val="Normal"/>
 <w:uiPriority w:val="99"/><w:unhideWhenUsed/><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
 <w:rPr><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style>
<w:style w:type="character" w:styleId="FootnoteReference"><w:name w:val="footnote reference"/>
 <w:basedOn w:val="DefaultParagraphFont"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>
 <w:rPr><w:vertAlign w:val="superscript"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TOC1"><w:name w:val="toc 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/>
 <w:uiPriority w:val="39"/><w:unhideWhenUsed/><w:pPr><w:spacing w:after="100"/></w:pPr><w:rPr><w:b/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TOC2"><w:name w:val="toc 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/>
 <w:uiPriority w:val="39"/><w:unhideWhenUsed/><w:pPr><w:spacing w:after="100"/><w:ind w:left="220"/></w:pPr></w:style>
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


def article_label(chapter: int, index: int) -> str:
    """The number Word shows for the ``index``-th (0-based) article: "Article 19.3:"."""
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
    num: int | None = None   # None: the style's list; else an explicit w:num
    entry: int = 0           # the level the explicit w:num was entered at (0: a new one is needed)

    def advance(self, level: int) -> None:
        if level == 1:
            self.para, self.sub = self.para + 1, 0
        else:
            self.sub += 1


class _Builder:
    """Lays out one proposal in a python-docx document; one instance per document."""

    def __init__(self, p: Proposal, *, clean: bool, picks: list[int]) -> None:
        self.p, self.clean, self.picks = p, clean, picks
        self.when = datetime.strptime(p.date, "%Y-%m-%d").replace(tzinfo=UTC)
        self.doc = docx.Document()
        self.body = self.doc.element.body
        self.footnotes: list[str] = []
        self.footnotes_el: etree._Element | None = None
        # Comment ids above every footnote id (footnotes 1..F, comments F+1...): LibreOffice 7.4 drops the
        # text of footnotes when comment ids overlap them or include 0 (python-docx would start at 0).
        self.first_comment = sum(1 for a in p.articles if a.precedents) + 1
        fix_settings(self.doc, False)
        self._styles()
        self._numbering()

    # --- document-wide parts -----------------------------------------------------------------------------

    def _styles(self) -> None:
        styles = self.doc.styles.element
        for style in parse_xml(_STYLES):
            styles.append(style)
        toc = styles.xpath('w:style[@w:styleId="TOCHeading"]')
        if toc:  # based on Heading 1, it would inherit "CHAPTER n:" numbering
            toc[0].get_or_add_pPr().get_or_add_numPr().get_or_add_numId().val = 0

    def _numbering(self) -> None:
        numbering = self.doc.part.numbering_part.element
        abstracts = numbering.xpath("w:abstractNum")
        self.abstract_id = max((int(a.get(qn("w:abstractNumId"))) for a in abstracts), default=-1) + 1
        self.next_num = max((int(n.get(qn("w:numId"))) for n in numbering.xpath("w:num")), default=0) + 1
        abstract = parse_xml(_numbering_xml(self.abstract_id, self.p.chapter_number))
        if abstracts:
            abstracts[-1].addnext(abstract)  # every abstractNum before the first num
        else:
            numbering.insert(0, abstract)
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

    def _footnotes_part(self) -> etree._Element:
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

    # --- runs ----------------------------------------------------------------------------------------------

    @staticmethod
    def _run(parent: etree._Element, text: str = "", *, bold: bool = False, shade: str | None = None,
             style: str | None = None) -> etree._Element:
        r = OxmlElement("w:r")
        if bold or shade or style:
            rpr = etree.SubElement(r, qn("w:rPr"))  # CT_RPr order: rStyle, b, bCs, ..., shd
            if style:
                etree.SubElement(rpr, qn("w:rStyle")).set(qn("w:val"), style)
            if bold:
                etree.SubElement(rpr, qn("w:b"))
                etree.SubElement(rpr, qn("w:bCs"))
            if shade:
                shd = etree.SubElement(rpr, qn("w:shd"))
                shd.set(qn("w:val"), "clear")
                shd.set(qn("w:color"), "auto")
                shd.set(qn("w:fill"), shade)
        if text:
            t = etree.SubElement(r, qn("w:t"))
            t.text = text
            if text[0] == " " or text[-1] == " " or "  " in text:
                t.set(_XML_SPACE, "preserve")
        parent.append(r)
        return r

    def _bracket(self, parent: etree._Element, ch: str, depth: int) -> etree._Element:
        """A bracket at nesting ``depth`` (≥ 1): bold and shaded, so it cannot be overlooked."""
        return self._run(parent, ch, bold=True, shade=_shade(depth))

    def _text(self, parent: etree._Element, text: str, depth: int = 0, *, bold: bool = False
              ) -> list[etree._Element]:
        """Runs for ``text`` whose brackets are marked; ``depth`` is the nesting it starts at (text inside
        a bracketed alternative starts at 1). Brackets in ``text`` balance, so it ends where it began."""
        text = one_line(text)
        if self.clean:
            text = text.replace("[", "").replace("]", "")
            return [self._run(parent, text, bold=bold)] if text else []
        runs = []
        for piece in re.findall(r"\[|\]|[^\[\]]+", text):
            if piece == "[":
                depth += 1
                runs.append(self._bracket(parent, piece, depth))
            elif piece == "]":
                runs.append(self._bracket(parent, piece, depth))
                depth -= 1
            else:
                runs.append(self._run(parent, piece, bold=bold, shade=_shade(depth) if depth else None))
        return runs

    def _field_start(self, parent: etree._Element, instruction: str) -> None:
        """The begin, instruction and separate runs of a complex field; its stored result follows."""
        self._fld_char(parent, "begin")
        it = etree.SubElement(self._run(parent), qn("w:instrText"))
        it.text = instruction
        it.set(_XML_SPACE, "preserve")
        self._fld_char(parent, "separate")

    def _fld_char(self, parent: etree._Element, kind: str) -> None:
        etree.SubElement(self._run(parent), qn("w:fldChar")).set(qn("w:fldCharType"), kind)

    def _field(self, parent: etree._Element, instruction: str, result: str) -> None:
        self._field_start(parent, f" {instruction} ")
        self._run(parent, result)
        self._fld_char(parent, "end")

    # --- paragraphs ---------------------------------------------------------------------------------------

    def _para(self, style: str | None = None, *, page_break: bool = False) -> etree._Element:
        p = self.body.add_p()
        if style:
            p.style = style
        if page_break:
            p.get_or_add_pPr()._insert_pageBreakBefore(OxmlElement("w:pageBreakBefore"))
        return p

    def _numbered(self, level: int, counters: _Counters, *, explicit: bool) -> etree._Element:
        """A numbered paragraph at ``level`` (1: "1.", 2: "(a)"); with ``explicit``, on a ``w:num`` that
        starts at the number this paragraph should show (a new one when entering at a higher level)."""
        p = self._para(_LEVEL_STYLE[level])
        counters.advance(level)
        if explicit:
            if counters.entry == 0 or level < counters.entry:
                counters.num = self._new_num({level + 1: counters.para if level == 1 else counters.sub})
                counters.entry = level
            num_pr = p.get_or_add_pPr().get_or_add_numPr()
            num_pr.get_or_add_ilvl().val = level + 1
            num_pr.get_or_add_numId().val = counters.num
        return p

    def title_block(self) -> None:
        p = self.p
        self._text(self._para("Title"), p.agreement)
        self._text(self._para("Subtitle"), f"Chapter {p.chapter_number}: {p.chapter_title}")
        self._run(self._para(), f"{p.round} — {p.date}")
        self._run(self._para(), f"Proposal by {p.party_name(p.author)} ({p.author})", bold=True)
        if not self.clean:
            self._run(self._para(), "Text in square brackets is not agreed. " +
                      "Alternatives show each party's proposed wording.")

    def toc(self, entries: list[tuple[int, str]]) -> None:
        """A TOC field pre-filled with ``entries`` (viewers show the stored result until fields update)."""
        self._run(self._para("TOCHeading"), "Contents")
        for k, (level, text) in enumerate(entries):
            para = self._para(f"TOC{level}")
            if k == 0:
                self._field_start(para, TOC_INSTRUCTION)
            self._run(para, text)
            if k == len(entries) - 1:
                self._fld_char(para, "end")

    def article(self, index: int, article: Article) -> None:
        heading = self._para(STYLE_ARTICLE)
        title_runs = self._text(heading, article.title)
        counters = _Counters()
        last: etree._Element = heading
        for block in article.body:
            if isinstance(block, Paragraph):
                p = self._numbered(block.level, counters, explicit=counters.num is not None)
                self._text(p, block.text)
                last = p
            elif self.clean:
                for para in block.options[self.picks[index]].blocks:
                    p = self._numbered(para.level, counters, explicit=counters.num is not None)
                    self._text(p, para.text)
                    last = p
            elif block.style == "inline":
                last = self._inline(block, counters)
            else:
                last = self._stacked(block, counters)
        if self.clean:
            return
        if article.precedents:  # one footnote per article: adjacent references would read as "¹²"
            self._footnote(last, "; ".join(one_line(c) for c in article.precedents))
        anchor = DocxParagraph(heading, self.doc._body)
        first, last_run = Run(title_runs[0], anchor), Run(title_runs[-1], anchor)
        for note in article.notes:
            comment = self.doc.comments.add_comment(text=one_line(note.text), author=note.party,
                                                    initials=note.party)
            if comment.comment_id < self.first_comment:
                comment._comment_elm.id = self.first_comment  # later ones follow: python-docx takes max + 1
            comment._comment_elm.date = self.when
            first.mark_comment_range(last_run, comment.comment_id)

    def _inline(self, block: Alternatives, counters: _Counters) -> etree._Element:
        """One numbered paragraph: "[USA: wording] [EU: wording]"."""
        level = block.options[0].blocks[0].level
        p = self._numbered(level, counters, explicit=counters.num is not None)
        for k, option in enumerate(block.options):
            if k:
                self._run(p, " ")
            self._bracket(p, "[", 1)
            self._run(p, f"{option.party}: ", bold=True, shade=_shade(1))
            self._text(p, option.blocks[0].text, 1)
            self._bracket(p, "]", 1)
        return p

    def _stacked(self, block: Alternatives, counters: _Counters) -> etree._Element:
        """Each wording as "[Alt n (PARTY):" then its numbered paragraphs, the last one closing "]".

        Every alternative numbers from where the article stood before the block; what follows the
        block goes on from the first alternative's numbers."""
        before = _Counters(counters.para, counters.sub)
        last = None
        for k, option in enumerate(block.options):
            label = self._para(STYLE_ALT)
            self._bracket(label, "[", 1)
            self._run(label, f"Alt {k + 1} ({option.party}):", bold=True, shade=_shade(1))
            state = counters if k == 0 else _Counters(before.para, before.sub)
            for para in option.blocks:
                last = self._numbered(para.level, state, explicit=k > 0 or state.num is not None)
                self._text(last, para.text, 1)
            self._bracket(last, "]", 1)
        counters.num, counters.entry = _PENDING, 0  # what follows needs a w:num of its own (see _Counters)
        assert last is not None
        return last

    def _footnote(self, anchor: etree._Element, citation: str) -> None:
        footnotes = self._footnotes_part()
        self.footnotes.append(citation)
        fid = len(self.footnotes)
        etree.SubElement(self._run(anchor, style="FootnoteReference"),
                         qn("w:footnoteReference")).set(qn("w:id"), str(fid))
        note = parse_xml(f'<w:footnote {nsdecls("w")} w:id="{fid}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/>'
                         '</w:pPr><w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>'
                         "</w:p></w:footnote>")
        self._run(note[0], " " + one_line(citation))
        footnotes.append(note)

    def annex(self) -> None:
        rows = [(k, a) for k, a in enumerate(self.p.articles) if a.precedents]
        if self.clean or not rows:
            return
        self._run(self._para(STYLE_ANNEX), ANNEX_TITLE)
        table = self.doc.add_table(rows=1 + len(rows), cols=2)
        table.style = "Table Grid"
        header = table.rows[0]
        etree.SubElement(header._tr.get_or_add_trPr(), qn("w:tblHeader"))
        for cell, text in zip(header.cells, ("Article", "Precedents")):
            self._run(cell.paragraphs[0]._p, text, bold=True)
        for row, (k, article) in zip(table.rows[1:], rows):
            label, cites = row.cells
            self._run(label.paragraphs[0]._p, article_label(self.p.chapter_number, k) + " ")
            self._text(label.paragraphs[0]._p, article.title)
            for j, citation in enumerate(article.precedents):
                p = cites.paragraphs[0] if j == 0 else cites.add_paragraph()
                self._run(p._p, one_line(citation))

    def header_footer(self) -> None:
        section = self.doc.sections[0]
        p = self.p
        self._run(section.header.paragraphs[0]._p, f"DRAFT — {p.date} — {p.round} — Without prejudice")
        para = section.footer.paragraphs[0]
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._run(para._p, "Page ")
        self._field(para._p, "PAGE", "1")
        self._run(para._p, " of ")
        self._field(para._p, "NUMPAGES", "1")

    def properties(self) -> None:
        props = self.doc.core_properties
        p = self.p
        props.author = props.last_modified_by = p.author
        props.created = props.modified = self.when.replace(tzinfo=None)
        props.revision = 1
        props.title = clean_text(f"{p.agreement} — Chapter {p.chapter_number}: {p.chapter_title}")
        props.subject = p.round
        props.comments = "clean text" if self.clean else "negotiating text with alternatives"
        props.keywords = props.category = ""

    def build(self) -> docx.document.Document:
        p = self.p
        self.title_block()
        title = clean_text if self.clean else one_line
        entries = [(1, f"CHAPTER {p.chapter_number}: {title(p.chapter_title)}")]
        entries += [(2, f"{article_label(p.chapter_number, k)} {title(a.title)}") for k, a in enumerate(p.articles)]
        if not self.clean and any(a.precedents for a in p.articles):
            entries.append((1, ANNEX_TITLE))
        self.toc(entries)
        self._text(self._para(STYLE_CHAPTER, page_break=True), p.chapter_title)
        for k, article in enumerate(p.articles):
            self.article(k, article)
        self.annex()
        self.header_footer()
        self.properties()
        return self.doc


def _shade(depth: int) -> str:
    return SHADE if depth <= 1 else SHADE_DEEP


def render_proposal(p: Proposal, *, clean: bool = False, choose: Mapping[int, int] | None = None) -> bytes:
    """The .docx bytes of ``p`` (see :func:`write_proposal`); the same proposal gives the same bytes."""
    if not isinstance(p, Proposal):
        raise TypeError(f"render_proposal needs a Proposal, not {type(p).__name__}")
    picks = _choices(p, choose)
    document = _Builder(p, clean=clean, picks=picks).build()
    raw = io.BytesIO()
    document.save(raw)
    data = _fixed_zip(raw.getvalue(), p.date)
    problems = check_proposal(data)
    if problems:  # a bug here, never the input's fault: refuse to write a file Word would misread
        raise RuntimeError("proposal failed its own checks: " + "; ".join(problems[:5]))
    return data


def _fixed_zip(data: bytes, day: str) -> bytes:
    """``data`` re-zipped with every entry dated ``day`` (python-docx stamps the current time)."""
    stamp = tuple(int(x) for x in day.split("-")) + (0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)  # type: ignore[arg-type]
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.create_system = 3
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def write_proposal(p: Proposal, out: Path, *, clean: bool = False, choose: Mapping[int, int] | None = None,
                   force: bool = False) -> None:
    """Write ``p`` as a negotiation-ready .docx at ``out``.

    ``clean=True`` writes the clean text instead: for each article the wording ``choose[article index]``
    (0-based article and option; default the first), bracket characters removed, and no comments,
    footnotes or annex. The file goes to a temporary file beside ``out`` and is moved into place, so
    ``out`` is never half-written; an existing ``out`` is refused unless ``force``. A missing or
    unwritable folder raises :class:`~ftadraft.errors.InputError` naming it.
    """
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
    data = render_proposal(p, clean=clean, choose=choose)
    try:
        write_bytes(out, data)
    except PermissionError as e:
        raise InputError(folder, f"folder is not writable ({e.strerror})") from None
    except OSError as e:
        raise InputError(out, f"cannot write: {e.strerror or e}") from None


# --- checking ---------------------------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = {"w": _W}
_STORIES = ("word/document.xml", "word/footnotes.xml", "word/comments.xml")


def check_proposal(source: Path | bytes) -> list[str]:
    """Problems in a proposal .docx (path or bytes), by the rules the schema cannot express or that
    Word is strict about; an empty list means it passed.

    Every XML part well-formed and every main-document rule of :func:`ftadraft.compare.redline.check_redline`;
    ``w:rPr``/``w:pPr``/``w:sectPr``/``w:tblPr``/``w:tcPr``/``w:lvl``/``w:style`` children in schema
    order; revision marks in any part with a package-unique ``w:id``, an author and a UTC date; zoom
    with a percent; numbering with all abstractNums before nums, every numId and style used defined;
    comment ids present and unique, each comment anchored once (range start, end and reference) and
    authored; footnote ids present and unique, references resolved, each footnote used once, the
    separator (-1) and continuationSeparator (0) present; complex fields balanced.
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


__all__ = ["article_label", "check_proposal", "clean_text", "render_proposal", "write_proposal"]
