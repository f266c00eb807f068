"""Atomic file output: write beside the target, then rename, so a failure never leaves half a file
and an existing file is replaced only by a complete one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(out: Path, *, private: bool = False) -> Iterator[Path]:
    """Yield a temporary path in ``out``'s folder; when the block succeeds it becomes ``out``
    (with the usual file mode unless ``private``), when it fails it is removed."""
    fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if not private:  # mkstemp creates 0600; an output file gets what the umask allows
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(out: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``out`` atomically."""
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(out: Path, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` to ``out`` atomically."""
    with atomic_path(out, private=private) as tmp:
        tmp.write_bytes(data)
