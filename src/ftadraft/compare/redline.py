"""Word redlines: a .docx whose differences between two texts are real tracked changes.

Negotiators work in Word: a redline must be accepted or rejected change by change, so differences are
written as revisions (``w:ins``/``w:del``), not as coloured text. Accept All gives text B, Reject All
text A, paragraph for paragraph (see :func:`redline_paragraphs` for what a paragraph is). python-docx has
no API for revisions, so the WordprocessingML is written with lxml inside python-docx paragraphs, and
read back with this module's own readers (python-docx's ``Paragraph.text`` drops inserted text).

The rules followed (``shared/notes/docx.md``): replacement is ``w:del`` then ``w:ins``; every revision
has a unique ``w:id`` (one counter), ``w:author`` and a UTC ``w:date``; deleted text is ``w:delText``;
a wholly inserted or deleted paragraph also flags its paragraph mark (``w:pPr/w:rPr/w:ins|w:del``,
first child); ``xml:space="preserve"`` wherever spaces would otherwise be lost.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import docx
from docx.oxml.ns import qn
from lxml import etree

from ..atomic import atomic_path
from .diff import Op, align_paragraphs, diff_words

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
HEADING_STYLE = "Heading1"
# Characters XML 1.0 cannot carry (C0 controls other than tab/newline/CR, surrogates, U+FFFE/U+FFFF).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
# Elements that carry a revision id (one id space); comments and bookmarks have their own.
_REVISIONS = frozenset(qn(f"w:{t}") for t in (
    "ins", "del", "moveFrom", "moveTo", "rPrChange", "pPrChange", "sectPrChange", "tblPrChange", "trPrChange",
    "tcPrChange", "tblGridChange", "tblPrExChange", "numberingChange", "cellIns", "cellDel", "cellMerge"))
# settings.xml children that the schema puts before w:trackRevisions (CT_Settings sequence).
_BEFORE_TRACK = frozenset(qn(f"w:{t}") for t in (
    "writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
    "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
    "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts", "embedSystemFonts",
    "saveSubsetFonts", "saveFormsData", "mirrorMargins", "alignBordersAndEdges", "bordersDoNotSurroundHeader",
    "bordersDoNotSurroundFooter", "gutterAtTop", "hideSpellingErrors", "hideGrammaticalErrors",
    "activeWritingStyle", "proofState", "formsDesign", "attachedTemplate", "linkStyles",
    "stylePaneFormatFilter", "stylePaneSortMethod", "documentType", "mailMerge", "revisionView"))


def redline_paragraphs(text: str) -> list[str]:
    """The paragraphs a redline shows for ``text``: one per non-blank line, trimmed.

    Line breaks and blank lines between paragraphs, and spaces at line ends, have no place in a Word
    paragraph; characters XML cannot carry are dropped. Tabs and inner runs of spaces are kept.
    """
    out = []
    for line in text.splitlines():
        line = _XML_ILLEGAL.sub("", line).strip()
        if line:
            out.append(line)
    return out


def word_date(date: datetime) -> str:
    """``date`` as Word wants it in ``w:date``: UTC, ``YYYY-MM-DDTHH:MM:SSZ`` (a naive date is local time)."""
    return date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- writing ----------------------------------------------------------------------------------------------

@dataclass
class _Para:
    """One physical paragraph: its pieces (diff ops) and whether its mark is inserted/deleted."""

    ops: list[Op] = field(default_factory=list)
    mark: str | None = None  # None: the mark ends a paragraph of both texts; "ins": of B only; "del": of A only


def _layout(pa: Sequence[str], pb: Sequence[str]) -> list[_Para]:
    """Physical paragraphs for one article such that Accept All shows ``pb`` and Reject All ``pa``.

    A paragraph whose mark is deleted joins the next one on Accept (an inserted mark, on Reject), so
    the article's last mark must belong to both texts, or the article would run into the next heading:
    a trailing run of deleted+inserted paragraphs shares its last mark, and a trailing run of deleted
    (or inserted) paragraphs borrows the mark of the paragraph before it, as Word itself does.
    """
    paras: list[_Para] = []
    for i, j in align_paragraphs(pa, pb):
        if i is not None and j is not None:
            paras.append(_Para(diff_words(pa[i], pb[j])))
        elif i is not None:
            paras.append(_Para([Op("delete", pa[i], "")], "del"))
        elif j is not None:
            paras.append(_Para([Op("insert", "", pb[j])], "ins"))
    tail = len(paras)
    while tail > 0 and paras[tail - 1].mark is not None:
        tail -= 1
    run = paras[tail:]
    if not run:
        return paras
    dels = [p for p in run if p.mark == "del"]
    inss = [p for p in run if p.mark == "ins"]
    head = paras[:tail]
    if dels and inss:
        last = _Para(dels[-1].ops + inss[-1].ops, None)
        return head + dels[:-1] + inss[:-1] + [last]
    if head:
        head[-1].mark = run[-1].mark  # the paragraph before takes the run's kind of mark...
        run[-1].mark = None           # ...and the run's last paragraph keeps a common mark
    else:
        run[-1].mark = None  # the other text is empty here: one empty paragraph remains on that side
    return head + run


def add_text(r: etree._Element, text: str, *, deleted: bool = False) -> None:
    """Put ``text`` into the run ``r`` as Word wants it: tabs as ``w:tab``, the rest as ``w:t`` (``w:delText``
    inside a deletion), ``xml:space="preserve"`` where leading, trailing or double spaces would be lost."""
    tag = qn("w:delText" if deleted else "w:t")
    for k, piece in enumerate(text.split("\t")):
        if k:
            etree.SubElement(r, qn("w:tab"))
        if piece:
            t = etree.SubElement(r, tag)
            t.text = piece
            if piece[0].isspace() or piece[-1].isspace() or "  " in piece:  # also no-break and thin spaces
                t.set(_XML_SPACE, "preserve")


class _Writer:
    """Builds revision markup with one id counter, one author and one date for the whole document."""

    def __init__(self, author: str, date: str, first_id: int) -> None:
        self.author = author
        self.date = date
        self.next_id = first_id

    def revision(self, tag: str) -> etree._Element:
        el = etree.Element(qn(f"w:{tag}"))
        el.set(qn("w:id"), str(self.next_id))
        el.set(qn("w:author"), self.author)
        el.set(qn("w:date"), self.date)
        self.next_id += 1
        return el

    @staticmethod
    def run(parent: etree._Element, text: str, *, deleted: bool) -> None:
        """A ``w:r`` holding ``text``: tabs as ``w:tab``, text as ``w:t`` (``w:delText`` when deleted)."""
        add_text(etree.SubElement(parent, qn("w:r")), text, deleted=deleted)

    def mark(self, p: etree._Element, kind: str) -> None:
        """Track the paragraph mark of ``p`` as inserted or deleted (``kind``: "ins" or "del")."""
        ppr = p.find(qn("w:pPr"))
        if ppr is None:
            ppr = etree.Element(qn("w:pPr"))
            p.insert(0, ppr)
        rpr = ppr.find(qn("w:rPr"))
        if rpr is None:
            rpr = etree.SubElement(ppr, qn("w:rPr"))
        if any(c.tag in (qn("w:ins"), qn("w:del")) for c in rpr):
            return  # already tracked: a mark is inserted or deleted once
        rpr.insert(0, self.revision(kind))  # the mark's revision is the first child of w:rPr

    def paragraph(self, p: etree._Element, para: _Para) -> None:
        if para.mark is not None:
            self.mark(p, para.mark)
        for op in para.ops:
            if op.kind == "equal":
                self.run(p, op.a, deleted=False)
                continue
            if op.a:
                self.run(_append(p, self.revision("del")), op.a, deleted=True)
            if op.b:
                self.run(_append(p, self.revision("ins")), op.b, deleted=False)


def _append(parent: etree._Element, child: etree._Element) -> etree._Element:
    parent.append(child)
    return child


def write_redline_docx(pairs: Sequence[tuple[str, str, str]], out: Path, *, author: str, date: datetime,
                       title: str | None = None, track_revisions: bool = True, source: str | None = None,
                       document: docx.document.Document | None = None, whole_articles: bool = False) -> None:
    """Write a .docx redline: for each ``(heading, text_a, text_b)`` a heading, then the article with the
    changes from A to B as tracked revisions by ``author`` at ``date``.

    ``track_revisions`` turns on Track Changes in the file, so that reviewers' own edits are tracked too.
    ``source`` is a line under the title (where the texts come from, under which licence); ``document`` a
    blank document to write into (a house template with "Title" and "Heading 1" styles; default
    python-docx's). With ``whole_articles``, an article on one side only (the other text empty) is tracked
    with its heading, so that Accept All and Reject All leave no trace of it in the other view (a whole
    chapter); otherwise its heading stays as a label of the comparison. The file is written to a temporary
    file beside ``out`` and moved into place at the end: ``out`` is never left half-written.
    """
    if not author or not author.strip():
        raise ValueError("a redline needs an author for its revisions")
    out = Path(out)
    stamp = word_date(date)
    document = docx.Document() if document is None else document
    fix_settings(document, track_revisions)
    props = document.core_properties
    props.author = props.last_modified_by = core_property(author)
    when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")
    props.created = props.modified = when
    props.revision = 1
    props.title = core_property(title or "")
    body = document.element.body
    ids = [int(v) for v in body.xpath("//w:*/@w:id") if v.lstrip("-").isdigit()]
    writer = _Writer(author, stamp, max(ids, default=0) + 1)
    if title:
        document.add_heading(one_line(title), level=0)
    if source:
        styled = any(st.style_id == "SourceLine" for st in document.styles)
        line = document.add_paragraph(style="Source Line" if styled else None)
        line.add_run(one_line(source)).italic = True
    last_p: etree._Element | None = None
    for k, (heading, text_a, text_b) in enumerate(pairs):
        only_a, only_b = text_a.strip() and not text_b.strip(), text_b.strip() and not text_a.strip()
        side = None if not whole_articles else "del" if only_a else "ins" if only_b else None
        if side is None:
            document.add_heading(one_line(heading), level=1)
            for para in _layout(redline_paragraphs(text_a), redline_paragraphs(text_b)):
                last_p = document.add_paragraph()._p
                writer.paragraph(last_p, para)
            continue
        # An article on one side only: its heading too is a tracked paragraph, and every mark goes with it,
        # so that the other view has no trace of it (the text joins the next heading, which keeps its style).
        paras = [one_line(heading), *redline_paragraphs(text_a if side == "del" else text_b)]
        last = k == len(pairs) - 1
        for n, text in enumerate(paras):
            el = document.add_heading("", level=1)._p if n == 0 else document.add_paragraph()._p
            op = Op("delete", text, "") if side == "del" else Op("insert", "", text)
            final = last and n == len(paras) - 1
            if final and last_p is not None:  # nothing follows to join: the paragraph before lends its mark
                writer.paragraph(el, _Para([op], None))
                writer.mark(last_p, side)
            else:
                writer.paragraph(el, _Para([op], None if final else side))
            last_p = el
    problems = _check_document(document.element)
    if problems:  # a bug here, never the input's fault: refuse to write a redline Word would misread
        raise RuntimeError("redline failed its own checks: " + "; ".join(problems[:5]))
    with atomic_path(out) as tmp:
        document.save(str(tmp))


def one_line(text: str) -> str:
    return " ".join(_XML_ILLEGAL.sub("", text).split())


#: Word's core properties (title, subject, keywords, ...) hold at most this many characters (python-docx refuses more).
CORE_PROPERTY_CHARS = 255


def core_property(text: str) -> str:
    """``text`` on one line, shortened with an ellipsis to fit a core property: two long citations compared
    with each other make a title longer than Word allows (the document's own heading keeps it whole)."""
    line = one_line(text)
    return line if len(line) <= CORE_PROPERTY_CHARS else line[:CORE_PROPERTY_CHARS - 1].rstrip() + "…"


def fix_settings(document: docx.document.Document, track_revisions: bool) -> None:
    settings = document.settings.element
    zoom = settings.find(qn("w:zoom"))
    if zoom is not None and zoom.get(qn("w:percent")) is None:
        zoom.set(qn("w:percent"), "100")  # required by the schema; python-docx's template omits it
    if track_revisions and settings.find(qn("w:trackRevisions")) is None:
        track = etree.Element(qn("w:trackRevisions"))
        position = 0
        for k, child in enumerate(settings):
            if child.tag in _BEFORE_TRACK:
                position = k + 1
        settings.insert(position, track)


# --- checking ---------------------------------------------------------------------------------------------

def _check_document(root: etree._Element) -> list[str]:
    """Rules the schema cannot express, on a document part: no ``w:t`` in deletions, no ``w:delText``
    outside them, unique revision ids, author and UTC date on every revision, mark revisions first."""
    problems: list[str] = []
    deleted = {qn("w:del"), qn("w:moveFrom")}
    for t in root.iter(qn("w:t")):
        if any(a.tag in deleted for a in t.iterancestors()):
            problems.append("w:t inside a deletion")
            break
    for t in root.iter(qn("w:delText")):
        if not any(a.tag in deleted for a in t.iterancestors()):
            problems.append("w:delText outside a deletion")
            break
    seen: set[str] = set()
    for el in root.iter(*_REVISIONS):
        rid = el.get(qn("w:id"))
        if rid is None or rid in seen:
            problems.append(f"revision id {rid!r} missing or repeated")
        seen.add(rid or "")
        if not el.get(qn("w:author")):
            problems.append(f"revision {rid} has no author")
        date = el.get(qn("w:date"))
        if date is None or not _DATE.match(date):
            problems.append(f"revision {rid} date {date!r} is not YYYY-MM-DDTHH:MM:SSZ")
    for rpr in root.iter(qn("w:rPr")):
        parent = rpr.getparent()
        if parent is None or parent.tag != qn("w:pPr"):
            continue
        marks = [k for k, c in enumerate(rpr) if c.tag in (qn("w:ins"), qn("w:del"))]
        if marks and marks != [0]:
            problems.append("a paragraph-mark revision is not the first child of w:rPr")
    for t in root.iter(qn("w:t"), qn("w:delText")):
        text = t.text or ""
        if (text[:1].isspace() or text[-1:].isspace() or "  " in text) and t.get(_XML_SPACE) != "preserve":
            problems.append("spaces in w:t/w:delText without xml:space=preserve")
            break
    return problems


def check_redline(path: Path) -> list[str]:
    """Problems found in a saved .docx: every XML part well-formed (no DTD, no entities), plus the rules
    of :func:`_check_document` on the main document. An empty list means it passed."""
    problems: list[str] = []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        if "word/document.xml" not in names:
            return ["no word/document.xml"]
        for name in names:
            if not name.endswith((".xml", ".rels")):
                continue
            try:
                root = etree.fromstring(z.read(name), parser)
            except etree.XMLSyntaxError as e:
                problems.append(f"{name}: not well-formed: {e}")
                continue
            if root.getroottree().docinfo.doctype:
                problems.append(f"{name}: has a DOCTYPE")
            if name == "word/document.xml":
                problems.extend(f"{name}: {p}" for p in _check_document(root))
    return problems


# --- reading back -----------------------------------------------------------------------------------------

def _text(el: etree._Element, accept: bool) -> Iterator[str]:
    """The text under ``el`` with all changes accepted (or all rejected)."""
    skip = {qn("w:pPr"), qn("w:rPr"), qn("w:instrText"), qn("w:delInstrText")}
    skip |= {qn("w:del"), qn("w:moveFrom")} if accept else {qn("w:ins"), qn("w:moveTo")}
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in skip:
            continue
        if tag in (qn("w:t"), qn("w:delText")):
            yield child.text or ""
        elif tag == qn("w:tab"):
            yield "\t"
        elif tag in (qn("w:br"), qn("w:cr")):
            yield "\n"
        elif tag == qn("w:noBreakHyphen"):
            yield "-"
        else:
            yield from _text(child, accept)


def read_paragraphs(path: Path, *, accept: bool) -> list[tuple[str, str]]:
    """``(style id, text)`` of each body paragraph of a .docx with every change accepted (``accept``) or
    rejected. A paragraph whose mark goes away in that view is joined to the next, as Word does."""
    document = docx.Document(str(path))
    gone = (qn("w:del"), qn("w:moveFrom")) if accept else (qn("w:ins"), qn("w:moveTo"))
    out: list[tuple[str, str]] = []
    pending = ""
    for p in document.element.body.iter(qn("w:p")):
        pending += "".join(_text(p, accept))
        mark = p.find(f"{qn('w:pPr')}/{qn('w:rPr')}")
        if mark is not None and any(c.tag in gone for c in mark):
            continue
        style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        out.append((style.get(qn("w:val")) if style is not None else "Normal", pending))
        pending = ""
    if pending:
        out.append(("Normal", pending))
    return out


def read_redline(path: Path, *, accept: bool) -> list[tuple[str, str]]:
    """``(heading, text)`` per article of a redline, with every change accepted or rejected; the text is
    its paragraphs joined by line breaks, so Accept All gives ``"\\n".join(redline_paragraphs(text_b))``."""
    out: list[tuple[str, list[str]]] = []
    for style, text in read_paragraphs(path, accept=accept):
        if style == HEADING_STYLE:
            out.append((text, []))
        elif out and style != "Title":
            out[-1][1].append(text)
    return [(heading, "\n".join(lines)) for heading, lines in out]
