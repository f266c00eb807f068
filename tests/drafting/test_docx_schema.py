"""The XML parts of produced Word files validated against the WordprocessingML schema (ECMA-376 /
ISO/IEC 29500), plus the rules the schema cannot express (``check_proposal``).

No package on PyPI or in Debian ships the ECMA-376 ``wml.xsd`` (python-docx's sdist leaves out its
``ref/xsd``; docx4j for Python, LibreOffice's SDK and the other candidates carry no XSD), and schema files
are not copied into this repository. The schema check therefore uses ``openxml-audit`` (MIT, test
extra): a pure-Python port of the Open XML SDK validator that ships the SDK's schema constraints as
package data (element sequences and choices, required attributes, value types and enumerations) and
validates every part of the package locally, without network. ``test_the_validator_sees_every_part``
proves that it really checks each part named here and the faults that matter to Word. The SDK's
constraints are Office's reading of the schema and differ from ``wml.xsd`` in a few places (``w:zoom``
without ``w:percent`` passes them); ``check_proposal`` covers those known gaps (see
``tests/test_docx_proposal.py``).

Counted: every finding except the Word "app-compat" predictions (``SourceClass.WORD_APP_COMPAT``): those
are heuristics about Word's behaviour, not schema rules, and today flag only the ``stylesWithEffects``
part that python-docx's default template brings along.
"""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from ftadraft.compare.redline import check_redline, write_redline_docx
from ftadraft.drafting.clauses import load_library
from ftadraft.drafting.docx_writer import check_proposal, render_proposal
from ftadraft.drafting.house import new_document
from ftadraft.drafting.redline import render_redline
from ftadraft.drafting.spec import build_proposal, load_spec

openxml_audit = pytest.importorskip("openxml_audit",
                                    reason="schema validation needs openxml-audit (pip install -e '.[test]')")

from openxml_audit import FileFormat, OpenXmlValidator, SourceClass, ValidationError  # noqa: E402 (after the skip)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "draft-ecommerce.yaml"
ROUND4 = EXAMPLE.with_name("draft-ecommerce-round4.yaml")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PARTS = ("word/document.xml", "word/comments.xml", "word/footnotes.xml", "word/numbering.xml", "word/styles.xml",
         "word/settings.xml")
# ECMA-376 2nd edition = ISO/IEC 29500 transitional, what Word 2010 and later read and write (the 1st
# edition lacks e.g. the w:tblLook attributes python-docx's "Table Grid" uses).
FORMAT = FileFormat.OFFICE_2010


@pytest.fixture(scope="module")
def validator() -> OpenXmlValidator:
    return OpenXmlValidator(file_format=FORMAT, max_errors=500)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example chapter as consolidated proposal (with every apparatus: internal notes, footnotes, the
    sources annex) and clean text, the round-to-round redline from it to the next round (with the same
    apparatus), and a clause comparison written by the compare module into the house template."""
    folder = tmp_path_factory.mktemp("schema")
    library = load_library()
    old = build_proposal(load_spec(EXAMPLE), library, internal=True, precedents=True)
    new = build_proposal(load_spec(ROUND4), library, internal=True, precedents=True)
    out = {"consolidated": folder / "consolidated.docx", "clean": folder / "clean.docx",
           "redline": folder / "redline.docx", "compare": folder / "compare.docx"}
    out["consolidated"].write_bytes(render_proposal(old))
    out["clean"].write_bytes(render_proposal(old, clean=True))
    out["redline"].write_bytes(render_redline(old, new))
    write_redline_docx([("Art. 1 → Art. 1", "Each Party shall publish.", "Each Party shall promptly publish.")],
                       out["compare"], author="ftadraft", date=datetime(2025, 3, 14, tzinfo=UTC),
                       title="Comparison", source="Source: test", document=new_document())
    return out


def _counted(errors: list[ValidationError]) -> list[ValidationError]:
    return [e for e in errors if e.source_class is not SourceClass.WORD_APP_COMPAT]


def _report(errors: list[ValidationError], limit: int = 10) -> str:
    """The first errors, one readable line each: part, element path, what is wrong."""
    lines = [f"  {e.part_uri or '(package)'} {e.path}: [{e.error_type.value}] {e.description}" for e in errors[:limit]]
    more = f"\n  ... and {len(errors) - limit} more" if len(errors) > limit else ""
    return f"{len(errors)} schema error(s):\n" + "\n".join(lines) + more


def _names(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as z:
        return set(z.namelist())


@pytest.mark.parametrize(("kind", "expected_parts"), [
    ("consolidated", PARTS),
    ("clean", ("word/document.xml", "word/numbering.xml", "word/styles.xml", "word/settings.xml")),
    ("redline", PARTS),
    ("compare", ("word/document.xml", "word/styles.xml", "word/settings.xml")),
])
def test_produced_parts_are_schema_valid(built: dict[str, Path], validator: OpenXmlValidator, kind: str,
                                         expected_parts: tuple[str, ...]) -> None:
    path = built[kind]
    assert set(expected_parts) <= _names(path)
    errors = _counted(validator.validate(path).errors)
    assert not errors, f"{kind}: " + _report(errors)
    # ... and the rules the schema cannot express
    assert check_proposal(path) == []


def test_redline_has_real_revisions_that_pass_the_rules(built: dict[str, Path]) -> None:
    """The redline checked above holds what makes it a redline: insertions, deletions and whole
    inserted/deleted paragraphs (a mark revision first in w:pPr/w:rPr), each with id, author and date."""
    with zipfile.ZipFile(built["redline"]) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    revisions = list(root.iter(f"{W}ins", f"{W}del"))
    assert any(r.tag == f"{W}ins" for r in revisions) and any(r.tag == f"{W}del" for r in revisions)
    assert any(r.getparent().tag == f"{W}rPr" for r in revisions)  # a paragraph mark revision
    assert len({r.get(f"{W}id") for r in revisions}) == len(revisions)
    assert all(r.get(f"{W}author") == "United States" and r.get(f"{W}date") == "2025-05-20T00:00:00Z"
               for r in revisions)
    assert check_redline(built["redline"]) == []


def _rewrite(path: Path, out: Path, edits: dict[str, list[tuple[bytes, bytes]]]) -> None:
    """``path`` with regex replacements (each must apply once) in the named parts, saved as ``out``."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            for pattern, replacement in edits.get(info.filename, []):
                blob, n = re.subn(pattern, replacement, blob, count=1)
                assert n == 1, (info.filename, pattern)
            dst.writestr(info, blob)


def test_the_validator_sees_every_part(built: dict[str, Path], validator: OpenXmlValidator, tmp_path: Path) -> None:
    """Faults planted in each part are found there: unknown elements, the CT_RPr sequence, a missing
    required attribute (w:ins without w:author) and a bad enumeration value. Without this, a validator
    that skipped a part would pass it silently."""
    broken = tmp_path / "broken.docx"
    roots = {"word/document.xml": b"body", "word/comments.xml": b"comments", "word/footnotes.xml": b"footnotes",
             "word/numbering.xml": b"numbering", "word/styles.xml": b"styles", "word/settings.xml": b"settings"}
    edits = {name: [(rb"(<w:%s\b[^>]*>)" % root, rb"\1<w:planted/>")] for name, root in roots.items()}
    edits["word/document.xml"] += [
        (rb"<w:rPr><w:b/><w:bCs/>(<w:shd [^>]*/>)", rb"<w:rPr>\1<w:b/><w:bCs/>"),
        (rb"(<w:body>)",
         rb'\1<w:p><w:ins w:id="9001" w:date="2025-03-14T00:00:00Z"><w:r><w:t>x</w:t></w:r></w:ins></w:p>'),
    ]
    edits["word/styles.xml"] += [(rb'<w:jc w:val="both"/>', rb'<w:jc w:val="sideways"/>')]
    _rewrite(built["consolidated"], broken, edits)
    errors = _counted(validator.validate(broken).errors)
    report = _report(errors, limit=50)
    for name in roots:
        assert any(e.part_uri == "/" + name and "planted" in e.description for e in errors), f"{name}\n{report}"
    found = "\n".join(f"{e.part_uri} {e.path} {e.description}" for e in errors)
    assert re.search(r"/word/document.xml \S*/rPr\[1\] Unexpected element 'b'", found), report
    assert re.search(r"/word/document.xml \S*/ins\[1\] .*'author'", found), report
    assert re.search(r"/word/styles.xml \S*/jc\[1\] .*'sideways'", found), report


def test_report_is_readable() -> None:
    errors = [ValidationError(error_type=openxml_audit.ValidationErrorType.SCHEMA, description=f"problem {k}",
                              part_uri="/word/document.xml", path=f"/document[1]/body[1]/p[{k}]") for k in range(12)]
    text = _report(errors, limit=2)
    assert text.splitlines() == ["12 schema error(s):",
                                 "  /word/document.xml /document[1]/body[1]/p[0]: [schema] problem 0",
                                 "  /word/document.xml /document[1]/body[1]/p[1]: [schema] problem 1",
                                 "  ... and 10 more"]
