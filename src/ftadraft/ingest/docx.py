"""Reader for Word (DOCX) files: drafts, proposals and consolidated texts exchanged by negotiators.

The text read is the *accepted* text: tracked insertions count, tracked deletions do not (python-docx's
``Paragraph.text`` silently drops inserted text, so the WordprocessingML is walked here directly).
Body paragraphs and table cells are read in document order; heading styles become heading levels
and everything else is left to the text patterns of :mod:`.segment`. Footnotes are read from
``word/footnotes.xml`` and handed to :mod:`.segment` as ``[^n]`` references and definitions. Tables
of contents and comments are skipped, so that a TOC entry is never mistaken for an article.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from lxml import etree

from ..errors import InputError
from ..model import Extract
from . import guard
from .segment import Block, segment

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


# Subtrees that are not part of the accepted text: deletions and moved-away text, property blocks
# (which hold the paragraph-mark revision flags), field codes, drawings/text boxes, comment marks,
# and the Fallback branch of mc:AlternateContent (a duplicate of the Choice branch).
_SKIP = frozenset(
    [_w(t) for t in ("del", "moveFrom", "pPr", "rPr", "sdtPr", "sdtEndPr", "tblPr", "trPr", "tcPr", "tblGrid",
                     "delText", "delInstrText", "instrText", "drawing", "pict", "object", "commentReference",
                     "annotationRef", "footnoteRef", "endnoteRef", "endnoteReference", "fldData")]
    + [f"{{{_MC}}}Fallback", f"{{{_M}}}ctrlPr"]
)
_TEXT = frozenset([_w("t"), f"{{{_M}}}t"])
_BREAKS = frozenset([_w("br"), _w("cr")])
_TABS = frozenset([_w("tab"), _w("ptab")])
# Revision marks that say the paragraph mark itself was deleted (the paragraph joins the next one).
_MARK_GONE = (_w("del"), _w("moveFrom"))

_HEADING_NAME = re.compile(r"heading|titre|überschrift|\btitle\b", re.IGNORECASE)
_LEVEL_DIGIT = re.compile(r"(\d+)\s*$")
_TOC_STYLE = re.compile(r"^toc\b|^table of contents|^inhaltsverzeichnis|^verzeichnis|^tdm\b", re.IGNORECASE)
# Style names that contain "Title"/"Heading" but do not mark a heading of the text.
_NOT_HEADING = re.compile(r"^toc|subtitle|footnote|endnote|caption|index|table of|annotation|header", re.IGNORECASE)
_CUSTOM_REF = "[^*]"  # a footnote reference with a custom mark, until the mark is read
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: legacy .doc, or an encrypted .docx


def read(data: bytes, path: Path, *, encoding: str | None = None) -> Extract:
    """Read one DOCX file into provisions, with tracked changes accepted and footnotes attached.

    ``encoding`` is ignored: DOCX parts declare their own encoding.
    """
    document = _open(data, path)
    walker = _Walker(_Styles(document.styles.element), _footnotes(document, path))
    body = document.element.body
    blocks = list(walker.blocks(body)) if body is not None else []
    drafts, title, warnings = segment(blocks)
    extra: list[str] = []
    if walker.revisions:
        extra.append(f"{path}: has tracked changes; read with all changes accepted")
    missing = sorted(walker.unresolved)
    if missing:
        extra.append(f"{path}: footnote reference(s) without a footnote text: {', '.join(missing)}")
    return Extract(provisions=drafts, title=title, warnings=(*warnings, *extra))


# --------------------------------------------------------------------------------------------------
# Opening the package safely


def _open(data: bytes, path: Path) -> docx.document.Document:
    """Check the archive against the zip-bomb limits and entity tricks, then open it with python-docx."""
    if data.startswith(_OLE_MAGIC):
        raise InputError(path, "a Word 97-2003 .doc or a password-protected document, not a DOCX; "
                               "save it as .docx without a password")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise InputError(path, f"not a valid DOCX file: {_one_line(e)}") from None
    with zf:
        _check_archive(zf, path)
    try:
        return docx.Document(io.BytesIO(data))
    except ValueError as e:
        if "is not a Word file" in str(e):  # e.g. an .xlsx, .pptx or macro-enabled .docm
            content_type = str(e).rpartition("content type is ")[2].strip("' ")
            raise InputError(path, f"not a DOCX file: the main part is {content_type}") from None
        raise InputError(path, f"not a valid DOCX file: {_one_line(e)}") from None
    except Exception as e:  # python-docx, lxml and zipfile raise a dozen types for a broken package
        raise InputError(path, f"not a valid DOCX file: {_one_line(e)}") from None


def _check_archive(zf: zipfile.ZipFile, path: Path) -> None:
    """Apply the zip-bomb limits to the bytes actually parsed and refuse XML parts that declare a DOCTYPE or entities (Word never writes them)."""
    guard.check_zip(zf, path)
    infos = zf.infolist()
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
        raise InputError(path, "not a DOCX file: a zip archive without word/document.xml")
    for info in infos:
        if info.filename.lower().endswith((".xml", ".rels")):
            try:
                with zf.open(info) as fh:
                    blob = fh.read()
            except Exception as e:  # BadZipFile (CRC), zlib.error, encrypted or unsupported compression
                raise InputError(path, f"not a valid DOCX file: {info.filename}: {_one_line(e)}") from None
            if b"<!DOCTYPE" in blob or b"<!ENTITY" in blob:
                raise InputError(path, f"DOCX part {info.filename} declares a DOCTYPE or entities; refused")


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text[:200]


# --------------------------------------------------------------------------------------------------
# Styles: which paragraph styles are headings, and which belong to a table of contents


class _Styles:
    """Paragraph style id -> heading level / TOC flag, following ``w:basedOn`` chains."""

    def __init__(self, root: etree._Element) -> None:
        self._raw: dict[str, tuple[str, str | None, int | None]] = {}
        self.default: str | None = None
        for style in root.iterfind(_w("style")):
            if style.get(_w("type"), "paragraph") != "paragraph":
                continue
            sid = style.get(_w("styleId"))
            if not sid:
                continue
            name_el = style.find(_w("name"))
            based = style.find(_w("basedOn"))
            self._raw[sid] = (
                (name_el.get(_w("val")) if name_el is not None else None) or sid,
                based.get(_w("val")) if based is not None else None,
                _outline_raw(style.find(_w("pPr"))),
            )
            if style.get(_w("default")) in ("1", "true", "on"):
                self.default = sid
        self._cache: dict[str, tuple[int | None, bool]] = {}

    def lookup(self, style_id: str | None) -> tuple[int | None, bool]:
        """(heading level 1..6 or None, is a TOC style) for a paragraph style id."""
        sid = style_id or self.default
        if not sid or sid not in self._raw:
            return None, False
        if sid not in self._cache:
            self._cache[sid] = self._resolve(sid)
        return self._cache[sid]

    def _resolve(self, sid: str) -> tuple[int | None, bool]:
        name = self._raw[sid][0]
        if _TOC_STYLE.search(name):
            return None, True
        seen: set[str] = set()
        cur: str | None = sid
        while cur and cur in self._raw and cur not in seen:  # basedOn chains can be cyclic in hostile files
            seen.add(cur)
            cur_name, based, outline = self._raw[cur]
            if cur_name.lower() == "title":
                return 1, False
            if _HEADING_NAME.search(cur_name) and not _NOT_HEADING.search(cur_name):
                m = _LEVEL_DIGIT.search(cur_name)
                return (min(max(int(m.group(1)), 1), 6) if m else 1), False
            if outline is not None:  # 0..8 a heading level, 9 explicitly body text
                return (min(outline + 1, 6) if outline <= 8 else None), False
            cur = based
        return None, False


def _outline_raw(ppr: etree._Element | None) -> int | None:
    """The ``w:outlineLvl`` value (0..8 heading levels 1..9, 9 body text), or None if absent or bad."""
    el = ppr.find(_w("outlineLvl")) if ppr is not None else None
    if el is None:
        return None
    try:
        val = int(el.get(_w("val"), ""))
    except ValueError:
        return None
    return val if 0 <= val <= 9 else None


# --------------------------------------------------------------------------------------------------
# Footnotes


def _footnotes(document: docx.document.Document, path: Path) -> dict[str, str]:
    """Footnote id -> accepted text, from the footnotes part if there is one."""
    part = next((rel.target_part for rel in document.part.rels.values()
                 if rel.reltype == RT.FOOTNOTES and not rel.is_external), None)
    if part is None:
        return {}
    try:
        root = guard.parse_xml(part.blob, path)
    except InputError as e:
        raise InputError(path, f"not a valid DOCX file: footnotes part: {e.problem}") from None
    notes: dict[str, str] = {}
    walker = _Walker(None, {})
    for note in root.iterfind(_w("footnote")):
        nid = note.get(_w("id"))
        if nid is None or note.get(_w("type")) not in (None, "normal"):
            continue  # separator, continuationSeparator, continuationNotice
        texts = [walker.paragraph_text(p).text.strip() for p in note.iter(_w("p"))]
        notes[nid] = " ".join(t for t in texts if t)
    return notes


# --------------------------------------------------------------------------------------------------
# Walking the body


class _Para(NamedTuple):
    text: str
    level: int | None
    joins_next: bool = False  # the paragraph mark is a tracked deletion
    notes: tuple[tuple[str, str], ...] = ()  # (marker, text) of the footnotes it cites


class _Walker:
    """Turns the body XML into Blocks: accepted text, heading levels and footnotes.

    A footnote reference is written ``[^marker]`` in the text and its text follows the citing block
    as a definition block ``[^marker]: text``: the convention :mod:`.segment` reads for every format.
    Markers are numbered in order of citation, as Word prints automatic footnote marks.
    """

    def __init__(self, styles: _Styles | None, notes: dict[str, str]) -> None:
        self._styles = styles
        self._notes = notes
        self.revisions = False
        self.unresolved: set[str] = set()
        self._next_marker = 1

    # ---- blocks

    def blocks(self, body: etree._Element) -> Iterator[Block]:
        """Blocks for the body in document order (empty paragraphs dropped), each followed by the
        definitions of the footnotes it cites."""
        for para in self._joined(body):
            if para.text.strip():
                yield Block(text=para.text.strip(), heading_level=para.level)
            for marker, text in para.notes:
                yield Block(text=f"[^{marker}]: {text}")

    def _joined(self, container: etree._Element) -> Iterator[_Para]:
        """Accepted paragraphs: one whose mark is a tracked deletion flows into the next, which keeps
        its own style (its mark survives)."""
        carry: _Para | None = None
        for para in self._walk(container):
            if carry is not None:
                para = _Para(carry.text + para.text, para.level, para.joins_next, carry.notes + para.notes)
                carry = None
            if para.joins_next:
                carry = para
            else:
                yield para
        if carry is not None:
            yield carry._replace(level=None, joins_next=False)

    def _walk(self, container: etree._Element) -> Iterator[_Para]:
        """Paragraphs and table rows of a body, cell or content control, in document order."""
        for child in container:
            tag = child.tag
            if tag == _w("p"):
                yield self._paragraph(child)
            elif tag == _w("tbl"):
                yield from self._table(child)
            elif tag == _w("sdt"):
                content = child.find(_w("sdtContent"))
                if content is not None and not _is_toc_sdt(child):
                    yield from self._walk(content)
            elif tag in (_w("del"), _w("moveFrom")):
                self.revisions = True
            elif tag in (_w("ins"), _w("moveTo"), _w("customXml"), _w("smartTag")):
                self.revisions = self.revisions or tag in (_w("ins"), _w("moveTo"))
                yield from self._walk(child)
            elif tag == f"{{{_MC}}}AlternateContent":
                choice = child.find(f"{{{_MC}}}Choice")
                if choice is not None:
                    yield from self._walk(choice)
            # sectPr, bookmarks, comment ranges, altChunk: nothing to read

    def _paragraph(self, p: etree._Element) -> _Para:
        ppr = p.find(_w("pPr"))
        level: int | None = None
        if self._styles is not None:
            ps = ppr.find(_w("pStyle")) if ppr is not None else None
            level, toc = self._styles.lookup(ps.get(_w("val")) if ps is not None else None)
            if toc:
                return _Para("", None)
        direct = _outline_raw(ppr)
        if direct is not None:  # direct formatting overrides the style
            level = min(direct + 1, 6) if direct <= 8 else None
        return self.paragraph_text(p)._replace(level=level)

    def paragraph_text(self, p: etree._Element) -> _Para:
        """Accepted text of one paragraph, whether its mark is a tracked deletion, its footnotes."""
        parts: list[str] = []
        notes: list[tuple[str, str]] = []
        self._collect(p, parts, notes)
        mark_gone = False
        rpr = p.find(f"{_w('pPr')}/{_w('rPr')}")
        if rpr is not None:
            if any(rpr.find(tag) is not None for tag in _MARK_GONE):
                mark_gone = self.revisions = True
            elif rpr.find(_w("ins")) is not None or rpr.find(_w("moveTo")) is not None:
                self.revisions = True
        return _Para("".join(parts), None, mark_gone, tuple(notes))

    def _collect(self, el: etree._Element, parts: list[str], notes: list[tuple[str, str]]) -> None:
        custom_mark: int | None = None  # index in ``notes`` of a reference whose mark the next run prints
        for child in el:
            tag = child.tag
            cited_before = len(notes)
            if not isinstance(tag, str):
                continue  # comments/PIs (python-docx's parser keeps them)
            if tag in _SKIP:
                if tag in (_w("del"), _w("moveFrom")):
                    self.revisions = True
                continue
            if tag in _TEXT:
                parts.append(child.text or "")
            elif tag in _TABS:
                parts.append("\t")
            elif tag in _BREAKS:
                parts.append("\n")
            elif tag == _w("noBreakHyphen"):
                parts.append("\u2011")
            elif tag == _w("footnoteReference"):
                parts.append(self._footnote_ref(child, notes))
            elif tag == _w("p"):  # a paragraph nested in a run container (rare): keep it apart
                parts.append("\n")
                self._collect(child, parts, notes)
            elif tag == _w("r") and custom_mark is not None:
                # the run printing a custom mark ("*", "†"): it becomes the marker, not text
                mark = "".join(t.text or "" for t in child.iter(_w("t"))).strip()
                if mark and len(mark) <= 12 and not any(c.isspace() or c in "[]^" for c in mark):
                    notes[custom_mark] = (mark, notes[custom_mark][1])
                    at = len(parts) - 1 - parts[::-1].index(_CUSTOM_REF)
                    parts[at] = f"[^{mark}]"
                else:
                    self._collect(child, parts, notes)
            else:
                if tag in (_w("ins"), _w("moveTo")):
                    self.revisions = True
                self._collect(child, parts, notes)
            custom_mark = None
            if tag == _w("r") and len(notes) > cited_before and _CUSTOM_REF in parts:
                custom_mark = len(notes) - 1 if notes[-1][0] == "*" else None

    def _footnote_ref(self, ref: etree._Element, notes: list[tuple[str, str]]) -> str:
        nid = ref.get(_w("id"))
        if nid is None or nid not in self._notes:
            self.unresolved.add(nid or "?")
            return ""
        if ref.get(_w("customMarkFollows")) in ("1", "true", "on"):
            notes.append(("*", self._notes[nid]))
            return _CUSTOM_REF  # the custom mark the next run prints replaces it (see _collect)
        marker = str(self._next_marker)
        self._next_marker += 1
        notes.append((marker, self._notes[nid]))
        return f"[^{marker}]"

    # ---- tables

    def _table(self, tbl: etree._Element) -> Iterator[_Para]:
        """A row with one non-empty cell reads as that cell's paragraphs (layout tables); a row with
        several cells reads as one line, cells joined by tabs (schedules, two-column layouts)."""
        for row in _children(tbl, "tr"):
            trpr = row.find(_w("trPr"))
            if trpr is not None and trpr.find(_w("del")) is not None:
                self.revisions = True
                continue  # a deleted row
            cells = [list(self._joined(tc)) for tc in _children(row, "tc")]
            filled = [c for c in cells if any(p.text.strip() or p.notes for p in c)]
            if len(filled) == 1:
                yield from filled[0]
            elif filled:
                line = "\t".join(" ".join(p.text.strip() for p in c if p.text.strip()) for c in filled)
                yield _Para(line, None, False, tuple(n for c in filled for p in c for n in p.notes))


def _children(el: etree._Element, tag: str) -> Iterator[etree._Element]:
    """Direct ``w:<tag>`` children, looking through content controls and custom XML wrappers."""
    for child in el:
        if child.tag == _w(tag):
            yield child
        elif child.tag in (_w("sdt"), _w("customXml")):
            inner = child.find(_w("sdtContent")) if child.tag == _w("sdt") else child
            if inner is not None:
                yield from _children(inner, tag)


def _is_toc_sdt(sdt: etree._Element) -> bool:
    gallery = sdt.find(f"{_w('sdtPr')}/{_w('docPartObj')}/{_w('docPartGallery')}")
    return gallery is not None and "table of contents" in (gallery.get(_w("val")) or "").lower()
