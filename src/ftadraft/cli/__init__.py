"""The ``ftadraft`` command line: a thin layer that parses arguments, calls the library and prints.

One module per command group; :mod:`.app` holds the root group and the shared conventions.
"""

from __future__ import annotations

from .app import LazyGroup, cli

#: command -> the module of this package that registers it on the root group, imported when the command is
#: used (``ftadraft --help`` imports them all to list them): a one-shot command loads only its own module.
COMMANDS = {
    "clauses": "clauses", "compare": "compare", "corpus": "corpus", "draft": "draft", "families": "families",
    "precedents": "precedents", "reuse": "precedents", "search": "search", "serve": "serve", "stats": "stats",
    "topics": "topics",
}
assert isinstance(cli, LazyGroup)
cli.lazy.update(COMMANDS)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="ftadraft")


__all__ = ["cli", "main"]
