"""Canonical word sequences of clause texts, for finding the same language in other agreements.

Copies of a clause differ in ways that carry no drafting meaning, and precedent search must see
through them: other party names ("Korea" / "Peru"), renumbered cross-references ("Article 14.3" /
"Article 19.3", "paragraph 2(b)"), straight or curly quotes, OCR line breaks. The canonical
sequence therefore keeps only lower-cased words of two letters or more, drops numbers and list
labels, and replaces every capitalised word inside a sentence (names, defined terms, "Party")
with one placeholder. Each word becomes a stable 32-bit hash so sequences are compact arrays that
the index stores and compares without Python strings.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Sequence
from itertools import chain
from operator import itemgetter

import numpy as np
import numpy.typing as npt

#: Stands for any capitalised word inside a sentence: a name, a defined term, "Party".
NAME = "\x00"
#: Words per shingle in the candidate stage (short enough that one edit spoils few shingles).
SHINGLE = 3

# A capitalised word inside a sentence: after a word, a number or a comma and one space (normalised
# text has single spaces). After a full stop, colon, bracket or quote it starts a sentence or an item.
_INNER_CAPITAL = re.compile(r"(?<=[\w,] )[^\W\d_a-z][^\W\d_]*")
_INNER_CAPITAL_ASCII = re.compile(r"(?<=[A-Za-z0-9,] )[A-Z][A-Za-z]*")
# Words of two letters or more that are not list labels in roman numerals ("(iv)"), and the placeholder.
_NOT_ROMAN = r"\b(?!(?:x{0,2}(?:i{1,3}|iv|vi{0,3}|ix)|x{1,3})\b)"
_WORD = re.compile(_NOT_ROMAN + r"[^\W\d_]{2,}|\x00")
_WORD_ASCII = re.compile(_NOT_ROMAN + r"[a-z]{2,}|\x00")
_LITERAL = re.compile(r"\w+")
_HASH: dict[str, int] = {}


def canonical_words(text: str) -> list[str]:
    """The words of ``text`` that precedent matching compares (see the module docstring)."""
    if text.isascii():  # the common case, several times faster with ASCII classes
        return _WORD_ASCII.findall(_INNER_CAPITAL_ASCII.sub(NAME, text).lower())
    return _WORD.findall(_INNER_CAPITAL.sub(NAME, text).lower())


def stored_hashes(text: str, spans: Sequence[str] | None = None) -> bytes:
    """``to_bytes(hashes(text))``, computed chunk by chunk (``text.split(" ")``, or ``spans`` when the caller
    has split it already and no chunk is empty) with a per-process cache of chunks: texts repeat their
    chunks (ToTA's 43 million characters hold about 100,000 distinct ones).

    The same regular expressions as :func:`canonical_words`, and the same result: a capitalised word is
    replaced only at the start of a chunk, when the chunk before ends in a letter, digit or comma (its
    look-behind reaches across one space), and no later step looks across a space — a word, the word
    boundaries around it, a roman-numeral label and lower-casing (even Greek final sigma) all end
    there — so the canonical words of a text are those of its chunks, in order."""
    if spans is None:
        spans = text.split(" ")
    elif not spans:
        return b""
    table, after = (_CHUNKS_ASCII, _AFTER_ASCII) if text.isascii() else (_CHUNKS, _AFTER)
    # per chunk: 1 when the chunk before it ends in a character after which a capital is a name
    replaced = chain((0,), map(after.__getitem__, map(_LAST, spans)))
    return b"".join(map(tuple.__getitem__, map(table.__getitem__, spans), replaced))


class _ChunkHashes(dict[str, tuple[bytes, bytes]]):
    """chunk (no space) -> the stored hashes of its canonical words (as the first chunk of a text, and as a
    chunk whose start a capitalised word is replaced at); filled on first look-up, emptied when it grows past
    ``_MAX_CHUNKS`` (memory stays bounded)."""

    def __init__(self, capital: re.Pattern[str], words: re.Pattern[str]) -> None:
        super().__init__()
        self.capital, self.words = capital, words

    def __missing__(self, chunk: str) -> tuple[bytes, bytes]:
        if len(self) >= _MAX_CHUNKS:
            self.clear()
        value = self[chunk] = (self._pack(chunk), self._pack(self.capital.sub(NAME, "a " + chunk)[2:]))
        return value

    def _pack(self, chunk: str) -> bytes:
        found = [word_hash(w) for w in self.words.findall(chunk.lower())]
        return struct.pack(f"<{len(found)}I", *found)


class _After(dict[str, int]):
    """Last character of a chunk -> 1 when a capitalised word right after it (and one space) is a name."""

    def __init__(self, before: re.Pattern[str]) -> None:
        super().__init__()
        self.before = before

    def __missing__(self, char: str) -> int:
        value = self[char] = 1 if self.before.fullmatch(char) else 0
        return value


_MAX_CHUNKS = 1_000_000
_LAST = itemgetter(slice(-1, None))  # a chunk's last character ("" for an empty chunk)
_CHUNKS_ASCII = _ChunkHashes(_INNER_CAPITAL_ASCII, _WORD_ASCII)
_CHUNKS = _ChunkHashes(_INNER_CAPITAL, _WORD)
_AFTER_ASCII = _After(re.compile(r"[A-Za-z0-9,]"))
_AFTER = _After(re.compile(r"[\w,]"))


def word_hash(word: str) -> int:
    """Stable 32-bit hash of one canonical word (the same in every process and release)."""
    h = _HASH.get(word)
    if h is None:
        h = _HASH[word] = zlib.crc32(word.encode("utf-8"))
    return h


def hashes(text: str) -> npt.NDArray[np.uint32]:
    """The canonical word sequence of ``text`` as 32-bit word hashes, in order."""
    return _hash_words(canonical_words(text))


def literal_hashes(text: str) -> npt.NDArray[np.uint32]:
    """Every word as written (lower-cased), names and numbers included: for telling copies apart."""
    return _hash_words(_LITERAL.findall(text.lower()))


def _hash_words(words: list[str]) -> npt.NDArray[np.uint32]:
    try:  # words seen before: one C-level pass
        out = list(map(_HASH.__getitem__, words))
    except KeyError:
        out = [word_hash(w) for w in words]
    return np.array(out, dtype=np.uint32)


def to_bytes(seq: npt.NDArray[np.uint32]) -> bytes:
    """Storage form of a hash sequence (little-endian uint32)."""
    return seq.astype("<u4", copy=False).tobytes()


def from_bytes(blob: bytes | None) -> npt.NDArray[np.uint32]:
    return np.frombuffer(blob or b"", dtype="<u4").astype(np.uint32, copy=False)


def rolling(seq: npt.NDArray[np.uint32], k: int = SHINGLE) -> npt.NDArray[np.uint32]:
    """The k-word shingle starting at each position of a sequence, as 32-bit hashes (in order, repeats
    kept); a sequence shorter than k words is one shingle."""
    if len(seq) == 0:
        return np.zeros(0, dtype=np.uint32)
    s = seq.astype(np.uint64)
    if len(s) < k:
        h = np.zeros(1, dtype=np.uint64)
        for x in s:
            h = mix(h, x)
        return fold(h)
    n = len(s) - k + 1
    h = np.zeros(n, dtype=np.uint64)
    for i in range(k):
        h = mix(h, s[i : n + i])
    return fold(h)


def rolling_many(tokens: npt.NDArray[np.uint32], offsets: npt.NDArray[np.int64],
                 k: int = SHINGLE) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """:func:`rolling` over many sequences at once, concatenated in ``tokens`` with sequence i at
    ``tokens[offsets[i]:offsets[i + 1]]``: for each start position of the whole array, the shingle hash,
    the sequence it starts in, and whether it also ends there (shingles straddling two sequences are
    not shingles of either). Empty arrays when ``tokens`` is shorter than k."""
    m = len(tokens) - k + 1
    if m <= 0:
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    t = tokens.astype(np.uint64)
    h = np.zeros(m, dtype=np.uint64)
    for i in range(k):
        h = mix(h, t[i : m + i])
    owner = np.repeat(np.arange(len(offsets) - 1, dtype=np.int64), np.diff(offsets))
    return fold(h), owner[:m], owner[:m] == owner[k - 1 :]


def shingles(seq: npt.NDArray[np.uint32], k: int = SHINGLE) -> npt.NDArray[np.uint32]:
    """The distinct k-word shingles of a sequence (sorted hashes)."""
    return _distinct(rolling(seq, k))


def _distinct(values: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """``np.unique(values)`` of a 1-D array (sorted, each value once, same dtype), without ``np.unique``'s
    first-call import of ``numpy.ma`` (a one-shot ``precedents`` pays that on every run)."""
    ordered = np.sort(values)
    keep = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def coverage(a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32], k: int = SHINGLE) -> tuple[int, int]:
    """How many words of ``a`` and of ``b`` lie in a k-word run the two texts share.

    A word counts when some shingle through it occurs in the other text, so one changed word costs
    one word, not k, and scattered common words ("of the") never count unless k of them run together.
    """
    in_a, in_b = coverage_many(a, [b], k)
    return int(in_a[0]), int(in_b[0])


def coverage_many(query: npt.NDArray[np.uint32], seqs: Sequence[npt.NDArray[np.uint32]],
                  k: int = SHINGLE) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """:func:`coverage` of ``query`` against each sequence at once: (query words covered, sequence
    words covered), one entry per sequence. Sequences or a query shorter than k words cover nothing."""
    n = len(seqs)
    zeros = np.zeros(n, dtype=np.int64)
    if n == 0 or len(query) < k:
        return zeros, zeros.copy()
    qr = rolling(query, k)
    qset = _distinct(qr)
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    tokens = np.concatenate(seqs) if starts[-1] else np.zeros(0, dtype=np.uint32)
    total = len(tokens)
    m = total - k + 1
    if m <= 0:
        return zeros, zeros.copy()
    dh, owner, valid = rolling_many(tokens, starts, k)
    pos = np.minimum(np.searchsorted(qset, dh), len(qset) - 1)
    member = valid & (qset[pos] == dh)
    # words of each sequence covered: some member shingle starts at one of the k positions up to the word
    starts_at = np.zeros(total, dtype=np.int8)
    starts_at[:m] = member
    covered_doc = _window_any(starts_at, k)
    # (a trailing 0 keeps reduceat's indices in range when the last sequences are empty)
    in_doc = np.add.reduceat(np.append(covered_doc, False).astype(np.int64), starts[:-1]) * (lengths > 0)
    # words of the query covered, per sequence: which query shingles each sequence holds
    held = np.zeros((n, len(qset)), dtype=bool)
    held[owner[:m][member], pos[member]] = True
    shared = held[:, np.searchsorted(qset, qr)].astype(np.int8)  # (n, positions of the query)
    padded = np.zeros((n, len(query)), dtype=np.int8)
    padded[:, : len(qr)] = shared
    in_query = _window_any(padded, k).sum(axis=-1)
    return in_query.astype(np.int64), in_doc.astype(np.int64)


def _window_any(starts_at: npt.NDArray[np.int8], k: int) -> npt.NDArray[np.bool_]:
    """Along the last axis: is any of positions i-k+1..i set (a shingle starting there covers word i)."""
    c = np.cumsum(starts_at, axis=-1, dtype=np.int32)
    shifted = np.zeros_like(c)
    shifted[..., k:] = c[..., :-k]
    return (c - shifted) > 0  # type: ignore[no-any-return]


_P = np.uint64(0x9E3779B97F4A7C15)


def mix(h: np.uint64 | npt.NDArray[np.uint64], x: np.uint64 | npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """One step of an order-sensitive 64-bit rolling combination of word hashes."""
    with np.errstate(over="ignore"):
        return np.asarray((h ^ x) * _P + np.uint64(0x632BE59BD9B4E019), dtype=np.uint64)


def fold(h: np.uint64 | npt.NDArray[np.uint64]) -> npt.NDArray[np.uint32]:
    """64-bit shingle hash -> 32 bits (collisions only add rare false candidates, scored away later)."""
    return np.asarray((h >> np.uint64(32)) ^ (h & np.uint64(0xFFFFFFFF))).astype(np.uint32)
