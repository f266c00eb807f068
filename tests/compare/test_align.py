"""Chapter alignment (``ftadraft.compare.align``) and ``ftadraft compare A B --chapter``."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import ftadraft
from conftest import RunCli
from ftadraft.compare.align import align_articles, chapter_provisions

_BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, _BENCH_DIR / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _bench():  # type: ignore[no-untyped-def]
    return _load("align_bench")


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
    data = json.loads(run("compare", "tpp", "korus", "--chapter", "Electronic Commerce", "--json", db=tota_db).stdout)
    # every article of B once (A's one-sided articles are tracked deletions: gone when accepted)
    assert len(read_redline(out, accept=True)) == len({p["b"] for p in data["alignment"]}) + len(data["only_b"])


def test_missing_chapter_is_one_line_error(run: RunCli, tota_db: Path) -> None:
    r = run("compare", "tpp", "korus", "--chapter", "Space Tourism", db=tota_db)
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1 and "no such chapter" in r.stderr
    r = run("compare", "tpp", "korus", "--chapter", "Electronic Commerce", "--chapter-b", "99", db=tota_db)
    assert r.exit_code == 1 and "99: no such chapter" in r.stderr


def test_alignment_across_template_families(tota_db: Path) -> None:
    """The dev pairs of bench/align_pairs.toml (titles removed): chapters of different template families.
    The held-out pairs are not looked at here."""
    bench = _load("align_families")
    with ftadraft.open(tota_db, create=False) as c:
        pairs = [p for p in bench.load_pairs(c) if p.split == "dev"]
    assert len(pairs) >= 20 and len({p.group for p in pairs}) >= 10
    ours, base = bench.Counts(), bench.Counts()
    matrices = {}
    for p in pairs:
        a, b = bench.strip_titles(p.a), bench.strip_titles(p.b)
        matrices[p.id] = bench.baseline_matrix(a, b)
        ours += bench.score(bench.ours(a, b), p.gold)
    threshold = bench.tune_threshold(pairs, matrices)
    for p in pairs:
        base += bench.score(bench.baseline_pairs(bench.strip_titles(p.a), bench.strip_titles(p.b),
                                                 matrices[p.id], threshold), p.gold)
    print(f"\nacross families (dev): {ours.text()}; baseline {base.text()}")
    assert ours.gold >= 150
    assert ours.f1 >= 0.92 and ours.p >= 0.92 and ours.r >= 0.9
    assert ours.f1 >= base.f1 + 0.08


def test_no_over_eager_splits(tota_db: Path) -> None:
    """An article is attached to a second article of the other side only where its content divides: across
    the dev pairs no article gets more than three partners, and few get two."""
    bench = _load("align_families")
    with ftadraft.open(tota_db, create=False) as c:
        pairs = [p for p in bench.load_pairs(c) if p.split == "dev"]
    extra = 0
    for p in pairs:
        found = align_articles(bench.strip_titles(p.a), bench.strip_titles(p.b)).pairs
        per_a, per_b = Counter(x.a for x in found), Counter(x.b for x in found)
        assert max(per_a.values(), default=0) <= 3 and max(per_b.values(), default=0) <= 3, p.id
        extra += sum(v - 1 for v in per_a.values()) + sum(v - 1 for v in per_b.values())
    assert extra <= 8


def test_unrelated_article_is_not_attached(tota_db: Path) -> None:
    """A chapter against itself plus an unrelated article: the stranger stays on one side."""
    with ftadraft.open(tota_db, create=False) as c:
        customs = chapter_provisions(c.index.provisions("tota-447"), "5")
        stranger = chapter_provisions(c.index.provisions("tota-449"), "Intellectual Property")[75]
    assert stranger.number == "18.76"  # special requirements related to border measures: customs words
    b = [dataclasses.replace(p, title=None) for p in customs] + [dataclasses.replace(stranger, title=None)]
    out = align_articles(customs, b)
    assert all(x.a == x.b for x in out.pairs) and len(out.pairs) == len(customs)
    assert out.only_b == (stranger.number,)


def test_a_moved_article_is_named_as_moved_in_the_chapter_redline() -> None:
    """A moved article is deleted at its old place and inserted at its new one; the headings say it moved
    (and where to), not that it is on one side only."""
    from ftadraft.compare.align import AlignedPair, Alignment, redline_items
    from ftadraft.model import Provision

    def art(n: str, title: str, text: str) -> Provision:
        return Provision(id=f"x/{n}", agreement_id="x", order=int(n.split(".")[1]), number=n, title=title, text=text,
                         normalized=text)

    a = [art("1.1", "Definitions", "terms"), art("1.2", "Scope", "scope"), art("1.3", "Duties", "duties")]
    b = [art("2.1", "Scope", "scope"), art("2.2", "Duties", "duties"), art("2.3", "Definitions", "terms")]
    alignment = Alignment((AlignedPair("1.1", "2.3", 1.0, "identical", 0, 2),
                           AlignedPair("1.2", "2.1", 1.0, "identical", 1, 0),
                           AlignedPair("1.3", "2.2", 1.0, "identical", 2, 1)), (), ())
    headings = [h for h, _, _ in redline_items(alignment, a, b)]
    assert any(h.startswith("1.1 Definitions (moved: B has it as 2.3; deleted here)") for h in headings)
    assert any(h.startswith("2.3 Definitions (moved: A has it as 1.1; inserted here)") for h in headings)
    assert not any("only in" in h for h in headings)
