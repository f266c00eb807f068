"""Output paths given to commands: refuse a missing folder, and an existing file without ``--force``.

Writes themselves go through :mod:`ftadraft.atomic`.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError


def check_output(out: Path, force: bool) -> None:
    """Refuse an output path in a missing folder, or an existing file without ``--force``."""
    if not out.parent.exists():
        raise InputError(out, f"folder {out.parent} does not exist")
    if out.exists() and not force:
        raise InputError(out, "exists already; pass --force to overwrite")


