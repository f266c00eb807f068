"""Writing output files from commands: refuse to clobber, never leave half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import InputError


def check_output(out: Path, force: bool) -> None:
    """Refuse an output path in a missing folder, or an existing file without ``--force``."""
    if not out.parent.exists():
        raise InputError(out, f"folder {out.parent} does not exist")
    if out.exists() and not force:
        raise InputError(out, "exists already; pass --force to overwrite")


def write_atomically(out: Path, text: str) -> None:
    """Write via a temporary file in the same folder, so a failure never leaves half a file."""
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
