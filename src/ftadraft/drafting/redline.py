"""Round-to-round redlines: the consolidated text of one round against the next, as tracked changes.

Both rounds are laid out exactly as the proposal writer lays them out (:func:`~.docx_writer.lay_out`: title
block, table of contents, numbered articles with alternatives, parties, brackets, notes, footnotes, annex,
header and footer), and the differences between their paragraphs are written as Word revisions. So Accept
All gives the new round's document and Reject All the old round's, paragraph for paragraph and run for run.

Articles are paired by content (:func:`ftadraft.compare.align.align_articles` on their texts and titles,
then equal titles), not by position: a dropped article is one deleted article, an added one one inserted
article, renumbering alone changes only the numbers (which Word's list numbering and the TOC show), and an
article that moved is deleted at its old place and inserted at its new one, each with a comment saying
where it went. Inside a pair of articles, paragraphs are aligned and diffed word by word
(:mod:`ftadraft.compare.diff`); a change of formatting only (text that lost its brackets' shading) is a
formatting revision (``w:rPrChange``), a change of paragraph style or numbering a ``w:pPrChange``.

Inputs are draft specs or .docx files (a proposal sent, the text the other side returned: read with
:func:`ftadraft.load_file`, articles by their numbers). Output is reproducible: revision dates and zip
entries carry the new round's date, never the clock.
"""

from __future__ import annotations

import bisect
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

from ..compare.align import align_articles
from ..compare.diff import Op, align_paragraphs, diff_words
from ..compare.redline import _Writer, core_property, word_date
from ..errors import InputError
from ..model import Provision
from ..normalize import normalize_text
from .docx_writer import (
    PLAIN,
    AnnexRow,
    DocumentWriter,
    Fmt,
    Layout,
    Line,
    Piece,
    check_output_path,
    check_proposal,
    clean_text,
    lay_out,
    write_docx_bytes,
)
from .proposal import LIBRARY, Article, Note, PartyName, Proposal
from .spec import article_lines, build_proposal, load_spec, split_paragraphs

if TYPE_CHECKING:
    from ..corpus import Corpus
    from .clauses import ClauseLibrary

__all__ = ["Step", "docx_proposal", "load_round", "pair_articles", "render_redline", "write_redline"]


# --- pairing articles -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One article of the redline, in document order: ``same`` (old ``i`` is new ``j``, in place),
    ``deleted`` (old ``i``), ``inserted`` (new ``j``), ``moved-from`` (old ``i``, now new ``j``, shown
    deleted here) or ``moved-to`` (new ``j``, formerly old ``i``, shown inserted here)."""

    kind: str
    old: int | None
    new: int | None


def _provisions(p: Proposal, side: str) -> list[Provision]:
    """The articles of ``p`` as provisions for :func:`~ftadraft.compare.align.align_articles`: their
    consolidated text (alternatives with their parties) and titles."""
    out = []
    for k, a in enumerate(p.articles):
        text = "\n".join(article_lines(a, label=p.party_label))
        out.append(Provision(id=f"{side}{k}", agreement_id=side, order=k, number=str(k + 1),
                             title=clean_text(a.title), text=text, normalized=normalize_text(text)))
    return out


def pair_articles(old: Proposal, new: Proposal) -> list[Step]:
    """The articles of both rounds in redline order (see :class:`Step`), paired by content."""
    alignment = align_articles(_provisions(old, "a"), _provisions(new, "b"))
    candidates = sorted(((x.similarity, int(x.a) - 1, int(x.b) - 1) for x in alignment.pairs),
                        key=lambda c: (-c[0], c[1], c[2]))
    pairs: dict[int, int] = {}
    for _score, i, j in candidates:  # one-to-one: a split or merge keeps its best pair
        if i not in pairs and j not in pairs.values():
            pairs[i] = j
    titles: dict[str, int] = {}
    for j, a in enumerate(new.articles):
        if j not in pairs.values():
            titles.setdefault(clean_text(a.title).casefold(), j)
    for i, a in enumerate(old.articles):  # unmatched by content, same title: the article rewritten
        same = titles.get(clean_text(a.title).casefold())
        if i not in pairs and same is not None and same not in pairs.values():
            pairs[i] = same
    in_place = _longest_increasing(sorted((j, i) for i, j in pairs.items()))
    moved = {i: j for i, j in pairs.items() if (i, j) not in in_place}
    moved_back = {j: i for i, j in moved.items()}
    by_new = {j: i for i, j in in_place}
    pending = [i for i in range(len(old.articles)) if all(i != a for a, _b in in_place)]
    steps: list[Step] = []

    def flush(limit: float) -> None:
        while pending and pending[0] < limit:
            i = pending.pop(0)
            steps.append(Step("moved-from", i, moved[i]) if i in moved else Step("deleted", i, None))

    for j in range(len(new.articles)):
        if j in by_new:
            flush(by_new[j])
            steps.append(Step("same", by_new[j], j))
        else:
            flush(min((i for jj, i in by_new.items() if jj > j), default=float("inf")))
            steps.append(Step("moved-to", moved_back[j], j) if j in moved_back else Step("inserted", None, j))
    flush(float("inf"))
    return steps


def _longest_increasing(pairs: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
    """``(old, new)`` pairs on the longest run of ``pairs`` (sorted by new) whose old indices increase."""
    best: list[int] = []  # best[k]: index in pairs of the smallest tail of an increasing run of length k+1
    back = [-1] * len(pairs)
    tails: list[int] = []
    for n, (_j, i) in enumerate(pairs):
        k = bisect.bisect_left(tails, i)
        if k == len(tails):
            tails.append(i)
            best.append(n)
        else:
            tails[k] = i
            best[k] = n
        back[n] = best[k - 1] if k else -1
    out = set()
    n = best[-1] if best else -1
    while n >= 0:
        j, i = pairs[n]
        out.add((i, j))
        n = back[n]
    return out


# --- writing ----------------------------------------------------------------------------------------------

class _Cursor:
    """Reads formatted pieces a number of characters at a time."""

    def __init__(self, pieces: Sequence[Piece]) -> None:
        self.pieces = [p for p in pieces if p[0]]
        self.k = 0
        self.offset = 0

    def take(self, n: int) -> list[Piece]:
        out: list[Piece] = []
        while n > 0 and self.k < len(self.pieces):
            text, fmt = self.pieces[self.k]
            chunk = text[self.offset:self.offset + n]
            out.append((chunk, fmt))
            n -= len(chunk)
            self.offset += len(chunk)
            if self.offset >= len(text):
                self.k, self.offset = self.k + 1, 0
        return out


def _aligned(a: Sequence[Piece], b: Sequence[Piece]) -> Iterator[tuple[str, Fmt, Fmt]]:
    """The same text formatted two ways, cut where either formatting changes: (text, old fmt, new fmt)."""
    ca, cb = _Cursor(a), _Cursor(b)
    while ca.k < len(ca.pieces) and cb.k < len(cb.pieces):
        ta, fa = ca.pieces[ca.k]
        tb, fb = cb.pieces[cb.k]
        n = min(len(ta) - ca.offset, len(tb) - cb.offset)
        text = ca.take(n)[0][0]
        cb.take(n)
        yield text, fa, fb


def _ppr_key(line: Line) -> tuple[object, ...]:
    num = (line.num[0], tuple(sorted(line.num[1].starts.items()))) if line.num else None
    return (line.style, line.page_break, num)


@dataclass
class _Item:
    """A paragraph of the redline: in both rounds (``pair``: old ``a``, new ``b``) or of one round only
    (``del``: ``a``; ``ins``: ``b``), with comments to add; :func:`_plan` fills in its paragraph mark and the
    paragraph properties it carries in each view."""

    kind: str
    a: Line | None
    b: Line | None
    notes: tuple[Note, ...] = ()
    mark: str | None = None
    current: Line | None = None  # paragraph properties after Accept All
    old: Line | None = None      # ... after Reject All, where they may differ


def _plan(items: list[_Item]) -> list[_Item]:
    """Paragraph marks and properties such that Accept All and Reject All give each round's paragraphs with
    their own properties, whichever paragraph's properties a viewer keeps when it joins two paragraphs.

    A paragraph's properties live in its mark, and accepting the deletion of a paragraph mark joins two
    paragraphs: Word keeps the properties of the paragraph whose mark survives (the later one), LibreOffice
    those of the paragraph where the deleted text begins (the earlier one). So a run of deleted paragraphs
    D1..Dm and inserted paragraphs I1..In between common paragraphs X and Y is written as Word itself writes
    it: X's mark carries the run's first revision, Dm's mark the break before I1 (or, without insertions,
    the common break before Y), In's mark the common break. Dm takes X's properties (the accepted view joins
    X's text to Dm's mark) and In, in the rejected view, those of Dm (or of X): ``w:pPrChange``. The runs's
    deletions come before its insertions (each view shows only one kind, in order)."""
    for item in items:
        item.mark = None if item.kind == "pair" else item.kind
        item.current = item.b if item.kind != "del" else item.a
        item.old = item.a if item.kind == "pair" else None
    out: list[_Item] = []
    k = 0
    while k < len(items):
        if items[k].kind == "pair":
            out.append(items[k])
            k += 1
            continue
        end = k
        while end < len(items) and items[end].kind != "pair":
            end += 1
        dels = [i for i in items[k:end] if i.kind == "del"]
        inss = [i for i in items[k:end] if i.kind == "ins"]
        if out:
            x = out[-1]
            x.mark = "del" if dels else "ins"
            if dels:
                last = dels[-1]
                last.mark, last.current, last.old = ("ins" if inss else None), x.current, last.a
            if inss:
                last = inss[-1]
                last.mark, last.current, last.old = None, last.b, (dels[-1].a if dels else x.a)
        out += dels + inss
        k = end
    return out


class _RedlineWriter(DocumentWriter):
    """The proposal writer with tracked changes: revision ids, author and date come from one
    :class:`ftadraft.compare.redline._Writer` (one counter for the whole package)."""

    def __init__(self, new: Proposal, *, author: str, first_comment: int) -> None:
        super().__init__(new, update_fields=False, first_comment=first_comment, track_revisions=True)
        stamp = word_date(datetime.strptime(new.date, "%Y-%m-%d").replace(tzinfo=UTC))
        self.rev = _Writer(author, stamp, 1)

    def wrap(self, p: etree._Element, kind: str) -> etree._Element:
        w = self.rev.revision(kind)
        p.append(w)
        return w

    def mark(self, p: etree._Element, kind: str) -> None:
        """Flag the paragraph mark of ``p`` as inserted or deleted (first child of ``w:pPr/w:rPr``)."""
        ppr = p.find(qn("w:pPr"))
        if ppr is None:
            ppr = OxmlElement("w:pPr")
            p.insert(0, ppr)
        rpr = OxmlElement("w:rPr")
        change = ppr.find(qn("w:pPrChange"))
        if change is not None:
            change.addprevious(rpr)
        else:
            ppr.append(rpr)
        rpr.append(self.rev.revision(kind))

    def pieces(self, p: etree._Element, a: Sequence[Piece], b: Sequence[Piece]) -> None:
        """The runs of ``b`` with the changes from ``a`` tracked: words deleted and inserted, formatting
        changes as ``w:rPrChange`` holding the old run properties."""
        ta, tb = "".join(t for t, _f in a), "".join(t for t, _f in b)
        ops = [Op("equal", ta, tb)] if ta == tb else diff_words(ta, tb)
        ca, cb = _Cursor(a), _Cursor(b)
        for op in ops:
            if op.kind == "equal":
                for text, fa, fb in _aligned(ca.take(len(op.a)), cb.take(len(op.b))):
                    r = self.run(p, text, fb)
                    if fa != fb:
                        self.format_change(r, fa)
                continue
            if op.a:
                w = self.wrap(p, "del")
                for text, fmt in ca.take(len(op.a)):
                    self.run(w, text, fmt, deleted=True)
            if op.b:
                w = self.wrap(p, "ins")
                for text, fmt in cb.take(len(op.b)):
                    self.run(w, text, fmt)

    def format_change(self, r: etree._Element, old: Fmt) -> None:
        rpr = r.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            r.insert(0, rpr)
        change = self.rev.revision("rPrChange")
        change.append(self.rpr(old) if self.rpr(old) is not None else OxmlElement("w:rPr"))
        rpr.append(change)

    def emit(self, item: _Item, p: etree._Element | None = None) -> etree._Element:
        """One physical paragraph of the plan (see :func:`_plan`): in both rounds (``b``'s, with the changes
        from ``a`` tracked), or of one round only (all of it inserted or deleted); its mark as planned, its
        properties those of ``item.current``, with the old ones in a ``w:pPrChange`` where they differ."""
        current = item.current or item.b or item.a
        assert current is not None
        if p is None:
            p = self.paragraph(current)
        else:
            ppr = self.ppr(current)
            if ppr is not None:
                p.insert(0, ppr)
        if item.old is not None and _ppr_key(item.old) != _ppr_key(current):
            ppr = p.find(qn("w:pPr"))
            if ppr is None:
                ppr = OxmlElement("w:pPr")
                p.insert(0, ppr)
            change = self.rev.revision("pPrChange")
            old = self.ppr(item.old)
            change.append(old if old is not None else OxmlElement("w:pPr"))
            ppr.append(change)
        if item.mark:
            self.mark(p, item.mark)
        if item.kind == "pair":
            assert item.a is not None and item.b is not None
            self._pair_content(p, item.a, item.b)
        else:
            line = item.a if item.kind == "del" else item.b
            assert line is not None
            self._whole_content(p, line, item.kind)
        for note in item.notes:
            self.comment(p, note)
        return p

    def _pair_content(self, p: etree._Element, a: Line, b: Line) -> None:
        if b.field:
            self.field_start(p, b.field)
        marks = self.bookmark(p, b.bookmark) if b.bookmark else None
        if marks:
            p.append(marks[0])
        self.pieces(p, a.pieces, b.pieces)
        if marks:
            p.append(marks[1])
        if b.toc_target:
            self.run(p, "\t")
            self.field_start(p, f" PAGEREF {b.toc_target} \\h ")
            self.pieces(p, [(str(a.page), PLAIN)], [(str(b.page), PLAIN)])
            self.fld_char(p, "end")
        if b.field_end:
            self.fld_char(p, "end")
        if a.footnote and b.footnote:
            note = self.footnote(p)
            self.pieces(note, [(" " + a.footnote, PLAIN)], [(" " + b.footnote, PLAIN)])
        elif a.footnote or b.footnote:
            kind = "ins" if b.footnote else "del"
            self.run_footnote(self.wrap(p, kind), b.footnote or a.footnote or "", deleted=kind == "del")
        for note in b.notes:
            self.comment(p, note)

    def run_footnote(self, parent: etree._Element, citation: str, *, deleted: bool) -> None:
        note = self.footnote(parent)
        w = self.wrap(note, "del" if deleted else "ins")
        self.run(w, " " + citation, deleted=deleted)

    def _whole_content(self, p: etree._Element, line: Line, kind: str) -> None:
        deleted = kind == "del"
        if line.field:  # only the chapter's TOC entry starts the field, and both rounds have it
            raise AssertionError("a field start in a paragraph of one round only")
        marks = self.bookmark(p, line.bookmark) if line.bookmark else None
        if marks:
            p.append(marks[0])
        w = self.wrap(p, kind)
        for text, fmt in line.pieces:
            self.run(w, text, fmt, deleted=deleted)
        if marks:
            p.append(marks[1])
        if line.toc_target:
            self.toc_tail(w, line, deleted=deleted)
        if line.field_end:
            self.fld_char(p, "end")
        if line.footnote:
            self.run_footnote(w, line.footnote, deleted=deleted)
        if not deleted:
            for note in line.notes:
                self.comment(p, note)

    def row(self, table: object, a: AnnexRow | None, b: AnnexRow | None) -> None:
        """An annex row: in both rounds (cells diffed), or inserted/deleted as a whole row."""
        row = table.add_row()  # type: ignore[attr-defined]
        tr_pr = row._tr.get_or_add_trPr()
        etree.SubElement(tr_pr, qn("w:cantSplit"))
        label, cites = row.cells
        if a is not None and b is not None:
            self.pieces(label.paragraphs[0]._p, a.label, b.label)
            items = []
            for i, j in align_paragraphs(a.citations, b.citations):
                ca = Line(None, [(a.citations[i], PLAIN)]) if i is not None else None
                cb = Line(None, [(b.citations[j], PLAIN)]) if j is not None else None
                items.append(_Item("pair" if ca and cb else "del" if ca else "ins", ca, cb))
            for k, item in enumerate(_plan(items)):
                self.emit(item, (cites.paragraphs[0] if k == 0 else cites.add_paragraph())._p)
            return
        only = b or a
        assert only is not None
        kind = "ins" if b is not None else "del"
        tr_pr.append(self.rev.revision(kind))
        w = self.wrap(label.paragraphs[0]._p, kind)
        for text, fmt in only.label:
            self.run(w, text, fmt, deleted=kind == "del")
        for k, citation in enumerate(only.citations):
            para = (cites.paragraphs[0] if k == 0 else cites.add_paragraph())._p
            self.run(self.wrap(para, kind), citation, deleted=kind == "del")


def _moved(text: str) -> Note:
    """A comment by ftadraft on an article that moved."""
    return Note(LIBRARY, text)


def render_redline(old: Proposal, new: Proposal, *, author: str | None = None, footnotes: bool = True,
                   annex: bool = True, paper: str | None = None) -> bytes:
    """The .docx bytes of the redline from ``old`` to ``new`` (see the module docstring). ``author`` names
    the revisions (default: the new round's author party); ``footnotes``/``annex`` as for
    :func:`~.docx_writer.render_proposal`; ``paper`` overrides the new round's paper size."""
    if paper is not None and paper != new.paper:
        new = replace(new, paper=paper)  # type: ignore[arg-type]  # the model checks the value
    la = lay_out(old, footnotes=footnotes, annex=annex, bookmark_prefix="_TocOld")
    lb = lay_out(new, footnotes=footnotes, annex=annex)
    steps = pair_articles(old, new)
    footnote_count = sum(1 for line in (*la.lines(), *lb.lines()) if line.footnote)
    writer = _RedlineWriter(new, author=author or new.party_name(new.author), first_comment=footnote_count + 1)
    items = _front(la, lb) + _toc(la, lb, steps) + [_Item("pair", la.chapter, lb.chapter)]
    for step in steps:
        items += _article(la, lb, step, old, new)
    items += _annex_heading(la, lb)
    for item in _plan(items):
        writer.emit(item)
    _annex(writer, la, lb, steps)
    writer.pieces(writer.header_paragraph(), la.header, lb.header)
    writer.footer()
    writer.properties(kind="redline", subject=f"{old.round} → {new.round}")
    writer.doc.core_properties.title = core_property(clean_text(
        f"Redline {old.round} → {new.round}: {new.agreement} — Chapter {new.chapter_number}: {new.chapter_title}"))
    data = writer.save(new.date)
    problems = check_proposal(data)
    if problems:  # a bug here, never the input's fault
        raise RuntimeError("redline failed its own checks: " + "; ".join(problems[:5]))
    return data


def _one(a: Line | None, b: Line | None, notes: tuple[Note, ...] = ()) -> _Item:
    """The item for a paragraph in both rounds, or in one."""
    return _Item("pair" if a is not None and b is not None else "ins" if b is not None else "del", a, b, notes)


def _front(la: Layout, lb: Layout) -> list[_Item]:
    old, new = dict(la.front), dict(lb.front)
    keys = dict.fromkeys([k for k, _line in la.front] + [k for k, _line in lb.front])
    return [_one(old.get(key), new.get(key)) for key in keys]


def _toc(la: Layout, lb: Layout, steps: Sequence[Step]) -> list[_Item]:
    items = [_Item("pair", la.toc[0], lb.toc[0])]
    for step in steps:
        a = la.toc[1 + step.old] if step.old is not None and step.kind in ("same", "deleted", "moved-from") else None
        b = lb.toc[1 + step.new] if step.new is not None and step.kind in ("same", "inserted", "moved-to") else None
        items.append(_one(a, b))
    old_annex = la.toc[-1] if la.annex is not None else None
    new_annex = lb.toc[-1] if lb.annex is not None else None
    if old_annex or new_annex:
        items.append(_one(old_annex, new_annex))
    return items + [_Item("pair", la.toc_end, lb.toc_end)]


def _article(la: Layout, lb: Layout, step: Step, old: Proposal, new: Proposal) -> list[_Item]:
    if step.kind == "same":
        a, b = la.articles[step.old or 0], lb.articles[step.new or 0]
        items = [_Item("pair", a[0], b[0])]
        body_a, body_b = a[1:], b[1:]
        for i, j in align_paragraphs([x.text for x in body_a], [x.text for x in body_b]):
            items.append(_one(body_a[i] if i is not None else None, body_b[j] if j is not None else None))
        return items
    if step.kind in ("deleted", "moved-from"):
        lines = la.articles[step.old or 0]
        note = (_moved(f"Moved: now Article {new.chapter_number}.{(step.new or 0) + 1} "
                       f"({clean_text(new.articles[step.new or 0].title)}).")
                if step.kind == "moved-from" else None)
        return [_Item("del", line, None, (note,) if note and k == 0 else ()) for k, line in enumerate(lines)]
    lines = lb.articles[step.new or 0]
    note = (_moved(f"Moved: was Article {old.chapter_number}.{(step.old or 0) + 1} in {old.round}.")
            if step.kind == "moved-to" else None)
    return [_Item("ins", None, line, (note,) if note and k == 0 else ()) for k, line in enumerate(lines)]


def _annex_heading(la: Layout, lb: Layout) -> list[_Item]:
    if la.annex is None and lb.annex is None:
        return []
    return [_one(la.annex, lb.annex)]


def _annex(writer: _RedlineWriter, la: Layout, lb: Layout, steps: Sequence[Step]) -> None:
    if la.annex is None and lb.annex is None:
        return
    old_rows = {r.article: r for r in la.annex_rows}
    new_rows = {r.article: r for r in lb.annex_rows}
    table = writer.table(0)
    if la.annex is None or lb.annex is None:  # the header row is of one round only
        tr_pr = table.rows[0]._tr.get_or_add_trPr()
        tr_pr.append(writer.rev.revision("ins" if la.annex is None else "del"))
        for cell in table.rows[0].cells:
            p = cell.paragraphs[0]._p
            runs = [c for c in p if c.tag == qn("w:r")]
            w = writer.wrap(p, "ins" if la.annex is None else "del")
            for r in runs:
                w.append(r)
                if la.annex is not None:
                    for t in r.iter(qn("w:t")):
                        t.tag = qn("w:delText")
    for step in steps:
        a = old_rows.get(step.old) if step.kind in ("same", "deleted", "moved-from") and step.old is not None else None
        b = new_rows.get(step.new) if step.kind in ("same", "inserted", "moved-to") and step.new is not None else None
        if a is not None or b is not None:
            writer.row(table, a, b)


# --- reading rounds ---------------------------------------------------------------------------------------

def load_round(path: Path, library: ClauseLibrary, corpus: Corpus | None = None, *, internal: bool = False,
               precedents: bool = False, like: Proposal | None = None) -> Proposal:
    """A round to redline: a draft spec (built as :func:`~.spec.build_proposal` builds it) or a .docx (see
    :func:`docx_proposal`; ``like`` lends it the parties of the other round). Anything else raises
    :class:`~ftadraft.errors.InputError`: "expected a draft spec (.yaml) or a .docx"."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror or exc})") from None
    if head.startswith(b"PK\x03\x04"):
        return docx_proposal(path, like=like)
    text_like = b"\x00" not in head and path.suffix.lower() not in (".pdf", ".doc", ".odt", ".rtf", ".html", ".htm")
    if text_like:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            text_like = exc.start > len(head) - 4  # a character cut at the end of the first 4 KiB
    if not text_like:
        raise InputError(path, "expected a draft spec (.yaml) or a .docx")
    return build_proposal(load_spec(path), library, corpus, internal=internal, precedents=precedents)


def docx_proposal(path: Path, *, like: Proposal | None = None) -> Proposal:
    """A .docx read back as a proposal: its numbered articles (:func:`ftadraft.load_file`), each paragraph
    as written (brackets and party labels are text), footnotes as precedents. Round, date and author come
    from the document properties ftadraft writes (subject, creation date, last modified by), else from the
    file name and the document's zip entries; parties from ``like`` when given."""
    import docx as python_docx

    from ..ingest.load import load_file

    doc = load_file(path)
    articles = [p for p in doc.provisions if p.number]
    if not articles:
        raise InputError(path, "no numbered articles found (expected a proposal: Article 1.1, 1.2, ...)")
    try:
        props = python_docx.Document(str(path)).core_properties
        subject, created, by = props.subject or "", props.created, props.last_modified_by or ""
    except Exception:  # noqa: BLE001 - any reading problem: fall back to the file itself
        subject, created, by = "", None, ""
    day = created.date().isoformat() if created and created.year >= 1980 else _zip_date(path)
    first = articles[0].number or ""
    chapter = articles[0].chapter_number or first.split(".")[0]
    try:
        number = int(chapter) if chapter.isdigit() else int(first.split(".")[0])
    except ValueError:
        number = 1
    body = []
    for p in articles:
        text = _FOOTNOTE_MARK.sub("", p.text)
        try:
            paragraphs = tuple(split_paragraphs(text))
        except ValueError:  # unbalanced brackets: keep the words
            paragraphs = tuple(split_paragraphs(text.replace("[", "").replace("]", "")))
        body.append(Article(p.title or f"Article {p.number}", paragraphs, (),
                            tuple(" ".join(f.text.split()) for f in p.footnotes if f.text.strip())))
    if like is not None:
        parties, author = like.parties, like.author
    else:
        code = by.upper() if by and by.isalpha() and 2 <= len(by) <= 3 else "XX"
        parties, author = (PartyName(code, by or "Unknown party"),), code
    return Proposal(agreement=doc.agreement.name or path.stem, parties=parties, chapter_number=max(1, min(number, 999)),
                    chapter_title=articles[0].chapter_title or "Chapter", round=subject.split(" → ")[-1] or path.stem,
                    date=day, author=author, articles=tuple(body))


_FOOTNOTE_MARK = re.compile(r"\[\^[^\]\s]{1,8}\]")


def _zip_date(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        stamp = z.getinfo("word/document.xml").date_time if "word/document.xml" in z.namelist() else (1980, 1, 1)
    return f"{max(stamp[0], 1980):04d}-{stamp[1]:02d}-{stamp[2]:02d}"


def write_redline(old: Proposal, new: Proposal, out: Path, *, force: bool = False, author: str | None = None,
                  footnotes: bool = True, annex: bool = True, paper: str | None = None) -> None:
    """Write the redline from ``old`` to ``new`` at ``out`` (atomically; an existing file only with
    ``force``)."""
    out = check_output_path(out, force)
    write_docx_bytes(out, render_redline(old, new, author=author, footnotes=footnotes, annex=annex, paper=paper))

