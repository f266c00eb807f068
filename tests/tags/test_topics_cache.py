"""The topics cache: a fresh one gives exactly the tables and topics a compile gives, and spares a one-shot
command parsing ``taxonomy.toml`` or decoding the tables of languages it does not tag."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ftadraft.tags import topics

TEXTS = [
    ("Each Party shall adopt or maintain expedited customs procedures for express shipments.",
     "Express Shipments", "en"),
    ("Cada Parte adoptará procedimientos aduaneros expeditos para los envíos de entrega rápida.",
     "Envíos de Entrega Rápida", "es"),
    ("Chaque Partie adopte des procédures douanières accélérées pour les envois express.", "Envois express", "fr"),
]


def _run(cache: Path, code: str) -> dict:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.splitlines()[-1])


_TAG = ("import json, sys; from ftadraft.tags import topics; "
        f"texts = {TEXTS!r}; "
        "tags = [[(t.id, t.score) for t in topics.tag(x, title, lang=lang)] for x, title, lang in texts]; "
        "print(json.dumps({'tags': tags, 'spacy': 'spacy' in sys.modules}))")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    """A cache folder after one process compiled the tables (with spaCy), and the tags it gave."""
    folder = tmp_path_factory.mktemp("topics-cache")
    first = _run(folder, _TAG)
    assert first["spacy"] and all(first["tags"]), first["tags"]  # every language's text gets a topic
    return folder, first["tags"]


def _file(folder: Path) -> Path:
    (f,) = (folder / "ftadraft").glob("topics-*.json")
    return f


def test_cached_tables_and_topics_equal_a_fresh_compile(cache: tuple[Path, list], tmp_path: Path) -> None:
    """Saved and loaded back, the tables are the compiled ones, field by field and in order (a compile in
    another process may order fuzzy title keys otherwise: sets of accent variants follow the hash seed)."""
    fresh = topics._Compiled(topics.taxonomy())
    _, key = topics._cache_file()
    topics._save_cache(tmp_path / "topics.json", key, fresh)
    loaded = topics._load_cache(tmp_path / "topics.json", key)
    assert loaded is not None
    assert loaded.ids == fresh.ids == tuple(t.id for t in topics.taxonomy())
    assert loaded.keys == fresh.keys and loaded.words == fresh.words and loaded.alongside == fresh.alongside
    assert set(loaded.langs) == set(fresh.langs) == {"en", "es", "fr"}
    for lang in fresh.langs:
        assert loaded.langs[lang] == fresh.langs[lang], lang
    for doc in (topics._load_doc(_file(cache[0]), key), topics._load_doc(tmp_path / "topics.json", key)):
        assert doc is not None and topics._topics_of_flat(doc["topics"]) == topics.taxonomy()


def test_a_fresh_cache_spares_the_taxonomy_file_and_other_languages(cache: tuple[Path, list], tmp_path: Path) -> None:
    folder = shutil.copytree(cache[0], tmp_path / "cache")
    code = ("import json, sys; from ftadraft.tags import topics; "
            "lemmas = 'each party shall adopt or maintain expedite customs procedure for express shipment'; "
            "tags = [(t.id, t.score) for t in topics.tag_lemmas(lemmas, 'express shipment')]; "
            "name = topics.get('clearance/express-shipments').name; "
            "print(json.dumps({'modules': [m for m in ('tomllib', 'spacy', 'importlib.metadata') if m in sys.modules], "
            "'decoded': sorted(topics._compiled().langs._tables), 'parsed': topics._load_toml.cache_info().currsize, "
            "'name': name, 'tags': tags}))")
    out = _run(folder, code)
    assert out["modules"] == [] and out["parsed"] == 0
    assert out["decoded"] == ["en"] and out["tags"] and out["tags"][0][0] == "clearance/express-shipments"
    assert out["name"] == topics.get("clearance/express-shipments").name


def test_a_changed_embedded_text_is_compiled_again(cache: tuple[Path, list], tmp_path: Path) -> None:
    folder = shutil.copytree(cache[0], tmp_path / "cache")
    f = _file(folder)
    doc = json.loads(f.read_text())
    doc["langs"]["fr"] = doc["langs"]["fr"].replace("1", "2", 1)  # still JSON, no longer what was hashed
    f.write_text(json.dumps(doc))
    again = _run(folder, _TAG)
    assert again["spacy"] and again["tags"] == cache[1]


def test_a_planted_table_of_the_wrong_shape_is_compiled_afresh(cache: tuple[Path, list], tmp_path: Path) -> None:
    """A language text that matches its hash but not the tables' shape (written to look valid): the tables are
    compiled before that language is used, and tagging is what a compile gives."""
    folder = shutil.copytree(cache[0], tmp_path / "cache")
    f = _file(folder)
    doc = json.loads(f.read_text())
    doc["langs"]["es"] = json.dumps([["not", "tables"]])
    doc["sha256"]["es"] = hashlib.sha256(doc["langs"]["es"].encode()).hexdigest()
    f.write_text(json.dumps(doc))
    again = _run(folder, _TAG)
    assert again["spacy"] and again["tags"] == cache[1]


def test_dist_versions_are_those_importlib_metadata_reads() -> None:
    from importlib import metadata

    for dist in ("spacy", "spacy-lookups-data", "click"):
        assert topics._dist_version(dist) == metadata.version(dist)
    assert topics._dist_version("no-such-distribution-here") == "?"


_COMPILE = ("import hashlib, json; from ftadraft.tags import topics; "
            "c = topics._Compiled(topics.taxonomy()); "
            "print(json.dumps({lang: [t.title_keys, hashlib.sha256(json.dumps(topics._flat_tables(t))"
            ".encode()).hexdigest()] for lang, t in c.langs.items()}))")


def test_a_fresh_compile_is_the_same_under_any_hash_seed() -> None:
    # The fuzzy title match takes the first of equally close titles, so the order of the title keys (and
    # every other table) must not follow Python's per-process string hashing.
    runs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", _COMPILE], env=env, capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.splitlines()[-1]))
    assert set(runs[0]) == {"en", "es", "fr"}
    for lang in runs[0]:
        assert runs[0][lang][0] == runs[1][lang][0], f"{lang}: title keys in another order"
        assert runs[0][lang][1] == runs[1][lang][1], f"{lang}: compiled tables differ"
