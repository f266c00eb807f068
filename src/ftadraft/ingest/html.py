"""Reader for agreement texts published as web pages (ministry and treaty-database HTML).

Page furniture (navigation, menus, breadcrumbs, cookie banners, scripts, forms, site header and
footer) is dropped; ``h1``-``h6`` become heading blocks and every other block-level element
(``p``, ``li``, table cells, loose text in a ``div``...) one text block, each text node read once,
so nested elements never duplicate text. Chapters and articles are then found by :mod:`.segment`.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import lxml.html
from lxml import etree

from ..errors import InputError
from ..model import Extract
from ..normalize import clean_heading
from . import guard
from .segment import Block, segment

# Elements whose whole subtree is never agreement text.
_DROP_TAGS = frozenset(
    ["script", "style", "noscript", "nav", "aside", "form", "iframe", "frame", "frameset", "template", "svg", "math",
     "button", "select", "textarea", "input", "object", "embed", "canvas", "map", "audio", "video", "dialog", "menu"]
)
# Site header/footer: dropped unless inside <article>/<main>, where HTML5 uses them for the
# article's own heading block or notes.
_PAGE_FURNITURE = frozenset(("header", "footer"))
_CONTENT_SCOPES = frozenset(("article", "main"))
_DROP_ROLES = frozenset(
    ("navigation", "banner", "contentinfo", "search", "menu", "menubar", "toolbar", "complementary")
)
# id/class words that mark furniture; matched as whole words of the attribute ("site-nav", "cookieBar").
_FURNITURE_WORDS = frozenset(
    ["nav", "navbar", "navigation", "menu", "menubar", "breadcrumb", "breadcrumbs", "footer", "cookie", "cookies",
     "skip", "skiplink", "sidebar", "share", "social", "toolbar", "pagination"]
)
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])")

_HEADINGS = {f"h{i}": i for i in range(1, 7)}
# Elements that start and end a block of text; anything else (a, span, b, sup, ...) is inline.
_BLOCK_TAGS = frozenset(
    ["p", "div", "li", "dt", "dd", "td", "th", "tr", "table", "thead", "tbody", "tfoot", "caption", "ul", "ol", "dl",
     "blockquote", "pre", "address", "section", "article", "main", "figure", "figcaption", "details", "summary",
     "center", "body", "hr"]
) | frozenset(_HEADINGS)
_SPACE = re.compile(r"[ \t\r\n\f]+")  # HTML whitespace; a no-break space is content and is kept

_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""")
# Labels browsers read as windows-1252 (WHATWG Encoding Standard): pages that declare Latin-1 or
# ASCII routinely contain cp1252 curly quotes and dashes in 0x80-0x9F.
_AS_CP1252 = frozenset(("iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "cp819",
                        "iso_8859-1", "ibm819", "windows-1252", "cp1252", "x-cp1252"))
# Other legacy labels that browsers decode with the Windows superset of the declared charset.
_SUPERSETS = {"gb2312": "gbk", "gb_2312-80": "gbk", "euc-kr": "cp949", "ks_c_5601-1987": "cp949",
              "shift_jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "iso-8859-9": "cp1254",
              "tis-620": "cp874", "iso-8859-11": "cp874"}


def read(data: bytes, path: Path, *, encoding: str | None = None) -> Extract:
    """Read one HTML page into provisions; ``encoding`` overrides the charset the page declares."""
    text, warnings = _decode(data, path, encoding)
    parser = lxml.html.HTMLParser(
        encoding="utf-8",  # the text is decoded already (see _decode); stops libxml2 re-guessing from <meta>
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
        recover=True,
    )
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as e:
        raise InputError(path, f"not a readable HTML page: {' '.join(str(e).split())[:200]}") from None
    # Recovery mends bad markup, but after a fatal error (e.g. nesting beyond libxml2's depth limit)
    # the rest of the page is silently missing: refuse rather than return part of an agreement.
    fatal = next((e for e in parser.error_log if e.level_name == "FATAL"), None)
    if fatal is not None:
        raise InputError(path, f"HTML page cannot be read completely (line {fatal.line}): {fatal.message.strip()}")
    page_title = clean_heading(root.findtext("head/title"))
    body = root.find("body")
    if body is None:
        body = root
    _drop_furniture(body)
    content = _main_content(body)
    blocks = list(_blocks(content, _footnotes(content)))
    first_h1 = next((b.text for b in blocks if b.heading_level == 1), None)
    drafts, seg_title, seg_warnings = segment(blocks)
    if not blocks:
        warnings.append(f"{path}: no text found in the page body")
    title = page_title or clean_heading(first_h1) or seg_title
    return Extract(provisions=drafts, title=title, warnings=(*warnings, *seg_warnings))


# --------------------------------------------------------------------------------------------------
# Decoding


def _decode(data: bytes, path: Path, encoding: str | None) -> tuple[str, list[str]]:
    """Decode the page ourselves rather than leave it to libxml2.

    Order: ``--encoding`` from the user, then a byte-order mark, then the charset the page declares
    (``<meta charset>``, ``http-equiv`` or the XML declaration, within the first 8 KB as browsers
    do), else strict UTF-8 through :func:`guard.decode_text`. libxml2's own detection is not used
    because it falls back to Latin-1 for undeclared pages (garbling UTF-8 ones), reads a declared
    Latin-1 page without the windows-1252 quotes and dashes browsers show, and, with recovery on,
    papers over bytes that do not decode. A page that does not decode as declared is refused with
    a one-line error instead of being read with replacement characters.
    """
    warnings: list[str] = []
    if encoding or data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return guard.decode_text(data, path, encoding), warnings
    head = data[:8192]
    m = _META_CHARSET.search(head) or _XML_DECL.match(head)
    if m:
        label = m.group(1).decode("ascii").lower()
        codec = _codec(label)
        if codec is None:
            warnings.append(f"{path}: the page declares an unknown charset {label!r}; read as UTF-8")
        elif codec != "utf-8":
            try:
                return data.decode(codec), warnings
            except UnicodeDecodeError as e:
                raise InputError(
                    path, f"not valid {label} (the charset the page declares) at byte {e.start}; pass --encoding"
                ) from None
    return guard.decode_text(data, path), warnings


def _codec(label: str) -> str | None:
    """Python codec for a declared charset label, with the browser rules that matter here."""
    if label in _AS_CP1252:
        return "cp1252"
    label = _SUPERSETS.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # A UTF-16/32 declaration in bytes we could scan as ASCII is wrong by construction (browsers
    # read it as UTF-8); real UTF-16 pages carry a BOM and were handled before.
    if name.startswith(("utf-16", "utf-32")) or name in ("utf-8", "utf_8"):
        return "utf-8"
    return name


# --------------------------------------------------------------------------------------------------
# Page furniture


def _drop_furniture(body: lxml.html.HtmlElement) -> None:
    """Remove navigation, scripts, banners and the like (their tail text is kept)."""
    doomed = [el for el in body.iter() if isinstance(el.tag, str) and el is not body and _is_furniture(el)]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    # id/class names are only a hint: a wrapper called "has-sidebar" or "page-nav-layout" may hold
    # the whole text. Such an element goes only if it holds no <main>/<article> and under half the text.
    total = len(body.text_content().strip()) or 1
    hinted = [el for el in body.iter() if isinstance(el.tag, str) and el is not body and _named_furniture(el)]
    for el in hinted:
        if (el.getparent() is not None and not el.xpath(".//main | .//article")
                and len(el.text_content().strip()) < total / 2):
            el.drop_tree()


def _is_furniture(el: lxml.html.HtmlElement) -> bool:
    """Furniture by what the markup says it is: tag, role, hidden."""
    tag = el.tag.lower()
    if tag in _DROP_TAGS:
        return True
    if tag in _PAGE_FURNITURE and not any(a.tag in _CONTENT_SCOPES for a in el.iterancestors()):
        return True
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").lower() == "true":
        return True
    return (el.get("role") or "").lower() in _DROP_ROLES


def _named_furniture(el: lxml.html.HtmlElement) -> bool:
    """Furniture by its id/class words ("site-nav", "cookieBar", "breadcrumbs")."""
    words: set[str] = set()
    for attr in ("id", "class"):
        value = el.get(attr)
        if value:
            words.update(w.lower() for w in _WORD_SPLIT.split(value) if w)
    return not words.isdisjoint(_FURNITURE_WORDS)


def _main_content(body: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The page's single ``<main>`` (or ``role=main``) when it has one with text, else the body."""
    mains = body.xpath(".//main | .//*[@role='main']")
    if len(mains) == 1 and mains[0].text_content().strip():
        return mains[0]
    return body


# --------------------------------------------------------------------------------------------------
# Footnotes

# A footnote mark as printed: "3", "(3)", "[3]", "iv", "a", "*", "†".
_MARK = re.compile(
    r"^[(\[]?\s*([0-9]{1,3}|[ivxlc]{1,6}|[a-z]|[*\u2020\u2021\u00a7\u00b6]{1,3})\s*[)\]]?$", re.IGNORECASE
)
_NOTE_CLASS = re.compile(r"sup|footnote|\bnote|\bfn", re.IGNORECASE)
_BACKLINKS = re.compile(r"[\s\u21a9\u21aa\u2191\u2934\u2b06^]+$")  # "↩", "↑" links back to the reference
_MAX_NOTE = 4000


class _Notes(NamedTuple):
    refs: dict[lxml.html.HtmlElement, tuple[str, str]]  # reference link -> (marker, note text)
    definitions: set[lxml.html.HtmlElement]  # elements holding a note's text, skipped where they stand


def _footnotes(root: lxml.html.HtmlElement) -> _Notes:
    """Pair superscript in-page links ("<sup><a href="#fn3">3</a></sup>") with the notes they point to.

    Conservative: the link must look like a footnote mark (short, superscript or note-classed),
    point forward in the page, and be the only reference into a block that is not a heading;
    anything less certain is left as ordinary text.
    """
    order: dict[lxml.html.HtmlElement, int] = {}  # (the dicts keep lxml's element proxies alive)
    anchors: dict[str, lxml.html.HtmlElement] = {}
    for i, el in enumerate(root.iter()):
        order[el] = i
        if isinstance(el.tag, str):
            for attr in ("id", "name"):
                if el.get(attr):
                    anchors.setdefault(el.get(attr), el)
    found: dict[lxml.html.HtmlElement, list[tuple[lxml.html.HtmlElement, str]]] = {}  # note block -> links
    for link in root.iter("a"):
        href = link.get("href") or ""
        target = anchors.get(href[1:]) if href.startswith("#") and len(href) > 1 else None
        if target is None or order[target] <= order[link]:
            continue  # not in-page, or a backlink from the note to its reference
        m = _MARK.match(" ".join(link.text_content().split()))
        if not m or not _looks_superscript(link):
            continue
        block = next((el for el in target.iterancestors() if el.tag in _BLOCK_TAGS), None)
        block = target if target.tag in _BLOCK_TAGS else block
        if block is None or block is root or block.tag in _HEADINGS or block.tag in ("body", "table", "tr"):
            continue
        found.setdefault(block, []).append((link, m.group(1)))
    refs: dict[lxml.html.HtmlElement, tuple[str, str]] = {}
    definitions: set[lxml.html.HtmlElement] = set()
    for block, links in found.items():
        if len({marker for _, marker in links}) != 1:
            continue  # several notes share one block (a single <p> of notes): cannot split it safely
        if any(h.tag in _HEADINGS for h in block.iter()) or any(link in block.iter() for link, _ in links):
            continue
        marker = links[0][1]
        text = " ".join(block.text_content().split())
        text = re.sub(rf"^[(\[]?\s*{re.escape(marker)}\s*[)\]]?\.?\s*", "", text)
        text = _BACKLINKS.sub("", text).strip()
        if not text or len(text) > _MAX_NOTE:
            continue
        definitions.add(block)
        for link, _ in links:
            refs[link] = (marker, text)
    return _Notes(refs, definitions)


def _looks_superscript(link: lxml.html.HtmlElement) -> bool:
    """The link is printed as a footnote mark: inside or around <sup>, or classed as a note/superscript."""
    if link.xpath("ancestor::sup or descendant::sup"):
        return True
    near = [link, *link.iterchildren(), link.getparent()]
    return any(el is not None and _NOTE_CLASS.search(el.get("class") or "") for el in near)


# --------------------------------------------------------------------------------------------------
# Blocks


def _blocks(root: lxml.html.HtmlElement, notes: _Notes) -> Iterator[Block]:
    """Text blocks in document order. Iterative (``iterwalk``), so deep nesting cannot exhaust the
    Python stack; each text node is read once, so a ``div`` holding ``p``s yields only its loose text.
    A footnote reference becomes ``[^marker]`` and the note's definition block follows the block that
    cites it (the note's own place, usually the page bottom, is skipped)."""
    buf: list[str] = []
    cited: list[tuple[str, str]] = []
    headings: list[int] = []  # open h1-h6 elements (a heading inside a heading is hostile but possible)
    pre = 0

    def flush() -> Iterator[Block]:
        text = "".join(buf)
        buf.clear()
        if pre:  # preformatted: keep the layout, drop blank lines around it
            text = text.strip("\n")
        else:  # collapsed already; only <br> breaks remain
            text = "\n".join(line.strip() for line in text.split("\n") if line.strip())
        if text.strip():
            yield Block(text=text, heading_level=headings[-1] if headings else None)
        for marker, note in cited:
            yield Block(text=f"[^{marker}]: {note}")
        cited.clear()

    def add(s: str | None) -> None:
        if s:
            buf.append(s if pre else _SPACE.sub(" ", s))

    walk = etree.iterwalk(root, events=("start", "end"))
    for event, el in walk:
        tag = el.tag.lower() if isinstance(el.tag, str) else None
        if event == "start" and el in notes.refs:
            marker, note = notes.refs[el]
            buf.append(f"[^{marker}]")
            cited.append((marker, note))
            walk.skip_subtree()
        elif event == "start" and el in notes.definitions:
            walk.skip_subtree()  # given after the citing block instead
        elif event == "start":
            if tag in _BLOCK_TAGS:
                yield from flush()
            if tag in _HEADINGS:
                headings.append(_HEADINGS[tag])
            elif tag == "pre":
                pre += 1
            elif tag == "br":
                buf.append("\n")
            if tag is not None:
                add(el.text)
        elif el in notes.refs or el in notes.definitions:
            if el is not root:
                add(el.tail)
        else:
            if tag in _BLOCK_TAGS:
                yield from flush()
            if tag in _HEADINGS:
                headings.pop()
            elif tag == "pre":
                pre -= 1
            if el is not root:
                add(el.tail)
    yield from flush()
