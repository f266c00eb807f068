"""Metadata for non-ToTA files (flags and sidecars), normalisation, and fast start-up."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import ftadraft
from conftest import RunCli
from ftadraft.errors import InputError
from ftadraft.normalize import normalize_text

_TEXT = ("CHAPTER 3\nDIGITAL TRADE\n\nArticle 3.1: Scope\nThis Chapter applies to widgets.\n\n"
         "Article 3.2: Paperless Trading\nEach Party shall accept forms.\n")


def _draft(tmp_path: Path, name: str = "draft.md") -> Path:
    f = tmp_path / name
    f.write_text(_TEXT)
    return f


def test_toml_sidecar_gives_metadata(tmp_path: Path) -> None:
    f = _draft(tmp_path)
    (tmp_path / "draft.meta.toml").write_text(
        'name = "Widget Partnership"\naliases = ["wp"]\nparties = ["GBR", "usa"]\nsigned = 2023-06-01\n')
    doc = ftadraft.load_file(f)
    a = doc.agreement
    assert (a.id, a.name, a.aliases, a.parties, a.signed) == (
        "draft", "Widget Partnership", ("wp",), ("GBR", "USA"), date(2023, 6, 1))
    assert [p.number for p in doc.provisions] == ["3.1", "3.2"]
    assert doc.provisions[1].id == "draft/3.2"
    assert doc.provisions[1].source["file"] == "draft.md"


def test_yaml_sidecar_and_flags_override_it(tmp_path: Path, run: RunCli) -> None:
    f = _draft(tmp_path)
    (tmp_path / "draft.meta.yaml").write_text("name: From Sidecar\nparties: [JPN, AUS]\nsigned: 2019\n")
    db = tmp_path / "i.sqlite"
    r = run("corpus", "add", str(f), "--name", "From Flags", "--alias", "ff", "--json", db=db)
    assert r.exit_code == 0, r.stderr
    shown = json.loads(run("corpus", "show", "ff", "--json", db=db).stdout)["agreement"]
    assert shown["name"] == "From Flags" and shown["parties"] == ["JPN", "AUS"] and shown["signed"] == "2019-01-01"
    # the same file with other metadata is a different ingest: it replaces, it is not skipped
    again = json.loads(run("corpus", "add", str(f), "--name", "Renamed", "--json", db=db).stdout)
    assert again["replaced"] == ["draft"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('nmae = "typo"\n', "unknown key 'nmae'"),
        ('parties = ["UK"]\n', "ISO 3166-1 alpha-3"),
        ('signed = "last year"\n', "not a date"),
        ("name = [unclosed\n", "invalid TOML"),
    ],
)
def test_bad_sidecar_is_refused_naming_it(tmp_path: Path, content: str, problem: str) -> None:
    f = _draft(tmp_path)
    side = tmp_path / "draft.meta.toml"
    side.write_text(content)
    with pytest.raises(InputError) as err:
        ftadraft.load_file(f)
    assert problem in str(err.value) and str(side) in str(err.value)


def test_unsafe_yaml_sidecar_is_refused(tmp_path: Path) -> None:
    f = _draft(tmp_path)
    side = tmp_path / "draft.meta.yaml"
    side.write_text("name: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(InputError, match="tag"):
        ftadraft.load_file(f)
    side.write_text("name: Draft\nsigned: 2025-02-30\n")  # an impossible date: the file and line, no traceback
    with pytest.raises(InputError, match=r"draft\.meta\.yaml:2: '2025-02-30' is not a calendar date"):
        ftadraft.load_file(f)


def test_bad_flag_values(run: RunCli, tmp_path: Path) -> None:
    f = _draft(tmp_path)
    r = run("corpus", "add", str(f), "--parties", "GB,US", db=tmp_path / "i.sqlite")
    assert r.exit_code == 1 and "'GB'" in r.stderr and "alpha-3" in r.stderr


def test_normalisation_folds_but_never_alters_published_text(tmp_path: Path) -> None:
    published = ("Article 1: Definitions\nThe \u201cParties\u201d shall accept e\ufb01ling of "
                 "elec\u00adtronic\u00a0forms \u2014 promptly.")
    f = tmp_path / "n.txt"
    f.write_text(published)
    p = ftadraft.load_file(f).provisions[0]
    assert p.text == published.split("\n", 1)[1]  # stored exactly as published
    assert p.normalized == 'The "Parties" shall accept efiling of electronic forms - promptly.'
    assert normalize_text("a\t\tb\r\n c") == "a b c"
    assert normalize_text("electro-\nnic trans-\n  mission") == "electronic transmission"  # OCR line-end hyphens


def test_commands_that_do_not_analyse_text_do_not_load_spacy(tota_db: Path) -> None:
    code = (
        "import sys; from click.testing import CliRunner; from ftadraft.cli import cli;"
        f"r = CliRunner().invoke(cli, ['--db', {str(tota_db)!r}, 'corpus', 'show', 'tpp:14.3']);"
        "assert r.exit_code == 0, r.output; print('spacy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
