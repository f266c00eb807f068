"""The ``ftadraft`` command line: a thin layer that parses arguments, calls the library and prints.

One module per command group; :mod:`.app` holds the root group and the shared conventions.
"""

from __future__ import annotations

from . import clauses, compare, corpus, draft, families, precedents, search, stats, topics  # noqa: F401  (registers the commands on the root group)
from .app import cli


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="ftadraft")


__all__ = ["cli", "main"]
