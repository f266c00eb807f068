"""Reader for Word (DOCX) files: drafts, proposals and consolidated texts exchanged by negotiators.

The text read is the *accepted* text: tracked insertions count, tracked deletions do not (python-docx's
``Paragraph.text`` silently drops inserted text, so the WordprocessingML is walked here directly).
Body paragraphs and table cells are read in document order; heading styles become heading levels
and everything else is left to the text patterns of :mod:`.segment`, except that unstyled table text
is never a heading (a table listing "Article 19.1: Scope" is not the article). Footnotes are read from
``word/footnotes.xml`` and handed to :mod:`.segment` as ``[^n]`` references and definitions. Tables
of contents and comments are skipped, so that a TOC entry is never mistaken for an article.

Word's automatic list numbers ("Article 19.3:", "1.", "(a)") are not in the text runs: they are worked
out here from ``word/numbering.xml`` (see :class:`_Numbering`) and put in front of the paragraph text,
so that :mod:`.segment` sees the numbers a reader sees.
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
    """Read one DOCX file into provisions, with tracked changes accepted, list numbers rendered and
    footnotes attached.

    ``encoding`` is ignored: DOCX parts declare their own encoding.
    """
    document = _open(data, path)
    styles = _Styles(document.styles.element)
    root = _numbering_root(document, path)
    numbering = _Numbering(root, styles) if root is not None else None
    walker = _Walker(styles, _footnotes(document, path), numbering)
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
    """Check the archive against the zip-bomb limits and entity tricks, then open it with python-docx.

    The members are decompressed once, in bounded chunks (:func:`guard.unzip_bounded`), and python-docx
    opens a stored (uncompressed) copy of exactly those bytes: it never inflates the original archive,
    whose size headers are the attacker's to write."""
    if data.startswith(_OLE_MAGIC):
        raise InputError(path, "a Word 97-2003 .doc or a password-protected document, not a DOCX; "
                               "save it as .docx without a password")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise InputError(path, f"not a valid DOCX file: {_one_line(e)}") from None
    with zf:
        parts = _check_archive(zf, path, len(data))
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w", zipfile.ZIP_STORED) as out:
        for name, blob in parts.items():
            out.writestr(name, blob)
    del parts
    package.seek(0)
    try:
        return docx.Document(package)
    except ValueError as e:
        if "is not a Word file" in str(e):  # e.g. an .xlsx, .pptx or macro-enabled .docm
            content_type = str(e).rpartition("content type is ")[2].strip("' ")
            raise InputError(path, f"not a DOCX file: the main part is {content_type}") from None
        raise InputError(path, f"not a valid DOCX file: {_one_line(e)}") from None
    except Exception as e:  # noqa: BLE001 - python-docx, lxml and zipfile raise a dozen types for a broken package
        raise InputError(path, f"not a valid DOCX file: {_one_line(e)}") from None


def _check_archive(zf: zipfile.ZipFile, path: Path, archive_bytes: int) -> dict[str, bytes]:
    """The archive's parts, read within the zip-bomb limits; refuses XML parts whose parser finds a
    DOCTYPE or entity declarations (Word never writes them), in whatever encoding."""
    infos = zf.infolist()
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
        raise InputError(path, "not a DOCX file: a zip archive without word/document.xml")
    parts = guard.unzip_bounded(zf, path, archive_bytes)
    for name, blob in parts.items():
        if name.lower().endswith((".xml", ".rels")):
            guard.refuse_doctype(blob, path, name, malformed_ok=True)
    return parts


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text[:200]


# --------------------------------------------------------------------------------------------------
# Styles: which paragraph styles are headings, and which belong to a table of contents


class _Styles:
    """Paragraph style id -> heading level / TOC flag, following ``w:basedOn`` chains."""

    def __init__(self, root: etree._Element) -> None:
        self._raw: dict[str, tuple[str, str | None, int | None, tuple[str | None, int | None]]] = {}
        self.default: str | None = None
        self.list_styles: dict[str, str | None] = {}  # numbering style id -> its numId (w:numStyleLink)
        for style in root.iterfind(_w("style")):
            kind = style.get(_w("type"), "paragraph")
            sid = style.get(_w("styleId"))
            if kind == "numbering" and sid:
                self.list_styles[sid] = _num_pr(style.find(_w("pPr")))[0]
            if kind != "paragraph" or not sid:
                continue
            name_el = style.find(_w("name"))
            based = style.find(_w("basedOn"))
            self._raw[sid] = (
                (name_el.get(_w("val")) if name_el is not None else None) or sid,
                based.get(_w("val")) if based is not None else None,
                _outline_raw(style.find(_w("pPr"))),
                _num_pr(style.find(_w("pPr"))),
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
            cur_name, based, outline, _ = self._raw[cur]
            if cur_name.lower() == "title":
                return 1, False
            if _HEADING_NAME.search(cur_name) and not _NOT_HEADING.search(cur_name):
                m = _LEVEL_DIGIT.search(cur_name)
                return (min(max(int(m.group(1)), 1), 6) if m else 1), False
            if outline is not None:  # 0..8 a heading level, 9 explicitly body text
                return (min(outline + 1, 6) if outline <= 8 else None), False
            cur = based
        return None, False

    def resolve_id(self, style_id: str | None) -> str | None:
        """The style a paragraph has: its own ``w:pStyle``, else the default paragraph style."""
        return style_id or self.default

    def numbering(self, style_id: str | None) -> tuple[str | None, int | None]:
        """(numId, ilvl) a paragraph style gives its paragraphs; each comes from the nearest style of
        the ``w:basedOn`` chain that sets it (None when no style does)."""
        num_id: str | None = None
        ilvl: int | None = None
        seen: set[str] = set()
        cur = self.resolve_id(style_id)
        while cur and cur in self._raw and cur not in seen and (num_id is None or ilvl is None):
            seen.add(cur)
            _, based, _, (n, lvl) = self._raw[cur]
            num_id = n if num_id is None else num_id
            ilvl = lvl if ilvl is None else ilvl
            cur = based
        return num_id, ilvl


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
# List numbering: the numbers Word shows in front of numbered paragraphs


def _int(value: str | None) -> int | None:
    """An integer attribute value, or None if absent or not a number."""
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _val(el: etree._Element | None) -> str | None:
    return el.get(_w("val")) if el is not None else None


def _num_pr(ppr: etree._Element | None) -> tuple[str | None, int | None]:
    """(numId, ilvl) set by a ``w:pPr/w:numPr``, each None when not set there."""
    num_pr = ppr.find(_w("numPr")) if ppr is not None else None
    if num_pr is None:
        return None, None
    ilvl = _int(_val(num_pr.find(_w("ilvl"))))
    return _val(num_pr.find(_w("numId"))), ilvl if ilvl is not None and 0 <= ilvl <= 8 else None


class _Level(NamedTuple):
    """One ``w:lvl`` of a list definition."""

    start: int
    fmt: str                # w:numFmt: decimal, lowerLetter, upperRoman, bullet, none, ...
    text: str | None        # w:lvlText ("Article %1.%2:"); None when absent
    restart: int | None     # w:lvlRestart: restart after this (1-based) level is used; 0 never; None default
    legal: bool             # w:isLgl: every number in lvlText shown in decimal
    style: str | None       # w:pStyle: the paragraph style bound to this level


def _level(lvl: etree._Element) -> _Level:
    fmt_el = lvl.find(_w("numFmt"))
    if fmt_el is None:  # newer formats are written as mc:AlternateContent with a fallback
        fmt_el = lvl.find(f"{{{_MC}}}AlternateContent/{{{_MC}}}Fallback/{_w('numFmt')}")
    fmt = _val(fmt_el) or "decimal"
    if lvl.find(_w("lvlPicBulletId")) is not None:
        fmt = "bullet"
    legal = lvl.find(_w("isLgl"))
    return _Level(
        start=_int(_val(lvl.find(_w("start")))) or 0,  # the schema's default start is 0
        fmt=fmt,
        text=_val(lvl.find(_w("lvlText"))),
        restart=_int(_val(lvl.find(_w("lvlRestart")))),
        legal=legal is not None and _val(legal) not in ("0", "false", "off"),
        style=_val(lvl.find(_w("pStyle"))),
    )


def _levels(parent: etree._Element) -> dict[int, _Level]:
    """ilvl -> level for the ``w:lvl`` children of an abstractNum or lvlOverride."""
    out: dict[int, _Level] = {}
    for lvl in parent.iterfind(_w("lvl")):
        ilvl = _int(lvl.get(_w("ilvl")))
        if ilvl is not None and 0 <= ilvl <= 8 and ilvl not in out:
            out[ilvl] = _level(lvl)
    return out


_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def _format_number(n: int, fmt: str) -> str:
    """``n`` written in a ``w:numFmt`` (formats not listed here are written in decimal)."""
    if fmt in ("none", "bullet"):
        return ""
    if fmt in ("lowerLetter", "upperLetter") and 1 <= n <= 780:  # a..z, aa..zz, ... as Word counts
        letters = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letters.upper() if fmt == "upperLetter" else letters
    if fmt in ("lowerRoman", "upperRoman") and 1 <= n < 4000:
        out, rest = "", n
        for value, digits in _ROMAN:
            while rest >= value:
                out, rest = out + digits, rest - value
        return out.upper() if fmt == "upperRoman" else out
    if fmt == "decimalZero" and 0 <= n < 10:
        return f"0{n}"
    if fmt == "ordinal" and n >= 0:
        suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"
    return str(n)


_PLACEHOLDER = re.compile(r"%([1-9])")
_LEVELS = 9


class _Numbering:
    """Works out the list label Word shows for each numbered paragraph, in document order.

    A paragraph is numbered by its own ``w:numPr`` (numId, ilvl), else by its style's (following
    ``w:basedOn``), else by a list level whose ``w:pStyle`` is the paragraph's style; numId 0 means not
    numbered. Counting rule, kept simple and close to what Word shows: counters are kept per abstract
    list (``w:abstractNum``, after ``w:numStyleLink``), so every ``w:num`` on the same abstract list goes on
    counting where the previous one stopped; a ``w:startOverride`` restarts its level at the first
    paragraph of that ``w:num`` using the level. Using a level restarts the deeper levels (unless their
    ``w:lvlRestart`` says otherwise); a level not used yet shows its start value. Bullets give no label.
    Call :meth:`label` once per surviving paragraph, in document order: each call counts.
    """

    def __init__(self, root: etree._Element, styles: _Styles | None) -> None:
        self._styles = styles
        abstracts = {a.get(_w("abstractNumId")): a for a in root.iterfind(_w("abstractNum"))}
        # numId -> (abstractNumId, startOverride per ilvl, level overrides per ilvl)
        self._nums: dict[str, tuple[str, dict[int, int], dict[int, _Level]]] = {}
        for num in root.iterfind(_w("num")):
            nid, aid = num.get(_w("numId")), _val(num.find(_w("abstractNumId")))
            if nid is None or aid is None or nid in self._nums:
                continue
            starts: dict[int, int] = {}
            overrides: dict[int, _Level] = {}
            for over in num.iterfind(_w("lvlOverride")):
                ilvl = _int(over.get(_w("ilvl")))
                if ilvl is None or not 0 <= ilvl <= 8:
                    continue
                start = _int(_val(over.find(_w("startOverride"))))
                if start is not None:
                    starts[ilvl] = start
                lvl = over.find(_w("lvl"))
                if lvl is not None:
                    overrides[ilvl] = _level(lvl)
            self._nums[nid] = (aid, starts, overrides)
        # abstractNumId -> the abstract list that holds its levels (itself, or where numStyleLink points)
        self._target = {aid: self._follow(aid, abstracts) for aid in abstracts}
        self._levels = {aid: _levels(a) for aid, a in abstracts.items()}
        # paragraph style -> (numId, ilvl) of the level bound to it with w:pStyle
        self._bound: dict[str, tuple[str, int]] = {}
        for nid in sorted(self._nums, key=lambda k: (bool(self._nums[k][1] or self._nums[k][2]), _int(k) or 0)):
            for ilvl, lvl in self._num_levels(nid).items():
                if lvl.style and lvl.style not in self._bound:
                    self._bound[lvl.style] = (nid, ilvl)
        self._counters: dict[str, list[int | None]] = {}
        self._used: set[tuple[str, int]] = set()

    def _follow(self, aid: str, abstracts: dict[str, etree._Element]) -> str:
        """Follow ``w:numStyleLink`` (a list that takes its levels from a numbering style) to the
        abstract list that has the levels."""
        seen = {aid}
        cur = aid
        while True:
            link = _val(abstracts[cur].find(_w("numStyleLink")))
            num_id = self._styles.list_styles.get(link) if link and self._styles is not None else None
            nxt = self._nums[num_id][0] if num_id in self._nums else None
            if nxt is None or nxt in seen or nxt not in abstracts:
                return cur
            seen.add(nxt)
            cur = nxt

    def _num_levels(self, num_id: str) -> dict[int, _Level]:
        aid, _, overrides = self._nums[num_id]
        target = self._target.get(aid)
        if target is None:
            return dict(overrides)
        return {**self._levels[target], **overrides}

    def label(self, ppr: etree._Element | None, style_id: str | None) -> str:
        """The label a paragraph shows ("Article 7.2:", "(a)"; "" for none or a bullet); counts it."""
        num_id, ilvl = _num_pr(ppr)
        style = self._styles.resolve_id(style_id) if self._styles is not None else style_id
        if num_id is None or ilvl is None:
            style_num, style_lvl = self._styles.numbering(style) if self._styles is not None else (None, None)
            if num_id is None and style_num is None and style in self._bound:
                num_id, bound_lvl = self._bound[style]
                ilvl = bound_lvl if ilvl is None else ilvl
            num_id = style_num if num_id is None else num_id
            ilvl = style_lvl if ilvl is None else ilvl
        if num_id is None or _int(num_id) == 0 or num_id not in self._nums:
            return ""
        levels = self._num_levels(num_id)
        if ilvl is None:  # the level bound to the paragraph's style, else the first
            ilvl = next((k for k, lvl in levels.items() if style and lvl.style == style), 0)
        if ilvl not in levels:
            return ""
        return self._count(num_id, ilvl, levels)

    def _count(self, num_id: str, ilvl: int, levels: dict[int, _Level]) -> str:
        aid, starts, _ = self._nums[num_id]
        counters = self._counters.setdefault(self._target.get(aid, aid), [None] * _LEVELS)
        level = levels[ilvl]
        if ilvl in starts and (num_id, ilvl) not in self._used:
            counters[ilvl] = starts[ilvl]
        else:
            current = counters[ilvl]
            counters[ilvl] = level.start if current is None else current + 1
        self._used.add((num_id, ilvl))
        for deeper in range(ilvl + 1, _LEVELS):
            restart = levels[deeper].restart if deeper in levels else None
            if restart is None or (restart != 0 and ilvl < restart):
                counters[deeper] = None
        if level.fmt == "bullet" or not level.text:
            return ""

        def number(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            if k > ilvl or k not in levels:
                return ""
            value = counters[k]
            return _format_number(levels[k].start if value is None else value,
                                  "decimal" if level.legal and levels[k].fmt not in ("none", "bullet")
                                  else levels[k].fmt)

        return " ".join(_PLACEHOLDER.sub(number, level.text).split())


def _numbering_root(document: docx.document.Document, path: Path) -> etree._Element | None:
    """The numbering definitions (``word/numbering.xml``) if the document has them."""
    part = next((rel.target_part for rel in document.part.rels.values()
                 if rel.reltype == RT.NUMBERING and not rel.is_external), None)
    if part is None:
        return None
    element = getattr(part, "element", None)
    if element is not None:
        return element
    try:
        return guard.parse_xml(part.blob, path)
    except InputError as e:
        raise InputError(path, f"not a valid DOCX file: numbering part: {e.problem}") from None


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
    label: str = ""  # the list number Word shows in front of it ("Article 7.2:", "(a)")
    in_table: bool = False  # read from a table: a heading only if heading-styled (see segment.Block)

    def shown(self) -> str:
        """The text as a reader sees it: the list label, a space, the text (stripped)."""
        text = self.text.strip()
        return f"{self.label} {text}" if self.label and text else text


class _Walker:
    """Turns the body XML into Blocks: accepted text, heading levels and footnotes.

    A footnote reference is written ``[^marker]`` in the text and its text follows the citing block
    as a definition block ``[^marker]: text``: the convention :mod:`.segment` reads for every format.
    Markers are numbered in order of citation, as Word prints automatic footnote marks.
    """

    def __init__(self, styles: _Styles | None, notes: dict[str, str], numbering: _Numbering | None = None) -> None:
        self._styles = styles
        self._notes = notes
        self._numbering = numbering
        self.revisions = False
        self.unresolved: set[str] = set()
        self._next_marker = 1

    # ---- blocks

    def blocks(self, body: etree._Element) -> Iterator[Block]:
        """Blocks for the body in document order (empty paragraphs dropped), each followed by the
        definitions of the footnotes it cites."""
        for para in self._joined(body):
            text = para.shown()
            if text:
                yield Block(text=text, heading_level=para.level, in_table=para.in_table)
            for marker, text in para.notes:
                yield Block(text=f"[^{marker}]: {text}")

    def _joined(self, container: etree._Element) -> Iterator[_Para]:
        """Accepted paragraphs: one whose mark is a tracked deletion flows into the next, which keeps
        its own style and list number (its mark survives)."""
        carry: _Para | None = None
        for para in self._walk(container):
            if carry is not None:
                para = _Para(carry.text + para.text, para.level, para.joins_next, carry.notes + para.notes,
                             para.label)
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
        style_id = _val(ppr.find(_w("pStyle"))) if ppr is not None else None
        if self._styles is not None:
            level, toc = self._styles.lookup(style_id)
            if toc:
                return _Para("", None)
        direct = _outline_raw(ppr)
        if direct is not None:  # direct formatting overrides the style
            level = min(direct + 1, 6) if direct <= 8 else None
        para = self.paragraph_text(p)._replace(level=level)
        if self._numbering is not None and not para.joins_next:  # a deleted paragraph mark is not counted
            para = para._replace(label=self._numbering.label(ppr, style_id))
        return para

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
        several cells reads as one line, cells joined by tabs (schedules, two-column layouts). All of it
        is flagged ``in_table``: only a heading-styled paragraph of a one-cell row can start an article,
        never plain cell text such as an annex listing "Article 19.1: Scope | precedents"."""
        for row in _children(tbl, "tr"):
            trpr = row.find(_w("trPr"))
            if trpr is not None and trpr.find(_w("del")) is not None:
                self.revisions = True
                continue  # a deleted row
            cells = [list(self._joined(tc)) for tc in _children(row, "tc")]
            filled = [c for c in cells if any(p.text.strip() or p.notes for p in c)]
            if len(filled) == 1:
                yield from (p._replace(in_table=True) for p in filled[0])
            elif filled:
                line = "\t".join(" ".join(p.shown() for p in c if p.text.strip()) for c in filled)
                yield _Para(line, None, False, tuple(n for c in filled for p in c for n in p.notes), in_table=True)


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
