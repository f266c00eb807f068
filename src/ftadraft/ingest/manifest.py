"""Corpus manifests: where a corpus snapshot comes from and the digest of every file in it.

ftadraft ships manifests, never texts. A manifest (``corpus/<name>.toml`` in the repository,
``ftadraft/_manifests/<name>.toml`` in the wheel) pins an upstream commit and lists each
file's name, SHA-256 and size, so :func:`ftadraft.ingest.fetch.fetch` can download the files from
upstream or a mirror and verify every byte before use.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from ..errors import FtadraftError
from ..suggest import close_matches

__all__ = ["Manifest", "ManifestFile", "available_manifests", "load_manifest"]

_SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_COMMIT = re.compile(r"[0-9a-f]{40}")
_MANIFEST_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


@dataclass(frozen=True)
class ManifestFile:
    """One file of a corpus snapshot: a plain file name (no directories), its SHA-256 and size."""

    name: str
    sha256: str
    size: int

    def __post_init__(self) -> None:
        # The name becomes a path in the cache directory and part of a URL: keep it plain.
        if not isinstance(self.name, str) or not _SAFE_FILE_NAME.fullmatch(self.name) or self.name.endswith(".part"):
            raise ValueError(f"file name not allowed in a manifest: {self.name!r}")
        if not isinstance(self.sha256, str) or not _SHA256.fullmatch(self.sha256):
            raise ValueError(f"{self.name}: sha256 must be 64 lowercase hex digits, not {self.sha256!r}")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise ValueError(f"{self.name}: size must be a non-negative integer, not {self.size!r}")


@dataclass(frozen=True)
class Manifest:
    """A pinned corpus snapshot: provenance, licence, citation and the verified file list."""

    name: str
    version: str
    commit: str
    url_template: str  # placeholders {commit} and {file}
    licence: str
    licence_url: str
    citation: str
    files: tuple[ManifestFile, ...]
    repository: str = ""
    title: str = ""

    def __post_init__(self) -> None:
        names = [f.name for f in self.files]
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise ValueError(f"file listed twice: {dup}")

    @property
    def total_size(self) -> int:
        """Bytes of all files together."""
        return sum(f.size for f in self.files)

    def url(self, file: ManifestFile | str) -> str:
        """The upstream download URL of one file (the template filled with commit and name)."""
        from urllib.parse import quote

        name = file.name if isinstance(file, ManifestFile) else file
        return self.url_template.format(commit=self.commit, file=quote(name))

    def get(self, name: str) -> ManifestFile:
        """The entry for a file name; ``KeyError`` if the manifest does not list it."""
        for f in self.files:
            if f.name == name:
                return f
        raise KeyError(name)

    def __iter__(self) -> Iterator[ManifestFile]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)


def _manifest_dirs() -> list[Traversable]:
    """Where manifests live: package data in a wheel, else the repository's ``corpus/`` folder."""
    dirs: list[Traversable] = []
    try:
        packaged = resources.files("ftadraft") / "_manifests"
        if packaged.is_dir():
            dirs.append(packaged)
    except (ModuleNotFoundError, TypeError, OSError):  # pragma: no cover - unusual loaders
        pass
    root = Path(__file__).resolve().parents[3]  # editable install / source checkout: src/ftadraft/ingest/
    if (root / "pyproject.toml").is_file() and (root / "corpus").is_dir():
        dirs.append(root / "corpus")
    return dirs


def _find_manifests() -> dict[str, Traversable]:
    found: dict[str, Traversable] = {}
    for d in _manifest_dirs():
        for entry in d.iterdir():
            stem, dot, ext = entry.name.rpartition(".")
            if dot and ext == "toml" and _MANIFEST_NAME.fullmatch(stem) and entry.is_file():
                found.setdefault(stem, entry)  # package data wins over the checkout
    return found


def available_manifests() -> tuple[str, ...]:
    """Names of the corpus manifests that ship with ftadraft, sorted (e.g. ``("tota",)``)."""
    return tuple(sorted(_find_manifests()))


def load_manifest(name: str) -> Manifest:
    """Load the manifest called ``name`` (e.g. ``"tota"``); FtadraftError if unknown or invalid."""
    found = _find_manifests()
    entry = found.get(name)
    if entry is None:
        known = sorted(found)
        close = close_matches(name, known, limit=3)
        msg = f"{name}: no such corpus manifest"
        if close:
            msg += "; did you mean: " + ", ".join(close)
        elif known:
            msg += "; available: " + ", ".join(known)
        raise FtadraftError(msg)
    origin = f"manifest {name}.toml"
    try:
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FtadraftError(f"{origin}: cannot be read ({exc})") from None
    return _parse(data, origin, expected_name=name)


def _parse(data: dict[str, Any], origin: str, *, expected_name: str | None = None) -> Manifest:
    """Build a Manifest from parsed TOML, with one-line errors naming ``origin``."""

    def text(key: str, *, required: bool = True) -> str:
        value = data.get(key, None if required else "")
        if not isinstance(value, str) or (required and not value):
            raise FtadraftError(f"{origin}: {key!r} must be a non-empty string")
        return value

    name = text("name")
    if expected_name is not None and name != expected_name:
        raise FtadraftError(f"{origin}: declares name {name!r}, expected {expected_name!r}")
    commit = text("commit")
    if not _COMMIT.fullmatch(commit):
        raise FtadraftError(f"{origin}: 'commit' must be a full 40-digit lowercase hex commit id")
    template = text("url_template")
    if "{file}" not in template or not template.startswith("https://"):
        raise FtadraftError(f"{origin}: 'url_template' must be an https:// URL containing {{file}}")
    raw_files = data.get("files")
    if not isinstance(raw_files, list) or not raw_files:
        raise FtadraftError(f"{origin}: 'files' must be a non-empty list")
    files = []
    for i, item in enumerate(raw_files):
        if not isinstance(item, dict) or set(item) != {"name", "sha256", "size"}:
            raise FtadraftError(f"{origin}: files[{i}] must have exactly name, sha256 and size")
        try:
            files.append(ManifestFile(item["name"], item["sha256"], item["size"]))
        except ValueError as exc:
            raise FtadraftError(f"{origin}: files[{i}]: {exc}") from None
    count = data.get("file_count")
    if count is not None and count != len(files):
        raise FtadraftError(f"{origin}: file_count is {count} but {len(files)} files are listed")
    try:
        return Manifest(
            name=name,
            version=text("version"),
            commit=commit,
            url_template=template,
            licence=text("licence"),
            licence_url=text("licence_url"),
            citation=text("citation"),
            files=tuple(files),
            repository=text("repository", required=False),
            title=text("title", required=False),
        )
    except ValueError as exc:
        raise FtadraftError(f"{origin}: {exc}") from None


def load_aliases(name: str) -> dict[str, str]:
    """Curated short names for a corpus's agreements (``<name>.aliases.toml``): alias -> dataset id."""
    for d in _manifest_dirs():
        entry = d / f"{name}.aliases.toml"
        if entry.is_file():
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            return {str(k).lower(): str(v) for k, v in data.get("aliases", {}).items()}
    return {}
