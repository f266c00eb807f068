"""Read agreement PDFs that have a text layer into provisions.

Library choice, measured on rcep-2020.pdf (510 pages) on this machine:

    plain text of all pages     pypdfium2 0.62 s     pypdf 16.2 s
    "Article N.M:" heading lines, chapters 4, 11, 12:  121 of 121 in both, identical text;
    both wrap long titles the same way and glue footnote numbers to words ("Scope3").

Heading quality is equal, so pypdfium2 (25x faster). It also gives per-character font size, baseline
and font name, which this reader uses instead of guessing from text: superscript footnote references
(smaller, raised digits) are detached from words and written ``[^3]``; footnotes are the small-font
lines below the body at the page bottom that start with a small number; headings are whole lines in
a bold font (when the document sets article headings in bold), so a table cell or a wrapped line that
starts with "Article 4.13 ..." is not taken for a heading. Running headers/footers (lines repeated at
the top or bottom of many pages, page numbers such as "12-3") are removed; wrapped lines, hyphenated
words and wrapped titles are rejoined. The whole RCEP PDF (extraction with per-character metrics plus
segmentation) reads in 5.2-8.1 s here, depending on machine load; the target is 20 s.
"""

from __future__ import annotations

import ctypes
import itertools
import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..errors import InputError
from ..model import Extract
from .segment import Block, looks_like_heading, parse_heading, segment
from .text import join_lines

#: Hostile-input limits: pages read at all, and characters of text in total.
MAX_PAGES = 5000
MAX_CHARS = 20_000_000

NO_TEXT_LAYER = "no text layer (a scanned PDF?); run OCR first, e.g. `ocrmypdf in.pdf out.pdf`"

_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*)?(?:(?:page|p\.|página|pagina)\s+)?(?:\d{1,4}|[ivxlc]{1,6}|[A-Z0-9]{1,4}-\d{1,4})"
    r"(?:\s*(?:of|/|de|sur)\s*\d{1,4})?(?:\s*[-–—])?$",
    re.IGNORECASE,
)
_MARKER = re.compile(
    r"^\s*(?:\(?[a-z]{1,3}\)|\([ivxlc]{1,6}\)|\(\d{1,3}\)|\d{1,3}\.(?:\s|$)|\d{1,3}\.\d{1,3}(?:\.\d{1,3})*\.?\s"
    r"|[•▪◦●\-–]\s)"
)
_TERMINAL = re.compile(r"[.;:!?]$")
_LIST_JOIN = re.compile(r"(?:\band|\bor|\by|\bo|\bet|\bou|,)$")
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demibold|,b\b|-b\b", re.IGNORECASE)
_FORCE_BOLD = 1 << 18
_SUP_CHARS = set("0123456789,*†‡ ")
_DIGITS_ONLY = re.compile(r"^[1-9]\d{0,2}(?:\s*,\s*\d{1,3})*$")


@dataclass
class _Line:
    text: str
    size: float
    bold: bool
    y: float
    x0: float
    x1: float
    page: int
    lead: str | None = None  # a small raised number at the start (footnote marker), not in ``text``
    y_first: float = 0.0  # baselines of the first and last characters: PDFium sometimes merges
    y_last: float = 0.0  # two printed lines into one (after a line-end hyphen)


@dataclass
class _Page:
    number: int
    height: float
    lines: list[_Line] = field(default_factory=list)


def read(data: bytes, path: Path, *, encoding: str | None = None) -> Extract:
    """Read a PDF's text layer into provisions; refuse encrypted, broken or text-less (scanned) PDFs."""
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise InputError(path, "encrypted PDF (a password is needed to open it)") from None
        reason = msg.split("(PDFium: ", 1)[-1].rstrip(").") if "PDFium:" in msg else msg
        raise InputError(path, f"not a readable PDF ({reason.strip() or 'unknown error'})") from None
    try:
        n_pages = len(doc)
        if n_pages == 0:
            raise InputError(path, "PDF has no pages")
        if n_pages > MAX_PAGES:
            raise InputError(path, f"PDF has {n_pages:,} pages (limit {MAX_PAGES:,}); refused")
        pages = _extract(doc, path)
    finally:
        doc.close()
    warnings: list[str] = []
    empty = sum(1 for p in pages if not p.lines)
    if empty == len(pages):
        raise InputError(path, NO_TEXT_LAYER)
    if empty > len(pages) // 2:
        warnings.append(f"{empty} of {len(pages)} pages have no text layer (scanned?); their text is missing")
    blocks, marked = _blocks(pages)
    provisions, title, seg_warnings = segment(blocks, marked_only=marked)
    return Extract(provisions=provisions, title=title, warnings=tuple(warnings) + seg_warnings)


# --------------------------------------------------------------------------- characters -> lines
class _Fonts:
    """Bold-or-not per text object (cached), falling back to per-character font names."""

    def __init__(self) -> None:
        self.cache: dict[int, bool] = {}
        self.buf = ctypes.create_string_buffer(256)
        self.flags = ctypes.c_int()
        self.by_object = hasattr(pdfium_c, "FPDFText_GetTextObject") and hasattr(pdfium_c, "FPDFFont_GetBaseFontName")

    def bold(self, tp: object, i: int) -> bool:
        if self.by_object:
            obj = pdfium_c.FPDFText_GetTextObject(tp, i)
            key = ctypes.cast(obj, ctypes.c_void_p).value or 0
            hit = self.cache.get(key)
            if hit is not None:
                return hit
            font = pdfium_c.FPDFTextObj_GetFont(obj)
            n = pdfium_c.FPDFFont_GetBaseFontName(font, self.buf, 256) if font else 0
            name = self.buf.value.decode("latin-1", "replace") if n else ""
            weight = pdfium_c.FPDFFont_GetWeight(font) if font else -1
            flags = pdfium_c.FPDFFont_GetFlags(font) if font else 0
            result = bool(_BOLD_NAME.search(name)) or weight >= 600 or bool(flags & _FORCE_BOLD)
            self.cache[key] = result
            return result
        n = pdfium_c.FPDFText_GetFontInfo(tp, i, self.buf, 256, ctypes.byref(self.flags))
        name = self.buf.value.decode("latin-1", "replace") if n else ""
        return bool(_BOLD_NAME.search(name)) or bool(self.flags.value & _FORCE_BOLD)


def _extract(doc: pdfium.PdfDocument, path: Path) -> list[_Page]:
    pages: list[_Page] = []
    total = 0
    fonts = _Fonts()
    for index in range(len(doc)):
        page = doc[index]
        try:
            textpage = page.get_textpage()
            try:
                total += max(pdfium_c.FPDFText_CountChars(textpage.raw), 0)
                if total > MAX_CHARS:
                    raise InputError(path, f"PDF holds more than {MAX_CHARS:,} characters of text; refused")
                lines = _page_lines(textpage, index + 1, fonts)
            finally:
                textpage.close()
            height = page.get_height()
        finally:
            page.close()
        pages.append(_Page(index + 1, height, lines))
        fonts.cache.clear()  # object handles are only valid for their page
    return pages


def _page_lines(textpage: pdfium.PdfTextPage, page_no: int, fonts: _Fonts) -> list[_Line]:
    tp = textpage.raw
    n = pdfium_c.FPDFText_CountChars(tp)
    if n <= 0:
        return []
    text = textpage.get_text_range(0, n)
    if len(text) != n:  # characters outside the BMP: fall back to one call per character
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(tp, i)) for i in range(n))
    get_size = pdfium_c.FPDFText_GetFontSize
    get_matrix = pdfium_c.FPDFText_GetMatrix
    get_origin = pdfium_c.FPDFText_GetCharOrigin
    generated = pdfium_c.FPDFText_IsGenerated
    matrix = pdfium_c.FS_MATRIX()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    pox, poy = ctypes.byref(ox), ctypes.byref(oy)
    lines: list[_Line] = []
    chars: list[tuple[str, float, float, float, bool]] = []  # char, size, x, y, bold

    def close_line() -> None:
        if chars:
            line = _make_line(chars, page_no)
            if line is not None:
                lines.append(line)
            chars.clear()

    for i, ch in enumerate(text):
        if ch in "\r\n":
            if ch == "\n":
                close_line()
            continue
        if generated(tp, i) == 1 or ch.isspace():
            chars.append((" ", 0.0, 0.0, 0.0, False))
            continue
        get_matrix(tp, i, matrix)
        size = get_size(tp, i) * math.hypot(matrix.c, matrix.d)
        get_origin(tp, i, pox, poy)
        x, y = ox.value, oy.value
        chars.append((ch, size, x, y, fonts.bold(tp, i)))
    close_line()
    return lines


def _make_line(chars: list[tuple[str, float, float, float, bool]], page_no: int) -> _Line | None:
    real = [c for c in chars if c[0] != " "]
    if not real:
        return None
    sizes = Counter(round(c[1] * 2) / 2 for c in real)
    size = sizes.most_common(1)[0][0]
    base = statistics.median(c[3] for c in real if abs(c[1] - size) <= 0.6)
    limit = 0.85 * size
    rise = 0.12 * size

    def is_sup(c: tuple[str, float, float, float, bool]) -> bool:
        return c[0] in _SUP_CHARS and 0 < c[1] <= limit and c[3] - base >= rise

    out: list[str] = []
    lead: str | None = None
    seen_text = False
    i = 0
    while i < len(chars):
        c = chars[i]
        if c[0] != " " and c[0].isdigit() and is_sup(c):
            j = i
            run: list[str] = []
            while j < len(chars) and (
                is_sup(chars[j]) or (chars[j][0] == " " and j + 1 < len(chars) and is_sup(chars[j + 1]))
            ):
                run.append(chars[j][0])
                j += 1
            groups = re.findall(r"\d+|[*†‡]", "".join(run))
            if not seen_text and lead is None:
                lead = groups[0]
                groups = groups[1:]
            if groups:
                while out and out[-1] == " ":
                    out.pop()
                out.extend(f"[^{g}]" for g in groups)
            i = j
            continue
        if c[0] != " ":
            seen_text = True
        if c[0] == " " and (not out or out[-1] == " "):
            i += 1
            continue
        out.append(c[0])
        i += 1
    text = "".join(out).strip()
    body = [c for c in real if not is_sup(c)] or real
    bold = all(c[4] for c in body if c[0].isalnum()) and any(c[0].isalnum() for c in body)
    x0 = min(c[2] for c in real)
    x1 = max(c[2] + 0.5 * c[1] for c in real)
    return _Line(text, size, bold, base, x0, x1, page_no, lead, body[0][3], body[-1][3])


# --------------------------------------------------------------------------- page clean-up
def _furniture_keys(pages: list[_Page]) -> set[str]:
    """Normalised texts of lines repeated at the top or bottom of many pages (running headers/footers)."""
    counts: Counter[str] = Counter()
    for page in pages:
        keys = {_furniture_key(line.text) for line in _edge_lines(page)}
        counts.update(keys)
    need = max(3, int(0.25 * len(pages)))
    return {k for k, n in counts.items() if n >= need and len(k) <= 120}


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.split()).lower())


def _edge_lines(page: _Page) -> list[_Line]:
    lines = page.lines
    if not lines:
        return []
    edge = {id(x) for x in lines[:2] + lines[-2:]}
    band = 0.08 * page.height
    return [x for x in lines if id(x) in edge or x.y >= page.height - band or x.y <= band]


def _clean_pages(pages: list[_Page], body_size: float) -> list[tuple[_Page, list[_Line], list[tuple[str, str]]]]:
    """Per page: body lines and footnotes ``(marker, text)``, without page furniture."""
    furniture = _furniture_keys(pages)
    small = 0.92 * body_size
    result = []
    carry: list[tuple[str, str]] | None = None  # the notes of the page before, if its last note runs on
    for page in pages:
        edge = {id(x) for x in _edge_lines(page)}
        band = 0.08 * page.height
        lines = []
        for line in page.lines:
            if id(line) in edge and not looks_like_heading(line.text):
                if _furniture_key(line.text) in furniture:
                    continue
                if (line.y <= band or line.y >= page.height - band) and _PAGE_NUMBER.match(line.text.strip()):
                    continue
            lines.append(line)
        for line in lines:
            if line.lead is None and line.size <= 0.75 * body_size and _DIGITS_ONLY.match(line.text):
                line.lead, line.text = line.text.split(",")[0].strip(), ""  # a raised number pdfium put apart
        lines = _attach_lonely_superscripts(lines, small)
        body, notes, runs_on = _split_footnotes(lines, small, carry)
        result.append((page, body, notes))
        if notes:
            carry = notes if runs_on else None
        elif not runs_on:
            carry = None
    return result


def _attach_lonely_superscripts(lines: list[_Line], small: float) -> list[_Line]:
    """A line holding only a raised number is a reference of the line before (or a marker of the next)."""
    out: list[_Line] = []
    for k, line in enumerate(lines):
        if line.lead is not None and line.text and line.size > small:
            # a body line starting with a reference: it belongs to the last word of the line before
            if out:
                out[-1].text += f"[^{line.lead}]"
            else:
                line.text = f"[^{line.lead}] {line.text}"
            line.lead = None
        if line.text or line.lead is None:
            out.append(line)
            continue
        nxt = lines[k + 1] if k + 1 < len(lines) else None
        if nxt is not None and nxt.lead is None and nxt.size <= small and abs(nxt.y - line.y) <= 1.5 * nxt.size:
            nxt.lead = line.lead  # footnote marker printed apart from its text
        elif out:
            out[-1].text += f"[^{line.lead}]"
    return out


def _split_footnotes(
    lines: list[_Line], small: float, carry: list[tuple[str, str]] | None
) -> tuple[list[_Line], list[tuple[str, str]], bool]:
    """Split a page into body lines and the footnotes printed below the body in a smaller font.

    Returns (body lines, footnotes, whether the last footnote runs on to the next page). Small-font
    lines below the body before the first marker continue ``carry``'s last note (from the page before).
    """
    k = len(lines)
    while k > 0 and lines[k - 1].size <= small:
        k -= 1
    tail = lines[k:]
    if not tail:
        return lines, [], False
    body_lines = [x for x in lines[:k] if x.size > small]
    lowest = min((x.y for x in body_lines), default=math.inf)
    start = next((j for j, x in enumerate(tail) if x.y < lowest and x.lead is not None), None)
    continued = tail if start is None else tail[:start]
    if carry and continued and body_lines and all(x.y < lowest for x in continued):
        marker, text = carry[-1]
        carry[-1] = (marker, join_lines([text] + [x.text for x in continued], set()))
        if start is None:
            return lines[:k], [], not _TERMINAL.search(tail[-1].text)
        continued = []
    if start is None:
        return lines, [], False
    notes: list[tuple[str, str]] = []
    current: list[str] | None = None
    marker = ""
    for line in tail[start:]:
        lead, text = line.lead, line.text
        if lead is None:
            # a footnote number printed in the text size: accept only the next number in sequence
            m = re.match(r"^([1-9]\d{0,2})\s+(\S.*)$", text)
            if m and _next_marker(marker, m.group(1)):
                lead, text = m.group(1), m.group(2)
        if lead is not None:
            if current is not None:
                notes.append((marker, join_lines(current, set())))
            marker, current = lead, [text]
        elif current is not None:
            current.append(text)
    if current is not None:
        notes.append((marker, join_lines(current, set())))
    runs_on = bool(notes) and not _TERMINAL.search(notes[-1][1])
    return lines[:k] + continued, notes, runs_on


def _next_marker(previous: str, candidate: str) -> bool:
    return previous.isdigit() and candidate.isdigit() and int(candidate) == int(previous) + 1


# --------------------------------------------------------------------------- lines -> blocks
def _blocks(pages: list[_Page]) -> tuple[list[Block], bool]:
    """Join wrapped lines into paragraph and heading blocks; footnotes follow the paragraph they interrupt."""
    all_lines = [x for p in pages for x in p.lines]
    weights: Counter[float] = Counter()
    for x in all_lines:
        weights[x.size] += len(x.text)
    body_size = weights.most_common(1)[0][0] if weights else 10.0
    cleaned = _clean_pages(pages, body_size)
    body = [x for _, lines, _ in cleaned for x in lines]
    vocab = set(re.findall(r"[a-z]{3,}", " ".join(x.text.lower() for x in body)))
    gaps = [a.y - b.y for a, b in itertools.pairwise(body) if a.page == b.page and abs(a.size - body_size) < 0.6
            and abs(b.size - body_size) < 0.6 and 0 < a.y - b.y < 3 * body_size]
    line_gap = statistics.median(gaps) if gaps else 1.2 * body_size
    sized = [x for x in body if abs(x.size - body_size) < 0.6]
    left = statistics.median(x.x0 for x in sized) if sized else 0.0
    rights = sorted(x.x1 for x in sized)
    right = rights[int(0.9 * (len(rights) - 1))] if rights else 0.0
    width = max(right - left, 1.0)

    # do articles use bold headings? then only bold lines can be headings
    heads = [x for x in body if _separated_article(x.text)]
    marked = len(heads) >= 5 and sum(1 for x in heads if x.bold) >= 0.8 * len(heads)

    blocks: list[Block] = []
    cur: list[_Line] = []
    deferred: list[Block] = []

    def flush() -> None:
        if cur:
            text = _fix_soft_hyphens(join_lines([x.text for x in cur], vocab), vocab)
            level = 2 if marked and all(x.bold for x in cur) else None
            blocks.append(Block(text, heading_level=level, source={"page": str(cur[0].page)}))
            cur.clear()
        blocks.extend(deferred)
        deferred.clear()

    for page, lines, notes in cleaned:
        for line in lines:
            if not line.text:
                continue
            if cur and _starts_block(cur, line, line_gap, left, width, marked):
                flush()
            cur.append(line)
        deferred.extend(Block(f"[^{m}]: {_fix_soft_hyphens(t, vocab)}", source={"page": str(page.number)})
                        for m, t in notes)
        if not cur:
            flush()
    flush()
    return blocks, marked


def _separated_article(text: str) -> bool:
    h = parse_heading(text)
    return h is not None and h.kind == "article" and h.separated and h.title is not None


def _starts_block(cur: list[_Line], line: _Line, line_gap: float, left: float, width: float, marked: bool) -> bool:
    prev = cur[-1]
    text = line.text
    if marked and prev.bold != line.bold:
        return True
    if prev.bold and line.bold:
        first = parse_heading(cur[0].text)
        if first is not None and first.title is None and len(cur) == 1:
            return True  # "CHAPTER 4" then its title line
        if looks_like_heading(text) or _MARKER.match(text):
            return True
        same_place = line.page == prev.page and 0 < prev.y - line.y <= 1.6 * line_gap
        return not same_place and line.page == prev.page
    if abs(line.size - prev.size) > 1.0:
        return True
    if line.page == prev.page:
        gap = prev.y_last - line.y_first
        if gap <= 0 or gap > 1.45 * line_gap:
            return True
    ended = bool(_TERMINAL.search(prev.text))
    if _MARKER.match(text):
        # "(a)" after "...as defined in subparagraph" is a wrapped reference, not a new item
        return ended or bool(_LIST_JOIN.search(prev.text)) or prev.x1 < left + 0.7 * width or line.page != prev.page
    short = prev.x1 < left + 0.7 * width
    if looks_like_heading(text) and not marked:
        return ended or short or prev.bold
    if line.page != prev.page:
        return ended and not text[:1].islower()
    if short and (ended or not text[:1].islower()):
        return True
    return prev.bold != line.bold and (looks_like_heading(cur[0].text) or looks_like_heading(text))


def _fix_soft_hyphens(text: str, vocab: set[str]) -> str:
    """PDFium marks a hyphen at a line end as U+FFFE: keep it unless the unhyphenated word is used elsewhere."""
    if "\ufffe" not in text:
        return text

    def repl(m: re.Match[str]) -> str:
        joined = (m.group(1) + m.group(2)).lower()
        return m.group(1) + ("" if joined in vocab and m.group(2)[:1].islower() else "-") + m.group(2)

    text = re.sub(r"(\w+)\ufffe\s*(\w+)", repl, text)
    return text.replace("\ufffe", "-")
