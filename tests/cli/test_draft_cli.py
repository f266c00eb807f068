"""``ftadraft draft`` as a drafter meets it: every problem of a spec at once, DOCX rounds redlined."""

from __future__ import annotations

from pathlib import Path

from conftest import RunCli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_check_reports_an_impossible_date_and_every_other_error(run: RunCli, tmp_path: Path) -> None:
    text = (EXAMPLES / "draft-ecommerce.yaml").read_text(encoding="utf-8")
    assert "date: 2025-03-14" in text and "clause: general/scope/e-commerce-standard" in text
    bad = tmp_path / "spec.yaml"
    text = text.replace("date: 2025-03-14", "date: 2025-02-30")
    bad.write_text(text.replace("clause: general/scope/e-commerce-standard", "clause: general/scope/nope"),
                   encoding="utf-8")
    r = run("draft", "check", str(bad))
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert any(line.startswith(f"{bad}:") and "'2025-02-30' is not a calendar date" in line for line in lines)
    assert any(line.startswith(f"{bad}:") and "unknown clause general/scope/nope" in line for line in lines)
    assert lines[-1] == f"2 error(s) in {bad}"


def test_redline_of_two_built_docx_rounds(run: RunCli, tmp_path: Path) -> None:
    for spec, out in (("draft-ecommerce.yaml", "r3.docx"), ("draft-ecommerce-round4.yaml", "r4.docx")):
        assert run("draft", "build", str(EXAMPLES / spec), "-o", str(tmp_path / out)).exit_code == 0
    r = run("draft", "redline", str(tmp_path / "r3.docx"), str(tmp_path / "r4.docx"), "-o", str(tmp_path / "x.docx"))
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "x.docx").read_bytes()[:2] == b"PK" and "not UTF-8" not in r.stderr


def test_new_says_what_it_wrote_and_what_comes_next(run: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "spec.yaml"
    r = run("draft", "new", "--chapter", "e-commerce", "--level", "standard", "--parties", "USA,GBR", "-o", str(out))
    assert r.exit_code == 0 and out.is_file(), r.stderr
    assert f"wrote {out}; next: ftadraft draft check {out}" in r.stderr and r.stdout == ""
    assert run("draft", "check", str(out)).exit_code == 0
