"""``ftadraft stats`` on a small index: what the user reads (counts in plain English, where a table file went).
The unknown-``--area`` message is tested with the look-up, in tests/research/test_areas.py."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from conftest import RunCli


def test_coverage_csv_file_says_where_it_went(run: RunCli, small_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "coverage.csv"
    r = run("stats", "coverage", "--area", "e-commerce", "--csv", str(out), db=small_db)
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert r.stdout == "" and r.stderr == f"wrote {out} ({len(rows)} rows)\n"
    table = json.loads(run("stats", "coverage", "--area", "e-commerce", "--json", db=small_db).stdout)
    assert len(rows) == len(table["agreements"]) * len(table["topics"]) == len(table["cells"]) > 1
    r = run("stats", "coverage", "--area", "e-commerce", "--topic", "e-commerce/spam", "--csv", str(out),
            "--force", db=small_db)
    assert r.exit_code == 0 and r.stderr == f"wrote {out} (4 rows)\n"  # four agreements × one topic


def test_coverage_parquet_file_says_where_it_went(run: RunCli, small_db: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "coverage.parquet"
    r = run("stats", "coverage", "--topic", "e-commerce/spam", "--parquet", str(out), db=small_db)
    assert r.exit_code == 0 and r.stdout == "" and r.stderr == f"wrote {out} (4 rows)\n"
    assert pq.read_table(out).num_rows == 4


def test_coverage_csv_message_stays_off_standard_output_and_quiet(run: RunCli, small_db: Path,
                                                                   tmp_path: Path) -> None:
    r = run("stats", "coverage", "--topic", "e-commerce/spam", "--csv", "-", db=small_db)
    assert r.exit_code == 0 and r.stderr == "" and r.stdout.startswith("agreement_id,")
    out = tmp_path / "c.csv"
    r = run("-q", "stats", "coverage", "--topic", "e-commerce/spam", "--csv", str(out), db=small_db)
    assert r.exit_code == 0 and r.stdout == "" and r.stderr == "" and out.is_file()
    r = run("stats", "coverage", "--topic", "e-commerce/spam", "--csv", str(tmp_path / "j.csv"), "--json",
            db=small_db)
    assert r.exit_code == 0 and r.stderr == "" and json.loads(r.stdout)["topics"] == ["e-commerce/spam"]


def test_counts_read_as_english(run: RunCli, small_db: Path) -> None:
    profile = json.loads(run("stats", "agreement", "tota-1", "--json", db=small_db).stdout)
    text = run("stats", "agreement", "tota-1", db=small_db).stdout
    ones = [t["topic"] for t in profile["topics"] if len(t["provision_ids"]) == 1]
    assert ones  # Japan-Thailand has topics found in a single article
    for line in text.splitlines():
        m = re.fullmatch(r"\s+(\S+)\s+\S+\s+(\d+) (provisions?)", line)
        if m:
            assert m.group(3) == ("provision" if m.group(2) == "1" else "provisions"), line
            assert (m.group(1) in ones) == (m.group(2) == "1")
    assert sum(" 1 provision" in line for line in text.splitlines()) == len(ones)
    assert not re.search(r"\b1 (provisions|agreements|topics)\b", text)
    assert run("stats", "party", "JPN", db=small_db).stdout.splitlines()[0] == "JPN: 1 agreement"
    r = run("stats", "coverage", "--topic", "e-commerce/spam", db=small_db)
    assert r.stdout.splitlines()[0] == "4 agreements × 1 topic"

