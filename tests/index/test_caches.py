"""Derived caches are data only and never fatal (issue 16).

The topics cache was a pickle that was unpickled: a planted file in the user cache ran code. It is JSON now,
validated on load. A damaged cache (a truncated ``precedents/*.npz`` made every ``precedents`` and
``search --batch`` fail with ``BadZipFile`` until deleted) is ignored and rebuilt.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import RunCli

# Lemma strings (what the tagger reads), so tagging them needs no spaCy once the tables are cached.
_TEXTS = [
    "each party shall adopt or maintain procedure for the issuance of advance ruling",
    "the party shall endeavour to accept electronic version of trade administration document",
    "customs authority shall cooperate on risk management and post clearance audit",
]

_TAG = f"""
import json, sys
from ftadraft.tags.topics import tag_lemmas
out = [[(t.id, t.score) for t in tag_lemmas(x)] for x in {_TEXTS!r}]
print(json.dumps({{"tags": out, "spacy": "spacy" in sys.modules}}))
"""


def _tag_in_fresh_process(cache: Path) -> dict:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    out = subprocess.run([sys.executable, "-c", _TAG], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


class _Planted:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    """A cache folder after one process compiled the tables (with spaCy) and wrote them, and its tags."""
    cache = tmp_path_factory.mktemp("topics-cache")
    first = _tag_in_fresh_process(cache)
    assert first["spacy"]
    return cache, first["tags"]


def _copy(cache: Path, to: Path) -> Path:
    import shutil

    shutil.copytree(cache, to)
    return to


def test_topics_cache_is_json_and_tags_alike(compiled: tuple[Path, list], tmp_path: Path) -> None:
    cache = _copy(compiled[0], tmp_path / "cache")
    files = sorted((cache / "ftadraft").glob("topics-*"))
    assert [f.suffix for f in files] == [".json"]
    json.loads(files[0].read_text())  # plain JSON
    loaded = _tag_in_fresh_process(cache)  # the trusted reference: the same tags as compiling afresh
    assert loaded["tags"] == compiled[1] and not loaded["spacy"]


def test_a_planted_pickle_is_never_unpickled(compiled: tuple[Path, list], tmp_path: Path) -> None:
    cache = _copy(compiled[0], tmp_path / "cache")
    (f,) = (cache / "ftadraft").glob("topics-*.json")
    marker = tmp_path / "pwned"
    planted = pickle.dumps(_Planted(marker))
    f.with_suffix(".pickle").write_bytes(planted)  # where the old cache lived
    f.write_bytes(planted)  # and a pickle where the JSON is expected
    again = _tag_in_fresh_process(cache)
    assert not marker.exists()
    assert again["tags"] == compiled[1]
    json.loads(f.read_text())  # replaced by a valid cache


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # truncated
        lambda b: b.replace(b'"keys"', b'"kays"', 1),  # the tables' shape is wrong
        lambda b: b.replace(b'{"t":', b'{"__reduce__":', 1),  # an object that is not a tagged value
        lambda b: re.sub(rb'"format":(\d+)', lambda m: b'"format":%d' % (int(m[1]) + 1), b, count=1),  # another format
    ],
    ids=["truncated", "missing-table", "unknown-object", "other-format"],
)
def test_damaged_topics_cache_is_rebuilt(compiled: tuple[Path, list], tmp_path: Path, damage: object) -> None:
    cache = _copy(compiled[0], tmp_path / "cache")
    (f,) = (cache / "ftadraft").glob("topics-*.json")
    f.write_bytes(damage(f.read_bytes()))  # type: ignore[operator]
    result = _tag_in_fresh_process(cache)
    assert result["tags"] == compiled[1] and result["spacy"]  # compiled again
    json.loads(f.read_text())


def _truncate_all(folder: Path) -> int:
    n = 0
    for f in [*folder.rglob("*.npz"), *(folder / "precedents").glob("*.bin")]:
        data = f.read_bytes()
        f.write_bytes(data[: len(data) // 3])
        n += 1
    return n


def test_truncated_precedent_and_scorer_caches_are_rebuilt(run: RunCli, small_db: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    text = "Each Party shall adopt or maintain simplified customs procedures for the efficient clearance of goods."
    queries = tmp_path / "queries.txt"
    queries.write_text("customs procedures\nrules of origin\nadvance rulings\n")

    first_prec = run("precedents", text, "--json", db=small_db)
    first_batch = run("search", "--batch", str(queries), db=small_db)
    assert first_prec.exit_code == 0 and first_batch.exit_code == 0, (first_prec.stderr, first_batch.stderr)
    caches = tmp_path / "cache" / "ftadraft"
    assert {p.name for p in caches.iterdir() if p.is_dir()} >= {"bm25", "precedents"}

    assert _truncate_all(caches) >= 2
    again_prec = run("precedents", text, "--json", db=small_db)
    again_batch = run("search", "--batch", str(queries), db=small_db)
    assert (again_prec.exit_code, again_prec.stdout) == (0, first_prec.stdout), again_prec.stderr
    assert (again_batch.exit_code, again_batch.stdout) == (0, first_batch.stdout), again_batch.stderr
    assert "BadZipFile" not in again_prec.stderr + again_batch.stderr


@pytest.mark.parametrize("damage", [
    lambda b: b[: len(b) // 2],  # truncated
    lambda b: b"PK\x03\x04" + b[4:],  # another format's magic
    lambda b: b[:21] + (999).to_bytes(8, "little") + b[29:],  # a header length past its JSON
    lambda b: b + b"\0" * 8,  # trailing bytes
    lambda b: b"",  # empty
])
def test_damaged_precedent_postings_are_rebuilt(run: RunCli, small_db: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch, damage: object) -> None:
    """The precedent postings are one plain data file (a JSON header and raw arrays, mapped, never unpickled);
    any damage costs a rebuild, never an error or a different answer."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    text = "Each Party shall adopt or maintain simplified customs procedures for the efficient clearance of goods."
    first = run("precedents", text, "--json", db=small_db)
    assert first.exit_code == 0, first.stderr
    (f,) = (tmp_path / "cache" / "ftadraft" / "precedents").glob("*.bin")
    f.write_bytes(damage(f.read_bytes()))  # type: ignore[operator]
    again = run("precedents", text, "--json", db=small_db)
    assert (again.exit_code, again.stdout, again.stderr) == (0, first.stdout, "")
    assert f.read_bytes().startswith(b"ftadraft-precedents\n")  # written anew
