"""In-memory structures derived from an index, kept between processes in the user cache folder.

Precedent postings, the in-memory BM25 counts and search's phrase table take seconds to build from the
index and a fraction of that to load, so the process that builds one stores it: ``.npz`` arrays, or a
plain data file (a JSON header and raw little-endian integers) that a one-shot search reads without
numpy. Files are named after the index file and a state of the index: :func:`cache_file` uses the
state of its provisions (row count, last row id and a checksum of row ids and text hashes: any add,
replace or remove changes it, and so does re-creating the file with other texts; one pass over the
provisions), :func:`search_cache_file` the cheaper :meth:`~ftadraft.index.store.Index.search_state` (a few
milliseconds: a one-shot search can afford it). A damaged, foreign or stale file is ignored and
rebuilt; a read-only cache folder only costs the rebuild. Nothing here is ever the only copy of anything,
and nothing is ever unpickled.
"""

from __future__ import annotations

import hashlib
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy is imported where arrays are read or written: a one-shot search never needs it
    import numpy as np
    import numpy.typing as npt

    from ..corpus import Corpus

    Arrays = dict[str, npt.NDArray[Any]]


def _folder(kind: str) -> Path | None:
    try:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("ftadraft", appauthor=False)) / kind
    except Exception:  # noqa: BLE001  # pragma: no cover - no home folder at all: build each time
        return None


def _db_key(corpus: Corpus) -> str:
    return hashlib.sha256(str(Path(corpus.path).resolve()).encode()).hexdigest()[:16]


def cache_file(corpus: Corpus, kind: str, layout: str) -> Path | None:
    """Where ``kind`` (e.g. "precedents") derived from this index in its current state is cached;
    ``layout`` changes when the arrays change meaning. None when there is no usable cache folder."""
    folder = _folder(kind)
    if folder is None:
        return None
    state = corpus.index.content_state()
    digest = hashlib.sha256(repr((state.provisions, state.last_rowid, state.checksum)).encode())
    return folder / f"{_db_key(corpus)}-{digest.hexdigest()[:24]}-{layout}.npz"


def search_cache_file(corpus: Corpus, kind: str, layout: str, suffix: str = ".npz") -> Path | None:
    """Like :func:`cache_file`, keyed by the index's :meth:`~ftadraft.index.store.Index.search_state`."""
    folder = _folder(kind)
    if folder is None:
        return None
    return folder / f"{_db_key(corpus)}-{corpus.index.search_state()[:24]}-{layout}{suffix}"


def read(path: Path | None, names: tuple[str, ...] | None = None) -> Arrays | None:
    """The named (default: all) arrays of a cache file, or None when it is missing, damaged or lacks
    one of them."""
    if path is None or not path.is_file():
        return None
    import zipfile
    import zlib

    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in (names if names is not None else z.files)}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError):
        return None  # a truncated or damaged file (BadZipFile, a bad CRC, ...) is rebuilt, never fatal


def write(path: Path | None, arrays: Arrays) -> None:
    """Store arrays atomically, replacing the files of earlier states of the same index."""
    if path is None:
        return
    import numpy as np

    from ..atomic import atomic_path

    try:
        _drop_older(path)
        with atomic_path(path, private=True) as tmp, tmp.open("wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]  # numpy's stub mistypes **kwds
    except OSError:
        pass  # a read-only or full cache folder: the next process builds again


def _drop_older(path: Path) -> None:
    """Make the folder; remove the files of other states of the same index with the same suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob(path.name.split("-")[0] + "-*" + path.suffix):
        if old != path:
            old.unlink(missing_ok=True)


def write_bytes(path: Path | None, data: bytes) -> None:
    """Store a plain data file atomically, replacing the files of earlier states of the same index."""
    if path is None:
        return
    from ..atomic import atomic_path

    try:
        _drop_older(path)
        with atomic_path(path, private=True) as tmp:
            tmp.write_bytes(data)
    except OSError:
        pass  # a read-only or full cache folder: the next process builds again


def read_bytes(path: Path | None) -> bytes | None:
    """A plain data file's bytes, or None when it is missing or unreadable."""
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def pack_strings(items: list[str]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Strings as one UTF-8 byte array and character offsets (arrays store without pickling)."""
    import numpy as np

    joined = "".join(items)
    offsets = np.zeros(len(items) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in items], out=offsets[1:])
    return np.frombuffer(joined.encode("utf-8"), dtype=np.uint8), offsets


def unpack_strings(data: npt.NDArray[np.uint8], offsets: npt.NDArray[np.int64]) -> list[str]:
    joined = data.tobytes().decode("utf-8")
    bounds = offsets.tolist()
    return [joined[a:b] for a, b in pairwise(bounds)]
