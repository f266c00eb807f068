"""The SQLite index and the Corpus API: full ToTA, idempotent and atomic adds, references."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

import ftadraft
from ftadraft.errors import FtadraftError, IndexFileError, ReferenceNotFound
from ftadraft.index.store import SCHEMA_VERSION, number_key
from ftadraft.model import Provision


def test_full_tota_counts(tota: ftadraft.Corpus) -> None:
    s = tota.stats()
    assert s["agreements"] == 450
    assert s["provisions"] == 40_993
    assert s["by_language"] == {"en": 424, "es": 24, "fr": 2}
    assert s["schema_version"] == SCHEMA_VERSION


def test_show_article_by_reference_and_alias(tota: ftadraft.Corpus) -> None:
    p = tota.provision("tota-449:14.3")
    assert p.title == "Customs Duties"
    assert p.source["dataset"] == "tota" and p.source["treaty"] == "449"
    assert tota.provision("tpp:14.3") == p
    assert tota.provision("TPP:Article 14.3") == p
    assert tota.provision(p.id) == p  # the stable id works as a reference too
    assert p.lemmas and "electronic transmission" in p.lemmas


def test_lemmas_sentences_and_fts_are_filled(tota: ftadraft.Corpus) -> None:
    p = tota.provision("tota-449:14.3")
    assert p.lemmas and "no party shall impose customs duty on electronic transmission" in p.lemmas
    spans = tota.index.sentence_spans(p.id)
    assert len(spans) >= 2 and all(0 <= s < e <= len(p.normalized) for s, e in spans)
    assert spans == tuple(sorted(spans)) and tota.index.sentence_spans("no/such") == ()
    assert tota.index.fulltext_rows() == tota.stats()["provisions"]  # every provision is in the full-text index
    titled = [h for h in tota.search("express shipments", limit=30) if "xpress" in (h.provision.title or "")]
    assert len(titled) >= 10  # found through the full-text index by their titles


def test_unknown_and_ambiguous_references_suggest(tota: ftadraft.Corpus) -> None:
    with pytest.raises(ReferenceNotFound) as err:
        tota.provision("tota-449:14.99")
    assert "14.3" in str(err.value) or "14.9" in str(err.value)
    with pytest.raises(ReferenceNotFound) as err:
        tota.agreement("tota-4490")
    assert "did you mean" in str(err.value)
    with pytest.raises(ReferenceNotFound) as err:
        tota.agreement("trans pacific partnership")
    assert "tota-449" in str(err.value)
    # tota-166 numbers articles 9 twice (a main text and an annex): the bare number is ambiguous
    dup = _numbered_twice(tota, "tota-166")
    assert dup, "tota-166 should carry a number twice"
    with pytest.raises(ReferenceNotFound) as err:
        tota.provision(f"tota-166:{dup[0][0].number}")
    assert "ambiguous" in str(err.value)


def _numbered_twice(c: ftadraft.Corpus, agreement_id: str) -> list[list[Provision]]:
    """The provisions of an agreement that share a number (as references compare numbers), by number."""
    by_key: dict[str, list[Provision]] = {}
    for p in c.index.provisions(agreement_id):
        key = number_key(p.number)
        if key is not None:
            by_key.setdefault(key, []).append(p)
    return [group for group in by_key.values() if len(group) > 1]


def test_per_chapter_numbering_resolves_with_chapter(tota: ftadraft.Corpus) -> None:
    """tota-327 numbers articles per chapter (1, 2, ... in each): chapter.number names one of them."""
    groups = [[p for p in g if (p.chapter_number or "").isdigit() and (p.number or "").isdigit()]
              for g in _numbered_twice(tota, "tota-327")]
    same = next(g for g in groups if len({p.chapter_number for p in g}) > 1)
    for p in same:
        found = tota.provision(f"tota-327:{p.chapter_number}.{p.number}")
        assert found.id == p.id


def _copy(tota_dir: Path, tmp: Path, *names: str) -> Path:
    folder = tmp / "src"
    folder.mkdir(exist_ok=True)
    for n in names:
        shutil.copy(tota_dir / n, folder / n)
    return folder


def test_add_is_idempotent_and_replaces_changed_files(tota_dir: Path, tmp_path: Path) -> None:
    folder = _copy(tota_dir, tmp_path, "pta_1.xml", "pta_2.xml")
    with ftadraft.open(tmp_path / "i.sqlite") as c:
        first = c.add([folder])
        assert sorted(first.added) == ["tota-1", "tota-2"] and first.ok
        before = c.stats()["provisions"]
        again = c.add([folder])
        assert again.added == () and len(again.unchanged) == 2 and again.provisions == 0
        # a changed file replaces its agreement's provisions (ids stay stable)
        f = folder / "pta_2.xml"
        f.write_bytes(f.read_bytes().replace(b"</body>", b'<chapter chapter_identifier="99999">'
                                             b'<article number="ARTICLE 999" name="Added" article_identifier="999999">'
                                             b"The Parties shall meet.</article></chapter></body>"))
        changed = c.add([folder])
        assert changed.replaced == ("tota-2",) and len(changed.unchanged) == 1
        assert c.stats()["provisions"] == before + 1
        assert c.provision("tota-2:999").title == "Added"
        assert c.index.fulltext_rows() == before + 1  # no stale full-text rows after the replacement


def test_failed_write_leaves_index_exactly_as_before(tota_dir: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copy(tota_dir, tmp_path, "pta_1.xml")
    db = tmp_path / "i.sqlite"
    with ftadraft.open(db) as c:
        c.add([folder])
        before = c.stats()
        more = _copy(tota_dir, tmp_path, "pta_3.xml", "pta_4.xml")
        from ftadraft.index.store import Index

        real = Index._insert_document
        calls = {"n": 0}

        def explode(*args, **kwargs):  # fail on the second document, mid-transaction
            calls["n"] += 1
            if calls["n"] == 2:
                raise KeyboardInterrupt
            return real(*args, **kwargs)

        monkeypatch.setattr(Index, "_insert_document", staticmethod(explode))
        with pytest.raises(KeyboardInterrupt):
            c.add([more])
        monkeypatch.undo()
        after = c.stats()
        assert {k: after[k] for k in ("agreements", "provisions", "chapters")} == \
               {k: before[k] for k in ("agreements", "provisions", "chapters")}
        assert c.index.fulltext_rows() == before["provisions"]


def test_remove(tota_dir: Path, tmp_path: Path) -> None:
    folder = _copy(tota_dir, tmp_path, "pta_1.xml", "pta_159.xml")
    with ftadraft.open(tmp_path / "i.sqlite") as c:
        c.add([folder])
        assert c.remove(["korus"]) == ["tota-159"]
        assert [a.id for a in c.agreements()] == ["tota-1"]
        n = c.stats()["provisions"]
        assert c.index.fulltext_rows() == n
        with pytest.raises(ReferenceNotFound):
            c.remove(["korus"])


def test_foreign_and_newer_databases_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(IndexFileError, match="not an ftadraft index"):
        ftadraft.open(other)
    text = tmp_path / "notes.sqlite"
    text.write_text("hello, not a database at all")
    with pytest.raises(IndexFileError, match="not an SQLite database"):
        ftadraft.open(text)
    newer = tmp_path / "newer.sqlite"
    ftadraft.open(newer).close()
    con = sqlite3.connect(newer)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    with pytest.raises(IndexFileError, match="newer"):
        ftadraft.open(newer)
    with pytest.raises(IndexFileError, match="no index here yet"):
        ftadraft.open(tmp_path / "missing.sqlite", create=False)


def test_one_name_for_many_files_is_refused(tmp_path: Path) -> None:
    with ftadraft.open(tmp_path / "i.sqlite") as c, pytest.raises(FtadraftError, match="one agreement"):
        c.add([tmp_path / "a.md", tmp_path / "b.md"], meta=ftadraft.build_meta(name="X"))
