"""A reader of our own for Word files with tracked changes: what a document shows after Accept All or
Reject All, paragraph by paragraph, with each run's text and formatting.

Written apart from the writers (from the WordprocessingML rules in ``shared/notes/docx.md``), so that tests
can compare a redline's accepted view with the new round's own document and its rejected view with the
old round's: the trusted reference for "Accept All gives B, Reject All gives A".
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


Fmt = tuple[bool, str | None, str | None]  # bold, shading fill, character style


@dataclass(frozen=True)
class ViewPara:
    """A paragraph as shown: style, explicit numbering (ilvl, start overrides of its w:num) and runs."""

    style: str
    numbering: tuple[int, tuple[tuple[int, int], ...]] | None
    runs: tuple[tuple[str, Fmt], ...]

    @property
    def text(self) -> str:
        return "".join(t for t, _f in self.runs)


@dataclass(frozen=True)
class View:
    body: tuple[ViewPara, ...]
    tables: tuple[tuple[tuple[str, ...], ...], ...]  # rows of cell texts
    header: str
    footnotes: tuple[str, ...]  # the text of each footnote referenced in the view, in order

    def texts(self) -> list[str]:
        return [p.text for p in self.body]


def _parts(source: Path | bytes) -> dict[str, bytes]:
    raw = io.BytesIO(source) if isinstance(source, bytes) else source
    with zipfile.ZipFile(raw) as z:
        return {n: z.read(n) for n in z.namelist()}


def _fmt(rpr: etree._Element | None) -> Fmt:
    if rpr is None:
        return (False, None, None)
    shd = rpr.find("w:shd", NS)
    style = rpr.find("w:rStyle", NS)
    return (rpr.find("w:b", NS) is not None, shd.get(w("fill")) if shd is not None else None,
            style.get(w("val")) if style is not None else None)


class _Reader:
    def __init__(self, parts: dict[str, bytes], accept: bool) -> None:
        self.accept = accept
        self.gone = {w("del"), w("moveFrom")} if accept else {w("ins"), w("moveTo")}
        self.nums: dict[str, tuple[tuple[int, int], ...]] = {}
        if "word/numbering.xml" in parts:
            numbering = etree.fromstring(parts["word/numbering.xml"])
            for n in numbering.iterfind("w:num", NS):
                self.nums[n.get(w("numId"))] = tuple(sorted(
                    (int(o.get(w("ilvl"))), int(o.find("w:startOverride", NS).get(w("val"))))
                    for o in n.iterfind("w:lvlOverride", NS)))
        self.footnotes: dict[str, etree._Element] = {}
        if "word/footnotes.xml" in parts:
            for f in etree.fromstring(parts["word/footnotes.xml"]).iterfind("w:footnote", NS):
                self.footnotes[f.get(w("id"))] = f
        self.referenced: list[str] = []

    def runs(self, el: etree._Element) -> list[tuple[str, Fmt]]:
        out: list[tuple[str, Fmt]] = []
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in self.gone or tag in (w("pPr"), w("rPr")):
                continue
            if tag == w("r"):
                rpr = child.find("w:rPr", NS)
                if not self.accept and rpr is not None and rpr.find("w:rPrChange", NS) is not None:
                    rpr = rpr.find("w:rPrChange/w:rPr", NS)
                fmt = _fmt(rpr)
                text = ""
                for piece in child:
                    if piece.tag in (w("t"), w("delText")):
                        text += piece.text or ""
                    elif piece.tag == w("tab"):
                        text += "\t"
                    elif piece.tag == w("footnoteReference"):
                        text += "^"
                        self.referenced.append(piece.get(w("id")))
                if text:
                    out.append((text, fmt))
            else:
                out += self.runs(child)
        return out

    def paragraph_props(self, p: etree._Element) -> tuple[str, tuple[int, tuple[tuple[int, int], ...]] | None]:
        ppr = p.find("w:pPr", NS)
        if ppr is not None and not self.accept and ppr.find("w:pPrChange", NS) is not None:
            ppr = ppr.find("w:pPrChange/w:pPr", NS)
        if ppr is None:
            return "Normal", None
        style = ppr.find("w:pStyle", NS)
        num = ppr.find("w:numPr", NS)
        numbering = None
        if num is not None:
            numbering = (int(num.find("w:ilvl", NS).get(w("val"))), self.nums[num.find("w:numId", NS).get(w("val"))])
        return (style.get(w("val")) if style is not None else "Normal"), numbering

    def mark_gone(self, p: etree._Element) -> bool:
        mark = p.find("w:pPr/w:rPr", NS)
        return mark is not None and any(c.tag in self.gone for c in mark)

    def paragraphs(self, container: etree._Element) -> list[ViewPara]:
        out: list[ViewPara] = []
        pending: list[tuple[str, Fmt]] = []
        for p in container.iterfind("w:p", NS):
            pending += self.runs(p)
            if self.mark_gone(p):
                continue  # joined to the next paragraph, which keeps its own properties
            style, numbering = self.paragraph_props(p)
            out.append(ViewPara(style, numbering, _merge(pending)))
            pending = []
        if pending:
            out.append(ViewPara("Normal", None, _merge(pending)))
        return out


def _merge(runs: list[tuple[str, Fmt]]) -> tuple[tuple[str, Fmt], ...]:
    out: list[tuple[str, Fmt]] = []
    for text, fmt in runs:
        if out and out[-1][1] == fmt:
            out[-1] = (out[-1][0] + text, fmt)
        elif text:
            out.append((text, fmt))
    return tuple(out)


def read_view(source: Path | bytes, *, accept: bool = True) -> View:
    """What ``source`` shows with every change accepted (``accept``) or rejected; a document without
    revisions reads the same either way."""
    parts = _parts(source)
    reader = _Reader(parts, accept)
    body = etree.fromstring(parts["word/document.xml"]).find("w:body", NS)
    paras = reader.paragraphs(body)
    tables = []
    for table in body.iterfind("w:tbl", NS):
        rows = []
        for tr in table.iterfind("w:tr", NS):
            mark = tr.find("w:trPr", NS)
            if mark is not None and any(c.tag in reader.gone for c in mark):
                continue
            rows.append(tuple("\n".join(p.text for p in reader.paragraphs(tc)) for tc in tr.iterfind("w:tc", NS)))
        tables.append(tuple(rows))
    header = ""
    for name in sorted(parts):
        if name.startswith("word/header"):
            header += "".join(p.text for p in reader.paragraphs(etree.fromstring(parts[name])))
    notes = tuple(" ".join("".join(t for t, _f in reader.runs(reader.footnotes[i].find("w:p", NS))).split())
                  for i in reader.referenced if i in reader.footnotes)
    return View(tuple(paras), tuple(tables), header, notes)


def comments(source: Path | bytes) -> list[tuple[str, str]]:
    """(author, text) of each comment."""
    parts = _parts(source)
    if "word/comments.xml" not in parts:
        return []
    root = etree.fromstring(parts["word/comments.xml"])
    return [(c.get(w("author")), "".join(c.itertext())) for c in root.iterfind("w:comment", NS)]


def revisions(source: Path | bytes) -> dict[str, list[str]]:
    """The text inside each kind of revision of the main document: ``{"ins": [...], "del": [...]}``."""
    root = etree.fromstring(_parts(source)["word/document.xml"])
    out: dict[str, list[str]] = {"ins": [], "del": []}
    for kind in ("ins", "del"):
        for el in root.iter(w(kind)):
            if el.getparent().tag in (w("rPr"), w("trPr")):
                continue
            out[kind].append("".join(t.text or "" if t.tag != w("tab") else "\t"
                                     for t in el.iter(w("t"), w("delText"), w("tab"))))
    return out
