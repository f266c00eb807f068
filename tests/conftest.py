"""Shared fixtures: the real corpus beside the checkout (../shared/corpus) and a full ToTA index.

Tests that need the corpus fail (not skip) when it is missing and CI is set.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import ftadraft
from ftadraft.cli import cli

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def _need(path: Path) -> Path:
    if not path.exists():
        msg = f"corpus copy not found at {path}"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Derived-data caches (topic tables, precedent postings, the BM25 scorer) in a folder of this test
    session, not in the user's cache folder."""
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def tota_dir() -> Path:
    """../shared/corpus/tota/xml: the 450 ToTA agreements."""
    return _need(SHARED / "tota" / "xml")


@pytest.fixture(scope="session")
def modern_dir() -> Path:
    """../shared/corpus/modern: the WTO e-commerce Markdown and the RCEP PDF."""
    return _need(SHARED / "modern")


@pytest.fixture(scope="session")
def tota_db(tmp_path_factory: pytest.TempPathFactory, tota_dir: Path) -> Path:
    """An index holding the whole ToTA corpus, built once per test session (~20 s) the way users
    build it: ``ftadraft corpus fetch tota --from <local copy>`` (verifies all 450 digests)."""
    tmp = tmp_path_factory.mktemp("tota")
    db = tmp / "tota.sqlite"
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CACHE_HOME", str(tmp / "cache"))
    try:
        r = RunCli()("corpus", "fetch", "tota", "--from", str(tota_dir), "--json", db=db)
    finally:
        mp.undo()
    assert r.exit_code == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["fetch"]["verified"] == 450 and report["fetch"]["refused"] == []
    assert len(report["added"]) == 450 and report["failed"] == []
    assert (tmp / "cache" / "ftadraft" / "tota").is_dir()
    return db


@pytest.fixture()
def tota(tota_db: Path) -> Iterator[ftadraft.Corpus]:
    with ftadraft.open(tota_db, create=False) as c:
        yield c


@pytest.fixture()
def captured(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> list:
    """Replace ``segment()`` in the test module's ``reader`` by a recorder, to see the exact Blocks
    the reader produces."""
    seen: list = []

    def fake_segment(blocks, **_kwargs):  # type: ignore[no-untyped-def]
        seen.extend(blocks)
        return (), None, ()

    monkeypatch.setattr(request.module.reader, "segment", fake_segment)
    return seen


@pytest.fixture()
def run() -> RunCli:
    return RunCli()


class RunCli:
    """Invoke the CLI in-process with separate stdout and stderr."""

    def __call__(self, *args: str, db: Path | None = None, input: str | bytes | None = None) -> Result:
        argv = (["--db", str(db)] if db else []) + [str(a) for a in args]
        return CliRunner().invoke(cli, argv, input=input, catch_exceptions=False)


#: The four small ToTA agreements of ``small_db`` (tota-1 Japan-Thailand, 2007, is the largest).
SMALL_TOTA = ("pta_1.xml", "pta_310.xml", "pta_86.xml", "pta_196.xml")


@pytest.fixture(scope="session")
def small_db(tmp_path_factory: pytest.TempPathFactory, tota_dir: Path) -> Path:
    """An index of four small ToTA agreements (tota-1, tota-86, tota-196, tota-310), built once per session
    (~5 s). Tests that write, damage or move it work on a copy (:func:`copy_index`)."""
    db = tmp_path_factory.mktemp("small") / "small.sqlite"
    r = RunCli()("corpus", "add", *(str(tota_dir / name) for name in SMALL_TOTA), db=db)
    assert r.exit_code == 0, r.stderr
    return db


def copy_index(src: Path, dst: Path) -> Path:
    """A copy of an index file (and of its write-ahead log, if a reader left one)."""
    import shutil

    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    wal = src.with_name(src.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        shutil.copyfile(wal, dst.with_name(dst.name + "-wal"))
    return dst


def index_counts(db: Path) -> tuple[int, int]:
    """(agreements, provisions) in an index file, read with plain sqlite3 (0, 0 when there is no file)."""
    import sqlite3

    if not db.exists():
        return (0, 0)
    con = sqlite3.connect(db)
    try:
        return (con.execute("SELECT count(*) FROM agreements").fetchone()[0],
                con.execute("SELECT count(*) FROM provisions").fetchone()[0])
    finally:
        con.close()


def refused_add(run: RunCli, db: Path, path: Path, *extra: str) -> str:
    """``corpus add PATH`` refused: exit 1, one ``ftadraft:`` line naming the file, no traceback, nothing
    indexed; the error line."""
    r = run("corpus", "add", str(path), *extra, db=db)
    assert r.exit_code == 1, (r.stdout, r.stderr)
    errors = [line for line in r.stderr.splitlines() if line.startswith("ftadraft:")]
    assert len(errors) == 1 and str(path) in errors[0], r.stderr
    assert "Traceback" not in r.stderr
    assert index_counts(db) == (0, 0)
    return errors[0]
