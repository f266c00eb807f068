"""Assembly of a draft into one coherent chapter: cross-references to the assembled numbering, parties named
as the spec names them, bilateral forms, the level asked for, notes that are ftadraft's and safe by default,
definitions sorted, every problem of a spec reported, and terms used but not defined warned about."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from clause_files import clause_file, spec_file
from docx_views import read_view

import ftadraft.cli.draft  # noqa: F401  (registers the draft group)
from ftadraft.drafting.clauses import (
    DEFINITION,
    ClauseLibrary,
    cross_references,
    defined_terms,
    load_library,
    render,
    unresolved_reference,
    validate,
)
from ftadraft.drafting.proposal import LIBRARY
from ftadraft.drafting.spec import (
    bilateral,
    build_proposal,
    check_spec,
    load_spec,
    missing_levels,
    new_spec,
    proposal_markdown,
    read_spec,
)

XREF_TEXT = """\
1. Each Party shall provide information on request, in accordance with {{ article:cooperation/information-exchange }}.

2. No Party shall disclose it to another Party without the consent of the other Parties."""


@pytest.fixture(scope="module")
def lib() -> ClauseLibrary:
    return load_library()


@pytest.fixture()
def small(tmp_path: Path) -> ClauseLibrary:
    """A library of three clauses: one refers to information exchange, one is information exchange."""
    root = tmp_path / "clauses"
    clause_file(root, "cooperation/customs-cooperation/standard", XREF_TEXT)
    clause_file(root, "cooperation/information-exchange/standard",
                "1. Each Party shall exchange information with the other Parties on request.")
    clause_file(root, "general/definitions/customs-standard", """\
For the purposes of this Chapter:

"customs administration" means, for {{ party_a }}, {{ customs_a }};

"trader" means a person who imports goods.""",
                obligation="none",
                variables={"party_a": {"type": "party", "default": "Party A"},
                           "customs_a": {"type": "text", "default": "[name of the customs authority of Party A]"}},
                options=[{"id": "release", "text": '"release" means the act of letting goods go.', "default": False}])
    return load_library(root)


# --- cross-references ------------------------------------------------------------------------------------

def test_cross_references_resolve_to_the_assembled_numbering(tmp_path: Path, small: ClauseLibrary) -> None:
    spec = spec_file(tmp_path / "s.yaml", """\
        - clause: cooperation/customs-cooperation/standard
        - title: Something Else
          text: Each Party shall publish.
        - clause: cooperation/information-exchange/standard
        """, chapter=5)
    assert [p for p in check_spec(load_spec(spec), small) if p.is_error] == []
    p = build_proposal(load_spec(spec), small)
    first = p.articles[0].body[0].text
    assert "in accordance with Article 5.3 (Exchange of Information)." in first
    assert "{{" not in proposal_markdown(p) and "[Article X" not in proposal_markdown(p)


def test_a_reference_to_an_absent_article_is_a_check_error(tmp_path: Path, small: ClauseLibrary, run) -> None:  # type: ignore[no-untyped-def]
    spec = spec_file(tmp_path / "s.yaml", """\
        - clause: cooperation/customs-cooperation/standard
        """)
    errors = [str(p) for p in check_spec(load_spec(spec), small) if p.is_error]
    assert errors == [f"{spec}:14: cooperation/customs-cooperation/standard: refers to "
                      "{{ article:cooperation/information-exchange }} (Exchange of Information), but no article of "
                      "this draft covers cooperation/information-exchange; add one (a library clause, or an article "
                      "with 'topic: cooperation/information-exchange')"]


def test_a_free_text_article_can_be_the_target(tmp_path: Path, small: ClauseLibrary) -> None:
    spec = spec_file(tmp_path / "s.yaml", """\
        - clause: cooperation/customs-cooperation/standard
        - title: Exchange of Customs Data
          topic: cooperation/information-exchange
          text: The Parties shall exchange customs data.
        """)
    p = build_proposal(load_spec(spec), small)
    assert "in accordance with Article 1.2 (Exchange of Customs Data)." in p.articles[0].body[0].text


def test_unassembled_references_and_validation(tmp_path: Path, small: ClauseLibrary) -> None:
    c = small.get("cooperation/customs-cooperation/standard")
    assert cross_references(c.text or "") == [("cooperation/information-exchange", XREF_TEXT.index("{{"))]
    assert unresolved_reference("cooperation/information-exchange") in render(c)
    assert unresolved_reference("cooperation/information-exchange") == "[Article X.Y] (Exchange of Information)"
    root = tmp_path / "bad"
    path = clause_file(root, "cooperation/customs-cooperation/standard",
                       "1. Each Party shall apply {{ article:cooperation/no-such-topic }}.")
    problems = [str(p) for p in validate(load_library(root)) if p.is_error]
    assert problems == [f"{root.name}/cooperation/{path.name}:7: cross-reference "
                        "{{ article:cooperation/no-such-topic }}: no such topic"]


def test_the_real_cooperation_chapter_refers_to_its_own_articles(lib: ClauseLibrary, tmp_path: Path) -> None:
    """``draft new --chapter cooperation``: every reference names an article of the chapter by its number."""
    path = tmp_path / "coop.yaml"
    path.write_text(new_spec(lib, "cooperation", "ambitious", ["USA", "GBR"], today="2025-03-14"), encoding="utf-8")
    p = build_proposal(load_spec(path), lib)
    md = proposal_markdown(p)
    assert "[Article X" not in md
    titles = {f"Article {p.chapter_number}.{k + 1} ({a.title})" for k, a in enumerate(p.articles)}
    found = re.findall(r"Article \d+\.\d+ \([^)]+\)", md)
    assert found and set(found) <= titles


# --- parties ---------------------------------------------------------------------------------------------

def test_parties_are_named_as_the_spec_names_them(tmp_path: Path, small: ClauseLibrary) -> None:
    spec = spec_file(tmp_path / "s.yaml", """\
        - clause: general/definitions/customs-standard
        """)
    text = spec.read_text().replace("    name: United States\n",
                                    "    name: United States\n    short: US\n    in_text: the United States\n")
    spec.write_text(text)
    loaded = load_spec(spec)
    assert [(p.short, p.in_text) for p in loaded.parties] == [("US", "the United States"), ("UK", "the United Kingdom")]
    p = build_proposal(loaded, small)
    entry = next(b.text for b in p.articles[0].body if "customs administration" in b.text)
    assert entry == ('"customs administration" means, for the United States, [name of the customs authority of the '
                     'United States]; and')
    assert p.party_label("USA/GBR") == "US/UK" and p.display_date == "14 March 2025"


def test_bilateral_drafts_read_neither_party_and_the_other_party(tmp_path: Path, small: ClauseLibrary) -> None:
    assert bilateral("No Party shall ask another Party or the other Parties' officials.") == (
        "Neither Party shall ask the other Party or the other Party's officials.")
    articles = """\
        - clause: cooperation/customs-cooperation/standard
        - clause: cooperation/information-exchange/standard
        """
    two = build_proposal(load_spec(spec_file(tmp_path / "two.yaml", articles)), small)
    assert two.articles[0].body[1].text == ("Neither Party shall disclose it to the other Party without the consent "
                                            "of the other Party.")
    three = build_proposal(load_spec(spec_file(tmp_path / "three.yaml", articles,
                                               parties=(("USA", "United States"), ("GBR", "United Kingdom"),
                                                        ("JPN", "Japan")))), small)
    assert three.articles[0].body[1].text == ("No Party shall disclose it to another Party without the consent of "
                                              "the other Parties.")


# --- levels ----------------------------------------------------------------------------------------------

def test_draft_new_soft_uses_soft_clauses_or_says_which_topics_have_none(  # type: ignore[no-untyped-def]
        lib: ClauseLibrary, run, tmp_path: Path) -> None:
    out = tmp_path / "soft.yaml"
    r = run("draft", "new", "--chapter", "clearance", "--level", "soft", "--parties", "EU,JPN", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    spec = load_spec(out)
    used = [lib.get(a.clause or "") for a in spec.articles]
    assert {c.level for c in used if c.area != "general"} == {"soft"}
    missing = missing_levels(lib, "clearance", "soft")
    assert missing and all("soft" not in levels for levels in missing.values())
    assert f"no soft clause for {len(missing)} topic(s)" in r.stderr
    for topic in missing:
        assert topic in r.stderr and topic in out.read_text().splitlines()[2]
    nearest = tmp_path / "nearest.yaml"
    r = run("draft", "new", "--chapter", "clearance", "--level", "soft", "--parties", "EU,JPN", "--nearest",
            "-o", str(nearest))
    assert r.exit_code == 0 and "stands in" in r.stderr
    text = nearest.read_text()
    assert all(f"no soft clause for {topic}" in text for topic in missing)
    assert len(load_spec(nearest).articles) == len(spec.articles) + len(missing)
    assert run("draft", "check", str(nearest)).exit_code == 0


# --- notes -----------------------------------------------------------------------------------------------

def test_library_notes_are_ftadrafts_and_internal(tmp_path: Path, small: ClauseLibrary) -> None:
    spec = spec_file(tmp_path / "s.yaml", """\
        - clause: cooperation/information-exchange/standard
          notes:
            - party: GBR
              text: The UK asks for a shorter deadline.
              tabled: true
            - Our fall-back is 30 days.
        """)
    sent = build_proposal(load_spec(spec), small)
    assert [(n.party, n.internal) for n in sent.articles[0].notes] == [("GBR", False)]
    full = build_proposal(load_spec(spec), small, internal=True)
    assert [(n.party, n.internal) for n in full.articles[0].notes] == [(LIBRARY, True), ("GBR", False), ("USA", True)]
    assert full.party_label(LIBRARY) == "ftadraft"


# --- definitions ------------------------------------------------------------------------------------------

def test_optional_definitions_are_sorted_in(small: ClauseLibrary, lib: ClauseLibrary) -> None:
    c = small.get("general/definitions/customs-standard")
    on = render(c, options={"release": True}).split("\n\n")
    assert [DEFINITION.match(p).group(1) for p in on[1:]] == ["customs administration", "release", "trader"]
    assert on[1].endswith(";") and on[2].endswith("; and") and on[3].endswith(".")
    for definitions in lib.select("general/definitions"):  # the shipped ones, every option on
        text = render(definitions, options={o.id: True for o in definitions.options})
        terms = defined_terms(text)
        assert terms == sorted(terms, key=str.casefold), definitions.id
        entries = [p for p in text.split("\n\n") if DEFINITION.match(p)]
        assert entries[-1].endswith(".") and entries[-2].endswith("; and")
        assert all(e.endswith(";") and not e.endswith("; and;") for e in entries[:-2])


# --- check: all problems, and terms --------------------------------------------------------------------------

def test_check_reports_every_problem_not_only_the_first(tmp_path: Path, small: ClauseLibrary, run) -> None:  # type: ignore[no-untyped-def]
    spec = spec_file(tmp_path / "s.yaml", """\
        - clause: cooperation/no-such/standard
        - title: Meetings
          text: The Parties shall meet [annually.
        - clause: cooperation/information-exchange/standard
          values:
            nosuch: 3
        """, date="2025-02-30")
    text = spec.read_text().replace("round: Round 1", "round: Round 1\nextra: 2025-13-01")
    spec.write_text(text)
    loaded, problems = read_spec(spec)
    assert loaded is not None
    lines = {p.line: p.message for p in problems}
    assert "2025-13-01" in lines[11] and "2025-02-30" in lines[12]
    r = run("draft", "check", str(spec))
    assert r.exit_code == 1
    for needle in (":11: '2025-13-01' is not a calendar date", ":12: '2025-02-30' is not a calendar date",
                   ":15: unknown clause", "square brackets", "undeclared variable 'nosuch'"):
        assert needle in r.stderr, (needle, r.stderr)
    assert "Traceback" not in r.stderr


def test_check_warns_about_terms_used_but_not_defined(tmp_path: Path, small: ClauseLibrary) -> None:
    spec = spec_file(tmp_path / "s.yaml", """\
        - clause: general/definitions/customs-standard
        - title: Release
          text: Each Party shall adopt procedures for the release of goods by its customs administration.
        """)
    warnings = [str(p) for p in check_spec(load_spec(spec), small) if not p.is_error]
    assert [w for w in warnings if "does not define" in w] == [
        f"{spec}:15: Article 1.2 (Release) uses 'release', which the draft does not define; switch on option "
        "'release' of general/definitions/customs-standard"]
    bare = spec_file(tmp_path / "bare.yaml", """\
        - title: Traders
          text: Each Party shall consult traders.
        """)
    warnings = [str(p) for p in check_spec(load_spec(bare), small) if not p.is_error]
    assert any("uses 'trader'" in w and "no definitions article" in w for w in warnings), warnings


def test_assembled_chapters_of_the_real_library_define_what_they_use(lib: ClauseLibrary, tmp_path: Path) -> None:
    """The library's own chapters, as ``draft new`` assembles them at every level: no error, no cross-reference
    left open, and no term of art (a defined term of several words) used and not defined. (A one-word term
    another chapter defines, such as "release", is warned about; it may be plain English there.)"""
    for area in ("clearance", "cooperation", "ip-enforcement", "e-commerce"):
        for level in ("soft", "standard", "ambitious"):
            path = tmp_path / f"{area}-{level}.yaml"
            path.write_text(new_spec(lib, area, level, ["USA", "GBR"], nearest=True, today="2025-03-14"))
            problems = [str(p) for p in check_spec(load_spec(path), lib) if p.is_error or "[Article X" in p.message
                        or re.search(r"uses '\w+ [^']+', which the draft does not define", p.message)]
            assert problems == [], (area, level)


def test_the_example_builds_into_the_document_delegations_send(tmp_path: Path, lib: ClauseLibrary) -> None:
    from ftadraft.drafting.docx_writer import render_proposal

    example = Path(__file__).resolve().parents[2] / "examples" / "draft-ecommerce.yaml"
    view = read_view(render_proposal(build_proposal(load_spec(example), lib)))
    texts = view.texts()
    assert "Proposal by the United States" in texts and "Round 3 — 14 March 2025" in texts
    assert view.header == "DRAFT — Round 3 — 14 March 2025 — Without prejudice"
    assert any(t.startswith("[US: ") and "[EU: " in t for t in texts)
    assert not view.footnotes and not view.tables
