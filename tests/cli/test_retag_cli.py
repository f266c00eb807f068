"""``corpus retag`` says how far it is: one line per stage on stderr when stderr is not a terminal, counted
in articles, while ``--json`` keeps stdout to the JSON answer. And a stage that is one step (the commit of
``corpus add``) is not counted as "1 of 1 articles"."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from conftest import RunCli, copy_index, index_counts

STAGE = re.compile(r"^(Tagging|Writing): ([\d,]+) of ([\d,]+) in \d+\.\d s( \([\d,.]+ articles/s\))?$")


def _tags(db: Path) -> tuple[dict[str, str], set[tuple[str, str, float]]]:
    con = sqlite3.connect(db)
    try:
        obligations = dict(con.execute("SELECT id, obligation FROM provisions"))
        topics = set(con.execute("SELECT p.id, t.topic, t.score FROM provision_topics t "
                                 "JOIN provisions p ON p.rowid = t.provision_rowid"))
    finally:
        con.close()
    return obligations, topics


def _stages(stderr: str) -> list[tuple[str, int, int]]:
    out = []
    for line in stderr.splitlines():
        m = STAGE.match(line)
        if m:
            out.append((m.group(1), int(m.group(2).replace(",", "")), int(m.group(3).replace(",", ""))))
    return out


def test_retag_prints_a_line_per_stage_counting_articles(run: RunCli, small_db: Path, tmp_path: Path) -> None:
    db = copy_index(small_db, tmp_path / "small.sqlite")
    provisions = index_counts(db)[1]
    before = _tags(db)
    r = run("corpus", "retag", db=db)
    assert r.exit_code == 0, r.stderr
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert _stages(r.stderr) == [("Tagging", provisions, provisions), ("Writing", provisions, provisions)], lines
    assert lines[-1] == f"retagged {provisions:,} provisions", lines
    assert _tags(db) == before  # the tagger has not changed since the add: retag changes nothing


def test_retag_json_keeps_stdout_clean_and_quiet_says_nothing(run: RunCli, small_db: Path, tmp_path: Path) -> None:
    db = copy_index(small_db, tmp_path / "small.sqlite")
    provisions = index_counts(db)[1]
    r = run("corpus", "retag", "--json", db=db)
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout) == {"retagged": provisions}  # the whole of stdout is the JSON answer
    assert [s for s, _, _ in _stages(r.stderr)] == ["Tagging", "Writing"], r.stderr
    quiet = run("--quiet", "corpus", "retag", db=db)
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == ""


def test_retag_tells_the_library_caller_how_far_it_is(small_db: Path, tmp_path: Path) -> None:
    import ftadraft

    db = copy_index(small_db, tmp_path / "small.sqlite")
    heard: list[tuple[str, int, int]] = []
    with ftadraft.open(db) as c:
        n = c.retag(progress=lambda stage, done, total: heard.append((stage, done, total)))
    assert n == index_counts(db)[1]
    for stage in ("tag", "write"):
        calls = [(done, total) for s, done, total in heard if s == stage]
        assert calls[0] == (0, n) and calls[-1] == (n, n), heard  # from 0, so the stage's clock covers all of it
        assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert [s for s, _, _ in heard] == sorted((s for s, _, _ in heard), key=["tag", "write"].index)


def test_a_one_step_stage_is_not_counted_as_one_article(run: RunCli, tmp_path: Path) -> None:
    text = tmp_path / "widgets.md"
    text.write_text("Article 1: Scope\nThis Agreement applies to widgets.\n\n"
                    "Article 2: Release\nEach Party shall release widgets.\n")
    r = run("corpus", "add", str(text), db=tmp_path / "x.sqlite")
    assert r.exit_code == 0, r.stderr
    assert "Writing: done in " in r.stderr, r.stderr
    assert not re.search(r"\b1 of 1\b", r.stderr.split("Writing:", 1)[1].splitlines()[0]), r.stderr
