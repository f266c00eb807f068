"""Single-source reuse, corpus-wide (Allee & Elsig 2019), on the real ToTA index: agreements whose sources
are known, the exact containment pass checked against the plain coverage of every earlier provision, and
the corpus-wide table checked against the per-agreement reports."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ftadraft
from conftest import RunCli
from ftadraft import fingerprint
from ftadraft.provenance.chapters import CHAPTER_TYPES, chapter_selection
from ftadraft.provenance.containment import Scanner
from ftadraft.provenance.corpus_reuse import ReuseTable, reuse_table
from ftadraft.provenance.parties import signers
from ftadraft.provenance.precedents import precedent_index
from ftadraft.provenance.reuse import reuse

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def table(tota_db: Path) -> ReuseTable:
    """The whole-corpus table (the first one in a test session measures every article and caches it)."""
    with ftadraft.open(tota_db, create=False) as c:
        return reuse_table(c)


def _row(table: ReuseTable, name: str):  # type: ignore[no-untyped-def]
    (row,) = [r for r in table.rows if r.agreement.name == name]
    return row


def test_containment_finds_what_plain_coverage_finds_in_every_earlier_provision(tota: ftadraft.Corpus) -> None:
    pidx = precedent_index(tota)
    scanner = Scanner(pidx)
    rng = np.random.default_rng(19)
    slovak_lithuania = np.flatnonzero(pidx.agreement_of == [a.id for a in pidx.agreements].index("tota-300"))
    docs = [int(slovak_lithuania[3]), *(int(d) for d in rng.choice(len(pidx), 3, replace=False))]
    for d in docs:
        query = pidx.sequence(d)
        signed = pidx.agreements[pidx.agreement_of[d]].signed
        candidates = np.flatnonzero(scanner.earlier(signed))
        expected = np.zeros(len(candidates))
        for s in range(0, len(candidates), 4000):  # the reference: every earlier provision, scored plainly
            chunk = candidates[s : s + 4000]
            held, _ = fingerprint.coverage_many(query, [pidx.sequence(x) for x in chunk.tolist()])
            expected[s : s + 4000] = held / max(1, len(query))
        for floor in (0.5, 0.8):
            found = scanner.contained([d], signed, floor)
            want = {int(x): v for x, v in zip(candidates, expected, strict=True) if v >= floor}
            assert dict(zip(found.doc.tolist(), found.similarity.tolist(), strict=True)) == pytest.approx(want)


def test_slovak_lithuania_is_held_almost_whole_by_czech_lithuania(tota: ftadraft.Corpus) -> None:
    report = reuse(tota, "tota-300")
    assert report.agreement.name == "Slovak Republic - Lithuania"
    best = report.best_source
    assert best is not None and best.agreement.name == "Czech Republic - Lithuania"
    assert 0.95 <= best.share <= report.copied_share <= 1.0 and best.articles >= 40
    # the per-article view credits it with a fraction only: the copied text is a template several agreements share
    closest = {s.agreement.id: s.share for s in report.sources()}
    assert closest.get(best.agreement.id, 0.0) < 0.5 < best.share
    assert all(s.agreement.signed < report.agreement.signed for s in report.containing)
    assert [s.share for s in report.containing] == sorted((s.share for s in report.containing), reverse=True)
    frame = report.sources_frame()
    assert frame.iloc[0]["agreement_id"] == best.agreement.id and (frame["closest_share"] <= frame["share"]).all()
    data = report.to_dict()
    assert data["best_source"]["agreement"]["id"] == best.agreement.id and len(data["containing"]) >= 5


def test_the_table_equals_the_per_agreement_reports(table: ReuseTable, tota: ftadraft.Corpus) -> None:
    assert len(table.rows) == sum(1 for a in tota.agreements() if a.signed) and not table.undated
    by_id = {r.agreement.id: r for r in table.rows}
    for ref in ("tota-300", "korus", "tota-52", "tota-449"):
        report = reuse(tota, ref)
        row = by_id[report.agreement.id]
        assert row.words == report.words and row.copied_words == report.copied_words
        assert [(s.agreement.id, s.words, s.articles) for s in row.sources] == \
               [(s.agreement.id, s.words, s.articles) for s in report.containing[: len(row.sources)]]
    assert all(r.best_share <= r.copied_share <= 1.0 for r in table.rows)
    assert all(s.agreement.signed < r.agreement.signed for r in table.rows for s in r.sources)


def test_the_central_european_bilateral_series_copies_whole_agreements(table: ReuseTable) -> None:
    fta = " Free Trade Agreement"
    for copy, source in [("Slovak Republic - Israel", "Czech Republic - Israel"),
                         ("Slovak Republic - Estonia", "Czech Republic - Estonia"),
                         ("Slovak Republic - Latvia", "Czech Republic - Latvia"),
                         ("Slovak Republic - Turkey", "Czech Republic - Turkey"),
                         ("Czech Republic - Romania" + fta, "Slovak Republic - Romania" + fta)]:
        row = _row(table, copy)
        assert row.best_source.agreement.name == source and row.best_share >= 0.95, copy
    family = table.templates()[0]  # the largest: one chain of Central European agreements
    names = {m.agreement.name for m in family.members}
    assert family.root.name == "Slovak Republic - Romania Free Trade Agreement" and len(family.members) >= 8
    assert {"Czech Republic - Romania Free Trade Agreement", "Czech Republic - Bulgaria Free Trade Agreement"} <= names


def test_the_us_template_runs_from_us_singapore(table: ReuseTable) -> None:
    us_sg = _row(table, "US - Singapore")
    assert us_sg.best_share < 0.2  # the template's first text copies little
    later = [r for r in table.rows if "USA" in r.agreement.parties and us_sg.agreement.signed < r.agreement.signed
             and r.agreement.year <= 2007]
    assert len(later) >= 9
    for r in later:  # each takes most from an earlier US agreement of the template, US-Singapore on
        src = r.best_source.agreement
        assert "USA" in src.parties and src.signed >= us_sg.agreement.signed, r.agreement.name
    assert _row(table, "US - Chile").best_source.agreement.name == "US - Singapore"
    assert _row(table, "US - Australia").best_source.agreement.name == "US - Singapore"
    colombia = _row(table, "US - Colombia")
    assert colombia.best_source.agreement.name == "US - Peru" and colombia.best_share >= 0.95


def test_counts_flows_and_outputs(table: ReuseTable, tmp_path: Path) -> None:
    assert 50 <= table.count(0.8) <= table.count_copied(0.8) and 10 <= table.count(0.95) <= table.count(0.8)
    flows = table.flows(0.8)
    assert flows.counts.sum() == pytest.approx(table.count(0.8))  # each agreement counts once, split over signers
    assert "EU" in flows.actors and flows.templates[0][1] >= 2
    frame = table.to_frame()
    assert len(frame) == len(table.rows) and frame["best_share"].between(0, 1).all()
    png = table.plot(tmp_path / "reuse.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert signers(_row(table, "EU - Korea, Republic of").agreement) == ("EU", "KOR")


def test_chapter_types_and_chapter_titles(tota: ftadraft.Corpus, table: ReuseTable) -> None:
    assert chapter_selection("IP").type is CHAPTER_TYPES["ip"] and chapter_selection("Electronic").type is None
    ip = reuse_table(tota, chapter="ip")
    assert ip.chapter == "ip" and 40 <= len(ip.rows) < len(table.rows)
    whole = {r.agreement.id: r for r in table.rows}
    for r in ip.rows:
        assert r.chapters and all(CHAPTER_TYPES["ip"].matches(t) for t in r.chapters)
        assert r.words <= whole[r.agreement.id].words
    assert _row(ip, "US - Colombia").best_source.agreement.name == "US - Peru"
    ecom = reuse_table(tota, chapter="Electronic Commerce", since=2004, until=2007)
    assert ecom.rows and all(2004 <= r.agreement.year <= 2007 for r in ecom.rows)
    assert all(any("electronic commerce" in t.lower() for t in r.chapters) for r in ecom.rows)
    assert reuse_table(tota, chapter="No Such Chapter Anywhere").rows == ()


def test_reuse_all_cli(run: RunCli, tota_db: Path, tmp_path: Path, table: ReuseTable) -> None:
    out, png, pq = tmp_path / "table.csv", tmp_path / "table.png", tmp_path / "table.parquet"
    r = run("reuse", "--all", "--since", "1996", "--until", "1996", "--csv", str(out), "--plot", str(png),
            "--parquet", str(pq), "--json", db=tota_db)
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == len(data["rows"]) == data["agreements"] > 10
    slovak = next(x for x in rows if x["agreement_id"] == "tota-300")
    assert slovak["best_source_name"] == "Czech Republic - Lithuania" and float(slovak["best_share"]) >= 0.95
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import pandas as pd

    assert len(pd.read_parquet(pq)) == len(rows)
    again = run("reuse", "--all", "--csv", str(out), db=tota_db)
    assert again.exit_code == 1 and "--force" in again.stderr
    text = run("reuse", "--all", "--chapter", "ip", "--csv", str(out), "--force", db=tota_db)
    assert text.exit_code == 0 and "single earlier treaty" in text.stdout
    for args, message in [((), "--all"), (("tota-300", "--all"), "not both"),
                          (("tota-300", "--chapter", "ip"), "--all"), (("--all", "--party", "XXX"), "XXX"),
                          (("--all", "--csv", "-", "--json"), "choose one")]:
        bad = run("reuse", *args, db=tota_db)
        assert bad.exit_code == 1 and message in bad.stderr, (args, bad.stderr)


def test_copy_paste_study_example_runs(tota_db: Path, tmp_path: Path, table: ReuseTable) -> None:
    pytest.importorskip("matplotlib")
    env = {**os.environ, "MPLBACKEND": "Agg", "TMPDIR": str(tmp_path)}
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "copy_paste_study.py"), "--db", str(tota_db)],
                       check=False, capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    counts = re.search(r">= 80% from a single earlier treaty\s+(\d+)", r.stdout)
    assert counts and int(counts.group(1)) == table.count(0.8)
    assert "Allee & Elsig" in r.stdout and "Intellectual property (ip)" in r.stdout
    assert list(tmp_path.rglob("*.png")) and list(tmp_path.rglob("*.csv"))
