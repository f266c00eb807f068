"""Copy-and-paste treaty making on the real ToTA index: reuse of earlier text, and template families."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import ftadraft
from conftest import RunCli
from ftadraft.errors import InputError
from ftadraft.provenance.families import families
from ftadraft.provenance.reuse import reuse


def test_korus_copies_most_of_its_text_from_earlier_us_agreements(tota: ftadraft.Corpus) -> None:
    report = reuse(tota, "korus")
    korus = report.agreement
    assert len(report.articles) == len(tota.index.provisions(korus.id))
    sources = [a.source for a in report.articles if a.source]
    assert sources and all(s.agreement.signed < korus.signed for s in sources)  # earlier agreements only
    assert 0.4 < report.copied_share <= report.reused_share <= 1.0
    top = report.sources()[:5]
    assert all("USA" in s.agreement.parties for s in top)  # the US template
    assert sum(s.share for s in report.sources()) == pytest.approx(report.copied_share, abs=0.001)
    # e-commerce articles come from earlier e-commerce chapters
    ecom = [a for a in report.articles if "Electronic" in (a.provision.chapter_title or "") and a.copied()]
    assert len(ecom) >= 3 and all("Electronic" in (a.source.provision.chapter_title or "") for a in ecom)


def test_the_oldest_agreement_copies_nothing(tota: ftadraft.Corpus) -> None:
    oldest = min((a for a in tota.agreements() if a.signed), key=lambda a: a.signed)
    report = reuse(tota, oldest.id)
    assert report.copied_share == 0 and all(a.source is None for a in report.articles)


def test_reuse_cli_json_and_csv(run: RunCli, tota_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "reuse.csv"
    r = run("reuse", "tota-145", "--json", "--csv", str(out), db=tota_db)
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["agreement"]["id"] == "tota-145" and 0 < data["copied_share"] < 1
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == len(data["articles"]) and {"source_agreement", "similarity"} <= set(rows[0])
    again = run("reuse", "tota-145", "--csv", str(out), db=tota_db)
    assert again.exit_code == 1 and "--force" in again.stderr
    bad = run("reuse", "korrus", db=tota_db)
    assert bad.exit_code == 1 and "korus" in bad.stderr  # suggests the close alias


def test_ecommerce_chapters_form_us_eu_and_australian_families(tota: ftadraft.Corpus, tmp_path: Path) -> None:
    result = families(tota, chapter="Electronic Commerce")
    assert len(result.units) >= 40 and 5 <= len(result.families) < len(result.units)
    family_of = {u.agreement.id: u.family for u in result.units}
    korus, us_sg, us_au = (tota.agreement(r).id for r in ("korus", "tota-52", "tota-37"))
    assert family_of[korus] == family_of[us_sg] == family_of[us_au]
    us = next(f for f in result.families if f.number == family_of[korus])
    assert us.party == "USA" and us.members[0].agreement.year == 2003  # the earliest member names the template
    eu = [f for f in result.families if f.party == "EU"]
    assert eu and family_of[tota.agreement("tota-145").id] in {f.number for f in eu}
    assert family_of[korus] not in {f.number for f in eu}
    # ordering: families contiguous, similarity symmetric, higher inside than across families
    fams = [u.family for u in result.units]
    assert fams == sorted(fams)
    sim = result.similarity
    assert (sim == sim.T).all()
    inside = [sim[i, j] for i in range(len(fams)) for j in range(i) if fams[i] == fams[j] == us.number]
    across = [sim[i, j] for i in range(len(fams)) for j in range(i) if (fams[i] == us.number) != (fams[j] == us.number)]
    assert sum(inside) / len(inside) > 3 * sum(across) / len(across)


def test_families_cli_outputs_and_bad_input(run: RunCli, tota_db: Path, tmp_path: Path) -> None:
    png, table = tmp_path / "fam.png", tmp_path / "fam.csv"
    r = run("families", "--topic", "clearance/advance-rulings", "--plot", str(png), "--csv", str(table), "--json",
            db=tota_db)
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = list(csv.DictReader(table.open()))
    assert len(rows) == sum(len(f["members"]) for f in data["families"])
    assert run("families", db=tota_db).exit_code == 1
    r = run("families", "--chapter", "No Such Chapter Anywhere", db=tota_db)
    assert r.exit_code == 1 and "need at least two" in r.stderr
    r = run("families", "--topic", "e-commerce/spamm", db=tota_db)
    assert r.exit_code == 1 and "e-commerce/spam" in r.stderr
    r = run("families", "--chapter", "Electronic Commerce", "--csv", str(tmp_path / "missing" / "x.csv"), db=tota_db)
    assert r.exit_code == 1 and "does not exist" in r.stderr
    with pytest.raises(InputError):
        families(ftadraft.open(tota_db, create=False), chapter="Electronic Commerce", topic="e-commerce/spam")


def test_reuse_leaves_out_schedules_longer_than_a_clause(tmp_path: Path) -> None:
    old, new = tmp_path / "old.txt", tmp_path / "new.txt"
    clause = ("Each Party shall endeavour to accept electronic versions of trade administration documents as the "
              "legal equivalent of the paper version of those documents.")
    old.write_text(f"Article 1: Paperless Trading\n{clause}\n")
    schedule = " ".join(f"heading {i} tariff line duty free in year one" for i in range(30_000))
    new.write_text(f"Article 1: Paperless Trade\n{clause}\n\nArticle 2: Schedule\n{schedule}\n")
    with ftadraft.open(tmp_path / "i.sqlite") as c:
        c.add([old], meta=ftadraft.build_meta(signed="2010-01-01"))
        c.add([new], meta=ftadraft.build_meta(signed="2020-01-01"))
        report = reuse(c, "new")
    first, second = report.articles
    assert first.copied() and first.source.agreement.id == "old" and not first.skipped
    assert second.skipped and report.words == first.words and report.copied_share == 1.0
    assert report.to_dict()["skipped"] == [second.provision.id]
