"""Output paths given to commands: refuse a missing folder, an existing file without ``--force``, and any
path that is not a regular file (a device, a link, a pipe: even with ``--force``). ``-`` is standard output.

Writes themselves go through :mod:`ftadraft.atomic`.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..atomic import refuse_special, write_text
from ..errors import InputError

#: The output path that means standard output (``--csv -``).
STDOUT = Path("-")


def check_output(out: Path, force: bool, *, stdout_ok: bool = False) -> None:
    """Refuse an output path in a missing folder, an existing file without ``--force``, or one that is not a
    regular file (``--force`` or not). ``-`` means standard output where ``stdout_ok`` (text outputs such as
    CSV), and is refused elsewhere rather than written as a file named "-"."""
    if out == STDOUT:
        if not stdout_ok:
            raise InputError(out, "standard output (-) takes text outputs only (--csv -); give a file name")
        return
    if not out.parent.exists():
        raise InputError(out, f"folder {out.parent} does not exist")
    refuse_special(out)
    if out.exists() and not force:
        raise InputError(out, "exists already; pass --force to overwrite")


def write_output(out: Path, text: str) -> None:
    """``text`` to the file ``out`` (atomically), or to standard output when ``out`` is ``-``."""
    if out == STDOUT:
        click.echo(text, nl=False)
    else:
        write_text(out, text)
