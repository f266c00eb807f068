"""Read plain-text and Markdown agreement texts (often converted from PDF) into provisions.

The text is decoded strictly (see :func:`guard.decode_text`), split into paragraphs and headings, and
cleaned of conversion debris that is not part of the published text: page numbers (as lines or as
``### - 10 -`` headings), stray code fences, horizontal rules, HTML comments, running headers/footers,
Markdown emphasis and escapes. Paragraphs broken by that debris (a page break inside a sentence) are
rejoined. Footnotes (``[^3]: ...`` or the converter's ``(^3) ...``) become ``[^3]: ...`` blocks and
inline ``^3`` references become ``[^3]``; :func:`segment.segment` then attaches them to provisions.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from ..model import Extract
from .guard import decode_text
from .segment import Block, looks_like_heading, parse_heading, segment

_MD_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
_ATX = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_RULE = re.compile(r"^\s*(?:([-_*=])[ \t]*){3,}$")
_PAGE_NUMBER = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:[-–—]\s*)?(?:(?:page|p\.|página|pagina)\s+)?\d{1,4}(?:\s*(?:of|/|de|sur)\s*\d{1,4})?"
    r"(?:\s*[-–—])?\s*$",
    re.IGNORECASE,
)
_ROMAN_PAGE = re.compile(r"^\s*[ivxlc]{1,6}\s*$")
_FOOTDEF_MD = re.compile(r"^\s{0,3}\[\^([^\]\s]{1,12})\]:\s*(.*)$")
_FOOTDEF_CARET = re.compile(r"^\s{0,3}\(\^([^)\s]{1,12})\)\s*(.*)$")
_INLINE_REF = re.compile(r"(?<!\[)\^(\d{1,3}|[*†‡])(?![\d\]])")
_HTML_SUP = re.compile(r"<sup>\s*(\d{1,3})\s*</sup>", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?(?:br|p|div|span|sup|sub|em|strong|b|i|u|a)\b[^>]*>", re.IGNORECASE)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
# Spans are bounded so that hostile lines cannot make these patterns quadratic.
_LINK = re.compile(r"!\[[^\]\n]{0,300}\]\([^)\n]{0,500}\)|\[([^\]^\n][^\]\n]{0,300})\]\([^)\n]{0,500}\)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.{1,300}?)(?<=\S)\1")
_ITALIC = re.compile(r"(?<![\w*\\])([*_])(?=[^\s*_])(.{1,300}?)(?<=[^\s*_])\1(?![\w*])")
# paragraph starts: "1.", "(a)", "(iv)", "a)", "12.3 ", "(2)", bullets
_MARKER = re.compile(
    r"^\s*(?:\(?[a-z]{1,3}\)|\([ivxlc]{1,6}\)|\(\d{1,3}\)|\d{1,3}\.(?:\s|$)|\d{1,3}\s?\.\s?\d{1,3}(?:\.\d{1,3})*\.?\s"
    r"|[•▪◦●\-–*+]\s)"
)
# A paragraph start "10 .1" / "12. 4": the converter's split of a paragraph number "10.1".
_SPLIT_PARA_NUMBER = re.compile(r"^(\d{1,3})(?: \.|\. | \. )(\d{1,3})(?=\s)")
_TERMINAL = re.compile(r"[.;:!?)\]\"”’]$")
_REFERENCE_WORD = re.compile(r"\b(?:paragraphs?|subparagraphs?|Articles?|Annex(?:es)?|Chapters?|Sections?)$")
_HYPHEN_END = re.compile(r"([A-Za-z]+)-$")


def read(data: bytes, path: Path, *, encoding: str | None = None) -> Extract:
    """Read a plain-text or Markdown agreement: decode, clean conversion debris, segment into provisions."""
    text = decode_text(data, path, encoding)
    markdown = path.suffix.lower() in _MD_SUFFIXES or _looks_like_markdown(text)
    blocks = text_blocks(text, markdown=markdown)
    provisions, title, warnings = segment(blocks)
    return Extract(provisions=provisions, title=title, warnings=warnings)


def _strip_comments(text: str) -> str:
    """Remove HTML comments (linear time, unlike a regex on unclosed ``<!--``)."""
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("<!--", pos)
        if start < 0:
            break
        end = text.find("-->", start + 4)
        if end < 0:
            break
        out.append(text[pos:start])
        pos = end + 3
    out.append(text[pos:])
    return "".join(out)


def _looks_like_markdown(text: str) -> bool:
    return sum(1 for line in text.splitlines()[:2000] if _ATX.match(line)) >= 3


def text_blocks(text: str, *, markdown: bool) -> list[Block]:
    """Split decoded text into heading and paragraph blocks, without conversion debris."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    if markdown:
        text = _strip_comments(text)
    lines = _classify(text.split("\n"), markdown)
    _drop_running_lines(lines)
    vocab = _vocabulary(text)
    items = _paragraphs(lines, vocab)
    return _merge(items, vocab)


# --------------------------------------------------------------------------- line classification
def _classify(raw_lines: list[str], markdown: bool) -> list[tuple[str, str, int]]:
    """Label each line: (kind, text, heading level); kinds: text, blank, page, break, head, fn, fnx."""
    out: list[tuple[str, str, int]] = []
    in_fn = False
    for raw in raw_lines:
        pages = raw.count("\f")
        line = raw.replace("\f", "").rstrip()
        if pages:
            out.append(("page", "", 0))
        if not line.strip():
            out.append(("blank", "", 0))
            in_fn = False
            continue
        if _PAGE_NUMBER.match(line) or (_ROMAN_PAGE.match(line) and not markdown):
            out.append(("page", "", 0))
            in_fn = False
            continue
        if markdown and (_FENCE.match(line) or _RULE.match(line)):
            out.append(("break", "", 0))
            in_fn = False
            continue
        if not markdown and _RULE.match(line):
            out.append(("break", "", 0))
            continue
        if markdown:
            m = _ATX.match(line)
            if m:
                title = _inline(m.group(2), markdown)
                if not title.strip(" -–—") or _PAGE_NUMBER.match(title):
                    out.append(("page", "", 0))
                else:
                    out.append(("head", title, len(m.group(1))))
                in_fn = False
                continue
        m = _FOOTDEF_MD.match(line) or (_FOOTDEF_CARET.match(line) if markdown else None)
        if m:
            out.append(("fn", f"[^{m.group(1)}]: {_inline(m.group(2), markdown)}", 0))
            in_fn = True
            continue
        text = _inline(line, markdown)
        if in_fn:
            out.append(("fnx", text, 0))  # continuation of a footnote definition
            continue
        out.append(("text", text, 0))
    return out


def _inline(line: str, markdown: bool) -> str:
    """Undo inline conversion markup in one line; the words themselves are left as published."""
    t = line
    if markdown:
        t = _HTML_SUP.sub(r"[^\1]", t)
        t = _HTML_TAG.sub(" ", t)
        if "](" in t:
            t = _LINK.sub(lambda m: m.group(1) or "", t)
        if "**" in t or "__" in t:
            t = _BOLD.sub(r"\2", t)
        if "*" in t or "_" in t:
            t = _ITALIC.sub(r"\2", t)
        t = _ESCAPE.sub(r"\1", t)
        t = _INLINE_REF.sub(r"[^\1]", t)
    return t.replace("\t", " ").strip()


def _drop_running_lines(lines: list[tuple[str, str, int]]) -> None:
    """Blank out running headers/footers: short lines repeated next to page breaks on most pages."""
    boundaries = [i for i, (k, _, _) in enumerate(lines) if k == "page"]
    if len(boundaries) < 3:
        return
    boundaries = [-1] + boundaries + [len(lines)]  # the first page's header, the last page's footer
    near: set[int] = set()
    for b in boundaries:
        for step in (-1, 1):
            j, seen = b + step, 0
            while 0 <= j < len(lines) and seen < 2:
                if lines[j][0] in ("text", "head"):
                    near.add(j)
                    seen += 1
                elif lines[j][0] == "page":
                    break
                j += step
    def key(s: str) -> str:
        return re.sub(r"\d+", "#", " ".join(s.split()).lower())
    total = Counter(key(t) for k, t, _ in lines if k in ("text", "head"))
    close = Counter(key(lines[i][1]) for i in near)
    running = {
        k for k, n in close.items()
        if n >= 3 and n >= 0.8 * total[k] and len(k) <= 100 and n >= 0.3 * len(boundaries)
    }
    for i, (k, t, _lvl) in enumerate(lines):
        if k in ("text", "head") and key(t) in running and not looks_like_heading(t):
            lines[i] = ("break", "", 0)


def _vocabulary(text: str) -> set[str]:
    return set(re.findall(r"[a-z]{3,}", text.lower()))



def join_lines(lines: Iterable[str], vocab: set[str]) -> str:
    """Join wrapped lines into one paragraph (also used by the PDF reader), in linear time.

    A line-end hyphen before a lower-case letter is dropped only when the joined word occurs elsewhere
    in the document (``vocab``: its lower-case words); otherwise it is kept ("non-" + "originating" stays
    "non-originating").
    """
    parts: list[str] = []
    for line in lines:
        if parts:
            prev = parts[-1]
            m = _HYPHEN_END.search(prev[-80:])
            if m and line[:1].islower():
                word = re.match(r"[a-z]+", line)
                joined = (m.group(1) + (word.group(0) if word else "")).lower()
                if joined in vocab:
                    parts[-1] = prev[:-1]
            else:
                parts.append(" ")
        parts.append(line)
    return "".join(parts)


# --------------------------------------------------------------------------- paragraphs
def _paragraphs(lines: list[tuple[str, str, int]], vocab: set[str]) -> list[tuple[str, str, int]]:
    """Group lines into items: ("para", text, 0), ("head", text, level), ("fn", text, 0)."""
    items: list[tuple[str, str, int]] = []
    para: list[str] = []
    fn: list[str] = []
    after_heading = 0  # 2 right after a heading line, 1 after its (possible) title line

    def close() -> None:
        if para:
            items.append(("para", _fix_para_number(join_lines(para, vocab)), 0))
            para.clear()

    def close_fn() -> None:
        if fn:
            items.append(("fn", join_lines(fn, vocab), 0))
            fn.clear()

    for kind, text, level in lines:
        if kind == "fn":
            close_fn()
            fn.append(text)
            continue
        if kind == "fnx":
            fn.append(text)
            continue
        close_fn()
        if kind in ("blank", "page", "break"):
            close()
            items.append(("gap", "", 0))
            continue
        if kind == "head":
            close()
            items.append(("head", text, level))
            after_heading = 2
            continue
        is_head = looks_like_heading(text)
        starts_new = not para or bool(_MARKER.match(text)) or after_heading > 0
        if not starts_new and is_head:  # a wrapped cross-reference "...under\nArticle 5 of" stays in the paragraph
            starts_new = bool(_TERMINAL.search(para[-1])) or _upper(text)
        if starts_new:
            close()
        para.append(text)
        if starts_new and is_head:
            after_heading = 2
            close()
        elif after_heading == 2 and _short_title(text) and _number_only_heading(items):
            after_heading = 1
            close()
        else:
            after_heading = 0
    close_fn()
    close()
    return items


def _upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _short_title(text: str) -> bool:
    return len(text) <= 150 and not _TERMINAL.search(text)


def _number_only_heading(items: list[tuple[str, str, int]]) -> bool:
    for kind, text, _level in reversed(items):
        if kind == "gap":
            continue
        if kind not in ("para", "head"):
            return False
        h = parse_heading(text, strong=kind == "head")
        return h is not None and h.title is None
    return False


def _fix_para_number(text: str) -> str:
    return _SPLIT_PARA_NUMBER.sub(r"\1.\2", text)


def _merge(items: list[tuple[str, str, int]], vocab: set[str]) -> list[Block]:
    """Rejoin paragraphs split by page debris; emit footnote definitions after the paragraph they interrupt."""
    out: list[Block | list[str]] = []  # a list is a paragraph that may still continue
    deferred: list[Block] = []
    for kind, text, level in items:
        if kind == "gap":
            continue
        if kind == "fn":
            deferred.append(Block(text))
            continue
        last = out[-1] if out else None  # deferred footnotes are not in ``out`` yet
        if kind == "para" and isinstance(last, list) and _continues(last[-1], text):
            last.append(text)
            continue
        out.extend(deferred)
        deferred.clear()
        if kind == "head":
            out.append(Block(text, heading_level=level))
        else:
            out.append([text])
    out.extend(deferred)
    return [b if isinstance(b, Block) else Block(join_lines(b, vocab)) for b in out]


def _continues(prev: str, nxt: str) -> bool:
    if _TERMINAL.search(prev) or looks_like_heading(prev) or looks_like_heading(nxt):
        return False
    if nxt[:1].islower():
        return True
    return bool(_REFERENCE_WORD.search(prev)) and bool(re.match(r"\d", nxt))
