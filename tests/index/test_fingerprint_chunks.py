"""The chunk-by-chunk fingerprint the index stores equals the whole-text definition (issue 17).

:func:`ftadraft.fingerprint.stored_hashes` caches per space-delimited chunk what
:func:`~ftadraft.fingerprint.canonical_words` computes over a whole text; precedent search compares the stored
sequences, so they must be the same bytes on real treaty text and at the edges of the rules (a capitalised
word after a comma, a digit or other punctuation, roman-numeral labels, non-ASCII case rules).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import ftadraft
from ftadraft import fingerprint

EDGE_TEXTS = (
    "", " ", "  ", "a", "A", "Korea", " Korea", "Korea ", "and Korea", "and  Korea", "and\tKorea", "and\nKorea",
    "14.3 Korea", "14 Korea", "x, Korea", "x; Korea", "x. Korea", "(a) Korea", "x_ Korea", "x_y Korea", "é Korea",
    "É Korea, Éire and Ölkä", "Article 14.3, paragraph 2(b) of the Party's Schedule", "(iv) the (xii) and (ix) lists",
    "iv vi ix xi civ mix vixen", "ΑΣ ΣΑΣ σ Σ. ΟΔΟΣ, Σ", "İstanbul and İ i̇", "non\xa0breaking Space", "“Party” ‘Party’",
    "the Parties’ Party's PARTY PaRty", "co-operation Party-to-Party / Party", "a\u2028Party b\u00a0Party", "ß Straße",
    "ﬁnal Ligature ﬁ", "Party1abc and 1Party", "word\x00Party", "\x00 Party", "a , Party", "a ,Party",
)


def _whole(text: str) -> bytes:
    return fingerprint.to_bytes(fingerprint.hashes(text))


@pytest.mark.parametrize("text", EDGE_TEXTS)
def test_chunks_give_the_whole_text_fingerprint(text: str) -> None:
    assert fingerprint.stored_hashes(text) == _whole(text)
    chunks = text.split(" ")
    if text and all(chunks):  # the analysis hands its chunks over when none is empty
        assert fingerprint.stored_hashes(text, chunks) == _whole(text)


def test_chunks_give_the_whole_text_fingerprint_on_treaties(tota_dir: Path) -> None:
    texts: dict[str, None] = {}
    for n in (3, 17, 49, 86, 88, 35, 124, 210, 337, 448):  # English, Spanish and French agreements
        for p in ftadraft.load_file(tota_dir / f"pta_{n}.xml").provisions:
            texts[p.normalized] = None
            texts[p.title or ""] = None
    assert any(not t.isascii() for t in texts) and len(texts) > 1000
    for text in texts:
        assert fingerprint.stored_hashes(text) == _whole(text), text[:120]


def test_the_chunk_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fingerprint, "_MAX_CHUNKS", 10)
    text = " ".join(f"word{i} Party{i}, and Name{i}" for i in range(50))
    assert fingerprint.stored_hashes(text) == _whole(text)
    assert len(fingerprint._CHUNKS_ASCII) <= 10
