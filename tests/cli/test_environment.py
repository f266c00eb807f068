"""What the environment does to a command is one line too (issue 16): ``ftadraft: WHAT: problem``, exit code 1,
nothing written — a read-only index or mount, a full disk (index and every output writer), damaged pages,
a lone surrogate. And the smaller ones: a pipe inside an added folder, an unknown agreement in ``compare``,
standard input named as such.

The read-only-mount and disk-full cases mount a small tmpfs and skip where that is not allowed (not root).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import RunCli, copy_index

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("ftadraft:")]
    assert len(errors) == 1, stderr
    return errors[0]


@contextmanager
def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True,
                       text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or r.returncode})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _remount_read_only(where: Path) -> None:
    r = subprocess.run(["mount", "-o", "remount,ro", str(where)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot remount read-only ({r.stderr.strip()})")


def _fill(folder: Path) -> None:
    """Fill the file system of ``folder`` to the last byte."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        for size in (65536, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)


def _big_markdown(path: Path) -> Path:
    rnd = random.Random(1)
    words = ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(3, 10))) for _ in range(5000)]
    parts = ["# Big Agreement\n"]
    for i in range(1, 400):
        parts.append(f"\nArticle {i} Title {rnd.choice(words)}\n\n" + " ".join(rnd.choice(words) for _ in range(300))
                     + ".\n")
    path.write_text("".join(parts))
    return path


def _counts(db: Path) -> tuple[int, int]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return (con.execute("SELECT count(*) FROM agreements").fetchone()[0],
                con.execute("SELECT count(*) FROM provisions").fetchone()[0])
    finally:
        con.close()


# --- read-only index ------------------------------------------------------------------------------------------


def test_index_on_a_read_only_mount_reads_and_refuses_writes_in_one_line(run: RunCli, small_db: Path,
                                                                         tmp_path: Path) -> None:
    """Before: reads said "not an ftadraft index or damaged" (it is neither), writes gave tracebacks."""
    with _tmpfs(tmp_path / "ro", "8m") as mnt:
        db = copy_index(small_db, mnt / "i.sqlite")
        _remount_read_only(mnt)
        for args in (("corpus", "stats"), ("corpus", "list"), ("corpus", "show", "tota-1:1"),
                     ("search", "customs procedures")):
            r = run(*args, db=db)
            assert r.exit_code == 0, (args, r.stderr)
        text = tmp_path / "a.md"
        text.write_text("Article 1 Scope\n\nCustoms.\n")
        for args in (("corpus", "remove", "tota-1"), ("corpus", "add", str(text)), ("corpus", "retag")):
            r = run(*args, db=db)
            assert r.exit_code == 1, (args, r.stderr)
            assert _one_error_line(r.stderr) == (f"ftadraft: {db}: on a read-only file system; this command needs "
                                                 "to write to the index")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only files")
def test_read_only_index_file_on_write_commands(run: RunCli, small_db: Path, tmp_path: Path) -> None:
    db = copy_index(small_db, tmp_path / "i.sqlite")
    db.chmod(0o444)
    r = run("corpus", "remove", "tota-1", db=db)
    assert r.exit_code == 1 and "read-only (file permissions)" in _one_error_line(r.stderr)
    assert run("corpus", "stats", db=db).exit_code == 0


# --- disk full --------------------------------------------------------------------------------------------------


def test_disk_full_during_add_is_one_line_and_leaves_the_index_as_it_was(run: RunCli, small_db: Path,
                                                                         tmp_path: Path) -> None:
    """Before: "cannot rollback - no transaction is active" (SQLite had rolled back already) as a traceback."""
    big = _big_markdown(tmp_path / "big.md")
    with _tmpfs(tmp_path / "small-disk", "2m") as mnt:
        db = copy_index(small_db, mnt / "i.sqlite")
        before = _counts(db)
        r = run("-q", "corpus", "add", str(big), db=db)
        assert r.exit_code == 1, r.stderr
        assert _one_error_line(r.stderr) == (f"ftadraft: {db}: disk full while writing the index; nothing was written "
                                             "(free some space and try again)")
        assert _counts(db) == before
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        assert con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        con.close()


def _spec_pair(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "round3.yaml", tmp_path / "round4.yaml"
    shutil.copyfile(EXAMPLES / "draft-ecommerce.yaml", a)
    shutil.copyfile(EXAMPLES / "draft-ecommerce-round4.yaml", b)
    return a, b


def test_disk_full_in_every_output_writer_is_one_line_and_writes_nothing(run: RunCli, small_db: Path,
                                                                         tmp_path: Path) -> None:
    """Before: tracebacks from the .md/.html builds, draft new, CSV outputs, compare and redline."""
    spec, spec4 = _spec_pair(tmp_path)
    with _tmpfs(tmp_path / "full", "256k") as full:
        _fill(full)
        commands = [
            ("stats", "coverage", "--csv", str(full / "c.csv")),
            ("stats", "diffusion", "--topic", "clearance/advance-rulings", "--csv", str(full / "d.csv")),
            ("reuse", "tota-1", "--csv", str(full / "r.csv")),
            ("compare", "tota-1:1", "tota-1:2", "--html", str(full / "c.html")),
            ("compare", "tota-1:1", "tota-1:2", "--docx", str(full / "c.docx")),
            ("draft", "build", str(spec), "-o", str(full / "p.md")),
            ("draft", "build", str(spec), "-o", str(full / "p.html")),
            ("draft", "build", str(spec), "-o", str(full / "p.docx")),
            ("draft", "new", "--chapter", "e-commerce", "--parties", "USA,GBR", "-o", str(full / "spec.yaml")),
            ("draft", "redline", str(spec), str(spec4), "-o", str(full / "r.docx")),
        ]
        for args in commands:
            out = Path(args[-1])
            r = run(*args, db=small_db)
            assert r.exit_code == 1, (args, r.stdout, r.stderr)
            line = _one_error_line(r.stderr)
            assert line.startswith(f"ftadraft: {out}: ") and "No space left on device" in line, (args, line)
            assert sorted(p.name for p in full.iterdir()) == ["filler"], args  # no output, no temporary file
        # In a process of its own, nothing more is said at exit (python-docx's ZipFile over the temporary
        # file used to complain of its failed close, with a traceback, after the one line).
        code = "import sys; from ftadraft.cli import main; sys.argv[0] = 'ftadraft'; main()"
        r2 = subprocess.run([sys.executable, "-c", code, "--db", str(small_db), "compare", "tota-1:1", "tota-1:2",
                             "--docx", str(full / "c.docx")], capture_output=True, text=True, timeout=300)
        assert r2.returncode == 1
        assert r2.stderr == f"ftadraft: {full / 'c.docx'}: No space left on device; nothing was written\n"


# --- damaged pages ------------------------------------------------------------------------------------------------


def _damage_pages(db: Path, first: int, last: int) -> None:
    rnd = random.Random(7)
    with db.open("r+b") as fh:
        for page in range(first, last):
            fh.seek(page * 4096)
            fh.write(bytes(rnd.randrange(256) for _ in range(4096)))


def test_damaged_pages_never_exit_0(run: RunCli, small_db: Path, tmp_path: Path) -> None:
    """Before: ``corpus stats`` "database disk image is malformed" as a traceback, ``corpus add`` exit 0."""
    db = copy_index(small_db, tmp_path / "i.sqlite")
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    assert pages > 150
    _damage_pages(db, 100, 150)
    text = tmp_path / "new.md"
    text.write_text("# New\n\nArticle 1 Scope\n\nThis Agreement applies to customs procedures.\n")
    for args in (("corpus", "stats"), ("corpus", "show", "tota-1:1"), ("corpus", "add", str(text)),
                 ("corpus", "remove", "tota-86")):
        r = run(*args, db=db)
        assert r.exit_code == 1, (args, r.stdout, r.stderr)
        assert _one_error_line(r.stderr).startswith(f"ftadraft: {db}: damaged"), args


def test_undecodable_text_in_a_page_is_one_line(run: RunCli, small_db: Path, tmp_path: Path) -> None:
    """Before: ``corpus show`` "Could not decode to UTF-8" as a traceback."""
    db = copy_index(small_db, tmp_path / "i.sqlite")
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pid, text = con.execute("SELECT id, text FROM provisions WHERE agreement_id = 'tota-1' AND length(text) > 400 "
                            "ORDER BY ord LIMIT 1").fetchone()
    con.close()
    needle = text[100:160].encode()
    data = db.read_bytes()
    assert needle in data
    db.write_bytes(data.replace(needle, b"\xff" + needle[1:]))
    r = run("corpus", "show", pid, db=db)
    assert r.exit_code == 1
    assert _one_error_line(r.stderr) == (f"ftadraft: {db}: damaged: a stored text is not valid UTF-8; rebuild the "
                                         "index or restore a copy")


# --- --db and specs -------------------------------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_spec_is_one_line_and_writes_nothing(run: RunCli, small_db: Path,
                                                                   tmp_path: Path) -> None:
    """Before: ``UnicodeEncodeError`` from the .md/.html writers."""
    spec = tmp_path / "spec.yaml"
    text = (EXAMPLES / "draft-ecommerce.yaml").read_text()
    spec.write_text("\n".join('agreement: "Bad \\udc80 title"' if line.startswith("agreement:") else line
                              for line in text.splitlines()) + "\n")
    for name in ("p.md", "p.html"):
        out = tmp_path / "out" / name
        out.parent.mkdir(exist_ok=True)
        r = run("draft", "build", str(spec), "-o", str(out), db=small_db)
        assert r.exit_code == 1, r.stderr
        line = _one_error_line(r.stderr)
        assert line.startswith(f"ftadraft: {out}: ") and "lone surrogate" in line
        assert list(out.parent.iterdir()) == []


# --- the smaller ones ------------------------------------------------------------------------------------------------


def test_a_pipe_inside_an_added_folder_is_skipped_with_a_word(run: RunCli, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\nArticle 1 Scope\n\nCustoms.\n")
    os.mkfifo(folder / "b.md")
    r = run("corpus", "add", str(folder), "--json", db=tmp_path / "i.sqlite")
    assert r.exit_code == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["added"] == ["a"]
    assert report["warnings"] == [f"{folder / 'b.md'}: skipped: not a regular file (a pipe, socket, device or "
                                  "broken link)"]
    assert "skipped" in r.stderr


def test_compare_with_an_unknown_agreement_says_so(run: RunCli, small_db: Path) -> None:
    """Before: ``compare nosuch tota-1:1`` said "names an agreement, not an article"."""
    r = run("compare", "nosuch", "tota-1:1", db=small_db)
    assert r.exit_code == 1
    assert _one_error_line(r.stderr).startswith("ftadraft: nosuch: no such agreement in the index")


def test_topics_tag_names_standard_input(run: RunCli) -> None:
    """Before: a text from standard input was called "TEXT" in errors."""
    r = run("topics", "tag", "-", input="customs " * 130_000)
    assert r.exit_code == 1
    assert _one_error_line(r.stderr).startswith("ftadraft: <stdin>: text too long")
