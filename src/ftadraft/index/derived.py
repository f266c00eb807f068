"""In-memory structures derived from an index, kept between processes in the user cache folder.

Precedent postings and the in-memory BM25 counts take seconds to build from the index and a fraction
of that to load, so the first process that builds one stores it as ``.npz`` arrays, named after the
index file and the state of its provisions (row count, last row id and a checksum of row ids and text
hashes: any add, replace or remove changes it, and so does re-creating the file with other texts). A
damaged, foreign or stale file is ignored and rebuilt; a read-only cache folder only costs the rebuild. Nothing
here is ever the only copy of anything.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from ..corpus import Corpus

Arrays = dict[str, npt.NDArray[Any]]


def cache_file(corpus: Corpus, kind: str, layout: str) -> Path | None:
    """Where ``kind`` (e.g. "precedents") derived from this index in its current state is cached;
    ``layout`` changes when the arrays change meaning. None when there is no usable cache folder."""
    try:
        from platformdirs import user_cache_dir

        folder = Path(user_cache_dir("ftadraft", appauthor=False)) / kind
    except Exception:  # noqa: BLE001  # pragma: no cover - no home folder at all: build each time
        return None
    state = corpus.index.content_state()
    digest = hashlib.sha256(repr((state.provisions, state.last_rowid, state.checksum)).encode())
    db = hashlib.sha256(str(Path(corpus.path).resolve()).encode()).hexdigest()[:16]
    return folder / f"{db}-{digest.hexdigest()[:24]}-{layout}.npz"


def read(path: Path | None, names: tuple[str, ...] | None = None) -> Arrays | None:
    """The named (default: all) arrays of a cache file, or None when it is missing, damaged or lacks
    one of them."""
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in (names if names is not None else z.files)}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError):
        return None  # a truncated or damaged file (BadZipFile, a bad CRC, ...) is rebuilt, never fatal


def write(path: Path | None, arrays: Arrays) -> None:
    """Store arrays atomically, replacing the files of earlier states of the same index."""
    if path is None:
        return
    from ..atomic import atomic_path

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(path.name.split("-")[0] + "-*.npz"):
            old.unlink(missing_ok=True)
        with atomic_path(path, private=True) as tmp, tmp.open("wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]  # numpy's stub mistypes **kwds
    except OSError:
        pass  # a read-only or full cache folder: the next process builds again


def pack_strings(items: list[str]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Strings as one UTF-8 byte array and character offsets (arrays store without pickling)."""
    joined = "".join(items)
    offsets = np.zeros(len(items) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in items], out=offsets[1:])
    return np.frombuffer(joined.encode("utf-8"), dtype=np.uint8), offsets


def unpack_strings(data: npt.NDArray[np.uint8], offsets: npt.NDArray[np.int64]) -> list[str]:
    joined = data.tobytes().decode("utf-8")
    bounds = offsets.tolist()
    return [joined[a:b] for a, b in pairwise(bounds)]
