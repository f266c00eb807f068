"""Chapter alignment (``ftadraft.compare.align``) and ``ftadraft compare A B --chapter``."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import ftadraft
from conftest import RunCli
from ftadraft.compare.align import align_articles, chapter_provisions

_BENCH = Path(__file__).resolve().parents[2] / "bench" / "align_bench.py"


def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("align_bench", _BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tpp_korus_electronic_commerce(run: RunCli, tota_db: Path) -> None:
    r = run("compare", "tpp", "korus", "--chapter", "Electronic Commerce", "--json", db=tota_db)
    assert r.exit_code == 0, r.stderr
    pairs = {(p["a"], p["b"]) for p in json.loads(r.stdout)["alignment"]}
    assert {("14.1", "15.9"), ("14.4", "15.3"), ("14.6", "15.4"), ("14.7", "15.5"), ("14.9", "15.6"),
            ("14.10", "15.7"), ("14.11", "15.8")} <= pairs
    text = run("compare", "tpp", "korus", "--chapter", "14", "--chapter-b", "FIFTEEN", db=tota_db)
    assert text.exit_code == 0 and "14.9 Paperless Trading  ↔  15.6 Paperless Trading" in text.stdout
    assert "Only in A:" in text.stdout and "14.17 Source Code" in text.stdout
    # customs duties on electronic transmissions: TPP 14.3 and US-Australia 16.3 (numbered differently)
    r = run("compare", "tpp", "tota-37", "--chapter", "Electronic Commerce", "--json", db=tota_db)
    assert {"a": "14.3", "b": "16.3"} in [{"a": p["a"], "b": p["b"]} for p in json.loads(r.stdout)["alignment"]]


def test_alignment_quality_without_titles(tota_db: Path) -> None:
    bench = _bench()
    with ftadraft.open(tota_db, create=False) as c:
        assert len(bench.CHAPTER_PAIRS) >= 6
        ours = bench.evaluate(c, bench.ours)
        base = bench.evaluate(c, bench.baseline)
    print(f"\nalign F1 {ours['f1']:.3f} (P {ours['precision']:.3f} R {ours['recall']:.3f}, {ours['gold']} gold pairs);"
          f" baseline F1 {base['f1']:.3f} (P {base['precision']:.3f} R {base['recall']:.3f})")
    assert ours["gold"] >= 60
    assert ours["f1"] >= 0.92
    assert ours["f1"] >= base["f1"]


def test_identical_split_and_one_sided(tota_db: Path) -> None:
    with ftadraft.open(tota_db, create=False) as c:
        tpp = chapter_provisions(c.index.provisions("tota-449"), "Electronic Commerce")
    same = align_articles(tpp, list(reversed(tpp)))
    assert all(p.status == "identical" and p.a == p.b and p.similarity == 1.0 for p in same.pairs)
    assert len(same.pairs) == len(tpp) and not same.only_a and not same.only_b
    one = align_articles(tpp[:3], [])
    assert one.pairs == () and one.only_a == ("14.1", "14.2", "14.3")
    # 14.17 split into two articles in B: both halves attach to it
    src = tpp[16]
    half = len(src.normalized) // 2
    import dataclasses

    b = [dataclasses.replace(src, id="x/1", number="1", normalized=src.normalized[:half], title=None),
         dataclasses.replace(src, id="x/2", number="2", normalized=src.normalized[half:], title=None),
         dataclasses.replace(tpp[2], number="3")]
    split = align_articles([tpp[2], src], b)
    assert {(p.a, p.b) for p in split.pairs} == {("14.3", "3"), ("14.17", "1"), ("14.17", "2")}
    # and the other way round: two articles of A merged into one of B
    merged = align_articles(b, [tpp[2], src])
    assert {(p.a, p.b) for p in merged.pairs} == {("3", "14.3"), ("1", "14.17"), ("2", "14.17")}
    assert not merged.only_a and not merged.only_b


def test_json_shape(run: RunCli, tota_db: Path) -> None:
    r = run("compare", "tpp", "korus", "--chapter", "Customs", "--json", db=tota_db)
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data) == {"alignment", "only_a", "only_b"}
    assert data["alignment"] and all(set(p) == {"a", "b", "similarity", "status"} for p in data["alignment"])
    assert all(isinstance(p["a"], str) and 0 <= p["similarity"] <= 1 and p["status"] in {"identical", "changed"}
               for p in data["alignment"])
    assert all(isinstance(x, str) for x in data["only_a"] + data["only_b"])


def test_docx_of_aligned_chapters(run: RunCli, tota_db: Path, tmp_path: Path) -> None:
    from ftadraft.compare.redline import check_redline, read_redline

    out = tmp_path / "ch.docx"
    r = run("compare", "tpp", "korus", "--chapter", "Electronic Commerce", "--docx", str(out), db=tota_db)
    assert r.exit_code == 0, r.stderr
    assert check_redline(out) == []
    pairs = json.loads(run("compare", "tpp", "korus", "--chapter", "Electronic Commerce", "--json",
                           db=tota_db).stdout)["alignment"]
    assert len(read_redline(out, accept=True)) == len(pairs)


def test_missing_chapter_is_one_line_error(run: RunCli, tota_db: Path) -> None:
    r = run("compare", "tpp", "korus", "--chapter", "Space Tourism", db=tota_db)
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1 and "no such chapter" in r.stderr
    r = run("compare", "tpp", "korus", "--chapter", "Electronic Commerce", "--chapter-b", "99", db=tota_db)
    assert r.exit_code == 1 and "99: no such chapter" in r.stderr
