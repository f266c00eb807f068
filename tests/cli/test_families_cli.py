"""``ftadraft families``: the ``--chapter`` option is the shared one (``cli.options.chapter_option``) and
filters chapters by number or title text."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import RunCli


def test_chapter_option_says_and_does_what_search_means_by_it(run: RunCli, small_db: Path) -> None:
    r = run("families", "--help")
    assert r.exit_code == 0
    assert 'Only chapters with this number or title text, e.g. "Electronic Commerce".' in " ".join(r.stdout.split())
    r = run("families", "--chapter", "trade", "--json", db=small_db)
    assert r.exit_code == 0, r.stderr
    units = [m["unit"] for f in json.loads(r.stdout)["families"] for m in f["members"]]
    assert sorted(units) == ["2 Trade In Goods", "7 Trade In Services"]  # title text, any case
    r = run("families", "--chapter", "7", "--json", db=small_db)  # a chapter number: one chapter, too few
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.strip().endswith('1 text(s) found for chapter "7"; need at least two to compare')
