"""Output paths (issue 16): only regular files are written, ``--force`` or not — a device node, a symbolic
link or a pipe is refused by name and left as it is; ``--csv -`` is standard output, not a file named "-"."""

from __future__ import annotations

import csv
import io
import os
import shutil
import stat
from pathlib import Path

import pytest

from conftest import RunCli
from ftadraft.atomic import write_text
from ftadraft.errors import OutputError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _device(folder: Path) -> Path:
    dev = folder / "null"
    try:
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except OSError as e:
        pytest.skip(f"cannot make a device node here ({e})")
    return dev


def _special(kind: str, tmp_path: Path) -> tuple[Path, str]:
    if kind == "device":
        return _device(tmp_path), "is a device"
    if kind == "fifo":
        path = tmp_path / "pipe.csv"
        os.mkfifo(path)
        return path, "is a named pipe"
    target = tmp_path / "target.csv"
    target.write_text("keep me\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    return link, "is a symbolic link"


def _unchanged(kind: str, path: Path, tmp_path: Path) -> None:
    mode = path.lstat().st_mode
    if kind == "device":
        assert stat.S_ISCHR(mode)
    elif kind == "fifo":
        assert stat.S_ISFIFO(mode)
    else:
        assert stat.S_ISLNK(mode) and (tmp_path / "target.csv").read_text() == "keep me\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("kind", ["device", "symlink", "fifo"])
@pytest.mark.parametrize("command", [
    ("stats", "coverage", "--csv"),
    ("reuse", "tota-1", "--csv"),
    ("compare", "tota-1:1", "tota-1:2", "--html"),
])
def test_force_never_replaces_what_is_not_a_regular_file(run: RunCli, small_db: Path, tmp_path: Path,
                                                         kind: str, command: tuple[str, ...]) -> None:
    """Before: ``stats coverage --csv /dev/null --force`` (as root) replaced /dev/null with a regular file."""
    out, problem = _special(kind, tmp_path)
    r = run(*command, str(out), "--force", db=small_db)
    assert r.exit_code == 1, r.stderr
    assert r.stderr == f"ftadraft: {out}: {problem}{' (FIFO)' if kind == 'fifo' else ''}, not a regular file; only " \
                       "regular files are written\n"
    _unchanged(kind, out, tmp_path)


@pytest.mark.parametrize("kind", ["device", "symlink"])
def test_draft_outputs_refuse_special_files_too(run: RunCli, small_db: Path, tmp_path: Path, kind: str) -> None:
    spec = tmp_path / "spec.yaml"
    shutil.copyfile(EXAMPLES / "draft-ecommerce.yaml", spec)
    if kind == "device":
        out, problem = _device(tmp_path).rename(tmp_path / "null.md"), "is a device"
    else:
        target = tmp_path / "target.md"
        target.write_text("keep me\n")
        out, problem = tmp_path / "link.md", "is a symbolic link"
        out.symlink_to(target)
    r = run("draft", "build", str(spec), "-o", str(out), "--force", db=small_db)
    assert r.exit_code == 1, r.stderr
    assert r.stderr.startswith(f"ftadraft: {out}: {problem}, not a regular file"), r.stderr
    if kind == "device":
        assert stat.S_ISCHR(out.stat().st_mode)
    else:
        assert out.is_symlink() and (tmp_path / "target.md").read_text() == "keep me\n"


def test_the_writer_itself_refuses_a_link(tmp_path: Path) -> None:
    """The check lives in the shared writer too, for library callers (``Families.to_csv(path)``)."""
    target = tmp_path / "target"
    target.write_text("keep")
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(OutputError, match="is a symbolic link"):
        write_text(link, "new")
    assert link.is_symlink() and target.read_text() == "keep"


def test_csv_dash_is_standard_output(run: RunCli, small_db: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: ``--csv -`` wrote a file named "-"."""
    monkeypatch.chdir(tmp_path)
    r = run("stats", "coverage", "--csv", "-", db=small_db)
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows and list(rows[0]) == ["agreement_id", "agreement", "year", "topic", "obligation", "provisions"]
    r = run("stats", "diffusion", "--topic", "clearance/advance-rulings", "--csv", "-", db=small_db)
    assert r.exit_code == 0 and r.stdout.startswith("year,agreements,"), r.stdout[:200]
    r = run("reuse", "tota-1", "--csv", "-", db=small_db)
    assert r.exit_code == 0 and r.stdout.startswith("article_id,number,"), r.stdout[:200]
    assert list(tmp_path.iterdir()) == []  # no file named "-"


def test_csv_dash_with_json_is_refused(run: RunCli, small_db: Path) -> None:
    r = run("stats", "coverage", "--csv", "-", "--json", db=small_db)
    assert r.exit_code == 1 and "both write to standard output" in r.stderr


def test_dash_is_refused_for_binary_outputs(run: RunCli, small_db: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = run("compare", "tota-1:1", "tota-1:2", "--docx", "-", db=small_db)
    assert r.exit_code == 1 and "standard output (-) takes text outputs only" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_every_table_file_is_reported_where_it_went(run: RunCli, small_db: Path, tmp_path: Path) -> None:
    """``stats diffusion --csv FILE`` and ``families --csv FILE`` said nothing about the file they wrote."""
    out = tmp_path / "years.csv"
    r = run("stats", "diffusion", "--topic", "clearance/advance-rulings", "--csv", str(out), db=small_db)
    assert r.exit_code == 0, r.stderr
    rows = len(out.read_text(encoding="utf-8").splitlines()) - 1
    assert f"wrote {out} ({rows} row{'s' if rows != 1 else ''})" in r.stderr
    fam = tmp_path / "families.csv"
    r = run("families", "--chapter", "trade", "--csv", str(fam), db=small_db)
    assert r.exit_code == 0, r.stderr
    assert f"wrote {fam} (2 rows)" in r.stderr
    assert "2 texts in 1 family" in r.stdout or "2 texts in 2 families" in r.stdout
    r = run("-q", "stats", "diffusion", "--topic", "clearance/advance-rulings", "--csv", str(out), "--force",
            db=small_db)
    assert r.exit_code == 0 and "wrote" not in r.stderr
