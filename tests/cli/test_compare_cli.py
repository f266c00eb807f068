"""`ftadraft compare`: clause references, files and stdin; terminal, JSON, HTML and Word outputs."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import RunCli
from ftadraft.compare.redline import check_redline, read_redline


def test_identical_clause_says_so(run: RunCli, tota_db: Path) -> None:
    r = run("compare", "tpp:14.3", "tota-449:14.3", "--json", db=tota_db)
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["identical"] is True and data["similarity"]["edit"] == 1.0


def test_docx_redline_accepts_to_b_and_rejects_to_a(run: RunCli, tota_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "redline.docx"
    html = tmp_path / "redline.html"
    r = run("compare", "tpp:5.7", "korus:7.7", "--docx", str(out), "--html", str(html), db=tota_db)
    assert r.exit_code == 0, r.stderr
    assert check_redline(out) == []
    from ftadraft.compare.redline import redline_paragraphs

    a = json.loads(run("corpus", "show", "tpp:5.7", "--json", db=tota_db).stdout)["text"]
    b = json.loads(run("corpus", "show", "korus:7.7", "--json", db=tota_db).stdout)["text"]
    [(_, accepted)] = read_redline(out, accept=True)
    [(_, rejected)] = read_redline(out, accept=False)
    assert accepted == "\n".join(redline_paragraphs(b)) and rejected == "\n".join(redline_paragraphs(a))
    changes = json.loads(run("compare", "tpp:5.7", "korus:7.7", "--json", db=tota_db).stdout)["changes"]
    assert any(c["kind"] == "number" and "six hours" in c["before"] for c in changes)
    page = html.read_text()
    assert page.startswith("<!DOCTYPE html>") and "Express Shipments" in page
    again = run("compare", "tpp:5.7", "korus:7.7", "--docx", str(out), db=tota_db)
    assert again.exit_code == 1 and "--force" in again.stderr


def test_stdin_and_files(run: RunCli, tmp_path: Path, tota_db: Path) -> None:
    f = tmp_path / "ours.txt"
    f.write_text("Article 1: Release\nEach Party shall release goods within 48 hours of arrival.")
    r = run("compare", str(f), "-", "--json",
            input="Each Party shall endeavour to release goods within 72 hours of arrival.", db=tota_db)
    assert r.exit_code == 0, r.stderr
    kinds = {c["kind"] for c in json.loads(r.stdout)["changes"]}
    assert {"obligation", "number"} <= kinds


def test_bad_compare_input(run: RunCli, tmp_path: Path, tota_db: Path, tota_dir: Path) -> None:
    r = run("compare", "tpp:14.3", "tpp:99.99", db=tota_db)
    assert r.exit_code == 1 and "no article" in r.stderr
    r = run("compare", "tpp:14.3", "-", input="   ", db=tota_db)
    assert r.exit_code == 1 and "empty text" in r.stderr
    r = run("compare", "tpp:14.3", "tpp:14.3", "--docx", str(tmp_path / "missing" / "x.docx"), db=tota_db)
    assert r.exit_code == 1 and "does not exist" in r.stderr
    r = run("compare", str(tota_dir / "pta_1.xml"), "tpp:14.3", db=tota_db)
    assert r.exit_code == 1 and "articles" in r.stderr
