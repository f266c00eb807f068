"""``clauses validate`` enforces the drafting rules on every clause: the treaty register, level discipline read
by ftadraft's own obligation classifier, the definitions format, and defined terms across the library. Each
finding names FILE:LINE. And the names that said the wrong thing are gone."""

from __future__ import annotations

from pathlib import Path

import pytest
from clause_files import clause_file

import ftadraft.drafting.clauses as clauses_module
import ftadraft.drafting.docx_writer as docx_writer
from ftadraft.drafting.clauses import FORBIDDEN, ClausePrecedent, load_library, validate


def _errors(root: Path) -> list[str]:
    return [str(p) for p in validate(load_library(root)) if p.is_error]


@pytest.mark.parametrize(("phrase", "instead"), [
    ("shall try to publish", "shall endeavour to"), ("shall aim to publish", "shall endeavour to"),
    ("shall work towards publishing", "shall cooperate"), ("within five business days", "working days"),
])
def test_register(tmp_path: Path, phrase: str, instead: str) -> None:
    root = tmp_path / "clauses"
    path = clause_file(root, "clearance/publication/standard",
                       f"1. Each Party shall publish its rules.\n\n2. Each Party {phrase} its forms.")
    errors = _errors(root)
    assert len(errors) == 1 and errors[0].startswith(f"clauses/clearance/{path.name}:9: register: ")
    assert instead in errors[0]
    assert len(FORBIDDEN) == 4


@pytest.mark.parametrize(("level", "text", "ok"), [
    ("soft", "1. The Parties shall endeavour to publish their rules.", True),
    ("soft", "1. Each Party shall publish its rules.", False),
    ("standard", "1. Each Party shall publish its rules.", True),
    ("standard", "1. The Parties recognise the importance of publication.\n\n2. Each Party shall publish its rules.",
     True),  # mixed: a recognition paragraph opens it
    ("standard", "1. The Parties shall endeavour to publish their rules.", False),
    ("ambitious", "1. The Parties should publish their rules.", False),
])
def test_level_discipline(tmp_path: Path, level: str, text: str, ok: bool) -> None:
    root = tmp_path / "clauses"
    clause_file(root, f"clearance/publication/{level}", text,
                obligation={"soft": "soft"}.get(level, "binding" if ok else "soft"))
    errors = _errors(root)
    if ok:
        assert errors == []
    else:
        assert len(errors) == 1 and ":4: level " in errors[0] and "obligation classifier" in errors[0]


def test_declared_obligation_is_checked_too(tmp_path: Path) -> None:
    root = tmp_path / "clauses"
    clause_file(root, "clearance/publication/standard", "1. Each Party shall publish its rules.", obligation="mixed")
    problems = validate(load_library(root))
    assert [(p.severity, p.line) for p in problems] == [("warning", 5)]
    clause_file(root, "clearance/publication/standard", "1. Each Party shall publish.", obligation="strict")
    assert any("unknown obligation 'strict'; use binding, mixed, soft, none" in e for e in _errors(root))


@pytest.mark.parametrize(("text", "message"), [
    ('For the purposes of this Chapter:\n\n"widget" means a thing;\n\n"gadget" means a tool.',
     "not in alphabetical order"),
    ('For the purposes of this Chapter:\n\n"gadget" means a tool;\n\n"widget" means a thing;',
     "must end with '.'"),
    ('For the purposes of this Chapter:\n\n"gadget" means a tool;\n\n"sprocket" means a wheel;\n\n'
     '"widget" means a thing.', "must end with '; and'"),
    ('For the purposes of this Chapter:\n\ngadget is a tool; and\n\n"widget" means a thing.',
     'write "term" means'),
])
def test_definitions_format(tmp_path: Path, text: str, message: str) -> None:
    root = tmp_path / "clauses"
    clause_file(root, "general/definitions/customs-standard", text, obligation="none")
    errors = _errors(root)
    assert errors and all(e.startswith("clauses/general/definitions-customs-standard.yaml:") for e in errors)
    assert any(message in e for e in errors), errors


def test_defined_terms_hold_across_the_library(tmp_path: Path) -> None:
    root = tmp_path / "clauses"
    clause_file(root, "general/definitions/e-commerce-standard",
                'For the purposes of this Chapter:\n\n"digital product" means a product in digital form; and\n\n'
                '"personal information" means information about a person.', obligation="none")
    clause_file(root, "general/definitions/customs-standard",
                'For the purposes of this Chapter:\n\n"covered person" means an investor; and\n\n'
                '"release" means letting goods go.', obligation="none")
    clause_file(root, "e-commerce/data-flows/standard",
                "1. Each Party shall allow a covered person to transfer personal data, including its release.")
    problems = validate(load_library(root))
    found = sorted((p.severity, p.message) for p in problems)
    assert found == [
        ("error", "one term per concept: 'personal data' where the library defines 'personal information'"),
        ("error", "uses the defined term 'covered person', which general/definitions/e-commerce-… does not define"),
        ("warning", "uses the defined term 'release', which general/definitions/e-commerce-… does not define "
                    "(general/definitions/customs-… does; plain English here?)"),
    ]
    assert all(p.path == "clauses/e-commerce/data-flows-standard.yaml" for p in problems)


def test_the_shipped_library_follows_the_rules() -> None:
    problems = validate(load_library())
    assert [str(p) for p in problems if p.is_error] == []


def test_names_say_what_they_are() -> None:
    assert not hasattr(clauses_module, "Precedent") and ClausePrecedent("tpp:14.3").ref == "tpp:14.3"
    assert not hasattr(clauses_module, "OBLIGATIONS")
    assert not hasattr(docx_writer, "article_label") and docx_writer.article_number_text(19, 2) == "Article 19.3:"
