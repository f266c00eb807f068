"""Round-to-round redlines that are true: Accept All gives the new round's own document and Reject All the
old round's (read with this folder's own reader, ``docx_views``), articles are paired by content (a dropped
article is one deletion, a move is a deletion and an insertion, renumbering only changes numbers), only what
changed is marked, the same inputs give the same bytes, and a .docx can stand in for a spec."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from clause_files import spec_file
from docx_views import comments, read_view, revisions

import ftadraft
import ftadraft.cli.draft  # noqa: F401  (registers the draft group)
from ftadraft.drafting.clauses import ClauseLibrary, load_library
from ftadraft.drafting.docx_writer import check_proposal, render_proposal
from ftadraft.drafting.proposal import Alternative, Alternatives, Article, Paragraph, PartyName, Proposal
from ftadraft.drafting.redline import pair_articles, render_redline
from ftadraft.drafting.spec import build_proposal, load_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ROUND3, ROUND4 = EXAMPLES / "draft-ecommerce.yaml", EXAMPLES / "draft-ecommerce-round4.yaml"


@pytest.fixture(scope="module")
def lib() -> ClauseLibrary:
    return load_library()


def assert_true_redline(old: Proposal, new: Proposal, **options: bool) -> bytes:
    """The redline from ``old`` to ``new``: passes its checks, Accept All shows exactly ``new``'s document
    and Reject All ``old``'s (paragraphs, styles, numbering, runs and their formatting, tables, header,
    footnotes); returns its bytes."""
    data = render_redline(old, new, **options)
    assert check_proposal(data) == []
    for proposal, accept in ((new, True), (old, False)):
        want = read_view(render_proposal(proposal, **options))
        got = read_view(data, accept=accept)
        assert got.header == want.header
        assert got.texts() == want.texts()
        assert got.body == want.body
        assert got.tables == want.tables and got.footnotes == want.footnotes
    return data


@pytest.mark.parametrize("apparatus", [False, True], ids=["as-sent", "internal-footnotes-sources"])
def test_example_rounds(lib: ClauseLibrary, apparatus: bool) -> None:
    """Round 3 → Round 4 of the example: an article dropped, one moved and retitled, a party's alternative
    added, an article added, values changed."""
    old = build_proposal(load_spec(ROUND3), lib, internal=apparatus, precedents=apparatus)
    new = build_proposal(load_spec(ROUND4), lib, internal=apparatus, precedents=apparatus)
    data = assert_true_redline(old, new, footnotes=apparatus, annex=apparatus)
    notes = comments(data)
    assert ("ftadraft", "Moved: was Article 19.7 in Round 3.") in notes
    assert ("ftadraft", "Moved: now Article 19.5 (Regulatory Cooperation).") in notes
    assert set(comments(render_proposal(new, footnotes=apparatus, annex=apparatus))) <= set(notes)


def test_the_ingest_reader_reads_the_accepted_redline_as_the_new_round(lib: ClauseLibrary, tmp_path: Path) -> None:
    """A reader written apart (``ftadraft.load_file``, which takes the accepted text) sees the redline's
    articles exactly as it sees the new round's own document: numbers, titles and texts."""
    old, new = (build_proposal(load_spec(p), lib) for p in (ROUND3, ROUND4))
    (tmp_path / "redline.docx").write_bytes(render_redline(old, new))
    (tmp_path / "new.docx").write_bytes(render_proposal(new))
    got, want = (ftadraft.load_file(tmp_path / name) for name in ("redline.docx", "new.docx"))
    def articles(doc: ftadraft.Document) -> list[tuple[str | None, str | None, str]]:
        return [(p.number, p.title, p.text) for p in doc.provisions]

    assert articles(got) == articles(want)
    assert [p.number for p in got.provisions if p.number] == [f"19.{k}" for k in range(1, 9)]


def test_articles_are_paired_by_content(lib: ClauseLibrary) -> None:
    old, new = (build_proposal(load_spec(p), lib) for p in (ROUND3, ROUND4))
    steps = [(s.kind, s.old, s.new) for s in pair_articles(old, new)]
    assert steps == [
        ("same", 0, 0), ("same", 1, 1), ("same", 2, 2),
        ("deleted", 3, None),          # electronic authentication, dropped
        ("same", 4, 3),                # personal information, now with the EU's alternative
        ("moved-to", 6, 4),            # regulatory cooperation moved up (and retitled)
        ("same", 5, 5),                # data flows
        ("moved-from", 6, 4),
        ("inserted", None, 6),         # spam, added
        ("same", 7, 7),
    ]


def _changed_words(data: bytes) -> tuple[list[str], list[str]]:
    r = revisions(data)
    return ([w for t in r["del"] for w in re.findall(r"\w+(?:\.\d+)?", t)],
            [w for t in r["ins"] for w in re.findall(r"\w+(?:\.\d+)?", t)])


def test_a_dropped_article_is_one_deletion_and_renumbering_only_changes_numbers(lib: ClauseLibrary,
                                                                                tmp_path: Path) -> None:
    old = build_proposal(load_spec(ROUND3), lib)
    dropped = tmp_path / "dropped.yaml"
    dropped.write_text(ROUND3.read_text().replace("  - clause: e-commerce/e-authentication/standard\n", ""))
    new = build_proposal(load_spec(dropped), lib)
    data = assert_true_redline(old, new)
    deleted, inserted = _changed_words(data)
    gone = old.articles[3]
    words = set(re.findall(r"\w+", " ".join([gone.title, *(b.text for b in gone.body if isinstance(b, Paragraph))])))
    numbers = {w for w in deleted if re.fullmatch(r"19\.\d|\d", w)}
    # deleted: the article and its TOC entry, and the old numbers (and pages) of the TOC entries after it
    assert set(deleted) - numbers == (words | {"Article"}) - numbers
    assert all(re.fullmatch(r"19\.\d|\d", w) for w in inserted), inserted  # renumbering: numbers only
    assert len(numbers) <= 2 * (len(old.articles) - 3)


def test_a_value_change_is_a_word_change(lib: ClauseLibrary, tmp_path: Path) -> None:
    old = build_proposal(load_spec(ROUND3), lib)
    changed = tmp_path / "changed.yaml"
    changed.write_text(ROUND3.read_text().replace("months: 18", "months: 24"))
    data = assert_true_redline(old, build_proposal(load_spec(changed), lib))
    assert revisions(data) == {"del": ["18"], "ins": ["24"]}


def test_a_title_change_is_a_tracked_change(lib: ClauseLibrary, tmp_path: Path) -> None:
    old = build_proposal(load_spec(ROUND3), lib)
    retitled = tmp_path / "retitled.yaml"
    retitled.write_text(ROUND3.read_text().replace("title: Cooperation on Regulatory Issues",
                                                   "title: Regulatory Cooperation"))
    data = assert_true_redline(old, build_proposal(load_spec(retitled), lib))
    r = revisions(data)
    assert sorted(r["del"]) == ["Cooperation on Regulatory Issues"] * 2  # the heading and its TOC entry
    assert sorted(r["ins"]) == ["Regulatory Cooperation"] * 2
    assert "→" not in "".join(read_view(data).texts())


def _proposal(articles: tuple[Article, ...], *, date: str = "2025-05-20", round_: str = "Round 2") -> Proposal:
    parties = (PartyName("USA", "United States"), PartyName("EU", "European Union"), PartyName("JPN", "Japan"))
    return Proposal("Invented Agreement", parties, 4, "Widgets", round_, date, "USA", articles)


def test_levels_alternatives_and_brackets_change_as_revisions() -> None:
    """A paragraph that becomes a sub-paragraph (w:pPrChange), brackets removed around kept words
    (w:rPrChange: the shading goes), a party's stacked alternative added (explicit numbering)."""
    old = _proposal((
        Article("Widgets", (Paragraph("Each Party shall [promptly] publish its widget rules."),
                            Paragraph("The Parties shall cooperate."), Paragraph("Widgets include gadgets."))),
        Article("Gadgets", (Paragraph("No Party shall tax gadgets."), Paragraph("Each Party shall report."))),
    ), date="2025-01-10", round_="Round 1")
    new = _proposal((
        Article("Widgets", (Paragraph("Each Party shall promptly publish its widget rules:"),
                            Paragraph("The Parties shall cooperate.", 2), Paragraph("Widgets include gadgets."))),
        Article("Gadgets", (Alternatives((Alternative("USA", (Paragraph("No Party shall tax gadgets."),)),
                                          Alternative("EU/JPN", (Paragraph("A Party may tax gadgets."),
                                                                 Paragraph("Such taxes shall be low.", 2)))),
                                         "stacked"),
                            Paragraph("Each Party shall report."))),
    ))
    data = assert_true_redline(old, new)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        document = z.read("word/document.xml").decode()
    assert "<w:pPrChange" in document and "<w:rPrChange" in document


def test_same_inputs_same_bytes(lib: ClauseLibrary, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    outs = [tmp_path / "a.docx", tmp_path / "b.docx"]
    for out in outs:
        r = run("draft", "redline", str(ROUND3), str(ROUND4), "-o", str(out))
        assert r.exit_code == 0, r.stderr
    assert outs[0].read_bytes() == outs[1].read_bytes()
    with zipfile.ZipFile(outs[0]) as z:
        assert {info.date_time[:3] for info in z.infolist()} == {(2025, 5, 20)}
        document = z.read("word/document.xml").decode()
    assert set(re.findall(r'w:date="([^"]+)"', document)) == {"2025-05-20T00:00:00Z"}
    assert set(re.findall(r'w:author="([^"]+)"', document)) == {"United States"}


def test_docx_rounds_stand_in_for_specs(lib: ClauseLibrary, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The proposal we sent (.docx) against the next round's spec, and against itself."""
    sent = tmp_path / "sent.docx"
    assert run("draft", "build", str(ROUND3), "-o", str(sent)).exit_code == 0
    out = tmp_path / "changes.docx"
    r = run("draft", "redline", str(sent), str(ROUND4), "-o", str(out))
    assert r.exit_code == 0, r.stderr
    new = build_proposal(load_spec(ROUND4), lib)
    assert read_view(out, accept=True).body == read_view(render_proposal(new)).body
    old_texts = read_view(out, accept=False).texts()
    assert "Electronic Authentication and Electronic Signatures" in old_texts
    deleted, inserted = _changed_words(out.read_bytes())
    total = sum(len(re.findall(r"\w+", t)) for t in old_texts)
    assert len(deleted) < total / 3  # paired by content: not delete-and-retype
    same = tmp_path / "same.docx"
    assert run("draft", "redline", str(sent), str(sent), "-o", str(same)).exit_code == 0
    assert revisions(same.read_bytes()) == {"del": [], "ins": []}


@pytest.mark.parametrize(("name", "content"), [
    ("notes.pdf", b"%PDF-1.7\n\x00\x01binary"),
    ("spec.yaml", b"\xff\xfe\x00b\x00a\x00d"),
    ("picture.png", b"\x89PNG\r\n\x1a\n\x00\x00"),
])
def test_a_wrong_input_says_what_is_expected(run, tmp_path: Path, name: str, content: bytes) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / name
    bad.write_bytes(content)
    r = run("draft", "redline", str(bad), str(ROUND4), "-o", str(tmp_path / "x.docx"))
    assert r.exit_code == 1
    assert r.stderr == f"ftadraft: {bad}: expected a draft spec (.yaml) or a .docx\n"
    assert not (tmp_path / "x.docx").exists()


def test_redline_of_specs_with_errors_names_file_and_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec = spec_file(tmp_path / "s.yaml", """\
        - clause: e-commerce/no-such/standard
        """)
    r = run("draft", "redline", str(spec), str(ROUND4), "-o", str(tmp_path / "x.docx"))
    assert r.exit_code == 1 and f"{spec}:14: unknown clause" in r.stderr and "Traceback" not in r.stderr
