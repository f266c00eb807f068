"""``corpus fetch tota --from DIR``: a local copy is copied and verified, never said to be "downloaded"."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

import ftadraft.ingest.manifest
from conftest import RunCli
from ftadraft.ingest.manifest import load_manifest


def test_fetch_from_a_local_copy_says_copied_and_verified(run: RunCli, tota_dir: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    full = load_manifest("tota")
    two = dataclasses.replace(full, files=full.files[:2])
    monkeypatch.setattr(ftadraft.ingest.manifest, "load_manifest", lambda name: two)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    local = tmp_path / "copy"
    local.mkdir()
    for f in two.files:
        shutil.copyfile(tota_dir / f.name, local / f.name)
    db = tmp_path / "i.sqlite"
    first = run("corpus", "fetch", "tota", "--from", str(local), db=db)
    assert first.exit_code == 0, first.stderr
    assert "2 files verified (2 copied, 0 already here), 0 refused" in first.stderr
    assert "downloaded" not in first.stderr
    again = run("corpus", "fetch", "tota", "--from", str(local), db=db)
    assert "2 files verified (0 copied, 2 already here), 0 refused" in again.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_demo_refuses_a_corpus_that_is_not_a_folder(tmp_path: Path) -> None:
    """``make demo CORPUS=typo`` says so instead of quietly downloading ToTA (setup is not remade: -o)."""
    import subprocess

    repo = Path(__file__).resolve().parents[2]
    r = subprocess.run(["make", "-s", "-o", "setup", "-o", ".venv/bin/ftadraft", "demo",
                        f"CORPUS={tmp_path / 'typo'}", f"DB={tmp_path / 'demo.sqlite'}"],
                       cwd=repo, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert f"CORPUS={tmp_path / 'typo'} is not a folder" in r.stderr
    assert not (tmp_path / "demo.sqlite").exists()
