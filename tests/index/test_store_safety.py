"""The index never writes where it must not, and concurrent writers neither corrupt nor crash (issue 16).

- A read command opens the index read-only: it never creates, migrates or switches a file to WAL, and a
  database that is not ftadraft's is refused before SQLite writes a byte to it (whatever it holds).
- Only regular files are opened (``--db /dev/null`` is refused, and no ``/dev/null-journal`` appears).
- Replacing an agreement that came from another source needs ``--replace`` and says what it replaced.
- ``corpus retag`` reads and writes in one transaction; a writer waits for another's lock with a message,
  then fails with one line; analysis workers die with their parent.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import ftadraft
from conftest import RunCli, copy_index
from ftadraft.errors import IndexFileError
from ftadraft.index.store import APPLICATION_ID, MIGRATIONS, TopicScore, open_index

GEOPACKAGE = 0x47504B47  # "GPKG": another application's id


def _fingerprint(db: Path) -> tuple[str, list[str]]:
    """The file's bytes and the files beside it (a journal, a WAL, a shared-memory file)."""
    return hashlib.sha256(db.read_bytes()).hexdigest(), sorted(p.name for p in db.parent.iterdir())


def _one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("ftadraft:")]
    assert len(errors) == 1, stderr
    return errors[0]


def _cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The real ``ftadraft`` command in a process of its own."""
    code = "import sys; from ftadraft.cli import main; sys.argv[0] = 'ftadraft'; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


# --- never write where you must not -------------------------------------------------------------------------


@pytest.mark.parametrize("tables", [False, True], ids=["empty", "with-a-table"])
def test_foreign_sqlite_file_is_never_written(run: RunCli, tmp_path: Path, tables: bool) -> None:
    """Before: ``corpus stats`` on an empty GeoPackage wrote 24 schema objects, overwrote its application
    id and switched it to WAL."""
    db = tmp_path / "db" / "map.gpkg"
    db.parent.mkdir()
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA application_id = {GEOPACKAGE}")
    if tables:
        con.execute("CREATE TABLE gpkg_contents (table_name TEXT)")
    con.commit()
    con.close()
    before = _fingerprint(db)
    text = tmp_path / "in" / "a.md"
    text.parent.mkdir()
    text.write_text("Article 1 Scope\n\nCustoms.\n")
    for args in (("corpus", "stats"), ("corpus", "list"), ("search", "customs"), ("corpus", "add", str(text)),
                 ("corpus", "remove", "x"), ("corpus", "retag")):
        r = run(*args, db=db)
        assert r.exit_code == 1, (args, r.stdout, r.stderr)
        line = _one_error_line(r.stderr)
        assert line.startswith(f"ftadraft: {db}: not an ftadraft index") and "another application" in line
        assert _fingerprint(db) == before, args
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA application_id").fetchone()[0] == GEOPACKAGE
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    con.close()


def test_read_commands_never_create(run: RunCli, tmp_path: Path) -> None:
    db = tmp_path / "none.sqlite"
    for args in (("corpus", "stats"), ("search", "customs"), ("corpus", "show", "x")):
        r = run(*args, db=db)
        assert r.exit_code == 1 and "no index here yet" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_empty_sqlite_file_is_no_index_for_reads(run: RunCli, tmp_path: Path) -> None:
    db = tmp_path / "empty.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (x)")
    con.execute("DROP TABLE t")
    con.commit()
    con.close()
    before = _fingerprint(db)
    r = run("corpus", "stats", db=db)
    assert r.exit_code == 1 and "no index here yet" in _one_error_line(r.stderr)
    assert _fingerprint(db) == before


def _v1_index(db: Path) -> None:
    con = sqlite3.connect(db)
    con.executescript(MIGRATIONS[1])
    con.execute("PRAGMA user_version = 1")
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.commit()
    con.close()


def test_read_commands_never_migrate_write_commands_do(run: RunCli, tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    _v1_index(db)
    before = _fingerprint(db)
    r = run("corpus", "list", db=db)
    assert r.exit_code == 1 and "needs upgrading" in _one_error_line(r.stderr)
    assert _fingerprint(db) == before  # no migration, no WAL switch, no journal left
    r = run("corpus", "retag", db=db)  # a write command upgrades it
    assert r.exit_code == 0, r.stderr
    assert run("corpus", "list", db=db).exit_code == 0
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 2
    con.close()


def test_read_commands_leave_a_rollback_journal_index_as_it_is(run: RunCli, small_db: Path, tmp_path: Path) -> None:
    db = copy_index(small_db, tmp_path / "i.sqlite")
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode = DELETE")
    con.close()
    before = _fingerprint(db)
    for args in (("corpus", "stats"), ("corpus", "show", "tota-1:1"), ("search", "customs procedures")):
        r = run(*args, db=db)
        assert r.exit_code == 0, (args, r.stderr)
    assert _fingerprint(db) == before


def test_a_read_only_open_refuses_every_write(small_db: Path, tmp_path: Path) -> None:
    db = copy_index(small_db, tmp_path / "i.sqlite")
    with ftadraft.open(db, readonly=True) as c:
        assert c.stats()["agreements"] == 4
        with pytest.raises(IndexFileError, match="opened read-only"):
            c.remove(["tota-1"])
        # Below the API on purpose: the connection itself is read-only, so no future write path can slip through.
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            c.index.conn.execute("DELETE FROM agreements")


def _null_device(folder: Path) -> Path:
    dev = folder / "null"
    try:
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError) as e:
        pytest.skip(f"cannot make a device node here ({e})")
    return dev


@pytest.mark.parametrize("kind", ["dev-null", "own-device", "fifo"])
def test_db_that_is_not_a_regular_file_is_refused(run: RunCli, tmp_path: Path, kind: str) -> None:
    """Before: ``--db /dev/null`` was opened (size 0: "create it") and left ``/dev/null-journal``."""
    if kind == "dev-null":
        db = Path("/dev/null")
    elif kind == "own-device":
        db = _null_device(tmp_path)
    else:
        db = tmp_path / "pipe"
        os.mkfifo(db)
    text = tmp_path / "a.md"
    text.write_text("Article 1 Scope\n\nCustoms.\n")
    journal_before = Path("/dev/null-journal").exists()
    for args in (("corpus", "stats"), ("corpus", "add", str(text)), ("search", "customs")):
        r = run(*args, db=db)
        assert r.exit_code == 1, (args, r.stderr)
        assert "not a regular file" in _one_error_line(r.stderr)
    assert not db.with_name(db.name + "-journal").exists() and not db.with_name(db.name + "-wal").exists()
    assert Path("/dev/null-journal").exists() == journal_before
    if kind != "fifo":
        assert stat.S_ISCHR(db.stat().st_mode)


def test_replacing_an_agreement_from_another_source_needs_replace(run: RunCli, small_db: Path,
                                                                  tmp_path: Path) -> None:
    """Before: ``corpus add other.md --id tota-1`` silently replaced ToTA's tota-1."""
    db = copy_index(small_db, tmp_path / "i.sqlite")
    other = tmp_path / "other.md"
    other.write_text("# Other\n\nArticle 1 Scope\n\nSomething else entirely.\n")
    before = run("corpus", "show", "tota-1", "--json", db=db).stdout

    r = run("corpus", "add", str(other), "--id", "tota-1", db=db)
    assert r.exit_code == 1
    line = _one_error_line(r.stderr)
    assert str(other) in line and "tota-1" in line and "--replace" in line and "tota" in line
    assert run("corpus", "show", "tota-1", "--json", db=db).stdout == before

    r = run("corpus", "add", str(other), "--id", "tota-1", "--replace", "--json", db=db)
    assert r.exit_code == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["replaced"] == ["tota-1"]
    assert any("replaced tota-1 (from tota (pta_1.xml))" in w for w in report["warnings"]), report
    shown = json.loads(run("corpus", "show", "tota-1", "--json", db=db).stdout)
    assert shown["file"]["file_path"] == str(other)

    other.write_text("# Other\n\nArticle 1 Scope\n\nSomething else, revised.\n")  # the same file, changed
    r = run("corpus", "add", str(other), "--id", "tota-1", "--json", db=db)
    assert r.exit_code == 0 and json.loads(r.stdout)["replaced"] == ["tota-1"], r.stderr


# --- concurrency -------------------------------------------------------------------------------------------------


def _tags(db: Path) -> tuple[list[tuple[str, str | None]], list[TopicScore]]:
    """Every provision's obligation, and every tag with its score, read through a read-only open."""
    with ftadraft.open(db, readonly=True) as c:
        obligations = sorted((p.id, p.obligation) for a in c.agreements() for p in c.index.provisions(a.id))
        return obligations, c.index.topic_rows()


def test_retag_reads_and_writes_in_one_transaction(small_db: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: the provisions were read before the write transaction, so an ``add`` landing in between left
    provisions tagged from texts they no longer had. Now another writer cannot get in while retag computes."""
    import ftadraft.tags.tagging as tagging  # retag imports tag_all from here when it runs

    db = copy_index(small_db, tmp_path / "i.sqlite")
    reference = _tags(db)  # tags given at add time: what a clean retag must give
    real = tagging.tag_all
    attempts: list[str] = []

    def tag_all_while_another_writer_tries(items):  # type: ignore[no-untyped-def]
        other = sqlite3.connect(db, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            attempts.append("got the lock")
            other.execute("ROLLBACK")
        except sqlite3.OperationalError as e:
            attempts.append(str(e))
        finally:
            other.close()
        return real(items)

    monkeypatch.setattr(tagging, "tag_all", tag_all_while_another_writer_tries)
    with ftadraft.open(db, create=False) as c:
        assert c.retag() == 199
    assert attempts == ["database is locked"]
    assert _tags(db) == reference


def test_update_tags_of_a_removed_provision_is_no_integrity_error(small_db: Path, tmp_path: Path) -> None:
    db = copy_index(small_db, tmp_path / "i.sqlite")
    with open_index(db) as index:
        before = index.topic_rows()
        index.update_tags({"tota-1/gone": ((("customs/x", 0.5),), "binding")})
        assert index.topic_rows() == before  # a provision removed meanwhile gets no tag row


def test_retag_racing_a_remove_gives_no_traceback(small_db: Path, tmp_path: Path) -> None:
    """Before: ``IntegrityError: NOT NULL constraint failed`` when a remove landed during a retag."""
    db = copy_index(small_db, tmp_path / "i.sqlite")
    code = "import sys; from ftadraft.cli import main; sys.argv[0] = 'ftadraft'; main()"
    retag = subprocess.Popen([sys.executable, "-c", code, "--db", str(db), "corpus", "retag"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)  # the retag is reading and tagging by now
    remove = _cli("--db", str(db), "corpus", "remove", "tota-1")
    out, err = retag.communicate(timeout=300)
    assert retag.returncode == 0 and "Traceback" not in err, err
    assert remove.returncode == 0 and "Traceback" not in remove.stderr, remove.stderr
    with ftadraft.open(db, readonly=True) as c:
        assert "tota-1" not in {a.id for a in c.agreements()} and c.index.provisions("tota-1") == []
    # The file itself, below the API: SQLite's own check, and no tag row left pointing at a removed provision
    # (the API joins tags to provisions, so such a row would never show through it).
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM provision_topics WHERE provision_rowid NOT IN "
                       "(SELECT rowid FROM provisions)").fetchone()[0] == 0
    con.close()


def _hold_write_lock(db: Path, seconds: float) -> threading.Thread:
    ready = threading.Event()

    def hold() -> None:
        con = sqlite3.connect(db, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        ready.set()
        time.sleep(seconds)
        con.execute("ROLLBACK")
        con.close()

    t = threading.Thread(target=hold)
    t.start()
    ready.wait(10)
    return t


def test_a_writer_waits_for_the_lock_then_fails_with_one_line(small_db: Path, tmp_path: Path) -> None:
    """Before: after 5 s, ``sqlite3.OperationalError: database is locked`` and a traceback."""
    db = copy_index(small_db, tmp_path / "i.sqlite")
    holder = _hold_write_lock(db, 8)
    start = time.perf_counter()
    r = _cli("--db", str(db), "corpus", "remove", "tota-86", env={"FTADRAFT_LOCK_TIMEOUT": "2"})
    waited = time.perf_counter() - start
    holder.join()
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2, lines
    assert "waiting up to 2 s" in lines[0]
    assert lines[1].startswith(f"ftadraft: {db}: locked: another process has been writing to it for 2 s")
    assert 2 <= waited < 8
    assert run_show(db, "tota-86") == 0  # nothing removed


def run_show(db: Path, ref: str) -> int:
    return _cli("--db", str(db), "corpus", "show", ref).returncode


def test_a_writer_that_waits_goes_on_when_the_lock_is_released(small_db: Path, tmp_path: Path) -> None:
    db = copy_index(small_db, tmp_path / "i.sqlite")
    holder = _hold_write_lock(db, 3)
    r = _cli("--db", str(db), "corpus", "remove", "tota-86", env={"FTADRAFT_LOCK_TIMEOUT": "60"})
    holder.join()
    assert r.returncode == 0, r.stderr
    assert "waiting up to 60 s" in r.stderr and "removed 1: tota-86" in r.stderr
    assert run_show(db, "tota-86") == 1


def _children(pid: int) -> set[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return set()
    return {int(x) for x in text.split()}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to find the workers")
def test_analysis_workers_die_with_their_parent(tota_dir: Path, tmp_path: Path) -> None:
    """Before: kill -9 of ``corpus add`` left its two analysis workers running (450 + 370 MB) for minutes."""
    code = "import sys; from ftadraft.cli import main; sys.argv[0] = 'ftadraft'; main()"
    parent = subprocess.Popen([sys.executable, "-c", code, "-q", "--db", str(tmp_path / "i.sqlite"), "corpus", "add",
                               str(tota_dir)], env={**os.environ, "FTADRAFT_WORKERS": "3"},  # 2 workers
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        workers: set[int] = set()
        while time.monotonic() < deadline and parent.poll() is None:
            workers = _children(parent.pid)
            if len(workers) >= 2:
                break
            time.sleep(0.1)
        assert len(workers) >= 2, "the analysis workers never started"
        time.sleep(1.0)  # they are analysing now
        assert all(_alive(w) for w in workers)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    survivors = [w for w in workers if _alive(w)]
    for w in survivors:
        os.kill(w, signal.SIGKILL)
    assert survivors == []
