"""Indexing fast gives what indexing plainly gives (issue 17), on 35 real ToTA agreements.

The fast path tokenises each distinct space-delimited span once and analyses texts from those spans,
and ``corpus add`` streams batches through worker processes into one transaction. The reference is the
plain path: spaCy tokenises each whole text (with all its lexical attributes), the lookup table is
spaCy's own ``Table``, sentences follow the rule token by token, and tags come from ``tag_all`` over
what the index stores (the ``corpus retag`` path). The stored analyses are also pinned per agreement
to hashes made with the code before the fast path.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import ftadraft
from ftadraft import corpus as corpus_module
from ftadraft import fingerprint
from ftadraft.errors import IndexFileError
from ftadraft.index import analysis
from ftadraft.index.store import DocumentWriter
from ftadraft.tags.tagging import tag_all

#: English agreements spread over the corpus, two Spanish and the two French ones.
FILES = (3, 17, 34, 50, 64, 79, 95, 109, 124, 139, 153, 168, 182, 196, 210, 224, 238, 252, 266, 280, 294, 308,
         323, 337, 353, 367, 384, 398, 416, 431, 448, 86, 88, 49, 35)

#: Per agreement: sha256 (first 16 hex digits) of every provision's id, lemmas, title and chapter lemmas,
#: sentences and fingerprint as stored, made with the code before issue 17 (commit 4a2c803). Regenerate
#: only when the analysis is meant to change.
DIGESTS = {
    "tota-109": "66920b670d99ad19", "tota-124": "f54f924b90cf027e", "tota-139": "48c9c1eb7a354208",
    "tota-153": "67856a537c56b72f", "tota-168": "ad7a74f57f174ea8", "tota-17": "86ff9a06c1ac4fd3",
    "tota-182": "3e9142ef7ae17b8b", "tota-196": "2b73ef28cf74123f", "tota-210": "d23c5a5d6f15bd8e",
    "tota-224": "c5bbcfe66068a6a0", "tota-238": "be1fd629051ec769", "tota-252": "9a3fc8eb20359a3b",
    "tota-266": "17ef02e1ae6b59cd", "tota-280": "aa2e572bd8c36fd2", "tota-294": "c03539eded1005fa",
    "tota-3": "738ca743fb91ac43", "tota-308": "ac6dedd1f4e06f01", "tota-323": "418d2fd42fbfde3f",
    "tota-337": "342871596dcf8faa", "tota-34": "6d7afcaea7c5bc4d", "tota-35": "403d41d81a5def0e",
    "tota-353": "b056631c12235386", "tota-367": "2788fa9bf3483c94", "tota-384": "d9d331521e91e6d6",
    "tota-398": "d89ff27d63671ac8", "tota-416": "365c638cd7b37b60", "tota-431": "e527a5c6677bfd2f",
    "tota-448": "d328f0d85cfd4db5", "tota-49": "f65d112dc0863c2b", "tota-50": "af04619c21131ec9",
    "tota-64": "c349a363f3be64f0", "tota-79": "5f2c1931301bfe71", "tota-86": "c3954a38b26cdee0",
    "tota-88": "849e75e87c690a06", "tota-95": "9a255bae0d9df59b",
}

#: Texts the span path must leave to spaCy or get right at its edges.
EDGE_TEXTS = (
    "", " ", ".", "...", "a", "Article 5.", "(a) goods; (b) services.", "See Art. 3, e.g. U.S. law. Next one!",
    "Two  spaces", " leading space", "trailing space ", "line\nbreak. And\ttab", "non\xa0breaking. Space",
    "Is it? Yes! No.", "“Quoted.” Then (this). And [that.] next", "end.)Start here. 14.3 stays", "?!?",
    "The Parties' customs. It's the Party's data", "un-hyphenated / slashed—dashed. Ok", "\n\nParagraph\n",
)


class _Reference:
    """The plain path for one language: spaCy tokenises each whole text."""

    def __init__(self, lang: str) -> None:
        from spacy.lang.lex_attrs import LEX_ATTRS
        from spacy.lookups import load_lookups
        from spacy.vocab import Vocab

        self.tokenizer = analysis._treaty_tokenizer(Vocab(lex_attr_getters=dict(LEX_ATTRS)), lang)
        self.table = (load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup")
                      if lang in analysis.LEMMA_LANGUAGES else None)
        self.overrides = analysis.LEMMA_OVERRIDES.get(lang, {})

    def lemma(self, lower: str) -> str:
        if lower in self.overrides:
            return self.overrides[lower]
        found = self.table.get(lower, lower) if self.table is not None else lower
        if isinstance(found, list):
            found = found[0] if found else lower
        return str(found).lower()

    def __call__(self, text: str, vocabulary: dict[str, str]) -> analysis.Analysis:
        doc = self.tokenizer(text)
        words = [t for t in doc if not t.is_space and not t.is_punct]
        vocabulary.update((t.lower_, self.lemma(t.lower_)) for t in doc)
        starts: list[int] = []
        if text:
            ended = True
            for t in doc:
                if t.text in (".", "!", "?"):
                    ended = True
                elif not (t.is_space or t.is_punct):
                    if ended:
                        starts.append(t.idx)
                    ended = False
            starts = starts or [0]
        ends = starts[1:] + [len(text)]
        sentences = tuple((s, s + len(text[s:e].rstrip())) for s, e in zip(starts, ends, strict=False)
                          if text[s:e].strip())
        return analysis.Analysis(" ".join(self.lemma(t.lower_) for t in words), sentences,
                                 fingerprint.to_bytes(fingerprint.hashes(text)))


@pytest.fixture(scope="module")
def reference() -> Callable[[str], _Reference]:
    made: dict[str, _Reference] = {}

    def get(lang: str) -> _Reference:
        if lang not in made:
            made[lang] = _Reference(lang)
        return made[lang]

    return get


@pytest.fixture(scope="module")
def folder(tota_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tota35")
    for n in FILES:
        (out / f"pta_{n}.xml").symlink_to(tota_dir / f"pta_{n}.xml")
    return out


@pytest.fixture(scope="module")
def streamed(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The 35 agreements added the fast way: two workers, batches of 300,000 characters (a dozen batches)."""
    db = tmp_path_factory.mktemp("streamed") / "i.sqlite"
    mp = pytest.MonkeyPatch()
    mp.setenv("FTADRAFT_WORKERS", "2")
    mp.setattr(corpus_module, "_BATCH_CHARS", 300_000)
    try:
        with ftadraft.open(db) as c:
            report = c.add([folder])
        assert len(report.added) == len(FILES) and not report.failed
    finally:
        mp.undo()
    yield db


def _texts(folder: Path) -> list[tuple[str, str]]:
    out: dict[tuple[str, str], None] = {}
    for f in sorted(folder.iterdir()):
        doc = ftadraft.load_file(f)
        lang = doc.agreement.language or "en"
        for p in doc.provisions:
            for text in (p.normalized, p.title or "", p.chapter_title or ""):
                out[(lang, text)] = None
    return list(out)


def test_span_analysis_equals_spacy_on_whole_texts(folder: Path, reference: Callable[[str], _Reference]) -> None:
    items = _texts(folder) + [(lang, t) for lang in ("en", "es") for t in EDGE_TEXTS]
    assert {lang for lang, _ in items} == {"en", "es", "fr"}
    vocabulary: dict[tuple[str, str], str] = {}
    fast = analysis.analyze_mixed(items, workers=1, vocabulary=vocabulary)
    expected: dict[tuple[str, str], str] = {}
    for (lang, text), got in zip(items, fast, strict=True):
        forms: dict[str, str] = {}
        assert got == reference(lang)(text, forms), (lang, text[:120])
        expected.update(((lang, f), lemma) for f, lemma in forms.items())
    assert vocabulary == expected
    text = "Customs duties on electronic transmissions."
    assert analysis.lemmatize(text) == "customs duty on electronic transmission"


def test_streamed_add_stores_what_the_plain_path_computes(streamed: Path,
                                                          reference: Callable[[str], _Reference]) -> None:
    con = sqlite3.connect(streamed)
    rows = con.execute("SELECT p.id, coalesce(a.language, 'en'), p.normalized, p.title, p.chapter_title, p.lemmas, "
                       "p.title_lemmas, p.chapter_lemmas, p.sentences, p.fingerprint "
                       "FROM provisions p JOIN agreements a ON a.id = p.agreement_id ORDER BY p.rowid").fetchall()
    assert len(rows) > 2500
    vocabulary: dict[tuple[str, str], str] = {}
    for pid, lang, text, title, chapter, lemmas, title_lemmas, chapter_lemmas, sentences, fp in rows:
        forms: dict[str, str] = {}
        want = reference(lang)(text, forms)
        assert (lemmas, json.loads(sentences), fp) == (want.lemmas, [list(s) for s in want.sentences],
                                                       want.fingerprint), pid
        assert title_lemmas == (reference(lang)(title, forms).lemmas if title else ""), pid
        assert chapter_lemmas == (reference(lang)(chapter, forms).lemmas if chapter else ""), pid
        vocabulary.update(((lang, f), lemma) for f, lemma in forms.items())
    stored = {(lang, form): lemma for lang, form, lemma in con.execute("SELECT lang, form, lemma FROM vocabulary")}
    assert stored == vocabulary
    con.execute("INSERT INTO provisions_fts(provisions_fts, rank) VALUES ('integrity-check', 1)")


def test_streamed_add_stores_the_tags_retag_computes(streamed: Path) -> None:
    with ftadraft.open(streamed, create=False, readonly=True) as c:
        inputs = c.index.tag_inputs()
        tags = tag_all([i for _, i in inputs], workers=1)
        obligation = dict(c.index.conn.execute("SELECT id, obligation FROM provisions").fetchall())
        topics: dict[str, set[tuple[str, float]]] = {}
        for pid, topic, score in c.index.conn.execute(
                "SELECT p.id, t.topic, t.score FROM provision_topics t "
                "JOIN provisions p ON p.rowid = t.provision_rowid"):
            topics.setdefault(pid, set()).add((topic, score))
    assert sum(bool(t.topics) for t in tags) > 100 and {t.obligation for t in tags} >= {"binding", "soft"}
    for (pid, _), t in zip(inputs, tags, strict=True):
        assert (obligation[pid], topics.get(pid, set())) == (t.obligation, set(t.topics)), pid


def test_stored_analyses_are_those_before_issue_17(streamed: Path) -> None:
    con = sqlite3.connect(streamed)
    got = {}
    for (aid,) in con.execute("SELECT id FROM agreements"):
        h = hashlib.sha256()
        for pid, lemmas, title_lemmas, chapter_lemmas, sentences, fp in con.execute(
                "SELECT id, lemmas, title_lemmas, chapter_lemmas, sentences, fingerprint FROM provisions "
                "WHERE agreement_id = ? ORDER BY id", (aid,)):
            h.update(json.dumps([pid, lemmas, title_lemmas, chapter_lemmas, json.loads(sentences),
                                 (fp or b"").hex()]).encode() + b"\n")
        got[aid] = h.hexdigest()[:16]
    assert got == DIGESTS


def test_a_streamed_add_that_fails_midway_writes_nothing(folder: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "i.sqlite"
    with ftadraft.open(db) as c:
        c.add([folder / "pta_50.xml"])
        before = c.stats()
    monkeypatch.setenv("FTADRAFT_WORKERS", "2")
    monkeypatch.setattr(corpus_module, "_BATCH_CHARS", 300_000)
    real = DocumentWriter.write
    calls = {"n": 0}

    def fail_third(self: DocumentWriter, *args: object, **kwargs: object) -> list[str]:
        calls["n"] += 1
        if calls["n"] == 3:  # batches 1 and 2 are written into the open transaction
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(DocumentWriter, "write", fail_third)
    with ftadraft.open(db) as c:
        with pytest.raises(KeyboardInterrupt):
            c.add([folder])
        after = c.stats()
        fts = c.index.conn.execute("SELECT count(*) FROM provisions_fts").fetchone()[0]
    assert calls["n"] == 3
    assert {k: after[k] for k in ("agreements", "provisions", "chapters")} == \
           {k: before[k] for k in ("agreements", "provisions", "chapters")}
    assert fts == before["provisions"]


def test_a_disk_full_midway_is_one_line_and_writes_nothing(folder: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FTADRAFT_WORKERS", "2")
    monkeypatch.setattr(corpus_module, "_BATCH_CHARS", 300_000)
    real = DocumentWriter.write
    calls = {"n": 0}

    def full_second(self: DocumentWriter, *args: object, **kwargs: object) -> list[str]:
        calls["n"] += 1
        if calls["n"] == 2:
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(DocumentWriter, "write", full_second)
    db = tmp_path / "i.sqlite"
    with ftadraft.open(db) as c:
        with pytest.raises(IndexFileError, match="disk full") as err:
            c.add([folder])
        assert str(err.value).startswith(str(db)) and "\n" not in str(err.value)
        assert c.stats()["provisions"] == 0
