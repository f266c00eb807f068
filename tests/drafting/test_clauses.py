"""The curated clause library: the shipped clauses validate, render and stay in our own words; the strict
YAML reader, the validator and the renderer refuse bad input with one FILE:LINE message each."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import ftadraft
from ftadraft.cli.clauses import clauses as clauses_group
from ftadraft.drafting.clauses import (
    CLAUSE_LEVELS,
    Clause,
    ClauseError,
    ClauseLibrary,
    adapt_text,
    clause_text,
    load_library,
    read_yaml,
    render,
    search_library,
    topic_ids,
    validate,
)
from ftadraft.errors import ReferenceNotFound
from ftadraft.provenance.precedents import precedents
from ftadraft.tags.labels import LABELS

# Topics whose clauses must come in at least two ambition levels (practice differs between agreements).
TWO_LEVELS = {
    "clearance/automation", "clearance/paperless-trading", "clearance/single-window", "clearance/release-of-goods",
    "clearance/express-shipments", "clearance/advance-rulings", "clearance/risk-management",
    "cooperation/customs-cooperation", "cooperation/mutual-assistance", "cooperation/information-exchange",
    "cooperation/confidentiality",
    "ip-enforcement/general-obligations", "ip-enforcement/border-measures", "ip-enforcement/civil-remedies",
    "ip-enforcement/criminal-enforcement", "ip-enforcement/online-intermediaries",
    "e-commerce/customs-duties", "e-commerce/e-authentication", "e-commerce/consumer-protection",
    "e-commerce/personal-information", "e-commerce/spam", "e-commerce/data-flows", "e-commerce/computing-facilities",
    "e-commerce/source-code", "e-commerce/cooperation",
}
# Topics that need at least one clause.
ONE_LEVEL = {
    "clearance/post-clearance-audit", "ip-enforcement/provisional-measures", "general/definitions", "general/scope",
}

# The copy guard: terms of art and standard formulas are the language of the trade, but no clause may have
# more than this share of its words in runs it shares with any single corpus provision (ftadraft's own
# precedents similarity).
MAX_SIMILARITY = 0.5


@pytest.fixture(scope="module")
def library() -> ClauseLibrary:
    return load_library()


def _all_on(c: Clause) -> str:
    return render(c, options={o.id: True for o in c.options})


# -- the shipped library ------------------------------------------------------------------------
def test_shipped_library_validates_without_errors(library: ClauseLibrary) -> None:
    problems = validate(library, None)
    assert [str(p) for p in problems if p.is_error] == []
    assert len({c.id for c in library}) == len(library) >= 45


def test_every_precedent_resolves_in_full_tota(library: ClauseLibrary, tota_db: Path) -> None:
    with ftadraft.open(tota_db, create=False) as corpus:
        problems = validate(library, corpus)
    assert [str(p) for p in problems] == []
    assert sum(len(c.precedents) for c in library) >= 100


def test_topics_areas_and_levels_are_covered(library: ClauseLibrary) -> None:
    allowed = set(topic_ids())
    levels: dict[str, set[str]] = {}
    for c in library:
        assert c.topic in allowed and c.level in CLAUSE_LEVELS and c.obligation in LABELS
        assert c.path.split("/")[-2] == c.area and c.id.startswith(c.topic + "/")
        levels.setdefault(c.topic, set()).add(c.level)
    for topic in TWO_LEVELS:
        assert len(levels.get(topic, ())) >= 2, topic
    for topic in ONE_LEVEL:
        assert levels.get(topic), topic
    ids = {c.id for c in library}
    # Named subjects of the brief that are variants within a topic.
    assert any("electronic-payment" in i for i in ids)
    assert any("contact-points" in i for i in ids)
    assert any("in-transit" in i for i in ids)
    ambitious_border = [c for c in library if c.topic == "ip-enforcement/border-measures" and c.level == "ambitious"]
    assert any("own initiative" in _all_on(c) and "transit" in _all_on(c) for c in ambitious_border)
    for area in ("clearance", "cooperation", "ip-enforcement", "e-commerce", "general"):
        assert library.select(topic=area)


def test_every_clause_renders_with_defaults_and_all_options(library: ClauseLibrary) -> None:
    for c in library:
        for text in (render(c), _all_on(c)):
            assert "{{" not in text and "}}" not in text, c.id
            assert text.strip() and c.notes and c.source
    release = library.get("clearance/release-of-goods/standard")
    assert "48 hours" in render(release) and "72 hours" in render(release, {"hours": "72"})


def test_options_are_numbered_on(library: ClauseLibrary) -> None:
    c = library.get("clearance/release-of-goods/standard")
    on = render(c, options={"guarantee-release": True}).split("\n\n")
    off = render(c, options={"guarantee-release": False}).split("\n\n")
    assert len(on) == len(off) + 1 and on[-1].startswith(f"{len(on)}. ")


def test_clauses_are_not_copies_of_any_provision(library: ClauseLibrary, tota_db: Path) -> None:
    """Our library is written in our own words: against the whole corpus, no clause (with its defaults, and
    with every option on) has more than half of its words in runs of words shared with any single
    provision, and none is found verbatim in a provision."""
    offenders = []
    with ftadraft.open(tota_db, create=False) as corpus:
        for c in library:
            if c.text_from:
                continue
            for text in dict.fromkeys((render(c), _all_on(c))):
                for hit in precedents(corpus, text, limit=3, min_similarity=MAX_SIMILARITY):
                    if hit.similarity > MAX_SIMILARITY or hit.verbatim:
                        offenders.append(f"{c.id} vs {hit.provision.id}: similarity {hit.similarity:.2f}"
                                         + (" (verbatim)" if hit.verbatim else ""))
    assert offenders == []


def test_search_ranks_the_obvious_clauses_first(library: ClauseLibrary) -> None:
    assert {c.id for c in search_library(library, "spam")[:2]} == {"e-commerce/spam/soft", "e-commerce/spam/standard"}
    assert search_library(library, "source code")[0].topic == "e-commerce/source-code"
    assert search_library(library, "single window")[0].topic == "clearance/single-window"
    assert search_library(library, "zzqx wvvb") == []
    # the search machinery of the corpus: thesaurus and lemmas, the default level first among equals
    assert search_library(library, "seize fake goods at the border")[0].topic == "ip-enforcement/border-measures"
    assert search_library(library, "servers in the territory")[0].id == "e-commerce/computing-facilities/standard"
    assert search_library(library, "courier packages")[0].topic == "clearance/express-shipments"


def test_installed_wheel_reads_the_packaged_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a wheel, ``clauses/`` is packaged as ``ftadraft/_clauses`` and read from there first."""
    import ftadraft.drafting.clauses as module

    _library_with(tmp_path / "pkg", BASE)
    (tmp_path / "pkg" / "clauses").rename(tmp_path / "pkg" / "_clauses")
    monkeypatch.setattr(module.resources, "files", lambda _name: tmp_path / "pkg")
    lib = load_library()
    assert [c.id for c in lib] == ["e-commerce/spam/standard"] and lib.clauses[0].path == WHERE


def test_unknown_clause_id_suggests_close_ids(library: ClauseLibrary, invoke: Any) -> None:
    """An unknown clause id is a ReferenceNotFound, like every unknown reference, with the shared suggestions."""
    with pytest.raises(ReferenceNotFound) as err:
        library.get("e-commerce/spam/standad")
    assert err.value.suggestions[:2] == ("e-commerce/spam/standard", "e-commerce/spam/soft")
    assert len(err.value.suggestions) <= 5
    assert str(err.value).startswith(
        "e-commerce/spam/standad: no such clause; did you mean: e-commerce/spam/standard, ")
    with pytest.raises(ReferenceNotFound, match=r"^zzz: no such clause$"):
        library.get("zzz")
    r = invoke("show", "E-commerce/spam/standard")
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.startswith(
        "ftadraft: E-commerce/spam/standard: no such clause; did you mean: e-commerce/spam/standard")
    assert len(r.stderr.splitlines()) == 1


# -- bad input ----------------------------------------------------------------------------------
BASE = """\
id: e-commerce/spam/standard
title: Test clause
topic: e-commerce/spam
level: standard
obligation: binding
text: |
  1. Each Party shall act within {{ days }} days.

  2. A second paragraph.
variables:
  days:
    type: number
    unit: days
    min: 1
    max: 30
    default: 10
notes: |
  Drafting notes.
precedents:
  - ref: tpp:14.14
    comment: a precedent
since: 2016
source: test
"""


def _library_with(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "clauses" / "e-commerce"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spam-standard.yaml").write_text(text, encoding="utf-8")
    return tmp_path / "clauses"


WHERE = "clauses/e-commerce/spam-standard.yaml"

LOAD_ERRORS = {
    "tab": (BASE.replace("  2. A second", "\t2. A second"), 9, "tab in indentation"),
    "duplicate key": (BASE.replace("source: test", "source: test\ntext: again"), 24, "duplicate key 'text'"),
    "unsafe tag": (BASE.replace("source: test", "source: !!python/object/apply:os.system ['echo hi']"), 23,
                   "YAML tag '!!python/object/apply:os.system' is not allowed"),
    "any tag": (BASE.replace("source: test", "source: !!str test"), 23, "YAML tag '!!str' is not allowed"),
    "anchor": (BASE.replace("source: test", "source: &s test\ntitle2: *s"), 23, "anchors and aliases"),
    "bad yaml": (BASE.replace("title: Test clause", "title: [unclosed"), 3, "invalid YAML"),
    "unknown field": (BASE.replace("source: test", "source: test\nauthor: me"), 24, "unknown field 'author'"),
    "missing field": (BASE.replace("notes: |\n  Drafting notes.\n", ""), 1, "missing field 'notes'"),
    "number type": (BASE.replace("default: 10", "default: ten"), 16, "default must be a number"),
    "too large": (BASE + "#" * 70_000, 1, "the limit is"),
    "impossible date": (BASE.replace("since: 2016", "since: 2016-02-30"), 22,
                        "'2016-02-30' is not a calendar date (YYYY-MM-DD)"),
    "impossible month": (BASE.replace("source: test", "source: 2016-13-01"), 23, "'2016-13-01' is not a calendar date"),
}


@pytest.mark.parametrize("case", sorted(LOAD_ERRORS))
def test_unreadable_files_fail_with_file_and_line(tmp_path: Path, case: str) -> None:
    text, line, message = LOAD_ERRORS[case]
    root = _library_with(tmp_path, text)
    with pytest.raises(ClauseError) as err:
        load_library(root)
    assert str(err.value).startswith(f"{WHERE}:{line}: ") and message in str(err.value)
    assert "\n" not in str(err.value)
    collected: list[Any] = []
    assert len(load_library(root, problems=collected)) == 0 and str(collected[0]) == str(err.value)


def test_safe_yaml_is_the_one_strict_reader_for_clauses_and_specs() -> None:
    """``ftadraft.safe_yaml.load`` is public: plain data with line numbers, dates as ISO text, and its
    refusals are :class:`YamlError` (``ClauseError`` for clause files, via ``clauses.read_yaml``)."""
    from ftadraft import safe_yaml

    data = safe_yaml.load(b"a: 1\nwhen: 2025-03-14\nitems:\n  - x\n  - y\ntext: |\n  block\n", "f.yaml")
    assert data == {"a": 1, "when": "2025-03-14", "items": ["x", "y"], "text": "block\n"}
    assert isinstance(data, safe_yaml.Map) and data.lines == {"a": 1, "when": 2, "items": 3, "text": 7}
    assert data["items"].lines == [4, 5] and data.literal == {"text"}
    with pytest.raises(safe_yaml.YamlError) as err:
        safe_yaml.load(b"a: 1\nb: !!python/name:os.system x\n", "f.yaml", kind="specs")
    assert str(err.value) == "f.yaml:2: YAML tag '!!python/name:os.system' is not allowed; specs are plain data"
    with pytest.raises(safe_yaml.YamlError, match=r"^f\.yaml:1: more than 2 items in one list$"):
        safe_yaml.load(b"[1, 2, 3]", "f.yaml", max_items=2)
    with pytest.raises(ClauseError) as clause_err:
        read_yaml(b"id: x\nsince: 2020-02-31\n", "clauses/x.yaml")
    assert (clause_err.value.path, clause_err.value.line) == ("clauses/x.yaml", 2)
    assert isinstance(clause_err.value, safe_yaml.YamlError) and isinstance(clause_err.value, ftadraft.FtadraftError)


VALIDATION_ERRORS = {
    "undeclared variable": (BASE.replace("A second", "A {{ weeks }} second"), 9, "undeclared variable 'weeks'"),
    "unused variable": (BASE.replace("{{ days }}", "ten"), 11, "unused variable 'days'"),
    "number out of range": (BASE.replace("default: 10", "default: 45"), 11, "45 days is above the maximum 30"),
    "unknown topic": (BASE.replace("topic: e-commerce/spam", "topic: e-commerce/spamming"), 3,
                      "unknown topic 'e-commerce/spamming'; did you mean: e-commerce/spam"),
    "topic without its area": (BASE.replace("topic: e-commerce/spam", "topic: spam"), 3,
                               "unknown topic 'spam'; did you mean: e-commerce/spam"),
    "dunder placeholder": (BASE.replace("A second", "A {{ __class__ }} second"), 9,
                           "invalid placeholder '{{ __class__ }}'"),
    "attribute placeholder": (BASE.replace("A second", "A {{ days.__class__ }} second"), 9, "invalid placeholder"),
    "template syntax": (BASE.replace("A second", "A {% for x in y %} second"), 9, "stray template syntax '{%'"),
    "unknown level": (BASE.replace("level: standard", "level: medium"), 4, "unknown level 'medium'"),
    "unknown obligation": (BASE.replace("obligation: binding", "obligation: strict"), 5, "unknown obligation"),
    "wrong folder": (BASE.replace("e-commerce/spam/standard", "e-commerce/spam/soft")
                     .replace("level: standard", "level: soft").replace("shall act", "shall endeavour to act"),
                     1, "file name should be spam-soft.yaml"),
}


@pytest.mark.parametrize("case", sorted(VALIDATION_ERRORS))
def test_validation_names_file_and_line(tmp_path: Path, case: str) -> None:
    text, line, message = VALIDATION_ERRORS[case]
    problems = [p for p in validate(load_library(_library_with(tmp_path, text))) if p.is_error]
    assert len(problems) == 1, [str(p) for p in problems]
    assert str(problems[0]).startswith(f"{WHERE}:{line}: ") and message in str(problems[0])


def test_render_refuses_bad_values_and_placeholders(tmp_path: Path) -> None:
    c = load_library(_library_with(tmp_path, BASE)).get("e-commerce/spam/standard")
    assert render(c).startswith("1. Each Party shall act within 10 days.")
    assert "within 25 days" in render(c, {"days": "25"})
    cases = [({"days": 31}, f"{WHERE}:11: .*variable 'days': 31 days is above the maximum 30"),
             ({"days": 0}, "variable 'days': 0 days is below the minimum 1"),
             ({"days": "soon"}, "variable 'days': 'soon' is not a number"),
             ({"weeks": 2}, "no variable 'weeks'")]
    for values, message in cases:
        with pytest.raises(ClauseError, match=message):
            render(c, values)
    with pytest.raises(ClauseError, match="no option 'x'"):
        render(c, options={"x": True})
    for text in ("A {{ __class__ }} second", "A {{ days.__class__.__mro__ }} second", "A {{ days|attr('x') }} second"):
        bad = load_library(_library_with(tmp_path, BASE.replace("A second", text))).get("e-commerce/spam/standard")
        with pytest.raises(ClauseError, match=f"^{WHERE}:9: .*invalid placeholder"):
            render(bad)


def test_text_values_cannot_inject_placeholders(tmp_path: Path) -> None:
    text = BASE.replace("A second", "A {{ who }} second").replace(
        "variables:\n", "variables:\n  who:\n    type: party\n    default: Party A\n")
    c = load_library(_library_with(tmp_path, text)).get("e-commerce/spam/standard")
    assert "A Korea second" in render(c, {"who": "Korea"})
    with pytest.raises(ClauseError, match="variable 'who': values may not contain template syntax"):
        render(c, {"who": "{{ days }}"})


# -- text taken from a precedent ----------------------------------------------------------------
def _text_from_library(tmp_path: Path, ref: str, variables: str = "") -> ClauseLibrary:
    text = (BASE.replace("text: |\n  1. Each Party shall act within {{ days }} days.\n\n  2. A second paragraph.\n",
                         f"text_from: {ref}\n")
            .replace("variables:\n  days:\n    type: number\n    unit: days\n    min: 1\n    max: 30\n"
                     "    default: 10\n", variables))
    return load_library(_library_with(tmp_path, text))


def test_text_from_takes_and_adapts_the_precedent(tmp_path: Path, tota_db: Path) -> None:
    lib = _text_from_library(tmp_path, "tpp:14.3")
    c = lib.get("e-commerce/spam/standard")
    assert c.text is None and c.text_from == "tpp:14.3"
    no_index = validate(lib, None)
    assert [p.severity for p in no_index] == ["warning"] and "no index" in str(no_index[0])
    with pytest.raises(ClauseError, match=f"^{WHERE}:6: .*give an index"):
        render(c)
    with ftadraft.open(tota_db, create=False) as corpus:
        assert validate(lib, corpus) == []
        original = corpus.provision("tpp:14.3").text
        adapted = render(c, corpus=corpus)
    paragraphs = adapted.split("\n\n")
    source_paragraphs = [p for p in re.split(r"\n\s*\n", original) if p.strip()]
    assert len(paragraphs) == len(source_paragraphs) == 2
    assert [p[:3] for p in paragraphs] == ["1. ", "2. "]
    assert "{{" not in adapted and "[^" not in adapted and "  " not in adapted


def test_text_from_drops_tota_footnotes_and_marks_other_chapters(tota_db: Path) -> None:
    with ftadraft.open(tota_db, create=False) as corpus:
        express = corpus.provision("korus:7.7")
        scope = corpus.provision("tpp:14.2")
        lib = ClauseLibrary("x", (
            Clause(id="a", title="a", topic="clearance/express-shipments", level="standard", obligation="binding",
                   text=None, variables=(), options=(), notes="n", precedents=(), since=2007, source="s",
                   text_from="korus:7.7"),
            Clause(id="b", title="b", topic="general/scope", level="standard", obligation="binding", text=None,
                   variables=(), options=(), notes="n", precedents=(), since=2016, source="s", text_from="tpp:14.2"),
        ))
        adapted_express = clause_text(lib.clauses[0], corpus)
        adapted_scope = clause_text(lib.clauses[1], corpus)
    # ToTA prints a footnote as its own paragraph ("2  Notwithstanding ..."): it is dropped, the list kept.
    assert re.search(r"(?m)^\s*\d+\s{2,}\S", express.text)
    assert not re.search(r"(?m)^\d+ ", adapted_express)
    assert re.findall(r"\(([a-z])\) ", adapted_express) == list("abcdefg")
    # References to other chapters become placeholders; references within chapter 14 stay.
    assert "Chapter 9" in scope.text and "Chapter 9" not in adapted_scope and "[Chapter X]" in adapted_scope
    assert re.search(r"Article 14\.\d+", adapted_scope)
    assert adapted_scope.startswith("1. ") and "\n\n2. " in adapted_scope


def test_adapt_text_replaces_party_names_refs_and_markers() -> None:
    text = ("1. Korea and the United States shall each apply Article 2.3 and Article 7.4 to the goods.[^4]\n\n"
            "2. The United States shall inform the Republic of Korea under Chapter Two.\n\n"
            "3. Each Party and the Parties keep their rights; a Korean exporter is not a party name.")
    out = adapt_text(text, parties=("KOR", "USA"), chapter="7", footnote_markers=("4",))
    assert out.split("\n\n")[0] == ("1. {{ party_a }} and {{ party_b }} shall each apply [Article X.Y] and Article 7.4 "
                                    "to the goods.")
    assert out.split("\n\n")[1] == "2. {{ party_b }} shall inform {{ party_a }} under [Chapter X]."
    assert "Each Party and the Parties" in out and "Korean exporter" in out


# -- the command line ---------------------------------------------------------------------------
class _Obj:
    """Stands in for the root command's context object (``--db``, ``--quiet``, ``open()``)."""

    def __init__(self, db: Path | None = None, quiet: bool = False) -> None:
        self.db, self.quiet = (str(db) if db else None), quiet

    def open(self) -> ftadraft.Corpus:
        return ftadraft.open(self.db, create=False)


@pytest.fixture()
def invoke() -> Iterator[Any]:
    def run(*args: str, db: Path | None = None) -> Result:
        return CliRunner().invoke(clauses_group, list(args), obj=_Obj(db), catch_exceptions=False)

    yield run


def test_cli_list_show_search(invoke: Any, library: ClauseLibrary) -> None:
    r = invoke("list", "--json")
    assert r.exit_code == 0 and len(json.loads(r.stdout)) == len(library)
    r = invoke("list", "--topic", "clearance", "--level", "ambitious", "--json")
    assert {c["level"] for c in json.loads(r.stdout)} == {"ambitious"}
    assert all(c["topic"].startswith("clearance/") for c in json.loads(r.stdout))
    r = invoke("show", "clearance/release-of-goods/standard", "--var", "hours=72", "--option", "guarantee-release=off")
    assert r.exit_code == 0 and "72 hours" in r.stdout and "Precedents" in r.stdout and "tpp:5.10" in r.stdout
    data = json.loads(invoke("show", "e-commerce/spam/standard", "--json").stdout)
    assert data["id"] == "e-commerce/spam/standard" and "{{" not in data["rendered"] and data["precedents"]
    hits = json.loads(invoke("search", "express shipments", "--json").stdout)
    assert hits and hits[0]["topic"] == "clearance/express-shipments"


def test_cli_errors_are_one_line(invoke: Any, tmp_path: Path) -> None:
    r = invoke("show", "clearance/release-of-goods/standard", "--var", "hours=500")
    assert r.exit_code == 1 and r.stdout == ""
    assert re.fullmatch(r"ftadraft: clauses/clearance/release-of-goods-standard\.yaml:\d+: .*variable 'hours': "
                        r"500 hours is above the maximum \d+\n", r.stderr)
    root = _library_with(tmp_path, BASE.replace("  2. A second", "\t2. A second"))
    for command in ("list", "validate"):
        r = invoke("--library", str(root), command)
        errors = [line for line in r.stderr.splitlines() if line.startswith("ftadraft: ")]
        assert r.exit_code == 1 and errors == [f"ftadraft: {WHERE}:9: tab in indentation; indent with spaces"]


def test_cli_impossible_date_is_one_line_with_file_and_line(invoke: Any, tmp_path: Path) -> None:
    """A date YAML takes for a timestamp but no calendar has (2016-02-30): FILE:LINE, exit 1, no traceback."""
    root = _library_with(tmp_path, BASE.replace("since: 2016", "since: 2016-02-30"))
    for command in ("list", "validate", "search"):
        args = ("--library", str(root), command) + (("spam",) if command == "search" else ())
        r = invoke(*args)
        errors = [line for line in r.stderr.splitlines() if line.startswith("ftadraft: ")]
        assert r.exit_code == 1, (command, r.stderr)
        assert errors == [(f"ftadraft: {WHERE}:22: '2016-02-30' is not a calendar date (YYYY-MM-DD); "
                           "quote it if it is meant as text")], (command, r.stderr)
        assert "Traceback" not in r.stderr + r.stdout


def test_cli_validate_with_and_without_index(invoke: Any, tota_db: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FTADRAFT_DB", str(tmp_path / "none.sqlite"))
    r = invoke("validate")
    assert r.exit_code == 0 and "precedent references not checked" in r.stderr and "none.sqlite" in r.stderr
    monkeypatch.setenv("FTADRAFT_DB", str(tota_db))  # the default index, as every other command uses it
    r = invoke("validate", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["index"] == str(tota_db) and "not checked" not in r.stderr
    r = invoke("validate", "--db", str(tota_db), "--json")
    assert r.exit_code == 0
    report = json.loads(r.stdout)
    assert report["errors"] == [] and report["warnings"] == [] and report["clauses"] >= 45
    r = invoke("validate", db=tota_db)
    assert r.exit_code == 0 and "no index" not in r.stderr
