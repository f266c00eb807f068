"""ftadraft.research.views and ``ftadraft stats`` over the full ToTA index."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import ftadraft
from ftadraft.errors import FtadraftError, ReferenceNotFound
from ftadraft.research import views as research
from ftadraft.tags import topics

ROOT = Path(__file__).resolve().parents[2]
ECOMMERCE = topics.ids("e-commerce")


@pytest.fixture(scope="module")
def corpus(tota_db: Path):  # type: ignore[no-untyped-def]
    with ftadraft.open(tota_db, create=False) as c:
        yield c


@pytest.fixture(scope="module")
def full(corpus) -> research.Coverage:  # type: ignore[no-untyped-def]
    return research.coverage(corpus)


def counted(corpus) -> list:  # type: ignore[no-untyped-def]
    """The agreements research views count: one per group of language versions."""
    canon = research.version_groups(corpus.agreements())
    return [a for a in corpus.agreements() if canon[a.id] == a.id]


# -- coverage ------------------------------------------------------------------------------------------
def test_ecommerce_coverage_since_2000_has_the_right_shape(corpus) -> None:  # type: ignore[no-untyped-def]
    cov = research.coverage(corpus, area="e-commerce", since=2000)
    signed = sum(a.year is not None and a.year >= 2000 for a in counted(corpus))
    assert cov.topics == tuple(ECOMMERCE) and len(cov.agreements) == signed > 100 and cov.note is None
    assert all(a.year is not None and a.year >= 2000 for a in cov.agreements)
    df = cov.to_frame()
    assert df.shape == (signed, 3 + len(ECOMMERCE))
    assert list(df.columns[:3]) == ["id", "name", "year"]
    assert set(df[ECOMMERCE].to_numpy().ravel()) <= set(research.CELL_LEVELS)
    rows = cov.to_rows()
    assert len(rows) == signed * len(ECOMMERCE)
    # a cell's provisions really carry the topic, and the label is the strongest of their obligations
    binding = next(r for r in rows if r["obligation"] == "binding")
    obligations = [corpus.provision(pid).obligation for pid in binding["provisions"]]
    assert "binding" in obligations
    assert all(r["provisions"] == [] for r in rows if r["obligation"] == "absent")
    assert any(r["obligation"] != "absent" for r in rows if r["topic"] == "e-commerce/data-flows")


def test_levels_are_the_strongest_obligation(full: research.Coverage, corpus) -> None:  # type: ignore[no-untyped-def]
    rank = {"binding": 4, "mixed": 3, "soft": 2, "none": 1, None: 1}
    for cell in full.cells[:300]:
        obs = [corpus.provision(p).obligation for p in cell.provision_ids]
        assert all(cell.topic in corpus.provision(p).topics for p in cell.provision_ids)
        best = max(obs, key=lambda o: rank[o])
        assert cell.level == (best if best in ("binding", "mixed", "soft") else "present")


def test_title_cross_check(full: research.Coverage, corpus) -> None:  # type: ignore[no-untyped-def]
    """Where an article title names a topic, the agreement's cell for the topic is not absent."""
    total = agree = 0
    for pid, analysed in corpus.index.tag_inputs():
        if not analysed.title_lemmas:
            continue
        aid = pid.partition("/")[0]  # provision ids are AGREEMENT/KEY
        for t in topics.title_topics(analysed.title_lemmas, analysed.chapter_lemmas):
            total += 1
            agree += full.cell(aid, t).level != "absent"
    rate = agree / total
    print(f"title cross-check: {agree}/{total} = {rate:.1%}")
    assert total > 500 and rate >= 0.95


def test_coverage_filters(corpus) -> None:  # type: ignore[no-untyped-def]
    cov = research.coverage(corpus, topics=["e-commerce/spam", "clearance/transit"], parties=["nzl"])
    assert cov.topics == ("e-commerce/spam", "clearance/transit")
    assert cov.agreements and all("NZL" in a.parties for a in cov.agreements)
    empty = research.coverage(corpus, since=1900, until=1901)
    assert empty.agreements == () and empty.cells == () and "1900" in (empty.note or "")
    assert empty.to_rows() == [] and empty.to_frame().shape == (0, 3 + len(empty.topics))
    with pytest.raises(ReferenceNotFound, match="did you mean: e-commerce/spam"):
        research.coverage(corpus, topics=["e-commerce/spamm"])
    with pytest.raises(ReferenceNotFound, match="JPN"):
        research.coverage(corpus, parties=["JPX"])
    with pytest.raises(FtadraftError, match="unknown area"):
        research.coverage(corpus, area="tax")


def test_language_versions_count_once(corpus, full: research.Coverage) -> None:  # type: ignore[no-untyped-def]
    """TPP is in ToTA in English (tota-449) and Spanish (tota-450): one agreement for research."""
    canon = research.version_groups(corpus.agreements())
    assert {k: v for k, v in canon.items() if k != v} == {"tota-450": "tota-449"}
    ids = [a.id for a in full.agreements]
    assert "tota-449" in ids and "tota-450" not in ids and len(ids) == len(set(ids)) == len(corpus.agreements()) - 1
    tpp = next(a for a in full.agreements if a.id == "tota-449")
    assert tpp.versions == ("tota-450",)
    cell = full.cell("tota-450", "e-commerce/data-flows")  # a version's id resolves to the agreement
    assert cell.agreement_id == "tota-449" and cell.level != "absent"
    assert cell.provision_ids[0].startswith("tota-449/")  # its own version's provisions first
    assert any(p.startswith("tota-450/") for p in cell.provision_ids)  # the Spanish text is tagged too
    year = next(y for y in research.diffusion(corpus, "e-commerce/data-flows").years if y.year == 2016)
    assert year.agreements == sum(a.year == 2016 for a in counted(corpus))
    # the profile of one version is that version's own text, naming the other
    p = research.agreement_profile(corpus, "tota-450")
    assert p.agreement.versions == ("tota-449",) and all(
        pid.startswith("tota-450/") for t in p.topics for pid in t.provision_ids)
    party = research.party_profile(corpus, "PER")
    assert "tota-450" not in [a.id for a in party.agreements]


def test_version_groups_need_name_date_and_parties() -> None:
    import datetime as dt

    from ftadraft.model import Agreement

    def a(aid: str, name: str, signed: str | None, parties: tuple[str, ...], language: str = "en") -> Agreement:
        return Agreement(id=aid, name=name, signed=dt.date.fromisoformat(signed) if signed else None,
                         parties=parties, language=language)

    groups = research.version_groups([
        a("x-2", "A  -  B", "2001-01-01", ("AAA", "BBB"), "es"), a("x-1", "a - b", "2001-01-01", ("BBB", "AAA")),
        a("x-3", "A - B", "2001-01-02", ("AAA", "BBB")),  # another date: another agreement
        a("x-4", "C", None, ("AAA",)), a("x-5", "C", None, ("AAA",), "fr"),  # undated: never grouped
        a("x-9", "D", "2002-01-01", ("AAA",), "es"), a("x-10", "D", "2002-01-01", ("AAA",), "fr"),
    ])
    assert groups == {"x-2": "x-1", "x-1": "x-1", "x-3": "x-3", "x-4": "x-4", "x-5": "x-5", "x-9": "x-9",
                      "x-10": "x-9"}


def test_mixed_counts_as_binding(corpus, full: research.Coverage) -> None:  # type: ignore[no-untyped-def]
    """TPP 14.13 (computing facilities) recognises, then prohibits: mixed, and it binds the parties."""
    cell = full.cell("tota-449", "e-commerce/computing-facilities")
    assert cell.level == "mixed" and cell.binds
    counts = full.counts()["e-commerce/computing-facilities"]
    assert full.binds()["e-commerce/computing-facilities"] == counts["binding"] + counts["mixed"]
    party = research.party_profile(corpus, "NZL")
    facilities = next(t for t in party.topics if t.topic == "e-commerce/computing-facilities")
    assert facilities.first_binding_agreement_id == "tota-449"
    assert corpus.provision(facilities.first_binding_provision_id).obligation in research.BINDS


# -- diffusion -----------------------------------------------------------------------------------------
def test_diffusion_of_paperless_trading(corpus) -> None:  # type: ignore[no-untyped-def]
    d = research.diffusion(corpus, "clearance/paperless-trading")
    signed = Counter(a.year for a in counted(corpus) if a.year is not None)
    years = [y.year for y in d.years]
    assert years == list(range(min(signed), max(signed) + 1))
    for y in d.years:
        assert y.agreements == signed.get(y.year, 0)
        assert y.with_topic == y.binding + y.mixed + y.soft + y.present <= y.agreements
        assert y.share == (round(y.with_topic / y.agreements, 4) if y.agreements else 0.0)
    assert sum(y.with_topic for y in d.years) > 20
    assert d.first is not None and d.first_binding is not None
    assert d.first.year is not None and d.first_binding.year is not None and d.first.year <= d.first_binding.year
    assert d.first.provision_id.startswith(d.first.agreement_id + "/")
    assert all(y.with_topic == 0 for y in d.years if y.year < d.first.year)
    assert d.to_frame().shape == (len(years), 8)
    late = research.diffusion(corpus, "clearance/paperless-trading", since=2010, until=2012)
    assert [y.year for y in late.years] == [2010, 2011, 2012]
    none = research.diffusion(corpus, "clearance/paperless-trading", since=1900, until=1901)
    assert none.years == () and none.first is None and none.note


def test_diffusion_plot(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("matplotlib")
    out = research.diffusion(corpus, "clearance/paperless-trading", since=1995).plot(tmp_path / "d.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000
    assert [p.name for p in tmp_path.iterdir()] == ["d.png"]  # no temporary file left


# -- profiles ------------------------------------------------------------------------------------------
def test_agreement_profile(corpus) -> None:  # type: ignore[no-untyped-def]
    p = research.agreement_profile(corpus, "tota-69")
    by_topic = {t.topic: t for t in p.topics}
    assert by_topic["clearance/paperless-trading"].level == "binding"
    words = dict(p.words_by_area)
    assert set(words) == set(topics.areas()) and 0 < words["clearance"] < p.words_total
    assert p.to_frame().shape[0] == len(p.topics)
    with pytest.raises(ReferenceNotFound):
        research.agreement_profile(corpus, "tota-99999")


def test_party_profile(corpus) -> None:  # type: ignore[no-untyped-def]
    p = research.party_profile(corpus, "nzl")
    assert p.party == "NZL" and all("NZL" in a.parties for a in p.agreements)
    assert sum(n for _, n in p.per_year) == len([a for a in p.agreements if a.year])
    for t in p.topics:
        assert t.first_binding_year is None or t.first_year <= t.first_binding_year  # type: ignore[operator]
    paperless = next(t for t in p.topics if t.topic == "clearance/paperless-trading")
    assert paperless.first_binding_year == 2000 and paperless.first_binding_agreement_id == "tota-69"
    assert p.to_frame().shape[0] == len(p.topics) and p.agreements_frame().shape[0] == len(p.agreements)


# -- CLI -----------------------------------------------------------------------------------------------
def test_cli_coverage_json_and_csv(run, tota_db: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = run("stats", "coverage", "--area", "e-commerce", "--since", "2000", "--json", db=tota_db)
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["topics"] == ECOMMERCE and len(data["cells"]) == len(data["agreements"]) * len(ECOMMERCE)
    out = tmp_path / "cov.csv"
    r = run("stats", "coverage", "--topic", "e-commerce/spam", "--party", "SGP", "--csv", out, db=tota_db)
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows and {r["topic"] for r in rows} == {"e-commerce/spam"}
    assert any(r["obligation"] != "absent" and r["provisions"].startswith(r["agreement_id"] + "/") for r in rows)
    r = run("stats", "coverage", "--topic", "e-commerce/spam", "--csv", out, db=tota_db)
    assert r.exit_code == 1 and "--force" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert run("stats", "coverage", "--topic", "e-commerce/spam", "--csv", out, "--force", db=tota_db).exit_code == 0
    r = run("stats", "coverage", "--csv", tmp_path / "missing" / "x.csv", db=tota_db)
    assert r.exit_code == 1 and "does not exist" in r.stderr


def test_cli_coverage_parquet(run, tota_db: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("pyarrow")
    pd = pytest.importorskip("pandas")
    out = tmp_path / "cov.parquet"
    r = run("stats", "coverage", "--area", "e-commerce", "--since", "2000", "--parquet", out, db=tota_db)
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "" and [p.name for p in tmp_path.iterdir()] == ["cov.parquet"]  # no temporary file left
    df = pd.read_parquet(out)
    data = json.loads(run("stats", "coverage", "--area", "e-commerce", "--since", "2000", "--json", db=tota_db).stdout)
    assert list(df.columns) == ["agreement_id", "agreement", "year", "topic", "obligation", "provisions"]
    assert len(df) == len(data["cells"]) and set(df["topic"]) == set(ECOMMERCE)
    assert set(df["obligation"]) <= set(research.CELL_LEVELS) and (df["year"] >= 2000).all()
    assert str(df["year"].dtype) == "Int64"  # nullable: ToTA has undated agreements
    first = df.iloc[0].to_dict()
    assert {k: (list(v) if k == "provisions" else v) for k, v in first.items()} == data["cells"][0]
    bound = df[df["obligation"] == "binding"].iloc[0]
    assert len(bound["provisions"]) > 0 and all(p.startswith(bound["agreement_id"] + "/") for p in bound["provisions"])
    assert all(len(p) == 0 for p in df[df["obligation"] == "absent"]["provisions"])
    # refuses to clobber, overwrites with --force, and does not mix with the other outputs
    r = run("stats", "coverage", "--topic", "e-commerce/spam", "--parquet", out, db=tota_db)
    assert r.exit_code == 1 and "--force" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run("stats", "coverage", "--topic", "e-commerce/spam", "--parquet", out, "--force", db=tota_db)
    assert r.exit_code == 0, r.stderr
    assert set(pd.read_parquet(out)["topic"]) == {"e-commerce/spam"}
    for other in (("--json",), ("--csv", tmp_path / "x.csv")):
        r = run("stats", "coverage", "--parquet", tmp_path / "y.parquet", *other, db=tota_db)
        assert r.exit_code == 1 and "cannot be combined" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "y.parquet").exists() and not (tmp_path / "x.csv").exists()


def test_cli_coverage_parquet_without_pyarrow(run, tota_db: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    out = tmp_path / "cov.parquet"
    r = run("stats", "coverage", "--topic", "e-commerce/spam", "--parquet", out, db=tota_db)
    assert r.exit_code == 1 and r.stdout == "" and not out.exists()
    assert "ftadraft[notebook]" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_cli_diffusion(run, tota_db: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("matplotlib")
    png, table = tmp_path / "d.png", tmp_path / "d.csv"
    r = run("stats", "diffusion", "--topic", "clearance/paperless-trading", "--plot", png, "--csv", table, "--json",
            db=tota_db)
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["first"]["agreement_id"] and data["years"]
    assert png.stat().st_size > 20_000
    assert len(list(csv.DictReader(table.open(encoding="utf-8")))) == len(data["years"])
    r = run("stats", "diffusion", "--topic", "clearance/paperless-trading", "--plot", png, db=tota_db)
    assert r.exit_code == 1 and "exists already" in r.stderr
    r = run("stats", "diffusion", "--topic", "clearance/paperless-trading", db=tota_db)
    assert r.exit_code == 0 and "first binding:" in r.stdout


def test_cli_profiles(run, tota_db: Path) -> None:  # type: ignore[no-untyped-def]
    r = run("stats", "agreement", "tota-69", "--json", db=tota_db)
    assert r.exit_code == 0 and json.loads(r.stdout)["agreement"]["id"] == "tota-69"
    r = run("stats", "party", "nzl", "--json", db=tota_db)
    assert r.exit_code == 0 and json.loads(r.stdout)["party"] == "NZL"
    assert run("stats", "party", "NZL", db=tota_db).exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("coverage", "--topic", "e-commerce/spamm", "--json"), "did you mean: e-commerce/spam"),
        (("diffusion", "--topic", "paperless-trading"), "did you mean: clearance/paperless-trading"),
        (("coverage", "--party", "JPX", "--json"), "did you mean: JPN"),
        (("party", "JPX"), "did you mean: JPN"),
        (("coverage", "--area", "tax", "--json"), "unknown area"),
        (("agreement", "tota-99999"), "no such agreement"),
    ],
)
def test_cli_bad_input(run, tota_db: Path, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    r = run("stats", *args, db=tota_db)
    assert r.exit_code == 1 and r.stdout == ""
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_cli_empty_year_range_is_a_note(run, tota_db: Path) -> None:  # type: ignore[no-untyped-def]
    r = run("stats", "coverage", "--since", "1900", "--until", "1901", "--json", db=tota_db)
    assert r.exit_code == 0 and json.loads(r.stdout)["agreements"] == [] and "note: no agreements" in r.stderr
    r = run("stats", "diffusion", "--topic", "e-commerce/spam", "--since", "2030", db=tota_db)
    assert r.exit_code == 0 and "note: no agreements" in r.stderr


# -- the example study ---------------------------------------------------------------------------------
def test_ecommerce_study_example_runs(tota_db: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    env = {**os.environ, "MPLBACKEND": "Agg", "TMPDIR": str(tmp_path)}
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "ecommerce_study.py"), "--db", str(tota_db)],
                       check=False, capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "most alike e-commerce chapters" in r.stdout
    assert list(tmp_path.rglob("*.png"))


def test_top_level_coverage_is_the_research_coverage(tota_db) -> None:  # type: ignore[no-untyped-def]
    import ftadraft

    assert ftadraft.coverage is research.coverage
    with ftadraft.open(tota_db, create=False) as c:
        df = ftadraft.coverage(c, area="e-commerce", since=2000).to_frame()
    assert {"id", "name", "year"} <= set(df.columns) and "e-commerce/customs-duties" in df.columns
    assert (df["year"] >= 2000).all() and len(df) > 50
