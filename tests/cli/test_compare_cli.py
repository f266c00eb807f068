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
    r = run("compare", str(tota_dir / "pta_1.xml"), "tpp:14.3", "--json", db=tota_db)  # many articles: aligned
    assert r.exit_code == 0 and set(json.loads(r.stdout)) == {"alignment", "only_a", "only_b"}


def _chapter_file(provisions: list, path: Path, *, titles: bool = True) -> Path:
    """A plain-text chapter written from real articles (at test time, never stored): "Article N: Title"."""
    parts = [f"Article {p.number}{': ' + p.title if titles and p.title else ''}\n{p.text}\n" for p in provisions]
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _body(path: Path, accept: bool) -> str:
    """The redline's article text (no title block, no headings) with every change accepted or rejected."""
    from ftadraft.compare.redline import HEADING_STYLE, read_paragraphs

    paras = read_paragraphs(path, accept=accept)
    return "\n".join(t for style, t in paras if style not in (HEADING_STYLE, "Title") and t.strip()
                     and not t.startswith("Sources:"))


def test_two_chapter_files_are_aligned(run: RunCli, tota_db: Path, tmp_path: Path) -> None:
    """The main case: their chapter and ours as plain text, several articles each, no chapter headings."""
    import ftadraft
    from ftadraft.compare.align import chapter_provisions
    from ftadraft.compare.redline import check_redline, redline_paragraphs

    with ftadraft.open(tota_db, create=False) as c:
        ours = chapter_provisions(c.index.provisions("tota-449"), "Electronic Commerce")[:8]
        theirs = chapter_provisions(c.index.provisions("tota-159"), "Electronic Commerce")[:8]
    a = _chapter_file(ours, tmp_path / "ours.txt")
    b = _chapter_file(list(reversed(theirs)), tmp_path / "theirs.txt")  # another family's chapter, reordered
    r = run("compare", str(a), str(b), "--json", db=tota_db)
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    printed_a, printed_b = {p.number for p in ours}, {p.number for p in theirs}
    got = {(x["a"], x["b"]) for x in data["alignment"]}
    assert {("14.6", "15.4"), ("14.7", "15.5")} <= got  # e-authentication, consumer protection
    assert all(x["a"] in printed_a and x["b"] in printed_b for x in data["alignment"])
    assert {x["a"] for x in data["alignment"]} | set(data["only_a"]) == printed_a
    # the Word redline of the whole chapter: Accept All gives B in its order, Reject All gives A in its order
    out = tmp_path / "chapter.docx"
    r = run("compare", str(a), str(b), "--docx", str(out), db=tota_db)
    assert r.exit_code == 0, r.stderr
    assert check_redline(out) == []
    read_a, read_b = (ftadraft.load_file(f).provisions for f in (a, b))  # the texts as the files give them
    want_b = "\n".join(x for p in read_b for x in redline_paragraphs(p.text) if x.strip())
    want_a = "\n".join(x for p in read_a for x in redline_paragraphs(p.text) if x.strip())
    assert _body(out, accept=True) == want_b
    assert _body(out, accept=False) == want_a


def test_docx_and_pdf_chapters_and_agreements_without_chapters(run: RunCli, tota_db: Path, modern_dir: Path,
                                                               tmp_path: Path) -> None:
    import docx

    import ftadraft
    from ftadraft.compare.align import chapter_provisions

    with ftadraft.open(tota_db, create=False) as c:
        theirs = chapter_provisions(c.index.provisions("tota-159"), "Electronic Commerce")[:6]
    d = docx.Document()
    for p in theirs:
        d.add_heading(f"Article {p.number}: {p.title}", level=2)
        for para in p.text.split("\n\n"):
            if para.strip():
                d.add_paragraph(" ".join(para.split()))
    theirs_docx = tmp_path / "theirs.docx"
    d.save(str(theirs_docx))
    r = run("compare", "tpp", str(theirs_docx), "--chapter", "Electronic Commerce", "--json", db=tota_db)
    assert r.exit_code == 0, r.stderr
    assert len(json.loads(r.stdout)["alignment"]) >= 4
    # a PDF chapter (RCEP) against an agreement's chapter
    pdf = modern_dir / "rcep-2020.pdf"
    r = run("compare", str(pdf), "tpp", "--chapter", "Electronic Commerce", "--json", db=tota_db)
    assert r.exit_code == 0, r.stderr
    pairs = json.loads(r.stdout)["alignment"]
    assert {"12.7", "14.7"} in [{x["a"], x["b"]} for x in pairs]  # Online Consumer Protection, both sides
    # a text without chapters is its own chapter; --chapter-b names B's
    wto = modern_dir / "wto-jsi-ecommerce-2024.md"
    r = run("compare", str(wto), "tpp", "--chapter-b", "Electronic Commerce", "--json", db=tota_db)
    assert r.exit_code == 0, r.stderr and json.loads(r.stdout)["alignment"]
    r = run("compare", "nosuch", "tpp:14.3", db=tota_db)
    assert r.exit_code == 1 and "nosuch" in r.stderr and "names an agreement" not in r.stderr
    r = run("compare", "tpp", "korus", db=tota_db)
    assert r.exit_code == 1 and "--chapter" in r.stderr
