"""Output paths given to commands: refuse a missing folder, an existing file without ``--force``, and any
path that is not a regular file (a device, a link, a pipe: even with ``--force``). ``-`` is standard output.

Writes themselves go through :mod:`ftadraft.atomic`.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..atomic import refuse_special, write_text
from ..errors import FtadraftError, InputError

#: The output path that means standard output (``--csv -``).
STDOUT = Path("-")


def check_outputs(force: bool, *, csv: Path | None = None, as_json: bool = False, files: tuple[Path | None, ...] = ()
                  ) -> None:
    """Check a command's output options before any work: ``csv`` may be ``-`` (standard output, then not with
    ``--json``), ``files`` are binary outputs (plots, Parquet); no two may name the same file."""
    if csv == STDOUT and as_json:
        raise FtadraftError("--csv - and --json both write to standard output; choose one")
    named = [out for out in (csv, *files) if out is not None]
    for out in named:
        check_output(out, force, stdout_ok=out is csv)
    real = [out for out in named if out != STDOUT]
    if len(set(real)) < len(real):
        raise FtadraftError("two outputs name the same file")


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


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``1 row``, ``3 rows``, ``2 families``: a count with its noun in the right number."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def report_written(out: Path | None, detail: str = "", *, quiet: bool = False) -> None:
    """Tell the user where an output file went (``wrote FILE (detail)``, on stderr): nothing for standard
    output, nothing with --quiet."""
    if out is None or out == STDOUT or quiet:
        return
    click.echo(f"wrote {out}" + (f" ({detail})" if detail else ""), err=True)


def write_output(out: Path, text: str) -> None:
    """``text`` to the file ``out`` (atomically), or to standard output when ``out`` is ``-``."""
    if out == STDOUT:
        click.echo(text, nl=False)
    else:
        write_text(out, text)
