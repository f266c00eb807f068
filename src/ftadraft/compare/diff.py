"""Word-level diff of two clause texts that reads like a drafter's redline.

The texts are cut losslessly into words, whitespace runs and punctuation, and compared with
rapidfuzz's LCS (``Indel``) opcodes: ``difflib`` degenerates on long texts (13k tokens: seconds, and a
wrong huge deletion). Multi-paragraph texts are aligned paragraph by paragraph first, so that common
words of unrelated paragraphs are never matched across paragraphs; short equal gaps between two
changes (whitespace, or a word or two amid larger rewrites) are folded into one change so the result
does not read as confetti. Joining the ``a`` sides of the ops gives A exactly, the ``b`` sides B.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, cast

from rapidfuzz.distance import Indel

from ..normalize import normalize_text

OpKind = Literal["equal", "insert", "delete", "replace"]

# Numbers with inner dots/commas stay one token ("14.3", "1,000.50"), so that a renumbered
# cross-reference or a changed amount is one replaced token; words keep inner hyphens/apostrophes.
# A list label ("(a)", "(iv)", "(12)") is one token, so relettering reads "(d)" → "(e)", never "(de)".
_TOKEN = re.compile(r"\((?:[a-z]{1,2}|[ivxl]{1,5}|[A-Z]|\d{1,3})\)|\d+(?:[.,]\d+)+|\w+(?:['\u2019-]\w+)*|\s+|[^\w\s]")
# A paragraph ends after a line break and any whitespace that follows it.
_PARA_END = re.compile(r"\n\s*")
_WORD = re.compile(r"\w+")

# Paragraph alignment: two paragraphs are paired (and diffed word by word) when at least this share
# of their words is common (LCS-based); otherwise one is shown deleted and the other inserted.
PAIR_THRESHOLD = 0.5
# Beyond this many candidate cells the paragraph alignment only looks near the diagonal.
_MAX_CELLS = 200_000
# Beyond this many token pairs (~50 MB of LCS bit matrix) one paragraph is diffed sentence by sentence.
_MAX_TOKEN_CELLS = 400_000_000
_SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+")


@dataclass(frozen=True)
class Op:
    """One piece of a diff: ``a`` is the text on the A side, ``b`` on the B side (equal: ``a == b``)."""

    kind: OpKind
    a: str
    b: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "a": self.a, "b": self.b}


def tokenize(text: str) -> list[str]:
    """Cut ``text`` into words, numbers, whitespace runs and single punctuation marks (lossless)."""
    return _TOKEN.findall(text)


def split_paragraphs(text: str) -> list[str]:
    """Cut ``text`` into paragraphs, each keeping the line break(s) that end it (lossless)."""
    out: list[str] = []
    start = 0
    for m in _PARA_END.finditer(text):
        out.append(text[start:m.end()])
        start = m.end()
    if start < len(text):
        out.append(text[start:])
    return out


def diff_texts(a: str, b: str) -> list[Op]:
    """Diff two texts: paragraphs aligned first, then words within each paired paragraph."""
    if a == b:
        return [Op("equal", a, a)] if a else []
    pa, pb = split_paragraphs(a), split_paragraphs(b)
    if len(pa) <= 1 or len(pb) <= 1:  # one side one paragraph (e.g. a pasted clause with its breaks lost):
        return diff_words(a, b)        # its words are diffed against the whole other text, breaks and all
    return _diff_units(pa, pb)


def diff_words(a: str, b: str) -> list[Op]:
    """Diff two texts word by word (no paragraph alignment): for one paragraph or clause.

    A text too long to diff in one piece (its token LCS matrix would take hundreds of MB) is cut
    into sentences, which are aligned like paragraphs.
    """
    if a == b:
        return [Op("equal", a, a)] if a else []
    if len(_TOKEN.findall(a)) * len(_TOKEN.findall(b)) > _MAX_TOKEN_CELLS:
        sa, sb = _split_sentences(a), _split_sentences(b)
        if len(sa) > 1 or len(sb) > 1:
            return _tidy(_diff_units(sa, sb))  # no line breaks here: sentences' changes may join
    return _tidy(_word_ops(a, b))


def _diff_units(pa: Sequence[str], pb: Sequence[str]) -> list[Op]:
    """Align two lists of paragraphs (or sentences), diff the paired ones word by word, and join."""
    out: list[Op] = []
    whole_before = False  # was the last op a whole paragraph deleted or inserted?
    for i, j in align_paragraphs(pa, pb):
        if i is not None and j is not None:
            unit, whole = diff_words(pa[i], pb[j]), False
        else:
            unit, whole = [Op("delete", pa[i], "") if i is not None else Op("insert", "", pb[j or 0])], True
        for op in unit:
            # Whole-paragraph changes join each other, and equal runs join; a paragraph-level change
            # stays apart from a word-level change beside it ("+[new paragraph]" then "-[2]+[3]").
            if out and ((op.kind == "equal" and out[-1].kind == "equal")
                        or (whole and whole_before and op.kind != "equal" and out[-1].kind != "equal")):
                last = out.pop()
                a2, b2 = last.a + op.a, last.b + op.b
                op = Op(op.kind if op.kind == "equal" else "replace" if a2 and b2 else "delete" if a2 else "insert",
                        a2, b2)
            out.append(op)
        whole_before = whole
    return out


def _split_sentences(text: str) -> list[str]:
    """Cut ``text`` after each sentence-ending mark and the spaces after it (lossless)."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        out.append(text[start:m.end()])
        start = m.end()
    if start < len(text):
        out.append(text[start:])
    return out


def align_paragraphs(a: Sequence[str], b: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """Align two lists of paragraphs in order: ``(i, j)`` pairs, ``(i, None)`` deleted, ``(None, j)`` inserted.

    Paragraphs equal after normalisation are matched first (LCS); between those anchors, paragraphs
    are paired to maximise total similarity (word-level LCS ratio >= ``PAIR_THRESHOLD``).
    """
    ka = [_key(p) for p in a]
    kb = [_key(p) for p in b]
    out: list[tuple[int | None, int | None]] = []
    i = j = 0  # start of the pending non-equal block (Indel reports deletions and insertions apart)
    for op in Indel.opcodes(ka, kb):
        if op.tag == "equal":
            out.extend(_pair_block(ka, kb, i, op.src_start, j, op.dest_start))
            out.extend(zip(range(op.src_start, op.src_end), range(op.dest_start, op.dest_end), strict=True))
            i, j = op.src_end, op.dest_end
    out.extend(_pair_block(ka, kb, i, len(ka), j, len(kb)))
    return out


def _key(paragraph: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORD.findall(normalize_text(paragraph)))


def _pair_block(ka: Sequence[tuple[str, ...]], kb: Sequence[tuple[str, ...]],
                i1: int, i2: int, j1: int, j2: int) -> list[tuple[int | None, int | None]]:
    """Monotone pairing of paragraphs a[i1:i2] with b[j1:j2] maximising the summed similarity gain.

    Dynamic programming over the block; a large block is searched in a band around its diagonal
    (paragraphs far out of order are then shown deleted and inserted, not paired).
    """
    m, n = i2 - i1, j2 - j1
    if m == 0 or n == 0:
        return [(i, None) for i in range(i1, i2)] + [(None, j) for j in range(j1, j2)]
    width = n if m * n <= _MAX_CELLS else max(n // (2 * m) + 2, _MAX_CELLS // (2 * m))
    lo = [max(0, (i * n) // m - width) for i in range(m + 1)]
    hi = [min(n, (i * n) // m + width) for i in range(m + 1)]
    lo[0], hi[m] = 0, n
    neg = float("-inf")
    # best[i][j - lo[i]]: best gain aligning the block's first i A paragraphs with its first j B ones;
    # move: 1 = A paragraph unpaired, 2 = B paragraph unpaired, 3 = paired.
    best: list[list[float]] = []
    move: list[bytearray] = []
    for i in range(m + 1):
        row = [neg] * (hi[i] - lo[i] + 1)
        mv = bytearray(len(row))
        prev = best[i - 1] if i else None
        for j in range(lo[i], hi[i] + 1):
            if i == 0 and j == 0:
                row[0] = 0.0
                continue
            value, step = neg, 0
            if prev is not None and lo[i - 1] <= j <= hi[i - 1] and prev[j - lo[i - 1]] > value:
                value, step = prev[j - lo[i - 1]], 1
            if j > lo[i] and row[j - 1 - lo[i]] > value:
                value, step = row[j - 1 - lo[i]], 2
            if prev is not None and j > 0 and lo[i - 1] <= j - 1 <= hi[i - 1]:
                x, y = ka[i1 + i - 1], kb[j1 + j - 1]
                if x and y:
                    sim = Indel.normalized_similarity(x, y, score_cutoff=PAIR_THRESHOLD)
                    gain = prev[j - 1 - lo[i - 1]] + sim - PAIR_THRESHOLD + 1e-6
                    if sim >= PAIR_THRESHOLD and gain > value:
                        value, step = gain, 3
            row[j - lo[i]], mv[j - lo[i]] = value, step
        best.append(row)
        move.append(mv)
    pairs: list[tuple[int | None, int | None]] = []
    i, j = m, n
    while i > 0 or j > 0:
        step = move[i][j - lo[i]]
        if step == 3:
            pairs.append((i1 + i - 1, j1 + j - 1))
            i, j = i - 1, j - 1
        elif step == 1:
            pairs.append((i1 + i - 1, None))
            i -= 1
        else:
            pairs.append((None, j1 + j - 1))
            j -= 1
    pairs.reverse()
    # Within a run of unpaired paragraphs show deletions before insertions (Word's own order).
    return _deletions_first(pairs)


def _deletions_first(pairs: list[tuple[int | None, int | None]]) -> list[tuple[int | None, int | None]]:
    out: list[tuple[int | None, int | None]] = []
    run: list[tuple[int | None, int | None]] = []
    for p in pairs:
        if p[0] is not None and p[1] is not None:
            out.extend(sorted(run, key=lambda q: q[0] is None))
            run = []
            out.append(p)
        else:
            run.append(p)
    out.extend(sorted(run, key=lambda q: q[0] is None))
    return out


def _word_ops(a: str, b: str) -> list[Op]:
    """Raw token-level ops (equal runs slid so that insertions start at a word, not a space)."""
    if a == b:
        return [Op("equal", a, a)] if a else []
    ta, tb = tokenize(a), tokenize(b)
    # Common head and tail are equal for sure: only the middle goes through the LCS.
    head = 0
    while head < len(ta) and head < len(tb) and ta[head] == tb[head]:
        head += 1
    tail = 0
    while tail < len(ta) - head and tail < len(tb) - head and ta[-1 - tail] == tb[-1 - tail]:
        tail += 1
    ma, mb = ta[head:len(ta) - tail], tb[head:len(tb) - tail]
    blocks = [_Block("equal", ta[:head], tb[:head])]
    for op in Indel.opcodes(ma, mb):
        blocks.append(_Block(op.tag, ma[op.src_start:op.src_end], mb[op.dest_start:op.dest_end]))
    blocks.append(_Block("equal", ta[len(ta) - tail:], tb[len(tb) - tail:]))
    blocks = [blk for blk in blocks if blk.a or blk.b]
    _slide(blocks)
    return [Op(cast(OpKind, blk.tag), "".join(blk.a), "".join(blk.b)) for blk in blocks if blk.a or blk.b]


@dataclass
class _Block:
    """A run of tokens while ops are being adjusted (mutable; becomes an :class:`Op`)."""

    tag: str
    a: list[str]
    b: list[str]


def _slide(blocks: list[_Block]) -> None:
    """Shift a pure insertion/deletion right past a leading space it shares with the next equal run.

    ``shall[ endeavour to] provide`` becomes ``shall [endeavour to ]provide``: same text, cleaner cut.
    """
    for k in range(1, len(blocks) - 1):
        blk, before, after = blocks[k], blocks[k - 1], blocks[k + 1]
        if blk.tag not in ("insert", "delete") or before.tag != "equal" or after.tag != "equal":
            continue
        moved = blk.a if blk.tag == "delete" else blk.b
        while moved and after.a and moved[0] == after.a[0] and moved[0].isspace():
            first = moved.pop(0)
            moved.append(after.a[0])
            after.a, after.b = after.a[1:], after.b[1:]
            before.a, before.b = before.a + [first], before.b + [first]


def _tidy(ops: Iterable[Op]) -> list[Op]:
    """Merge neighbouring changes and fold short equal gaps (no line break) between two changes."""
    merged = _merge(ops)
    while True:
        folded = _fold(merged)
        if len(folded) == len(merged):
            return folded
        merged = folded


def _merge(ops: Iterable[Op]) -> list[Op]:
    out: list[Op] = []
    for op in ops:
        if not op.a and not op.b:
            continue
        if out and (out[-1].kind == "equal") == (op.kind == "equal"):
            last = out.pop()
            a, b = last.a + op.a, last.b + op.b
            kind: OpKind = "equal" if op.kind == "equal" else ("replace" if a and b else "delete" if a else "insert")
            out.append(Op(kind, a, b))
        else:
            if op.kind != "equal":
                op = Op("replace" if op.a and op.b else "delete" if op.a else "insert", op.a, op.b)
            out.append(op)
    return out


def _fold(ops: list[Op]) -> list[Op]:
    """One pass: an equal gap between two changes becomes part of a single replacement when it is
    whitespace only, or no longer than the smaller of the two changes around it (and not over a
    line break)."""
    out: list[Op] = []
    k = 0
    while k < len(ops):
        op = ops[k]
        if (op.kind == "equal" and out and out[-1].kind != "equal" and k + 1 < len(ops)
                and "\n" not in op.a and _foldable(op.a, out[-1], ops[k + 1])):
            nxt = ops[k + 1]
            prev = out.pop()
            out.append(Op("replace", prev.a + op.a + nxt.a, prev.b + op.b + nxt.b))
            k += 2
            continue
        if out and out[-1].kind != "equal" and op.kind != "equal":
            prev = out.pop()
            out.append(Op("replace" if prev.a + op.a and prev.b + op.b else op.kind, prev.a + op.a, prev.b + op.b))
        else:
            out.append(op)
        k += 1
    return _merge(out)


def _foldable(gap: str, before: Op, after: Op) -> bool:
    if gap.isspace():
        return True
    if any("\n" in s for s in (before.a, before.b, after.a, after.b)):
        return False  # keep a paragraph-level change apart from the word-level change beside it
    size = min(max(len(before.a), len(before.b)), max(len(after.a), len(after.b)))
    return len(gap) <= size and len(_WORD.findall(gap)) <= 2


def side_a(ops: Iterable[Op]) -> str:
    """The A text rebuilt from ops."""
    return "".join(op.a for op in ops)


def side_b(ops: Iterable[Op]) -> str:
    """The B text rebuilt from ops."""
    return "".join(op.b for op in ops)
