"""``ftadraft precedents`` prints what :func:`ftadraft.provenance.precedents.precedent_report` finds."""

from __future__ import annotations

import json
from pathlib import Path

import ftadraft
from conftest import RunCli
from ftadraft.provenance.precedents import precedent_report


def test_lineage_never_marks_the_clause_itself_or_a_partial_match_as_origin(run: RunCli, tota_db: Path) -> None:
    r = run("precedents", "--ref", "korus:15.3", "--lineage", "--no-diff", "--min-similarity", "0.6", db=tota_db)
    assert r.exit_code == 0, r.stderr
    rows = [line for line in r.stdout.splitlines() if line.startswith("  ")]
    own = [line for line in rows if "tota-159/" in line]
    assert own and "100%" in own[0] and "likely origin" not in own[0]  # the clause is in its lineage, not its origin

    r = run("precedents", "--ref", "korus:15.3", "--lineage", "--no-diff", "--min-similarity", "0.6",
            "--exclude", "korus", db=tota_db)
    assert r.exit_code == 0, r.stderr
    assert "67%" in r.stdout and "likely origin" not in r.stdout.replace("no likely origin", "")
    assert "tota-159/" not in r.stdout


def test_the_command_shows_the_library_result(run: RunCli, tota_db: Path) -> None:
    r = run("precedents", "--ref", "tpp:14.3", "--json", db=tota_db)
    assert r.exit_code == 0, r.stderr
    with ftadraft.open(tota_db, create=False) as c:
        expected = precedent_report(c, c.provision("tpp:14.3"), with_lineage=True).to_dict()
    assert json.loads(r.stdout) == json.loads(json.dumps(expected, default=str))

    r = run("precedents", "--ref", "tpp:14.3", db=tota_db)
    lines = r.stdout.splitlines()
    assert lines[0].startswith("  1.") and "tota-160/15689" in lines[0]
    assert "Best match, differences from your text:" in r.stdout and "A: tota-449/40210" in r.stdout
