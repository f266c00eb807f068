"""ftadraft draft: spec loading and checks (FILE:LINE), building DOCX/MD/HTML, redlines, re-ingest."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx_views import comments, read_view

import ftadraft
import ftadraft.cli.draft  # registers the draft group
from ftadraft.drafting.clauses import load_library
from ftadraft.drafting.spec import (
    SpecError,
    build_proposal,
    check_spec,
    load_spec,
    new_spec,
    split_paragraphs,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "draft-ecommerce.yaml"


@pytest.fixture(scope="module")
def lib():  # type: ignore[no-untyped-def]
    return load_library()


def _docx_text(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


SPEC = """\
agreement: Test Agreement
parties:
  - code: USA
    name: United States
  - code: GBR
    name: United Kingdom
chapter:
  number: 7
  title: Digital Trade
round: Round 1
date: 2025-01-10
author: USA
articles:
  - clause: e-commerce/cooperation/standard
    values:
      committee: Committee on Digital Trade
      joint_body: Joint Committee
      months: {months}
  - title: Free Text
    text: The Parties shall meet [annually].
"""


def _write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# -- new -> check -> build round trip ------------------------------------------------------------
def test_new_check_build_round_trip(tmp_path: Path, run, lib) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "ec.yaml"
    r = run("draft", "new", "--chapter", "e-commerce", "--level", "standard", "--parties", "USA,GBR", "-o", str(spec))
    assert r.exit_code == 0, r.stderr
    r = run("draft", "check", str(spec))
    assert r.exit_code == 0, r.stderr
    loaded = load_spec(spec)
    assert [(p.code, p.short, p.in_text) for p in loaded.parties] == [("USA", "US", "the United States"),
                                                                        ("GBR", "UK", "the United Kingdom")]
    assert any(a.clause == "e-commerce/customs-duties/standard" for a in loaded.articles)
    levels = {c.level for a in loaded.articles for c in [lib.get(a.clause)] if not c.topic.startswith("general/")}
    assert levels == {"standard"}
    out, clean = tmp_path / "ec.docx", tmp_path / "ec-clean.docx"
    assert run("draft", "build", str(spec), "-o", str(out)).exit_code == 0
    assert run("draft", "build", str(spec), "-o", str(clean), "--clean").exit_code == 0
    text = _docx_text(out)
    for a in build_proposal(loaded, lib).articles:
        assert a.title in text
    assert "Cross-Border Transfer of Information by Electronic Means" in text and "Scope" in text


def test_new_prints_yaml_to_stdout(run) -> None:  # type: ignore[no-untyped-def]
    r = run("draft", "new", "--chapter", "clearance", "--level", "ambitious", "--parties", "EU,JPN")
    assert r.exit_code == 0, r.stderr
    assert "clearance/advance-rulings/ambitious" in r.stdout and "author: EU" in r.stdout


def test_new_refuses_unknown_area(lib) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ftadraft.FtadraftError, match="no such chapter"):
        new_spec(lib, "fisheries", "standard", ["USA", "GBR"])


def test_example_builds_with_brackets_and_clean(tmp_path: Path, run, lib) -> None:  # type: ignore[no-untyped-def]
    assert run("draft", "check", str(EXAMPLE)).exit_code == 0
    out, clean = tmp_path / "ex.docx", tmp_path / "ex-clean.docx"
    assert run("draft", "build", str(EXAMPLE), "-o", str(out)).exit_code == 0
    assert run("draft", "build", str(EXAMPLE), "-o", str(clean), "--clean").exit_code == 0
    consolidated, plain = _docx_text(out), _docx_text(clean)
    assert "[annually]" not in consolidated  # (a different spec's text)
    assert "[three]" in consolidated and "Alt 1 (US)" in consolidated
    assert "[" not in plain and "]" not in plain and "three" in plain
    for title in ("Customs Duties", "Cooperation on Regulatory Issues", "Cross-Border Transfer of Information"):
        assert title in consolidated and title in plain
    p = build_proposal(load_spec(EXAMPLE), lib)
    assert len(p.articles) == 8
    styles = [b.style for a in p.articles for b in a.alternatives()]
    assert styles == ["inline", "stacked"]


def test_markdown_and_html(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    md, html, md_clean = tmp_path / "ex.md", tmp_path / "ex.html", tmp_path / "ex-clean.md"
    assert run("draft", "build", str(EXAMPLE), "-o", str(md)).exit_code == 0
    assert run("draft", "build", str(EXAMPLE), "-o", str(html)).exit_code == 0
    assert run("draft", "build", str(EXAMPLE), "-o", str(md_clean), "--clean").exit_code == 0
    m = md.read_text()
    assert "### Article 19.3: Customs Duties" in m and "1. [US: No Party" in m and "[Alt 2 (EU):" in m
    assert "(a) " in m and "Precedents" not in m  # precedents only when asked for
    assert "*Proposal by the United States — Round 3 — 14 March 2025 — DRAFT, without prejudice*" in m
    c = md_clean.read_text()
    assert "[" not in c and "Note (" not in c
    h = html.read_text()
    assert h.startswith("<!DOCTYPE html>") and '<span class="br">[</span>' in h


def test_split_paragraphs_levels() -> None:
    ps = split_paragraphs("1. First:\n(a) one; and\n(b) two.\n\n2. Second\ncontinued.")
    assert [(p.level, p.text) for p in ps] == [(1, "First:"), (2, "one; and"), (2, "two."), (1, "Second continued.")]


# -- check errors with FILE:LINE ------------------------------------------------------------------
def _problems(tmp_path: Path, text: str, lib) -> list[str]:  # type: ignore[no-untyped-def]
    spec = _write(tmp_path, text)
    return [str(p) for p in check_spec(load_spec(spec), lib) if p.is_error]


def test_check_unknown_clause(tmp_path: Path, lib, run) -> None:  # type: ignore[no-untyped-def]
    text = SPEC.format(months=12).replace("e-commerce/cooperation/standard", "e-commerce/cooperation/nosuch")
    probs = _problems(tmp_path, text, lib)
    assert len(probs) == 1 and probs[0].startswith(f"{tmp_path / 'spec.yaml'}:14: unknown clause")
    r = run("draft", "check", str(tmp_path / "spec.yaml"))
    assert r.exit_code == 1 and "spec.yaml:14: unknown clause" in r.stderr


def test_check_missing_and_undeclared_variable(tmp_path: Path, lib) -> None:  # type: ignore[no-untyped-def]
    spec = SPEC.format(months="~").replace("      joint_body", "      nosuch: x\n      joint_body")
    probs = _problems(tmp_path, spec, lib)
    assert any(p.endswith("spec.yaml:19: e-commerce/cooperation/standard: missing value for variable 'months'")
               for p in probs), probs
    assert any("spec.yaml:17:" in p and "undeclared variable 'nosuch'" in p for p in probs), probs


def test_check_value_out_of_range(tmp_path: Path, lib, run) -> None:  # type: ignore[no-untyped-def]
    probs = _problems(tmp_path, SPEC.format(months=99), lib)
    assert len(probs) == 1 and "spec.yaml:18:" in probs[0] and "above the maximum 36" in probs[0]
    out = tmp_path / "x.docx"
    r = run("draft", "build", str(tmp_path / "spec.yaml"), "-o", str(out))
    assert r.exit_code == 1 and "spec.yaml:18:" in r.stderr and not out.exists()


def test_check_unknown_party_and_brackets(tmp_path: Path, lib) -> None:  # type: ignore[no-untyped-def]
    text = SPEC.format(months=12).replace("author: USA", "author: FRA").replace("[annually].", "[annually.")
    text += "    notes:\n      - party: JPN\n        text: hi\n"
    probs = _problems(tmp_path, text, lib)
    assert any("spec.yaml:12: author 'FRA'" in p for p in probs), probs
    assert any("spec.yaml:20:" in p and "square brackets" in p for p in probs), probs
    assert any("spec.yaml:22: note by unknown party 'JPN'" in p for p in probs), probs


@pytest.mark.parametrize(("bad", "line", "message"), [
    (SPEC.format(months=12).replace("  - title: Free Text", "\t- title: Free Text"), 19, "tab in indentation"),
    (SPEC.format(months=12).replace("round: Round 1", "round: Round 1\nround: Round 2"), 11, "duplicate key 'round'"),
    (SPEC.format(months=12).replace("round: Round 1", "round: !!python/object:os.system x"), 10, "not allowed"),
    (SPEC.format(months=12).replace("date: 2025-01-10", "date: 2025-02-30"), 11,
     "'2025-02-30' is not a calendar date (YYYY-MM-DD)"),
    (SPEC.format(months=12).replace("joint_body: Joint Committee", "joint_body: 2025-13-01"), 17,
     "'2025-13-01' is not a calendar date"),
    (SPEC.format(months=12).replace("date: 2025-01-10", "date: '2025-02-30'"), 11, "must be a calendar date"),
])
def test_check_refuses_bad_yaml(tmp_path: Path, run, bad: str, line: int, message: str) -> None:  # type: ignore[no-untyped-def]
    spec = _write(tmp_path, bad)
    with pytest.raises(SpecError) as exc:
        load_spec(spec)
    assert exc.value.line == line and message in str(exc.value)
    r = run("draft", "check", str(spec))
    assert r.exit_code == 1 and f"spec.yaml:{line}: " in r.stderr and message in r.stderr


def test_impossible_date_fails_build_with_one_line(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    """``draft build`` on a spec with 2025-02-30: one FILE:LINE line, exit 1, no traceback, no file."""
    spec = _write(tmp_path, SPEC.format(months=12).replace("date: 2025-01-10", "date: 2025-02-30"))
    for name in ("out.docx", "out.md"):
        r = run("draft", "build", str(spec), "-o", str(tmp_path / name))
        assert r.exit_code == 1
        assert r.stderr.splitlines() == [(f"ftadraft: {spec}:11: '2025-02-30' is not a calendar date (YYYY-MM-DD); "
                                          "quote it if it is meant as text")]
    r = run("draft", "redline", str(spec), str(spec), "-o", str(tmp_path / "changes.docx"))
    assert r.exit_code == 1 and f"{spec}:11: '2025-02-30' is not a calendar date" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


# -- outputs --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["out.docx", "out.md", "out.html"])
def test_build_refuses_existing_output(tmp_path: Path, run, name: str) -> None:  # type: ignore[no-untyped-def]
    spec = _write(tmp_path, SPEC.format(months=12))
    out = tmp_path / name
    out.write_bytes(b"keep me")
    r = run("draft", "build", str(spec), "-o", str(out))
    assert r.exit_code == 1 and "--force" in r.stderr and out.read_bytes() == b"keep me"
    assert run("draft", "build", str(spec), "-o", str(out), "--force").exit_code == 0
    assert out.read_bytes() != b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "spec.yaml"])  # no temporary files


def test_build_failure_leaves_no_file(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    spec = _write(tmp_path, SPEC.format(months=12).replace("[annually].", "[annually."))
    r = run("draft", "build", str(spec), "-o", str(tmp_path / "out.docx"))
    assert r.exit_code == 1 and "spec.yaml:20:" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


def test_redline_between_specs(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    old = _write(tmp_path, SPEC.format(months=12), "old.yaml")
    new = _write(tmp_path, SPEC.format(months=18).replace("Round 1", "Round 2"), "new.yaml")
    out = tmp_path / "changes.docx"
    r = run("draft", "redline", str(old), str(new), "-o", str(out))
    assert r.exit_code == 0, r.stderr
    accepted, rejected = read_view(out, accept=True).texts(), read_view(out, accept=False).texts()
    assert any("18 months" in t for t in accepted) and not any("12 months" in t for t in accepted)
    assert any("12 months" in t for t in rejected) and not any("18 months" in t for t in rejected)
    assert "The Parties shall meet [annually]." in accepted and "The Parties shall meet [annually]." in rejected
    r = run("draft", "redline", str(old), str(new), "-o", str(out))
    assert r.exit_code == 1 and "--force" in r.stderr


# -- re-ingest ------------------------------------------------------------------------------------
def test_reingest_round_trip_one_provision_per_article(tmp_path: Path, run, lib) -> None:  # type: ignore[no-untyped-def]
    """A built (clean) proposal added back to the corpus: Word's own numbering gives the article numbers."""
    out = tmp_path / "clean.docx"
    assert run("draft", "build", str(EXAMPLE), "-o", str(out), "--clean").exit_code == 0
    doc = ftadraft.load_file(out)
    arts = [p for p in doc.provisions if p.number]
    built = build_proposal(load_spec(EXAMPLE), lib).articles
    assert [p.number for p in arts] == [f"19.{i}" for i in range(1, len(built) + 1)]
    assert [p.title for p in arts] == [a.title for a in built]
    for a, p in zip(built, arts, strict=True):
        first = a.body[0]
        para = first.text if hasattr(first, "text") else first.options[0].blocks[0].text
        assert para.replace("[", "").replace("]", "") in " ".join(p.text.split())


def test_reingest_consolidated_proposal_gives_each_article_once(tmp_path: Path, run, lib) -> None:  # type: ignore[no-untyped-def]
    """The consolidated text (brackets, comments, footnotes and the "Sources and precedents" annex table,
    whose rows read "Article 19.1: Scope | tpp:14.2") re-ingests with the spec's article numbers, once
    each, with the right titles; the table becomes an annex provision of its own."""
    out, db = tmp_path / "x.docx", tmp_path / "rt.sqlite"
    assert run("draft", "build", str(EXAMPLE), "-o", str(out), "--internal", "--footnotes", "--sources").exit_code == 0
    r = run("corpus", "add", str(out), db=db)
    assert r.exit_code == 0, r.stderr
    assert "more than once" not in r.stderr
    built = build_proposal(load_spec(EXAMPLE), lib, precedents=True).articles
    with ftadraft.open(db, create=False) as corpus:
        (agreement,) = corpus.agreements()
        provisions = list(corpus.index.provisions(agreement.id))
    arts = [p for p in provisions if p.number]
    assert [p.number for p in arts] == [f"19.{i}" for i in range(1, len(built) + 1)]
    assert [p.title for p in arts] == [a.title for a in built]
    annexes = [p for p in provisions if "annex" in p.flags]
    assert [a.title for a in annexes] == ["Annex: Sources and precedents"]
    assert "Article 19.1: Scope\ttpp:14.2 tota-155:70" in annexes[0].text.splitlines()
    for p in arts:  # no annex rows or heading in any article's text
        assert "Sources and precedents" not in p.text and "\ttpp:" not in p.text and "\ttota-" not in p.text


def test_what_a_delegation_sends_is_safe_by_default(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    """Internal notes (the clause library's drafting notes, untabled spec notes: fall-backs) and precedents
    stay out unless asked for; --internal adds the notes marked as internal, --no-library-notes leaves out
    the library's; --footnotes/--sources add the precedents."""
    sent, internal, lean = tmp_path / "sent.md", tmp_path / "internal.md", tmp_path / "lean.md"
    assert run("draft", "build", str(EXAMPLE), "-o", str(sent)).exit_code == 0
    assert run("draft", "build", str(EXAMPLE), "-o", str(internal), "--internal").exit_code == 0
    assert run("draft", "build", str(EXAMPLE), "-o", str(lean), "--internal", "--no-library-notes").exit_code == 0
    text = sent.read_text()
    assert "pending its internal consultations" in text  # tabled: true
    assert "fall-back" not in text and "Negotiating considerations" not in text and "Internal note" not in text
    assert "Note (EU)" in text and "Note (USA)" not in text and "Precedents" not in text
    full = internal.read_text()
    assert "**Internal note (US):** US fall-back" in full and "**Internal note (ftadraft):**" in full
    assert "Note (USA)" not in full  # library notes are ftadraft's, never a party's
    assert 0 < lean.read_text().count("Internal note") < full.count("Internal note")
    assert "Internal note (ftadraft)" not in lean.read_text()
    docx_out = tmp_path / "sent.docx"
    assert run("draft", "build", str(EXAMPLE), "-o", str(docx_out)).exit_code == 0
    assert comments(docx_out) == [("EU", "The EU links the commitment to the WTO moratorium pending its internal "
                                         "consultations.")]
    with_sources = tmp_path / "sources.docx"
    assert run("draft", "build", str(EXAMPLE), "-o", str(with_sources), "--sources").exit_code == 0
    view = read_view(with_sources)
    assert view.tables and view.tables[0][0] == ("Article", "Precedents") and "^" not in "".join(view.texts())
