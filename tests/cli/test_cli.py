"""The ftadraft command: the README's main job, JSON purity, errors as one line with exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import RunCli


def test_show_article_prints_text_and_citation(run: RunCli, tota_db: Path) -> None:
    r = run("corpus", "show", "tota-449:14.3", db=tota_db)
    assert r.exit_code == 0, r.stderr
    first = r.stdout.splitlines()[0]
    assert first == "Trans-Pacific Partnership (2016), Chapter 14 Electronic Commerce, Art. 14.3 Customs Duties"
    assert "No Party shall impose customs duties" in " ".join(r.stdout.split())
    assert "Source: ToTA treaty 449, article" in r.stdout and "CC BY-NC 4.0" in r.stdout


def test_show_json_is_pure_and_complete(run: RunCli, tota_db: Path) -> None:
    r = run("corpus", "show", "tpp:14.3", "--json", db=tota_db)
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["title"] == "Customs Duties" and data["agreement"]["id"] == "tota-449"
    assert data["source"]["dataset"] == "tota" and isinstance(data["source"]["article"], str)
    assert data["citation"].endswith("Art. 14.3 Customs Duties")


def test_show_agreement_lists_chapters_and_articles(run: RunCli, tota_db: Path) -> None:
    r = run("corpus", "show", "tota-449", "--json", db=tota_db)
    data = json.loads(r.stdout)
    assert data["agreement"]["name"] == "Trans-Pacific Partnership"
    assert any(ch["title"] == "Electronic Commerce" for ch in data["chapters"])
    assert {"number": "14.3", "title": "Customs Duties"}.items() <= next(
        p for p in data["provisions"] if p["number"] == "14.3").items()


def test_stats_list_and_search(run: RunCli, tota_db: Path) -> None:
    stats = json.loads(run("corpus", "stats", "--json", db=tota_db).stdout)
    assert (stats["agreements"], stats["provisions"]) == (450, 40993)
    text = run("corpus", "stats", db=tota_db).stdout
    assert "450" in text and "40,993" in text
    listing = json.loads(run("corpus", "list", "--party", "SGP", "--json", db=tota_db).stdout)
    assert "tota-449" in {a["id"] for a in listing} and all("SGP" in a["parties"] for a in listing)
    hits = json.loads(run("search", "express shipments", "--json", "-n", "5", db=tota_db).stdout)
    assert len(hits) == 5 and all("xpress" in (h["article"]["title"] or "") for h in hits)
    assert set(hits[0]) >= {"rank", "score", "agreement", "chapter", "article", "topics", "obligation", "snippet",
                            "source"}


def test_unknown_reference_is_one_line_with_suggestions(run: RunCli, tota_db: Path) -> None:
    r = run("corpus", "show", "tota-449:14.33", db=tota_db)
    assert r.exit_code == 1
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "did you mean" in r.stderr and "tota-449:14.3" in r.stderr


def test_add_json_has_no_progress_and_reports_counts(run: RunCli, tota_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "i.sqlite"
    r = run("corpus", "add", str(tota_dir / "pta_1.xml"), str(tota_dir / "pta_2.xml"), "--json", db=db)
    assert r.exit_code == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["added"] == ["tota-1", "tota-2"] and report["failed"] == []
    again = json.loads(run("corpus", "add", str(tota_dir / "pta_1.xml"), "--json", db=db).stdout)
    assert again["added"] == [] and again["unchanged"] == 1
    removed = run("corpus", "remove", "tota-2", "--json", db=db)
    assert json.loads(removed.stdout) == {"removed": ["tota-2"]}


def test_read_commands_without_index_explain(run: RunCli, tmp_path: Path) -> None:
    r = run("corpus", "stats", db=tmp_path / "none.sqlite")
    assert r.exit_code == 1 and "no index here yet" in r.stderr
    assert not (tmp_path / "none.sqlite").exists()


def test_modern_texts_through_the_cli(run: RunCli, modern_dir: Path, tmp_path: Path) -> None:
    """The Done-when checks for the formats negotiators receive: WTO Markdown and the RCEP PDF."""
    db = tmp_path / "modern.sqlite"
    r = run("corpus", "add", str(modern_dir / "wto-jsi-ecommerce-2024.md"), "--alias", "wto-ecom",
            "--signed", "2024-07-26", "--json", db=db)
    assert r.exit_code == 0, r.stderr
    r = run("corpus", "add", str(modern_dir / "rcep-2020.pdf"), "--alias", "rcep", "--parties",
            "AUS,BRN,KHM,CHN,IDN,JPN,KOR,LAO,MYS,MMR,NZL,PHL,SGP,THA,VNM", "--signed", "2020-11-15", "--json", db=db)
    assert r.exit_code == 0, r.stderr
    wto = json.loads(run("corpus", "show", "wto-ecom", "--json", db=db).stdout)
    articles = [p for p in wto["provisions"] if p["number"]]
    assert [p["number"] for p in articles] == [str(n) for n in range(1, 39)]
    assert all(p["title"] for p in articles)
    assert next(p for p in articles if p["number"] == "8")["title"] == "Paperless Trading"
    rcep = json.loads(run("corpus", "show", "rcep", "--json", db=db).stdout)
    numbers = {p["number"] for p in rcep["provisions"]}
    for chapter, last in ((4, 21), (11, 83), (12, 17)):
        assert {f"{chapter}.{n}" for n in range(1, last + 1)} <= numbers
    art = json.loads(run("corpus", "show", "rcep:12.14", "--json", db=db).stdout)
    assert art["title"] == "Location of Computing Facilities" and art["source"]["page"].isdigit()
    assert art["citation"].startswith("Regional Comprehensive Economic Partnership Agreement (2020)")
    r = run("search", "location of computing facilities", "--agreement", "rcep", "--json", "-n", "1", db=db)
    hits = json.loads(r.stdout)
    assert hits[0]["article"]["number"] == "12.14"


def test_progress_is_one_line_per_stage_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    from ftadraft.cli.app import Progress

    progress = Progress(True, terminal=False)
    for stage, total in (("read", 3), ("analyse", 5)):
        for done in range(1, total + 1):
            progress(stage, done, total)
    progress.close()
    err = capsys.readouterr().err.splitlines()
    assert [line.split(" in ")[0] for line in err] == ["Reading: 3 of 3", "Analysing: 5 of 5"]
    Progress(False, terminal=False)("read", 1, 1)
    assert capsys.readouterr().err == ""


def test_agreement_header_shows_only_what_is_known(run: RunCli, tmp_path: Path) -> None:
    text = tmp_path / "plain.md"
    text.write_text("Article 1: Scope\nThis Agreement applies to widgets.\n\n"
                    "Article 2: Release\nEach Party shall release widgets.\n")
    db = tmp_path / "x.sqlite"
    assert run("corpus", "add", str(text), db=db).exit_code == 0
    out = run("corpus", "show", "plain", db=db).stdout
    header = out.splitlines()[1]
    assert "in force -" not in out and "· ·" not in header and not header.endswith("·")


def test_families_without_chapter_or_topic_says_what_to_give(run: RunCli, tota_db: Path) -> None:
    r = run("families", db=tota_db)
    assert r.exit_code == 1 and "--chapter" in r.stderr and "not both" not in r.stderr


def test_show_keeps_paragraphs_and_list_items_as_published(run: RunCli, modern_dir: Path, tmp_path: Path) -> None:
    from ftadraft.normalize import paragraphs

    assert paragraphs("1. One rule\nwrapped here.\n2. Two:\n(a) first;\n(b) second.") == [
        "1. One rule wrapped here.", "2. Two:", "(a) first;", "(b) second."]
    db = tmp_path / "wto.sqlite"
    assert run("corpus", "add", str(modern_dir / "wto-jsi-ecommerce-2024.md"), "--alias", "wto", db=db).exit_code == 0
    out = run("corpus", "show", "wto:8", db=db).stdout
    numbered = [line for line in out.splitlines() if re.match(r"(\d+\.|\([a-z]\)) ", line)]
    assert len(numbered) >= 2, out
    body = "\n".join(out.splitlines()[3:])  # below the citation ("Art. 8 Paperless Trading")
    assert not re.search(r"[.;:] \d+(?:\.\d+)*\.? [A-Z]", body), "a paragraph number inside a line: run together"
