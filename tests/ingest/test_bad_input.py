"""Bad input through the CLI: one line naming the file and the problem, exit code != 0, nothing indexed."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from conftest import RunCli, refused_add


@pytest.mark.parametrize(
    ("name", "payload", "problem"),
    [
        ("broken.xml", b"<?xml version='1.0'?><treaty><meta>", "malformed XML"),
        ("laughs.xml", (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                       b"<treaty>&b;</treaty>"), "entity"),
        ("xxe.xml", b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><treaty>&x;</treaty>',
         "DOCTYPE"),
        ("empty.md", b"", "empty file"),
        ("latin1.txt", "Article 1: Coopération\nLes Parties coopèrent.".encode("cp1252"), "not valid UTF-8"),
        ("binary.txt", b"\x00\x01\x02\x03garbage\x00" * 50, "binary"),
        ("fake.pdf", b"%PDF-1.4\nnot really a pdf", "PDF"),
        ("fake.docx", b"PK\x03\x04 not really a zip", "DOCX"),
    ],
)
def test_refused_files(run: RunCli, tmp_path: Path, name: str, payload: bytes, problem: str) -> None:
    f = tmp_path / name
    f.write_bytes(payload)
    assert problem.lower() in refused_add(run, tmp_path / "i.sqlite", f).lower()


def test_huge_file_is_refused_without_reading_it(run: RunCli, tmp_path: Path) -> None:
    f = tmp_path / "huge.txt"
    with f.open("wb") as fh:  # a sparse 2 GB file: costs no disk, must cost no memory either
        fh.truncate(2 * 1024**3)
    assert "too large" in refused_add(run, tmp_path / "i.sqlite", f)


def test_zip_bomb_docx_isrefused_add(run: RunCli, tmp_path: Path) -> None:
    f = tmp_path / "bomb.docx"
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w") as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):
                member.write(chunk)
    assert "zip bomb" in refused_add(run, tmp_path / "i.sqlite", f)


def test_pdf_without_text_layer_suggests_ocr(run: RunCli, tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    f = tmp_path / "scan.pdf"
    pdf.save(str(f))
    assert "OCR" in refused_add(run, tmp_path / "i.sqlite", f)


def test_wrong_encoding_then_explicit_encoding_works(run: RunCli, tmp_path: Path) -> None:
    f = tmp_path / "latin1.txt"
    text = "Article 1: Coopération douanière\nLes Parties coopèrent.\n\nArticle 2: Transit\nLibre."
    f.write_bytes(text.encode("cp1252"))
    db = tmp_path / "i.sqlite"
    assert "--encoding" in refused_add(run, db, f)
    ok = run("corpus", "add", str(f), "--encoding", "cp1252", "--json", db=db)
    assert ok.exit_code == 0, ok.stderr
    assert json.loads(ok.stdout)["added"] == ["latin1"]
    assert run("corpus", "show", "latin1:1", "--json", db=db).stdout.count("Coopération") >= 1


def test_text_without_articles_is_kept_as_one_flagged_provision(run: RunCli, tmp_path: Path) -> None:
    f = tmp_path / "memo.txt"
    f.write_text("Notes from the second round.\n\nThe delegations discussed customs matters at length.\n")
    db = tmp_path / "i.sqlite"
    r = run("corpus", "add", str(f), db=db)
    assert r.exit_code == 0
    assert "warning:" in r.stderr and "no" in r.stderr.lower()
    shown = json.loads(run("corpus", "show", "memo", "--json", db=db).stdout)
    assert len(shown["provisions"]) == 1


def test_unknown_format_is_a_usage_error(run: RunCli, tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("Article 1: Scope\nText.")
    r = run("corpus", "add", str(f), "--format", "rtf", db=tmp_path / "i.sqlite")
    assert r.exit_code == 2 and "rtf" in r.stderr


def test_foreign_database_isrefused_add(run: RunCli, tmp_path: Path) -> None:
    db = tmp_path / "app.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE users (name)")
    con.commit()
    con.close()
    f = tmp_path / "a.txt"
    f.write_text("Article 1: Scope\nText.")
    r = run("corpus", "add", str(f), db=db)
    assert r.exit_code == 1 and "not an ftadraft index" in r.stderr and str(db) in r.stderr
    con = sqlite3.connect(db)
    assert [t for (t,) in con.execute("SELECT name FROM sqlite_master")] == ["users"]  # untouched
    con.close()


def test_good_files_are_added_and_bad_ones_refused_by_name(run: RunCli, tota_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "pta_1.xml").write_bytes((tota_dir / "pta_1.xml").read_bytes())
    (folder / "pta_2.xml").write_bytes((tota_dir / "pta_2.xml").read_bytes()[:5000])  # truncated download
    db = tmp_path / "i.sqlite"
    r = run("corpus", "add", str(folder), "--json", db=db)
    assert r.exit_code == 1
    report = json.loads(r.stdout)
    assert report["added"] == ["tota-1"]
    assert [f["path"] for f in report["failed"]] == [str(folder / "pta_2.xml")]
    assert "malformed XML" in r.stderr and "pta_2.xml" in r.stderr
